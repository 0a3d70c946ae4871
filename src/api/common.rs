//! Pieces every handler uses: the database call, list paging, ETags, JSON bodies.

use actix_web::web;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use diesel::PgConnection;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::error::{DomainError, DomainResult, ProblemType};
use crate::domain::policy::Principal;
use crate::error::{ApiError, ApiResult};
use crate::service::auth::confirm;
use crate::service::Actor;

/// Runs `work` in one transaction on one pooled connection, off the async
/// threads: a request's database work is a single blocking call, and it
/// commits whole or not at all.
pub async fn transaction<T, F>(pool: &web::Data<DbPool>, work: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut PgConnection) -> DomainResult<T> + Send + 'static,
{
    let pool = pool.clone();
    Ok(web::block(move || crate::db::transaction(&pool, work)).await??)
}

/// Runs a use case as the caller, now, in one transaction, after confirming
/// the caller's account on the same connection.
pub async fn act<T, F>(pool: &web::Data<DbPool>, who: Authenticated, work: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut PgConnection, &Actor<'_>) -> DomainResult<T> + Send + 'static,
{
    let Authenticated { principal, now } = who;
    transaction(pool, move |conn| {
        let principal = confirm(conn, &principal)?;
        work(conn, &Actor::new(&principal, now))
    })
    .await
}

/// Runs read-only work for the caller, without a transaction, after
/// confirming the caller's account on the same connection: one checkout and
/// one blocking hop for the whole request.
pub async fn read<T, F>(pool: &web::Data<DbPool>, who: Authenticated, work: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnMut(&mut PgConnection, &Principal) -> DomainResult<T> + Send + 'static,
{
    let mut work = work;
    read_confirming(pool, who, move |conn, claimed| {
        let principal = confirm(conn, claimed)?;
        work(conn, &principal)
    })
    .await
}

/// As `read`, for work that confirms the caller's account itself (it is
/// handed the principal the token claims, unconfirmed), so that it can read
/// the account in the statement that reads its data: see
/// `service::tasks::get_for`.
pub async fn read_confirming<T, F>(
    pool: &web::Data<DbPool>,
    who: Authenticated,
    work: F,
) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnMut(&mut PgConnection, &Principal) -> DomainResult<T> + Send + 'static,
{
    let pool = pool.clone();
    let claimed = who.principal;
    let mut work = work;
    Ok(web::block(move || crate::db::read(&pool, |conn| work(conn, &claimed))).await??)
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Paging parameters shared by every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; absent for the first page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// A validated page request: the size, and where the previous page ended.
#[derive(Debug, Clone)]
pub struct PageRequest<A> {
    pub limit: i64,
    pub after: Option<A>,
}

#[derive(Serialize, Deserialize)]
struct CursorData<A> {
    /// What the cursor was made for, so a cursor of one list or order is not used on another.
    s: String,
    /// The typed position (`store::After`).
    a: A,
}

fn foreign_cursor(message: &str) -> ApiError {
    DomainError::unprocessable_as(ProblemType::InvalidCursor, "cursor", message).into()
}

/// A date from a query string that PostgreSQL can hold: years 0000-9999, as
/// `YYYY-MM-DD` allows (chrono alone would also read signed, six-digit years).
pub fn query_date(
    field: &str,
    value: Option<chrono::NaiveDate>,
) -> ApiResult<Option<chrono::NaiveDate>> {
    use chrono::Datelike;
    match value {
        Some(d) if !(0..=9999).contains(&d.year()) => {
            Err(ApiError::field(field, "must be a date such as 2024-06-30"))
        }
        other => Ok(other),
    }
}

/// Reads `limit` and `cursor`. A cursor must decode into the list's own
/// position type (so every key has its type before any query) and name `scope`.
pub fn page_request<A: DeserializeOwned>(
    limit: Option<i64>,
    cursor: Option<&str>,
    scope: &str,
) -> ApiResult<PageRequest<A>> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let after = match cursor.filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => {
            let data: CursorData<A> = URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .ok_or_else(|| foreign_cursor("is not a cursor returned by this list"))?;
            if data.s != scope {
                return Err(foreign_cursor("belongs to another list or sort order"));
            }
            Some(data.a)
        }
    };
    Ok(PageRequest { limit, after })
}

/// The scope of a list's cursors: the list's name and a digest of its sort
/// and filters, so a cursor used with other filters is refused instead of
/// mixing two lists.
pub fn list_scope(list: &str, filters: &impl std::fmt::Debug) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{filters:?}").as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{list}:{hex}")
}

/// The opaque cursor for position `after` in the list `scope`.
pub fn cursor_of<A: Serialize>(scope: &str, after: A) -> Option<String> {
    let data = CursorData {
        s: scope.to_string(),
        a: after,
    };
    Some(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&data).ok()?))
}

macro_rules! page_type {
    ($name:ident, $item:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; `null` on the last page.
            pub next_cursor: Option<String>,
        }
    };
}
pub(crate) use page_type;

/// Builds a page from `limit + 1` fetched rows: the items, and the cursor
/// after the last one when more follow.
pub fn paged<R, T, A: Serialize>(
    mut rows: Vec<R>,
    limit: i64,
    scope: &str,
    position: impl Fn(&R) -> A,
    map: impl FnMut(R) -> T,
) -> (Vec<T>, Option<String>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let cursor = rows
        .last()
        .filter(|_| more)
        .and_then(|last| cursor_of(scope, position(last)));
    (rows.into_iter().map(map).collect(), cursor)
}
