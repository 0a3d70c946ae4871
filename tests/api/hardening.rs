//! What an attacker or a careless client sends, and what every response
//! carries: forged cursors, sloppy dates, long URLs, HEAD, security headers.

use actix_web::http::{Method, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

use crate::actors::{login, path, Actor};
use crate::bodies::ClaimBody;
use crate::common::{JsonExt, TestApp};
use crate::demo::{PASSWORD, STP};

fn cursor(data: serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(data.to_string())
}

#[actix_web::test]
async fn forged_cursors_are_422_before_any_query() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let id = "00000000-0000-0000-0000-000000000000";
    let cases = [
        // the reproductions of the report, in the old cursor shape
        (
            "sort=due_on&as_of=2023-09-30",
            json!({"s": "tasks:due_on:2023-09-30", "k": "0000-01-01", "i": id}),
        ),
        // keys PostgreSQL cannot hold, in the current shape
        (
            "sort=due_on&as_of=2023-09-30",
            json!({"s": "tasks:due_on:2023-09-30", "a": {"key": {"due_on": "0000-01-01"}, "id": id}}),
        ),
        (
            "sort=-updated_at&as_of=2023-09-30",
            json!({"s": "tasks:-updated_at:2023-09-30", "a": {"key": {"updated_at": "0000-01-01T00:00:00Z"}, "id": id}}),
        ),
        (
            "sort=-updated_at&as_of=2023-09-30",
            json!({"s": "tasks:-updated_at:2023-09-30", "a": {"key": {"updated_at": "9999-12-31T23:59:59-23:59"}, "id": id}}),
        ),
        // a key of another sort order
        (
            "sort=code&as_of=2023-09-30",
            json!({"s": "tasks:code:2023-09-30", "a": {"key": {"due_on": "2023-01-01"}, "id": id}}),
        ),
        // a control character in a text key
        (
            "sort=code&as_of=2023-09-30",
            json!({"s": "tasks:code:2023-09-30", "a": {"key": {"code": "NV\u{0}1"}, "id": id}}),
        ),
        (
            "sort=code&as_of=2023-09-30",
            json!({"s": "tasks:code:2023-09-30", "a": {"key": {"code": "NV01"}, "id": "not-a-uuid"}}),
        ),
    ];
    for (query, data) in cases {
        let url = path::tasks(&format!("{query}&cursor={}", cursor(data.clone())));
        inspector
            .get(&url)
            .await
            .field_error(422, "cursor")
            .problem_type("invalid-cursor");
    }
    // the report list and the history take typed positions too
    let task = inspector.demo_task("NV01").await.id();
    for (list, data) in [
        (
            path::reports(&task),
            json!({"s": "reports", "a": {"key": "0000-01-01", "id": id}}),
        ),
        (
            path::history(&task),
            json!({"s": "history", "a": "12; DROP TABLE tasks"}),
        ),
    ] {
        let url = format!("{list}?cursor={}", cursor(data));
        inspector.get(&url).await.field_error(422, "cursor");
    }
}

#[actix_web::test]
async fn dates_are_exactly_yyyy_mm_dd() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    for (param, value) in [
        ("as_of", "2026-1-1"),
        ("as_of", "+2023-09-30"),
        ("due_before", "2023-9-30"),
        ("due_after", "30/09/2023"),
    ] {
        inspector
            .get(&path::tasks(&format!("{param}={value}")))
            .await
            .field_error(400, param);
    }
    assert_eq!(
        inspector
            .get(&path::tasks("as_of=2023-09-30&overdue=true"))
            .await
            .status,
        StatusCode::OK
    );
    let task = inspector.demo_task("NV01").await.id();
    Actor::officer(&app, STP)
        .post(
            &path::completion(&task),
            &ClaimBody::new("2024-6-20", "Đã hoàn thành"),
        )
        .await
        .field_error(400, "completed_on");
}

#[actix_web::test]
async fn responses_carry_security_headers_and_tokens_are_never_cached() {
    let app = TestApp::demo().await;
    let r = Actor::inspector(&app).get(path::PLANS).await;
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    assert!(r
        .header("content-security-policy")
        .is_some_and(|p| p.contains("frame-ancestors 'none'")));
    assert_eq!(r.header("cache-control"), None);
    let token = login(&app, "thanhtra", PASSWORD).await;
    assert_eq!(token.status, StatusCode::OK);
    assert_eq!(token.header("cache-control"), Some("no-store"));
    // errors too
    let refused = login(&app, "thanhtra", "sai").await;
    assert_eq!(refused.header("cache-control"), Some("no-store"));
    assert_eq!(refused.header("x-content-type-options"), Some("nosniff"));
    let docs = app.get("/docs/").send().await;
    assert!(docs
        .header("content-security-policy")
        .is_some_and(|p| p.contains("script-src 'self'")));
    let missing = app.get("/nothing-here").send().await;
    assert_eq!(missing.header("x-content-type-options"), Some("nosniff"));
}

#[actix_web::test]
async fn head_is_answered_wherever_get_is() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let r = inspector.request(Method::HEAD, path::PLANS).send().await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.raw.is_empty(), "HEAD has no body: {}", r.raw);
    assert_eq!(r.header("content-type"), Some("application/json"));
    // refusals keep their status
    let anonymous = app.call(Method::HEAD, path::PLANS).send().await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // and a known path without GET lists HEAD only where GET is
    let r = app.call(Method::DELETE, path::PLANS).send().await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.header("allow"), Some("GET, HEAD, POST"));
}

#[actix_web::test]
async fn urls_over_8_kib_are_414() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let long = "a".repeat(9000);
    inspector
        .get(&path::tasks(&format!("q={long}")))
        .await
        .problem(414)
        .problem_type("uri-too-long");
    // just under the bound is judged on its merits (here: q is too long, 400)
    let under = "a".repeat(8000);
    inspector
        .get(&path::tasks(&format!("q={under}")))
        .await
        .field_error(400, "q");
}

#[actix_web::test]
async fn lists_are_gzipped_when_the_client_asks() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let plain = inspector.get(&path::tasks("limit=50")).await;
    assert_eq!(plain.header("content-encoding"), None);
    let gzipped = inspector
        .request(Method::GET, &path::tasks("limit=50"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await;
    assert_eq!(gzipped.status, StatusCode::OK);
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    // (a lossy text of the gzip bytes: about one character per byte)
    assert!(
        gzipped.raw.chars().count() * 3 < plain.raw.len(),
        "compressed well"
    );
}

#[actix_web::test]
async fn a_cursor_is_bound_to_its_filters_and_keeps_its_day() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let first = inspector
        .get(&path::tasks("overdue=true&as_of=2023-09-30&limit=5"))
        .await
        .ok();
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    // the same list, next page, without as_of: judged on the cursor's day
    let next = inspector
        .get(&path::tasks(&format!(
            "overdue=true&limit=5&cursor={cursor}"
        )))
        .await
        .ok();
    let items = next["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(items
        .iter()
        .all(|t| t["as_of"] == "2023-09-30" && t["overdue"] == true));
    // another filter, another as_of, another sort: refused, not mixed
    for other in [
        "overdue=false&as_of=2023-09-30&limit=5",
        "overdue=true&as_of=2023-10-01&limit=5",
        "overdue=true&as_of=2023-09-30&limit=5&sort=code",
        "overdue=true&as_of=2023-09-30&limit=5&q=dang",
    ] {
        inspector
            .get(&path::tasks(&format!("{other}&cursor={cursor}")))
            .await
            .field_error(422, "cursor")
            .problem_type("invalid-cursor");
    }
    // the page size may change between pages
    inspector
        .get(&path::tasks(&format!(
            "overdue=true&as_of=2023-09-30&limit=7&cursor={cursor}"
        )))
        .await
        .ok();
}
