//! The agency flow (report, claim, review), the extension flow, idempotent
//! report retries, and the history that records all of it.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::actors::{fresh_task, path, Actor};
use crate::bodies::{
    ClaimBody, DecisionBody, Evidence, ExtensionBody, PlanBody, ReportBody, ReviewBody, TaskBody,
};
use crate::common::{JsonExt, TestApp};
use crate::demo::{self, SNV, STP, STTTT};

/// The province's implementation plan, which the reports cite.
pub(crate) fn implementation_plan() -> Evidence {
    Evidence::new(
        "45/KH-UBND",
        "2024-03-01",
        "UBND tỉnh",
        "Kế hoạch triển khai",
    )
    .url("https://khanhhoa.gov.vn/vb/45")
}

fn report(progress_percent: i64, summary: &str) -> ReportBody {
    ReportBody::new(progress_percent, summary).evidence(implementation_plan())
}

/// A task of a new 2024 plan, led by STP and supported by STTTT.
async fn task_of_2024(app: &TestApp, task: TaskBody) -> String {
    let plan = Actor::coordinator(app)
        .create_plan(&PlanBody::year(2024))
        .await
        .id();
    fresh_task(app, &plan, task).await
}

#[actix_web::test]
async fn agency_reports_claims_and_the_coordinator_reviews() {
    let app = TestApp::demo().await;
    let task = task_of_2024(&app, TaskBody::new("NV01").quarter("2024-Q2")).await;
    let lead = Actor::officer(&app, STP);
    let supporting = Actor::officer(&app, STTTT);
    let unrelated = Actor::officer(&app, SNV);
    let coordinator = Actor::coordinator(&app);
    let reports = path::reports(&task);

    // an unrelated agency may not report, and nothing is written
    unrelated
        .post(&reports, &report(10, "Không phải việc của Sở"))
        .await
        .problem(403)
        .problem_type("not-task-agency");
    assert_eq!(app.reports_stored(&task), 0);

    // the supporting agency reports; the task does not move
    let r = supporting
        .post_report(&task, &report(20, "Đã phối hợp góp ý dự thảo"))
        .await;
    assert_eq!(r["agency_id"], app.agency_id(STTTT));
    assert_eq!(lead.task(&task).await["status"], "not_started");

    // the lead agency's report starts the task and sets its progress
    let r = lead
        .post_report(&task, &report(40, "Đã xây dựng dự thảo kế hoạch"))
        .await;
    assert_eq!(r["evidence"][0]["document_number"], "45/KH-UBND");
    let t = lead.task(&task).await;
    assert_eq!(
        (t["status"].clone(), t["progress_percent"].clone()),
        (json!("in_progress"), json!(40))
    );

    // bad report input is named and writes nothing
    let script_link = implementation_plan().url("javascript:alert(1)");
    let bad = ReportBody::new(101, "x").evidence(script_link.clone().issued_on("2024-02-30"));
    let r = lead.post(&reports, &bad).await;
    r.field_error(400, "evidence[0].issued_on");
    assert_eq!(
        r.error_fields(),
        ["evidence[0].issued_on", "evidence[0].url"],
        "every malformed field at once"
    );
    let bad = ReportBody::new(101, "x").evidence(script_link.issued_on("2024-02-28"));
    lead.post(&reports, &bad)
        .await
        .field_error(400, "evidence[0].url")
        .alone();
    let unlinked = implementation_plan().no_url();
    let bad = ReportBody::new(101, "x").evidence(unlinked.clone().issued_on("2024-02-28"));
    lead.post(&reports, &bad)
        .await
        .field_error(400, "progress_percent")
        .alone();
    // a well-formed document issued in 1999 breaks a rule: 422
    let bad = ReportBody::new(50.0, "x").evidence(unlinked.issued_on("1999-12-31"));
    lead.post(&reports, &bad)
        .await
        .field_error(422, "evidence[0].issued_on")
        .alone();
    // bodies are objects
    lead.post(&reports, &json!([50, "x"]))
        .await
        .field_error(400, "body")
        .alone();
    let for_another_agency = ReportBody::new(50, "x").set("agency_id", json!(app.agency_id(SNV)));
    lead.post(&reports, &for_another_agency)
        .await
        .field_error(400, "agency_id")
        .alone();
    assert_eq!(app.reports_stored(&task), 2);

    let list = Actor::inspector(&app).reports(&task).await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["progress_percent"], 20, "oldest first");

    // only the lead agency claims completion
    let decision = Evidence::new(
        "123/QĐ-UBND",
        "2024-06-20",
        "UBND tỉnh",
        "Quyết định ban hành",
    )
    .no_url();
    let claim = ClaimBody::new("2024-06-20", "Đã ban hành kế hoạch").evidence(decision);
    let completion = path::completion(&task);
    supporting
        .post(&completion, &claim)
        .await
        .problem(403)
        .problem_type("not-lead-agency");
    let r = lead.claim_completion(&task, &claim).await;
    assert_eq!(r["task_status"], "submitted");
    lead.post(&completion, &claim)
        .await
        .problem(409)
        .names_status("submitted")
        .problem_type("task-not-claimable");

    // the coordinator returns it with a comment, the lead claims again, the coordinator accepts
    let review = path::review(&task);
    lead.post(&review, &ReviewBody::accept())
        .await
        .problem(403)
        .problem_type("not-coordinator");
    // a return needs a reason
    coordinator
        .post(&review, &ReviewBody::send_back())
        .await
        .field_error(422, "comment")
        .alone();
    let t = coordinator
        .review(&task, &ReviewBody::send_back().comment("Thiếu văn bản"))
        .await;
    assert_eq!(t["status"], "in_progress");
    lead.claim_completion(&task, &claim).await;
    let t = coordinator
        .review(&task, &ReviewBody::accept().comment("Đạt"))
        .await;
    assert_eq!(
        (
            t["status"].clone(),
            t["completed_on"].clone(),
            t["progress_percent"].clone()
        ),
        (json!("completed"), json!("2024-06-20"), json!(100))
    );
    coordinator
        .post(&review, &ReviewBody::accept())
        .await
        .problem(409)
        .names_status("completed")
        .problem_type("task-not-submitted");
    lead.post(&completion, &claim)
        .await
        .problem(409)
        .names_status("completed")
        .problem_type("task-not-claimable");
    lead.post(&reports, &report(100, "Báo cáo thêm"))
        .await
        .problem(409)
        .names_status("completed")
        .problem_type("task-closed");

    // the history tells the whole story, oldest first, with the actor of each step
    let history = Actor::inspector(&app).history(&task).await;
    let actions: Vec<&str> = history.iter().map(|e| e.text("action")).collect();
    assert_eq!(
        actions,
        [
            "task.created",
            "report.created",
            "report.created",
            "completion.claimed",
            "completion.returned",
            "completion.claimed",
            "completion.accepted"
        ]
    );
    assert!(history.iter().all(|e| e["actor_id"].is_string()));
}

#[actix_web::test]
async fn approved_extensions_move_the_due_date_and_keep_the_original() {
    let app = TestApp::demo().await;
    let task = task_of_2024(&app, TaskBody::new("NV01").month("2024-03")).await;
    let lead = Actor::officer(&app, STP);
    let coordinator = Actor::coordinator(&app);
    let requests = path::extension_requests(&task);
    let extension = ExtensionBody::new("2024-06-30", "Chờ hướng dẫn của Bộ Nội vụ");

    Actor::officer(&app, STTTT)
        .post(&requests, &extension)
        .await
        .problem(403);
    lead.post(&requests, &ExtensionBody::new("2024-03-15", "x"))
        .await
        .field_error(422, "requested_due_on")
        .alone();
    let r = lead.request_extension(&task, &extension).await;
    assert_eq!(
        (r["status"].clone(), r["previous_due_on"].clone()),
        (json!("pending"), json!("2024-03-31"))
    );
    let request = r.id();
    lead.post(&requests, &extension)
        .await
        .problem(409)
        .problem_type("extension-pending");

    let decision = path::decision(&request);
    lead.post(&decision, &DecisionBody::approve())
        .await
        .problem(403);
    let r = coordinator
        .decide_extension(&request, &DecisionBody::approve().comment("Đồng ý"))
        .await;
    assert_eq!(r["status"], "approved");
    coordinator
        .post(&decision, &DecisionBody::reject())
        .await
        .problem(409)
        .names_status("approved")
        .problem_type("extension-decided");

    let t = lead.task(&task).await;
    assert_eq!(
        (t["due_on"].clone(), t["original_due_on"].clone()),
        (json!("2024-06-30"), json!("2024-03-31"))
    );
    // measured against the approved date from the decision's day on (today),
    // against the original before it
    let before = lead.task_as_of(&task, "2024-04-10").await;
    assert_eq!(
        before["days_overdue"], 10,
        "the extension was not yet decided on 10/04/2024"
    );
    let history = lead.history(&task).await;
    let approved = history
        .iter()
        .find(|e| e["action"] == "extension.approved")
        .unwrap();
    assert_eq!(approved["changes"]["task"]["due_on"], "2024-06-30");
    assert_eq!(approved["changes"]["task"]["original_due_on"], "2024-03-31");

    // a second request can be rejected and leaves the date alone
    let second = lead
        .request_extension(&task, &ExtensionBody::new("2024-09-30", "Thêm thời gian"))
        .await
        .id();
    let r = coordinator
        .decide_extension(&second, &DecisionBody::reject())
        .await;
    assert_eq!(r["status"], "rejected");
    assert_eq!(lead.task(&task).await["due_on"], "2024-06-30");
}

#[actix_web::test]
async fn demo_extension_counts_from_its_decision_day() {
    // NV15: due 31/05/2023, extended to 31/07/2023 on 26/05/2023, completed 25/07/2023
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let task = inspector.demo_task(demo::EXTENDED_TASK).await;
    assert_eq!(
        (task["original_due_on"].clone(), task["due_on"].clone()),
        (
            json!(demo::EXTENDED_TASK_ORIGINAL_DUE_ON),
            json!(demo::EXTENDED_TASK_DUE_ON)
        )
    );
    let id = task.id();
    assert_eq!(
        inspector.task_as_of(&id, "2023-06-15").await["overdue"],
        false,
        "measured against the extended date"
    );
    assert_eq!(
        inspector.task_as_of(&id, "2023-08-01").await["overdue"],
        false,
        "completed on 25/07"
    );
}

#[actix_web::test]
async fn report_retries_with_an_idempotency_key_write_once() {
    let app = TestApp::demo().await;
    let task = task_of_2024(&app, TaskBody::new("NV01").ongoing()).await;
    let lead = Actor::officer(&app, STP);
    let reports = path::reports(&task);
    let quarterly = report(30, "Báo cáo quý I");
    let first = lead
        .post_idempotent(&reports, "bc-q1-2024", &quarterly)
        .await
        .created();
    let retry = lead
        .post_idempotent(&reports, "bc-q1-2024", &quarterly)
        .await;
    assert_eq!(retry.created(), first, "the first response is replayed");
    assert_eq!(retry.header("idempotency-replayed"), Some("true"));
    lead.post_idempotent(&reports, "bc-q1-2024", &report(35, "Khác"))
        .await
        .field_error(422, "Idempotency-Key")
        .alone()
        .problem_type("idempotency-key-reused");
    assert_eq!(app.reports_stored(&task), 1);

    // two retries racing: still one row
    let (a, b) = futures_util::future::join(
        lead.post_idempotent(&reports, "race", &quarterly),
        lead.post_idempotent(&reports, "race", &quarterly),
    )
    .await;
    assert_eq!(
        (a.status, b.status),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    assert_eq!(a.body["id"], b.body["id"]);
    assert_eq!(app.reports_stored(&task), 2);

    // without a key, each post is a new report
    lead.post_report(&task, &quarterly).await;
    assert_eq!(app.reports_stored(&task), 3);
}

/// A report is judged by its caller's account as it is now, not as the
/// token says: on either side of each change, whether or not the task exists.
#[actix_web::test]
async fn a_report_is_judged_by_the_account_as_it_is_now() {
    let app = TestApp::demo().await;
    let task = task_of_2024(&app, TaskBody::new("NV01").ongoing()).await;
    let missing = path::reports(&uuid::Uuid::new_v4().to_string());
    let username = demo::officer(STP);
    let token_before = Actor::officer(&app, STP);
    let body = ReportBody::new(10, "Báo cáo tiến độ");

    // as issued: the report is written; no task: 404
    token_before.post_report(&task, &body).await;
    token_before.post(&missing, &body).await.problem(404);
    assert_eq!(app.reports_stored(&task), 1);

    // moved to another agency, the same token reports as that agency: 403
    let move_to = |agency: &str| {
        app.change_account(
            &username,
            &format!("agency_id = (SELECT id FROM agencies WHERE code = '{agency}')"),
        )
    };
    move_to(SNV);
    token_before
        .post(&path::reports(&task), &body)
        .await
        .problem(403)
        .problem_type("not-task-agency");
    move_to(STP);
    token_before.post_report(&task, &body).await;
    assert_eq!(app.reports_stored(&task), 2);

    // the password changed since the token: 401, task or no task
    app.change_account(&username, "credential_version = credential_version + 1");
    for path in [path::reports(&task), missing.clone()] {
        token_before.post(&path, &body).await.problem(401);
    }
    let token_after = Actor::officer(&app, STP);
    token_after.post_report(&task, &body).await;
    assert_eq!(app.reports_stored(&task), 3);

    // deactivated: 401, task or no task, and nothing written
    app.change_account(&username, "active = false");
    for path in [path::reports(&task), missing] {
        token_after.post(&path, &body).await.problem(401);
    }
    assert_eq!(app.reports_stored(&task), 3);
}

#[actix_web::test]
async fn summaries_and_scorecards_follow_the_as_of_day() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let plan = inspector.demo_plan_id().await;
    let q3 = inspector.plan_summary(&plan, demo::Q3_END).await;
    let overdue = inspector
        .tasks(&format!(
            "plan_id={plan}&overdue=true&as_of={}&limit=200",
            demo::Q3_END
        ))
        .await;
    assert_eq!(q3["overdue"].as_u64().unwrap() as usize, overdue.len());
    assert_eq!(q3["overdue"], demo::OVERDUE_AT_Q3_END);
    let by_agency: i64 = q3["by_lead_agency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["overdue"].as_i64().unwrap())
        .sum();
    assert_eq!(by_agency, q3["overdue"].as_i64().unwrap());
    let by_area: i64 = q3["by_area"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["total"].as_i64().unwrap())
        .sum();
    assert_eq!(by_area as usize, demo::TASKS);
    let year_end = inspector.plan_summary(&plan, demo::YEAR_END).await;
    assert_eq!(
        (year_end["completed_on_time"].as_i64().unwrap()
            + year_end["completed_late"].as_i64().unwrap()) as usize,
        demo::TASKS
    );

    let card = inspector.scorecard(SNV, &plan, demo::YEAR_END).await;
    let led = card["led"].as_i64().unwrap();
    assert!(led > 0);
    assert_eq!(
        card["completed_on_time"].as_i64().unwrap() + card["completed_late"].as_i64().unwrap(),
        led
    );
    assert_eq!(card["open"], 0);
    let card = inspector.scorecard(SNV, &plan, demo::Q3_END).await;
    assert!(card["open"].as_i64().unwrap() > 0);
}

#[actix_web::test]
async fn idempotency_keys_are_forgotten_after_a_day() {
    let app = TestApp::demo().await;
    let task = task_of_2024(&app, TaskBody::new("NV01").ongoing()).await;
    let lead = Actor::officer(&app, STP);
    let reports = path::reports(&task);
    lead.post_idempotent(&reports, "old", &report(10, "Cũ"))
        .await
        .created();
    app.execute("UPDATE idempotency_records SET created_at = now() - interval '25 hours'");
    lead.post_idempotent(&reports, "new", &report(20, "Mới"))
        .await
        .created();
    // an expired key is never replayed, even before it is purged: the same
    // key with another body is a new report, not a conflict
    let again = lead
        .post_idempotent(&reports, "old", &report(15, "Lần gửi mới"))
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.raw);
    assert_eq!(again.header("idempotency-replayed"), None);
    assert_eq!(app.reports_stored(&task), 3);
    // the background housekeeping forgets expired records
    app.execute("UPDATE idempotency_records SET created_at = now() - interval '25 hours' WHERE idempotency_key = 'old'");
    par_tracker::startup::housekeeping(app.pool()).unwrap();
    assert_eq!(
        app.count("SELECT count(*) AS n FROM idempotency_records WHERE idempotency_key = 'old'"),
        0
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM idempotency_records WHERE idempotency_key = 'new'"),
        1
    );
}
