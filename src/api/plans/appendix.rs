use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;

use super::summary::SummaryParams;
use crate::api::common::{query_date, read};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::api::sheets::{appendix_xlsx, XLSX};
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::error::DomainError;
use crate::domain::ids::PlanId;
use crate::domain::sheet::content_disposition;
use crate::error::ApiResult;
use crate::service::sheets;

/// The plan's task appendix as an XLSX workbook, as a year-end report prints it
/// ("PHỤ LỤC … KẾT QUẢ THỰC HIỆN KẾ HOẠCH CCHC"): a heading row per area with a Roman
/// numeral in the order of `/areas`, then STT | Nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp
/// | Thời hạn | Kết quả, sản phẩm | Tình hình thực hiện (`status_label`) | Văn bản kiểm chứng
/// (the evidence's document numbers) | Ghi chú, and the totals. A4 landscape, the header row
/// repeated on every page and frozen, wrapped text, Times New Roman. As of `as_of`.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id"), SummaryParams),
    responses(
        (status = 200, description = "The appendix",
            headers(("Content-Disposition" = String, description = "`attachment` with the Vietnamese file name (`filename*`) and an ASCII one")),
            content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        ),
        ReadErrors
    )
)]
#[get("/plans/{id}/appendix")]
pub async fn plan_appendix(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<PlanId>,
    params: QueryParams<SummaryParams>,
) -> ApiResult<HttpResponse> {
    let plan_id = id.into_inner();
    let as_of = query_date("as_of", params.as_of.map(NaiveDate::from))?.unwrap_or(who.today());
    let (name, file) = read(&pool, who, move |conn, _| {
        let appendix = sheets::appendix(conn, plan_id, as_of)?;
        let file = appendix_xlsx(&appendix)
            .map_err(|e| DomainError::Internal(format!("writing the appendix: {e}")))?;
        let name = format!(
            "Phụ lục kết quả thực hiện kế hoạch CCHC năm {} ({}).xlsx",
            appendix.plan.year, appendix.plan.code
        );
        Ok((name, file))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header((header::CONTENT_DISPOSITION, content_disposition(&name)))
        .body(file))
}
