//! Date rules at their edges, through HTTP, on both sides of each edge: a
//! task's due day, the day an extension is decided, the last day of a month,
//! a quarter and a leap February, the ends of the at-risk window, and
//! midnight in the province (UTC+7), with "now" pinned by the app's clock.

use actix_web::http::StatusCode;
use serde_json::{json, Value};

use crate::common::{clock_at, TestApp};

const COORDINATOR: &str = "sonoivu";
const LEAD: &str = "stp";
const INSPECTOR: &str = "thanhtra";

/// A demo app whose "now" is `instant`.
async fn app_at(instant: &str) -> TestApp {
    TestApp::demo_with_clock(clock_at(instant)).await
}

async fn plan_2024(app: &TestApp) -> String {
    let r = app
        .post("/api/v1/plans")
        .token(&app.token(COORDINATOR))
        .json(&json!({"code": "CCHC-2024", "year": 2024, "title": "Kế hoạch CCHC năm 2024"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    r.body["id"].as_str().unwrap().to_string()
}

/// A task of `plan` led by the Department of Justice; returns its id.
async fn task_due(app: &TestApp, plan: &str, code: &str, deadline: Value) -> String {
    let r = app
        .post(&format!("/api/v1/plans/{plan}/tasks"))
        .token(&app.token(COORDINATOR))
        .json(&json!({
            "code": code,
            "title": format!("Nhiệm vụ {code}"),
            "area": "admin_procedure",
            "lead_agency_id": app.agency_id("STP"),
            "deadline": deadline,
            "expected_output": "Quyết định của UBND tỉnh",
        }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    r.body["id"].as_str().unwrap().to_string()
}

fn on(day: &str) -> Value {
    json!({"kind": "date", "value": day})
}

/// The task as the inspectorate sees it on `as_of` (today when `None`).
async fn task_as_of(app: &TestApp, id: &str, as_of: Option<&str>) -> Value {
    let query = as_of.map(|d| format!("?as_of={d}")).unwrap_or_default();
    let r = app
        .get(&format!("/api/v1/tasks/{id}{query}"))
        .token(&app.token(INSPECTOR))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    r.body
}

/// (overdue, days overdue) on `as_of`.
async fn lateness(app: &TestApp, id: &str, as_of: &str) -> (bool, i64) {
    let t = task_as_of(app, id, Some(as_of)).await;
    (
        t["overdue"].as_bool().unwrap(),
        t["days_overdue"].as_i64().unwrap(),
    )
}

/// Codes of the plan's tasks that a list query selects.
async fn codes(app: &TestApp, plan: &str, query: &str) -> Vec<String> {
    let r = app
        .get(&format!("/api/v1/tasks?plan_id={plan}&{query}&limit=100"))
        .token(&app.token(INSPECTOR))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap().to_string())
        .collect()
}

async fn summary(app: &TestApp, plan: &str, as_of: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/plans/{plan}/summary?as_of={as_of}"))
        .token(&app.token(INSPECTOR))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    r.body
}

async fn scorecard(app: &TestApp, plan: &str, as_of: &str) -> Value {
    let agency = app.agency_id("STP");
    let r = app
        .get(&format!(
            "/api/v1/agencies/{agency}/scorecard?plan_id={plan}&as_of={as_of}"
        ))
        .token(&app.token(INSPECTOR))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    r.body
}

/// The lead asks to move the task to `to` and the coordinator approves, now;
/// returns the decided request.
async fn approve_extension(app: &TestApp, task: &str, to: &str) -> Value {
    let r = app
        .post(&format!("/api/v1/tasks/{task}/extension-requests"))
        .token(&app.token(LEAD))
        .json(&json!({"requested_due_on": to, "reason": "Chờ hướng dẫn của Bộ Tư pháp"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    let request = r.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(&format!("/api/v1/extension-requests/{request}/decision"))
        .token(&app.token(COORDINATOR))
        .json(&json!({"decision": "approve"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    r.body
}

/// The lead's claim that the task was done on `day`, as answered.
async fn claim_done_on(app: &TestApp, task: &str, day: &str) -> crate::common::Reply {
    app.post(&format!("/api/v1/tasks/{task}/completion"))
        .token(&app.token(LEAD))
        .json(&json!({"completed_on": day, "summary": "Đã ban hành quyết định"}))
        .send()
        .await
}

/// The lead claims the task done on `day` and the coordinator accepts.
async fn complete_on(app: &TestApp, task: &str, day: &str) {
    let r = claim_done_on(app, task, day).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    let r = app
        .post(&format!("/api/v1/tasks/{task}/review"))
        .token(&app.token(COORDINATOR))
        .json(&json!({"decision": "accept"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["completed_on"], day);
}

#[actix_web::test]
async fn due_day_is_on_time_and_the_next_day_is_one_day_late() {
    let app = app_at("2024-12-31T03:00:00Z").await;
    let plan = plan_2024(&app).await;
    let id = task_due(&app, &plan, "D1", on("2024-05-15")).await;
    assert_eq!(lateness(&app, &id, "2024-05-14").await, (false, 0));
    assert_eq!(lateness(&app, &id, "2024-05-15").await, (false, 0));
    assert_eq!(lateness(&app, &id, "2024-05-16").await, (true, 1));
    assert_eq!(lateness(&app, &id, "2024-06-15").await, (true, 31));

    assert!(codes(&app, &plan, "overdue=true&as_of=2024-05-15")
        .await
        .is_empty());
    assert_eq!(
        codes(&app, &plan, "overdue=false&as_of=2024-05-15").await,
        ["D1"]
    );
    assert_eq!(
        codes(&app, &plan, "overdue=true&as_of=2024-05-16").await,
        ["D1"]
    );
    assert!(codes(&app, &plan, "overdue=false&as_of=2024-05-16")
        .await
        .is_empty());

    let due_day = summary(&app, &plan, "2024-05-15").await;
    assert_eq!(
        (
            due_day["overdue"].clone(),
            due_day["by_lead_agency"][0]["overdue"].clone()
        ),
        (json!(0), json!(0))
    );
    let next_day = summary(&app, &plan, "2024-05-16").await;
    assert_eq!(
        (
            next_day["overdue"].clone(),
            next_day["by_lead_agency"][0]["overdue"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(scorecard(&app, &plan, "2024-05-15").await["overdue"], 0);
    assert_eq!(scorecard(&app, &plan, "2024-05-16").await["overdue"], 1);
}

#[actix_web::test]
async fn months_quarters_and_february_end_on_their_last_day() {
    let app = app_at("2024-12-31T03:00:00Z").await;
    let plan = plan_2024(&app).await;
    let leap = task_due(
        &app,
        &plan,
        "M02",
        json!({"kind": "month", "value": "2024-02"}),
    )
    .await;
    let plain = task_due(
        &app,
        &plan,
        "M02-2023",
        json!({"kind": "month", "value": "2023-02"}),
    )
    .await;
    let april = task_due(
        &app,
        &plan,
        "M04",
        json!({"kind": "month", "value": "2024-04"}),
    )
    .await;
    let q2 = task_due(
        &app,
        &plan,
        "Q2",
        json!({"kind": "quarter", "value": "2024-Q2"}),
    )
    .await;
    let q4 = task_due(
        &app,
        &plan,
        "Q4",
        json!({"kind": "quarter", "value": "2024-Q4"}),
    )
    .await;
    let ongoing = task_due(&app, &plan, "TX", json!({"kind": "ongoing"})).await;
    for (id, last_day, next_day) in [
        (&leap, "2024-02-29", "2024-03-01"),
        (&plain, "2023-02-28", "2023-03-01"),
        (&april, "2024-04-30", "2024-05-01"),
        (&q2, "2024-06-30", "2024-07-01"),
        (&q4, "2024-12-31", "2025-01-01"),
        (&ongoing, "2024-12-31", "2025-01-01"),
    ] {
        assert_eq!(lateness(&app, id, last_day).await, (false, 0), "{last_day}");
        assert_eq!(lateness(&app, id, next_day).await, (true, 1), "{next_day}");
    }
    assert_eq!(
        codes(&app, &plan, "overdue=true&as_of=2024-03-01").await,
        ["M02-2023", "M02"]
    );
    assert_eq!(
        summary(&app, &plan, "2024-02-29").await["overdue"],
        1,
        "only 2023's February"
    );
}

#[actix_web::test]
async fn extension_counts_from_its_decision_day() {
    // The coordinator approves at 10:00 in the province on 10/04/2024 a move
    // of a task due 31/03/2024 to 30/06/2024.
    let app = app_at("2024-04-10T03:00:00Z").await;
    let plan = plan_2024(&app).await;
    let id = task_due(
        &app,
        &plan,
        "E1",
        json!({"kind": "month", "value": "2024-03"}),
    )
    .await;
    let decided = approve_extension(&app, &id, "2024-06-30").await;
    assert_eq!(decided["decided_on"], "2024-04-10");

    // the day before the decision the original date is in force ...
    assert_eq!(lateness(&app, &id, "2024-04-09").await, (true, 9));
    // ... from the decision's day on the approved one
    assert_eq!(lateness(&app, &id, "2024-04-10").await, (false, 0));
    let today = task_as_of(&app, &id, None).await;
    assert_eq!(
        (
            today["as_of"].clone(),
            today["overdue"].clone(),
            today["due_on"].clone()
        ),
        (json!("2024-04-10"), json!(false), json!("2024-06-30"))
    );
    assert_eq!(lateness(&app, &id, "2024-06-30").await, (false, 0));
    assert_eq!(lateness(&app, &id, "2024-07-01").await, (true, 1));

    assert_eq!(
        codes(&app, &plan, "overdue=true&as_of=2024-04-09").await,
        ["E1"]
    );
    assert!(codes(&app, &plan, "overdue=true&as_of=2024-04-10")
        .await
        .is_empty());
    assert_eq!(summary(&app, &plan, "2024-04-09").await["overdue"], 1);
    assert_eq!(summary(&app, &plan, "2024-04-10").await["overdue"], 0);
    assert_eq!(scorecard(&app, &plan, "2024-04-09").await["overdue"], 1);
    assert_eq!(scorecard(&app, &plan, "2024-04-10").await["overdue"], 0);
}

#[actix_web::test]
async fn completed_on_due_day_counts_as_on_time() {
    let app = app_at("2024-06-01T03:00:00Z").await;
    let plan = plan_2024(&app).await;
    let on_time = task_due(&app, &plan, "C1", on("2024-05-15")).await;
    let late = task_due(&app, &plan, "C2", on("2024-05-15")).await;
    complete_on(&app, &on_time, "2024-05-15").await;
    complete_on(&app, &late, "2024-05-16").await;

    let s = summary(&app, &plan, "2024-05-31").await;
    assert_eq!(
        (
            s["completed_on_time"].clone(),
            s["completed_late"].clone(),
            s["overdue"].clone()
        ),
        (json!(1), json!(1), json!(0))
    );
    let area = &s["by_area"][0];
    assert_eq!(
        (
            area["completed_on_time"].clone(),
            area["completed_late"].clone()
        ),
        (json!(1), json!(1))
    );
    let card = scorecard(&app, &plan, "2024-05-31").await;
    assert_eq!(
        (
            card["completed_on_time"].clone(),
            card["completed_late"].clone(),
            card["open"].clone()
        ),
        (json!(1), json!(1), json!(0))
    );

    // a completion counts from its own day: on the due day the late one was
    // still open, and the day after it was done, not overdue
    let s = summary(&app, &plan, "2024-05-15").await;
    assert_eq!(
        (
            s["by_status"]["completed"].clone(),
            s["by_status"]["in_progress"].clone(),
            s["completed_on_time"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );
    assert_eq!(lateness(&app, &late, "2024-05-16").await, (false, 0));
    assert_eq!(lateness(&app, &on_time, "2024-05-16").await, (false, 0));
}

#[actix_web::test]
async fn the_at_risk_window_includes_both_its_ends() {
    let app = app_at("2024-12-31T03:00:00Z").await;
    let plan = plan_2024(&app).await;
    task_due(&app, &plan, "R15", on("2024-03-15")).await;
    task_due(&app, &plan, "R31", on("2024-03-31")).await;
    let done = task_due(&app, &plan, "R20", on("2024-03-20")).await;
    complete_on(&app, &done, "2024-03-15").await;
    // due today is at risk, not overdue
    assert_eq!(
        codes(&app, &plan, "at_risk_days=0&as_of=2024-03-15").await,
        ["R15"]
    );
    assert_eq!(
        codes(&app, &plan, "at_risk_days=15&as_of=2024-03-15").await,
        ["R15"]
    );
    assert_eq!(
        codes(&app, &plan, "at_risk_days=16&as_of=2024-03-15").await,
        ["R15", "R31"]
    );
    // the day after its due day a task is overdue, no longer at risk
    assert_eq!(
        codes(&app, &plan, "at_risk_days=15&as_of=2024-03-16").await,
        ["R31"]
    );
    // a task done on the day is no longer at risk from that day on
    assert_eq!(
        codes(&app, &plan, "at_risk_days=6&as_of=2024-03-14").await,
        ["R15", "R20"]
    );
}

#[actix_web::test]
async fn the_province_day_turns_at_17_utc() {
    // 16:59:59 UTC on 15/05 is 23:59:59 on 15/05 in the province; a second
    // later it is 16/05 there.
    for (instant, today, overdue) in [
        ("2024-05-15T16:59:59Z", "2024-05-15", false),
        ("2024-05-15T17:00:00Z", "2024-05-16", true),
    ] {
        let app = app_at(instant).await;
        let plan = plan_2024(&app).await;
        let due_today = task_due(&app, &plan, "N1", on("2024-05-15")).await;
        let t = task_as_of(&app, &due_today, None).await;
        assert_eq!(
            (t["as_of"].clone(), t["overdue"].clone()),
            (json!(today), json!(overdue)),
            "at {instant}"
        );
        assert_eq!(summary(&app, &plan, today).await["as_of"], today);

        // work may be claimed done today in the province, not tomorrow
        let claimed = claim_done_on(&app, &due_today, "2024-05-16").await;
        if overdue {
            assert_eq!(
                claimed.status,
                StatusCode::CREATED,
                "at {instant}: {}",
                claimed.raw
            );
        } else {
            assert_eq!(
                claimed.problem(422)["errors"][0]["field"],
                "completed_on",
                "at {instant}"
            );
        }

        // an extension is decided on the province's day
        let extended = task_due(&app, &plan, "N2", on("2024-05-15")).await;
        let decided = approve_extension(&app, &extended, "2024-05-31").await;
        assert_eq!(decided["decided_on"], today, "at {instant}");
    }
}

/// The lead's progress report, as answered.
async fn report(app: &TestApp, task: &str, progress: i64) {
    let r = app
        .post(&format!("/api/v1/tasks/{task}/reports"))
        .token(&app.token(LEAD))
        .json(&json!({"progress_percent": progress, "summary": "Báo cáo tiến độ"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
}

#[actix_web::test]
async fn reports_and_claims_count_from_their_day_in_the_province() {
    // 16:59:59 UTC is the last second of a day in the province, 17:00:00 the
    // first of the next.
    let mut app = app_at("2024-05-15T16:59:59Z").await;
    let plan = plan_2024(&app).await;
    let task = task_due(&app, &plan, "N1", on("2024-12-31")).await;
    // reported on in the first second of 16/05 only, and claimed done then only
    let reported_next_day = task_due(&app, &plan, "N2", on("2024-12-31")).await;
    let claimed_next_day = task_due(&app, &plan, "N3", on("2024-12-31")).await;
    report(&app, &task, 30).await;
    app.set_clock(clock_at("2024-05-15T17:00:00Z")).await;
    report(&app, &task, 60).await;
    report(&app, &reported_next_day, 60).await;
    for id in [&task, &claimed_next_day] {
        let claimed = claim_done_on(&app, id, "2024-05-16").await;
        assert_eq!(claimed.status, StatusCode::CREATED, "{}", claimed.raw);
    }
    // returned in the first second of 17/05
    app.set_clock(clock_at("2024-05-16T17:00:00Z")).await;
    let r = app
        .post(&format!("/api/v1/tasks/{task}/review"))
        .token(&app.token(COORDINATOR))
        .json(&json!({"decision": "return", "comment": "Thiếu quyết định"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);

    for (day, status, progress) in [
        ("2024-05-14", "not_started", 0),
        ("2024-05-15", "in_progress", 30),
        ("2024-05-16", "submitted", 60),
        ("2024-05-17", "in_progress", 60),
    ] {
        let t = task_as_of(&app, &task, Some(day)).await;
        assert_eq!(
            (t["status"].clone(), t["progress_percent"].clone()),
            (json!(status), json!(progress)),
            "as of {day}"
        );
        let listed = app
            .get(&format!("/api/v1/tasks?plan_id={plan}&as_of={day}"))
            .token(&app.token(INSPECTOR))
            .send()
            .await;
        let n1 = listed.body["items"]
            .as_array()
            .and_then(|items| items.iter().find(|t| t["code"] == "N1"))
            .expect("N1 listed");
        assert_eq!(n1["status"], status, "listed as of {day}");
    }
    for (id, on_16) in [
        (&reported_next_day, ("in_progress", 60)),
        (&claimed_next_day, ("submitted", 0)),
    ] {
        for (day, (status, progress)) in [("2024-05-15", ("not_started", 0)), ("2024-05-16", on_16)]
        {
            let t = task_as_of(&app, id, Some(day)).await;
            assert_eq!(
                (t["status"].clone(), t["progress_percent"].clone()),
                (json!(status), json!(progress)),
                "{} as of {day}",
                t["code"]
            );
        }
    }
}

#[actix_web::test]
async fn a_summary_counts_each_task_as_it_stood_that_day() {
    let app = app_at("2024-06-01T03:00:00Z").await;
    let plan = plan_2024(&app).await;
    let on_time = task_due(&app, &plan, "S1", on("2024-05-15")).await;
    let late = task_due(&app, &plan, "S2", on("2024-05-15")).await;
    task_due(&app, &plan, "S3", on("2024-05-20")).await;
    complete_on(&app, &on_time, "2024-05-15").await;
    complete_on(&app, &late, "2024-05-16").await;

    // 15/05: one done on time, one still in progress, one not started
    let s = summary(&app, &plan, "2024-05-15").await;
    assert_eq!(
        s["by_status"],
        json!({"not_started": 1, "in_progress": 1, "submitted": 0, "completed": 1, "cancelled": 0})
    );
    assert_eq!(
        (
            s["total"].clone(),
            s["completed_on_time"].clone(),
            s["completed_late"].clone()
        ),
        (json!(3), json!(1), json!(0))
    );
    assert_eq!(
        (s["overdue"].clone(), s["completion_rate"].clone()),
        (json!(0), json!(33.3))
    );
    let area = &s["by_area"][0];
    assert_eq!(
        (
            area["total"].clone(),
            area["completed"].clone(),
            area["open"].clone(),
            area["overdue"].clone()
        ),
        (json!(3), json!(1), json!(2), json!(0))
    );

    // 21/05: two done, one on time and one late; the third is a day overdue
    let s = summary(&app, &plan, "2024-05-21").await;
    assert_eq!(
        (
            s["by_status"]["completed"].clone(),
            s["by_status"]["not_started"].clone()
        ),
        (json!(2), json!(1))
    );
    assert_eq!(
        (
            s["completed_on_time"].clone(),
            s["completed_late"].clone(),
            s["overdue"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );
    assert_eq!(s["completion_rate"], 66.7);
    let agency = &s["by_lead_agency"][0];
    assert_eq!(
        (
            agency["code"].clone(),
            agency["total"].clone(),
            agency["open"].clone(),
            agency["overdue"].clone()
        ),
        (json!("STP"), json!(3), json!(1), json!(1))
    );
    let card = scorecard(&app, &plan, "2024-05-21").await;
    assert_eq!(
        (
            card["led"].clone(),
            card["open"].clone(),
            card["overdue"].clone(),
            card["completed_late"].clone()
        ),
        (json!(3), json!(1), json!(1), json!(1))
    );
}

/// POST /api/v1/auth/token with a username and password.
async fn log_in(app: &TestApp, username: &str, password: &str) -> StatusCode {
    app.post("/api/v1/auth/token")
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .status
}

#[actix_web::test]
async fn the_longest_password_one_may_set_logs_in() {
    let app = app_at("2024-05-15T03:00:00Z").await;
    // 1024 characters is the limit, counted as characters: "ế" is three bytes
    let longest = "ế".repeat(1024);
    let r = app
        .post("/api/v1/users")
        .token(&app.token("admin"))
        .json(
            &json!({"username": "canbo.stp", "display_name": "Cán bộ Sở Tư pháp",
                      "password": longest, "role": "inspector"}),
        )
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    assert_eq!(log_in(&app, "canbo.stp", &longest).await, StatusCode::OK);
    let one_more = format!("{longest}x");
    assert_eq!(
        log_in(&app, "canbo.stp", &one_more).await,
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post("/api/v1/users")
        .token(&app.token("admin"))
        .json(
            &json!({"username": "canbo.snv", "display_name": "Cán bộ Sở Nội vụ",
                      "password": one_more, "role": "inspector"}),
        )
        .send()
        .await;
    assert_eq!(r.problem(400)["errors"][0]["field"], "password");
}

#[actix_web::test]
async fn a_page_as_long_as_what_remains_is_the_last() {
    // the system clock: reports made at one pinned instant would tie on their time
    let app = TestApp::demo().await;
    let plan = plan_2024(&app).await;
    let task = task_due(&app, &plan, "P1", on("2024-12-31")).await;
    let reports = format!("/api/v1/tasks/{task}/reports");
    for (n, progress) in [10, 20, 30].into_iter().enumerate() {
        let r = app
            .post(&reports)
            .token(&app.token(LEAD))
            .json(
                &json!({"progress_percent": progress, "summary": format!("Báo cáo lần {}", n + 1)}),
            )
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    }
    let page = |query: String| {
        let app = &app;
        let path = format!("{reports}?{query}");
        async move {
            let r = app.get(&path).token(&app.token(INSPECTOR)).send().await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
            let progress: Vec<i64> = r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["progress_percent"].as_i64().unwrap())
                .collect();
            (progress, r.body["next_cursor"].as_str().map(str::to_string))
        }
    };
    let (all, next) = page("limit=3".into()).await;
    assert_eq!(
        (all, next),
        (vec![10, 20, 30], None),
        "exactly one full page"
    );
    let (first, next) = page("limit=2".into()).await;
    assert_eq!(first, [10, 20]);
    let (rest, last) = page(format!("limit=2&cursor={}", next.expect("a next page"))).await;
    assert_eq!((rest, last), (vec![30], None));
    let (one, next) = page("limit=1".into()).await;
    assert_eq!(one, [10]);
    let (two, _) = page(format!("limit=1&cursor={}", next.unwrap())).await;
    assert_eq!(two, [20]);
}

#[actix_web::test]
async fn a_task_names_at_most_100_supporting_agencies() {
    let app = app_at("2024-05-15T03:00:00Z").await;
    let plan = plan_2024(&app).await;
    let coordinator = app.token(COORDINATOR);
    let unknown = |n: usize| -> Vec<String> {
        (0..n)
            .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
            .collect()
    };
    let body = |supporting: Vec<String>| {
        json!({"code": "H1", "title": "Nhiệm vụ H1", "area": "admin_procedure",
               "lead_agency_id": app.agency_id("STP"), "supporting_agency_ids": supporting,
               "deadline": on("2024-12-31"), "expected_output": "Báo cáo"})
    };
    // 100 are looked up (and these do not exist); 101 are refused unread
    let r = app
        .post(&format!("/api/v1/plans/{plan}/tasks"))
        .token(&coordinator)
        .json(&body(unknown(100)))
        .send()
        .await;
    assert_eq!(
        r.problem(422)["errors"][0]["field"],
        "supporting_agency_ids"
    );
    let r = app
        .post(&format!("/api/v1/plans/{plan}/tasks"))
        .token(&coordinator)
        .json(&body(unknown(101)))
        .send()
        .await;
    assert_eq!(
        r.problem(400)["errors"][0]["field"],
        "supporting_agency_ids"
    );

    let task = task_due(&app, &plan, "H2", on("2024-12-31")).await;
    let path = format!("/api/v1/tasks/{task}");
    let etag = app
        .get(&path)
        .token(&coordinator)
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_string();
    for (n, status) in [(100, 422), (101, 400)] {
        let r = app
            .patch(&path)
            .token(&coordinator)
            .header("If-Match", &etag)
            .json(&json!({ "supporting_agency_ids": unknown(n) }))
            .send()
            .await;
        assert_eq!(
            r.problem(status)["errors"][0]["field"],
            "supporting_agency_ids",
            "{n}"
        );
    }
}

#[actix_web::test]
async fn cancelled_tasks_count_for_nothing_but_themselves() {
    let app = app_at("2024-06-01T03:00:00Z").await;
    let plan = plan_2024(&app).await;
    assert_eq!(
        summary(&app, &plan, "2024-05-31").await["completion_rate"],
        0.0,
        "an empty plan"
    );
    let done = task_due(&app, &plan, "X1", on("2024-05-15")).await;
    task_due(&app, &plan, "X2", on("2024-05-15")).await;
    let cancelled = task_due(&app, &plan, "X3", on("2024-05-15")).await;
    complete_on(&app, &done, "2024-05-10").await;
    let claimed = task_due(&app, &plan, "X4", on("2024-05-31")).await;
    let r = claim_done_on(&app, &claimed, "2024-05-20").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    // no use case cancels a task yet; an import may bring cancelled ones
    assert_eq!(
        app.count(&format!(
            "WITH c AS (UPDATE tasks SET status = 'cancelled' WHERE id = '{cancelled}' RETURNING 1) \
             SELECT count(*) AS n FROM c"
        )),
        1
    );
    assert_eq!(lateness(&app, &cancelled, "2024-05-31").await, (false, 0));
    let s = summary(&app, &plan, "2024-05-31").await;
    assert_eq!(
        s["by_status"],
        json!({"not_started": 1, "in_progress": 0, "submitted": 1, "completed": 1, "cancelled": 1})
    );
    assert_eq!(
        (
            s["total"].clone(),
            s["overdue"].clone(),
            s["completion_rate"].clone()
        ),
        (json!(4), json!(1), json!(33.3)),
        "the rate is over tasks not cancelled"
    );
    let area = &s["by_area"][0];
    assert_eq!(
        (
            area["total"].clone(),
            area["open"].clone(),
            area["completed"].clone()
        ),
        (json!(4), json!(2), json!(1))
    );
    assert_eq!(
        codes(&app, &plan, "overdue=true&as_of=2024-05-31").await,
        ["X2"]
    );
    // on 01/05 the completed one was still open, the cancelled one never
    let mut at_risk = codes(&app, &plan, "at_risk_days=30&as_of=2024-05-01").await;
    at_risk.sort();
    assert_eq!(at_risk, ["X1", "X2", "X4"]);
}

#[actix_web::test]
async fn a_task_list_page_as_long_as_the_list_is_the_last() {
    let app = app_at("2024-05-15T03:00:00Z").await;
    let plan = plan_2024(&app).await;
    for code in ["K1", "K2", "K3"] {
        task_due(&app, &plan, code, on("2024-12-31")).await;
    }
    let page = |query: String| {
        let app = &app;
        let path = format!("/api/v1/tasks?plan_id={plan}&sort=code&{query}");
        async move {
            let r = app.get(&path).token(&app.token(INSPECTOR)).send().await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
            let codes: Vec<String> = r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["code"].as_str().unwrap().to_string())
                .collect();
            (codes, r.body["next_cursor"].as_str().map(str::to_string))
        }
    };
    assert_eq!(
        page("limit=3".into()).await,
        (vec!["K1".into(), "K2".into(), "K3".into()], None)
    );
    let (first, next) = page("limit=2".into()).await;
    assert_eq!(first, ["K1", "K2"]);
    let rest = page(format!("limit=2&cursor={}", next.unwrap())).await;
    assert_eq!(rest, (vec!["K3".into()], None));
}

#[actix_web::test]
async fn logins_no_password_could_match_do_not_count_against_the_account() {
    let app = app_at("2024-05-15T03:00:00Z").await;
    // five failures lock a username; these five are refused unread, against
    // the address only, so nobody locks an official out by sending them
    let too_long = "x".repeat(1025);
    for password in ["", too_long.as_str()] {
        for _ in 0..5 {
            assert_eq!(
                log_in(&app, "stp", password).await,
                StatusCode::UNAUTHORIZED
            );
        }
        assert_eq!(
            log_in(&app, "stp", "khanhhoa-2023").await,
            StatusCode::OK,
            "{} characters",
            password.len()
        );
    }
}

/// A login's refresh token.
async fn refresh_token_of(app: &TestApp, username: &str, password: &str) -> String {
    let r = app
        .post("/api/v1/auth/token")
        .json(&json!({"username": username, "password": password}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    r.body["refresh_token"].as_str().unwrap().to_string()
}

/// Exchanges a refresh token: the new one, or the status of the refusal.
async fn refresh(app: &TestApp, token: &str) -> Result<String, StatusCode> {
    let r = app
        .post("/api/v1/auth/refresh")
        .json(&json!({ "refresh_token": token }))
        .send()
        .await;
    match r.status {
        StatusCode::OK => Ok(r.body["refresh_token"].as_str().unwrap().to_string()),
        other => Err(other),
    }
}

#[actix_web::test]
async fn a_new_password_or_a_deactivation_ends_sessions_and_a_new_name_does_not() {
    let app = app_at("2024-05-15T03:00:00Z").await;
    let id = app.create_user("canbo.stp", "inspector", None, "mat-khau-cu-123");
    let admin = app.token("admin");
    let change = |body: Value| {
        let (app, admin, id) = (&app, &admin, &id);
        async move {
            let r = app
                .patch(&format!("/api/v1/users/{id}"))
                .token(admin)
                .json(&body)
                .send()
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        }
    };
    let session = refresh_token_of(&app, "canbo.stp", "mat-khau-cu-123").await;
    change(json!({"display_name": "Thanh tra viên Sở Tư pháp"})).await;
    let session = refresh(&app, &session)
        .await
        .expect("a new name keeps the session");

    change(json!({"active": false})).await;
    change(json!({"active": true})).await;
    assert_eq!(
        refresh(&app, &session).await,
        Err(StatusCode::UNAUTHORIZED),
        "a deactivation ends the sessions it found, also once reactivated"
    );

    let session = refresh_token_of(&app, "canbo.stp", "mat-khau-cu-123").await;
    change(json!({"password": "mat-khau-moi-456"})).await;
    assert_eq!(
        refresh(&app, &session).await,
        Err(StatusCode::UNAUTHORIZED),
        "a new password ends the sessions"
    );
    refresh_token_of(&app, "canbo.stp", "mat-khau-moi-456").await;
}
