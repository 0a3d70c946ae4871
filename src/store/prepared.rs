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
use diesel::{QueryResult, RunQueryDsl};

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
