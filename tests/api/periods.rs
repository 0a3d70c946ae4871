//! The coordinator's year: periods with the national rule's windows, frozen
//! when closed; the agencies' period reports and who is missing or late;
//! indicators against their targets; the consolidated report; and the 2023
//! demo reproducing the province's published figures.

use serde_json::{json, Value};

use crate::actors::{path, Actor};
use crate::bodies::{PlanBody, ReportBody, TaskBody};
use crate::common::{clock_at, JsonExt, TestApp};
use crate::demo::{self, NHATRANG, STP, STTTT};

/// A 2024 plan with one task led by STP and supported by STTTT, due
/// 2024-02-28 (so overdue by the end of the first quarter's figures).
async fn plan_2024(app: &TestApp) -> (String, String) {
    let coordinator = Actor::coordinator(app);
    let plan = coordinator.create_plan(&PlanBody::year(2024)).await.id();
    let task = coordinator
        .create_task(
            &plan,
            &TaskBody::new("K1")
                .lead(STP)
                .supporting(&[STTTT])
                .date("2024-02-28"),
        )
        .await
        .id();
    (plan, task)
}

async fn open_period(app: &TestApp, plan: &str, body: Value) -> Value {
    Actor::coordinator(app)
        .post(&path::plan_periods(plan), &body)
        .await
        .created()
}

fn agency_report(number: &str) -> Value {
    json!({
        "document_number": number,
        "issued_on": "2024-03-10",
        "results": "Đã triển khai các nhiệm vụ CCHC quý I.",
        "limitations": "Một nhiệm vụ chậm tiến độ.",
        "next_steps": "Hoàn thành nhiệm vụ còn lại trong quý II.",
    })
}

#[actix_web::test]
async fn each_kind_of_period_gets_the_national_rules_window_and_its_vietnamese_name() {
    let app = TestApp::demo().await;
    let (plan, _) = plan_2024(&app).await;
    let cases = [
        (
            "quarter",
            "2024-Q1",
            "Quý I/2024",
            "2023-12-15",
            "2024-03-14",
        ),
        (
            "quarter",
            "2024-Q2",
            "Quý II/2024",
            "2024-03-15",
            "2024-06-14",
        ),
        (
            "quarter",
            "2024-Q4",
            "Quý IV/2024",
            "2024-09-15",
            "2024-12-14",
        ),
        (
            "half_year",
            "2024-H1",
            "6 tháng đầu năm 2024",
            "2023-12-15",
            "2024-06-14",
        ),
        (
            "nine_months",
            "2024-9M",
            "9 tháng đầu năm 2024",
            "2023-12-15",
            "2024-09-14",
        ),
        // the year crosses into the year before at 15/12
        ("year", "2024", "Năm 2024", "2023-12-15", "2024-12-14"),
    ];
    for (kind, value, label, from, to) in cases {
        let p = open_period(&app, &plan, json!({"kind": kind, "value": value})).await;
        assert_eq!(
            (
                p["label"].as_str(),
                p["data_from"].as_str(),
                p["data_to"].as_str()
            ),
            (Some(label), Some(from), Some(to)),
            "{value}"
        );
        assert_eq!(p["status"], "open");
    }
    let q1 = Actor::inspector(&app)
        .get(&path::plan_periods(&plan))
        .await
        .ok()
        .items();
    assert_eq!(q1.len(), cases.len());
    assert_eq!(
        q1[0]["report_due_on"], "2024-03-15",
        "due the day after the figures close"
    );
    // a window of one's own, and a due day of one's own
    let p = open_period(
        &app,
        &Actor::coordinator(&app)
            .create_plan(&PlanBody::year(2025))
            .await
            .id(),
        json!({"kind": "year", "value": "2025", "data_from": "2025-01-01",
               "data_to": "2025-12-31", "report_due_on": "2025-12-20"}),
    )
    .await;
    assert_eq!(
        (&p["data_from"], &p["data_to"], &p["report_due_on"]),
        (
            &json!("2025-01-01"),
            &json!("2025-12-31"),
            &json!("2025-12-20")
        )
    );
}

#[actix_web::test]
async fn periods_of_one_kind_never_share_a_day_and_bad_windows_are_named() {
    let app = TestApp::demo().await;
    let (plan, _) = plan_2024(&app).await;
    let coordinator = Actor::coordinator(&app);
    let periods = path::plan_periods(&plan);
    open_period(&app, &plan, json!({"kind": "quarter", "value": "2024-Q1"})).await;
    // Q1's figures end on 14/3: a Q2 from 15/3 touches it, one from 14/3 overlaps
    coordinator
        .post(
            &periods,
            &json!({"kind": "quarter", "value": "2024-Q2", "data_from": "2024-03-14"}),
        )
        .await
        .field_error(422, "data_from")
        .alone();
    open_period(
        &app,
        &plan,
        json!({"kind": "quarter", "value": "2024-Q2", "data_from": "2024-03-15"}),
    )
    .await;
    // another kind may cover the same days
    open_period(
        &app,
        &plan,
        json!({"kind": "half_year", "value": "2024-H1"}),
    )
    .await;
    coordinator
        .post(&periods, &json!({"kind": "quarter", "value": "2024-Q1"}))
        .await
        .problem(409)
        .problem_type("duplicate");
    for (body, field, status) in [
        (
            json!({"kind": "quarter", "value": "2024-Q3", "data_from": "2024-09-15", "data_to": "2024-09-14"}),
            "data_from",
            422,
        ),
        (json!({"kind": "quarter", "value": "2024-H1"}), "value", 422),
        (json!({"kind": "year", "value": "2023"}), "value", 422),
        (json!({"kind": "quarter", "value": "2024-Q5"}), "value", 400),
        // of the spec's shape, but no year a plan has: a rule, not a malformed value
        (json!({"kind": "year", "value": "0000"}), "value", 422),
        (json!({"kind": "quarter", "value": "2101-Q1"}), "value", 422),
        (json!({"kind": "year", "value": "20x4"}), "value", 400),
        (
            json!({"kind": "quarter", "value": "2024-Q3", "report_due_on": "2024-06-01"}),
            "report_due_on",
            422,
        ),
        (json!({"kind": "week", "value": "2024"}), "kind", 400),
    ] {
        coordinator
            .post(&periods, &body)
            .await
            .field_error(status, field);
    }
    // the boundary of data_from against data_to: one day is a window
    open_period(
        &app,
        &plan,
        json!({"kind": "quarter", "value": "2024-Q3", "data_from": "2024-09-14", "data_to": "2024-09-14"}),
    )
    .await;
    Actor::officer(&app, STP)
        .post(&periods, &json!({"kind": "quarter", "value": "2024-Q4"}))
        .await
        .problem(403)
        .problem_type("not-coordinator");
}

/// A period's figures take what was reported up to the end of its data_to in
/// the province (UTC+7): 16:59:59 UTC is that day's last second, 17:00:00 the
/// next day's first.
#[actix_web::test]
async fn a_period_takes_reports_to_the_last_second_of_data_to_in_the_province() {
    // the first quarter's figures run to 14/03
    let mut app = TestApp::demo_with_clock(clock_at("2024-03-14T16:59:59Z")).await;
    let (plan, task) = plan_2024(&app).await;
    let period = open_period(&app, &plan, json!({"kind": "quarter", "value": "2024-Q1"}))
        .await
        .id();
    let officer = Actor::officer(&app, STP);
    officer
        .post_report(&task, &ReportBody::new(30, "Báo cáo trong kỳ"))
        .await;
    app.set_clock(clock_at("2024-03-14T17:00:00Z")).await;
    let officer = Actor::officer(&app, STP);
    officer
        .post_report(&task, &ReportBody::new(60, "Báo cáo sau kỳ"))
        .await;
    let inspector = Actor::inspector(&app);
    let open_rows = inspector
        .get(&path::period(&period, "/tasks"))
        .await
        .ok()
        .items();
    assert_eq!(
        (
            open_rows[0]["progress_percent"].clone(),
            open_rows[0]["progress_summary"].clone()
        ),
        (json!(30), json!("Báo cáo trong kỳ")),
        "open"
    );
    Actor::coordinator(&app)
        .post_empty(&path::period(&period, "/close"))
        .await
        .ok();
    let frozen_rows = inspector
        .get(&path::period(&period, "/tasks"))
        .await
        .ok()
        .items();
    assert_eq!(
        (
            frozen_rows[0]["progress_percent"].clone(),
            frozen_rows[0]["progress_summary"].clone()
        ),
        (json!(30), json!("Báo cáo trong kỳ")),
        "closed"
    );
}

/// Opening and closing a period are events a webhook may subscribe to
/// (`period.created`, `period.closed`), written with the period.
#[actix_web::test]
async fn a_period_s_opening_and_closing_are_published() {
    let app = TestApp::demo_with_clock(clock_at("2024-04-01T03:00:00Z")).await;
    let (plan, _) = plan_2024(&app).await;
    let period = open_period(&app, &plan, json!({"kind": "quarter", "value": "2024-Q1"}))
        .await
        .id();
    let published = |app: &TestApp| {
        app.texts(&format!(
            "SELECT type AS t FROM outbox_events WHERE subject_id = '{period}' ORDER BY occurred_at"
        ))
    };
    assert_eq!(published(&app), ["period.created"]);
    Actor::coordinator(&app)
        .post_empty(&path::period(&period, "/close"))
        .await
        .ok();
    assert_eq!(published(&app), ["period.created", "period.closed"]);
}

#[actix_web::test]
async fn a_closed_period_keeps_what_it_saw_whatever_changes_later() {
    let mut app = TestApp::demo_with_clock(clock_at("2024-03-10T03:00:00Z")).await;
    let (plan, task) = plan_2024(&app).await;
    let period = open_period(&app, &plan, json!({"kind": "quarter", "value": "2024-Q1"}))
        .await
        .id();
    let inspector = Actor::inspector(&app);
    let officer = Actor::officer(&app, STP);
    officer
        .post_report(&task, &ReportBody::new(30, "Đang xây dựng dự thảo"))
        .await;
    let open_rows = inspector
        .get(&path::period(&period, "/tasks"))
        .await
        .ok()
        .items();
    assert_eq!(open_rows.len(), 1);
    let row = &open_rows[0];
    // judged on data_to, 2024-03-14: due 28/02, so 15 days overdue
    assert_eq!(
        (row["overdue"].clone(), row["days_overdue"].clone()),
        (json!(true), json!(15))
    );
    assert_eq!(row["as_of"], "2024-03-14");
    let open_summary = inspector.get(&path::period(&period, "/summary")).await.ok();
    let plan_summary = inspector.plan_summary(&plan, "2024-03-14").await;
    assert_eq!(
        open_summary, plan_summary,
        "an open period is the plan as of data_to"
    );

    // closed only once its figures are complete: not on data_to (in UTC+7), the day after
    app.set_clock(clock_at("2024-03-14T16:59:00Z")).await;
    Actor::coordinator(&app)
        .post_empty(&path::period(&period, "/close"))
        .await
        .problem(409)
        .problem_type("period-not-over");
    app.set_clock(clock_at("2024-03-14T17:00:00Z")).await;
    let inspector = Actor::inspector(&app);
    let officer = Actor::officer(&app, STP);
    let closed = Actor::coordinator(&app)
        .post_empty(&path::period(&period, "/close"))
        .await
        .ok();
    assert_eq!(closed["status"], "closed");
    let frozen_rows = inspector
        .get(&path::period(&period, "/tasks"))
        .await
        .ok()
        .items();
    assert_eq!(frozen_rows, open_rows, "closing changes nothing it shows");

    // later: the task is renamed, extended in effect, reported on and completed
    let coordinator = Actor::coordinator(&app);
    let etag = coordinator.get(&path::task(&task)).await.etag();
    coordinator
        .patch_if_match(
            &path::task(&task),
            &etag,
            &json!({"title": "Tên mới của nhiệm vụ"}),
        )
        .await
        .ok();
    officer
        .post_report(&task, &ReportBody::new(90, "Gần hoàn thành"))
        .await;
    assert_eq!(
        inspector
            .get(&path::period(&period, "/tasks"))
            .await
            .ok()
            .items(),
        open_rows,
        "rows come from the frozen copy"
    );
    assert_eq!(
        inspector.get(&path::period(&period, "/summary")).await.ok(),
        open_summary
    );
    assert_eq!(frozen_rows[0]["progress_summary"], "Đang xây dựng dự thảo");
    // filters apply to the frozen copy as to live tasks
    let by_agency = format!(
        "/tasks?agency_id={}&agency_role=supporting",
        app.agency_id(STTTT)
    );
    assert_eq!(
        inspector
            .get(&path::period(&period, &by_agency))
            .await
            .ok()
            .items()
            .len(),
        1
    );
    let by_other = format!("/tasks?agency_id={}", app.agency_id(NHATRANG));
    assert!(inspector
        .get(&path::period(&period, &by_other))
        .await
        .ok()
        .items()
        .is_empty());
    assert_eq!(
        inspector
            .get(&path::period(&period, "/tasks?overdue=false"))
            .await
            .ok()
            .items()
            .len(),
        0
    );
    assert_eq!(
        inspector
            .get(&path::period(&period, "/tasks?q=ten%20moi"))
            .await
            .ok()
            .items()
            .len(),
        0,
        "the frozen copy has the old title"
    );
    Actor::coordinator(&app)
        .post_empty(&path::period(&period, "/close"))
        .await
        .problem(409)
        .problem_type("period-closed");
}

#[actix_web::test]
async fn an_agency_drafts_submits_and_resubmits_once_returned() {
    let app = TestApp::demo().await;
    let (plan, _) = plan_2024(&app).await;
    let period = open_period(&app, &plan, json!({"kind": "quarter", "value": "2024-Q1"}))
        .await
        .id();
    let (stp, stttt) = (app.agency_id(STP), app.agency_id(STTTT));
    let officer = Actor::officer(&app, STP);
    let coordinator = Actor::coordinator(&app);
    let mine = path::agency_report(&period, &stp, "");
    let tracker = Actor::inspector(&app)
        .get(&path::period(&period, "/agency-reports"))
        .await
        .ok();
    let owed: Vec<&str> = tracker["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.text("agency_code"))
        .collect();
    assert_eq!(
        owed,
        [STP, STTTT],
        "the lead and the supporting agency owe a report"
    );
    assert_eq!(tracker["items"][0]["status"], "missing");

    // nothing to submit before a draft; a draft needs its number to be submitted
    officer
        .post_empty(&format!("{mine}/submit"))
        .await
        .problem(409)
        .problem_type("agency-report-state");
    officer
        .put(&mine, &json!({"results": "Kết quả"}))
        .await
        .ok();
    officer
        .post_empty(&format!("{mine}/submit"))
        .await
        .field_error(422, "document_number");
    let draft = officer.put(&mine, &agency_report("12/BC-STP")).await.ok();
    assert_eq!(draft["status"], "draft");
    let tracker_path = path::period(&period, "/agency-reports");
    let counts = || async {
        let c = &coordinator.get(&tracker_path).await.ok()["counts"];
        [
            c["owed"].clone(),
            c["missing"].clone(),
            c["draft"].clone(),
            c["submitted"].clone(),
            c["accepted"].clone(),
            c["returned"].clone(),
        ]
    };
    assert_eq!(counts().await, [2, 1, 1, 0, 0, 0]);
    let sent = officer.post_empty(&format!("{mine}/submit")).await.ok();
    assert_eq!(sent["status"], "submitted");
    assert_eq!(counts().await, [2, 1, 0, 1, 0, 0]);
    officer
        .put(&mine, &agency_report("13/BC-STP"))
        .await
        .problem(409)
        .problem_type("agency-report-state")
        .names_status("submitted");
    coordinator
        .post(&format!("{mine}/review"), &json!({"decision": "return"}))
        .await
        .field_error(422, "comment");
    let returned = coordinator
        .post(
            &format!("{mine}/review"),
            &json!({"decision": "return", "comment": "Bổ sung số liệu"}),
        )
        .await
        .ok();
    assert_eq!(returned["status"], "returned");
    assert_eq!(counts().await, [2, 1, 0, 0, 0, 1]);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM outbox_events WHERE type = 'agency_report.returned' \
             AND changes->>'agency_id' = '{stp}'"
        )),
        1,
        "the agency is told its report came back"
    );
    par_tracker::worker::fan_out(app.pool(), false, chrono::Utc::now()).unwrap();
    let heard = officer
        .get("/api/v1/me/notifications?unread=true")
        .await
        .ok()
        .items();
    assert!(
        heard.iter().any(|n| n["type"] == "agency_report.returned"
            && n["title"] == "Báo cáo định kỳ bị trả lại: Bổ sung số liệu"),
        "the agency's officer hears its report came back: {heard:?}"
    );
    let edited = officer.put(&mine, &agency_report("14/BC-STP")).await.ok();
    assert_eq!(
        edited["status"], "returned",
        "returned until submitted again"
    );
    officer.post_empty(&format!("{mine}/submit")).await.ok();
    coordinator
        .post(&format!("{mine}/review"), &json!({"decision": "accept"}))
        .await
        .ok();
    // (the demo's 2023 reports of STP come first)
    let steps = app.texts(&format!(
        "SELECT type AS t FROM outbox_events WHERE type LIKE 'agency_report.%' \
         AND changes->>'agency_id' = '{stp}' ORDER BY occurred_at"
    ));
    assert_eq!(
        steps[steps.len().saturating_sub(4)..],
        [
            "agency_report.submitted",
            "agency_report.returned",
            "agency_report.submitted",
            "agency_report.accepted"
        ],
        "each step but the drafts is published, and the acceptance reaches the agency"
    );
    coordinator
        .post(&format!("{mine}/review"), &json!({"decision": "accept"}))
        .await
        .problem(409)
        .problem_type("agency-report-state");

    // who may write it
    let theirs = path::agency_report(&period, &stttt, "");
    officer
        .put(&theirs, &agency_report("1/BC-X"))
        .await
        .problem(403)
        .problem_type("not-own-agency");
    officer
        .post_empty(&format!("{theirs}/submit"))
        .await
        .problem(403);
    coordinator
        .put(&theirs, &agency_report("1/BC-X"))
        .await
        .problem(403);
    Actor::inspector(&app)
        .put(&theirs, &agency_report("1/BC-X"))
        .await
        .problem(403);
    officer
        .post(&format!("{theirs}/review"), &json!({"decision": "accept"}))
        .await
        .problem(403)
        .problem_type("not-coordinator");
    // an agency with no task in the plan owes no report
    let nhatrang = path::agency_report(&period, &app.agency_id(NHATRANG), "");
    Actor::officer(&app, NHATRANG)
        .put(&nhatrang, &agency_report("1/BC-NT"))
        .await
        .field_error(422, "agency_id");

    // the consolidated report gathers the accepted report's words
    let report = Actor::inspector(&app)
        .get(&path::period(&period, "/report"))
        .await
        .ok();
    assert_eq!(
        report["limitations"][0]["text"],
        "Một nhiệm vụ chậm tiến độ."
    );
    assert_eq!(report["limitations"][0]["agency_code"], STP);
    assert_eq!(
        report["next_steps"][0]["text"],
        "Hoàn thành nhiệm vụ còn lại trong quý II."
    );
    assert_eq!(report["next_steps"][0]["agency_code"], STP);
    assert_eq!(report["overdue_tasks"].as_array().unwrap().len(), 1);
    assert_eq!(report["agency_reports"]["counts"]["accepted"], 1);
    assert_eq!(report["agency_reports"]["counts"]["missing"], 1);

    // once closed, nothing is written in the period
    coordinator
        .post_empty(&path::period(&period, "/close"))
        .await
        .ok();
    let theirs_officer = Actor::officer(&app, STTTT);
    theirs_officer
        .put(&theirs, &agency_report("2/BC-STTTT"))
        .await
        .problem(409)
        .problem_type("period-closed");
}

#[actix_web::test]
async fn a_report_is_late_from_the_first_minute_after_its_due_day_in_the_province() {
    // due 2024-03-15: 23:59 that day in UTC+7 is 16:59 UTC
    let mut app = TestApp::demo_with_clock(clock_at("2024-03-15T16:59:00Z")).await;
    let (plan, _) = plan_2024(&app).await;
    let period = open_period(&app, &plan, json!({"kind": "quarter", "value": "2024-Q1"}))
        .await
        .id();
    let stp = app.agency_id(STP);
    let mine = path::agency_report(&period, &stp, "");
    let officer = Actor::officer(&app, STP);
    officer.put(&mine, &agency_report("12/BC-STP")).await.ok();
    officer.post_empty(&format!("{mine}/submit")).await.ok();
    let line = |tracker: &Value, code: &str| {
        tracker["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["agency_code"] == code)
            .unwrap()
            .clone()
    };
    let tracker = Actor::inspector(&app)
        .get(&path::period(&period, "/agency-reports"))
        .await
        .ok();
    assert_eq!(line(&tracker, STP)["on_time"], true);
    assert_eq!(
        line(&tracker, STTTT)["on_time"],
        Value::Null,
        "still missing, not yet late"
    );
    assert_eq!(tracker["counts"]["late"], 0);

    app.set_clock(clock_at("2024-03-15T17:00:00Z")).await;
    let tracker = Actor::inspector(&app)
        .get(&path::period(&period, "/agency-reports"))
        .await
        .ok();
    assert_eq!(
        line(&tracker, STTTT)["on_time"],
        false,
        "missing past its due day"
    );
    assert_eq!(line(&tracker, STP)["on_time"], true);
    assert_eq!(tracker["counts"]["late"], 1);
    let theirs = path::agency_report(&period, &app.agency_id(STTTT), "");
    let officer = Actor::officer(&app, STTTT);
    officer
        .put(&theirs, &agency_report("3/BC-STTTT"))
        .await
        .ok();
    officer.post_empty(&format!("{theirs}/submit")).await.ok();
    let tracker = Actor::inspector(&app)
        .get(&path::period(&period, "/agency-reports"))
        .await
        .ok();
    assert_eq!(line(&tracker, STTTT)["status"], "submitted");
    assert_eq!(
        line(&tracker, STTTT)["on_time"],
        false,
        "submitted after its due day"
    );
}

#[actix_web::test]
async fn agencies_figures_add_up_as_a_ratio_and_the_provinces_own_figure_prevails() {
    let app = TestApp::demo().await;
    let (plan, _) = plan_2024(&app).await;
    let period = open_period(&app, &plan, json!({"kind": "quarter", "value": "2024-Q1"}))
        .await
        .id();
    let coordinator = Actor::coordinator(&app);
    let on_time = json!({"code": "HS-DUNGHAN", "name": "Tỉ lệ hồ sơ giải quyết đúng hạn",
        "unit": "percent", "direction": "increase", "target": {"value": 61},
        "aggregation": "ratio"});
    let indicator = coordinator
        .post(&path::plan_indicators(&plan), &on_time)
        .await
        .created()
        .id();
    let (stp, stttt) = (app.agency_id(STP), app.agency_id(STTTT));
    Actor::officer(&app, STP)
        .put(
            &path::figure(&indicator, &period, Some(&stp)),
            &json!({"numerator": 90, "denominator": 100}),
        )
        .await
        .ok();
    // an agency's figure may also come with its period report
    Actor::officer(&app, STTTT)
        .put(
            &path::agency_report(&period, &stttt, ""),
            &json!({"results": "Kết quả", "indicator_values": [
                {"indicator_id": indicator, "numerator": 150, "denominator": 300}]}),
        )
        .await
        .ok();
    // an indicator of another plan is not one of the period's
    let other_plan = coordinator
        .create_plan(&PlanBody::new("KH-KHAC-2024", 2024))
        .await
        .id();
    let elsewhere = coordinator
        .post(&path::plan_indicators(&other_plan), &on_time)
        .await
        .created()
        .id();
    Actor::officer(&app, STTTT)
        .put(
            &path::agency_report(&period, &stttt, ""),
            &json!({"results": "Kết quả", "indicator_values": [
                {"indicator_id": elsewhere, "numerator": 1, "denominator": 2}]}),
        )
        .await
        .field_error(422, "indicator_values[0].indicator_id");
    let url = format!("{}?period_id={period}", path::plan_indicators(&plan));
    let standing = first_item(&app, &url).await;
    // 240 of 400, not the 70 % an average of 90 % and 50 % would say
    assert_eq!(standing["actual"]["value"], 60.0);
    assert_eq!(
        (
            standing["actual"]["numerator"].clone(),
            standing["actual"]["denominator"].clone()
        ),
        (json!(240.0), json!(400.0))
    );
    assert_eq!(standing["actual"]["basis"], "aggregated");
    // each agency's figure names its agency, by id, code and name
    let mut named: Vec<(Value, String, String)> = standing["actual"]["by_agency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |k: &str| f.text(k).to_string();
            (
                f["agency_id"].clone(),
                text("agency_code"),
                text("agency_name"),
            )
        })
        .collect();
    named.sort_by(|a, b| a.1.cmp(&b.1));
    let agency = |code: &str| {
        let name = app.texts(&format!(
            "SELECT name AS t FROM agencies WHERE code = '{code}'"
        ));
        (
            json!(app.agency_id(code)),
            code.to_string(),
            name[0].clone(),
        )
    };
    assert_eq!(named, [agency(STP), agency(STTTT)]);
    assert_eq!(standing["met"], false, "60 is short of 61");
    let province = path::figure(&indicator, &period, None);
    Actor::officer(&app, STP)
        .put(&province, &json!({"value": 62}))
        .await
        .problem(403)
        .problem_type("not-figure-agency");
    coordinator
        .put(
            &province,
            &json!({"value": 61, "source": "Hệ thống một cửa"}),
        )
        .await
        .ok();
    let standing = first_item(&app, &url).await;
    assert_eq!(
        (
            standing["actual"]["value"].clone(),
            standing["actual"]["basis"].clone()
        ),
        (json!(61.0), json!("recorded"))
    );
    assert_eq!(standing["met"], true, "exactly the target meets it");

    // bad figures
    let mine = path::figure(&indicator, &period, Some(&stp));
    let officer = Actor::officer(&app, STP);
    officer
        .put(&mine, &json!({"numerator": 1, "denominator": 0}))
        .await
        .field_error(422, "denominator");
    officer
        .put(&mine, &json!({"value": 100.5}))
        .await
        .field_error(422, "value");
    officer
        .put(&mine, &json!({"numerator": 5}))
        .await
        .field_error(422, "denominator");
    Actor::officer(&app, STP)
        .put(
            &path::figure(&indicator, &period, Some(&stttt)),
            &json!({"value": 50}),
        )
        .await
        .problem(403);
    Actor::inspector(&app)
        .put(&mine, &json!({"value": 50}))
        .await
        .problem(403);
    // a period of another plan
    let other_plan = coordinator.create_plan(&PlanBody::year(2025)).await.id();
    let other = open_period(&app, &other_plan, json!({"kind": "year", "value": "2025"}))
        .await
        .id();
    coordinator
        .put(
            &path::figure(&indicator, &other, None),
            &json!({"value": 50}),
        )
        .await
        .field_error(422, "period_id");
    coordinator
        .get(&format!(
            "{}?period_id={other}",
            path::plan_indicators(&plan)
        ))
        .await
        .field_error(422, "period_id");
    // closed: figures no longer change
    coordinator
        .post_empty(&path::period(&period, "/close"))
        .await
        .ok();
    coordinator
        .put(&province, &json!({"value": 70}))
        .await
        .problem(409)
        .problem_type("period-closed");
    // indicator rules
    for (body, field) in [
        (
            json!({"code": "X1", "name": "X", "unit": "percent", "direction": "increase", "target": {"value": 120}}),
            "target.value",
        ),
        (
            json!({"code": "X2", "name": "X", "unit": "count", "direction": "increase", "target": {"value": 3, "out_of": 63}}),
            "target.out_of",
        ),
        (
            json!({"code": "X3", "name": "X", "unit": "count", "direction": "increase", "aggregation": "ratio"}),
            "aggregation",
        ),
        // a rank's place may be the last, not beyond it
        (
            json!({"code": "X4", "name": "X", "unit": "rank", "direction": "decrease", "target": {"value": 64, "out_of": 63}}),
            "target.out_of",
        ),
    ] {
        coordinator
            .post(&path::plan_indicators(&plan), &body)
            .await
            .field_error(422, field);
    }
    coordinator
        .post(
            &path::plan_indicators(&plan),
            &json!({"code": "X5", "name": "X", "unit": "rank", "direction": "decrease", "target": {"value": 63, "out_of": 63}}),
        )
        .await
        .created();
    coordinator
        .post(
            &path::plan_indicators(&plan),
            &json!({"code": "HS-DUNGHAN", "name": "X", "unit": "percent", "direction": "increase"}),
        )
        .await
        .problem(409);
}

async fn first_item(app: &TestApp, url: &str) -> Value {
    Actor::inspector(app).get(url).await.ok().items()[0].clone()
}

/// The figures of the province's 2023 year-end report, as the demo holds them.
#[actix_web::test]
async fn the_demo_year_reproduces_the_published_figures() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let plan = inspector.demo_plan_id().await;
    let periods = inspector.get(&path::plan_periods(&plan)).await.ok().items();
    let labels: Vec<&str> = periods.iter().map(|p| p.text("label")).collect();
    assert_eq!(
        labels,
        [
            "Quý I/2023",
            "6 tháng đầu năm 2023",
            "9 tháng đầu năm 2023",
            "Năm 2023"
        ]
    );
    let year = periods.iter().find(|p| p["kind"] == "year").unwrap();
    assert_eq!(
        (year["status"].as_str(), year["data_to"].as_str()),
        (Some("closed"), Some(demo::YEAR_END))
    );
    let period = year.id();
    let summary = inspector.get(&path::period(&period, "/summary")).await.ok();
    assert_eq!(
        (
            summary["total"].clone(),
            summary["by_status"]["completed"].clone()
        ),
        (json!(64), json!(64))
    );
    assert_eq!(
        (
            summary["completed_on_time"].clone(),
            summary["completed_late"].clone()
        ),
        (json!(51), json!(13))
    );

    let url = format!("{}?period_id={period}", path::plan_indicators(&plan));
    let indicators = inspector.get(&url).await.ok().items();
    let actual = |code: &str| -> Value {
        let i = indicators
            .iter()
            .find(|i| i["code"] == code)
            .unwrap_or_else(|| panic!("{code}"));
        i["actual"].clone()
    };
    for (code, value) in [
        ("HS-TIEPNHAN", 543_317.0),
        ("HS-TREHAN", 2_597.0),
        ("HS-TREHAN-TL", 0.49),
        ("HS-TRUCTUYEN", 185_296.0),
        ("HS-TRUCTUYEN-TL", 62.90),
        ("NGANHDOC-TIEPNHAN", 4_355_116.0),
        ("NGANHDOC-DUNGHAN-TL", 99.96),
        ("NGANHDOC-TRUCTUYEN", 2_903_983.0),
        ("NGANHDOC-TRUCTUYEN-TL", 92.16),
        ("VB-DIENTU-TL", 80.0),
        ("VBQPPL", 89.0),
        ("VBQPPL-TINH", 75.0),
        ("VBQPPL-XA", 14.0),
        ("TTHC", 1_913.0),
        ("QTNB", 2_425.0),
        ("TTHC-TRUCTUYEN", 880.0),
        ("KIEMTRA", 27.0),
        ("KIEMTRA-KHACPHUC", 34.0),
        ("XEPLOAI-TOT", 35.0),
        ("XEPLOAI-KHA", 6.0),
        ("XEPLOAI-TB", 1.0),
        ("HAILONG-84", 7.0),
        ("PAR-INDEX", 25.0),
        ("GIAINGAN-DTC", 73.2),
    ] {
        assert_eq!(actual(code)["value"], json!(value), "{code}");
    }
    // published rates kept as published, the computed one beside them
    assert_eq!(actual("HS-TREHAN-TL")["computed_value"], 0.48);
    assert_eq!(actual("NGANHDOC-DUNGHAN-TL")["computed_value"], 99.95);
    assert!(actual("HS-TRUCTUYEN-TL")["note"]
        .as_str()
        .unwrap()
        .contains("mẫu số"));
    assert!(actual("TTHC-TRUCTUYEN")["note"]
        .as_str()
        .unwrap()
        .contains("954"));
    assert_eq!(
        (
            actual("GIAINGAN-DTC")["numerator"].clone(),
            actual("GIAINGAN-DTC")["denominator"].clone()
        ),
        (json!(5132.071), json!(7014.021))
    );
    let kiemtra = indicators.iter().find(|i| i["code"] == "KIEMTRA").unwrap();
    assert_eq!(
        (kiemtra["target"]["value"].clone(), kiemtra["met"].clone()),
        (json!(27.0), json!(true))
    );
    let untargeted = indicators.iter().filter(|i| i["target"].is_null()).count();
    assert_eq!(
        untargeted,
        indicators.len() - 1,
        "no target the report does not state"
    );
    assert!(indicators
        .iter()
        .filter(|i| i["target"].is_null())
        .all(|i| i["met"].is_null()));

    let tracker = inspector
        .get(&path::period(&period, "/agency-reports"))
        .await
        .ok();
    assert_eq!(tracker["counts"]["owed"], 33);
    assert_eq!(tracker["counts"]["accepted"], 33);
    assert_eq!(tracker["counts"]["late"], 3);
    let syt = tracker["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["agency_code"] == "SYT")
        .unwrap();
    assert_eq!(
        syt["on_time"], true,
        "returned and resubmitted late, first sent on time"
    );
    assert!(syt["review_comment"].is_null(), "accepted in the end");
    let report = inspector.get(&path::period(&period, "/report")).await.ok();
    assert_eq!(report["summary"], summary);
    assert_eq!(report["overdue_tasks"], json!([]));
    assert_eq!(report["limitations"].as_array().unwrap().len(), 33);
}

#[actix_web::test]
async fn a_period_report_carries_its_signed_copy() {
    let app = TestApp::demo().await;
    let (plan, _) = plan_2024(&app).await;
    let period = open_period(&app, &plan, json!({"kind": "quarter", "value": "2024-Q1"}))
        .await
        .id();
    let officer = Actor::officer(&app, STP);
    let mine = path::agency_report(&period, &app.agency_id(STP), "");
    let signed = crate::files::upload(&officer, "12-BC-STP quý I.pdf", &crate::files::pdf(4000))
        .await
        .created()
        .id();
    let theirs = crate::files::upload(
        &Actor::officer(&app, STTTT),
        "x.pdf",
        &crate::files::pdf(2000),
    )
    .await
    .created()
    .id();
    let mut body = agency_report("12/BC-STP");
    body["file_id"] = json!(theirs);
    officer.put(&mine, &body).await.field_error(422, "file_id");
    body["file_id"] = json!("00000000-0000-4000-8000-000000000000");
    officer.put(&mine, &body).await.field_error(422, "file_id");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM agency_period_reports"),
        33,
        "nothing saved"
    );
    body["file_id"] = json!(signed);
    let saved = officer.put(&mine, &body).await.ok();
    assert_eq!(saved["file"]["id"], signed.as_str());
    assert_eq!(saved["file"]["name"], "12-BC-STP quý I.pdf");
    // the coordinator finds it on the tracker and reads it
    let coordinator = Actor::coordinator(&app);
    let tracker = coordinator
        .get(&path::period(&period, "/agency-reports"))
        .await
        .ok();
    let line = tracker["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["agency_code"] == STP)
        .expect("STP owes a report");
    assert_eq!(line["file"], saved["file"]);
    let r = coordinator.get(&path::file(&signed)).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    // cited by the report, it outlives the sweep; the other agency's does not
    app.execute("UPDATE files SET uploaded_at = now() - interval '25 hours'");
    par_tracker::startup::housekeeping(app.pool()).unwrap();
    assert_eq!(
        coordinator.get(&path::file(&signed)).await.status.as_u16(),
        200
    );
    assert_eq!(
        coordinator.get(&path::file(&theirs)).await.status.as_u16(),
        404
    );
    // saved again without it, the draft no longer cites it
    body.as_object_mut().unwrap().remove("file_id");
    assert!(officer.put(&mine, &body).await.ok()["file"].is_null());
}

#[actix_web::test]
async fn a_period_report_may_be_signed_today_in_the_province_not_tomorrow() {
    // 23:59 on 20/3/2024 in the province
    let mut app = TestApp::demo_with_clock(clock_at("2024-03-20T16:59:00Z")).await;
    let (plan, _) = plan_2024(&app).await;
    let period = open_period(&app, &plan, json!({"kind": "quarter", "value": "2024-Q1"}))
        .await
        .id();
    let mine = path::agency_report(&period, &app.agency_id(STP), "");
    let signed = |day: &str| {
        let mut body = agency_report("12/BC-STP");
        body["issued_on"] = json!(day);
        body
    };
    let officer = Actor::officer(&app, STP);
    officer.put(&mine, &signed("2024-03-20")).await.ok();
    officer
        .put(&mine, &signed("2024-03-21"))
        .await
        .field_error(422, "issued_on");
    // midnight in the province: the 21st is today
    app.set_clock(clock_at("2024-03-20T17:00:00Z")).await;
    Actor::officer(&app, STP)
        .put(&mine, &signed("2024-03-21"))
        .await
        .ok();
}

/// A period's task list pages like the task list, open (live rows) or closed
/// (the frozen copy): every task once, in order, and a page as long as what
/// remains is the last.
#[actix_web::test]
async fn a_periods_tasks_come_page_by_page_open_or_closed() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let plan = inspector.demo_plan_id().await;
    let periods = inspector.get(&path::plan_periods(&plan)).await.ok().items();
    for kind in ["nine_months", "year"] {
        let period = periods
            .iter()
            .find(|p| p["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} period"));
        let whole: Vec<String> = inspector
            .get(&path::period(&period.id(), "/tasks?limit=200"))
            .await
            .ok()
            .items()
            .iter()
            .map(|t| t.id())
            .collect();
        assert_eq!(whole.len(), 64, "{kind}");
        for (limit, sizes) in [(10, vec![10, 10, 10, 10, 10, 10, 4]), (16, vec![16; 4])] {
            let first = path::period(&period.id(), &format!("/tasks?limit={limit}"));
            let pages: Vec<Vec<String>> = inspector
                .every_page(&first)
                .await
                .iter()
                .map(|page| page.iter().map(|t| t.id()).collect())
                .collect();
            assert_eq!(
                pages.iter().map(Vec::len).collect::<Vec<_>>(),
                sizes,
                "{kind}, limit {limit}"
            );
            assert_eq!(pages.concat(), whole, "{kind}, limit {limit}");
        }
    }
}
