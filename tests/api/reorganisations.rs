//! Agencies change (issue 17): merges, splits, renames and dissolutions,
//! recorded with their decision, handing the roles of open tasks on to the
//! successor; each rule of bad input refused whole (422 naming the field),
//! and a concurrent reorganisation of one agency refused (409).

use diesel::connection::SimpleConnection;
use serde_json::{json, Value};

use crate::actors::{path, Actor};
use crate::bodies::{ClaimBody, PlanBody, ReorgBody, ReportBody, ReviewBody, Successor, TaskBody};
use crate::common::{clock_at, JsonExt, Reply, TestApp};
use crate::demo::{STP, STTTT};
use crate::sheets::{csv_sheet, import};

const REORG: &str = "/api/v1/agencies/reorganisations";
/// Two departments the demo's own 2025 reorganisation leaves alone: the
/// tests merge Sở Du lịch into Sở Văn hóa và Thể thao.
const MERGED: &str = "SDL";
const ABSORBING: &str = "SVHTT";

/// Everything a reorganisation writes, to prove a refusal wrote nothing.
fn written(app: &TestApp) -> String {
    app.texts(
        "SELECT concat_ws('/',
            (SELECT count(*) FROM reorganisations),
            (SELECT count(*) FROM reorganisation_agencies),
            (SELECT count(*) FROM agency_successions),
            (SELECT count(*) FROM agency_names),
            (SELECT count(*) FROM task_agency_moves),
            (SELECT count(*) FROM agencies),
            (SELECT md5(string_agg(a::text, ',' ORDER BY a.id)) FROM agencies a),
            (SELECT md5(string_agg(t.id::text || t.lead_agency_id::text || t.version, ',' ORDER BY t.id)) FROM tasks t),
            (SELECT md5(string_agg(s::text, ',' ORDER BY s::text)) FROM task_supporting_agencies s),
            (SELECT count(*) FROM audit_events)) AS t",
    )
    .remove(0)
}

/// A 2025 plan: K1 led by MERGED (open), K2 led by MERGED and completed on
/// 2025-02-20, K3 led by STP and supported by MERGED (open).
async fn plan_2025(app: &TestApp) -> (String, [String; 3]) {
    let coordinator = Actor::coordinator(app);
    let plan = coordinator
        .create_plan(&PlanBody::new("CCHC-2025-TEST", 2025))
        .await
        .id();
    let k1 = coordinator
        .create_task(&plan, &TaskBody::new("K1").lead(MERGED).date("2025-06-30"))
        .await
        .id();
    let k2 = coordinator
        .create_task(&plan, &TaskBody::new("K2").lead(MERGED).date("2025-03-31"))
        .await
        .id();
    let k3 = coordinator
        .create_task(
            &plan,
            &TaskBody::new("K3")
                .lead(STP)
                .supporting(&[MERGED, STTTT])
                .date("2025-09-30"),
        )
        .await
        .id();
    Actor::officer(app, MERGED)
        .claim_completion(&k2, &ClaimBody::new("2025-02-20", "Đã hoàn thành"))
        .await;
    coordinator.review(&k2, &ReviewBody::accept()).await;
    (plan, [k1, k2, k3])
}

/// MERGED merged into ABSORBING on 2025-03-01, by the coordinator: the outcome.
async fn merge_into_absorbing(app: &TestApp) -> Value {
    Actor::coordinator(app)
        .post(
            REORG,
            &ReorgBody::merge(&[MERGED], Successor::existing(ABSORBING)),
        )
        .await
        .created()
}

async fn etag_of(app: &TestApp, task: &str) -> String {
    Actor::inspector(app).get(&path::task(task)).await.etag()
}

fn supporting_codes(task: &Value) -> Vec<String> {
    let mut codes: Vec<String> = task["supporting_agencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.text("code").to_string())
        .collect();
    codes.sort();
    codes
}

fn moves_of(outcome: &Value, code: &str) -> Vec<String> {
    outcome["moves"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["task_code"] == code)
        .map(|m| m.text("role").to_string())
        .collect()
}

#[actix_web::test]
async fn reorg_a_merge_hands_open_tasks_to_the_successor_and_completed_ones_stay() {
    let app = TestApp::demo().await;
    let (_, [k1, k2, k3]) = plan_2025(&app).await;
    let coordinator = Actor::coordinator(&app);
    let (k1_before, k2_before) = (etag_of(&app, &k1).await, etag_of(&app, &k2).await);
    let reply = coordinator
        .post(
            REORG,
            &ReorgBody::merge(&[MERGED], Successor::existing(ABSORBING)),
        )
        .await;
    let done = reply.created();
    assert_eq!(
        reply.header("location"),
        Some(format!("{REORG}/{}", done.id()).as_str())
    );
    assert_eq!(done["kind"], "merge");
    assert_eq!(done["dry_run"], false);
    assert_eq!(done["effective_on"], "2025-03-01");
    assert_eq!(done["decision"]["document_number"], "15/NQ-HĐND");
    assert_eq!(moves_of(&done, "K1"), ["lead"]);
    assert_eq!(moves_of(&done, "K3"), ["supporting"]);
    assert!(moves_of(&done, "K2").is_empty());
    assert!(done["kept"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["task_code"] == "K2" && k["role"] == "lead"));

    // a moved task changed (its ETag too); the one that stayed did not
    assert_ne!(etag_of(&app, &k1).await, k1_before);
    assert_eq!(etag_of(&app, &k2).await, k2_before);
    // the open task is the absorbing agency's now; the completed one stays the merged agency's
    let t1 = coordinator.task(&k1).await;
    assert_eq!(t1["lead_agency"]["code"], ABSORBING);
    assert_eq!(coordinator.task(&k2).await["lead_agency"]["code"], MERGED);
    let t3 = coordinator.task(&k3).await;
    assert_eq!(t3["lead_agency"]["code"], STP);
    assert_eq!(supporting_codes(&t3), [STTTT, ABSORBING]);

    // the predecessor ends the day before effective_on and names its successor
    let skhdt = coordinator
        .get(&format!("/api/v1/agencies/{}", app.agency_id(MERGED)))
        .await
        .ok();
    assert_eq!(skhdt["valid_to"], "2025-03-01");
    assert_eq!(skhdt["successor_ids"], json!([app.agency_id(ABSORBING)]));
    let stc = coordinator
        .get(&format!("/api/v1/agencies/{}", app.agency_id(ABSORBING)))
        .await
        .ok();
    assert_eq!(stc["valid_to"], Value::Null);

    // each change is in the task's history, citing the decision
    let history = coordinator.history(&k1).await;
    let entry = history
        .iter()
        .find(|e| e["action"] == "task.reorganised")
        .expect("a task.reorganised entry");
    assert_eq!(
        entry["changes"]["decision"]["document_number"],
        "15/NQ-HĐND"
    );
    assert_eq!(
        entry["changes"]["decision"]["issuer"],
        "HĐND tỉnh Khánh Hòa"
    );
    assert_eq!(entry["changes"]["effective_on"], "2025-03-01");
    assert_eq!(entry["changes"]["reorganisation_id"], done["id"]);
    assert_eq!(
        entry["changes"]["moves"],
        json!([{"role": "lead", "from_agency_id": app.agency_id(MERGED), "to_agency_id": app.agency_id(ABSORBING)}])
    );
    // and published as a change of the task (its new lead's officers hear of it)
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM outbox_events WHERE task_id = '{k1}' \
             AND type = 'task.updated' AND changes->>'reorganisation_id' = '{}'",
            done.id()
        )),
        1
    );
    assert!(coordinator
        .history(&k2)
        .await
        .iter()
        .all(|e| e["action"] != "task.reorganised"));

    // the predecessor's officers no longer write on it; the successor's do
    Actor::officer(&app, MERGED)
        .post(&path::reports(&k1), &ReportBody::new(30, "Đang triển khai"))
        .await
        .problem(403);
    Actor::officer(&app, ABSORBING)
        .post(&path::reports(&k1), &ReportBody::new(30, "Đang triển khai"))
        .await
        .created();

    // the recorded event reads back as it was answered
    let again = coordinator
        .get(&format!("{REORG}/{}", done.id()))
        .await
        .ok();
    assert_eq!(again, done);
}

#[actix_web::test]
async fn reorg_a_dry_run_shows_what_would_move_and_writes_nothing() {
    let app = TestApp::demo().await;
    let (_, [k1, _, _]) = plan_2025(&app).await;
    let before = written(&app);
    let coordinator = Actor::coordinator(&app);
    let answer = coordinator
        .post(
            &format!("{REORG}?dry_run=true"),
            &ReorgBody::merge(&[MERGED], Successor::existing(ABSORBING)),
        )
        .await
        .ok();
    assert_eq!(answer["dry_run"], true);
    assert_eq!(moves_of(&answer, "K1"), ["lead"]);
    assert_eq!(moves_of(&answer, "K3"), ["supporting"]);
    assert_eq!(written(&app), before);
    assert_eq!(coordinator.task(&k1).await["lead_agency"]["code"], MERGED);
    // a dry run of bad input is refused like the real thing
    coordinator
        .post(
            &format!("{REORG}?dry_run=true"),
            &ReorgBody::merge(&[MERGED], Successor::existing(MERGED)),
        )
        .await
        .field_error(422, "change.successor.agency_id");
}

#[actix_web::test]
async fn reorg_a_merge_into_a_new_agency_creates_it_valid_from_effective_on() {
    let app = TestApp::demo().await;
    let (_, [k1, _, k3]) = plan_2025(&app).await;
    let coordinator = Actor::coordinator(&app);
    let done = coordinator
        .post(
            REORG,
            &ReorgBody::merge(
                &[MERGED, ABSORBING],
                Successor::new("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
            ),
        )
        .await
        .created();
    assert_eq!(done["successors"][0]["created"], true);
    let new = coordinator
        .get(&format!("/api/v1/agencies/{}", app.agency_id("SVHTTDL")))
        .await
        .ok();
    assert_eq!(new["valid_from"], "2025-03-01");
    assert_eq!(
        coordinator.task(&k1).await["lead_agency"]["code"],
        "SVHTTDL"
    );
    assert_eq!(
        supporting_codes(&coordinator.task(&k3).await),
        [STTTT, "SVHTTDL"]
    );
    // both predecessors end
    for code in [MERGED, ABSORBING] {
        let a = coordinator
            .get(&format!("/api/v1/agencies/{}", app.agency_id(code)))
            .await
            .ok();
        assert_eq!(a["valid_to"], "2025-03-01", "{code}");
        assert_eq!(a["successor_ids"], json!([app.agency_id("SVHTTDL")]));
    }
    // a taken code is a field error, not a half-made merge
    let before = written(&app);
    coordinator
        .post(
            REORG,
            &ReorgBody::merge(&[STP], Successor::new("STTTT", "Trùng mã")).on("2025-04-01"),
        )
        .await
        .field_error(422, "change.successor.new_agency.code");
    assert_eq!(written(&app), before);
}

#[actix_web::test]
async fn reorg_a_rename_keeps_the_id_and_ends_nothing() {
    let app = TestApp::demo().await;
    let (_, [k1, _, _]) = plan_2025(&app).await;
    let coordinator = Actor::coordinator(&app);
    let done = coordinator
        .post(REORG, &ReorgBody::rename(MERGED, "Sở Kinh tế"))
        .await
        .created();
    assert_eq!(done["previous_name"], "Sở Du lịch");
    assert!(done["moves"].as_array().unwrap().is_empty());
    let agency = coordinator
        .get(&format!("/api/v1/agencies/{}", app.agency_id(MERGED)))
        .await
        .ok();
    assert_eq!(agency["name"], "Sở Kinh tế");
    assert_eq!(agency["valid_to"], Value::Null);
    assert_eq!(coordinator.task(&k1).await["lead_agency"]["code"], MERGED);
    assert_eq!(
        app.texts(&format!(
            "SELECT name || ' ' || valid_to AS t FROM agency_names WHERE agency_id = '{}'",
            app.agency_id(MERGED)
        )),
        ["Sở Du lịch 2025-03-01"]
    );
}

#[actix_web::test]
async fn reorg_a_split_needs_a_successor_for_every_open_task() {
    let app = TestApp::demo().await;
    let (_, [k1, k2, k3]) = plan_2025(&app).await;
    let coordinator = Actor::coordinator(&app);
    let successors = [
        Successor::new("SKT", "Sở Kinh tế"),
        Successor::existing(ABSORBING),
    ];
    let before = written(&app);
    // K3 (supported by MERGED) has no rule: refused whole, naming it
    let reply = coordinator
        .post(
            REORG,
            &ReorgBody::split(MERGED, &successors).task(&k1, "SKT"),
        )
        .await;
    let problem = reply.field_error(422, "change.tasks");
    assert!(problem.to_string().contains("K3"), "{}", *problem);
    assert_eq!(written(&app), before);
    // a rule naming no successor, or a task that is not the agency's
    coordinator
        .post(
            REORG,
            &ReorgBody::split(MERGED, &successors)
                .task(&k1, "STP")
                .task(&k3, ABSORBING),
        )
        .await
        .field_error(422, "change.tasks[0].successor_code");
    coordinator
        .post(
            REORG,
            &ReorgBody::split(MERGED, &successors)
                .task(&k1, "SKT")
                .task(&k3, ABSORBING)
                .task(&k2, ABSORBING),
        )
        .await
        .field_error(422, "change.tasks[2].task_id");
    // two new successors under one code: the second is named, in a dry run too
    coordinator
        .post(
            &format!("{REORG}?dry_run=true"),
            &ReorgBody::split(
                MERGED,
                &[
                    Successor::new("SKT", "Sở Kinh tế"),
                    Successor::new("SKT", "Sở Kinh tế 2"),
                ],
            )
            .task(&k1, "SKT")
            .task(&k3, "SKT"),
        )
        .await
        .field_error(422, "change.successors[1].new_agency.code");
    assert_eq!(written(&app), before);

    let done = coordinator
        .post(
            REORG,
            &ReorgBody::split(MERGED, &successors)
                .task(&k1, "SKT")
                .task(&k3, ABSORBING),
        )
        .await
        .created();
    assert_eq!(done["kind"], "split");
    assert_eq!(coordinator.task(&k1).await["lead_agency"]["code"], "SKT");
    assert_eq!(
        supporting_codes(&coordinator.task(&k3).await),
        [STTTT, ABSORBING]
    );
    assert_eq!(coordinator.task(&k2).await["lead_agency"]["code"], MERGED);
}

#[actix_web::test]
async fn reorg_a_successor_dissolved_on_the_day_is_refused_the_day_before_it_is_not() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    // STTTT ends on 2025-03-02 (its last day is 03-01), into ABSORBING
    coordinator
        .post(
            REORG,
            &ReorgBody::dissolve(STTTT, ABSORBING).on("2025-03-02"),
        )
        .await
        .created();
    // on 03-01 STTTT still exists: it may take MERGED's work
    coordinator
        .post(REORG, &ReorgBody::dissolve(MERGED, STTTT).on("2025-03-01"))
        .await
        .created();
    // on 03-02 it is dissolved: it may not
    let before = written(&app);
    coordinator
        .post(REORG, &ReorgBody::dissolve(STP, STTTT).on("2025-03-02"))
        .await
        .field_error(422, "change.successor_id")
        .alone();
    assert_eq!(written(&app), before);
}

#[actix_web::test]
async fn reorg_effective_on_before_an_agencys_valid_from_is_refused() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    coordinator
        .post(
            REORG,
            &ReorgBody::merge(&[MERGED], Successor::new("SKT", "Sở Kinh tế")),
        )
        .await
        .created();
    let before = written(&app);
    coordinator
        .post(
            REORG,
            &ReorgBody::rename("SKT", "Sở Kinh tế tỉnh").on("2025-02-28"),
        )
        .await
        .field_error(422, "effective_on")
        .alone();
    coordinator
        .post(REORG, &ReorgBody::dissolve(STP, "SKT").on("2025-02-28"))
        .await
        .field_error(422, "effective_on");
    assert_eq!(written(&app), before);
    coordinator
        .post(
            REORG,
            &ReorgBody::rename("SKT", "Sở Kinh tế tỉnh").on("2025-03-02"),
        )
        .await
        .created();
}

#[actix_web::test]
async fn reorg_a_cycle_in_succession_is_refused() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    // an agency cannot succeed itself, in one event or through recorded ones
    coordinator
        .post(
            REORG,
            &ReorgBody::merge(&[MERGED, ABSORBING], Successor::existing(ABSORBING)),
        )
        .await
        .field_error(422, "change.successor.agency_id");
    // MERGED → ABSORBING from 03-01; ABSORBING → MERGED from 02-01 would close a loop
    coordinator
        .post(REORG, &ReorgBody::dissolve(MERGED, ABSORBING))
        .await
        .created();
    let before = written(&app);
    coordinator
        .post(
            REORG,
            &ReorgBody::dissolve(ABSORBING, MERGED).on("2025-02-01").set(
                "decision",
                json!({"document_number": "2/NQ-HĐND", "issued_on": "2025-01-15", "issuer": "HĐND tỉnh"}),
            ),
        )
        .await
        .field_error(422, "change.successor_id")
        ;
    assert_eq!(written(&app), before);
}

#[actix_web::test]
async fn reorg_a_second_reorganisation_of_an_agency_the_same_day_is_refused() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    coordinator
        .post(REORG, &ReorgBody::rename(MERGED, "Sở Kinh tế"))
        .await
        .created();
    let before = written(&app);
    coordinator
        .post(REORG, &ReorgBody::dissolve(MERGED, ABSORBING))
        .await
        .field_error(422, "change.agency_id")
        .alone();
    // as a successor too
    coordinator
        .post(REORG, &ReorgBody::dissolve(STP, MERGED))
        .await
        .field_error(422, "change.successor_id");
    assert_eq!(written(&app), before);
    // the next day it may change again
    coordinator
        .post(
            REORG,
            &ReorgBody::dissolve(MERGED, ABSORBING).on("2025-03-02"),
        )
        .await
        .created();
}

#[actix_web::test]
async fn reorg_every_broken_rule_is_named_at_once() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let reply = coordinator
        .post(
            REORG,
            &ReorgBody::merge(&[MERGED, MERGED], Successor::existing(MERGED)).set(
                "decision",
                json!({"document_number": "15/NQ-HĐND", "issued_on": "2025-03-02", "issuer": "HĐND tỉnh"}),
            ),
        )
        .await;
    reply.field_error(422, "decision.issued_on");
    reply.field_error(422, "change.predecessor_ids[1]");
    // a decision may be issued on the day it takes effect (one day later it may not)
    let on_the_day = coordinator
        .post(
            &format!("{REORG}?dry_run=true"),
            &ReorgBody::merge(&[MERGED], Successor::existing(ABSORBING)).set(
                "decision",
                json!({"document_number": "15/NQ-HĐND", "issued_on": "2025-03-01", "issuer": "HĐND tỉnh"}),
            ),
        )
        .await
        .ok();
    assert_eq!(on_the_day["decision"]["issued_on"], "2025-03-01");
    reply.field_error(422, "change.successor.agency_id");
    // an unknown agency is named too
    coordinator
        .post(
            REORG,
            &json!({
                "effective_on": "2025-03-01",
                "decision": {"document_number": "1/QĐ", "issued_on": "2025-02-01", "issuer": "UBND tỉnh"},
                "change": {"kind": "dissolve", "agency_id": app.agency_id(MERGED), "successor_id": uuid::Uuid::new_v4()},
            }),
        )
        .await
        .field_error(422, "change.successor_id");
    // a successor given twice over, or not at all
    coordinator
        .post(
            REORG,
            &json!({
                "effective_on": "2025-03-01",
                "decision": {"document_number": "1/QĐ", "issued_on": "2025-02-01", "issuer": "UBND tỉnh"},
                "change": {"kind": "merge", "predecessor_ids": [app.agency_id(MERGED)], "successor": {}},
            }),
        )
        .await
        .field_error(422, "change.successor");
}

#[actix_web::test]
async fn reorg_effective_on_may_be_today_in_the_province_not_tomorrow() {
    // 16:59:59 UTC on 28/2 is 23:59:59 on 28/2 in the province
    let mut app = TestApp::demo_with_clock(clock_at("2025-02-28T16:59:59Z")).await;
    let before = written(&app);
    Actor::coordinator(&app)
        .post(REORG, &ReorgBody::rename(MERGED, "Sở Kinh tế"))
        .await
        .field_error(422, "effective_on")
        .alone();
    assert_eq!(written(&app), before);
    // one second later it is 1/3 in the province
    app.set_clock(clock_at("2025-02-28T17:00:00Z")).await;
    Actor::coordinator(&app)
        .post(REORG, &ReorgBody::rename(MERGED, "Sở Kinh tế"))
        .await
        .created();
}

#[actix_web::test]
async fn reorg_a_reorganisation_racing_another_on_the_same_agency_is_409() {
    let app = TestApp::demo().await;
    // another reorganisation holds MERGED's row, mid-transaction
    let mut other = app.pool().get().unwrap();
    other
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM agencies WHERE id = '{}' FOR NO KEY UPDATE;",
            app.agency_id(MERGED)
        ))
        .unwrap();
    let before = written(&app);
    Actor::coordinator(&app)
        .post(REORG, &ReorgBody::dissolve(MERGED, ABSORBING))
        .await
        .problem(409)
        .problem_type("concurrent-change");
    assert_eq!(written(&app), before);
    other.batch_execute("ROLLBACK;").unwrap();
    // once it is gone, the same request goes through
    Actor::coordinator(&app)
        .post(REORG, &ReorgBody::dissolve(MERGED, ABSORBING))
        .await
        .created();
}

#[actix_web::test]
async fn reorg_is_the_coordinators() {
    let app = TestApp::demo().await;
    let before = written(&app);
    for who in [Actor::inspector(&app), Actor::officer(&app, MERGED)] {
        who.post(REORG, &ReorgBody::dissolve(MERGED, ABSORBING))
            .await
            .problem(403)
            .problem_type("not-coordinator");
    }
    assert_eq!(written(&app), before);
}

fn lead_counts(summary: &Value) -> Vec<(String, i64)> {
    summary["by_lead_agency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a.text("code").to_string(), a["total"].as_i64().unwrap()))
        .collect()
}

#[actix_web::test]
async fn reorg_as_of_the_day_before_the_predecessor_leads_from_effective_on_the_successor() {
    let app = TestApp::demo().await;
    let (plan, [k1, _, _]) = plan_2025(&app).await;
    merge_into_absorbing(&app).await;
    let inspector = Actor::inspector(&app);

    // a task read as of a day shows who led it then
    let before = inspector.task_as_of(&k1, "2025-02-28").await;
    assert_eq!(before["lead_agency"]["code"], MERGED);
    assert_eq!(before["lead_agency"]["name"], "Sở Du lịch");
    let after = inspector.task_as_of(&k1, "2025-03-01").await;
    assert_eq!(after["lead_agency"]["code"], ABSORBING);

    // the plan's summary counts the predecessor before, the successor after
    assert_eq!(
        lead_counts(&inspector.plan_summary(&plan, "2025-02-28").await),
        [(MERGED.to_string(), 2), (STP.to_string(), 1)]
    );
    assert_eq!(
        lead_counts(&inspector.plan_summary(&plan, "2025-03-01").await),
        [
            (MERGED.to_string(), 1),
            (STP.to_string(), 1),
            (ABSORBING.to_string(), 1)
        ]
    );

    // the scorecards, on both sides of effective_on
    let skhdt = inspector.scorecard(MERGED, &plan, "2025-02-28").await;
    assert_eq!(
        (skhdt["led"].as_i64(), skhdt["open"].as_i64()),
        (Some(2), Some(1))
    );
    let stc = inspector.scorecard(ABSORBING, &plan, "2025-02-28").await;
    assert_eq!(stc["led"], 0);
    assert_eq!(stc["predecessors"], json!([]));
    let skhdt = inspector.scorecard(MERGED, &plan, "2025-03-01").await;
    assert_eq!(
        (skhdt["led"].as_i64(), skhdt["open"].as_i64()),
        (Some(1), Some(0))
    );
    let stc = inspector.scorecard(ABSORBING, &plan, "2025-03-01").await;
    assert_eq!(
        (stc["led"].as_i64(), stc["open"].as_i64()),
        (Some(1), Some(1))
    );
    let predecessors = stc["predecessors"].as_array().unwrap();
    assert_eq!(predecessors.len(), 1);
    assert_eq!(predecessors[0]["code"], MERGED);
    assert_eq!(predecessors[0]["led"], 1);
    assert_eq!(predecessors[0]["completed_on_time"], 1);
    assert_eq!(predecessors[0]["valid_to"], "2025-03-01");

    // a list filtered by the successor includes the predecessor's tasks on request
    let stc_id = app.agency_id(ABSORBING);
    let own = inspector
        .task_codes(&format!(
            "plan_id={plan}&agency_id={stc_id}&agency_role=lead&as_of=2025-03-31"
        ))
        .await;
    assert_eq!(own, ["K1"]);
    let mut with = inspector
        .task_codes(&format!(
            "plan_id={plan}&agency_id={stc_id}&agency_role=lead&as_of=2025-03-31&include_predecessors=true"
        ))
        .await;
    with.sort();
    assert_eq!(with, ["K1", "K2"]);
    let any = inspector
        .task_codes(&format!(
            "plan_id={plan}&agency_id={stc_id}&include_predecessors=true&as_of=2025-03-31"
        ))
        .await;
    assert_eq!(any.len(), 3, "{any:?}");
    // before effective_on the successor led none of them
    let early = inspector
        .task_codes(&format!(
            "plan_id={plan}&agency_id={stc_id}&agency_role=lead&as_of=2025-02-28"
        ))
        .await;
    assert!(early.is_empty(), "{early:?}");
    Actor::inspector(&app)
        .get(&path::tasks("include_predecessors=true"))
        .await
        .field_error(422, "include_predecessors");
}

/// A task handed on twice (MERGED to ABSORBING on 2025-03-01, ABSORBING to
/// STTTT on 2025-04-01) was led, before both, by the agency the earliest
/// move took it from; between them by the first successor.
#[actix_web::test]
async fn reorg_a_task_handed_on_twice_is_led_by_each_agency_in_its_turn() {
    let app = TestApp::demo().await;
    let (plan, [k1, _, _]) = plan_2025(&app).await;
    let coordinator = Actor::coordinator(&app);
    merge_into_absorbing(&app).await;
    coordinator
        .post(
            REORG,
            &ReorgBody::merge(&[ABSORBING], Successor::existing(STTTT)).on("2025-04-01"),
        )
        .await
        .created();
    let inspector = Actor::inspector(&app);
    for (day, lead) in [
        ("2025-02-28", MERGED),
        ("2025-03-01", ABSORBING),
        ("2025-03-31", ABSORBING),
        ("2025-04-01", STTTT),
    ] {
        let task = inspector.task_as_of(&k1, day).await;
        assert_eq!(task["lead_agency"]["code"], lead, "read alone, as of {day}");
        let listed = inspector
            .get(&format!(
                "/api/v1/tasks?plan_id={plan}&as_of={day}&limit=10"
            ))
            .await
            .ok();
        let row = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == k1.as_str())
            .unwrap();
        assert_eq!(row["lead_agency"]["code"], lead, "listed, as of {day}");
    }
}

#[actix_web::test]
async fn reorg_a_task_read_as_of_a_day_shows_the_name_valid_that_day() {
    let app = TestApp::demo().await;
    let (_, [k1, _, k3]) = plan_2025(&app).await;
    Actor::coordinator(&app)
        .post(REORG, &ReorgBody::rename(MERGED, "Sở Kinh tế"))
        .await
        .created();
    let inspector = Actor::inspector(&app);
    assert_eq!(
        inspector.task_as_of(&k1, "2025-02-28").await["lead_agency"]["name"],
        "Sở Du lịch"
    );
    assert_eq!(
        inspector.task_as_of(&k1, "2025-03-01").await["lead_agency"]["name"],
        "Sở Kinh tế"
    );
    assert_eq!(
        inspector.task(&k1).await["lead_agency"]["name"],
        "Sở Kinh tế"
    );
    // a supporting agency too, under the name of the day
    let supporting_name = |task: &Value| {
        task["supporting_agencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == MERGED)
            .map(|a| a.text("name").to_string())
    };
    for (day, name) in [("2025-02-28", "Sở Du lịch"), ("2025-03-01", "Sở Kinh tế")] {
        let task = inspector.task_as_of(&k3, day).await;
        assert_eq!(supporting_name(&task).as_deref(), Some(name), "as of {day}");
    }
    // renamed again: each day has the name then in force, the earliest first
    Actor::coordinator(&app)
        .post(
            REORG,
            &ReorgBody::rename(MERGED, "Sở Kinh tế và Du lịch").on("2025-04-01"),
        )
        .await
        .created();
    for (day, name) in [
        ("2025-02-28", "Sở Du lịch"),
        ("2025-03-31", "Sở Kinh tế"),
        ("2025-04-01", "Sở Kinh tế và Du lịch"),
    ] {
        let lead = inspector.task_as_of(&k1, day).await;
        assert_eq!(lead["lead_agency"]["name"], name, "lead, as of {day}");
        let supported = inspector.task_as_of(&k3, day).await;
        assert_eq!(
            supporting_name(&supported).as_deref(),
            Some(name),
            "supporting, as of {day}"
        );
    }
}

fn card(c: &Value) -> (i64, i64, i64) {
    (
        c["led"].as_i64().unwrap(),
        c["open"].as_i64().unwrap(),
        c["completed_on_time"].as_i64().unwrap(),
    )
}

#[actix_web::test]
async fn reorg_the_demo_merges_skhdt_into_stc_on_2025_03_01() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let plan = inspector
        .get("/api/v1/plans?year=2025")
        .await
        .ok()
        .items()
        .into_iter()
        .find(|p| p["code"] == "CCHC-2025-SX")
        .expect("the illustrative 2025 plan");
    assert!(plan.text("title").contains("(minh họa)"));
    let plan = plan.id();

    // 28/2: Sở Kế hoạch và Đầu tư leads its three tasks (one completed)
    let skhdt = inspector.scorecard("SKHDT", &plan, "2025-02-28").await;
    assert_eq!(card(&skhdt), (3, 2, 1));
    assert_eq!(
        card(&inspector.scorecard("STC", &plan, "2025-02-28").await),
        (1, 1, 0)
    );
    let summary = inspector.plan_summary(&plan, "2025-02-28").await;
    let names: Vec<&str> = summary["by_lead_agency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.text("name"))
        .collect();
    assert!(names.contains(&"Sở Kế hoạch và Đầu tư"), "{names:?}");
    assert_eq!(
        lead_counts(&summary),
        [
            ("SGTVT".to_string(), 1),
            ("SKHDT".to_string(), 3),
            ("SNV".to_string(), 1),
            ("STC".to_string(), 1)
        ]
    );

    // 31/3: Sở Tài chính carries its open tasks; the completed one stays SKHĐT's
    let stc = inspector.scorecard("STC", &plan, "2025-03-31").await;
    assert_eq!(card(&stc), (3, 3, 0));
    assert_eq!(stc["predecessors"][0]["code"], "SKHDT");
    assert_eq!(stc["predecessors"][0]["led"], 1);
    assert_eq!(stc["predecessors"][0]["completed_on_time"], 1);
    assert_eq!(
        card(&inspector.scorecard("SKHDT", &plan, "2025-03-31").await),
        (1, 0, 1)
    );
    assert_eq!(
        lead_counts(&inspector.plan_summary(&plan, "2025-03-31").await),
        [
            ("SKHDT".to_string(), 1),
            ("SNV".to_string(), 1),
            ("STC".to_string(), 3),
            ("SXD".to_string(), 1)
        ]
    );

    // the moved task's history cites the decision; Sở Tài chính reported on it since
    let sx01 = inspector
        .tasks(&format!("plan_id={plan}&q=SX01"))
        .await
        .remove(0);
    assert_eq!(sx01["lead_agency"]["code"], "STC");
    let history = inspector.history(&sx01.id()).await;
    let moved = history
        .iter()
        .find(|e| e["action"] == "task.reorganised")
        .expect("a task.reorganised entry");
    assert_eq!(
        moved["changes"]["decision"]["document_number"],
        "01/NQ-HĐND (minh họa)"
    );
    assert_eq!(moved["changes"]["effective_on"], "2025-03-01");
    let reports = inspector.reports(&sx01.id()).await;
    assert!(reports
        .iter()
        .any(|r| r["agency_id"] == app.agency_id("STC").as_str()));
    assert_eq!(
        inspector.task_as_of(&sx01.id(), "2025-02-28").await["lead_agency"]["code"],
        "SKHDT"
    );
}

#[actix_web::test]
async fn reorg_two_reorganisations_of_one_agency_sent_at_once_never_both_win() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    for round in 0..5 {
        let code = format!("DUA{round}");
        coordinator
            .post(
                "/api/v1/agencies",
                &json!({"code": code, "name": format!("Cơ quan thử {round}"), "kind": "department"}),
            )
            .await
            .created();
        // a day of its own each round: the successor takes part once a day
        let day = format!("2025-03-{:02}", round + 1);
        let rename = ReorgBody::rename(&code, "Cơ quan đổi tên").on(&day);
        let dissolve = ReorgBody::dissolve(&code, ABSORBING).on(&day);
        let (first, second) = futures_util::future::join(
            coordinator.post(REORG, &rename),
            coordinator.post(REORG, &dissolve),
        )
        .await;
        let won: Vec<u16> = [&first, &second]
            .iter()
            .map(|r| r.status.as_u16())
            .collect();
        assert_eq!(
            won.iter().filter(|s| **s == 201).count(),
            1,
            "round {round}: {} / {}",
            first.raw,
            second.raw
        );
        for r in [&first, &second] {
            match r.status.as_u16() {
                201 => {}
                // at the same moment: the lock; one after the other: one a day
                409 => {
                    r.problem(409).problem_type("concurrent-change");
                }
                _ => {
                    r.field_error(422, "change.agency_id");
                }
            }
        }
        let agency = app.agency_id(&code);
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) AS n FROM reorganisation_agencies WHERE agency_id = '{agency}'"
            )),
            1,
            "round {round}"
        );
    }
}

#[actix_web::test]
async fn reorg_an_agency_takes_no_work_due_after_it_ends() {
    let app = TestApp::demo().await;
    let (plan, [_, _, k3]) = plan_2025(&app).await;
    let coordinator = Actor::coordinator(&app);
    merge_into_absorbing(&app).await;
    let before = written(&app);
    coordinator
        .post(
            &path::plan_tasks(&plan),
            &TaskBody::new("K9").lead(MERGED).date("2025-12-31"),
        )
        .await
        .field_error(422, "lead_agency_id");
    coordinator
        .post(
            &path::plan_tasks(&plan),
            &TaskBody::new("K9")
                .lead(STP)
                .supporting(&[MERGED])
                .date("2025-12-31"),
        )
        .await
        .field_error(422, "supporting_agency_ids");
    let etag = etag_of(&app, &k3).await;
    coordinator
        .patch_if_match(
            &path::task(&k3),
            &etag,
            &json!({"supporting_agency_ids": [app.agency_id(MERGED)]}),
        )
        .await
        .field_error(422, "supporting_agency_ids");
    assert_eq!(written(&app), before);
    // due on its last day it may still be given work (a past task, recorded late); due
    // on effective_on it may not
    coordinator
        .post(
            &path::plan_tasks(&plan),
            &TaskBody::new("K7").lead(MERGED).date("2025-03-01"),
        )
        .await
        .field_error(422, "lead_agency_id");
    coordinator
        .post(
            &path::plan_tasks(&plan),
            &TaskBody::new("K7").lead(MERGED).date("2025-02-28"),
        )
        .await
        .created();
    // its successor does
    coordinator
        .post(
            &path::plan_tasks(&plan),
            &TaskBody::new("K9").lead(ABSORBING).date("2025-12-31"),
        )
        .await
        .created();
}

#[actix_web::test]
async fn reorg_history_is_recorded_in_the_order_it_took_effect() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    coordinator
        .post(
            REORG,
            &ReorgBody::rename(MERGED, "Sở Du lịch tỉnh").on("2025-03-05"),
        )
        .await
        .created();
    let before = written(&app);
    // a change dated before the one recorded would rewrite its name versions
    let problem = coordinator
        .post(
            REORG,
            &ReorgBody::rename(MERGED, "Sở Du lịch (cũ)").on("2025-03-04"),
        )
        .await;
    problem.field_error(422, "change.agency_id").alone();
    assert!(problem.raw.contains("in the order"), "{}", problem.raw);
    coordinator
        .post(
            REORG,
            &ReorgBody::dissolve(MERGED, ABSORBING).on("2025-03-04"),
        )
        .await
        .field_error(422, "change.agency_id");
    assert_eq!(written(&app), before);
    // from the day after, it may change again; once ended, never again
    coordinator
        .post(
            REORG,
            &ReorgBody::dissolve(MERGED, ABSORBING).on("2025-03-06"),
        )
        .await
        .created();
    coordinator
        .post(
            REORG,
            &ReorgBody::rename(MERGED, "Sở Du lịch (cũ)").on("2025-03-07"),
        )
        .await
        .field_error(422, "change.agency_id");
}

#[actix_web::test]
async fn reorg_an_import_naming_an_agency_that_has_ended_is_refused_in_the_dry_run_too() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = plan_to_import_into_after_the_merge(&app).await;
    let sheet = |lead: &str, due: &str| {
        format!(
            "STT;Nhiệm vụ;Lĩnh vực;Cơ quan chủ trì;Cơ quan phối hợp;Thời hạn;Kết quả, sản phẩm\r\n\
             1;Quảng bá du lịch;Cải cách thủ tục hành chính;{lead};;{due};Báo cáo\r\n"
        )
        .into_bytes()
    };
    for query in ["?dry_run=true", ""] {
        let r = import(
            &coordinator,
            &plan,
            query,
            "text/csv",
            sheet("Sở Du lịch", "30/6/2025"),
        )
        .await;
        refused_as_sdl_has_ended(&r, "Cơ quan chủ trì");
    }
    // due the day before it ended, the row goes in
    import(
        &coordinator,
        &plan,
        "",
        "text/csv",
        sheet("Sở Du lịch", "28/2/2025"),
    )
    .await
    .ok();
    // named to support a new task due after it ended, the same
    let supporting = "STT;Nhiệm vụ;Lĩnh vực;Cơ quan chủ trì;Cơ quan phối hợp;Thời hạn;Kết quả, sản phẩm\r\n\
                      2;Quảng bá ẩm thực;Cải cách thủ tục hành chính;Sở Tư pháp;Sở Du lịch;30/6/2025;Báo cáo\r\n";
    let r = import(
        &coordinator,
        &plan,
        "",
        "text/csv",
        supporting.as_bytes().to_vec(),
    )
    .await;
    refused_as_sdl_has_ended(&r, "Cơ quan phối hợp");
}

/// An import refused for one cell, in `column`: it names SDL, which has ended.
fn refused_as_sdl_has_ended(r: &Reply, column: &str) {
    r.problem(422).problem_type("import-rejected");
    let errors = r.body["errors"].as_array().unwrap();
    assert_eq!(
        (errors.len(), &errors[0]["column"]),
        (1, &json!(column)),
        "{}",
        r.raw
    );
    assert!(
        errors[0]
            .text("message")
            .contains("SDL ceases to exist on 2025-03-01"),
        "{}",
        r.raw
    );
}

/// A 2025 plan to import into, once the merged agency (Sở Du lịch, SDL) has
/// been merged into the absorbing one from 2025-03-01.
async fn plan_to_import_into_after_the_merge(app: &TestApp) -> String {
    let plan = Actor::coordinator(app)
        .create_plan(&PlanBody::new("CCHC-2025-NHAP", 2025))
        .await
        .id();
    merge_into_absorbing(app).await;
    plan
}

/// An import that adds an agency that has ended to a task the plan already
/// has is refused as for a new task: what a row adds is judged against that
/// task's own supporting agencies, not another row's.
#[actix_web::test]
async fn reorg_an_import_adding_an_agency_that_has_ended_to_a_task_is_refused() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = plan_to_import_into_after_the_merge(&app).await;
    let import_rows = |second_supporting: &str| {
        let second = format!(
            "2,Quảng bá lễ hội,Cải cách thủ tục hành chính,Sở Tư pháp,{second_supporting},30/6/2025,Báo cáo"
        );
        let sheet = csv_sheet(&[
            "1,Quảng bá văn hóa,Cải cách thủ tục hành chính,Sở Tư pháp,Sở Du lịch,28/2/2025,Báo cáo",
            &second,
        ]);
        import(&coordinator, &plan, "", "text/csv", sheet)
    };
    // the first task, due before Sở Du lịch ended, may have it; the second none
    import_rows("").await.ok();
    // the second, due after, may not take it on
    refused_as_sdl_has_ended(&import_rows("Sở Du lịch").await, "Cơ quan phối hợp");
}

#[actix_web::test]
async fn reorg_supporting_roles_as_of_a_day_are_those_of_that_day() {
    let app = TestApp::demo().await;
    let (plan, [_, _, k3]) = plan_2025(&app).await;
    let coordinator = Actor::coordinator(&app);
    // K4: supported by the merged agency and, already, by the absorbing one
    let k4 = coordinator
        .create_task(
            &plan,
            &TaskBody::new("K4")
                .lead(STP)
                .supporting(&[MERGED, ABSORBING])
                .date("2025-10-31"),
        )
        .await
        .id();
    merge_into_absorbing(&app).await;
    let inspector = Actor::inspector(&app);
    let supporting_on = |task: &str, day: &str| {
        let (task, day) = (task.to_string(), day.to_string());
        let inspector = &inspector;
        async move { supporting_codes(&inspector.task_as_of(&task, &day).await) }
    };
    // the day before: who supported it then, under that day's names
    assert_eq!(supporting_on(&k3, "2025-02-28").await, [MERGED, STTTT]);
    assert_eq!(supporting_on(&k4, "2025-02-28").await, [MERGED, ABSORBING]);
    let before = inspector.task_as_of(&k3, "2025-02-28").await;
    let merged = before["supporting_agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == MERGED)
        .unwrap()
        .clone();
    assert_eq!(merged["name"], "Sở Du lịch");
    // from effective_on: the successor, once
    assert_eq!(supporting_on(&k3, "2025-03-01").await, [STTTT, ABSORBING]);
    assert_eq!(supporting_on(&k4, "2025-03-01").await, [ABSORBING]);

    // the list filtered by a supporting agency, and the scorecards, agree
    let supported_by = |code: &str, day: &str| {
        format!(
            "plan_id={plan}&agency_id={}&agency_role=supporting&as_of={day}&sort=code",
            app.agency_id(code)
        )
    };
    assert_eq!(
        inspector
            .task_codes(&supported_by(MERGED, "2025-02-28"))
            .await,
        ["K3", "K4"]
    );
    assert!(inspector
        .task_codes(&supported_by(MERGED, "2025-03-01"))
        .await
        .is_empty());
    assert_eq!(
        inspector
            .task_codes(&supported_by(ABSORBING, "2025-02-28"))
            .await,
        ["K4"]
    );
    assert_eq!(
        inspector
            .task_codes(&supported_by(ABSORBING, "2025-03-01"))
            .await,
        ["K3", "K4"]
    );
    let supporting = |card: Value| card["supporting"].as_i64().unwrap();
    assert_eq!(
        supporting(inspector.scorecard(MERGED, &plan, "2025-02-28").await),
        2
    );
    assert_eq!(
        supporting(inspector.scorecard(MERGED, &plan, "2025-03-01").await),
        0
    );
    assert_eq!(
        supporting(inspector.scorecard(ABSORBING, &plan, "2025-02-28").await),
        1
    );
    assert_eq!(
        supporting(inspector.scorecard(ABSORBING, &plan, "2025-03-01").await),
        2
    );
}

#[actix_web::test]
async fn reorg_a_closed_period_lists_a_successor_s_predecessors_when_asked() {
    let app = TestApp::demo().await;
    let (plan, _) = plan_2025(&app).await;
    let coordinator = Actor::coordinator(&app);
    // the first quarter, closed before the merger is recorded: its copy has
    // the merged agency as it stood on data_to
    let period = coordinator
        .post(
            &path::plan_periods(&plan),
            &json!({"kind": "quarter", "value": "2025-Q1"}),
        )
        .await
        .created()
        .id();
    coordinator
        .post_empty(&path::period(&period, "/close"))
        .await
        .ok();
    merge_into_absorbing(&app).await;
    let inspector = Actor::inspector(&app);
    let codes = |query: String| {
        let (inspector, period) = (&inspector, period.clone());
        async move {
            let mut codes: Vec<String> = inspector
                .get(&path::period(&period, &format!("/tasks?{query}")))
                .await
                .ok()
                .items()
                .iter()
                .map(|t| t.text("code").to_string())
                .collect();
            codes.sort();
            codes
        }
    };
    let absorbing = app.agency_id(ABSORBING);
    assert!(codes(format!("agency_id={absorbing}")).await.is_empty());
    assert_eq!(
        codes(format!("agency_id={absorbing}&include_predecessors=true")).await,
        ["K1", "K2", "K3"]
    );
    assert_eq!(
        codes(format!(
            "agency_id={absorbing}&agency_role=lead&include_predecessors=true"
        ))
        .await,
        ["K1", "K2"]
    );
    assert_eq!(
        codes(format!(
            "agency_id={absorbing}&agency_role=supporting&include_predecessors=true"
        ))
        .await,
        ["K3"]
    );
    // and without an agency it is a mistake, named
    inspector
        .get(&path::period(&period, "/tasks?include_predecessors=true"))
        .await
        .field_error(422, "include_predecessors");
}

/// A task whose lead and supporting agency are both merged is handed on in
/// one change of the task, naming both moves.
#[actix_web::test]
async fn reorg_a_task_losing_its_lead_and_a_supporting_agency_at_once_changes_once() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator
        .create_plan(&PlanBody::new("CCHC-2025-HAI", 2025))
        .await
        .id();
    let task = coordinator
        .create_task(
            &plan,
            &TaskBody::new("H1")
                .lead(MERGED)
                .supporting(&[STTTT])
                .date("2025-06-30"),
        )
        .await
        .id();
    let done = coordinator
        .post(
            REORG,
            &ReorgBody::merge(&[MERGED, STTTT], Successor::existing(ABSORBING)),
        )
        .await
        .created();
    let mut roles = moves_of(&done, "H1");
    roles.sort();
    assert_eq!(roles, ["lead", "supporting"], "{done}");
    let changes = app.count(&format!(
        "SELECT count(*) AS n FROM outbox_events WHERE task_id = '{task}' \
         AND changes->>'reorganisation_id' = '{}'",
        done.id()
    ));
    assert_eq!(changes, 1, "one change of the task");
    let history = coordinator.history(&task).await;
    let reorganised: Vec<&Value> = history
        .iter()
        .filter(|e| e["changes"]["reorganisation_id"] == done["id"])
        .collect();
    assert_eq!(reorganised.len(), 1, "{history:?}");
    assert_eq!(
        reorganised[0]["changes"]["moves"].as_array().map(Vec::len),
        Some(2)
    );
}
