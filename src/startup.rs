//! The one start-up path, shared by `main` and the tests: the app factory,
//! the spec, and the server with its database.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::Logger;
use actix_web::{web, App, HttpServer};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::auth::password::PasswordChecks;
use crate::auth::tokens::random_secret;
use crate::auth::TokenService;
use crate::config::Config;
use crate::db::local_cluster::{Durability, LocalCluster};
use crate::db::{self, DbPool};
use std::sync::Arc;

/// What every request handler shares. Nothing here is per-node state: the
/// pool and the token keys are the same on every node.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub tokens: TokenService,
    pub client_address: ClientAddress,
    /// The system clock, except in tests that pin "now".
    pub clock: Clock,
    /// Bounds the password checks running at once (shared by this node's workers).
    pub password_checks: Arc<PasswordChecks>,
    /// Browser origins allowed to call the API (`CORS_ORIGINS`).
    pub cors_origins: CorsOrigins,
    /// Where webhooks may point (`WEBHOOK_ALLOW_HTTP`, `WEBHOOK_ALLOW_PRIVATE`).
    pub webhook_targets: crate::service::webhooks::TargetPolicy,
    /// Bounds the spreadsheet exports running at once (shared by this node's workers).
    pub exports: Arc<crate::api::sheets::Exports>,
    /// The web pages' cookies are `Secure` (`PUBLIC_URL` is https).
    pub secure_cookies: bool,
    /// Each worker's pool of async connections (`db::reads`).
    pub reads: crate::db::reads::ReadPools,
}

pub use crate::clock::Clock;
pub use crate::config::{ClientAddress, CorsOrigins};

/// The application: API routes (registered once, for router and spec alike),
/// the spec at `/openapi.json`, Swagger UI at `/docs/`, problem+json for unknown routes.
pub fn app(
    state: &AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (payload, path) = api::extractor_configs();
    let state = state.clone();
    let (app, spec) = App::new()
        .into_utoipa_app()
        .openapi(api::ApiDoc::openapi())
        .map(move |app| {
            app.app_data(web::Data::new(state.pool.clone()))
                .app_data(web::Data::new(state.reads.build()))
                .app_data(web::Data::new(state.tokens.clone()))
                .app_data(web::Data::new(state.client_address))
                .app_data(web::Data::new(state.clock))
                .app_data(web::Data::from(state.password_checks.clone()))
                .app_data(web::Data::from(state.exports.clone()))
                .app_data(web::Data::new(state.cors_origins.clone()))
                .app_data(web::Data::new(state.webhook_targets))
                .app_data(web::Data::new(crate::pages::CookiePolicy {
                    secure: state.secure_cookies,
                }))
                .app_data(payload)
                .app_data(path)
        })
        .configure(api::routes)
        .split_for_parts();
    let mut spec = spec;
    api::finish_spec(&mut spec);
    let known_routes = web::Data::new(api::KnownRoutes::from_spec(&spec));
    app.app_data(known_routes)
        // The web pages: HTML, outside /api/v1 and outside the spec.
        .configure(crate::pages::routes)
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .url("/openapi.json", spec)
                .config(swagger_ui_config()),
        )
        .service(web::redirect("/docs", "/docs/"))
        .default_service(web::to(api::not_found))
        .wrap(actix_web::middleware::from_fn(api::edge::edge))
        // gzip when the client asks for it (a 50-task page is ~60 kB of JSON).
        .wrap(actix_web::middleware::Compress::default())
        // One access line per request; never headers or bodies (tokens, passwords).
        .wrap(Logger::new("%{r}a \"%r\" %s %b %Dms"))
}

/// Swagger UI without its online validator (it would send the spec's address to
/// validator.swagger.io, and show a broken badge offline), keeping the token
/// entered under "Authorize" across reloads.
fn swagger_ui_config() -> utoipa_swagger_ui::Config<'static> {
    utoipa_swagger_ui::Config::default()
        .validator_url("none")
        .persist_authorization(true)
}

/// The OpenAPI document, generated from the same registrations as the router.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut spec) = App::new()
        .into_utoipa_app()
        .openapi(api::ApiDoc::openapi())
        .configure(api::routes)
        .split_for_parts();
    api::finish_spec(&mut spec);
    spec
}

pub fn openapi_json() -> String {
    let mut json = openapi().to_pretty_json().expect("the spec serialises");
    json.push('\n');
    json
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The database the process uses: `DATABASE_URL`, or a private cluster in the data folder.
pub struct Database {
    pub url: String,
    pub cluster: Option<LocalCluster>,
}

pub const LOCAL_DATABASE: &str = "par_tracker";

/// How the process holds a private cluster: a server owns it (stops it on
/// exit, adopts one left behind by a killed run); a command borrows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterUse {
    Own,
    Borrow,
}

pub fn open_database(config: &Config, usage: ClusterUse) -> Result<Database, BoxError> {
    match &config.database_url {
        Some(url) => Ok(Database {
            url: url.clone(),
            cluster: None,
        }),
        None => {
            let dir = config.data_dir.join("postgres");
            let cluster = match usage {
                ClusterUse::Own => LocalCluster::start_owned(&dir, Durability::Durable)?,
                ClusterUse::Borrow => LocalCluster::start(&dir, Durability::Durable)?,
            };
            cluster.ensure_database(LOCAL_DATABASE)?;
            Ok(Database {
                url: cluster.url(LOCAL_DATABASE),
                cluster: Some(cluster),
            })
        }
    }
}

/// The signing secret: configured, or (local mode) generated once and kept in the data folder.
pub fn token_secret(config: &Config) -> Result<Vec<u8>, BoxError> {
    if let Some(secret) = &config.tokens.secret {
        return Ok(secret.clone());
    }
    load_or_create_secret(&config.data_dir.join("jwt-secret"))
}

fn load_or_create_secret(path: &Path) -> Result<Vec<u8>, BoxError> {
    if let Ok(bytes) = fs::read(path) {
        if bytes.len() >= 32 {
            return Ok(bytes);
        }
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let secret = random_secret();
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(&secret)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    Ok(secret)
}

pub fn token_service(config: &Config) -> Result<TokenService, BoxError> {
    let secret = token_secret(config)?;
    let t = &config.tokens;
    Ok(TokenService::new(
        &secret,
        &t.issuer,
        &t.audience,
        t.access_ttl_seconds,
        t.refresh_ttl_seconds,
    ))
}

/// Forgets expired idempotency records, stale login-failure counters and
/// uploads no evidence cited within a day, in batches, off the request path.
/// Every node runs it; running it twice at once only deletes the same rows once.
pub fn housekeeping(
    pool: &DbPool,
) -> Result<(usize, usize, usize), crate::domain::error::DomainError> {
    let (keys, counters) = db::transaction(pool, |conn| {
        let keys = crate::store::idempotency::purge_expired(conn)?;
        let counters = crate::store::auth::purge_stale_failures(conn, chrono::Utc::now())?
            + crate::store::web_sessions::purge_expired(conn, chrono::Utc::now())?;
        Ok((keys, counters))
    })?;
    // apart: a sweep that loses a race with an evidence item only waits for the next run
    let files = db::transaction(pool, |conn| {
        crate::service::files::sweep(conn, chrono::Utc::now())
    })?;
    Ok((keys, counters, files))
}

/// How often each node does its housekeeping.
const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Takes the listening address before anything else, so that a port in use
/// is reported at once, naming `BIND`, before the database is touched.
pub fn bind(config: &Config) -> Result<std::net::TcpListener, String> {
    std::net::TcpListener::bind(config.bind).map_err(|e| {
        format!(
            "BIND={}: cannot listen on {}: {e}",
            config.bind, config.bind
        )
    })
}

/// Runs the server on `listener` until SIGINT/SIGTERM, then stops the private
/// cluster, if this process owns it.
pub async fn serve(config: Config, listener: std::net::TcpListener) -> Result<(), BoxError> {
    let database = open_database(&config, ClusterUse::Own)?;
    let result = serve_with(&config, &database, listener).await;
    if let Some(cluster) = &database.cluster {
        log::info!("stopping the local PostgreSQL cluster");
        if let Err(e) = cluster.stop() {
            log::error!("{e}");
        }
    }
    result
}

async fn serve_with(
    config: &Config,
    database: &Database,
    listener: std::net::TcpListener,
) -> Result<(), BoxError> {
    let applied = db::run_migrations(&database.url)?;
    if !applied.is_empty() {
        log::info!("applied migrations: {}", applied.join(", "));
    }
    let pool = db::build_pool(&database.url, config.db_pool_size)?;
    {
        let mut conn = pool.get()?;
        if database.cluster.is_some() {
            crate::seed::load_demo_if_empty(&mut conn)?;
        }
        // At every start, not only the first: the published password must not go unnoticed.
        if crate::seed::demo_loaded(&mut conn)? {
            crate::seed::warn_demo_accounts();
        }
    }
    let state = AppState {
        pool,
        tokens: token_service(config)?,
        client_address: config.client_address.clone(),
        clock: Clock::System,
        password_checks: Arc::new(PasswordChecks::new(config.login_concurrency)),
        exports: Default::default(),
        cors_origins: config.cors_origins.clone(),
        webhook_targets: config.workers.targets,
        secure_cookies: config.secure_cookies(),
        reads: db::reads::ReadPools::new(&database.url, config.read_connections_per_worker),
    };
    crate::worker::spawn(state.pool.clone(), config.workers.clone());
    let background = state.pool.clone();
    actix_web::rt::spawn(async move {
        let mut every = actix_web::rt::time::interval(HOUSEKEEPING_EVERY);
        loop {
            every.tick().await;
            let pool = background.clone();
            match web::block(move || housekeeping(&pool)).await {
                Ok(Ok((keys, counters, files))) if keys + counters + files > 0 => log::info!(
                    "housekeeping: forgot {keys} idempotency records, {counters} login counters and sessions, \
                     {files} uploads no evidence cited"
                ),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => log::warn!("housekeeping: {e}"),
                Err(e) => log::warn!("housekeeping: {e}"),
            }
        }
    });
    log::info!(
        "listening on http://{} (API under /api/v1, docs at /docs/)",
        config.bind
    );
    HttpServer::new(move || app(&state))
        .listen(listener)?
        .run()
        .await?;
    Ok(())
}
