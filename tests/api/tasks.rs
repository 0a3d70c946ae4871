//! Plan structure, task lists, search, paging, overdue arithmetic and ETags.

use actix_web::http::StatusCode;
use serde_json::{json, Value};

use crate::common::TestApp;

/// Creates plan `code` for `year` as the coordinator; returns its id.
pub async fn new_plan(app: &TestApp, code: &str, year: i32) -> String {
    let r = app
        .post("/api/v1/plans")
        .token(&app.token("sonoivu"))
        .json(&json!({"code": code, "year": year, "title": format!("Kế hoạch CCHC năm {year}")}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    r.body["id"].as_str().unwrap().to_string()
}

/// Creates a task led by `lead` (agency code) and supported by `supporting`; returns the task JSON.
pub async fn new_task(
    app: &TestApp,
    plan: &str,
    code: &str,
    deadline: Value,
    lead: &str,
    supporting: &[&str],
) -> Value {
    let body = json!({
        "code": code,
        "title": format!("Nhiệm vụ {code}: cải cách thủ tục hành chính"),
        "area": "admin_procedure",
        "lead_agency_id": app.agency_id(lead),
        "supporting_agency_ids": supporting.iter().map(|s| app.agency_id(s)).collect::<Vec<_>>(),
        "deadline": deadline,
        "expected_output": "Quyết định của UBND tỉnh",
    });
    let r = app
        .post(&format!("/api/v1/plans/{plan}/tasks"))
        .token(&app.token("sonoivu"))
        .json(&body)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    assert!(r.header("etag").is_some());
    r.body
}

#[actix_web::test]
async fn deadlines_resolve_to_their_last_day_with_the_plan_label() {
    let app = TestApp::demo().await;
    let plan = new_plan(&app, "CCHC-2024", 2024).await;
    let cases = [
        (
            json!({"kind": "date", "value": "2024-06-30"}),
            "30/06/2024",
            "2024-06-30",
        ),
        (
            json!({"kind": "month", "value": "2024-02"}),
            "Tháng 2/2024",
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
        let task = new_task(
            &app,
            &plan,
            &format!("NV{i:02}"),
            deadline.clone(),
            "STP",
            &["STTTT"],
        )
        .await;
        assert_eq!(task["deadline"]["label"], label, "{deadline}");
        assert_eq!(task["due_on"], due_on);
        assert_eq!(task["original_due_on"], due_on);
        assert_eq!(task["status"], "not_started");
        assert_eq!(task["lead_agency"]["code"], "STP");
        assert_eq!(task["supporting_agencies"][0]["code"], "STTTT");
    }
    // duplicate code in the same plan
    let r = app
        .post(&format!("/api/v1/plans/{plan}/tasks"))
        .token(&app.token("sonoivu"))
        .json(&json!({"code": "NV00", "title": "x", "area": "institution", "lead_agency_id": app.agency_id("STP"),
                      "deadline": {"kind": "ongoing"}, "expected_output": "x"}))
        .send()
        .await;
    r.problem(409);
}

#[actix_web::test]
async fn bad_task_input_is_a_named_problem_and_writes_nothing() {
    let app = TestApp::demo().await;
    let plan = new_plan(&app, "CCHC-2024", 2024).await;
    let token = app.token("sonoivu");
    let valid = json!({"code": "NV01", "title": "Nhiệm vụ", "area": "institution", "lead_agency_id": app.agency_id("STP"),
                       "deadline": {"kind": "month", "value": "2024-09"}, "expected_output": "Báo cáo"});
    let with = |field: &str, value: Value| {
        let mut b = valid.clone();
        b[field] = value;
        b
    };
    let path = format!("/api/v1/plans/{plan}/tasks");
    let cases: Vec<(Value, u16, &str)> = vec![
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
        let r = app.post(&path).token(&token).json(&body).send().await;
        r.problem(status);
        assert_eq!(
            r.error_fields(),
            vec![field.to_string()],
            "{body}: {}",
            r.raw
        );
    }
    let huge = json!({"title": "x".repeat(300 * 1024)});
    app.post(&path)
        .token(&token)
        .json(&huge)
        .send()
        .await
        .problem(413);
    app.post(&path)
        .token(&token)
        .raw("text/plain", valid.to_string())
        .send()
        .await
        .problem(415);
    app.post(&path)
        .token(&token)
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
    let token = app.token("thanhtra");
    for (query, expected) in [
        ("cai cach thu tuc", "cải cách thủ tục"),
        ("dang ky", "đăng ký"),
        ("DANG KY", "đăng ký"),
    ] {
        let r = app
            .get(&format!(
                "/api/v1/tasks?q={}&limit=200",
                query.replace(' ', "%20")
            ))
            .token(&token)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        let items = r.body["items"].as_array().unwrap();
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
    let r = app.get("/api/v1/tasks?q=zzzqqq").token(&token).send().await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn pages_walk_every_task_once_while_rows_are_inserted() {
    let app = TestApp::demo().await;
    let token = app.token("thanhtra");
    let plan = app.demo_plan_id().await;
    for sort in ["due_on", "-due_on", "code", "-updated_at", "-days_overdue"] {
        let mut seen = std::collections::HashSet::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut path =
                format!("/api/v1/tasks?plan_id={plan}&sort={sort}&limit=10&as_of=2023-09-30");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let r = app.get(&path).token(&token).send().await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
            for t in r.body["items"].as_array().unwrap() {
                assert!(
                    seen.insert(t["id"].as_str().unwrap().to_string()),
                    "{sort}: {} twice",
                    t["code"]
                );
            }
            pages += 1;
            if pages == 2 && sort == "due_on" {
                // a task inserted mid-walk, before the cursor, must not shift the pages
                new_task(
                    &app,
                    &plan,
                    "NV99",
                    json!({"kind": "date", "value": "2023-01-02"}),
                    "STP",
                    &[],
                )
                .await;
            }
            match r.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert!(seen.len() >= 64, "{sort}: saw {}", seen.len());
        assert!(pages >= 7);
    }
    // a cursor of one order is refused by another
    let r = app
        .get(&format!("/api/v1/tasks?plan_id={plan}&sort=code&limit=5"))
        .token(&token)
        .send()
        .await;
    let cursor = r.body["next_cursor"].as_str().unwrap().to_string();
    let r = app
        .get(&format!("/api/v1/tasks?sort=due_on&cursor={cursor}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "cursor");
}

#[actix_web::test]
async fn list_parameters_are_checked() {
    let app = TestApp::demo().await;
    let token = app.token("thanhtra");
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
        let r = app
            .get(&format!("/api/v1/tasks?{query}"))
            .token(&token)
            .send()
            .await;
        assert_eq!(
            r.problem(400)["errors"][0]["field"],
            field,
            "{query}: {}",
            r.raw
        );
    }
    // well-formed but unusable: 422
    for (query, field) in [
        ("agency_role=lead", "agency_role"),
        ("cursor=garbage", "cursor"),
    ] {
        let r = app
            .get(&format!("/api/v1/tasks?{query}"))
            .token(&token)
            .send()
            .await;
        assert_eq!(
            r.problem(422)["errors"][0]["field"],
            field,
            "{query}: {}",
            r.raw
        );
    }
}

#[actix_web::test]
async fn filters_combine() {
    let app = TestApp::demo().await;
    let token = app.token("thanhtra");
    let snv = app.agency_id("SNV");
    let all = |q: String| {
        let app = &app;
        let token = token.clone();
        async move {
            let r = app
                .get(&format!("/api/v1/tasks?limit=200&{q}"))
                .token(&token)
                .send()
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
            r.body["items"].as_array().unwrap().clone()
        }
    };
    let led = all(format!("agency_id={snv}&agency_role=lead")).await;
    assert!(!led.is_empty());
    assert!(led.iter().all(|t| t["lead_agency"]["code"] == "SNV"));
    let supported = all(format!("agency_id={snv}&agency_role=supporting")).await;
    assert!(supported.iter().all(|t| t["supporting_agencies"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["code"] == "SNV")));
    let any = all(format!("agency_id={snv}")).await;
    assert_eq!(any.len(), led.len() + supported.len());
    let area = all("area=digital_government&status=completed".into()).await;
    assert!(!area.is_empty() && area.iter().all(|t| t["area"] == "digital_government"));
    let window = all("due_after=2023-04-01&due_before=2023-06-30".into()).await;
    assert!(window
        .iter()
        .all(|t| t["due_on"].as_str().unwrap() >= "2023-04-01"
            && t["due_on"].as_str().unwrap() <= "2023-06-30"));
    let overdue = all(format!("agency_id={snv}&overdue=true&as_of=2023-09-30")).await;
    assert!(overdue.iter().all(|t| t["overdue"] == true
        && t["days_overdue"].as_i64().unwrap() > 0
        && t["as_of"] == "2023-09-30"));
}

#[actix_web::test]
async fn overdue_counts_from_the_day_after_month_and_quarter_ends() {
    let app = TestApp::demo().await;
    let plan = new_plan(&app, "CCHC-2024", 2024).await;
    let month = new_task(
        &app,
        &plan,
        "T1",
        json!({"kind": "month", "value": "2024-02"}),
        "STP",
        &[],
    )
    .await;
    let quarter = new_task(
        &app,
        &plan,
        "T2",
        json!({"kind": "quarter", "value": "2024-Q1"}),
        "STP",
        &[],
    )
    .await;
    let token = app.token("thanhtra");
    let standing = |id: String, as_of: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let r = app
                .get(&format!("/api/v1/tasks/{id}?as_of={as_of}"))
                .token(&token)
                .send()
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
            (
                r.body["overdue"].as_bool().unwrap(),
                r.body["days_overdue"].as_i64().unwrap(),
            )
        }
    };
    let m = month["id"].as_str().unwrap().to_string();
    let q = quarter["id"].as_str().unwrap().to_string();
    assert_eq!(
        standing(m.clone(), "2024-02-29").await,
        (false, 0),
        "due on the leap day itself"
    );
    assert_eq!(standing(m.clone(), "2024-03-01").await, (true, 1));
    assert_eq!(standing(m.clone(), "2024-03-31").await, (true, 31));
    assert_eq!(standing(q.clone(), "2024-03-31").await, (false, 0));
    assert_eq!(standing(q.clone(), "2024-04-01").await, (true, 1));
    let r = app
        .get(&format!(
            "/api/v1/tasks?plan_id={plan}&overdue=true&as_of=2024-03-15"
        ))
        .token(&token)
        .send()
        .await;
    let codes: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, vec!["T1"]);
    let r = app
        .get(&format!(
            "/api/v1/tasks?plan_id={plan}&at_risk_days=20&as_of=2024-03-15"
        ))
        .token(&token)
        .send()
        .await;
    let codes: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, vec!["T2"], "due within 20 days of 15/03");
}

#[actix_web::test]
async fn patch_needs_the_current_etag_and_one_of_two_racing_editors_wins() {
    let app = TestApp::demo().await;
    let plan = new_plan(&app, "CCHC-2024", 2024).await;
    let task = new_task(&app, &plan, "T1", json!({"kind": "ongoing"}), "STP", &[]).await;
    let id = task["id"].as_str().unwrap();
    let token = app.token("sonoivu");
    let path = format!("/api/v1/tasks/{id}");
    let get = app.get(&path).token(&token).send().await;
    let etag = get.header("etag").unwrap().to_string();

    app.patch(&path)
        .token(&token)
        .json(&json!({"title": "Mới"}))
        .send()
        .await
        .problem(428);
    let stale = format!("\"{id}-0\"");
    app.patch(&path)
        .token(&token)
        .header("If-Match", &stale)
        .json(&json!({"title": "Mới"}))
        .send()
        .await
        .problem(412);

    let first = app
        .patch(&path)
        .token(&token)
        .header("If-Match", &etag)
        .json(&json!({"title": "Bản A"}))
        .send();
    let second = app
        .patch(&path)
        .token(&token)
        .header("If-Match", &etag)
        .raw(
            "application/merge-patch+json",
            json!({"title": "Bản B"}).to_string(),
        )
        .send();
    let (a, b) = futures_util::future::join(first, second).await;
    let mut statuses = vec![a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 412], "{} / {}", a.raw, b.raw);
    let winner = if a.status == StatusCode::OK { &a } else { &b };
    assert_ne!(winner.header("etag").unwrap(), etag);
    assert_eq!(
        winner.body["version"],
        task["version"].as_i64().unwrap() + 1
    );
    let now = app.get(&path).token(&token).send().await;
    assert_eq!(now.body["title"], winner.body["title"]);

    // a merge patch: supporting agencies replaced, objective detached with null, the rest kept
    let etag = now.header("etag").unwrap().to_string();
    let r = app
        .patch(&path)
        .token(&token)
        .header("If-Match", &etag)
        .json(&json!({"supporting_agency_ids": [app.agency_id("SNV"), app.agency_id("STTTT")], "objective_id": null}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    let codes: Vec<_> = r.body["supporting_agencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["SNV", "STTTT"]);
    assert_eq!(r.body["title"], now.body["title"]);
    let etag = r.header("etag").unwrap().to_string();
    let r = app
        .patch(&path)
        .token(&token)
        .header("If-Match", &etag)
        .json(&json!({"supporting_agency_ids": [app.agency_id("STP")]}))
        .send()
        .await;
    assert_eq!(
        r.problem(422)["errors"][0]["field"],
        "supporting_agency_ids",
        "the lead cannot also support"
    );
    let r = app
        .patch(&path)
        .token(&token)
        .header("If-Match", &etag)
        .json(&json!({"status": "completed"}))
        .send()
        .await;
    assert_eq!(r.problem(400)["errors"][0]["field"], "status");
}

#[actix_web::test]
async fn forged_cursors_and_impossible_dates_are_refused_not_500() {
    use base64::Engine;
    let app = TestApp::demo().await;
    let token = app.token("thanhtra");
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
        let cursor = forge(&format!("tasks:{sort}:2023-09-30"), key);
        let r = app
            .get(&format!(
                "/api/v1/tasks?sort={sort}&as_of=2023-09-30&cursor={cursor}"
            ))
            .token(&token)
            .send()
            .await;
        assert_eq!(
            r.problem(422)["errors"][0]["field"],
            "cursor",
            "{sort} {key}: {}",
            r.raw
        );
    }
    let r = app
        .get(&format!(
            "/api/v1/agencies?cursor={}",
            forge("agencies", "S\u{0}NV")
        ))
        .token(&token)
        .send()
        .await;
    r.problem(422);
    // a cursor is bound to the day it was judged on
    let first = app
        .get("/api/v1/tasks?sort=-days_overdue&as_of=2023-09-30&limit=5")
        .token(&token)
        .send()
        .await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_string();
    let r = app
        .get(&format!(
            "/api/v1/tasks?sort=-days_overdue&as_of=2023-10-31&cursor={cursor}"
        ))
        .token(&token)
        .send()
        .await;
    r.problem(422);
    for query in [
        "as_of=-5000-01-01",
        "due_before=+20000-01-01",
        "as_of=2023-13-01",
    ] {
        let r = app
            .get(&format!("/api/v1/tasks?{query}"))
            .token(&token)
            .send()
            .await;
        r.problem(400);
    }
    let plan = app.demo_plan_id().await;
    app.get(&format!("/api/v1/plans/{plan}/summary?as_of=-5000-01-01"))
        .token(&token)
        .send()
        .await
        .problem(400);
}
