use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::common::read;
use crate::api::docs::ReadErrors;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::store;

/// A reform area (lĩnh vực CCHC), or the plan's direction section.
#[derive(Debug, Serialize, ToSchema)]
pub struct Area {
    /// Stable code used in task bodies and filters, e.g. `admin_procedure`.
    pub code: String,
    /// Vietnamese name as plans write it.
    pub name: String,
    /// `false` for `direction` (chỉ đạo, điều hành): a section of the plan that
    /// tasks may belong to, not one of the six reform areas.
    pub is_reform_area: bool,
}

/// The direction section and the six reform areas, in the order plans list them.
#[utoipa::path(tag = "reference", security(("bearer" = [])), responses((status = 200, body = Vec<Area>), ReadErrors))]
#[get("/areas")]
pub async fn list_areas(
    who: Authenticated,
    pool: web::Data<DbPool>,
) -> ApiResult<web::Json<Vec<Area>>> {
    let rows = read(&pool, who, |conn, _| Ok(store::agencies::list_areas(conn)?)).await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|r| Area {
                code: r.code,
                name: r.name,
                is_reform_area: r.is_reform_area,
            })
            .collect(),
    ))
}
