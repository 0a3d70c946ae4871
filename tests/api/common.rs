//! Test harness: one throwaway PostgreSQL cluster per test run (or the server
//! at TEST_DATABASE_URL), two template databases migrated once (empty, and
//! with the demo plan), and a database per test cloned from one of them and
//! dropped afterwards. Requests go through the real actix app.
//!
//! This is the one module that names the library's types (`Principal`,
//! `Role`, `TokenService`, `AppState`, the store): everything else speaks
//! HTTP and JSON, with ids as the strings the API sends.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use actix_http::Request;
use actix_service::boxed::BoxService;
use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::test::TestRequest;
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use crate::bodies::Body;
use par_tracker::auth::TokenService;
use par_tracker::db::local_cluster::{Durability, LocalCluster};
use par_tracker::db::{self, DbPool};
use par_tracker::domain::policy::Principal;
use par_tracker::startup::{app, AppState};

pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!!";
pub const ISSUER: &str = "par-tracker";
pub const AUDIENCE: &str = "par-tracker-api";

struct Server {
    /// URL template: `{db}` is replaced by a database name.
    url_pattern: String,
    _cluster: Option<LocalCluster>,
}

static SERVER: OnceLock<Server> = OnceLock::new();
static TEMPLATES: Mutex<Option<(String, String)>> = Mutex::new(None);

extern "C" fn stop_cluster() {
    if let Some(Server {
        _cluster: Some(cluster),
        ..
    }) = SERVER.get()
    {
        let _ = cluster.stop();
    }
    if let Some(dir) = cluster_dir() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn cluster_dir() -> Option<PathBuf> {
    std::env::var_os("TEST_DATABASE_URL")
        .is_none()
        .then(|| std::env::temp_dir().join(format!("par-tracker-test-{}", std::process::id())))
}

fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        let _ = env_logger::builder().is_test(true).try_init();
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) => {
                // postgres://user@host:port/dbname → swap the database name
                let base = url
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .expect("TEST_DATABASE_URL has a database");
                Server {
                    url_pattern: format!("{base}/{{db}}"),
                    _cluster: None,
                }
            }
            Err(_) => {
                let cluster = LocalCluster::start(&cluster_dir().unwrap(), Durability::Throwaway)
                    .expect("start a throwaway PostgreSQL cluster");
                // SAFETY: registering a plain extern "C" function; it runs once at exit.
                unsafe { libc::atexit(stop_cluster) };
                Server {
                    url_pattern: cluster.url("{db}"),
                    _cluster: Some(cluster),
                }
            }
        }
    })
}

/// A clock stopped at `instant` (RFC 3339), for `TestApp::demo_with_clock`
/// and `set_clock`.
pub fn clock_at(instant: &str) -> par_tracker::startup::Clock {
    par_tracker::startup::Clock::Fixed(
        chrono::DateTime::parse_from_rfc3339(instant)
            .expect("an RFC 3339 instant")
            .with_timezone(&chrono::Utc),
    )
}

pub fn url(db: &str) -> String {
    server().url_pattern.replace("{db}", db)
}

fn admin_conn() -> PgConnection {
    PgConnection::establish(&url("postgres")).expect("connect to the test server")
}

fn exec(conn: &mut PgConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Names of the (empty, demo) template databases, made once per run.
fn templates() -> (String, String) {
    let mut guard = TEMPLATES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(t) = guard.as_ref() {
        return t.clone();
    }
    let suffix = format!("{}_{}", std::process::id(), Uuid::new_v4().simple());
    let empty = format!("tpl_empty_{suffix}");
    let demo = format!("tpl_demo_{suffix}");
    let mut admin = admin_conn();
    exec(&mut admin, &format!("CREATE DATABASE {empty}"));
    db::run_migrations(&url(&empty)).expect("migrate the template");
    exec(
        &mut admin,
        &format!("CREATE DATABASE {demo} TEMPLATE {empty}"),
    );
    {
        let mut conn = PgConnection::establish(&url(&demo)).unwrap();
        assert!(par_tracker::seed::load_demo_if_empty(&mut conn).expect("load the demo plan"));
    }
    *guard = Some((empty.clone(), demo.clone()));
    (empty, demo)
}

pub type Svc = BoxService<Request, ServiceResponse<BoxBody>, actix_web::Error>;

pub struct TestApp {
    pub svc: Svc,
    pub state: AppState,
    pub db_name: String,
}

/// A response, with the body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Reply {
    /// The request it answers, for failure messages: method, path, start of the body.
    pub request: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: String,
    /// The body exactly as sent (files).
    pub bytes: actix_web::web::Bytes,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }
    /// The ETag, which must be there.
    pub fn etag(&self) -> String {
        self.header("etag")
            .unwrap_or_else(|| panic!("no ETag: {:?}", self.headers))
            .to_string()
    }
    fn status_is(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "{}: {}", self.request, self.raw);
        self.body.clone()
    }
    /// Asserts 200 and returns the body.
    pub fn ok(&self) -> Value {
        self.status_is(StatusCode::OK)
    }
    /// Asserts 201 and returns the body.
    pub fn created(&self) -> Value {
        self.status_is(StatusCode::CREATED)
    }
    /// Asserts a problem document with this status, and returns it.
    pub fn problem(&self, status: u16) -> Problem<'_> {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}: {}",
            self.request,
            self.raw
        );
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "{}: {}",
            self.request,
            self.raw
        );
        assert_eq!(self.body["status"], status);
        assert!(
            self.body["type"].is_string()
                && self.body["title"].is_string()
                && self.body["detail"].is_string()
        );
        Problem(self)
    }
    /// Asserts a problem with this status whose `errors` name `field` (among others).
    pub fn field_error(&self, status: u16, field: &str) -> Problem<'_> {
        let problem = self.problem(status);
        assert!(
            self.error_fields().iter().any(|f| f == field),
            "no error for {field}: {}: {}",
            self.request,
            self.raw
        );
        problem
    }
    /// Asserts a 401 problem document with a Bearer challenge; returns its detail.
    /// `what` names the case in failure messages.
    pub fn unauthorized(&self, what: &str) -> String {
        assert_eq!(
            self.status,
            StatusCode::UNAUTHORIZED,
            "{what}: {}: {}",
            self.request,
            self.raw
        );
        self.problem(401);
        let challenge = self
            .header("www-authenticate")
            .unwrap_or_else(|| panic!("{what}: 401 without WWW-Authenticate"));
        assert!(
            challenge.starts_with("Bearer"),
            "{what}: WWW-Authenticate is {challenge:?}"
        );
        self.body["detail"].as_str().unwrap().to_string()
    }
    /// The `field` of each entry of a validation problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["field"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A reply already checked to be a problem document; reads as its JSON.
pub struct Problem<'r>(&'r Reply);

impl std::ops::Deref for Problem<'_> {
    type Target = Value;
    fn deref(&self) -> &Value {
        &self.0.body
    }
}

impl Problem<'_> {
    /// Asserts the `errors` name no field but the one `field_error` checked.
    pub fn alone(self) -> Self {
        assert_eq!(
            self.0.error_fields().len(),
            1,
            "{}: {}",
            self.0.request,
            self.0.raw
        );
        self
    }
    /// Asserts the `detail` names the status the object is in (e.g. why a
    /// transition is a conflict).
    pub fn names_status(self, status: &str) -> Self {
        let detail = self.0.body["detail"].as_str().unwrap_or("");
        assert!(
            detail.contains(status),
            "{status}: {}: {}",
            self.0.request,
            self.0.raw
        );
        self
    }
    /// Asserts the problem `type` is `…:problem:<name>`.
    pub fn problem_type(self, name: &str) -> Self {
        let kind = self.0.body["type"].as_str().unwrap_or("");
        assert!(
            kind.ends_with(&format!(":problem:{name}")),
            "type {kind:?} is not {name}: {}",
            self.0.raw
        );
        self
    }
}

/// Reading fields of a JSON body that must be there.
pub trait JsonExt {
    /// A string field.
    fn text(&self, field: &str) -> &str;
    /// The `id` field.
    fn id(&self) -> String {
        self.text("id").to_string()
    }
    /// The `items` of a list.
    fn items(&self) -> Vec<Value>;
}

impl JsonExt for Value {
    fn text(&self, field: &str) -> &str {
        self[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} is not a string in {self}"))
    }
    fn items(&self) -> Vec<Value> {
        self["items"]
            .as_array()
            .unwrap_or_else(|| panic!("no items in {self}"))
            .clone()
    }
}

pub struct Call<'a> {
    app: &'a TestApp,
    req: TestRequest,
    /// Method and path, then the start of the body once there is one.
    line: String,
    method: Method,
    /// The request target as sent, query included.
    target: String,
}

impl Call<'_> {
    pub fn token(mut self, token: &str) -> Self {
        self.req = self
            .req
            .insert_header(("Authorization", format!("Bearer {token}")));
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.req = self.req.insert_header((
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        ));
        self
    }
    /// The TCP peer the request comes from (`ip:port`).
    pub fn peer(mut self, address: &str) -> Self {
        self.req = self.req.peer_addr(address.parse().unwrap());
        self
    }
    pub fn json(self, body: &Value) -> Self {
        self.raw("application/json", body.to_string())
    }
    /// A JSON body built for this app (agency codes resolved to its ids).
    pub fn body(self, body: &impl Body) -> Self {
        let json = body.to_json(self.app);
        self.json(&json)
    }
    /// A JSON merge patch (RFC 7396).
    pub fn merge_patch(self, body: &impl Body) -> Self {
        let json = body.to_json(self.app).to_string();
        self.raw("application/merge-patch+json", json)
    }
    pub fn raw(mut self, content_type: &str, body: impl Into<actix_web::web::Bytes>) -> Self {
        let body = body.into();
        // enough of the body to tell cases apart, not the 300 KiB ones
        let start: String = String::from_utf8_lossy(&body).chars().take(200).collect();
        self.line = format!("{} {start}", self.line);
        self.req = self
            .req
            .insert_header(("content-type", content_type))
            .set_payload(body);
        self
    }
    pub async fn send(self) -> Reply {
        let res = match self.app.svc.call(self.req.to_request()).await {
            Ok(res) => res,
            Err(err) => ServiceResponse::new(
                actix_web::test::TestRequest::default().to_http_request(),
                err.error_response(),
            ),
        };
        let status = res.status();
        assert_documented(&self.method, &self.target, status);
        let headers = res.headers().clone();
        let bytes = actix_web::test::read_body(res).await;
        let raw = String::from_utf8_lossy(&bytes).to_string();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            request: self.line,
            status,
            headers,
            body,
            raw,
            bytes,
        }
    }
}

/// Each operation of the spec: method, path segments, documented statuses.
type Operations = Vec<(String, Vec<String>, Vec<String>)>;

fn operations() -> &'static Operations {
    static OPERATIONS: OnceLock<Operations> = OnceLock::new();
    OPERATIONS.get_or_init(|| {
        let spec: Value = serde_json::from_str(&par_tracker::startup::openapi_json()).unwrap();
        let mut operations = Vec::new();
        for (path, item) in spec["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let statuses = operation["responses"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect();
                let segments = path.split('/').map(str::to_string).collect();
                operations.push((method.to_uppercase(), segments, statuses));
            }
        }
        operations
    })
}

/// Answers that any path may give, outside every operation (the spec's
/// description lists them): a method the path lacks, a slow body, a long URL.
const ANY_OPERATION: [u16; 3] = [405, 408, 414];

/// Every status a test sees must be one its operation documents: an
/// integrator's generated client knows only those.
fn assert_documented(method: &Method, target: &str, status: StatusCode) {
    if ANY_OPERATION.contains(&status.as_u16()) {
        return;
    }
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    let path = target.split('?').next().unwrap_or(target);
    let wanted: Vec<&str> = path.split('/').collect();
    let operation = operations().iter().find(|(m, segments, _)| {
        m == method
            && segments.len() == wanted.len()
            && segments
                .iter()
                .zip(&wanted)
                .all(|(s, w)| s == w || (s.starts_with('{') && !w.is_empty()))
    });
    if let Some((_, segments, statuses)) = operation {
        assert!(
            statuses.iter().any(|s| s == status.as_str()),
            "{method} {} answered {status}, which the spec does not list for it ({statuses:?})",
            segments.join("/")
        );
    }
}

impl TestApp {
    /// An app on a fresh, migrated, empty database.
    pub async fn empty() -> TestApp {
        Self::from_template(templates().0).await
    }

    /// An app on a fresh copy of the database with the 2023 demo plan.
    pub async fn demo() -> TestApp {
        Self::from_template(templates().1).await
    }

    /// A demo app configured to read client addresses from forwarding headers.
    /// A demo app behind a trusted proxy at 10.0.0.0/8 (see `Call::peer`).
    pub async fn demo_behind_proxy() -> TestApp {
        Self::from_template_with(
            templates().1,
            par_tracker::startup::ClientAddress {
                trusted_proxies: vec![par_tracker::config::Cidr::parse("10.0.0.0/8").unwrap()],
            },
        )
        .await
    }

    /// A demo app whose API these browser origins may call (`CORS_ORIGINS`).
    pub async fn demo_with_cors(origins: &[&str]) -> TestApp {
        let mut test_app = Self::from_template(templates().1).await;
        test_app.state.cors_origins =
            par_tracker::startup::CorsOrigins(origins.iter().map(|o| o.to_string()).collect());
        let svc = actix_web::test::init_service(app(&test_app.state)).await;
        test_app.svc = actix_service::boxed::service(actix_service::ServiceExt::map(
            svc,
            |res: ServiceResponse<_>| res.map_into_boxed_body(),
        ));
        test_app
    }

    /// A demo app behind an https `PUBLIC_URL`: the pages' cookies are `Secure`.
    pub async fn demo_over_https() -> TestApp {
        let mut test_app = Self::demo().await;
        test_app.state.secure_cookies = true;
        let svc = actix_web::test::init_service(app(&test_app.state)).await;
        test_app.svc = actix_service::boxed::service(actix_service::ServiceExt::map(
            svc,
            |res: ServiceResponse<_>| res.map_into_boxed_body(),
        ));
        test_app
    }

    /// A demo app whose requests are all served at the instant `clock` gives.
    pub async fn demo_with_clock(clock: par_tracker::startup::Clock) -> TestApp {
        let mut test_app = Self::demo().await;
        test_app.set_clock(clock).await;
        test_app
    }

    /// From now on, requests are served at the instant `clock` gives (same database).
    pub async fn set_clock(&mut self, clock: par_tracker::startup::Clock) {
        self.state.clock = clock;
        let svc = actix_web::test::init_service(app(&self.state)).await;
        self.svc = actix_service::boxed::service(actix_service::ServiceExt::map(
            svc,
            |res: ServiceResponse<_>| res.map_into_boxed_body(),
        ));
    }

    /// A raw POST (the boundary and history tests build their own requests).
    pub fn post(&self, path: &str) -> Call<'_> {
        self.call(Method::POST, path)
    }

    /// A raw PATCH.
    pub fn patch(&self, path: &str) -> Call<'_> {
        self.call(Method::PATCH, path)
    }

    async fn from_template(template: String) -> TestApp {
        Self::from_template_with(template, Default::default()).await
    }

    async fn from_template_with(
        template: String,
        client_address: par_tracker::startup::ClientAddress,
    ) -> TestApp {
        let db_name = format!("t_{}", Uuid::new_v4().simple());
        let mut admin = admin_conn();
        exec(
            &mut admin,
            &format!("CREATE DATABASE {db_name} TEMPLATE {template}"),
        );
        let pool = db::build_pool(&url(&db_name), 4).expect("pool");
        let tokens = TokenService::new(SECRET, ISSUER, AUDIENCE, 900, 3600);
        let state = AppState {
            pool,
            tokens,
            client_address,
            clock: Default::default(),
            // Room for the parallel-login tests; the bound itself is tested in tests/faults.rs.
            password_checks: std::sync::Arc::new(par_tracker::auth::password::PasswordChecks::new(
                64,
            )),
            cors_origins: Default::default(),
            // the webhook receivers of the tests listen on loopback, in plain HTTP
            webhook_targets: par_tracker::service::webhooks::TargetPolicy {
                allow_http: true,
                allow_private: true,
            },
            exports: Default::default(),
            secure_cookies: false,
            reads: par_tracker::db::reads::ReadPools::new(
                &url(&db_name),
                par_tracker::db::reads::DEFAULT_PER_WORKER,
            ),
        };
        let svc = actix_web::test::init_service(app(&state)).await;
        let svc = actix_service::boxed::service(actix_service::ServiceExt::map(
            svc,
            |res: ServiceResponse<_>| res.map_into_boxed_body(),
        ));
        TestApp {
            svc,
            state,
            db_name,
        }
    }

    pub fn pool(&self) -> &DbPool {
        &self.state.pool
    }

    pub fn call(&self, method: Method, path: &str) -> Call<'_> {
        Call {
            app: self,
            line: format!("{method} {path}"),
            req: TestRequest::default().method(method.clone()).uri(path),
            method,
            target: path.to_string(),
        }
    }
    pub fn get(&self, path: &str) -> Call<'_> {
        self.call(Method::GET, path)
    }

    fn user_row(&self, username: &str) -> par_tracker::store::users::UserRow {
        let mut conn = self.pool().get().unwrap();
        par_tracker::store::users::find_by_username(&mut conn, username)
            .unwrap()
            .unwrap_or_else(|| panic!("no user {username}"))
    }

    /// A valid access token for a user of this database (minted directly: no password hashing).
    pub fn token(&self, username: &str) -> String {
        self.state
            .tokens
            .issue_access_token(&self.principal(username))
    }

    /// Who a user of this database is, as their token says.
    pub fn principal(&self, username: &str) -> Principal {
        let user = self.user_row(username);
        Principal {
            user_id: user.id,
            username: user.username,
            role: user.role,
            agency_id: user.agency_id,
            credential_version: user.credential_version,
        }
    }

    /// The URL of this test's database.
    pub fn database_url(&self) -> String {
        url(&self.db_name)
    }

    /// An account of this database, with ids as the API writes them.
    pub fn account(&self, username: &str) -> Account {
        let user = self.user_row(username);
        Account {
            id: user.id.to_string(),
            username: user.username,
            role: user.role.to_string(),
            agency_id: user.agency_id.map(|a| a.to_string()),
        }
    }

    /// Creates an account with a password, returning its id.
    pub fn create_user(
        &self,
        username: &str,
        role: &str,
        agency_code: Option<&str>,
        password: &str,
    ) -> String {
        let mut conn = self.pool().get().unwrap();
        let account = par_tracker::seed::NewAccount {
            username,
            role,
            agency_code,
            display_name: None,
            password,
        };
        par_tracker::seed::create_user(&mut conn, &account)
            .unwrap()
            .id
            .to_string()
    }

    /// Runs SQL returning one bigint `n`.
    pub fn count(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.pool().get().unwrap();
        diesel::sql_query(sql)
            .get_result::<N>(&mut conn)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .n
    }

    /// Runs SQL returning text column `t`, one value per row.
    pub fn texts(&self, sql: &str) -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct T {
            #[diesel(sql_type = diesel::sql_types::Text)]
            t: String,
        }
        let mut conn = self.pool().get().unwrap();
        diesel::sql_query(sql)
            .load::<T>(&mut conn)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .map(|row| row.t)
            .collect()
    }

    /// Runs SQL that changes rows behind the API's back.
    pub fn execute(&self, sql: &str) {
        let mut conn = self.pool().get().unwrap();
        exec(&mut conn, sql);
    }

    /// Changes an account behind the API's back (`set`: the SET clause), as
    /// an administrator's edit or a password change does.
    pub fn change_account(&self, username: &str, set: &str) {
        self.execute(&format!(
            "UPDATE users SET {set} WHERE username = '{username}'"
        ));
    }

    /// Progress reports stored for a task.
    pub fn reports_stored(&self, task: &str) -> i64 {
        self.count(&format!(
            "SELECT count(*) AS n FROM progress_reports WHERE task_id = '{task}'"
        ))
    }

    /// An agency's id, by code.
    pub fn agency_id(&self, code: &str) -> String {
        let mut conn = self.pool().get().unwrap();
        par_tracker::store::agencies::find_by_code(&mut conn, code)
            .unwrap()
            .unwrap_or_else(|| panic!("no agency {code}"))
            .id
            .to_string()
    }
}

/// A user account as stored.
pub struct Account {
    pub id: String,
    pub username: String,
    pub role: String,
    pub agency_id: Option<String>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let mut admin = admin_conn();
        let _ = diesel::sql_query(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.db_name
        ))
        .execute(&mut admin);
    }
}
