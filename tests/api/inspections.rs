//! Inspections and their findings, followed until remedied: the inspection's
//! states and days, the findings' states, who writes what, overdue as of a
//! day in the province, the lists, the summary and the scorecard, and the
//! 2023 demo's programme (27 of 27 agencies inspected, 34 findings remedied).

use serde_json::{json, Value};

use crate::actors::{path, Actor};
use crate::bodies::{Evidence, FindingBody, InspectionBody, PlanBody, RemedyBody, ReviewBody};
use crate::common::{clock_at, JsonExt, TestApp};
use crate::demo::{self, NHATRANG, STP, STTTT};

fn conclusion(issued_on: &str) -> Value {
    json!({
        "conclusion_document": {"document_number": "35/TB-SNV", "issued_on": issued_on, "issuer": "Sở Nội vụ"},
        "conclusion": "Cơ quan đã triển khai các nhiệm vụ CCHC; còn hạn chế cần khắc phục.",
    })
}

fn remedy() -> RemedyBody {
    RemedyBody::new("Đã niêm yết công khai đầy đủ các thủ tục hành chính").evidence(Evidence::new(
        "12/BC-STP",
        "2024-07-20",
        "Sở Tư pháp",
        "Báo cáo kết quả khắc phục sau kiểm tra",
    ))
}

/// A 2024 plan with an inspection of STP scheduled and carried out on
/// `conducted_on`; returns (plan, inspection).
async fn inspected_stp(app: &TestApp, conducted_on: &str) -> (String, String) {
    let inspector = Actor::inspector(app);
    let plan = Actor::coordinator(app)
        .create_plan(&PlanBody::year(2024))
        .await
        .id();
    let inspection = inspector
        .plan_inspection(&plan, &InspectionBody::new(STP, conducted_on))
        .await
        .id();
    inspector
        .update_inspection(&inspection, &json!({"conducted_on": conducted_on}))
        .await;
    (plan, inspection)
}

fn statuses(items: &[Value]) -> Vec<&str> {
    items.iter().map(|i| i.text("status")).collect()
}

#[actix_web::test]
async fn an_inspection_is_carried_out_concluded_and_its_findings_followed_until_remedied() {
    let app = TestApp::demo().await;
    let (coordinator, inspector) = (Actor::coordinator(&app), Actor::inspector(&app));
    let officer = Actor::officer(&app, STP);
    let plan = coordinator.create_plan(&PlanBody::year(2024)).await.id();
    let planned = inspector
        .plan_inspection(
            &plan,
            &InspectionBody::new(STP, "2024-05-14").set("plan_document", json!("45/KH-UBND")),
        )
        .await;
    assert_eq!(
        (planned["status"].clone(), planned["agency"]["code"].clone()),
        (json!("planned"), json!(STP))
    );
    assert_eq!(
        planned["scope"],
        json!(["admin_procedure", "digital_government"])
    );
    assert_eq!(planned["plan_document"], "45/KH-UBND");
    let id = planned.id();

    let conducted = inspector
        .update_inspection(&id, &json!({"conducted_on": "2024-05-15"}))
        .await;
    assert_eq!(conducted["status"], "conducted");
    let concluded = coordinator
        .update_inspection(&id, &conclusion("2024-05-29"))
        .await;
    assert_eq!(concluded["status"], "concluded");
    assert_eq!(
        concluded["conclusion_document"],
        json!({"document_number": "35/TB-SNV", "issued_on": "2024-05-29", "issuer": "Sở Nội vụ"})
    );

    // findings, by the inspector and by the coordinator
    let finding = inspector
        .record_finding(&id, &FindingBody::due("2024-07-31"))
        .await;
    assert_eq!(
        (finding["status"].clone(), finding["agency"]["code"].clone()),
        (json!("open"), json!(STP))
    );
    assert_eq!(finding["plan_id"], plan.as_str());
    let violation = coordinator
        .record_finding(
            &id,
            &FindingBody::due("2024-08-31")
                .set("severity", json!("violation"))
                .set("area", json!("digital_government")),
        )
        .await;
    let f = finding.id();
    let remedy_path = path::finding(&f, "/remedy");

    // the agency reports its remedy, with evidence; the inspector returns it
    let reported = officer.report_remedy(&f, &remedy()).await;
    assert_eq!(reported["status"], "remedy_reported");
    assert_eq!(reported["remedies"][0]["status"], "pending");
    assert_eq!(
        reported["remedies"][0]["evidence"][0]["document_number"],
        "12/BC-STP"
    );
    officer
        .post(&remedy_path, &RemedyBody::new("Báo cáo lần hai"))
        .await
        .problem(409)
        .problem_type("finding-state")
        .names_status("remedy_reported");
    inspector
        .post(
            &path::finding(&f, "/verification"),
            &json!({"decision": "return"}),
        )
        .await
        .field_error(422, "comment");
    let returned = inspector
        .verify_remedy(
            &f,
            &ReviewBody::send_back().comment("Bổ sung ảnh chụp niêm yết"),
        )
        .await;
    assert_eq!(returned["status"], "returned");
    assert_eq!(
        returned["remedies"][0]["review_comment"],
        "Bổ sung ảnh chụp niêm yết"
    );

    // reported again, and accepted: remedied from today on
    let again = officer.report_remedy(&f, &remedy()).await;
    assert_eq!(again["status"], "remedy_reported");
    assert_eq!(
        statuses(again["remedies"].as_array().unwrap()),
        ["returned", "pending"]
    );
    let verified = coordinator.verify_remedy(&f, &ReviewBody::accept()).await;
    assert_eq!(verified["status"], "verified");
    assert_eq!(verified["verified_on"], verified["as_of"]);
    assert_eq!(verified["overdue"], false);

    // a verified finding takes no more remedies nor verifications
    officer
        .post(&remedy_path, &remedy())
        .await
        .problem(409)
        .problem_type("finding-state")
        .names_status("verified");
    inspector
        .post(&path::finding(&f, "/verification"), &ReviewBody::accept())
        .await
        .problem(409)
        .problem_type("finding-state");

    // the inspection with its findings, by due day; and the finding alone
    let detail = officer.get(&path::inspection(&id, "")).await.ok();
    assert_eq!(detail["status"], "concluded");
    assert_eq!(
        statuses(detail["findings"].as_array().unwrap()),
        ["verified", "open"]
    );
    assert_eq!(
        officer.get(&path::finding(&violation.id(), "")).await.ok()["severity"],
        "violation"
    );

    // every step is in the inspection's history, oldest first
    let history = officer
        .get(&path::inspection(&id, "/history"))
        .await
        .ok()
        .items();
    let actions: Vec<&str> = history.iter().map(|e| e.text("action")).collect();
    assert_eq!(
        actions,
        [
            "inspection.created",
            "inspection.conducted",
            "inspection.concluded",
            "finding.recorded",
            "finding.recorded",
            "finding.remedy_reported",
            "finding.returned",
            "finding.remedy_reported",
            "finding.verified",
        ]
    );
    assert_eq!(history[1]["changes"]["conducted_on"], "2024-05-15");
    assert_eq!(
        history[6]["changes"]["comment"],
        "Bổ sung ảnh chụp niêm yết"
    );
    let paged = officer
        .get(&format!("{}?limit=4", path::inspection(&id, "/history")))
        .await
        .ok();
    assert_eq!(paged.items().len(), 4);
    assert!(paged["next_cursor"].is_string());

    let open = inspector
        .findings(&format!("plan_id={plan}&status=open"))
        .await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id(), violation.id());
}

/// Any one field of an inspection's plan, sent alone, replans it: the change
/// is kept.
#[actix_web::test]
async fn each_field_of_an_inspection_s_plan_replans_it_alone() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let plan = Actor::coordinator(&app)
        .create_plan(&PlanBody::year(2024))
        .await
        .id();
    let id = inspector
        .plan_inspection(&plan, &InspectionBody::new(STP, "2024-05-14"))
        .await
        .id();
    for (field, value) in [
        ("scheduled_on", json!("2024-05-21")),
        ("scope", json!(["institution"])),
        ("team", json!("Đoàn kiểm tra số 2")),
        ("plan_document", json!("46/KH-UBND")),
    ] {
        let replanned = inspector
            .update_inspection(&id, &json!({ field: value }))
            .await;
        assert_eq!(replanned[field], value, "{field}");
        let read = inspector.get(&path::inspection(&id, "")).await.ok();
        assert_eq!(read[field], value, "{field}, read again");
    }
}

#[actix_web::test]
async fn the_days_of_an_inspection_and_its_findings_keep_their_order() {
    // today is 2024-06-10 in the province
    let app = TestApp::demo_with_clock(clock_at("2024-06-10T03:00:00Z")).await;
    let inspector = Actor::inspector(&app);
    let plan = Actor::coordinator(&app)
        .create_plan(&PlanBody::year(2024))
        .await
        .id();
    let id = inspector
        .plan_inspection(&plan, &InspectionBody::new(STP, "2024-06-03"))
        .await
        .id();
    let at = path::inspection(&id, "");
    let findings = path::inspection(&id, "/findings");

    // carried out before its day, or in the future: 422
    for day in ["2024-06-02", "2024-06-11"] {
        inspector
            .patch(&at, &json!({"conducted_on": day}))
            .await
            .field_error(422, "conducted_on")
            .alone();
    }
    // concluded, or given findings, before it was carried out: 409
    inspector
        .patch(&at, &conclusion("2024-06-05"))
        .await
        .problem(409)
        .problem_type("inspection-not-conducted")
        .names_status("planned");
    inspector
        .post(&findings, &FindingBody::due("2024-07-31"))
        .await
        .problem(409)
        .problem_type("inspection-not-conducted");
    // today is not the future; the day is corrected to the scheduled one
    let today = inspector
        .update_inspection(&id, &json!({"conducted_on": "2024-06-10"}))
        .await;
    assert_eq!(today["conducted_on"], "2024-06-10");
    inspector
        .update_inspection(&id, &json!({"conducted_on": "2024-06-03"}))
        .await;
    // a conducted inspection is no longer replanned or cancelled
    inspector
        .patch(&at, &json!({"scheduled_on": "2024-06-01"}))
        .await
        .problem(409)
        .problem_type("inspection-state")
        .names_status("conducted");
    // before a conclusion, findings are due no earlier than the inspection
    inspector
        .post(&findings, &FindingBody::due("2024-06-02"))
        .await
        .field_error(422, "due_on");
    // a conclusion before the inspection, or in the future: 422
    for day in ["2024-06-02", "2024-06-11"] {
        inspector
            .patch(&at, &conclusion(day))
            .await
            .field_error(422, "conclusion_document.issued_on");
    }
    inspector
        .patch(&at, &json!({"conclusion": "Kết luận không kèm văn bản"}))
        .await
        .field_error(422, "conclusion");
    inspector
        .update_inspection(&id, &conclusion("2024-06-07"))
        .await;
    // due before the conclusion: 422; on its day: recorded
    inspector
        .post(&findings, &FindingBody::due("2024-06-06"))
        .await
        .field_error(422, "due_on")
        .alone();
    inspector
        .record_finding(&id, &FindingBody::due("2024-06-07"))
        .await;
    inspector
        .post(
            &findings,
            &FindingBody::due("2024-07-31").set("area", json!("public_finance")),
        )
        .await
        .field_error(422, "area");
    // a concluded inspection changes no more
    for patch in [
        json!({"conducted_on": "2024-06-04"}),
        json!({"status": "cancelled"}),
        conclusion("2024-06-08"),
    ] {
        inspector
            .patch(&at, &patch)
            .await
            .problem(409)
            .problem_type("inspection-state")
            .names_status("concluded");
    }

    // a cancelled inspection is out of the programme and takes no findings
    let other = inspector
        .plan_inspection(&plan, &InspectionBody::new(STTTT, "2024-06-20"))
        .await
        .id();
    let cancelled = inspector
        .update_inspection(&other, &json!({"status": "cancelled"}))
        .await;
    assert_eq!(
        (
            cancelled["status"].clone(),
            cancelled["cancelled_on"].clone()
        ),
        (json!("cancelled"), json!("2024-06-10"))
    );
    inspector
        .post(
            &path::inspection(&other, "/findings"),
            &FindingBody::due("2024-07-31"),
        )
        .await
        .problem(409)
        .problem_type("inspection-state")
        .names_status("cancelled");
    inspector
        .patch(
            &path::inspection(&other, ""),
            &json!({"conducted_on": "2024-06-10"}),
        )
        .await
        .problem(409)
        .problem_type("inspection-state");
    let summary = inspector
        .get(&path::inspection_summary(&plan, "2024-06-10"))
        .await
        .ok();
    assert_eq!(
        (
            summary["planned"].clone(),
            summary["cancelled"].clone(),
            summary["conducted"].clone(),
            summary["concluded"].clone()
        ),
        (json!(1), json!(1), json!(1), json!(1))
    );

    // statuses other than cancelled follow from the days sent
    let third = inspector
        .plan_inspection(&plan, &InspectionBody::new(NHATRANG, "2024-06-04"))
        .await
        .id();
    inspector
        .patch(
            &path::inspection(&third, ""),
            &json!({"status": "concluded"}),
        )
        .await
        .field_error(422, "status");
    // an empty patch changes nothing and writes no history
    let unchanged = inspector.update_inspection(&third, &json!({})).await;
    assert_eq!(unchanged["status"], "planned");
    let history = inspector
        .get(&path::inspection(&third, "/history"))
        .await
        .ok()
        .items();
    assert_eq!(history.len(), 1, "created only");
}

#[actix_web::test]
async fn a_conclusion_comes_no_later_than_the_findings_it_sets_are_due() {
    let app = TestApp::demo_with_clock(clock_at("2024-06-20T03:00:00Z")).await;
    let inspector = Actor::inspector(&app);
    let plan = Actor::coordinator(&app)
        .create_plan(&PlanBody::year(2024))
        .await
        .id();
    let id = inspector
        .plan_inspection(&plan, &InspectionBody::new(STP, "2024-06-03"))
        .await
        .id();
    inspector
        .update_inspection(&id, &json!({"conducted_on": "2024-06-03"}))
        .await;
    inspector
        .record_finding(&id, &FindingBody::due("2024-06-10"))
        .await;
    // the day after the finding is due: 422; on its day: concluded
    inspector
        .patch(&path::inspection(&id, ""), &conclusion("2024-06-11"))
        .await
        .field_error(422, "conclusion_document.issued_on");
    let concluded = inspector
        .update_inspection(&id, &conclusion("2024-06-10"))
        .await;
    assert_eq!(concluded["status"], "concluded");
}

#[actix_web::test]
async fn bad_input_is_a_problem_naming_the_field_never_a_500() {
    let app = TestApp::demo().await;
    let (plan, inspection) = inspected_stp(&app, "2024-05-15").await;
    let inspector = Actor::inspector(&app);
    let inspections = path::plan_inspections(&plan);
    let nil = "00000000-0000-0000-0000-000000000000";
    for (body, field, status) in [
        (
            InspectionBody::new(STP, "2024-07-01").scope(&[]),
            "scope",
            400,
        ),
        (
            InspectionBody::new(STP, "2024-07-01").scope(&["direction", "direction"]),
            "scope",
            422,
        ),
        (
            InspectionBody::new(STP, "2024-07-01").set("scope", json!(["weather"])),
            "scope[0]",
            400,
        ),
        (
            InspectionBody::new(STP, "2024-07-01").set("agency_id", json!(nil)),
            "agency_id",
            422,
        ),
        (
            InspectionBody::new(STP, "2024-07-01").set("agency_id", json!("STP")),
            "agency_id",
            400,
        ),
        (InspectionBody::new(STP, "2024-13-01"), "scheduled_on", 400),
        (InspectionBody::new(STP, "1999-12-31"), "scheduled_on", 422),
        (
            InspectionBody::new(STP, "2024-07-01").set("team", json!("  ")),
            "team",
            400,
        ),
        (
            InspectionBody::new(STP, "2024-07-01").set("leader", json!("X")),
            "leader",
            400,
        ),
    ] {
        inspector
            .post(&inspections, &body)
            .await
            .field_error(status, field);
    }
    let findings = path::inspection(&inspection, "/findings");
    for (body, field, status) in [
        (
            FindingBody::due("2024-07-31").set("severity", json!("minor")),
            "severity",
            400,
        ),
        (FindingBody::due("2024-02-30"), "due_on", 400),
        (FindingBody::due("2101-01-01"), "due_on", 422),
        (
            FindingBody::due("2024-07-31").set("description", json!("")),
            "description",
            400,
        ),
        (
            FindingBody::due("2024-07-31").set("area", json!(null)),
            "area",
            400,
        ),
    ] {
        inspector
            .post(&findings, &body)
            .await
            .field_error(status, field);
    }
    let finding = inspector
        .record_finding(&inspection, &FindingBody::due("2024-07-31"))
        .await
        .id();
    let officer = Actor::officer(&app, STP);
    officer
        .post(&path::finding(&finding, "/remedy"), &json!({"summary": ""}))
        .await
        .field_error(400, "summary");
    officer
        .post(
            &path::finding(&finding, "/remedy"),
            &json!({"summary": "Đã khắc phục", "evidence": [{"document_number": "1/BC"}]}),
        )
        .await
        .problem(400);
    inspector
        .post(
            &path::finding(&finding, "/verification"),
            &json!({"decision": "maybe"}),
        )
        .await
        .field_error(400, "decision");
    // nothing written by any of them
    let stored = app.count(&format!(
        "SELECT count(*) AS n FROM finding_remedies WHERE finding_id = '{finding}'"
    ));
    assert_eq!(stored, 0);
    // unknown and malformed ids
    for at in [
        path::inspection(nil, ""),
        path::inspection(nil, "/history"),
        path::finding(nil, ""),
    ] {
        inspector.get(&at).await.problem(404);
    }
    inspector
        .post(
            &path::plan_inspections(nil),
            &InspectionBody::new(STP, "2024-07-01"),
        )
        .await
        .problem(404);
    inspector
        .post(
            &path::inspection(nil, "/findings"),
            &FindingBody::due("2024-07-31"),
        )
        .await
        .problem(404);
    officer
        .post(&path::finding(nil, "/remedy"), &remedy())
        .await
        .problem(404);
    inspector
        .get(&path::inspection("not-a-uuid", ""))
        .await
        .field_error(400, "id");
    inspector
        .get(&path::findings("overdue=maybe"))
        .await
        .field_error(400, "overdue");
    inspector
        .get(&path::findings("as_of=2024-02-30"))
        .await
        .field_error(400, "as_of");
    inspector
        .get(&path::inspections("status=done"))
        .await
        .field_error(400, "status");
}

#[actix_web::test]
async fn only_the_inspected_agency_remedies_and_only_inspectors_and_the_coordinator_inspect() {
    let app = TestApp::demo().await;
    let (plan, inspection) = inspected_stp(&app, "2024-05-15").await;
    let inspector = Actor::inspector(&app);
    let finding = inspector
        .record_finding(&inspection, &FindingBody::due("2024-12-31"))
        .await
        .id();
    let remedy_path = path::finding(&finding, "/remedy");
    let history = |app: &TestApp| {
        app.count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE inspection_id = '{inspection}'"
        ))
    };
    let written = history(&app);
    // an officer of another agency, the coordinator, the inspector: 403, nothing written
    for who in [
        Actor::officer(&app, STTTT),
        Actor::coordinator(&app),
        Actor::inspector(&app),
    ] {
        who.post(&remedy_path, &remedy())
            .await
            .problem(403)
            .problem_type("not-inspected-agency");
    }
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM finding_remedies WHERE finding_id = '{finding}'"
        )),
        0
    );
    assert_eq!(
        inspector.get(&path::finding(&finding, "")).await.ok()["status"],
        "open"
    );
    assert_eq!(history(&app), written);

    // an officer, even of the inspected agency, neither inspects nor verifies
    let officer = Actor::officer(&app, STP);
    officer
        .post(
            &path::plan_inspections(&plan),
            &InspectionBody::new(STP, "2024-07-01"),
        )
        .await
        .problem(403)
        .problem_type("not-inspector");
    officer
        .patch(
            &path::inspection(&inspection, ""),
            &json!({"conducted_on": "2024-05-16"}),
        )
        .await
        .problem(403)
        .problem_type("not-inspector");
    officer
        .post(
            &path::inspection(&inspection, "/findings"),
            &FindingBody::due("2024-12-31"),
        )
        .await
        .problem(403)
        .problem_type("not-inspector");
    officer.report_remedy(&finding, &remedy()).await;
    officer
        .post(
            &path::finding(&finding, "/verification"),
            &ReviewBody::accept(),
        )
        .await
        .problem(403)
        .problem_type("not-inspector");
    assert_eq!(
        inspector.get(&path::finding(&finding, "")).await.ok()["status"],
        "remedy_reported"
    );
    assert_eq!(history(&app), written + 1, "the remedy alone");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM inspections WHERE plan_id = '{plan}'"
        )),
        1
    );
}

#[actix_web::test]
async fn a_finding_is_overdue_from_the_first_minute_after_its_due_day_in_the_province() {
    // due 2024-07-31: 23:59 that day in UTC+7 is 16:59 UTC
    let mut app = TestApp::demo_with_clock(clock_at("2024-07-31T16:59:00Z")).await;
    let (plan, inspection) = inspected_stp(&app, "2024-06-03").await;
    let finding = Actor::inspector(&app)
        .record_finding(&inspection, &FindingBody::due("2024-07-31"))
        .await;
    assert_eq!(
        (finding["overdue"].clone(), finding["as_of"].clone()),
        (json!(false), json!("2024-07-31"))
    );
    let id = finding.id();
    let overdue = |query: &str| format!("plan_id={plan}&overdue=true{query}");
    let not_overdue = |query: &str| format!("plan_id={plan}&overdue=false{query}");
    let inspector = Actor::inspector(&app);
    assert!(inspector.findings(&overdue("")).await.is_empty());
    // both sides of the due day, as of a day asked for
    assert!(inspector
        .findings(&overdue("&as_of=2024-07-31"))
        .await
        .is_empty());
    assert_eq!(
        inspector
            .findings(&not_overdue("&as_of=2024-07-31"))
            .await
            .len(),
        1
    );
    let late = inspector.findings(&overdue("&as_of=2024-08-01")).await;
    assert_eq!((late.len(), late[0]["days_overdue"].clone()), (1, json!(1)));
    assert!(inspector
        .findings(&not_overdue("&as_of=2024-08-01"))
        .await
        .is_empty());
    let card = inspector.scorecard(STP, &plan, "2024-07-31").await;
    assert_eq!(
        card["findings"],
        json!({"open": 1, "remedied": 0, "overdue": 0})
    );
    let card = inspector.scorecard(STP, &plan, "2024-08-01").await;
    assert_eq!(
        card["findings"],
        json!({"open": 1, "remedied": 0, "overdue": 1})
    );

    // at midnight in the province, today's list has it
    app.set_clock(clock_at("2024-07-31T17:00:00Z")).await;
    let inspector = Actor::inspector(&app);
    let now = inspector.findings(&overdue("")).await;
    assert_eq!(
        (
            now.len(),
            now[0]["days_overdue"].clone(),
            now[0]["as_of"].clone()
        ),
        (1, json!(1), json!("2024-08-01"))
    );
    let summary = |day: &str| path::inspection_summary(&plan, day);
    assert_eq!(
        inspector.get(&summary("2024-07-31")).await.ok()["findings_overdue"],
        0
    );
    assert_eq!(
        inspector.get(&summary("2024-08-01")).await.ok()["findings_overdue"],
        1
    );

    // reported and verified at the first minute of 2024-08-05 in the province:
    // overdue through the 4th, remedied (late) from the 5th
    app.set_clock(clock_at("2024-08-04T17:00:00Z")).await;
    Actor::officer(&app, STP)
        .report_remedy(&id, &remedy())
        .await;
    let verified = Actor::inspector(&app)
        .verify_remedy(&id, &ReviewBody::accept())
        .await;
    assert_eq!(verified["verified_on"], "2024-08-05");
    let inspector = Actor::inspector(&app);
    let before = inspector.findings(&overdue("&as_of=2024-08-04")).await;
    assert_eq!(
        (before.len(), before[0]["days_overdue"].clone()),
        (1, json!(4))
    );
    assert!(inspector
        .findings(&overdue("&as_of=2024-08-05"))
        .await
        .is_empty());
    assert_eq!(
        inspector.scorecard(STP, &plan, "2024-08-04").await["findings"],
        json!({"open": 1, "remedied": 0, "overdue": 1})
    );
    assert_eq!(
        inspector.scorecard(STP, &plan, "2024-08-05").await["findings"],
        json!({"open": 0, "remedied": 1, "overdue": 0})
    );
    // (the remedy came at 00:00 on the 5th in the province: on the 4th it was still open)
    let on_4th = inspector.get(&summary("2024-08-04")).await.ok();
    assert_eq!(on_4th["findings"]["by_status"]["open"], 1);
    assert_eq!(on_4th["findings"]["by_status"]["verified"], 0);
    let on_5th = inspector.get(&summary("2024-08-05")).await.ok();
    assert_eq!(on_5th["findings"]["by_status"]["verified"], 1);
    assert_eq!(on_5th["findings"]["verified_late"], 1);
    // before it was recorded (on 2024-07-31), the finding was nothing
    let earlier = inspector.get(&summary("2024-07-30")).await.ok();
    assert_eq!(
        (
            earlier["findings"]["total"].clone(),
            earlier["findings_overdue"].clone()
        ),
        (json!(0), json!(0))
    );
}

#[actix_web::test]
async fn inspections_and_findings_are_listed_page_by_page() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let plan = inspector.demo_plan_id().await;
    let pages = inspector
        .every_page(&path::inspections(&format!("plan_id={plan}&limit=10")))
        .await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 7]);
    // a page as long as what remains is the last: no cursor to an empty page
    let exact = inspector
        .every_page(&path::inspections(&format!("plan_id={plan}&limit=9")))
        .await;
    assert_eq!(exact.iter().map(Vec::len).collect::<Vec<_>>(), [9, 9, 9]);
    let all: Vec<&Value> = pages.iter().flatten().collect();
    let days: Vec<&str> = all.iter().map(|i| i.text("scheduled_on")).collect();
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "{days:?}");
    let mut agencies: Vec<&str> = all.iter().map(|i| i["agency"].text("code")).collect();
    agencies.sort();
    agencies.dedup();
    assert_eq!(agencies.len() as i64, demo::INSPECTED);
    assert!(all.iter().all(|i| i["status"] == "concluded"));
    let planned = inspector
        .get(&path::inspections(&format!(
            "plan_id={plan}&status=planned"
        )))
        .await
        .ok();
    assert!(planned.items().is_empty());
    let stp = inspector
        .get(&path::inspections(&format!(
            "agency_id={}",
            app.agency_id(STP)
        )))
        .await
        .ok()
        .items();
    assert_eq!(stp.len(), 1);
    assert_eq!(stp[0]["plan_document"], "45/KH-UBND");

    let first = path::findings(&format!("plan_id={plan}&limit=7"));
    let pages = inspector.every_page(&first).await;
    let findings: Vec<&Value> = pages.iter().flatten().collect();
    assert_eq!(findings.len() as i64, demo::FINDINGS);
    let mut ids: Vec<String> = findings.iter().map(|f| f.id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len() as i64, demo::FINDINGS, "no row twice");
    let half = demo::FINDINGS / 2;
    let exact = inspector
        .every_page(&path::findings(&format!("plan_id={plan}&limit={half}")))
        .await;
    assert_eq!(
        exact.iter().map(Vec::len).collect::<Vec<_>>(),
        [half as usize, half as usize],
        "a page as long as what remains is the last"
    );
    let due: Vec<&str> = findings.iter().map(|f| f.text("due_on")).collect();
    assert!(due.windows(2).all(|w| w[0] <= w[1]));
    // every remedy cites its evidence
    assert!(findings
        .iter()
        .all(|f| f["remedies"][0]["evidence"][0]["document_number"].is_string()));

    // a cursor belongs to its filters and its day
    let page = inspector.get(&first).await.ok();
    let cursor = page.text("next_cursor");
    inspector
        .get(&path::findings(&format!(
            "plan_id={plan}&limit=7&status=open&cursor={cursor}"
        )))
        .await
        .problem(422)
        .problem_type("invalid-cursor");
    inspector
        .get(&path::findings(&format!(
            "plan_id={plan}&limit=7&as_of=2023-01-01&cursor={cursor}"
        )))
        .await
        .problem(422)
        .problem_type("invalid-cursor");
    inspector
        .get(&path::inspections(&format!(
            "plan_id={plan}&cursor={cursor}"
        )))
        .await
        .problem(422)
        .problem_type("invalid-cursor");
    // a cursor's days are its own: one PostgreSQL cannot hold is refused, not a 500
    let forged = |day: &str, key: bool| {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut data: Value = serde_json::from_slice(&engine.decode(cursor).unwrap()).unwrap();
        if key {
            data["a"]["after"]["key"] = json!(day);
        } else {
            data["a"]["as_of"] = json!(day);
        }
        engine.encode(data.to_string())
    };
    for (day, key) in [("-5000-01-01", false), ("+20000-01-01", true)] {
        inspector
            .get(&path::findings(&format!(
                "plan_id={plan}&limit=7&cursor={}",
                forged(day, key)
            )))
            .await
            .problem(422)
            .problem_type("invalid-cursor");
    }

    // at the end of the third quarter, one finding was overdue: remedied
    // since, and shown so, but overdue as of then
    let overdue = inspector
        .findings(&format!(
            "plan_id={plan}&overdue=true&as_of={}",
            demo::Q3_END
        ))
        .await;
    assert_eq!(overdue.len() as i64, demo::FINDINGS_OVERDUE_AT_Q3_END);
    assert_eq!(
        (
            overdue[0]["days_overdue"].clone(),
            overdue[0]["status"].clone(),
            overdue[0]["agency"]["code"].clone()
        ),
        (json!(8), json!("verified"), json!("SNNPTNT"))
    );
    assert!(inspector
        .findings(&format!(
            "plan_id={plan}&overdue=true&as_of={}",
            demo::YEAR_END
        ))
        .await
        .is_empty());
    let violations = inspector
        .findings(&format!("plan_id={plan}&severity=violation&limit=200"))
        .await;
    assert!(violations.iter().all(|f| f["severity"] == "violation"));
    let detail = inspector
        .get(&path::inspection(&stp[0].id(), ""))
        .await
        .ok();
    assert_eq!(detail["findings"].as_array().unwrap().len(), 1);
    assert_eq!(detail["conclusion_document"]["issuer"], "Sở Nội vụ");
}

/// The programme of the 2023 demo gives the year-end report's figures.
#[actix_web::test]
async fn the_demo_year_inspected_27_of_27_agencies_and_remedied_34_findings() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let plan = inspector.demo_plan_id().await;
    let year = inspector
        .get(&path::inspection_summary(&plan, demo::YEAR_END))
        .await
        .ok();
    for (field, value) in [
        ("planned", demo::INSPECTED),
        ("conducted", demo::INSPECTED),
        ("concluded", demo::INSPECTED),
        ("cancelled", 0),
        ("agencies_planned", demo::INSPECTED),
        ("agencies_inspected", demo::INSPECTED),
        ("findings_overdue", 0),
    ] {
        assert_eq!(year[field], value, "{field}");
    }
    let findings = &year["findings"];
    assert_eq!(findings["total"], demo::FINDINGS);
    assert_eq!(findings["by_status"]["verified"], demo::FINDINGS);
    assert_eq!(findings["verified_late"], demo::FINDINGS_VERIFIED_LATE);
    assert_eq!(
        findings["by_severity"]["shortcoming"].as_i64().unwrap()
            + findings["by_severity"]["violation"].as_i64().unwrap(),
        demo::FINDINGS
    );

    // at the end of the third quarter, some were still open
    let q3 = inspector
        .get(&path::inspection_summary(&plan, demo::Q3_END))
        .await
        .ok();
    assert_eq!(q3["planned"], demo::INSPECTED);
    assert_eq!(q3["conducted"], demo::INSPECTED_AT_Q3_END);
    assert_eq!(q3["agencies_inspected"], demo::INSPECTED_AT_Q3_END);
    assert_eq!(q3["findings"]["total"], demo::FINDINGS_AT_Q3_END);
    assert_eq!(
        q3["findings"]["by_status"]["open"],
        demo::FINDINGS_OPEN_AT_Q3_END
    );
    assert_eq!(q3["findings_overdue"], demo::FINDINGS_OVERDUE_AT_Q3_END);
    let by_status = &q3["findings"]["by_status"];
    let counted: i64 = ["open", "remedy_reported", "verified", "returned"]
        .iter()
        .map(|s| by_status[*s].as_i64().unwrap())
        .sum();
    assert_eq!(counted, demo::FINDINGS_AT_Q3_END);

    // the one returned first: returned on its day, remedied in the end
    let returned = inspector
        .get(&path::inspection_summary(&plan, "2023-07-10"))
        .await
        .ok();
    assert_eq!(returned["findings"]["by_status"]["returned"], 1);

    // the year-end report's own figures, as the indicators hold them
    let year_period = inspector
        .get(&path::plan_periods(&plan))
        .await
        .ok()
        .items()
        .into_iter()
        .find(|p| p["kind"] == "year")
        .unwrap()
        .id();
    let indicators = inspector
        .get(&format!(
            "{}?period_id={year_period}",
            path::plan_indicators(&plan)
        ))
        .await
        .ok()
        .items();
    let actual = |code: &str| {
        indicators.iter().find(|i| i["code"] == code).unwrap()["actual"]["value"].clone()
    };
    assert_eq!(actual("KIEMTRA"), json!(demo::INSPECTED as f64));
    assert_eq!(actual("KIEMTRA-KHACPHUC"), json!(demo::FINDINGS as f64));

    // an agency's scorecard counts its findings: SKHDT had two
    let card = inspector.scorecard("SKHDT", &plan, demo::YEAR_END).await;
    assert_eq!(
        card["findings"],
        json!({"open": 0, "remedied": 2, "overdue": 0})
    );
    let card = inspector.scorecard("SKHDT", &plan, "2023-05-01").await;
    assert_eq!(
        card["findings"],
        json!({"open": 0, "remedied": 0, "overdue": 0}),
        "before its conclusion"
    );
}
