//! The database layer: connection pool, embedded migrations, and a private
//! PostgreSQL cluster for running with nothing configured.

pub mod local_cluster;
pub mod reads;
pub mod schema;

use std::time::Duration;

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::BigInt;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::domain::error::{DomainError, DomainResult};

pub type DbPool = Pool<ConnectionManager<PgConnection>>;
pub type DbConn = PooledConnection<ConnectionManager<PgConnection>>;

/// Whether `e` means the connection or the server is gone (not a problem with
/// the statement): the server restarting, crashing, refusing, or unreachable.
pub fn is_connection_error(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        DieselError::DatabaseError(_, info) => {
            // Sent by a server going down (SQLSTATE 57P01-57P03) or refusing (53300),
            // which diesel reports as Unknown.
            let message = info.message();
            [
                "terminating connection",
                "the database system is",
                "server closed the connection",
                "no connection to the server",
                "too many clients",
                "could not receive data",
                "could not send data",
            ]
            .iter()
            .any(|m| message.contains(m))
        }
        _ => false,
    }
}

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Key of the advisory lock held while migrating, so nodes starting together
/// apply each migration exactly once. (Arbitrary, constant: "PARTRACK" in hex-ish.)
const MIGRATION_LOCK_KEY: i64 = 0x5041_5254_5241_434b;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("migration failed: {0}")]
    Migrate(String),
}

/// How long a request waits for a connection before it is told 503. The pool
/// retries a failed connect after at most half of it, so service resumes
/// within about 0.75 s of the database accepting connections again.
pub const CHECKOUT_TIMEOUT: Duration = Duration::from_millis(1500);

/// Builds the pool. Checkout tests are off (each would cost a round trip per
/// request): a connection that fails at the connection level is left broken
/// by diesel and dropped by the pool, and work that never started is retried
/// on another (`transaction`).
pub fn build_pool(database_url: &str, max_size: u32) -> Result<DbPool, DbError> {
    let manager = ConnectionManager::<PgConnection>::new(database_url);
    Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .test_on_check_out(false)
        .connection_timeout(CHECKOUT_TIMEOUT)
        .connection_customizer(Box::new(GenericPlans))
        .error_handler(Box::new(QuietErrors))
        .build(manager)
        .map_err(|e| DbError::Connect(e.to_string()))
}

/// Every statement the app sends is prepared once per connection (diesel's
/// statement cache); this makes PostgreSQL plan it once as well. Left to
/// itself it re-plans a statement with parameters on every call whenever a
/// generic plan looks costlier on paper (any `LIMIT $n` does), and planning
/// the task view costs ten times running it.
#[derive(Debug)]
struct GenericPlans;

impl diesel::r2d2::CustomizeConnection<PgConnection, diesel::r2d2::Error> for GenericPlans {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        diesel::sql_query("SET plan_cache_mode = force_generic_plan")
            .execute(conn)
            .map(|_| ())
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Connection failures while the database is down are reported per request
/// (503); the pool's own retries log at debug level only.
#[derive(Debug)]
struct QuietErrors;

impl<E: std::fmt::Display> diesel::r2d2::HandleError<E> for QuietErrors {
    fn handle_error(&self, error: E) {
        log::debug!("database connection failed: {error}");
    }
}

/// Runs `work` in one transaction on a pooled connection. A connection that
/// turns out dead before `work` started (idle while the server restarted) is
/// discarded and the next one tried, so the first request after the database
/// comes back succeeds; once `work` has run, a failure is final (it may have
/// been half-sent) and the connection is discarded.
pub fn transaction<T>(
    pool: &DbPool,
    work: impl FnOnce(&mut PgConnection) -> DomainResult<T>,
) -> DomainResult<T> {
    let mut work = Some(work);
    let mut attempts = pool.max_size() + 1;
    loop {
        let mut conn = pool
            .get()
            .map_err(|e| DomainError::Unavailable(format!("no database connection: {e}")))?;
        let result = conn.transaction(|c| match work.take() {
            Some(work) => work(c),
            None => Err(DomainError::Internal("a unit of work ran twice".into())),
        });
        match result {
            Err(DomainError::Unavailable(cause)) => {
                // diesel has marked the connection broken: the pool drops it.
                drop(conn);
                attempts -= 1;
                if work.is_none() || attempts == 0 {
                    return Err(DomainError::Unavailable(cause));
                }
                log::debug!("discarding a dead database connection: {cause}");
            }
            other => return other,
        }
    }
}

/// Runs read-only `work` on a pooled connection, without a transaction (its
/// statements need no common snapshot). A dead connection is discarded and
/// the work run again on another: reading twice changes nothing.
pub fn read<T>(
    pool: &DbPool,
    mut work: impl FnMut(&mut PgConnection) -> DomainResult<T>,
) -> DomainResult<T> {
    let mut attempts = pool.max_size() + 1;
    loop {
        let mut conn = pool
            .get()
            .map_err(|e| DomainError::Unavailable(format!("no database connection: {e}")))?;
        match work(&mut conn) {
            Err(DomainError::Unavailable(cause)) => {
                // A failed statement on a dead connection leaves it broken: the pool drops it.
                drop(conn);
                attempts -= 1;
                if attempts == 0 {
                    return Err(DomainError::Unavailable(cause));
                }
            }
            other => return other,
        }
    }
}

/// Applies pending migrations under a session-level advisory lock.
/// Returns the versions applied by this call (empty when another node did it).
pub fn run_migrations(database_url: &str) -> Result<Vec<String>, DbError> {
    let mut conn =
        PgConnection::establish(database_url).map_err(|e| DbError::Connect(e.to_string()))?;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
        .execute(&mut conn)
        .map_err(|e| DbError::Migrate(e.to_string()))?;
    let result = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|versions| versions.iter().map(|v| v.to_string()).collect())
        .map_err(|e| DbError::Migrate(e.to_string()));
    // The lock also ends with the session; unlocking explicitly just frees it sooner.
    let _ = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
        .execute(&mut conn);
    result
}
