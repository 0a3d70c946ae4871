use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Agency, AgencyPage};
use crate::api::common::{page_request, paged, read};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::AgencyKind;
use crate::domain::ids::AgencyId;
use crate::error::ApiResult;
use crate::store;
use crate::store::After;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AgencyListParams {
    /// Only agencies of this kind.
    pub kind: Option<AgencyKind>,
    /// Only agencies directly under this one.
    #[param(value_type = Option<Uuid>)]
    pub parent_id: Option<AgencyId>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// Agencies, by code.
#[utoipa::path(
    tag = "agencies",
    security(("bearer" = [])),
    params(AgencyListParams),
    responses((status = 200, body = AgencyPage), ReadErrors)
)]
#[get("/agencies")]
pub async fn list_agencies(
    who: Authenticated,
    pool: web::Data<DbPool>,
    params: QueryParams<AgencyListParams>,
) -> ApiResult<web::Json<AgencyPage>> {
    let params = params.into_inner();
    let page = page_request(params.limit, params.cursor.as_deref(), "agencies")?;
    let limit = page.limit;
    let (rows, links) = read(&pool, who, move |conn, _| {
        let rows = store::agencies::list(
            conn,
            params.kind,
            params.parent_id,
            page.after.as_ref(),
            limit + 1,
        )?;
        let ended: Vec<_> = rows
            .iter()
            .filter(|r| r.valid_to.is_some())
            .map(|r| r.id)
            .collect();
        let links = if ended.is_empty() {
            Vec::new()
        } else {
            store::agencies::successors_of(conn, &ended)?
        };
        Ok((rows, links))
    })
    .await?;
    let (mut items, next_cursor) = paged(
        rows,
        limit,
        "agencies",
        |r| After {
            key: r.code.clone(),
            id: r.id,
        },
        Agency::from,
    );
    for agency in &mut items {
        agency.successor_ids = links
            .iter()
            .filter(|(p, _)| *p == agency.id)
            .map(|(_, s)| *s)
            .collect();
    }
    Ok(web::Json(AgencyPage { items, next_cursor }))
}
