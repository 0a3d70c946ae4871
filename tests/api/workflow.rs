//! The agency flow (report, claim, review), the extension flow, idempotent
//! report retries, and the history that records all of it.

use actix_web::http::StatusCode;
use serde_json::{json, Value};

use crate::common::TestApp;
use crate::tasks::{new_plan, new_task};

fn report(progress: i64, summary: &str) -> Value {
    json!({
        "progress_percent": progress,
        "summary": summary,
        "evidence": [{"document_number": "45/KH-UBND", "issued_on": "2024-03-01", "issuer": "UBND tỉnh",
                      "title": "Kế hoạch triển khai", "url": "https://khanhhoa.gov.vn/vb/45"}]
    })
}

async fn fresh_task(app: &TestApp, deadline: Value) -> String {
    let plan = new_plan(app, "CCHC-2024", 2024).await;
    let task = new_task(app, &plan, "NV01", deadline, "STP", &["STTTT"]).await;
    task["id"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn agency_reports_claims_and_the_coordinator_reviews() {
    let app = TestApp::demo().await;
    let id = fresh_task(&app, json!({"kind": "quarter", "value": "2024-Q2"})).await;
    let (lead, other) = (app.token("stp"), app.token("snv"));
    let supporting = app.token("stttt");
    let reports = format!("/api/v1/tasks/{id}/reports");
    let task = format!("/api/v1/tasks/{id}");

    // an unrelated agency may not report, and nothing is written
    app.post(&reports)
        .token(&other)
        .json(&report(10, "Không phải việc của Sở"))
        .send()
        .await
        .problem(403);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM progress_reports WHERE task_id = '{id}'"
        )),
        0
    );

    // the supporting agency reports; the task does not move
    let r = app
        .post(&reports)
        .token(&supporting)
        .json(&report(20, "Đã phối hợp góp ý dự thảo"))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    assert_eq!(r.body["agency_id"], app.agency_id("STTTT").to_string());
    assert_eq!(
        app.get(&task).token(&lead).send().await.body["status"],
        "not_started"
    );

    // the lead agency's report starts the task and sets its progress
    let r = app
        .post(&reports)
        .token(&lead)
        .json(&report(40, "Đã xây dựng dự thảo kế hoạch"))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    assert_eq!(r.body["evidence"][0]["document_number"], "45/KH-UBND");
    let t = app.get(&task).token(&lead).send().await;
    assert_eq!(
        (t.body["status"].clone(), t.body["progress_percent"].clone()),
        (json!("in_progress"), json!(40))
    );

    // bad report input is named and writes nothing
    let mut bad = report(101, "x");
    bad["evidence"][0]["url"] = json!("javascript:alert(1)");
    bad["evidence"][0]["issued_on"] = json!("2024-02-30");
    let r = app.post(&reports).token(&lead).json(&bad).send().await;
    assert_eq!(
        r.problem(400)["errors"][0]["field"],
        "evidence[0].issued_on"
    );
    bad["evidence"][0]["issued_on"] = json!("2024-02-28");
    let r = app.post(&reports).token(&lead).json(&bad).send().await;
    r.problem(400);
    assert_eq!(r.error_fields(), vec!["evidence[0].url"]);
    bad["evidence"][0]["url"] = json!(null);
    let r = app.post(&reports).token(&lead).json(&bad).send().await;
    assert_eq!(r.problem(400)["errors"][0]["field"], "progress_percent");
    // a well-formed document issued in 1999 breaks a rule: 422
    bad["progress_percent"] = json!(50.0);
    bad["evidence"][0]["issued_on"] = json!("1999-12-31");
    let r = app.post(&reports).token(&lead).json(&bad).send().await;
    assert_eq!(
        r.problem(422)["errors"][0]["field"],
        "evidence[0].issued_on"
    );
    // bodies are objects
    let r = app
        .post(&reports)
        .token(&lead)
        .json(&json!([50, "x"]))
        .send()
        .await;
    assert_eq!(r.problem(400)["errors"][0]["field"], "body");
    let r = app
        .post(&reports)
        .token(&lead)
        .json(&json!({"progress_percent": 50, "summary": "x", "agency_id": app.agency_id("SNV")}))
        .send()
        .await;
    assert_eq!(r.problem(400)["errors"][0]["field"], "agency_id");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM progress_reports WHERE task_id = '{id}'"
        )),
        2
    );

    let list = app.get(&reports).token(&app.token("thanhtra")).send().await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        list.body["items"][0]["progress_percent"], 20,
        "oldest first"
    );

    // only the lead agency claims completion
    let claim = json!({"completed_on": "2024-06-20", "summary": "Đã ban hành kế hoạch", "evidence": [
        {"document_number": "123/QĐ-UBND", "issued_on": "2024-06-20", "issuer": "UBND tỉnh", "title": "Quyết định ban hành", "url": null}]});
    let completion = format!("/api/v1/tasks/{id}/completion");
    app.post(&completion)
        .token(&supporting)
        .json(&claim)
        .send()
        .await
        .problem(403);
    let r = app.post(&completion).token(&lead).json(&claim).send().await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    assert_eq!(r.body["task_status"], "submitted");
    let again = app.post(&completion).token(&lead).json(&claim).send().await;
    assert!(
        again.problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("submitted"),
        "{}",
        again.raw
    );

    // the coordinator returns it with a comment, the lead claims again, the coordinator accepts
    let review = format!("/api/v1/tasks/{id}/review");
    app.post(&review)
        .token(&lead)
        .json(&json!({"decision": "accept"}))
        .send()
        .await
        .problem(403);
    let r = app
        .post(&review)
        .token(&app.token("sonoivu"))
        .json(&json!({"decision": "return"}))
        .send()
        .await;
    assert_eq!(
        r.problem(422)["errors"][0]["field"],
        "comment",
        "a return needs a reason"
    );
    let r = app
        .post(&review)
        .token(&app.token("sonoivu"))
        .json(&json!({"decision": "return", "comment": "Thiếu văn bản"}))
        .send()
        .await;
    assert_eq!(
        (r.status, r.body["status"].clone()),
        (StatusCode::OK, json!("in_progress"))
    );
    let r = app.post(&completion).token(&lead).json(&claim).send().await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = app
        .post(&review)
        .token(&app.token("sonoivu"))
        .json(&json!({"decision": "accept", "comment": "Đạt"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(
        (
            r.body["status"].clone(),
            r.body["completed_on"].clone(),
            r.body["progress_percent"].clone()
        ),
        (json!("completed"), json!("2024-06-20"), json!(100))
    );
    let r = app
        .post(&review)
        .token(&app.token("sonoivu"))
        .json(&json!({"decision": "accept"}))
        .send()
        .await;
    assert!(r.problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("completed"));
    let r = app.post(&completion).token(&lead).json(&claim).send().await;
    assert!(r.problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("completed"));
    app.post(&reports)
        .token(&lead)
        .json(&report(100, "Báo cáo thêm"))
        .send()
        .await
        .problem(409);

    // the history tells the whole story, oldest first, with the actor of each step
    let h = app
        .get(&format!("/api/v1/tasks/{id}/history"))
        .token(&app.token("thanhtra"))
        .send()
        .await;
    let actions: Vec<_> = h.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
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
    assert!(h.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor_id"].is_string()));
}

#[actix_web::test]
async fn approved_extensions_move_the_due_date_and_keep_the_original() {
    let app = TestApp::demo().await;
    let id = fresh_task(&app, json!({"kind": "month", "value": "2024-03"})).await;
    let lead = app.token("stp");
    let coordinator = app.token("sonoivu");
    let requests = format!("/api/v1/tasks/{id}/extension-requests");
    let body = json!({"requested_due_on": "2024-06-30", "reason": "Chờ hướng dẫn của Bộ Nội vụ"});

    app.post(&requests)
        .token(&app.token("stttt"))
        .json(&body)
        .send()
        .await
        .problem(403);
    let r = app
        .post(&requests)
        .token(&lead)
        .json(&json!({"requested_due_on": "2024-03-15", "reason": "x"}))
        .send()
        .await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "requested_due_on");
    let r = app.post(&requests).token(&lead).json(&body).send().await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    assert_eq!(
        (r.body["status"].clone(), r.body["previous_due_on"].clone()),
        (json!("pending"), json!("2024-03-31"))
    );
    let request_id = r.body["id"].as_str().unwrap().to_string();
    app.post(&requests)
        .token(&lead)
        .json(&body)
        .send()
        .await
        .problem(409);

    let decision = format!("/api/v1/extension-requests/{request_id}/decision");
    app.post(&decision)
        .token(&lead)
        .json(&json!({"decision": "approve"}))
        .send()
        .await
        .problem(403);
    let r = app
        .post(&decision)
        .token(&coordinator)
        .json(&json!({"decision": "approve", "comment": "Đồng ý"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["status"], "approved");
    app.post(&decision)
        .token(&coordinator)
        .json(&json!({"decision": "reject"}))
        .send()
        .await
        .problem(409);

    let t = app
        .get(&format!("/api/v1/tasks/{id}"))
        .token(&lead)
        .send()
        .await;
    assert_eq!(
        (t.body["due_on"].clone(), t.body["original_due_on"].clone()),
        (json!("2024-06-30"), json!("2024-03-31"))
    );
    // measured against the approved date from the decision's day on (today),
    // against the original before it
    let before = app
        .get(&format!("/api/v1/tasks/{id}?as_of=2024-04-10"))
        .token(&lead)
        .send()
        .await;
    assert_eq!(
        before.body["days_overdue"], 10,
        "the extension was not yet decided on 10/04/2024"
    );
    let history = app
        .get(&format!("/api/v1/tasks/{id}/history"))
        .token(&lead)
        .send()
        .await;
    let approved = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "extension.approved")
        .unwrap()
        .clone();
    assert_eq!(approved["changes"]["task"]["due_on"], "2024-06-30");
    assert_eq!(approved["changes"]["task"]["original_due_on"], "2024-03-31");

    // a second request can be rejected and leaves the date alone
    let r = app
        .post(&requests)
        .token(&lead)
        .json(&json!({"requested_due_on": "2024-09-30", "reason": "Thêm thời gian"}))
        .send()
        .await;
    let second = r.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(&format!("/api/v1/extension-requests/{second}/decision"))
        .token(&coordinator)
        .json(&json!({"decision": "reject"}))
        .send()
        .await;
    assert_eq!(r.body["status"], "rejected");
    let t = app
        .get(&format!("/api/v1/tasks/{id}"))
        .token(&lead)
        .send()
        .await;
    assert_eq!(t.body["due_on"], "2024-06-30");
}

#[actix_web::test]
async fn demo_extension_counts_from_its_decision_day() {
    // NV15: due 31/05/2023, extended to 31/07/2023 on 26/05/2023, completed 25/07/2023
    let app = TestApp::demo().await;
    let (id, task) = app.demo_task("NV15").await;
    assert_eq!(
        (task["original_due_on"].clone(), task["due_on"].clone()),
        (json!("2023-05-31"), json!("2023-07-31"))
    );
    let token = app.token("thanhtra");
    let r = app
        .get(&format!("/api/v1/tasks/{id}?as_of=2023-06-15"))
        .token(&token)
        .send()
        .await;
    assert_eq!(
        r.body["overdue"], false,
        "measured against the extended date"
    );
    let r = app
        .get(&format!("/api/v1/tasks/{id}?as_of=2023-08-01"))
        .token(&token)
        .send()
        .await;
    assert_eq!(r.body["overdue"], false, "completed on 25/07");
}

#[actix_web::test]
async fn report_retries_with_an_idempotency_key_write_once() {
    let app = TestApp::demo().await;
    let id = fresh_task(&app, json!({"kind": "ongoing"})).await;
    let lead = app.token("stp");
    let path = format!("/api/v1/tasks/{id}/reports");
    let body = report(30, "Báo cáo quý I");
    let first = app
        .post(&path)
        .token(&lead)
        .header("Idempotency-Key", "bc-q1-2024")
        .json(&body)
        .send()
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.raw);
    let retry = app
        .post(&path)
        .token(&lead)
        .header("Idempotency-Key", "bc-q1-2024")
        .json(&body)
        .send()
        .await;
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(retry.body, first.body, "the first response is replayed");
    assert_eq!(retry.header("idempotency-replayed"), Some("true"));
    let other = app
        .post(&path)
        .token(&lead)
        .header("Idempotency-Key", "bc-q1-2024")
        .json(&report(35, "Khác"))
        .send()
        .await;
    assert_eq!(other.problem(422)["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM progress_reports WHERE task_id = '{id}'"
        )),
        1
    );

    // two retries racing: still one row
    let a = app
        .post(&path)
        .token(&lead)
        .header("Idempotency-Key", "race")
        .json(&body)
        .send();
    let b = app
        .post(&path)
        .token(&lead)
        .header("Idempotency-Key", "race")
        .json(&body)
        .send();
    let (a, b) = futures_util::future::join(a, b).await;
    assert_eq!(
        (a.status, b.status),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    assert_eq!(a.body["id"], b.body["id"]);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM progress_reports WHERE task_id = '{id}'"
        )),
        2
    );

    // without a key, each post is a new report
    app.post(&path).token(&lead).json(&body).send().await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM progress_reports WHERE task_id = '{id}'"
        )),
        3
    );
}

#[actix_web::test]
async fn summaries_and_scorecards_follow_the_as_of_day() {
    let app = TestApp::demo().await;
    let token = app.token("thanhtra");
    let plan = app.demo_plan_id().await;
    let q3 = app
        .get(&format!("/api/v1/plans/{plan}/summary?as_of=2023-09-30"))
        .token(&token)
        .send()
        .await;
    let overdue = app
        .get(&format!(
            "/api/v1/tasks?plan_id={plan}&overdue=true&as_of=2023-09-30&limit=200"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(
        q3.body["overdue"].as_u64().unwrap() as usize,
        overdue.body["items"].as_array().unwrap().len()
    );
    let by_agency: i64 = q3.body["by_lead_agency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["overdue"].as_i64().unwrap())
        .sum();
    assert_eq!(by_agency, q3.body["overdue"].as_i64().unwrap());
    let by_area: i64 = q3.body["by_area"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["total"].as_i64().unwrap())
        .sum();
    assert_eq!(by_area, 64);
    let year_end = app
        .get(&format!("/api/v1/plans/{plan}/summary?as_of=2023-12-31"))
        .token(&token)
        .send()
        .await;
    assert_eq!(
        year_end.body["completed_on_time"].as_i64().unwrap()
            + year_end.body["completed_late"].as_i64().unwrap(),
        64
    );

    let snv = app.agency_id("SNV");
    let card = app
        .get(&format!(
            "/api/v1/agencies/{snv}/scorecard?plan_id={plan}&as_of=2023-12-31"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.raw);
    let led = card.body["led"].as_i64().unwrap();
    assert!(led > 0);
    assert_eq!(
        card.body["completed_on_time"].as_i64().unwrap()
            + card.body["completed_late"].as_i64().unwrap(),
        led
    );
    assert_eq!(card.body["open"], 0);
    let card = app
        .get(&format!(
            "/api/v1/agencies/{snv}/scorecard?plan_id={plan}&as_of=2023-09-30"
        ))
        .token(&token)
        .send()
        .await;
    assert!(card.body["open"].as_i64().unwrap() > 0);
}

#[actix_web::test]
async fn idempotency_keys_are_forgotten_after_a_day() {
    let app = TestApp::demo().await;
    let id = fresh_task(&app, json!({"kind": "ongoing"})).await;
    let lead = app.token("stp");
    let path = format!("/api/v1/tasks/{id}/reports");
    let first = app
        .post(&path)
        .token(&lead)
        .header("Idempotency-Key", "old")
        .json(&report(10, "Cũ"))
        .send()
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    {
        use diesel::RunQueryDsl;
        let mut conn = app.pool().get().unwrap();
        diesel::sql_query(
            "UPDATE idempotency_records SET created_at = now() - interval '25 hours'",
        )
        .execute(&mut conn)
        .unwrap();
    }
    let other = app
        .post(&path)
        .token(&lead)
        .header("Idempotency-Key", "new")
        .json(&report(20, "Mới"))
        .send()
        .await;
    assert_eq!(other.status, StatusCode::CREATED);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM idempotency_records WHERE idempotency_key = 'old'"),
        0
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM idempotency_records WHERE idempotency_key = 'new'"),
        1
    );
}
