//! The database layer: connection pool, embedded migrations, and a private
//! PostgreSQL cluster for running with nothing configured.

pub mod local_cluster;
pub mod schema;

use std::time::Duration;

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::sql_types::BigInt;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub type DbPool = Pool<ConnectionManager<PgConnection>>;
pub type DbConn = PooledConnection<ConnectionManager<PgConnection>>;

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

/// Builds the pool. Checkout tests are off: each costs a round trip per request,
/// and a broken connection surfaces as a query error (503) anyway.
pub fn build_pool(database_url: &str, max_size: u32) -> Result<DbPool, DbError> {
    let manager = ConnectionManager::<PgConnection>::new(database_url);
    Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(5))
        .build(manager)
        .map_err(|e| DbError::Connect(e.to_string()))
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
