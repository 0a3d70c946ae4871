//! Statements that PostgreSQL parses and plans once per connection: diesel
//! caches its own query-builder reads, but never `sql_query`, an `INSERT` of
//! a struct or an `UPDATE`, which are parsed and planned on every call. The
//! task view is built as SQL text (its filters vary), so each distinct text
//! is prepared once and reused; values are bound, never written into the
//! text (a page's `LIMIT`, one of a few sizes, is the one exception), which
//! keeps the texts few. The hot writes (a report, its audit and outbox rows,
//! the task's new version) are prepared the same way.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{PgConnection, QueryResult, RunQueryDsl};

/// `query`, marked safe for diesel's per-connection statement cache.
#[derive(Debug, Clone)]
pub struct Prepared<Q>(pub Q);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    // The text of these queries depends only on which filters are present,
    // never on values, so the text is a sound cache key.
    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    // No static id: the cache keys these statements by their SQL text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for Prepared<Q> {}

impl<Q: QueryFragment<Pg>> Prepared<Q> {
    /// Runs a statement that returns no rows, through the statement cache.
    /// (diesel's own `execute`, which this shadows, hands the statement to
    /// the connection by reference; a reference answers whether it may be
    /// cached by walking the statement, and an `INSERT` or a `sql_query`
    /// answers no: such statements were parsed and planned on every call.)
    pub fn execute(self, conn: &mut PgConnection) -> QueryResult<()> {
        use diesel::connection::{DefaultLoadingMode, LoadConnection};
        // `load` takes the statement by value, which keeps the answer above.
        let rows = LoadConnection::<DefaultLoadingMode>::load(conn, NoRows(self))?;
        drop(rows);
        Ok(())
    }
}

/// A statement read as one returning no rows (`Prepared::execute`).
struct NoRows<Q>(Prepared<Q>);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for NoRows<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, backend: &Pg) -> QueryResult<bool> {
        self.0.is_safe_to_cache_prepared(backend)
    }
}

impl<Q> QueryId for NoRows<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> Query for NoRows<Q> {
    type SqlType = diesel::sql_types::Untyped;
}
