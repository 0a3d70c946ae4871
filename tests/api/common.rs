//! Test harness: one throwaway PostgreSQL cluster per test run (or the server
//! at TEST_DATABASE_URL), two template databases migrated once (empty, and
//! with the demo plan), and a database per test cloned from one of them and
//! dropped afterwards. Requests go through the real actix app.

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
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }
    /// Asserts a problem document with this status, and returns it.
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.raw);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "body: {}",
            self.raw
        );
        assert_eq!(self.body["status"], status);
        assert!(
            self.body["type"].is_string()
                && self.body["title"].is_string()
                && self.body["detail"].is_string()
        );
        &self.body
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

pub struct Call<'a> {
    app: &'a TestApp,
    req: TestRequest,
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
    pub fn json(mut self, body: &Value) -> Self {
        self.req = self
            .req
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_string());
        self
    }
    pub fn raw(mut self, content_type: &str, body: impl Into<actix_web::web::Bytes>) -> Self {
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
        let headers = res.headers().clone();
        let bytes = actix_web::test::read_body(res).await;
        let raw = String::from_utf8_lossy(&bytes).to_string();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            raw,
        }
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
    pub async fn demo_behind_proxy() -> TestApp {
        Self::from_template_with(
            templates().1,
            par_tracker::startup::ClientAddress::Forwarded,
        )
        .await
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
            req: TestRequest::default().method(method).uri(path),
        }
    }
    pub fn get(&self, path: &str) -> Call<'_> {
        self.call(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> Call<'_> {
        self.call(Method::POST, path)
    }
    pub fn patch(&self, path: &str) -> Call<'_> {
        self.call(Method::PATCH, path)
    }

    /// A valid access token for a user of this database (minted directly: no password hashing).
    pub fn token(&self, username: &str) -> String {
        let mut conn = self.pool().get().unwrap();
        let user = par_tracker::store::users::find_by_username(&mut conn, username)
            .unwrap()
            .unwrap_or_else(|| panic!("no user {username}"));
        let principal = Principal {
            user_id: user.id,
            username: user.username,
            role: user.role,
            agency_id: user.agency_id,
        };
        self.state.tokens.issue_access_token(&principal)
    }

    /// Creates an account with a password, returning its id.
    pub fn create_user(
        &self,
        username: &str,
        role: &str,
        agency_code: Option<&str>,
        password: &str,
    ) -> Uuid {
        let mut conn = self.pool().get().unwrap();
        par_tracker::seed::create_user(&mut conn, username, role, agency_code, password)
            .unwrap()
            .id
            .0
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

    pub fn agency_id(&self, code: &str) -> Uuid {
        let mut conn = self.pool().get().unwrap();
        par_tracker::store::agencies::find_by_code(&mut conn, code)
            .unwrap()
            .unwrap_or_else(|| panic!("no agency {code}"))
            .id
            .0
    }

    /// The demo plan's id.
    pub async fn demo_plan_id(&self) -> String {
        let r = self
            .get("/api/v1/plans")
            .token(&self.token("thanhtra"))
            .send()
            .await;
        r.body["items"][0]["id"].as_str().unwrap().to_string()
    }

    /// A demo task by code: (id, full JSON).
    pub async fn demo_task(&self, code: &str) -> (String, Value) {
        let r = self
            .get(&format!("/api/v1/tasks?q={code}&limit=200"))
            .token(&self.token("thanhtra"))
            .send()
            .await;
        let task = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["code"] == code)
            .unwrap_or_else(|| panic!("no task {code}"))
            .clone();
        (task["id"].as_str().unwrap().to_string(), task)
    }

    /// A demo app whose requests are all served at the instant `clock` gives.
    pub async fn demo_with_clock(clock: par_tracker::startup::Clock) -> TestApp {
        let mut test_app = Self::demo().await;
        test_app.state.clock = clock;
        let svc = actix_web::test::init_service(app(&test_app.state)).await;
        test_app.svc = actix_service::boxed::service(actix_service::ServiceExt::map(
            svc,
            |res: ServiceResponse<_>| res.map_into_boxed_body(),
        ));
        test_app
    }
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
