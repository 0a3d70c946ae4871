//! Spreadsheets as officials write them: the cells a plan's table holds, read
//! back into tasks (headers in Vietnamese or English, area heading rows,
//! agencies by code or name, deadlines in the words plans use), and the rules
//! for writing cells out safely (formula injection) with a Vietnamese file name.

use std::borrow::Cow;

use chrono::NaiveDate;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::deadline::Deadline;
use super::enums::{DeadlineKind, ReformArea};
use super::search::fold;

/// Most rows an import reads (data rows, headings excluded).
pub const MAX_IMPORT_ROWS: usize = 5_000;
/// Largest import body, in bytes.
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;

/// A cell written to a CSV or a sheet that a spreadsheet program would take
/// for a formula (`=`, `+`, `-`, `@`, a tab or a carriage return first) gets a
/// leading `'`, so it is shown as the text it is (OWASP's CSV injection advice).
pub fn guard_cell(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// The file name without its diacritics, for clients that do not read
/// `filename*`: ASCII letters, digits, `-`, `_`, `.`, parentheses and spaces only.
pub fn ascii_file_name(name: &str) -> String {
    name.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ' | '(' | ')') => c,
            _ => '_',
        })
        .collect()
}

/// `Content-Disposition: attachment` with the Vietnamese name as RFC 6266 /
/// RFC 8187 `filename*=UTF-8''…` and an ASCII `filename` before it.
pub fn content_disposition(name: &str) -> String {
    let mut encoded = String::new();
    for byte in name.nfc().collect::<String>().bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{encoded}",
        ascii_file_name(name)
    )
}

/// A Roman numeral (1-39 is all a plan's headings need; beyond, the number).
pub fn roman(n: usize) -> String {
    if n == 0 || n >= 40 {
        return n.to_string();
    }
    let tens = ["", "X", "XX", "XXX"][n / 10];
    let ones = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"][n % 10];
    format!("{tens}{ones}")
}

/// The columns an import understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// STT: the row's number in the plan.
    Number,
    Title,
    Code,
    Area,
    Lead,
    Supporting,
    Deadline,
    Output,
    Objective,
}

impl Column {
    /// The column's name in error messages (the appendix's words).
    pub fn name(self) -> &'static str {
        match self {
            Column::Number => "STT",
            Column::Title => "Nhiệm vụ",
            Column::Code => "Mã",
            Column::Area => "Lĩnh vực",
            Column::Lead => "Cơ quan chủ trì",
            Column::Supporting => "Cơ quan phối hợp",
            Column::Deadline => "Thời hạn",
            Column::Output => "Kết quả, sản phẩm",
            Column::Objective => "Mục tiêu",
        }
    }

    /// The columns every import needs.
    pub const REQUIRED: [Column; 4] = [
        Column::Title,
        Column::Lead,
        Column::Deadline,
        Column::Output,
    ];

    /// Which column a header cell names, in Vietnamese or English, any case,
    /// with or without diacritics. Unknown headers are `None` (and ignored).
    pub fn from_header(text: &str) -> Option<Column> {
        let folded = fold(text);
        let key = folded.trim_matches(|c: char| c.is_ascii_punctuation() || c == ' ');
        let column = match key {
            "stt" | "tt" | "so tt" | "so thu tu" | "no" | "number" => Column::Number,
            "nhiem vu"
            | "ten nhiem vu"
            | "noi dung"
            | "noi dung nhiem vu"
            | "nhiem vu, giai phap"
            | "task"
            | "title" => Column::Title,
            "ma" | "ma nhiem vu" | "ma so" | "code" | "task code" => Column::Code,
            "linh vuc" | "linh vuc cchc" | "area" => Column::Area,
            "co quan chu tri" | "don vi chu tri" | "chu tri" | "lead" | "lead agency" => {
                Column::Lead
            }
            "co quan phoi hop"
            | "don vi phoi hop"
            | "phoi hop"
            | "supporting"
            | "supporting agencies" => Column::Supporting,
            "thoi han" | "thoi han hoan thanh" | "thoi gian hoan thanh" | "deadline" | "due" => {
                Column::Deadline
            }
            "ket qua, san pham" | "ket qua san pham" | "san pham" | "ket qua"
            | "san pham, ket qua" | "expected output" | "output" => Column::Output,
            "muc tieu" | "ma muc tieu" | "objective" | "objective code" => Column::Objective,
            _ => return None,
        };
        Some(column)
    }
}

/// A reform area from its code, its Vietnamese name, or a heading as plans
/// print it (`I. CẢI CÁCH THỂ CHẾ`, `2. Cải cách thủ tục hành chính`).
pub fn area_from_text(text: &str) -> Option<ReformArea> {
    let folded = fold(text);
    if let Some(area) = ReformArea::parse(folded.trim()) {
        return Some(area);
    }
    let words = strip_numbering(&folded);
    let has = |needle: &str| words.contains(needle);
    let area = if has("chi dao") || has("dieu hanh") {
        ReformArea::Direction
    } else if has("the che") {
        ReformArea::Institution
    } else if has("thu tuc hanh chinh") || words == "tthc" {
        ReformArea::AdminProcedure
    } else if has("to chuc bo may") {
        ReformArea::Organisation
    } else if has("cong vu") || has("cong chuc") {
        ReformArea::CivilService
    } else if has("tai chinh cong") {
        ReformArea::PublicFinance
    } else if has("dien tu") || has("chinh quyen so") || has("chinh phu so") || has("chuyen doi so")
    {
        ReformArea::DigitalGovernment
    } else {
        return None;
    };
    Some(area)
}

/// A heading's words without its number: `ii. cai cach` → `cai cach`.
fn strip_numbering(folded: &str) -> &str {
    let trimmed = folded.trim();
    if let Some((head, rest)) = trimmed.split_once(['.', ')', '/']) {
        let is_number = !head.is_empty()
            && (head.chars().all(|c| c.is_ascii_digit())
                || head.chars().all(|c| matches!(c, 'i' | 'v' | 'x' | 'l')));
        if is_number {
            return rest.trim();
        }
    }
    trimmed
}

/// Whether a row's first text is a heading's number: `I.`, `II`, `3.`, `A.`.
pub fn looks_numbered_heading(text: &str) -> bool {
    let folded = fold(text);
    strip_numbering(&folded).len() < folded.trim().len()
}

/// Reads a deadline as officials write it, for a plan of `plan_year`:
/// `30/6/2024`, `30/06/2024`, `2024-06-30`, `Tháng 9/2024`, `Tháng 9 năm 2024`,
/// `Quý II/2024`, `Quý 2 năm 2024`, `Trước 30/6/2024`, `Thường xuyên`, `Hằng
/// năm`. Anything else is an error quoting the text.
pub fn deadline_from_text(text: &str, plan_year: i32) -> Result<Deadline, String> {
    let quoted = || {
        format!("'{}' is not a deadline such as 30/6/{plan_year}, Tháng 9/{plan_year}, Quý II/{plan_year} or Thường xuyên", text.trim())
    };
    let folded = fold(text);
    let mut s = folded.trim().trim_end_matches('.').trim();
    for prefix in [
        "truoc ngay ",
        "truoc ",
        "cham nhat ngay ",
        "cham nhat ",
        "han ",
        "ngay ",
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim();
        }
    }
    let parse = |kind, value: Option<String>| {
        Deadline::parse(kind, value.as_deref(), plan_year).map_err(|_| quoted())
    };
    if matches!(
        s,
        "thuong xuyen" | "hang nam" | "ca nam" | "trong nam" | "ongoing"
    ) {
        return parse(DeadlineKind::Ongoing, None);
    }
    let year_of = |y: &str| {
        y.trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (1000..=9999).contains(y))
    };
    // `<n>/<year>` or `<n> nam <year>`
    let number_and_year = |rest: &str| -> Option<(String, i32)> {
        let rest = rest.trim();
        let (n, y) = rest
            .split_once(" nam ")
            .or_else(|| rest.split_once('/'))
            .or_else(|| rest.split_once('-'))?;
        Some((n.trim().to_string(), year_of(y)?))
    };
    if let Some(rest) = s.strip_prefix("thang ") {
        let (month, year) = number_and_year(rest).ok_or_else(quoted)?;
        let month: u32 = month
            .parse()
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(quoted)?;
        return parse(DeadlineKind::Month, Some(format!("{year:04}-{month:02}")));
    }
    if let Some(rest) = s.strip_prefix("quy ") {
        let (quarter, year) = number_and_year(rest).ok_or_else(quoted)?;
        let quarter = match quarter.as_str() {
            "1" | "i" => 1,
            "2" | "ii" => 2,
            "3" | "iii" => 3,
            "4" | "iv" => 4,
            _ => return Err(quoted()),
        };
        return parse(DeadlineKind::Quarter, Some(format!("{year:04}-Q{quarter}")));
    }
    if s.len() == 10 && s.as_bytes()[4] == b'-' {
        return parse(DeadlineKind::Date, Some(s.to_string()));
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).map(str::trim).collect();
    if let [day, month, year] = parts.as_slice() {
        let (Ok(day), Ok(month), Some(year)) =
            (day.parse::<u32>(), month.parse::<u32>(), year_of(year))
        else {
            return Err(quoted());
        };
        let date = NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(|| format!("'{}' is not a day of the calendar", text.trim()))?;
        return Ok(date_deadline(date));
    }
    Err(quoted())
}

/// A date deadline (an Excel date cell, or a parsed day).
pub fn date_deadline(date: NaiveDate) -> Deadline {
    let value = date.format("%Y-%m-%d").to_string();
    Deadline::parse(DeadlineKind::Date, Some(&value), 2000)
        .expect("a calendar date is a valid date deadline")
}

/// Agency names as written in plans: prefixes that say what kind of body it is
/// ("Sở", "UBND") are left out before comparing.
const PREFIXES: [&str; 5] = ["uy ban nhan dan ", "ubnd ", "so ", "cuc ", "ban "];

/// A name as compared: folded, "UBND" spelled out, "TP" as "thành phố", the
/// leading kind-of-body words left out.
pub fn agency_key(name: &str) -> String {
    let folded = fold(name);
    let mut words: Vec<&str> = folded
        .split(|c: char| c.is_whitespace() || matches!(c, '.' | ',' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .collect();
    let expanded: Vec<&str> = words
        .drain(..)
        .flat_map(|w| match w {
            "ubnd" => vec!["uy", "ban", "nhan", "dan"],
            "tp" => vec!["thanh", "pho"],
            "tx" => vec!["thi", "xa"],
            other => vec![other],
        })
        .collect();
    let mut key = expanded.join(" ");
    for prefix in PREFIXES {
        if let Some(rest) = key.strip_prefix(prefix) {
            key = rest.to_string();
        }
    }
    key
}

/// An agency as the importer knows it.
#[derive(Debug, Clone)]
pub struct KnownAgency<Id> {
    pub id: Id,
    pub code: String,
    pub name: String,
}

/// Why a cell names no agency: unknown or ambiguous, with up to three names that come close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoAgency {
    pub message: String,
    pub suggestions: Vec<String>,
}

/// Finds agencies by code or name (case, diacritics and "Sở"/"UBND" ignored).
pub struct AgencyMatcher<Id> {
    agencies: Vec<(KnownAgency<Id>, String)>,
}

impl<Id: Copy + PartialEq> AgencyMatcher<Id> {
    pub fn new(agencies: Vec<KnownAgency<Id>>) -> AgencyMatcher<Id> {
        AgencyMatcher {
            agencies: agencies
                .into_iter()
                .map(|a| {
                    let key = agency_key(&a.name);
                    (a, key)
                })
                .collect(),
        }
    }

    /// The one agency `text` names.
    pub fn find(&self, text: &str) -> Result<Id, NoAgency> {
        let text = text.trim();
        if let Some((a, _)) = self
            .agencies
            .iter()
            .find(|(a, _)| a.code.eq_ignore_ascii_case(text))
        {
            return Ok(a.id);
        }
        let key = agency_key(text);
        let exact: Vec<&KnownAgency<Id>> = self
            .agencies
            .iter()
            .filter(|(_, k)| *k == key)
            .map(|(a, _)| a)
            .collect();
        if let [one] = exact.as_slice() {
            return Ok(one.id);
        }
        if exact.len() > 1 {
            return Err(NoAgency {
                message: format!("'{text}' names more than one agency"),
                suggestions: exact.iter().take(3).map(|a| a.name.clone()).collect(),
            });
        }
        // the whole words of the cell starting one name only ("UBND tỉnh"),
        // else inside one name only ("Nha Trang")
        let padded = format!(" {key} ");
        let matching = |starting: bool| -> Vec<&KnownAgency<Id>> {
            self.agencies
                .iter()
                .filter(|(_, k)| {
                    let k = format!(" {k} ");
                    !key.is_empty()
                        && if starting {
                            k.starts_with(&padded)
                        } else {
                            k.contains(&padded)
                        }
                })
                .map(|(a, _)| a)
                .collect()
        };
        let mut within = matching(true);
        if within.is_empty() {
            within = matching(false);
        }
        if let [one] = within.as_slice() {
            return Ok(one.id);
        }
        // (not exactly one, so none or several)
        if !within.is_empty() {
            return Err(NoAgency {
                message: format!("'{text}' names more than one agency"),
                suggestions: within.iter().take(3).map(|a| a.name.clone()).collect(),
            });
        }
        let mut scored: Vec<(f64, &KnownAgency<Id>)> = self
            .agencies
            .iter()
            .map(|(a, k)| (similarity(&key, k), a))
            .filter(|(score, _)| *score >= 0.3)
            .collect();
        scored.sort_by(|x, y| y.0.total_cmp(&x.0).then_with(|| x.1.name.cmp(&y.1.name)));
        Err(NoAgency {
            message: format!("no agency has the code or name '{text}'"),
            suggestions: scored.iter().take(3).map(|(_, a)| a.name.clone()).collect(),
        })
    }
}

/// Dice's coefficient over character pairs: 1 for the same text, 0 for nothing shared.
fn similarity(a: &str, b: &str) -> f64 {
    let pairs = |s: &str| -> Vec<(char, char)> {
        let chars: Vec<char> = s.chars().collect();
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (pa, mut pb) = (pairs(a), pairs(b));
    if pa.is_empty() || pb.is_empty() {
        return 0.0;
    }
    let total = pa.len() + pb.len();
    let mut shared = 0;
    for p in pa {
        if let Some(i) = pb.iter().position(|q| *q == p) {
            pb.swap_remove(i);
            shared += 1;
        }
    }
    2.0 * shared as f64 / total as f64
}

/// The names in a "Cơ quan phối hợp" cell: separated by `;`, `,` or new lines.
pub fn split_agencies(text: &str) -> Vec<&str> {
    text.split([';', ',', '\n', '\r'])
        .map(str::trim)
        .map(|s| s.trim_start_matches(['-', '+', '•']).trim())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A task code from the row's number when the sheet has no code column: `NV07`.
pub fn code_from_number(number: &str) -> Option<String> {
    let n: u32 = number.trim().trim_end_matches('.').parse().ok()?;
    Some(format!("NV{n:02}"))
}

/// A cell as read from an upload.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    Text(String),
    /// A date cell (Excel's serial days, or an ISO date).
    Date(NaiveDate),
    Empty,
}

impl CellValue {
    pub fn text(&self) -> &str {
        match self {
            CellValue::Text(t) => t.trim(),
            _ => "",
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            CellValue::Text(t) => t.trim().is_empty(),
            CellValue::Date(_) => false,
            CellValue::Empty => true,
        }
    }
}

/// A sheet as read: rows of cells from A1, and its merged ranges
/// (`(first_row, first_col, last_row, last_col)`, 0-based, inclusive).
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub rows: Vec<Vec<CellValue>>,
    pub merged: Vec<(usize, usize, usize, usize)>,
    /// The first row (0-based) left unread because the sheet is longer than
    /// any import: reported as too many rows.
    pub beyond: Option<usize>,
}

/// Rows read from an upload at most: the task rows, and room for a title,
/// the header and area headings.
pub const MAX_GRID_ROWS: usize = MAX_IMPORT_ROWS + 200;
/// Columns read from an upload at most; cells further right are ignored.
pub const MAX_GRID_COLUMNS: usize = 60;

/// A fault in a cell of the upload: its sheet row (1-based) and column
/// name, what is wrong, and up to three values that would do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct CellError {
    /// `row N, <column>`: the cell, as the problem's other `errors` name fields.
    pub field: String,
    /// The sheet's row, from 1 (as a spreadsheet program numbers it).
    pub row: usize,
    /// The column's name (`Cơ quan chủ trì`), or `""` for the whole row.
    pub column: String,
    pub message: String,
    /// Up to three values that would do (agency names), best first.
    pub suggestions: Vec<String>,
}

impl CellError {
    pub fn new(row: usize, column: &str, message: impl Into<String>) -> CellError {
        CellError {
            field: if column.is_empty() {
                format!("row {row}")
            } else {
                format!("row {row}, {column}")
            },
            row,
            column: column.to_string(),
            message: message.into(),
            suggestions: Vec::new(),
        }
    }

    pub fn suggesting(mut self, suggestions: Vec<String>) -> CellError {
        self.suggestions = suggestions;
        self
    }
}

/// A task row as written, before agencies, deadlines and codes are looked up.
#[derive(Debug, Clone)]
pub struct SheetTask {
    /// The sheet's row, from 1.
    pub row: usize,
    pub number: String,
    pub code: String,
    pub title: String,
    /// The area column's text, else the heading the row stands under.
    pub area: Option<ReformArea>,
    pub lead: String,
    pub supporting: String,
    pub deadline: CellValue,
    pub output: String,
    pub objective: String,
}

/// The task rows of a sheet, and which optional columns it has.
#[derive(Debug, Clone)]
pub struct SheetTasks {
    pub tasks: Vec<SheetTask>,
    pub has_objective: bool,
    pub has_area: bool,
}

/// Where the header row is and which column is which.
struct Header {
    row: usize,
    columns: Vec<(Column, usize)>,
}

fn find_header(grid: &Grid) -> Option<Header> {
    grid.rows
        .iter()
        .take(30)
        .enumerate()
        .find_map(|(r, cells)| {
            let columns: Vec<(Column, usize)> = cells
                .iter()
                .enumerate()
                .filter_map(|(c, cell)| Some((Column::from_header(cell.text())?, c)))
                .collect();
            let has = |col| columns.iter().any(|(c, _)| *c == col);
            (columns.len() >= 3 && has(Column::Title)).then_some(Header { row: r, columns })
        })
}

/// Whether a sheet has a header row this importer knows.
pub fn has_header(grid: &Grid) -> bool {
    find_header(grid).is_some()
}

/// Reads the task rows under the header row: area heading rows set the area
/// of the rows below them; empty rows and a closing "Tổng số" row are
/// skipped; a merged cell in a task row, a missing column, or more than
/// `MAX_IMPORT_ROWS` task rows are errors.
pub fn read_tasks(grid: &Grid) -> Result<SheetTasks, Vec<CellError>> {
    let Some(header) = find_header(grid) else {
        return Err(vec![CellError::new(
            1,
            "",
            "no header row: the sheet needs the columns Nhiệm vụ, Cơ quan chủ trì, Thời hạn and \
             Kết quả, sản phẩm (or Title, Lead agency, Deadline, Expected output)",
        )]);
    };
    let mut errors = Vec::new();
    let header_row = header.row + 1;
    let missing: Vec<&str> = Column::REQUIRED
        .iter()
        .filter(|c| !header.columns.iter().any(|(h, _)| h == *c))
        .map(|c| c.name())
        .collect();
    if !missing.is_empty() {
        errors.push(CellError::new(
            header_row,
            "",
            format!("the header row has no column {}", missing.join(", ")),
        ));
    }
    for (column, at) in &header.columns {
        // a column whose first place is elsewhere is there twice
        let first = header.columns.iter().find(|(c, _)| c == column);
        if first.map(|(_, a)| a) != Some(at) {
            errors.push(CellError::new(
                header_row,
                column.name(),
                "appears twice in the header row",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let index = |col: Column| {
        header
            .columns
            .iter()
            .find(|(c, _)| *c == col)
            .map(|(_, i)| *i)
    };
    let cell = |cells: &[CellValue], col: Column| -> CellValue {
        index(col)
            .and_then(|i| cells.get(i).cloned())
            .unwrap_or(CellValue::Empty)
    };
    let text = |cells: &[CellValue], col: Column| cell(cells, col).text().to_string();
    let mut tasks = Vec::new();
    let mut area: Option<ReformArea> = None;
    for (r, cells) in grid.rows.iter().enumerate().skip(header.row + 1) {
        let row = r + 1;
        if cells.iter().all(CellValue::is_empty) {
            continue;
        }
        let first_text = cells
            .iter()
            .map(CellValue::text)
            .find(|t| !t.is_empty())
            .unwrap_or("");
        if fold(first_text).starts_with("tong so") || fold(first_text).starts_with("tong cong") {
            continue;
        }
        let merged = grid
            .merged
            .iter()
            .find(|(r0, _, r1, _)| (*r0..=*r1).contains(&r));
        let lead = text(cells, Column::Lead);
        let deadline = cell(cells, Column::Deadline);
        if lead.is_empty() && deadline.is_empty() {
            // an area heading: "I" | "CẢI CÁCH THỂ CHẾ", or "I. CẢI CÁCH THỂ CHẾ" in one cell
            let words: Vec<&str> = cells
                .iter()
                .map(CellValue::text)
                .filter(|t| !t.is_empty())
                .collect();
            let heading = words.join(". ");
            match words.iter().rev().find_map(|w| area_from_text(w)).or_else(|| area_from_text(&heading)) {
                Some(a) => area = Some(a),
                None => errors.push(CellError::new(
                    row,
                    "",
                    format!(
                        "'{}' is neither a task (it has no Cơ quan chủ trì nor Thời hạn) nor an area heading",
                        heading.chars().take(80).collect::<String>()
                    ),
                )),
            }
            continue;
        }
        if let Some((_, c0, _, _)) = merged {
            let column = header
                .columns
                .iter()
                .find(|(_, i)| i == c0)
                .map(|(c, _)| c.name())
                .unwrap_or("");
            errors.push(CellError::new(
                row,
                column,
                "is a merged cell: a task's row needs a cell of its own in each column (unmerge it)",
            ));
            continue;
        }
        if tasks.len() == MAX_IMPORT_ROWS {
            errors.push(CellError::new(
                row,
                "",
                format!("the sheet has more than {MAX_IMPORT_ROWS} task rows; split it"),
            ));
            break;
        }
        let row_area = match index(Column::Area) {
            Some(_) if !text(cells, Column::Area).is_empty() => {
                let written = text(cells, Column::Area);
                match area_from_text(&written) {
                    Some(a) => Some(a),
                    None => {
                        errors.push(CellError::new(
                            row,
                            Column::Area.name(),
                            format!("'{written}' is not a reform area (see /api/v1/areas)"),
                        ));
                        continue;
                    }
                }
            }
            _ => area,
        };
        tasks.push(SheetTask {
            row,
            number: text(cells, Column::Number),
            code: text(cells, Column::Code),
            title: text(cells, Column::Title),
            area: row_area,
            lead,
            supporting: text(cells, Column::Supporting),
            deadline,
            output: text(cells, Column::Output),
            objective: text(cells, Column::Objective),
        });
    }
    if let Some(beyond) = grid.beyond {
        if errors.iter().all(|e| !e.message.contains("task rows")) {
            errors.push(CellError::new(
                beyond + 1,
                "",
                format!("the sheet has more than {MAX_IMPORT_ROWS} task rows; split it"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(SheetTasks {
            tasks,
            has_objective: index(Column::Objective).is_some(),
            has_area: index(Column::Area).is_some(),
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid {
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| CellValue::Text(c.to_string())).collect())
                .collect(),
            merged: Vec::new(),
            beyond: None,
        }
    }

    #[test]
    fn rows_under_area_headings_take_their_area() {
        let sheet = grid(&[
            &["PHỤ LỤC"],
            &[
                "STT",
                "Nhiệm vụ",
                "Cơ quan chủ trì",
                "Thời hạn",
                "Kết quả, sản phẩm",
                "Ghi chú",
            ],
            &["I", "CẢI CÁCH THỂ CHẾ", "", "", "", ""],
            &[
                "1",
                "Rà soát văn bản",
                "Sở Tư pháp",
                "30/6/2024",
                "Báo cáo",
                "",
            ],
            &["", "", "", "", "", ""],
            &["II. Cải cách thủ tục hành chính", "", "", "", "", ""],
            &["2", "Công bố TTHC", "STP", "Quý II/2024", "Quyết định", "x"],
            &["Tổng số: 2 nhiệm vụ", "", "", "", "", ""],
        ]);
        let read = read_tasks(&sheet).unwrap();
        assert_eq!(read.tasks.len(), 2);
        assert_eq!(read.tasks[0].area, Some(ReformArea::Institution));
        assert_eq!(read.tasks[0].row, 4);
        assert_eq!(read.tasks[1].area, Some(ReformArea::AdminProcedure));
        assert_eq!(read.tasks[1].number, "2");
        assert!(!read.has_area && !read.has_objective);
    }

    #[test]
    fn an_empty_area_cell_takes_the_heading_s_area_and_a_written_one_its_own() {
        let sheet = grid(&[
            &[
                "STT",
                "Nhiệm vụ",
                "Lĩnh vực",
                "Cơ quan chủ trì",
                "Thời hạn",
                "Kết quả",
            ],
            &["II. Cải cách thủ tục hành chính", "", "", "", "", ""],
            &["1", "Công bố TTHC", "", "STP", "Quý II/2024", "Quyết định"],
            &[
                "2",
                "Số hóa hồ sơ",
                "Chuyển đổi số",
                "STP",
                "Quý III/2024",
                "Báo cáo",
            ],
        ]);
        let read = read_tasks(&sheet).unwrap();
        assert!(read.has_area);
        let areas: Vec<_> = read.tasks.iter().map(|t| t.area).collect();
        assert_eq!(
            areas,
            [
                Some(ReformArea::AdminProcedure),
                Some(ReformArea::DigitalGovernment)
            ]
        );
    }

    #[test]
    fn a_column_twice_in_the_header_is_named_once_per_extra_copy() {
        let sheet = grid(&[
            &[
                "Nhiệm vụ",
                "Cơ quan chủ trì",
                "Thời hạn",
                "Kết quả",
                "Thời hạn",
            ],
            &["Một việc", "STP", "30/6/2024", "Báo cáo", "31/12/2024"],
        ]);
        let errors = read_tasks(&sheet).unwrap_err();
        let twice: Vec<_> = errors
            .iter()
            .filter(|e| e.message == "appears twice in the header row")
            .map(|e| e.column.as_str())
            .collect();
        assert_eq!(twice, ["Thời hạn"], "{errors:?}");
    }

    #[test]
    fn a_wrong_header_a_stray_row_and_a_merged_cell_are_named() {
        let no_header = grid(&[&["a", "b"], &["c", "d"]]);
        assert_eq!(read_tasks(&no_header).unwrap_err()[0].row, 1);
        let missing = grid(&[&["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Kết quả"]]);
        let errors = read_tasks(&missing).unwrap_err();
        assert!(errors[0].message.contains("Thời hạn"), "{errors:?}");
        let mut merged = grid(&[
            &[
                "Nhiệm vụ",
                "Cơ quan chủ trì",
                "Thời hạn",
                "Kết quả, sản phẩm",
            ],
            &["Một việc", "STP", "30/6/2024", "Báo cáo"],
            &["Ghi nhớ linh tinh", "", "", ""],
        ]);
        merged.merged.push((1, 1, 1, 2));
        let errors = read_tasks(&merged).unwrap_err();
        assert_eq!(
            (errors[0].row, errors[0].column.as_str()),
            (2, "Cơ quan chủ trì")
        );
        assert_eq!(errors[1].row, 3);
        assert_eq!(errors[1].field, "row 3");
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn cells_a_spreadsheet_would_run_get_a_quote() {
        for risky in ["=1+2", "+84 258", "-5", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(guard_cell(risky), format!("'{risky}"));
        }
        for plain in ["Sở Tư pháp", "30/6/2024", "", "a=b", " =x"] {
            assert_eq!(guard_cell(plain), plain);
        }
    }

    #[test]
    fn file_names_carry_vietnamese_and_an_ascii_fallback() {
        assert_eq!(
            content_disposition("Nhiệm vụ.csv"),
            "attachment; filename=\"Nhiem vu.csv\"; filename*=UTF-8''Nhi%E1%BB%87m%20v%E1%BB%A5.csv"
        );
        assert_eq!(ascii_file_name("Đăng ký \"x\"/y"), "Dang ky _x__y");
    }

    #[test]
    fn roman_numerals_for_headings() {
        let got: Vec<String> = [1, 2, 4, 6, 7, 9, 14, 40].map(roman).to_vec();
        assert_eq!(got, ["I", "II", "IV", "VI", "VII", "IX", "XIV", "40"]);
    }

    #[test]
    fn headers_in_either_language() {
        assert_eq!(Column::from_header("Nhiệm vụ"), Some(Column::Title));
        assert_eq!(Column::from_header(" CƠ QUAN CHỦ TRÌ "), Some(Column::Lead));
        assert_eq!(
            Column::from_header("co quan phoi hop"),
            Some(Column::Supporting)
        );
        assert_eq!(
            Column::from_header("Kết quả, sản phẩm"),
            Some(Column::Output)
        );
        assert_eq!(Column::from_header("Lead agency"), Some(Column::Lead));
        assert_eq!(Column::from_header("Deadline"), Some(Column::Deadline));
        assert_eq!(Column::from_header("STT"), Some(Column::Number));
        for code in ["Mã", "Mã nhiệm vụ", "Mã số", "Code", "Task code"] {
            assert_eq!(Column::from_header(code), Some(Column::Code), "{code}");
        }
        assert_eq!(Column::from_header("Ghi chú"), None);
    }

    #[test]
    fn a_header_row_names_the_task_and_two_more_known_columns() {
        let row = |cells: &[&str]| has_header(&grid(&[cells]));
        assert!(row(&["Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"]));
        assert!(
            !row(&["Nhiệm vụ", "Cơ quan chủ trì", "Ghi chú"]),
            "two known"
        );
        assert!(
            !row(&["STT", "Cơ quan chủ trì", "Thời hạn", "Kết quả"]),
            "no task column"
        );
    }

    #[test]
    fn area_headings_as_plans_print_them() {
        use ReformArea::*;
        for (text, area) in [
            ("I. CẢI CÁCH THỂ CHẾ", Institution),
            ("2. Cải cách thủ tục hành chính", AdminProcedure),
            (
                "III. Cải cách tổ chức bộ máy hành chính nhà nước",
                Organisation,
            ),
            ("IV. CẢI CÁCH CHẾ ĐỘ CÔNG VỤ", CivilService),
            ("V. Cải cách tài chính công", PublicFinance),
            (
                "VI. Xây dựng và phát triển Chính quyền điện tử, Chính quyền số",
                DigitalGovernment,
            ),
            ("Công tác chỉ đạo, điều hành CCHC", Direction),
            ("admin_procedure", AdminProcedure),
            // the abbreviation officials write for it
            ("TTHC", AdminProcedure),
            ("2. TTHC", AdminProcedure),
            // each of the names the digital-government area went by
            ("VI. Xây dựng Chính quyền số", DigitalGovernment),
            ("VI. Chính phủ số", DigitalGovernment),
            ("VI. Chuyển đổi số", DigitalGovernment),
            // a bracket or a slash in the words is not a heading's number
            ("Cải cách thủ tục hành chính (TTHC)", AdminProcedure),
            ("Cải cách thể chế/pháp chế", Institution),
        ] {
            assert_eq!(area_from_text(text), Some(area), "{text}");
        }
        assert_eq!(area_from_text("Tổng số: 64 nhiệm vụ"), None);
        assert!(looks_numbered_heading("II. Cải cách"));
        assert!(!looks_numbered_heading("Cải cách"));
        assert!(!looks_numbered_heading("Cải cách thể chế/pháp chế"));
        assert!(
            !looks_numbered_heading(". Cải cách"),
            "a number is not empty"
        );
    }

    #[test]
    fn deadlines_as_officials_write_them() {
        let read = |t: &str| deadline_from_text(t, 2024).map(|d| (d.kind, d.due_on));
        use DeadlineKind::*;
        assert_eq!(read("30/6/2024"), Ok((Date, d(2024, 6, 30))));
        assert_eq!(read("30/06/2024"), Ok((Date, d(2024, 6, 30))));
        assert_eq!(read("2024-06-30"), Ok((Date, d(2024, 6, 30))));
        assert_eq!(read("Trước 30/6/2024"), Ok((Date, d(2024, 6, 30))));
        assert_eq!(read("Tháng 9/2024"), Ok((Month, d(2024, 9, 30))));
        assert_eq!(read("Tháng 9 năm 2024"), Ok((Month, d(2024, 9, 30))));
        assert_eq!(read("tháng 02/2024"), Ok((Month, d(2024, 2, 29))));
        assert_eq!(read("Quý II/2024"), Ok((Quarter, d(2024, 6, 30))));
        assert_eq!(read("Quý 2 năm 2024"), Ok((Quarter, d(2024, 6, 30))));
        assert_eq!(read("QUÝ IV/2024"), Ok((Quarter, d(2024, 12, 31))));
        assert_eq!(read("Thường xuyên"), Ok((Ongoing, d(2024, 12, 31))));
        assert_eq!(read("Hằng năm"), Ok((Ongoing, d(2024, 12, 31))));
        let impossible = read("31/2/2024").unwrap_err();
        assert!(impossible.contains("'31/2/2024'"), "{impossible}");
        for bad in ["sớm", "Quý V/2024", "Tháng 13/2024", "30/6", ""] {
            assert!(read(bad).is_err(), "{bad}");
        }
        // every label the service writes reads back as itself
        for label in ["02/4/2023", "31/01/2024", "Tháng 01/2024", "Quý III/2023"] {
            assert_eq!(deadline_from_text(label, 2023).unwrap().label, label);
        }
    }

    #[test]
    fn agencies_by_code_or_name_without_their_kind_words() {
        let known = |id: u8, code: &str, name: &str| KnownAgency {
            id,
            code: code.into(),
            name: name.into(),
        };
        let matcher = AgencyMatcher::new(vec![
            known(1, "STP", "Sở Tư pháp"),
            known(2, "SNV", "Sở Nội vụ"),
            known(3, "NHATRANG", "UBND thành phố Nha Trang"),
            known(4, "CAMRANH", "UBND thành phố Cam Ranh"),
            known(5, "VPUBND", "Văn phòng Ủy ban nhân dân tỉnh"),
            known(6, "UBNDT", "Ủy ban nhân dân tỉnh Khánh Hòa"),
            known(7, "CAT", "Công an tỉnh Khánh Hòa"),
        ]);
        assert_eq!(matcher.find("UBND tỉnh"), Ok(6));
        assert_eq!(matcher.find("stp"), Ok(1));
        assert_eq!(matcher.find("Sở Tư pháp"), Ok(1));
        assert_eq!(matcher.find("TƯ PHÁP"), Ok(1));
        assert_eq!(matcher.find("so noi vu"), Ok(2));
        assert_eq!(matcher.find("Ủy ban nhân dân thành phố Nha Trang"), Ok(3));
        assert_eq!(matcher.find("UBND TP Nha Trang"), Ok(3));
        assert_eq!(matcher.find("Nha Trang"), Ok(3));
        assert_eq!(matcher.find("Văn phòng UBND tỉnh"), Ok(5));
        let ambiguous = matcher.find("thành phố").unwrap_err();
        assert!(ambiguous.message.contains("more than one"));
        assert_eq!(ambiguous.suggestions.len(), 2);
        let unknown = matcher.find("Sở Tư phap và Nội vụ").unwrap_err();
        assert!(unknown.message.contains("no agency"));
        assert!(unknown.suggestions.len() <= 3);
        assert_eq!(
            unknown.suggestions.first().map(String::as_str),
            Some("Sở Tư pháp")
        );
    }

    #[test]
    fn supporting_agencies_split_on_semicolons_commas_and_lines() {
        assert_eq!(
            split_agencies("Sở Tư pháp; Sở Nội vụ,\n- UBND huyện Vạn Ninh\n"),
            ["Sở Tư pháp", "Sở Nội vụ", "UBND huyện Vạn Ninh"]
        );
        assert_eq!(code_from_number("7"), Some("NV07".into()));
        assert_eq!(code_from_number("12."), Some("NV12".into()));
        assert_eq!(code_from_number("a"), None);
    }
}
