use actix_web::{post, web};

use super::Period;
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::PeriodId;
use crate::error::ApiResult;
use crate::service::periods;

/// Closes a period (coordinator): every task's standing on `data_to` and the
/// plan summary then are copied, and the period shows only that copy from now
/// on, whatever changes later. Closing twice is 409.
#[utoipa::path(
    tag = "periods",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Period id")),
    responses((status = 200, body = Period), WriteErrors)
)]
#[post("/periods/{id}/close")]
pub async fn close_period(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<PeriodId>,
) -> ApiResult<web::Json<Period>> {
    let id = id.into_inner();
    let period = act(&pool, who, move |conn, actor| {
        periods::close(conn, actor, id)
    })
    .await?;
    Ok(web::Json(period))
}
