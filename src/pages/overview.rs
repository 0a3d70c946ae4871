//! `Tổng quan`: a plan as of a chosen day (`service::standing::plan_summary`,
//! what `GET /api/v1/plans/{id}/summary` answers), with bars drawn here as SVG.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use maud::{html, Markup};

use super::inspect::on_time_rate;
use super::layout::{frame, Nav};
use super::{field_errors, page_response, vn_date, PageError, WebUser};
use crate::api::common::{query_date, read};
use crate::db::DbPool;
use crate::domain::ids::PlanId;
use crate::domain::policy::{authorize, Action};
use crate::service::standing::{plan_summary, Standing};
use crate::store;

/// Colours of the bars' parts; each also has its words in the legend and in
/// every bar's title, so colour is never the only cue.
const ON_TIME: &str = "#1b7f3b";
const LATE: &str = "#b36b00";
const OVERDUE: &str = "#b00020";
const OPEN: &str = "#8a8f98";

/// One row of a bar chart: its label and its standing.
pub struct Bar<'a> {
    pub label: &'a str,
    pub standing: &'a Standing,
}

/// Horizontal stacked bars (on time, late, overdue, other open), one per row,
/// scaled to the largest total: SVG drawn on the server, no script.
pub fn bars(caption: &str, rows: &[Bar<'_>]) -> Markup {
    const ROW: usize = 26;
    const LABEL: usize = 230;
    const WIDTH: usize = 640;
    let most = rows
        .iter()
        .map(|r| r.standing.total)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let scale = (WIDTH - LABEL - 40) as f64 / most;
    let height = rows.len() * ROW + 8;
    html! {
        figure {
            svg role="img" aria-label=(caption) viewBox={ "0 0 " (WIDTH) " " (height) }
                width="100%" xmlns="http://www.w3.org/2000/svg" {
                @for (i, row) in rows.iter().enumerate() {
                    @let y = i * ROW + 4;
                    @let s = row.standing;
                    @let other = (s.open - s.overdue).max(0);
                    @let parts = [
                        (s.completed_on_time, ON_TIME, "đúng hạn"),
                        (s.completed_late, LATE, "hoàn thành quá hạn"),
                        (s.overdue, OVERDUE, "quá hạn"),
                        (other, OPEN, "đang thực hiện"),
                    ];
                    g {
                        title {
                            (row.label) ": " (s.total) " nhiệm vụ; "
                            (s.completed_on_time) " đúng hạn, " (s.completed_late) " hoàn thành quá hạn, "
                            (s.overdue) " quá hạn, " (other) " đang thực hiện"
                        }
                        text x="0" y=(y + 16) font-size="13" fill="#1a1a1a" {
                            (truncate(row.label, 32))
                        }
                        @let (rects, x) = layout_parts(&parts, LABEL as f64, scale);
                        @for (x0, width, colour) in rects {
                            rect x=(format!("{x0:.1}")) y=(y) height="20"
                                width=(format!("{width:.1}")) fill=(colour) {}
                        }
                        text x=(format!("{:.1}", x + 4.0)) y=(y + 16) font-size="13" fill="#1a1a1a" {
                            (s.total)
                        }
                    }
                }
            }
            figcaption {
                (caption) ": "
                @for (colour, words) in [(ON_TIME, "hoàn thành đúng hạn"), (LATE, "hoàn thành quá hạn"), (OVERDUE, "quá hạn"), (OPEN, "đang thực hiện")] {
                    svg width="12" height="12" aria-hidden="true" { rect width="12" height="12" fill=(colour) {} }
                    " " (words) " "
                }
            }
        }
    }
}

/// Where each non-empty part of a bar starts and how wide it is, from `start`;
/// and where the bar ends.
fn layout_parts(
    parts: &[(i64, &'static str, &str)],
    start: f64,
    scale: f64,
) -> (Vec<(f64, f64, &'static str)>, f64) {
    let mut x = start;
    let mut rects = Vec::new();
    for (count, colour, _) in parts {
        if *count > 0 {
            let width = *count as f64 * scale;
            rects.push((x, width, *colour));
            x += width;
        }
    }
    (rects, x)
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(chars - 1).collect();
        cut.push('…');
        cut
    }
}

/// `/tong-quan?plan_id=…&as_of=YYYY-MM-DD`.
#[actix_web::get("/tong-quan")]
pub async fn page(
    req: HttpRequest,
    user: WebUser,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, PageError> {
    let mut plan_text = None;
    let mut day_text = None;
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        match k.as_ref() {
            "plan_id" if !v.trim().is_empty() => plan_text = Some(v.trim().to_string()),
            "as_of" if !v.trim().is_empty() => day_text = Some(v.trim().to_string()),
            _ => {}
        }
    }
    let day_error = match &day_text {
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(day) => query_date("as_of", Some(day))
                .err()
                .and_then(|e| field_errors(&e))
                .and_then(|errors| errors.first().map(|f| f.message.clone())),
            Err(_) => Some("must be a date such as 2024-06-30".into()),
        },
        None => None,
    };
    let as_of = day_text
        .as_deref()
        .filter(|_| day_error.is_none())
        .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        .unwrap_or_else(|| user.today());
    let wanted: Option<PlanId> = match &plan_text {
        Some(text) => Some(super::uuid_in_path(text)?),
        None => None,
    };
    let (plans, summary) = read(&pool, user.authenticated(), move |conn, _| {
        let plans = store::plans::list(conn, None, None, 200)?;
        let plan = wanted.or_else(|| plans.first().map(|p| p.id));
        let summary = match plan {
            Some(id) => Some(plan_summary(conn, id, as_of)?),
            None => None,
        };
        Ok((plans, summary))
    })
    .await?;
    let chosen = summary.as_ref().map(|s| s.plan_id);
    let published = plans.iter().any(|p| Some(p.id) == chosen && p.public);
    let may_publish = authorize(&user.principal, Action::PublishPlan).is_ok();
    let form = html! {
        form.card method="get" action="/tong-quan" {
            div.filters {
                div {
                    label for="plan_id" { "Kế hoạch" }
                    select id="plan_id" name="plan_id" {
                        @for p in &plans {
                            option value=(p.id) selected[Some(p.id) == chosen] { (p.code) " — " (p.title) }
                        }
                    }
                }
                div {
                    label for="as_of" { "Tính đến ngày" }
                    input id="as_of" name="as_of" type="date" value=(day_text.clone().unwrap_or_else(|| as_of.to_string()))
                        aria-invalid=[day_error.as_ref().map(|_| "true")]
                        aria-describedby=[day_error.as_ref().map(|_| "as_of-loi")];
                    @if let Some(message) = &day_error {
                        p.error id="as_of-loi" data-field="as_of" { (message) }
                    }
                }
            }
            button type="submit" { "Xem" }
        }
    };
    let body = match &summary {
        None => html! { h1 { "Tổng quan" } (form) p.muted { "Chưa có kế hoạch nào." } },
        Some(s) => {
            let mut agencies: Vec<_> = s.by_lead_agency.iter().collect();
            agencies.sort_by(|a, b| {
                on_time_rate(&b.standing)
                    .total_cmp(&on_time_rate(&a.standing))
                    .then_with(|| a.name.cmp(&b.name))
            });
            let area_names = area_names(&pool, &user).await?;
            let area_bars: Vec<Bar<'_>> = s
                .by_area
                .iter()
                .map(|a| Bar {
                    label: area_names
                        .iter()
                        .find(|(code, _)| code == a.area.as_str())
                        .map_or(a.area.as_str(), |(_, name)| name.as_str()),
                    standing: &a.standing,
                })
                .collect();
            let agency_bars: Vec<Bar<'_>> = agencies
                .iter()
                .map(|a| Bar {
                    label: &a.name,
                    standing: &a.standing,
                })
                .collect();
            html! {
                h1 { "Tổng quan" }
                (form)
                section.card aria-labelledby="tong-so" {
                    h2 id="tong-so" { "Tính đến ngày " (vn_date(s.as_of)) }
                    dl {
                        dt { "Tổng số nhiệm vụ" } dd id="tong" { (s.total) }
                        dt { "Đã hoàn thành" } dd { (s.by_status.completed) " (" (s.completion_rate) "%)" }
                        dt { "Hoàn thành đúng hạn" } dd id="dung-han" { (s.completed_on_time) }
                        dt { "Hoàn thành quá hạn" } dd id="hoan-thanh-qua-han" { (s.completed_late) }
                        dt { "Quá hạn, chưa hoàn thành" } dd id="qua-han" { (s.overdue) }
                        dt { "Đang thực hiện" } dd { (s.by_status.in_progress + s.by_status.submitted) }
                        dt { "Chưa thực hiện" } dd { (s.by_status.not_started) }
                    }
                }
                @if may_publish {
                    form.card method="post" action={ "/tong-quan/cong-khai/" (s.plan_id) } {
                        (super::csrf_field(&user.csrf_token))
                        @if published {
                            p { "Kế hoạch đang được công khai tại " a href={ "/cong-khai/" (s.plan_id) } { "trang công khai" } "." }
                            input type="hidden" name="public" value="false";
                            button.secondary type="submit" { "Thôi công khai" }
                        } @else {
                            p { "Kế hoạch chưa công khai." }
                            input type="hidden" name="public" value="true";
                            button type="submit" { "Công khai kế hoạch" }
                        }
                    }
                }
                section.card aria-labelledby="theo-linh-vuc" {
                    h2 id="theo-linh-vuc" { "Theo lĩnh vực" }
                    (bars("Nhiệm vụ theo lĩnh vực", &area_bars))
                }
                section.card aria-labelledby="theo-co-quan" {
                    h2 id="theo-co-quan" { "Cơ quan chủ trì, xếp theo tỷ lệ hoàn thành đúng hạn" }
                    (bars("Cơ quan chủ trì theo tỷ lệ đúng hạn", &agency_bars))
                }
            }
        }
    };
    let status = if day_error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(page_response(
        status,
        frame(&user, Nav::Overview, "Tổng quan", body),
    ))
}

/// Marks the plan public or private again (`service::plans::update`, as
/// `PATCH /api/v1/plans/{id}` with `{"public": …}` does).
#[actix_web::post("/tong-quan/cong-khai/{id}")]
pub async fn publish(
    user: WebUser,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let form = super::Form::parse(&body);
    user.check_csrf(&form)?;
    let id: PlanId = super::uuid_in_path(&id)?;
    let public = form.get("public") == "true";
    let patch = serde_json::json!({ "public": public }).to_string();
    let input =
        crate::api::extract::parse_json::<crate::service::plans::UpdatePlan>(patch.as_bytes())?;
    crate::api::common::act(&pool, user.authenticated(), move |conn, actor| {
        crate::service::plans::update(conn, actor, id, input)
    })
    .await?;
    Ok(super::see_other(&format!("/tong-quan?plan_id={id}")))
}

/// The reform areas' Vietnamese names, by code.
async fn area_names(
    pool: &web::Data<DbPool>,
    user: &WebUser,
) -> Result<Vec<(String, String)>, PageError> {
    Ok(read(pool, user.authenticated(), |conn, _| {
        Ok(store::agencies::list_areas(conn)?
            .into_iter()
            .map(|a| (a.code, a.name))
            .collect())
    })
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_to_the_largest_total_and_name_their_parts() {
        let a = Standing {
            total: 10,
            completed: 6,
            completed_on_time: 5,
            completed_late: 1,
            overdue: 2,
            open: 4,
        };
        let b = Standing {
            total: 5,
            ..Standing::default()
        };
        let svg = bars(
            "thử",
            &[
                Bar {
                    label: "Sở Tư pháp",
                    standing: &a,
                },
                Bar {
                    label: "Sở Nội vụ",
                    standing: &b,
                },
            ],
        )
        .into_string();
        assert!(svg.contains("Sở Tư pháp: 10 nhiệm vụ; 5 đúng hạn, 1 hoàn thành quá hạn, 2 quá hạn, 2 đang thực hiện"));
        assert_eq!(svg.matches("<rect x=").count(), 4, "{svg}");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}
