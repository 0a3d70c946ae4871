//! Pieces every handler uses: the database call, list paging, ETags, JSON bodies.

use actix_web::web;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use diesel::{Connection, PgConnection};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::db::DbPool;
use crate::error::{ApiError, ApiResult};
use crate::store::After;

/// Runs `work` in one transaction on one pooled connection, off the async
/// threads: a request's database work is a single blocking call, and it
/// commits whole or not at all.
pub async fn transaction<T, F>(pool: &web::Data<DbPool>, work: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut pooled = pool.get()?;
        let conn: &mut PgConnection = &mut pooled;
        conn.transaction(work)
    })
    .await?
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

/// A validated page request.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<After>,
}

#[derive(Serialize, Deserialize)]
struct CursorData {
    /// What the cursor was made for, so a cursor of one list or order is not used on another.
    s: String,
    k: String,
    i: Uuid,
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

pub fn page_request(
    limit: Option<i64>,
    cursor: Option<&str>,
    scope: &str,
) -> ApiResult<PageRequest> {
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
            let data: CursorData = URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .ok_or_else(|| {
                    ApiError::unprocessable("cursor", "is not a cursor returned by this list")
                })?;
            // Keys go into SQL as parameters; one PostgreSQL cannot store is refused here.
            if data.k.chars().any(char::is_control) {
                return Err(ApiError::unprocessable(
                    "cursor",
                    "is not a cursor returned by this list",
                ));
            }
            if data.s != scope {
                return Err(ApiError::unprocessable(
                    "cursor",
                    "belongs to another list or sort order",
                ));
            }
            Some(After {
                key: data.k,
                id: data.i,
            })
        }
    };
    Ok(PageRequest { limit, after })
}

/// The cursor after the last row of a full page; `None` when the page is the last.
pub fn next_cursor<T>(
    rows: &[T],
    limit: i64,
    scope: &str,
    key: impl Fn(&T) -> (String, Uuid),
) -> Option<String> {
    if (rows.len() as i64) < limit {
        return None;
    }
    let (k, i) = key(rows.last()?);
    let data = CursorData {
        s: scope.to_string(),
        k,
        i,
    };
    Some(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&data).ok()?))
}

/// Fetches one more row than the page holds, to know whether another page follows.
pub fn split_page<T>(mut rows: Vec<T>, limit: i64) -> (Vec<T>, bool) {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    (rows, more)
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

/// Builds a page from `limit + 1` fetched rows.
pub fn paged<R, T>(
    rows: Vec<R>,
    limit: i64,
    scope: &str,
    key: impl Fn(&R) -> (String, Uuid),
    map: impl FnMut(R) -> T,
) -> (Vec<T>, Option<String>) {
    let (rows, more) = split_page(rows, limit);
    let cursor = if more {
        next_cursor(&rows, limit, scope, key)
    } else {
        None
    };
    (rows.into_iter().map(map).collect(), cursor)
}

/// A strong ETag for a versioned object.
pub fn etag(id: Uuid, version: i32) -> String {
    format!("\"{id}-{version}\"")
}
