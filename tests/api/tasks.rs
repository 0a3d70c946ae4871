//! Plan structure, task lists, search, paging, overdue arithmetic and ETags.

use actix_web::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::actors::{path, Actor};
use crate::bodies::{Body, PlanBody, TaskBody};
use crate::common::{JsonExt, TestApp};
use crate::demo::{self, SNV, STP, STTTT};

#[actix_web::test]
async fn deadlines_resolve_to_their_last_day_with_the_plan_label() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator.create_plan(&PlanBody::year(2024)).await.id();
    let cases = [
        (
            json!({"kind": "date", "value": "2024-06-30"}),
            "30/6/2024",
            "2024-06-30",
        ),
        (
            json!({"kind": "month", "value": "2024-02"}),
            "Tháng 02/2024",
            "2024-02-29",
        ),
        (
            json!({"kind": "quarter", "value": "2024-Q2"}),
            "Quý II/2024",
            "2024-06-30",
        ),
        (json!({"kind": "ongoing"}), "Thường xuyên", "2024-12-31"),
    ];
    for (i, (deadline, label, due_on)) in cases.into_iter().enumerate() {
        let body = TaskBody::new(&format!("NV{i:02}"))
            .deadline(deadline.clone())
            .lead(STP)
            .supporting(&[STTTT]);
        let task = coordinator.create_task(&plan, &body).await;
        assert_eq!(task["deadline"]["label"], label, "{deadline}");
        assert_eq!(task["due_on"], due_on);
        assert_eq!(task["original_due_on"], due_on);
        assert_eq!(task["status"], "not_started");
        assert_eq!(task["lead_agency"]["code"], STP);
        assert_eq!(task["supporting_agencies"][0]["code"], STTTT);
    }
    // duplicate code in the same plan
    let duplicate = TaskBody::new("NV00")
        .title("x")
        .area("institution")
        .lead(STP)
        .ongoing()
        .expected_output("x");
    coordinator
        .post(&path::plan_tasks(&plan), &duplicate)
        .await
        .problem(409)
        .problem_type("duplicate");
}

#[actix_web::test]
async fn bad_task_input_is_a_named_problem_and_writes_nothing() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator.create_plan(&PlanBody::year(2024)).await.id();
    let valid = TaskBody::new("NV01")
        .title("Nhiệm vụ")
        .area("institution")
        .lead(STP)
        .month("2024-09")
        .expected_output("Báo cáo");
    let with = |field: &str, value: Value| valid.clone().set(field, value);
    let tasks = path::plan_tasks(&plan);
    let cases: Vec<(TaskBody, u16, &str)> = vec![
        (with("status", json!("completed")), 400, "status"),
        (with("version", json!(7)), 400, "version"),
        (
            with("deadline", json!({"kind": "month", "value": "2024-13"})),
            400,
            "deadline.value",
        ),
        (
            with("deadline", json!({"kind": "date", "value": "2024-02-30"})),
            400,
            "deadline.value",
        ),
        (
            with("deadline", json!({"kind": "fortnight"})),
            400,
            "deadline.kind",
        ),
        (with("title", json!("a\u{0000}b")), 400, "title"),
        (with("title", json!("x".repeat(1001))), 400, "title"),
        (with("title", json!("   ")), 400, "title"),
        (with("code", json!("NV 01")), 400, "code"),
        (with("area", json!("space_programme")), 400, "area"),
        (
            with(
                "lead_agency_id",
                json!("00000000-0000-0000-0000-000000000000"),
            ),
            422,
            "lead_agency_id",
        ),
        (
            with("lead_agency_id", json!("not-a-uuid")),
            400,
            "lead_agency_id",
        ),
    ];
    for (body, status, field) in cases {
        coordinator
            .post(&tasks, &body)
            .await
            .field_error(status, field)
            .alone();
    }
    let huge = json!({"title": "x".repeat(300 * 1024)});
    coordinator.post(&tasks, &huge).await.problem(413);
    coordinator
        .request(Method::POST, &tasks)
        .raw("text/plain", valid.to_json(&app).to_string())
        .send()
        .await
        .problem(415);
    coordinator
        .request(Method::POST, &tasks)
        .raw("application/json", "{not json")
        .send()
        .await
        .problem(400);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM tasks WHERE plan_id = '{plan}'"
        )),
        0
    );
}

#[actix_web::test]
async fn search_ignores_diacritics_and_case() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    for (query, expected) in [
        ("cai cach thu tuc", "cải cách thủ tục"),
        ("dang ky", "đăng ký"),
        ("DANG KY", "đăng ký"),
    ] {
        let items = inspector
            .tasks(&format!("q={}&limit=200", query.replace(' ', "%20")))
            .await;
        assert!(!items.is_empty(), "{query}");
        assert!(
            items
                .iter()
                .any(|t| format!("{} {}", t["title"], t["expected_output"])
                    .to_lowercase()
                    .contains(expected)),
            "{query} finds {expected}"
        );
    }
    assert_eq!(inspector.tasks("q=zzzqqq").await.len(), 0);
}

#[actix_web::test]
async fn pages_walk_every_task_once_while_rows_are_inserted() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let plan = inspector.demo_plan_id().await;
    for sort in ["due_on", "-due_on", "code", "-updated_at", "-days_overdue"] {
        let mut seen = std::collections::HashSet::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut query = format!("plan_id={plan}&sort={sort}&limit=10&as_of={}", demo::Q3_END);
            if let Some(c) = &cursor {
                query.push_str(&format!("&cursor={c}"));
            }
            let page = inspector.get(&path::tasks(&query)).await.ok();
            for t in page.items() {
                assert!(seen.insert(t.id()), "{sort}: {} twice", t["code"]);
            }
            pages += 1;
            if pages == 2 && sort == "due_on" {
                // a task inserted mid-walk, before the cursor, must not shift the pages
                let early = TaskBody::new("NV99")
                    .date("2023-01-02")
                    .lead(STP)
                    .supporting(&[]);
                Actor::coordinator(&app).create_task(&plan, &early).await;
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert!(seen.len() >= demo::TASKS, "{sort}: saw {}", seen.len());
        assert!(pages >= 7);
    }
    // a cursor of one order is refused by another
    let r = inspector
        .get(&path::tasks(&format!("plan_id={plan}&sort=code&limit=5")))
        .await;
    let cursor = r.body.text("next_cursor").to_string();
    inspector
        .get(&path::tasks(&format!("sort=due_on&cursor={cursor}")))
        .await
        .field_error(422, "cursor")
        .alone()
        .problem_type("invalid-cursor");
}

#[actix_web::test]
async fn list_parameters_are_checked() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    for (query, field) in [
        ("limit=201", "limit"),
        ("limit=0", "limit"),
        ("status=finished", "status"),
        ("sort=title", "sort"),
        ("area=nowhere", "area"),
        ("as_of=2023-02-30", "as_of"),
        ("overdue=maybe", "overdue"),
        ("colour=red", "colour"),
        ("q=%01", "q"),
    ] {
        inspector
            .get(&path::tasks(query))
            .await
            .field_error(400, field)
            .alone();
    }
    // well-formed but unusable: 422
    for (query, field) in [
        ("agency_role=lead", "agency_role"),
        ("cursor=garbage", "cursor"),
    ] {
        inspector
            .get(&path::tasks(query))
            .await
            .field_error(422, field)
            .alone();
    }
}

#[actix_web::test]
async fn filters_combine() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let snv = app.agency_id(SNV);
    let all = |query: String| {
        let inspector = &inspector;
        async move { inspector.tasks(&format!("limit=200&{query}")).await }
    };
    let led = all(format!("agency_id={snv}&agency_role=lead")).await;
    assert!(!led.is_empty());
    assert!(led.iter().all(|t| t["lead_agency"]["code"] == SNV));
    let supported = all(format!("agency_id={snv}&agency_role=supporting")).await;
    assert!(supported.iter().all(|t| t["supporting_agencies"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["code"] == SNV)));
    let any = all(format!("agency_id={snv}")).await;
    assert_eq!(any.len(), led.len() + supported.len());
    let area = all("area=digital_government&status=completed".into()).await;
    assert!(!area.is_empty() && area.iter().all(|t| t["area"] == "digital_government"));
    let window = all("due_after=2023-04-01&due_before=2023-06-30".into()).await;
    assert!(window
        .iter()
        .all(|t| t["due_on"].as_str().unwrap() >= "2023-04-01"
            && t["due_on"].as_str().unwrap() <= "2023-06-30"));
    let overdue = all(format!(
        "agency_id={snv}&overdue=true&as_of={}",
        demo::Q3_END
    ))
    .await;
    assert!(overdue.iter().all(|t| t["overdue"] == true
        && t["days_overdue"].as_i64().unwrap() > 0
        && t["as_of"] == demo::Q3_END));
}

#[actix_web::test]
async fn overdue_counts_from_the_day_after_month_and_quarter_ends() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator.create_plan(&PlanBody::year(2024)).await.id();
    let month = TaskBody::new("T1")
        .month("2024-02")
        .lead(STP)
        .supporting(&[]);
    let month = coordinator.create_task(&plan, &month).await.id();
    let quarter = TaskBody::new("T2")
        .quarter("2024-Q1")
        .lead(STP)
        .supporting(&[]);
    let quarter = coordinator.create_task(&plan, &quarter).await.id();
    let inspector = Actor::inspector(&app);
    let standing = |task: Value| {
        (
            task["overdue"].as_bool().unwrap(),
            task["days_overdue"].as_i64().unwrap(),
        )
    };
    assert_eq!(
        standing(inspector.task_as_of(&month, "2024-02-29").await),
        (false, 0),
        "due on the leap day itself"
    );
    assert_eq!(
        standing(inspector.task_as_of(&month, "2024-03-01").await),
        (true, 1)
    );
    assert_eq!(
        standing(inspector.task_as_of(&month, "2024-03-31").await),
        (true, 31)
    );
    assert_eq!(
        standing(inspector.task_as_of(&quarter, "2024-03-31").await),
        (false, 0)
    );
    assert_eq!(
        standing(inspector.task_as_of(&quarter, "2024-04-01").await),
        (true, 1)
    );
    let codes = inspector
        .task_codes(&format!("plan_id={plan}&overdue=true&as_of=2024-03-15"))
        .await;
    assert_eq!(codes, vec!["T1"]);
    let codes = inspector
        .task_codes(&format!("plan_id={plan}&at_risk_days=20&as_of=2024-03-15"))
        .await;
    assert_eq!(codes, vec!["T2"], "due within 20 days of 15/03");
}

#[actix_web::test]
async fn patch_needs_the_current_etag_and_one_of_two_racing_editors_wins() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator.create_plan(&PlanBody::year(2024)).await.id();
    let body = TaskBody::new("T1").ongoing().lead(STP).supporting(&[]);
    let task = coordinator.create_task(&plan, &body).await;
    let id = task.id();
    let task_path = path::task(&id);
    let etag = coordinator.get(&task_path).await.etag();

    coordinator
        .patch(&task_path, &json!({"title": "Mới"}))
        .await
        .problem(428)
        .problem_type("precondition-required");
    let stale = format!("\"{id}-0\"");
    coordinator
        .patch_if_match(&task_path, &stale, &json!({"title": "Mới"}))
        .await
        .problem(412)
        .problem_type("stale-etag");

    let edit_a = json!({"title": "Bản A"});
    let first = coordinator.patch_if_match(&task_path, &etag, &edit_a);
    let second = coordinator
        .request(Method::PATCH, &task_path)
        .header("If-Match", &etag)
        .merge_patch(&json!({"title": "Bản B"}))
        .send();
    let (a, b) = futures_util::future::join(first, second).await;
    let mut statuses = vec![a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 412], "{} / {}", a.raw, b.raw);
    let winner = if a.status == StatusCode::OK { &a } else { &b };
    assert_ne!(winner.etag(), etag);
    assert_eq!(
        winner.body["version"],
        task["version"].as_i64().unwrap() + 1
    );
    let now = coordinator.get(&task_path).await;
    assert_eq!(now.body["title"], winner.body["title"]);

    // a merge patch: supporting agencies replaced, objective detached with null, the rest kept
    let supported_by_two = json!({
        "supporting_agency_ids": [app.agency_id(SNV), app.agency_id(STTTT)],
        "objective_id": null,
    });
    let r = coordinator
        .patch_if_match(&task_path, &now.etag(), &supported_by_two)
        .await;
    let patched = r.ok();
    let codes: Vec<&str> = patched["supporting_agencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.text("code"))
        .collect();
    assert_eq!(codes, vec![SNV, STTTT]);
    assert_eq!(patched["title"], now.body["title"]);
    let mut etag = r.etag();
    // each field alone is a change: a new version with the field changed
    for (field, value) in [
        ("expected_output", json!("Quyết định ban hành")),
        ("area", json!("digital_government")),
    ] {
        let r = coordinator
            .patch_if_match(&task_path, &etag, &json!({ field: value }))
            .await;
        let edited = r.ok();
        assert_eq!(edited[field], value, "{field}");
        assert_ne!(r.etag(), etag, "{field}: a new version");
        etag = r.etag();
    }
    // the same supporting agencies in another order are no change; one of
    // them alone is
    let same_two = json!({"supporting_agency_ids": [app.agency_id(STTTT), app.agency_id(SNV)]});
    let r = coordinator
        .patch_if_match(&task_path, &etag, &same_two)
        .await;
    r.ok();
    assert_eq!(r.etag(), etag, "the same agencies: no new version");
    let one = json!({"supporting_agency_ids": [app.agency_id(SNV)]});
    let r = coordinator.patch_if_match(&task_path, &etag, &one).await;
    let codes: Vec<String> = r.ok()["supporting_agencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.text("code").to_string())
        .collect();
    assert_eq!(codes, vec![SNV]);
    assert_ne!(r.etag(), etag, "one agency fewer: a new version");
    etag = r.etag();
    // the lead cannot also support
    coordinator
        .patch_if_match(
            &task_path,
            &etag,
            &json!({"supporting_agency_ids": [app.agency_id(STP)]}),
        )
        .await
        .field_error(422, "supporting_agency_ids")
        .alone();
    coordinator
        .patch_if_match(&task_path, &etag, &json!({"status": "completed"}))
        .await
        .field_error(400, "status")
        .alone();
}

#[actix_web::test]
async fn forged_cursors_and_impossible_dates_are_refused_not_500() {
    use base64::Engine;
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let forge = |scope: &str, key: &str| {
        let json =
            json!({"s": scope, "k": key, "i": "4b1c3a30-8f3f-4d55-9d4a-0c6f1b1f0a11"}).to_string();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    };
    for (sort, key) in [
        ("due_on", "not-a-date"),
        ("-days_overdue", "many"),
        ("-updated_at", "yesterday"),
        ("code", "NV\u{0}1"),
    ] {
        let cursor = forge(&format!("tasks:{sort}:{}", demo::Q3_END), key);
        inspector
            .get(&path::tasks(&format!(
                "sort={sort}&as_of={}&cursor={cursor}",
                demo::Q3_END
            )))
            .await
            .field_error(422, "cursor")
            .alone();
    }
    inspector
        .get(&format!(
            "/api/v1/agencies?cursor={}",
            forge("agencies", "S\u{0}NV")
        ))
        .await
        .problem(422);
    // a cursor is bound to the day it was judged on
    let first = inspector
        .get(&path::tasks(&format!(
            "sort=-days_overdue&as_of={}&limit=5",
            demo::Q3_END
        )))
        .await;
    let cursor = first.body.text("next_cursor").to_string();
    inspector
        .get(&path::tasks(&format!(
            "sort=-days_overdue&as_of=2023-10-31&cursor={cursor}"
        )))
        .await
        .problem(422);
    for query in [
        "as_of=-5000-01-01",
        "due_before=+20000-01-01",
        "as_of=2023-13-01",
    ] {
        inspector.get(&path::tasks(query)).await.problem(400);
    }
    let plan = inspector.demo_plan_id().await;
    inspector
        .get(&path::plan_summary(&plan, "-5000-01-01"))
        .await
        .problem(400);
}

#[actix_web::test]
async fn an_as_of_answer_describes_that_day() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    // every task overdue at the end of Q3 was open that day, whatever it is now
    let page = inspector
        .get(&path::tasks(&format!(
            "overdue=true&as_of={}&limit=50",
            demo::Q3_END
        )))
        .await
        .ok();
    let overdue = page.items();
    assert_eq!(overdue.len() as i64, demo::OVERDUE_AT_Q3_END);
    for t in overdue {
        assert!(
            matches!(
                t["status"].as_str(),
                Some("not_started" | "in_progress" | "submitted")
            ),
            "{t}"
        );
        assert_eq!(t["current_status"], "completed", "{t}");
        assert!(t["completed_on"].is_null(), "{t}");
        assert!(t["due_on"].as_str().unwrap() < demo::Q3_END, "{t}");
        assert!(t["progress_percent"].as_i64() < Some(100), "{t}");
        assert_eq!(t["current_progress_percent"], 100, "{t}");
    }
    // the extended task: before the extension, the original date is in force
    let task = inspector.demo_task(demo::EXTENDED_TASK).await.id();
    let early = inspector.task_as_of(&task, "2023-02-01").await;
    assert_eq!(early["due_on"], demo::EXTENDED_TASK_ORIGINAL_DUE_ON);
    assert_eq!(early["current_due_on"], demo::EXTENDED_TASK_DUE_ON);
    assert_eq!(early["current_status"], "completed");
    assert_ne!(early["status"], "completed");
    let late = inspector.task_as_of(&task, demo::YEAR_END).await;
    assert_eq!(late["due_on"], demo::EXTENDED_TASK_DUE_ON);
    assert_eq!(
        (late["status"].clone(), late["progress_percent"].clone()),
        (json!("completed"), json!(100))
    );
}

/// The view fetches one of a few page sizes (see `store::tasks::rows_to_fetch`)
/// and hands back exactly the page asked for: the first rows of the whole list.
#[actix_web::test]
async fn the_task_view_returns_exactly_the_rows_asked_for_in_order() {
    use par_tracker::domain::enums::TaskSort;
    use par_tracker::store::tasks::{list_view, Keeping, TaskFilter};
    let app = TestApp::demo().await;
    let filter = TaskFilter::as_of(chrono::NaiveDate::from_ymd_opt(2023, 12, 31).unwrap());
    let codes = |limit| -> Vec<String> {
        let mut conn = app.pool().get().unwrap();
        list_view(
            &mut conn,
            &filter,
            TaskSort::Code,
            None,
            limit,
            Keeping::Never,
        )
        .unwrap()
        .into_iter()
        .map(|row| row.task.code)
        .collect()
    };
    let all = codes(None);
    assert!(
        all.len() > 52,
        "the demo has more tasks than the sizes tried"
    );
    for limit in [1, 2, 3, 12, 50, 52] {
        assert_eq!(codes(Some(limit)), all[..limit as usize], "limit {limit}");
    }
}
