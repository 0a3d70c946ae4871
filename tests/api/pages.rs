//! The web pages (issue 15), through the real app as a browser uses them:
//! a cookie jar, forms posted as `application/x-www-form-urlencoded`, the
//! CSRF token read from the page. What the pages change is checked through
//! the API, which reads the same use cases.

use std::collections::HashMap;

use actix_web::http::{Method, StatusCode};

use crate::actors::{fresh_task, Actor};
use crate::bodies::{ClaimBody, Evidence, PlanBody, TaskBody};
use crate::common::{JsonExt, Reply, TestApp};
use crate::demo::{self, PASSWORD};

/// A browser: the cookies the app set, sent back on every request.
struct Browser<'a> {
    app: &'a TestApp,
    cookies: HashMap<String, String>,
}

const FORM: &str = "application/x-www-form-urlencoded";

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Browser<'a> {
        Browser {
            app,
            cookies: HashMap::new(),
        }
    }

    /// A browser signed in as `username` through the login form.
    async fn signed_in(app: &'a TestApp, username: &str) -> Browser<'a> {
        let mut browser = Browser::new(app);
        let r = browser.log_in(username, PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login {username}: {}",
            r.raw
        );
        browser
    }

    async fn log_in(&mut self, username: &str, password: &str) -> Reply {
        let form = self.get("/dang-nhap").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.raw);
        let csrf = csrf_of(&form);
        self.post(
            "/dang-nhap",
            &[
                ("csrf_token", &csrf),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }

    fn keep_cookies(&mut self, reply: &Reply) {
        for value in reply.headers.get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<String>) -> Reply {
        let mut call = self.app.call(method, path);
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            call = call.header("cookie", &jar.join("; "));
        }
        if let Some(body) = form {
            call = call.raw(FORM, body);
        }
        let reply = call.send().await;
        self.keep_cookies(&reply);
        reply
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(Method::POST, path, Some(body)).await
    }

    /// Posts a form of the page at `page`, with that page's CSRF token.
    async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Reply {
        let shown = self.get(page).await;
        assert_eq!(shown.status, StatusCode::OK, "{page}: {}", shown.raw);
        let csrf = csrf_of(&shown);
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }
}

/// The CSRF token in a page's forms.
fn csrf_of(page: &Reply) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page
        .raw
        .find(marker)
        .unwrap_or_else(|| panic!("no CSRF field in {}", page.raw))
        + marker.len();
    page.raw[start..].split('"').next().unwrap().to_string()
}

fn location(reply: &Reply) -> &str {
    reply.header("location").unwrap_or("")
}

/// A new 2024 plan with a task led by STP (supported by STTTT); its id.
async fn stp_task(app: &TestApp, code: &str) -> String {
    let plan = Actor::coordinator(app)
        .create_plan(&PlanBody::year(2024))
        .await
        .id();
    fresh_task(
        app,
        &plan,
        TaskBody::new(code).title("Rà soát thủ tục hành chính"),
    )
    .await
}

#[actix_web::test]
async fn a_login_opens_a_session_in_the_database_and_logout_ends_it() {
    let app = TestApp::demo().await;
    let mut browser = Browser::new(&app);
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&home), "/dang-nhap");
    let login = browser.get("/dang-nhap").await;
    assert!(login
        .raw
        .contains("<label for=\"username\">Tên đăng nhập</label>"));
    assert!(login.raw.contains("lang=\"vi\""));
    assert!(login
        .header("content-security-policy")
        .is_some_and(|p| p.contains("form-action 'self'") && p.contains("style-src 'self'")));

    let wrong = browser.log_in("stp", "sai-mat-khau").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.raw.contains("Sai tên đăng nhập hoặc mật khẩu."));
    assert_eq!(app.count("SELECT count(*) AS n FROM web_sessions"), 0);

    let signed_in = browser.log_in("stp", PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.raw);
    let cookie = signed_in
        .headers
        .get_all("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("par_session="))
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "no PUBLIC_URL https here: {cookie}"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM web_sessions"), 1);
    // the cookie itself is not stored, only its hash
    let stored = app.texts("SELECT token_hash AS t FROM web_sessions");
    assert!(!cookie.contains(&stored[0]));

    // an officer starts at its agency's tasks
    let start = browser.get("/").await;
    assert_eq!(location(&start), "/co-quan");
    let agency = browser.get("/co-quan").await;
    assert_eq!(agency.status, StatusCode::OK, "{}", agency.raw);
    assert!(agency.raw.contains("Cơ quan tôi"));
    assert_eq!(agency.header("cache-control"), Some("no-store"));

    // logout needs the token too; then the session is gone, and so is the page
    let forged = browser.post("/dang-xuat", &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) AS n FROM web_sessions"), 1);
    let old_jar = browser.cookies.clone();
    let out = browser.submit("/nhiem-vu", "/dang-xuat", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/dang-nhap");
    assert_eq!(app.count("SELECT count(*) AS n FROM web_sessions"), 0);
    assert!(!browser.cookies.contains_key("par_session"));
    // "back" with the old cookie: to the login page
    browser.cookies = old_jar;
    let back = browser.get("/nhiem-vu").await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&back), "/dang-nhap");
}

#[actix_web::test]
async fn behind_an_https_public_url_the_cookies_are_secure() {
    let app = TestApp::demo_over_https().await;
    let mut browser = Browser::new(&app);
    let form = browser.get("/dang-nhap").await;
    let login_cookie = form.header("set-cookie").unwrap_or("").to_string();
    assert!(login_cookie.ends_with("; Secure"), "{login_cookie}");
    let signed_in = browser.log_in("sonoivu", PASSWORD).await;
    let session = signed_in
        .headers
        .get_all("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("par_session="))
        .expect("a session cookie");
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Lax")
            && session.ends_with("; Secure"),
        "{session}"
    );
}

#[actix_web::test]
async fn a_password_change_ends_the_accounts_sessions() {
    let app = TestApp::demo().await;
    let mut browser = Browser::signed_in(&app, "thanhtra").await;
    assert_eq!(browser.get("/kiem-tra").await.status, StatusCode::OK);
    app.change_account("thanhtra", "credential_version = credential_version + 1");
    let after = browser.get("/kiem-tra").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&after), "/dang-nhap");
}

#[actix_web::test]
async fn a_form_without_the_sessions_csrf_token_is_refused() {
    let app = TestApp::demo().await;
    let task = stp_task(&app, "W1").await;
    let mut browser = Browser::signed_in(&app, "stp").await;
    let action = format!("/nhiem-vu/{task}/bao-cao");
    let report = [("progress_percent", "40"), ("summary", "Đang rà soát")];
    let missing = browser.post(&action, &report).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.raw.contains("Biểu mẫu không hợp lệ"));
    let mut wrong = vec![("csrf_token", "not-the-token")];
    wrong.extend_from_slice(&report);
    assert_eq!(
        browser.post(&action, &wrong).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.reports_stored(&task), 0);

    // the login form is protected too (its token is in a cookie of its own)
    let mut stranger = Browser::new(&app);
    let refused = stranger
        .post("/dang-nhap", &[("username", "stp"), ("password", PASSWORD)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!stranger.cookies.contains_key("par_session"));
}

#[actix_web::test]
async fn a_report_posted_through_the_form_appears_on_the_task_page() {
    let app = TestApp::demo().await;
    let task = stp_task(&app, "W2").await;
    let mut browser = Browser::signed_in(&app, "stp").await;
    let page = format!("/nhiem-vu/{task}");
    let posted = browser
        .submit(
            &page,
            &format!("{page}/bao-cao"),
            &[
                ("progress_percent", "50"),
                ("summary", "Đã rà soát 120 thủ tục"),
                ("evidence[0].document_number", "12/BC-STP"),
                ("evidence[0].issued_on", "2024-11-12"),
                ("evidence[0].issuer", "Sở Tư pháp"),
                ("evidence[0].title", "Báo cáo rà soát"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.raw);
    assert_eq!(location(&posted), format!("{page}#bao-cao"));

    let shown = browser.get(&page).await;
    assert!(
        shown.raw.contains("Sở Tư pháp báo cáo tiến độ 50% — "),
        "{}",
        shown.raw
    );
    assert!(shown.raw.contains("Đã rà soát 120 thủ tục"));
    assert!(shown
        .raw
        .contains("12/BC-STP ngày 12/11/2024 của Sở Tư pháp: Báo cáo rà soát"));
    // the history reads as Vietnamese
    assert!(shown.raw.contains("Giao nhiệm vụ"));
    // the same report through the API
    let reports = Actor::inspector(&app).reports(&task).await;
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["progress_percent"], 50);
    assert_eq!(reports[0]["evidence"][0]["document_number"], "12/BC-STP");
    assert_eq!(
        Actor::inspector(&app).task(&task).await["status"],
        "in_progress"
    );
}

#[actix_web::test]
async fn a_refused_report_shows_the_apis_message_beside_its_field() {
    let app = TestApp::demo().await;
    let task = stp_task(&app, "W3").await;
    let mut browser = Browser::signed_in(&app, "stp").await;
    let page = format!("/nhiem-vu/{task}");
    let refused = browser
        .submit(
            &page,
            &format!("{page}/bao-cao"),
            &[
                ("progress_percent", "150"),
                ("summary", "Nội dung giữ lại"),
                ("evidence[0].document_number", "12/BC-STP"),
                ("evidence[0].issued_on", "2024-11-12"),
                ("evidence[0].issuer", "Sở Tư pháp"),
                ("evidence[0].title", "Báo cáo"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.raw);
    // the field, marked invalid, then its message, as the API words it
    let percent = refused.raw.find("id=\"f-progress_percent\"").unwrap();
    let message = refused
        .raw
        .find("data-field=\"progress_percent\">must be between 0 and 100<")
        .unwrap_or_else(|| panic!("no message beside progress_percent: {}", refused.raw));
    assert!(percent < message);
    assert!(refused.raw.contains("aria-invalid=\"true\""));
    assert!(refused
        .raw
        .contains("aria-describedby=\"f-progress_percent-loi\""));
    // what was typed is kept
    assert!(refused.raw.contains("Nội dung giữ lại"));
    assert_eq!(app.reports_stored(&task), 0);

    // a date not written YYYY-MM-DD: the API's message beside the evidence row's date
    let refused = browser
        .submit(
            &page,
            &format!("{page}/bao-cao"),
            &[
                ("progress_percent", "40"),
                ("summary", "Đang làm"),
                ("evidence[0].document_number", "12/BC-STP"),
                ("evidence[0].issued_on", "12/11/2024"),
                ("evidence[0].issuer", "Sở Tư pháp"),
                ("evidence[0].title", "Báo cáo"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.raw);
    assert!(
        refused.raw.contains("data-field=\"evidence[0].issued_on\""),
        "{}",
        refused.raw
    );
    assert_eq!(app.reports_stored(&task), 0);

    // an agency that has no part in the task sees no form, and its post is refused
    let mut outsider = Browser::signed_in(&app, "nhatrang").await;
    let shown = outsider.get(&page).await;
    assert!(!shown.raw.contains("bao-cao-moi"));
    let refused = outsider
        .submit(
            &page,
            &format!("{page}/bao-cao"),
            &[("progress_percent", "10"), ("summary", "x")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(app.reports_stored(&task), 0);
}

#[actix_web::test]
async fn the_coordinator_accepts_a_claim_from_the_queue() {
    let app = TestApp::demo().await;
    let task = stp_task(&app, "W4").await;
    let claim = ClaimBody::new("2024-06-20", "Đã ban hành quyết định").evidence(
        Evidence::new(
            "123/QĐ-STP",
            "2024-06-20",
            "Sở Tư pháp",
            "Quyết định công bố",
        )
        .no_url(),
    );
    Actor::officer(&app, demo::STP)
        .claim_completion(&task, &claim)
        .await;
    let mut browser = Browser::signed_in(&app, "sonoivu").await;
    let queue = browser.get("/hang-cho").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.raw.contains("id=\"de-nghi-W4\""), "{}", queue.raw);
    assert!(queue.raw.contains("hoàn thành ngày 20/6/2024"));

    // returning needs a comment: the API's message, on the queue page
    let action = format!("/hang-cho/hoan-thanh/{task}");
    let refused = browser
        .submit(
            "/hang-cho",
            &action,
            &[("decision", "return"), ("comment", "")],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.raw
    );
    assert!(refused
        .raw
        .contains("Ý kiến: is required when returning a claim"));

    let accepted = browser
        .submit(
            "/hang-cho",
            &action,
            &[("decision", "accept"), ("comment", "")],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.raw);
    assert_eq!(
        Actor::inspector(&app).task(&task).await["status"],
        "completed"
    );
    let queue = browser.get("/hang-cho").await;
    assert!(!queue.raw.contains("id=\"de-nghi-W4\""));
    let shown = browser.get(&format!("/nhiem-vu/{task}")).await;
    assert!(shown.raw.contains("Đã hoàn thành"));
    assert!(shown.raw.contains("Sở Nội vụ công nhận hoàn thành"));

    // an officer sees its agency's queue, without the decision buttons
    let mut officer = Browser::signed_in(&app, "stp").await;
    let queue = officer.get("/hang-cho").await;
    assert!(!queue.raw.contains("value=\"accept\""));
}

#[actix_web::test]
async fn the_inspector_sees_eleven_tasks_overdue_on_30_9_2023() {
    let app = TestApp::demo().await;
    let mut browser = Browser::signed_in(&app, "thanhtra").await;
    let page = browser.get("/kiem-tra?as_of=2023-09-30").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.raw);
    assert!(
        page.raw
            .contains(&format!("id=\"so-qua-han\">{}<", demo::OVERDUE_AT_Q3_END)),
        "{}",
        page.raw
    );
    assert!(page.raw.contains("Quá hạn tính đến ngày 30/9/2023"));
    // the task list agrees, with the same filters
    let list = browser
        .get("/nhiem-vu?as_of=2023-09-30&overdue=true&status=")
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list
        .raw
        .contains("11 nhiệm vụ trên trang này, tính đến ngày 30/9/2023."));
    // agencies ranked by their on-time rate on that day
    assert!(page
        .raw
        .contains("Cơ quan chủ trì, xếp theo tỷ lệ hoàn thành đúng hạn"));
    assert!(page.raw.contains("<td data-label=\"Hạng\">1</td>"));
    // with each agency's findings still open on that day (the scorecard's figures)
    assert!(page
        .raw
        .contains("Kết luận kiểm tra chưa khắc phục (quá hạn)"));
    assert!(page
        .raw
        .contains("<td data-label=\"Kết luận chưa khắc phục\">"));
    // the overdue list as a spreadsheet, as the API exports it, through the session
    let start = page.raw.find("href=\"/tai-ve/nhiem-vu?format=csv").unwrap() + "href=\"".len();
    let link = page.raw[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let csv = browser.get(&link).await;
    assert_eq!(csv.status, StatusCode::OK, "{link}: {}", csv.raw);
    assert!(
        csv.content_type().starts_with("text/csv"),
        "{}",
        csv.content_type()
    );
    let lines = csv.raw.trim_end().lines().count();
    assert_eq!(lines as i64, 1 + demo::OVERDUE_AT_Q3_END, "{}", csv.raw);
    // without a session, no file
    let anonymous = app.get(&link).send().await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    // an unknown plan is a missing page
    let unknown = format!("/kiem-tra?plan_id={}", uuid::Uuid::new_v4());
    assert_eq!(browser.get(&unknown).await.status, StatusCode::NOT_FOUND);
    // a day that is not one: a message beside the field, not a 500
    let bad = browser.get("/kiem-tra?as_of=30-9-2023").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.raw.contains("data-field=\"as_of\""));
}

#[actix_web::test]
async fn the_task_list_pages_with_the_apis_cursor_and_shows_filter_errors() {
    let app = TestApp::demo().await;
    let mut browser = Browser::signed_in(&app, "thanhtra").await;
    let first = browser
        .get("/nhiem-vu?as_of=2023-09-30&overdue=true&limit=6")
        .await;
    assert!(first.raw.contains("6 nhiệm vụ trên trang này"));
    let marker = "href=\"/nhiem-vu?";
    let start = first.raw.find(marker).map(|i| i + "href=\"".len());
    let next = start
        .map(|s| {
            first.raw[s..]
                .split('"')
                .next()
                .unwrap()
                .replace("&amp;", "&")
        })
        .expect("a next page link");
    assert!(next.contains("cursor="), "{next}");
    let second = browser.get(&next).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.raw);
    assert!(second.raw.contains("5 nhiệm vụ trên trang này"));
    assert!(!second.raw.contains("rel=\"next\""));

    let bad = browser.get("/nhiem-vu?status=xong&q=").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.raw);
    assert!(bad.raw.contains("data-field=\"status\""));
    // bad ids are missing pages, never a 500
    assert_eq!(
        browser.get("/nhiem-vu/not-a-uuid").await.status,
        StatusCode::NOT_FOUND
    );
    let unknown = format!("/nhiem-vu/{}", uuid::Uuid::new_v4());
    assert_eq!(browser.get(&unknown).await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_pages_are_not_part_of_the_api_spec() {
    let spec = par_tracker::startup::openapi_json();
    for page in [
        "/dang-nhap",
        "/nhiem-vu",
        "/hang-cho",
        "/kiem-tra",
        "/co-quan",
    ] {
        assert!(!spec.contains(&format!("\"{page}")), "{page} in the spec");
    }
    let app = TestApp::demo().await;
    let css = app.get("/static/site.css").send().await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.content_type().starts_with("text/css"));
}

#[actix_web::test]
async fn the_overview_draws_the_plan_as_of_a_day_with_svg_bars() {
    let app = TestApp::demo().await;
    let plan = Actor::inspector(&app).demo_plan_id().await;
    let mut browser = Browser::signed_in(&app, "sonoivu").await;
    let page = browser
        .get(&format!("/tong-quan?plan_id={plan}&as_of=2023-09-30"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.raw);
    assert!(page.raw.contains("Tính đến ngày 30/9/2023"));
    assert!(page
        .raw
        .contains(&format!("<dd id=\"tong\">{}</dd>", demo::TASKS)));
    assert!(page.raw.contains(&format!(
        "<dd id=\"qua-han\">{}</dd>",
        demo::OVERDUE_AT_Q3_END
    )));
    assert!(page
        .raw
        .contains("<svg role=\"img\" aria-label=\"Nhiệm vụ theo lĩnh vực\""));
    assert!(page.raw.contains("Cải cách thể chế"));
    // a day that is not one is a message beside its field; an unknown plan a 404
    let bad = browser
        .get(&format!("/tong-quan?plan_id={plan}&as_of=2023-13-01"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.raw.contains("data-field=\"as_of\""));
    let unknown = format!("/tong-quan?plan_id={}", uuid::Uuid::new_v4());
    assert_eq!(browser.get(&unknown).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        browser.get("/tong-quan?plan_id=x").await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn a_plan_marked_public_has_a_page_without_login_and_a_private_one_is_404() {
    let app = TestApp::demo().await;
    let plan = Actor::inspector(&app).demo_plan_id().await;
    let public_page = format!("/cong-khai/{plan}");
    let mut anyone = Browser::new(&app);
    assert_eq!(anyone.get(&public_page).await.status, StatusCode::NOT_FOUND);

    // only the coordinator (or an admin) marks a plan public
    let patch = serde_json::json!({"public": true});
    Actor::officer(&app, demo::STP)
        .patch(&format!("{}/{plan}", crate::actors::path::PLANS), &patch)
        .await
        .problem(403)
        .problem_type("not-coordinator");
    Actor::inspector(&app)
        .patch(&format!("{}/{plan}", crate::actors::path::PLANS), &patch)
        .await
        .problem(403);
    // a patch that changes nothing is still the coordinator's to send
    let nothing = serde_json::json!({});
    Actor::officer(&app, demo::STP)
        .patch(&format!("{}/{plan}", crate::actors::path::PLANS), &nothing)
        .await
        .problem(403)
        .problem_type("not-coordinator");
    Actor::coordinator(&app)
        .patch(&format!("{}/{plan}", crate::actors::path::PLANS), &nothing)
        .await
        .ok();
    // the coordinator does it from the overview
    let mut coordinator = Browser::signed_in(&app, "sonoivu").await;
    let overview = format!("/tong-quan?plan_id={plan}");
    let marked = coordinator
        .submit(
            &overview,
            &format!("/tong-quan/cong-khai/{plan}"),
            &[("public", "true")],
        )
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.raw);
    let shown = Actor::inspector(&app)
        .get(&format!("{}/{plan}", crate::actors::path::PLANS))
        .await
        .ok();
    assert_eq!(shown["public"], true);

    let page = anyone.get(&public_page).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.raw);
    assert!(page.raw.contains("Đã hoàn thành đúng hạn"));
    assert!(page.raw.contains("Sở Tư pháp"));
    assert!(page.raw.contains(&format!("{} nhiệm vụ", demo::TASKS)));
    // no person's name, no report text
    let report = Actor::inspector(&app).demo_task("NV01").await;
    let reports = Actor::inspector(&app).reports(&report.id()).await;
    let summary = reports[0]["summary"].as_str().unwrap();
    assert!(!page.raw.contains(summary));
    assert!(!page.raw.contains("csrf_token"));
    let index = anyone.get("/cong-khai").await;
    assert!(index.raw.contains(&public_page));

    // another plan (this year's, never marked) is 404, as is one that does not exist
    let plans = Actor::inspector(&app)
        .get(crate::actors::path::PLANS)
        .await
        .ok();
    let private = plans
        .items()
        .into_iter()
        .find(|p| p["public"] == false)
        .expect("a private plan")
        .id();
    assert_eq!(
        anyone.get(&format!("/cong-khai/{private}")).await.status,
        StatusCode::NOT_FOUND
    );
    let unknown = format!("/cong-khai/{}", uuid::Uuid::new_v4());
    assert_eq!(anyone.get(&unknown).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        anyone.get("/cong-khai/x").await.status,
        StatusCode::NOT_FOUND
    );

    // and back to private
    let unmarked = coordinator
        .submit(
            &overview,
            &format!("/tong-quan/cong-khai/{plan}"),
            &[("public", "false")],
        )
        .await;
    assert_eq!(unmarked.status, StatusCode::SEE_OTHER);
    assert_eq!(anyone.get(&public_page).await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_lead_agency_claims_completion_and_asks_for_more_time_through_forms() {
    let app = TestApp::demo().await;
    let task = stp_task(&app, "W5").await;
    let page = format!("/nhiem-vu/{task}");
    // a supporting agency sees neither form
    let mut supporter = Browser::signed_in(&app, "stttt").await;
    let shown = supporter.get(&page).await;
    assert!(shown.raw.contains("id=\"bao-cao-moi\""));
    assert!(!shown.raw.contains("id=\"de-nghi-hoan-thanh\""));

    let mut lead = Browser::signed_in(&app, "stp").await;
    // an extension to a day before the one in force: the API's message beside the date
    let refused = lead
        .submit(
            &page,
            &format!("{page}/gia-han"),
            &[
                ("requested_due_on", "2024-01-15"),
                ("reason", "Chờ ý kiến Bộ"),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.raw
    );
    assert!(
        refused.raw.contains("data-field=\"requested_due_on\""),
        "{}",
        refused.raw
    );
    assert!(refused.raw.contains("Chờ ý kiến Bộ"));
    let asked = lead
        .submit(
            &page,
            &format!("{page}/gia-han"),
            &[
                ("requested_due_on", "2025-03-31"),
                ("reason", "Chờ ý kiến Bộ"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.raw);
    let shown = lead.get(&page).await;
    assert!(shown.raw.contains("Đến 31/3/2025"), "{}", shown.raw);

    // the coordinator approves it from the queue; the task's due date moves
    let mut coordinator = Browser::signed_in(&app, "sonoivu").await;
    let queue = coordinator.get("/hang-cho").await;
    assert!(queue.raw.contains("id=\"gia-han-W5\""));
    let marker = "action=\"/hang-cho/gia-han/";
    let start = queue.raw.find(marker).unwrap() + "action=\"".len();
    let action = queue.raw[start..].split('"').next().unwrap().to_string();
    let approved = coordinator
        .submit("/hang-cho", &action, &[("decision", "approve")])
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.raw);
    assert_eq!(
        Actor::inspector(&app).task(&task).await["current_due_on"],
        "2025-03-31"
    );

    // a claim with a date as an official might type it: the message beside it
    let refused = lead
        .submit(
            &page,
            &format!("{page}/hoan-thanh"),
            &[
                ("completed_on", "20/6/2024"),
                ("summary", "Đã ban hành quyết định"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.raw);
    assert!(refused
        .raw
        .contains("aria-describedby=\"ht-completed_on-loi\""));
    let claimed = lead
        .submit(
            &page,
            &format!("{page}/hoan-thanh"),
            &[
                ("completed_on", "2024-06-20"),
                ("summary", "Đã ban hành quyết định"),
                ("evidence[0].document_number", "123/QĐ-STP"),
                ("evidence[0].issued_on", "2024-06-20"),
                ("evidence[0].issuer", "Sở Tư pháp"),
                ("evidence[0].title", "Quyết định công bố"),
            ],
        )
        .await;
    assert_eq!(claimed.status, StatusCode::SEE_OTHER, "{}", claimed.raw);
    assert_eq!(
        Actor::inspector(&app).task(&task).await["status"],
        "submitted"
    );
    let shown = lead.get(&page).await;
    assert!(shown.raw.contains("chờ Sở Nội vụ xem xét"));
    assert!(!shown.raw.contains("id=\"de-nghi-hoan-thanh\""));
}
