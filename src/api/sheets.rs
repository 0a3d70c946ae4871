//! Task lists as files: which format a request wants (`Accept`, `?format=`),
//! CSV streamed page by page as the keyset pages are read, XLSX written row by
//! row through a temporary file, both sent with a Vietnamese file name.

use std::io::{Read, Seek, SeekFrom};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;
use diesel::PgConnection;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use serde::Deserialize;
use tokio::sync::{mpsc, OwnedSemaphorePermit};
use utoipa::ToSchema;

use crate::api::common::read;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::deadline::date_vi;
use crate::domain::enums::ReformArea;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::sheet::{
    content_disposition, guard_cell, has_header, CellValue, Grid, MAX_GRID_COLUMNS, MAX_GRID_ROWS,
};
use crate::error::ApiResult;
use crate::service::tasks::{Task, TaskPosition};
use crate::service::Page;
use crate::store;

pub const CSV: &str = "text/csv; charset=utf-8";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Rows read per page while exporting.
const PAGE: i64 = 1000;
/// Exports a node runs at once. Each holds a blocking thread while its client
/// reads (the bounded channel keeps it a few pages ahead, no more): beyond
/// these, an export is told 503 with `Retry-After`, so slow downloads cannot
/// take the threads every request's database work runs on.
pub const MAX_EXPORTS: usize = 8;

/// The places for exports on this node (app data).
pub struct Exports(Arc<tokio::sync::Semaphore>);

impl Default for Exports {
    fn default() -> Exports {
        Exports(Arc::new(tokio::sync::Semaphore::new(MAX_EXPORTS)))
    }
}

/// A place among the exports running now, or 503.
fn export_permit(req: &HttpRequest) -> ApiResult<OwnedSemaphorePermit> {
    let exports = req
        .app_data::<web::Data<Exports>>()
        .ok_or_else(|| crate::error::ApiError::internal("no export places configured"))?;
    exports
        .0
        .clone()
        .try_acquire_owned()
        .map_err(|_| crate::error::ApiError::Busy {
            retry_after_seconds: 5,
            detail: "the server is sending as many exports as it can; retry in a moment",
        })
}

/// Rows a worksheet holds, the header included.
const XLSX_MAX_ROWS: usize = 1_048_576;
/// The font official documents use.
pub const FONT: &str = "Times New Roman";

/// `?format=`: a file instead of the JSON page (for links; `Accept` does the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// `text/csv`: UTF-8 with a BOM, CRLF line ends, every page of the list.
    Csv,
    /// An Excel workbook (`.xlsx`), every page of the list.
    Xlsx,
}

/// What the caller asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Json,
    File(ExportFormat),
}

/// `?format=` wins; else the `Accept` type with the highest `q` among JSON,
/// CSV and XLSX (the first on a tie); else JSON.
pub fn wanted(req: &HttpRequest, format: Option<ExportFormat>) -> Wanted {
    if let Some(format) = format {
        return Wanted::File(format);
    }
    let accept = req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let mut best: Option<(f32, Wanted)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let kind = match media.as_str() {
            "text/csv" | "text/*" => Wanted::File(ExportFormat::Csv),
            m if m == XLSX => Wanted::File(ExportFormat::Xlsx),
            "application/json" | "application/*" | "*/*" => Wanted::Json,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, kind));
        }
    }
    best.map(|(_, w)| w).unwrap_or(Wanted::Json)
}

/// A cell of a sheet.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    fn text(value: impl Into<String>) -> Cell {
        Cell::Text(value.into())
    }
}

/// The reform areas' Vietnamese names, read once per export.
pub struct Areas(Vec<(String, String)>);

impl Areas {
    pub fn read(conn: &mut PgConnection) -> DomainResult<Areas> {
        let rows = store::agencies::list_areas(conn)?;
        Ok(Areas(rows.into_iter().map(|r| (r.code, r.name)).collect()))
    }

    pub fn name(&self, area: ReformArea) -> &str {
        self.0
            .iter()
            .find(|(code, _)| code == area.as_str())
            .map(|(_, name)| name.as_str())
            .unwrap_or(area.as_str())
    }

    /// Codes and names in the order plans list them.
    pub fn in_order(&self) -> impl Iterator<Item = (ReformArea, &str)> {
        self.0
            .iter()
            .filter_map(|(code, name)| Some((ReformArea::parse(code)?, name.as_str())))
    }
}

/// The columns of an exported task list: header and width (characters).
pub const TASK_COLUMNS: [(&str, f64); 12] = [
    ("Mã", 9.0),
    ("Nhiệm vụ", 50.0),
    ("Lĩnh vực", 22.0),
    ("Cơ quan chủ trì", 22.0),
    ("Cơ quan phối hợp", 26.0),
    ("Thời hạn", 13.0),
    ("Hạn đang áp dụng", 12.0),
    ("Kết quả, sản phẩm", 30.0),
    ("Tình hình thực hiện", 18.0),
    ("Tiến độ (%)", 8.0),
    ("Ngày hoàn thành", 12.0),
    ("Số ngày quá hạn", 9.0),
];

/// One task as a line of the exported list.
pub fn task_line(task: &Task, areas: &Areas) -> Vec<Cell> {
    let supporting: Vec<&str> = task
        .supporting_agencies
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    vec![
        Cell::text(&task.code),
        Cell::text(&task.title),
        Cell::text(areas.name(task.area)),
        Cell::text(&task.lead_agency.name),
        Cell::text(supporting.join("; ")),
        Cell::text(&task.deadline.label),
        Cell::Date(task.due_on),
        Cell::text(&task.expected_output),
        Cell::text(task.status_label.as_str()),
        Cell::Number(task.progress_percent.into()),
        task.completed_on.map(Cell::Date).unwrap_or(Cell::Empty),
        Cell::Number(task.days_overdue.into()),
    ]
}

/// How an export reads its list: one keyset page after a position.
pub trait Pages<R>:
    FnMut(&mut PgConnection, Option<&TaskPosition>, i64) -> DomainResult<Page<R, TaskPosition>>
    + Clone
    + Send
    + 'static
{
}

impl<R, F> Pages<R> for F where
    F: FnMut(&mut PgConnection, Option<&TaskPosition>, i64) -> DomainResult<Page<R, TaskPosition>>
        + Clone
        + Send
        + 'static
{
}

/// What an export writes: the file's name (without extension), the sheet's
/// columns and how a row becomes a line.
pub struct Export<R> {
    pub name: String,
    pub columns: Vec<(&'static str, f64)>,
    pub line: fn(&R, &Areas) -> Vec<Cell>,
}

/// Answers with the whole list as a file: the first page is read before
/// anything is sent (so a refusal is still a problem document); CSV then
/// streams each further page as it is read, XLSX is finished before it is sent.
pub async fn export<R, F>(
    req: &HttpRequest,
    pool: &web::Data<DbPool>,
    who: Authenticated,
    format: ExportFormat,
    export: Export<R>,
    fetch: F,
) -> ApiResult<HttpResponse>
where
    R: Send + 'static,
    F: Pages<R>,
{
    let permit = export_permit(req)?;
    let mut first_fetch = fetch.clone();
    let (first, areas) = read(pool, who, move |conn, _| {
        Ok((first_fetch(conn, None, PAGE)?, Areas::read(conn)?))
    })
    .await?;
    let read = FirstPage {
        first,
        areas,
        fetch,
        permit,
    };
    match format {
        ExportFormat::Csv => export_csv(pool, export, read),
        ExportFormat::Xlsx => export_xlsx(pool, export, read).await,
    }
}

/// An export once its first page is read: the rest is read with `fetch`.
struct FirstPage<R, F> {
    first: Page<R, TaskPosition>,
    areas: Areas,
    fetch: F,
    /// The export's place among those running, held until the last byte is handed over.
    permit: OwnedSemaphorePermit,
}

fn csv_bytes(lines: impl IntoIterator<Item = Vec<String>>) -> DomainResult<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for line in lines {
        writer
            .write_record(line.iter().map(|c| guard_cell(c).into_owned()))
            .map_err(|e| DomainError::Internal(format!("writing CSV: {e}")))?;
    }
    writer
        .into_inner()
        .map_err(|e| DomainError::Internal(format!("writing CSV: {e}")))
}

fn csv_text(cell: Cell) -> String {
    match cell {
        Cell::Text(t) => t,
        Cell::Number(n) => n.to_string(),
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        Cell::Empty => String::new(),
    }
}

fn csv_page<R>(rows: &[R], export: &Export<R>, areas: &Areas) -> DomainResult<Vec<u8>> {
    csv_bytes(
        rows.iter()
            .map(|r| (export.line)(r, areas).into_iter().map(csv_text).collect()),
    )
}

fn export_csv<R, F>(
    pool: &web::Data<DbPool>,
    export: Export<R>,
    read: FirstPage<R, F>,
) -> ApiResult<HttpResponse>
where
    R: Send + 'static,
    F: Pages<R>,
{
    let FirstPage {
        first,
        areas,
        fetch,
        permit,
    } = read;
    let mut head = "\u{feff}".as_bytes().to_vec();
    head.extend(csv_bytes([export
        .columns
        .iter()
        .map(|(h, _)| h.to_string())
        .collect()])?);
    head.extend(csv_page(&first.items, &export, &areas)?);
    let disposition = content_disposition(&format!("{}.csv", export.name));
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    if let Some(after) = first.next {
        let pool = pool.clone();
        let mut fetch = fetch;
        actix_web::rt::task::spawn_blocking(move || {
            // held until the last page is sent or the client is gone
            let _permit = permit;
            let mut after = after;
            loop {
                let page = crate::db::read(&pool, |conn| fetch(conn, Some(&after), PAGE))
                    .and_then(|page| Ok((csv_page(&page.items, &export, &areas)?, page.next)));
                let (bytes, next) = match page {
                    Ok(done) => done,
                    Err(e) => {
                        log::warn!("CSV export stopped: {e}");
                        let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
                        return;
                    }
                };
                // the client went away: stop reading
                if tx.blocking_send(Ok(Bytes::from(bytes))).is_err() {
                    return;
                }
                match next {
                    Some(n) => after = n,
                    None => return,
                }
            }
        });
    }
    Ok(HttpResponse::Ok()
        .content_type(CSV)
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .body(ChannelBody {
            first: Some(Bytes::from(head)),
            rx,
        }))
}

/// A response body fed by a producer thread, one chunk at a time; the
/// bounded channel keeps the producer at most a few pages ahead of the client.
pub struct ChannelBody {
    first: Option<Bytes>,
    rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
}

impl MessageBody for ChannelBody {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        if let Some(first) = this.first.take() {
            return Poll::Ready(Some(Ok(first)));
        }
        this.rx.poll_recv(cx)
    }
}

fn xlsx_error(e: XlsxError) -> DomainError {
    DomainError::Internal(format!("writing XLSX: {e}"))
}

/// The formats of a sheet in the official style.
pub struct Styles {
    pub title: Format,
    pub header: Format,
    pub text: Format,
    pub centred: Format,
    pub date: Format,
    pub heading: Format,
}

impl Styles {
    pub fn new() -> Styles {
        let base = Format::new()
            .set_font_name(FONT)
            .set_font_size(12)
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter);
        let cell = base.clone().set_border(FormatBorder::Thin);
        Styles {
            title: base
                .clone()
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::Center),
            header: cell.clone().set_bold().set_align(FormatAlign::Center),
            text: cell.clone(),
            centred: cell.clone().set_align(FormatAlign::Center),
            date: cell
                .clone()
                .set_num_format("dd/mm/yyyy")
                .set_align(FormatAlign::Center),
            heading: cell.set_bold(),
        }
    }
}

impl Default for Styles {
    fn default() -> Self {
        Styles::new()
    }
}

/// Writes a line of cells at `row`.
pub fn write_line(
    sheet: &mut Worksheet,
    row: u32,
    cells: Vec<Cell>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    for (col, cell) in cells.into_iter().enumerate() {
        let col = col as u16;
        match cell {
            Cell::Text(t) => {
                sheet.write_string_with_format(row, col, guard_cell(&t), &styles.text)?
            }
            Cell::Number(n) => sheet.write_number_with_format(row, col, n, &styles.centred)?,
            Cell::Date(d) => {
                use chrono::Datelike;
                let date = rust_xlsxwriter::ExcelDateTime::from_ymd(
                    d.year() as u16,
                    d.month() as u8,
                    d.day() as u8,
                )?;
                sheet.write_datetime_with_format(row, col, &date, &styles.date)?
            }
            Cell::Empty => sheet.write_blank(row, col, &styles.text)?,
        };
    }
    Ok(())
}

/// A4 landscape, the header row repeated on every page and frozen, every
/// column printed on one page's width.
pub fn print_setup(sheet: &mut Worksheet, header_row: u32) -> Result<(), XlsxError> {
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    sheet.set_repeat_rows(header_row, header_row)?;
    sheet.set_freeze_panes(header_row + 1, 0)?;
    Ok(())
}

/// A finished workbook in an unnamed temporary file, and the name to send it under.
pub struct Finished {
    pub file: std::fs::File,
    pub name: String,
}

/// Sends a finished workbook in chunks, holding the export's place until done.
pub fn send_file(finished: Finished, permit: OwnedSemaphorePermit) -> HttpResponse {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let mut file = finished.file;
    actix_web::rt::task::spawn_blocking(move || {
        let _permit = permit;
        if let Err(e) = file.seek(SeekFrom::Start(0)) {
            let _ = tx.blocking_send(Err(e));
            return;
        }
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            match file.read(&mut buffer) {
                Ok(0) => return,
                Ok(n) => {
                    if tx
                        .blocking_send(Ok(Bytes::copy_from_slice(&buffer[..n])))
                        .is_err()
                    {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(&format!("{}.xlsx", finished.name)),
        ))
        .body(ChannelBody { first: None, rx })
}

/// Saves a workbook into an unnamed temporary file.
pub fn save(workbook: &mut Workbook, name: String) -> DomainResult<Finished> {
    let mut file = tempfile::tempfile()
        .map_err(|e| DomainError::Internal(format!("temporary file for XLSX: {e}")))?;
    workbook.save_to_writer(&mut file).map_err(xlsx_error)?;
    Ok(Finished { file, name })
}

async fn export_xlsx<R, F>(
    pool: &web::Data<DbPool>,
    export: Export<R>,
    read: FirstPage<R, F>,
) -> ApiResult<HttpResponse>
where
    R: Send + 'static,
    F: Pages<R>,
{
    let FirstPage {
        first,
        areas,
        fetch,
        permit,
    } = read;
    let pool = pool.clone();
    let finished = web::block(move || -> DomainResult<Finished> {
        let styles = Styles::new();
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory();
        sheet.set_name("Nhiệm vụ").map_err(xlsx_error)?;
        for (col, (_, width)) in export.columns.iter().enumerate() {
            sheet
                .set_column_width(col as u16, *width)
                .map_err(xlsx_error)?;
        }
        print_setup(sheet, 0).map_err(xlsx_error)?;
        let headers = export.columns.iter().map(|(h, _)| Cell::text(*h)).collect();
        write_header(sheet, 0, headers, &styles).map_err(xlsx_error)?;
        let mut row = 1u32;
        let mut page = first;
        let mut fetch = fetch;
        loop {
            if row as usize + page.items.len() > XLSX_MAX_ROWS {
                return Err(DomainError::rule(
                    "format",
                    format!(
                        "the list has more than {} tasks, more than one sheet holds; \
                         export it as CSV or narrow the filters",
                        XLSX_MAX_ROWS - 1
                    ),
                ));
            }
            for item in &page.items {
                write_line(sheet, row, (export.line)(item, &areas), &styles).map_err(xlsx_error)?;
                row += 1;
            }
            match page.next {
                Some(after) => {
                    page = crate::db::read(&pool, |conn| fetch(conn, Some(&after), PAGE))?;
                }
                None => break,
            }
        }
        save(&mut workbook, export.name)
    })
    .await??;
    Ok(send_file(finished, permit))
}

/// Writes the header row.
pub fn write_header(
    sheet: &mut Worksheet,
    row: u32,
    cells: Vec<Cell>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    for (col, cell) in cells.into_iter().enumerate() {
        if let Cell::Text(t) = cell {
            sheet.write_string_with_format(row, col as u16, &t, &styles.header)?;
        }
    }
    Ok(())
}

/// A day as a file name part: `31-12-2023`.
pub fn day_for_file(day: NaiveDate) -> String {
    date_vi(day).replace('/', "-")
}

/// The appendix's columns: header and width (characters).
pub const APPENDIX_COLUMNS: [(&str, f64); 9] = [
    ("STT", 6.0),
    ("Nhiệm vụ", 44.0),
    ("Cơ quan chủ trì", 18.0),
    ("Cơ quan phối hợp", 22.0),
    ("Thời hạn", 12.0),
    ("Kết quả, sản phẩm", 26.0),
    ("Tình hình thực hiện", 16.0),
    ("Văn bản kiểm chứng", 20.0),
    ("Ghi chú", 16.0),
];

/// "Ghi chú": the day the work was finished, a deadline moved by an extension.
fn appendix_note(task: &Task) -> String {
    let mut notes = Vec::new();
    if let Some(on) = task.completed_on {
        notes.push(format!("Hoàn thành ngày {}", date_vi(on)));
    }
    if task.due_on != task.original_due_on {
        notes.push(format!("Gia hạn đến {}", date_vi(task.due_on)));
    }
    notes.join("; ")
}

/// "Tổng số: 64 nhiệm vụ; đã hoàn thành: 64 (đúng hạn: 60, quá hạn: 4); …".
pub fn appendix_totals(appendix: &crate::service::sheets::Appendix) -> String {
    use crate::domain::overdue::StatusLabel::*;
    let counts = appendix.counts();
    let n = |label| {
        counts
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    format!(
        "Tổng số: {} nhiệm vụ; đã hoàn thành: {} (đúng hạn: {}, quá hạn: {}); đang thực hiện: {} (trong hạn: {}, quá hạn: {}); chưa thực hiện: {}; đã hủy: {}.",
        appendix.total(),
        n(CompletedOnTime) + n(CompletedLate),
        n(CompletedOnTime),
        n(CompletedLate),
        n(InProgressOnTime) + n(InProgressLate),
        n(InProgressOnTime),
        n(InProgressLate),
        n(NotStarted),
        n(Cancelled),
    )
}

/// The plan's task appendix as a year-end report prints it: a title, the
/// header row (repeated on every printed page, frozen), a heading row per
/// area with a Roman numeral, the tasks numbered through, and the totals.
pub fn appendix_xlsx(appendix: &crate::service::sheets::Appendix) -> Result<Vec<u8>, XlsxError> {
    let styles = Styles::new();
    let last_col = (APPENDIX_COLUMNS.len() - 1) as u16;
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_title(format!("Phụ lục kết quả thực hiện {}", appendix.plan.title))
            .set_author("PAR plan tracker"),
    );
    let sheet = workbook.add_worksheet();
    sheet.set_name("Phụ lục")?;
    for (col, (_, width)) in APPENDIX_COLUMNS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    let subtitle = styles
        .title
        .clone()
        .set_bold()
        .set_italic()
        .set_font_size(12);
    sheet.merge_range(0, 0, 0, last_col, "PHỤ LỤC", &styles.title)?;
    sheet.merge_range(
        1,
        0,
        1,
        last_col,
        &format!(
            "KẾT QUẢ THỰC HIỆN KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM {}",
            appendix.plan.year
        ),
        &styles.title,
    )?;
    sheet.merge_range(
        2,
        0,
        2,
        last_col,
        &format!(
            "({}; số liệu tính đến ngày {})",
            appendix.plan.title,
            date_vi(appendix.as_of)
        ),
        &subtitle,
    )?;
    let header_row = 4;
    let headers = APPENDIX_COLUMNS
        .iter()
        .map(|(h, _)| Cell::text(*h))
        .collect();
    write_header(sheet, header_row, headers, &styles)?;
    print_setup(sheet, header_row)?;
    let mut row = header_row + 1;
    let mut number = 0;
    for (i, section) in appendix.sections.iter().enumerate() {
        sheet.write_string_with_format(
            row,
            0,
            crate::domain::sheet::roman(i + 1),
            &styles.header,
        )?;
        sheet.merge_range(
            row,
            1,
            row,
            last_col,
            &section.name.to_uppercase(),
            &styles.heading,
        )?;
        row += 1;
        for item in &section.tasks {
            number += 1;
            let t = &item.task;
            let supporting: Vec<&str> = t
                .supporting_agencies
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            let line = vec![
                Cell::Number(number as f64),
                Cell::text(&t.title),
                Cell::text(&t.lead_agency.name),
                Cell::text(supporting.join("; ")),
                Cell::text(&t.deadline.label),
                Cell::text(&t.expected_output),
                Cell::text(t.status_label.as_str()),
                Cell::text(item.evidence.join("; ")),
                Cell::text(appendix_note(t)),
            ];
            write_line(sheet, row, line, &styles)?;
            row += 1;
        }
    }
    sheet.merge_range(
        row,
        0,
        row,
        last_col,
        &appendix_totals(appendix),
        &styles.heading,
    )?;
    sheet.set_row_height(row, 32)?;
    workbook.save_to_buffer()
}

/// What an import body may be.
pub const CSV_TYPE: &str = "text/csv";
/// The most an XLSX upload may unpack to (its XML parts), against zip bombs.
const MAX_UNPACKED: u64 = 100 * 1024 * 1024;

/// Reads an uploaded sheet: CSV (UTF-8, with or without a BOM; comma or
/// semicolon) or XLSX (the first visible sheet with a recognised header row;
/// formulas as their cached values). At most `MAX_GRID_ROWS` rows are read.
pub fn read_upload(is_xlsx: bool, bytes: &[u8]) -> ApiResult<Grid> {
    if is_xlsx {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

fn not_a_file(what: &str) -> crate::error::ApiError {
    crate::error::ApiError::field("body", format!("is not {what}"))
}

fn read_csv(bytes: &[u8]) -> ApiResult<Grid> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        crate::error::ApiError::field(
            "body",
            format!(
                "is not UTF-8 text (byte {}): save the CSV as UTF-8",
                e.valid_up_to()
            ),
        )
    })?;
    // the delimiter is the one the first line uses more of
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut grid = Grid::default();
    for (i, record) in reader.records().enumerate() {
        if i == MAX_GRID_ROWS {
            grid.beyond = Some(i);
            break;
        }
        let record = record.map_err(|e| {
            crate::error::ApiError::field("body", format!("is not a readable CSV: {e}"))
        })?;
        grid.rows.push(
            record
                .iter()
                .take(MAX_GRID_COLUMNS)
                .map(|c| CellValue::Text(c.to_string()))
                .collect(),
        );
    }
    Ok(grid)
}

/// Unpacks every part of the zip into nothing, counting: a part larger than it
/// says, or parts larger than `MAX_UNPACKED` together, is refused before the
/// XLSX reader unpacks anything.
fn check_unpacked_size(bytes: &[u8]) -> ApiResult<()> {
    use std::io::Read as _;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|_| not_a_file("an XLSX workbook (it is not a zip archive)"))?;
    if zip.len() > 10_000 {
        return Err(not_a_file("an XLSX workbook (too many parts)"));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .map_err(|_| not_a_file("a readable XLSX workbook"))?;
        let declared = part.size();
        let unpacked = std::io::copy(
            &mut (&mut part).take(MAX_UNPACKED - total + 1),
            &mut std::io::sink(),
        )
        .map_err(|_| not_a_file("a readable XLSX workbook"))?;
        total += unpacked;
        if total > MAX_UNPACKED || unpacked > declared {
            return Err(crate::error::ApiError::PayloadTooLarge(format!(
                "the workbook unpacks to more than {} MB",
                MAX_UNPACKED / 1024 / 1024
            )));
        }
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> ApiResult<Grid> {
    use calamine::{DataRef, Reader, SheetType, SheetVisible};
    check_unpacked_size(bytes)?;
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|_| not_a_file("a readable XLSX workbook"))?;
    let sheets: Vec<String> = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.visible == SheetVisible::Visible && s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    let mut first: Option<Grid> = None;
    for name in sheets {
        let mut grid = Grid::default();
        {
            let mut cells = workbook
                .worksheet_cells_reader(&name)
                .map_err(|_| not_a_file("a readable XLSX workbook"))?;
            while let Some(cell) = cells
                .next_cell()
                .map_err(|_| not_a_file("a readable XLSX workbook"))?
            {
                let (row, col) = cell.get_position();
                let (row, col) = (row as usize, col as usize);
                if row >= MAX_GRID_ROWS {
                    grid.beyond = Some(grid.beyond.map_or(row, |b| b.min(row)));
                    continue;
                }
                if col >= MAX_GRID_COLUMNS {
                    continue;
                }
                let value = match cell.get_value() {
                    DataRef::String(s) | DataRef::DateTimeIso(s) => CellValue::Text(s.clone()),
                    DataRef::SharedString(s) => CellValue::Text(s.to_string()),
                    DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        CellValue::Text(format!("{}", *f as i64))
                    }
                    DataRef::Float(f) => CellValue::Text(f.to_string()),
                    DataRef::Int(i) => CellValue::Text(i.to_string()),
                    DataRef::Bool(b) => CellValue::Text(b.to_string()),
                    DataRef::DateTime(d) => match d.as_datetime() {
                        Some(dt) => CellValue::Date(dt.date()),
                        None => CellValue::Text(d.to_string()),
                    },
                    DataRef::DurationIso(s) => CellValue::Text(s.clone()),
                    DataRef::Error(e) => CellValue::Text(format!("#{e}")),
                    DataRef::Empty => CellValue::Empty,
                };
                if grid.rows.len() <= row {
                    grid.rows.resize(row + 1, Vec::new());
                }
                let line = &mut grid.rows[row];
                if line.len() <= col {
                    line.resize(col + 1, CellValue::Empty);
                }
                line[col] = value;
            }
        }
        if has_header(&grid) {
            if let Some(Ok(merged)) = workbook.worksheet_merge_cells(&name) {
                grid.merged = merged
                    .iter()
                    .map(|d| {
                        (
                            d.start.0 as usize,
                            d.start.1 as usize,
                            d.end.0 as usize,
                            d.end.1 as usize,
                        )
                    })
                    .collect();
            }
            return Ok(grid);
        }
        first.get_or_insert(grid);
    }
    Ok(first.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upload is read to 5,200 rows (the import's 5,000 task rows, and room
    /// for a title, the header and area headings), no further: a longer one
    /// costs no more memory or time than that, and is reported as too long.
    #[test]
    fn an_upload_is_read_to_5200_rows_and_no_further() {
        let csv = |rows: usize| {
            let mut text = String::from("STT,Nhiệm vụ\r\n");
            for i in 1..rows {
                text.push_str(&format!("{i},Nhiệm vụ {i}\r\n"));
            }
            text.into_bytes()
        };
        let grid = read_upload(false, &csv(5_200)).unwrap();
        assert_eq!((grid.rows.len(), grid.beyond), (5_200, None));
        let grid = read_upload(false, &csv(6_000)).unwrap();
        assert_eq!((grid.rows.len(), grid.beyond), (5_200, Some(5_200)));
    }
}
