//! A task's history: each step of the workflow, and each edit, records what
//! it did to the task, so that an inspector can tell who changed what, when.

use actix_web::http::StatusCode;
use serde_json::{json, Value};

use crate::common::TestApp;

/// Creates a 2024 plan and a task in it due 30/06/2024, led by the
/// Department of Justice; returns the task's id.
async fn task_of_2024(app: &TestApp) -> String {
    let coordinator = app.token("sonoivu");
    let r = app
        .post("/api/v1/plans")
        .token(&coordinator)
        .json(&json!({"code": "CCHC-2024", "year": 2024, "title": "Kế hoạch CCHC năm 2024"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    let plan = r.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(&format!("/api/v1/plans/{plan}/tasks"))
        .token(&coordinator)
        .json(&json!({
            "code": "L1",
            "title": "Rà soát thủ tục hành chính",
            "area": "admin_procedure",
            "lead_agency_id": app.agency_id("STP"),
            "deadline": {"kind": "date", "value": "2024-06-30"},
            "expected_output": "Quyết định công bố",
        }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    r.body["id"].as_str().unwrap().to_string()
}

/// The task's history as (action, changes), oldest first.
async fn history(app: &TestApp, task: &str) -> Vec<(String, Value)> {
    let r = app
        .get(&format!("/api/v1/tasks/{task}/history?limit=200"))
        .token(&app.token("thanhtra"))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["changes"].clone(),
            )
        })
        .collect()
}

async fn post(app: &TestApp, who: &str, path: &str, body: Value) -> Value {
    let r = app
        .post(path)
        .token(&app.token(who))
        .json(&body)
        .send()
        .await;
    assert!(r.status.is_success(), "{path}: {}", r.raw);
    r.body
}

#[actix_web::test]
async fn each_workflow_step_records_what_it_did_to_the_task() {
    let app = TestApp::demo().await;
    let task = task_of_2024(&app).await;
    post(
        &app,
        "stp",
        &format!("/api/v1/tasks/{task}/reports"),
        json!({"progress_percent": 60, "summary": "Đã rà soát 60% thủ tục"}),
    )
    .await;
    let claim = json!({"completed_on": "2024-06-20", "summary": "Đã công bố"});
    post(
        &app,
        "stp",
        &format!("/api/v1/tasks/{task}/completion"),
        claim.clone(),
    )
    .await;
    post(
        &app,
        "sonoivu",
        &format!("/api/v1/tasks/{task}/review"),
        json!({"decision": "return", "comment": "Thiếu quyết định"}),
    )
    .await;
    post(
        &app,
        "stp",
        &format!("/api/v1/tasks/{task}/completion"),
        claim,
    )
    .await;
    post(
        &app,
        "sonoivu",
        &format!("/api/v1/tasks/{task}/review"),
        json!({"decision": "accept"}),
    )
    .await;

    let steps = history(&app, &task).await;
    let actions: Vec<&str> = steps.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "task.created",
            "report.created",
            "completion.claimed",
            "completion.returned",
            "completion.claimed",
            "completion.accepted"
        ]
    );
    let effect = |i: usize| steps[i].1["task"].clone();
    assert_eq!(
        effect(1),
        json!({"status": "in_progress", "progress_percent": 60})
    );
    assert_eq!(effect(2), json!({"status": "submitted"}));
    assert_eq!(
        effect(3),
        json!({"status": "in_progress", "progress_percent": 60}),
        "a returned claim leaves the progress reported"
    );
    assert_eq!(
        effect(5),
        json!({"status": "completed", "completed_on": "2024-06-20", "progress_percent": 100})
    );
    assert_eq!(steps[3].1["comment"], "Thiếu quyết định");
    assert_eq!(steps[2].1["completed_on"], "2024-06-20");
}

#[actix_web::test]
async fn an_extension_records_the_date_it_moved_from_and_to() {
    let app = TestApp::demo().await;
    let task = task_of_2024(&app).await;
    let request = post(
        &app,
        "stp",
        &format!("/api/v1/tasks/{task}/extension-requests"),
        json!({"requested_due_on": "2024-09-30", "reason": "Chờ hướng dẫn"}),
    )
    .await;
    let id = request["id"].as_str().unwrap();
    post(
        &app,
        "sonoivu",
        &format!("/api/v1/extension-requests/{id}/decision"),
        json!({"decision": "approve"}),
    )
    .await;
    let steps = history(&app, &task).await;
    let (action, requested) = &steps[1];
    assert_eq!(action, "extension.requested");
    assert_eq!(
        (
            requested["previous_due_on"].clone(),
            requested["requested_due_on"].clone()
        ),
        (json!("2024-06-30"), json!("2024-09-30"))
    );
    let (action, approved) = &steps[2];
    assert_eq!(action, "extension.approved");
    assert_eq!(
        approved["task"],
        json!({"due_on": "2024-09-30", "previous_due_on": "2024-06-30", "original_due_on": "2024-06-30"})
    );
}

#[actix_web::test]
async fn an_edit_records_the_fields_as_sent() {
    let app = TestApp::demo().await;
    let task = task_of_2024(&app).await;
    let coordinator = app.token("sonoivu");
    let path = format!("/api/v1/tasks/{task}");
    let etag = app
        .get(&path)
        .token(&coordinator)
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_string();
    let r = app
        .patch(&path)
        .token(&coordinator)
        .header("If-Match", &etag)
        .json(&json!({"title": "Rà soát, đơn giản hoá thủ tục hành chính"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    let steps = history(&app, &task).await;
    assert_eq!(steps[1].0, "task.updated");
    assert_eq!(
        steps[1].1,
        json!({"title": "Rà soát, đơn giản hoá thủ tục hành chính"})
    );
}

#[actix_web::test]
async fn an_edit_changes_what_it_names_and_search_finds_the_new_words() {
    let app = TestApp::demo().await;
    let task = task_of_2024(&app).await;
    let coordinator = app.token("sonoivu");
    let path = format!("/api/v1/tasks/{task}");
    let plan = app.get(&path).token(&coordinator).send().await.body["plan_id"]
        .as_str()
        .unwrap()
        .to_string();
    let objective = post(
        &app,
        "sonoivu",
        &format!("/api/v1/plans/{plan}/objectives"),
        json!({"code": "MT01", "title": "Nâng cao chỉ số hài lòng"}),
    )
    .await["id"]
        .clone();
    let edit = |body: Value| {
        let (app, path, coordinator) = (&app, &path, &coordinator);
        async move {
            let etag = app
                .get(path)
                .token(coordinator)
                .send()
                .await
                .header("etag")
                .unwrap()
                .to_string();
            let r = app
                .patch(path)
                .token(coordinator)
                .header("If-Match", &etag)
                .json(&body)
                .send()
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
            app.get(path).token(coordinator).send().await.body
        }
    };
    let t = edit(json!({
        "title": "Liên thông điện tử đăng ký khai sinh",
        "area": "digital_government",
        "expected_output": "Phần mềm liên thông",
        "objective_id": objective,
    }))
    .await;
    assert_eq!(
        (
            t["title"].clone(),
            t["area"].clone(),
            t["expected_output"].clone(),
            t["objective_id"].clone()
        ),
        (
            json!("Liên thông điện tử đăng ký khai sinh"),
            json!("digital_government"),
            json!("Phần mềm liên thông"),
            objective.clone()
        )
    );
    let found = app
        .get(&format!("/api/v1/tasks?plan_id={plan}&q=khai%20sinh"))
        .token(&coordinator)
        .send()
        .await;
    assert_eq!(found.body["items"][0]["id"], task.as_str(), "{}", found.raw);
    let t = edit(json!({"objective_id": null})).await;
    assert_eq!(
        (t["objective_id"].clone(), t["title"].clone()),
        (Value::Null, json!("Liên thông điện tử đăng ký khai sinh"))
    );
}
