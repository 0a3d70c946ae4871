//! Spreadsheets in and out (issue 13): the task lists as CSV and XLSX, the
//! plan's appendix as a year-end report prints it, and plans imported from
//! the sheets officials keep. Files are read back with the `csv` crate and
//! calamine, as a spreadsheet program would read them.

use std::io::Cursor;

use actix_web::http::Method;
use calamine::{Data, Reader};
use serde_json::Value;

use crate::actors::{path, Actor};
use crate::bodies::{PlanBody, TaskBody};
use crate::common::{JsonExt, Reply, TestApp};
use crate::demo;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The rows of a CSV answer, checked to be UTF-8 with a BOM and CRLF line ends.
fn csv_rows(r: &Reply) -> Vec<Vec<String>> {
    assert_eq!(r.status.as_u16(), 200, "{}: {}", r.request, r.raw);
    assert!(
        r.content_type().starts_with("text/csv"),
        "{}",
        r.content_type()
    );
    let bytes = &r.bytes[..];
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "no BOM");
    let text = std::str::from_utf8(&bytes[3..]).expect("UTF-8");
    assert!(text.ends_with("\r\n"));
    assert!(
        !text.replace("\r\n", "").contains('\n') || text.contains('"'),
        "line ends are CRLF (a bare LF only inside a quoted cell)"
    );
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The cells of the first sheet of an XLSX, as text.
fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let range = workbook.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::DateTime(d) => d
                        .as_datetime()
                        .map(|d| d.date().to_string())
                        .unwrap_or_default(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn xlsx_reply(r: &Reply) -> Vec<Vec<String>> {
    assert_eq!(r.status.as_u16(), 200, "{}: {}", r.request, r.raw);
    assert_eq!(r.content_type(), XLSX);
    xlsx_rows(&r.bytes)
}

async fn get_as(actor: &Actor<'_>, path: &str, accept: &str) -> Reply {
    actor
        .request(Method::GET, path)
        .header("Accept", accept)
        .send()
        .await
}

fn column(rows: &[Vec<String>], header: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header} in {:?}", rows[0]))
}

#[actix_web::test]
async fn tasks_carry_their_standing_in_the_words_reports_use() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let plan = inspector.demo_plan_id().await;
    let at_year_end = inspector
        .tasks(&format!(
            "plan_id={plan}&as_of={}&limit=200",
            demo::YEAR_END
        ))
        .await;
    assert_eq!(at_year_end.len(), demo::TASKS);
    for t in &at_year_end {
        let label = t.text("status_label");
        assert!(label.starts_with("Đã hoàn thành"), "{label}");
        let late = t["completed_on"].as_str() > t["due_on"].as_str();
        assert_eq!(label == "Đã hoàn thành quá hạn", late, "{t}");
    }
    let overdue = inspector
        .tasks(&format!(
            "plan_id={plan}&overdue=true&as_of={}&limit=200",
            demo::Q3_END
        ))
        .await;
    assert_eq!(overdue.len() as i64, demo::OVERDUE_AT_Q3_END);
    for t in &overdue {
        let label = t.text("status_label");
        assert!(
            ["Đang thực hiện, quá hạn", "Chưa thực hiện"].contains(&label),
            "{label}"
        );
    }
    let extended = inspector.demo_task(demo::EXTENDED_TASK).await;
    assert_eq!(
        extended["status_label"], "Đã hoàn thành đúng hạn",
        "due date as extended"
    );
}

#[actix_web::test]
async fn the_task_list_as_csv_and_xlsx() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let plan = inspector.demo_plan_id().await;
    let list = format!(
        "/api/v1/tasks?plan_id={plan}&as_of={}&sort=code",
        demo::YEAR_END
    );

    let r = get_as(&inspector, &list, "text/csv").await;
    let disposition = r.header("content-disposition").unwrap().to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"Danh sach nhiem vu den ngay 31-12-2023.csv\"; filename*=UTF-8''Danh%20s%C3%A1ch%20nhi%E1%BB%87m%20v%E1%BB%A5"),
        "{disposition}"
    );
    let rows = csv_rows(&r);
    assert_eq!(rows.len(), demo::TASKS + 1, "a header and every task");
    assert_eq!(rows[0][0], "Mã");
    assert_eq!(rows[0][1], "Nhiệm vụ");
    let json = inspector
        .tasks(&format!(
            "plan_id={plan}&as_of={}&sort=code&limit=200",
            demo::YEAR_END
        ))
        .await;
    let codes: Vec<&str> = json.iter().map(|t| t.text("code")).collect();
    let csv_codes: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(csv_codes, codes, "the same tasks in the same order");
    let label = column(&rows, "Tình hình thực hiện");
    assert!(rows[1..]
        .iter()
        .all(|r| r[label].starts_with("Đã hoàn thành")));
    let lead = column(&rows, "Cơ quan chủ trì");
    assert_eq!(
        rows[1][lead],
        json[0]["lead_agency"]["name"].as_str().unwrap()
    );

    // the same with ?format=, and as XLSX
    let by_link = inspector.get(&format!("{list}&format=csv")).await;
    assert_eq!(by_link.bytes, r.bytes);
    let sheet = xlsx_reply(&get_as(&inspector, &list, XLSX).await);
    assert_eq!(sheet.len(), demo::TASKS + 1);
    assert_eq!(sheet[0], rows[0]);
    let title = column(&sheet, "Nhiệm vụ");
    for (x, c) in sheet[1..].iter().zip(&rows[1..]) {
        assert_eq!(x[0], c[0]);
        assert_eq!(x[title], c[title]);
    }
    let by_link = inspector.get(&format!("{list}&format=xlsx")).await;
    assert_eq!(xlsx_reply(&by_link), sheet);

    // JSON stays the default, and what Accept prefers wins
    assert!(inspector.get(&list).await.ok()["items"].is_array());
    let r = get_as(&inspector, &list, "application/json;q=0.5, text/csv").await;
    assert_eq!(csv_rows(&r).len(), demo::TASKS + 1);
    let r = get_as(&inspector, &list, "text/csv;q=0.1, application/json").await;
    assert!(r.ok()["items"].is_array());
    // a refusal is still a problem document, whatever was asked for
    get_as(&inspector, "/api/v1/tasks?status=doing", "text/csv")
        .await
        .field_error(400, "status");
    inspector
        .get(&format!("{list}&format=pdf"))
        .await
        .field_error(400, "format");
    Actor::anonymous(&app)
        .request(Method::GET, &list)
        .header("Accept", "text/csv")
        .send()
        .await
        .problem(401);
}

#[actix_web::test]
async fn cells_a_spreadsheet_would_run_are_written_as_text() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator
        .create_plan(&PlanBody::new("CCHC-CSV", 2024))
        .await
        .id();
    let risky = "=HYPERLINK(\"http://x.invalid\",\"Bấm\")";
    let output = "-1+1, \"trích\"\nhai dòng";
    coordinator
        .create_task(
            &plan,
            &TaskBody::new("NV01")
                .title(risky)
                .expected_output(output)
                .lead(demo::STP)
                .supporting(&[demo::STTTT, demo::SNV])
                .quarter("2024-Q2"),
        )
        .await;
    let list = format!("/api/v1/tasks?plan_id={plan}");
    let rows = csv_rows(&get_as(&coordinator, &list, "text/csv").await);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][column(&rows, "Nhiệm vụ")], format!("'{risky}"));
    assert_eq!(
        rows[1][column(&rows, "Kết quả, sản phẩm")],
        format!("'{output}")
    );
    assert_eq!(rows[1][column(&rows, "Thời hạn")], "Quý II/2024");
    assert_eq!(
        rows[1][column(&rows, "Cơ quan phối hợp")],
        "Sở Nội vụ; Sở Thông tin và Truyền thông"
    );
    let sheet = xlsx_reply(&get_as(&coordinator, &list, XLSX).await);
    assert_eq!(sheet[1][column(&sheet, "Nhiệm vụ")], format!("'{risky}"));
}

#[actix_web::test]
async fn an_export_walks_every_page_of_the_list() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator
        .create_plan(&PlanBody::new("CCHC-LON", 2024))
        .await
        .id();
    const N: usize = 2_345;
    app.execute(&format!(
        "INSERT INTO tasks (id, plan_id, code, title, area, lead_agency_id, deadline_kind, deadline_value,
            deadline_label, original_due_on, due_on, expected_output, status, progress_percent,
            search_text, version, created_at, updated_at)
         SELECT gen_random_uuid(), '{plan}', 'NV' || lpad(i::text, 5, '0'), 'Nhiệm vụ số ' || i,
            'institution', (SELECT id FROM agencies WHERE code = 'STP'), 'date', '2024-06-30',
            '30/6/2024', '2024-06-30', '2024-06-30', 'Báo cáo', 'not_started', 0, 'nhiem vu', 1, now(), now()
         FROM generate_series(1, {N}) i"
    ));
    let list = format!("/api/v1/tasks?plan_id={plan}&sort=code&as_of=2024-07-01");
    let rows = csv_rows(&get_as(&coordinator, &list, "text/csv").await);
    assert_eq!(rows.len(), N + 1);
    let expected: Vec<String> = (1..=N).map(|i| format!("NV{i:05}")).collect();
    let codes: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(codes, expected, "every page, once, in order");
    let label = column(&rows, "Tình hình thực hiện");
    assert!(rows[1..].iter().all(|r| r[label] == "Chưa thực hiện"));
    let sheet = xlsx_reply(&coordinator.get(&format!("{list}&format=xlsx")).await);
    assert_eq!(sheet.len(), N + 1);
    assert_eq!(sheet[N][0], format!("NV{N:05}"));
}

#[actix_web::test]
async fn a_periods_tasks_as_files() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let plan = inspector.demo_plan_id().await;
    let periods = inspector.get(&path::plan_periods(&plan)).await.ok().items();
    let q3: Value = periods
        .into_iter()
        .find(|p| p["value"] == "2023-9M")
        .expect("the demo's nine months");
    let tasks = path::period(&q3.id(), "/tasks?overdue=true");
    let rows = csv_rows(&get_as(&inspector, &tasks, "text/csv").await);
    let json = inspector.get(&tasks).await.ok().items();
    assert_eq!(rows.len(), json.len() + 1);
    let latest = column(&rows, "Báo cáo gần nhất của cơ quan chủ trì");
    for (row, task) in rows[1..].iter().zip(&json) {
        assert_eq!(row[0], task.text("code"));
        assert_eq!(row[latest], task["progress_summary"].as_str().unwrap_or(""));
    }
    let sheet = xlsx_reply(&inspector.get(&format!("{tasks}&format=xlsx")).await);
    assert_eq!(sheet.len(), rows.len());
    Actor::inspector(&app)
        .get(&format!(
            "/api/v1/periods/{}/tasks?format=csv",
            uuid::Uuid::new_v4()
        ))
        .await
        .problem(404);
}

/// A part of an XLSX (a zip of XML parts), as text.
fn xlsx_part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut part = zip.by_name(name).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut part, &mut text).unwrap();
    text
}

#[actix_web::test]
async fn the_appendix_as_a_year_end_report_prints_it() {
    use unicode_normalization::UnicodeNormalization;
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let plan = inspector.demo_plan_id().await;
    let r = inspector
        .get(&format!(
            "/api/v1/plans/{plan}/appendix?as_of={}",
            demo::YEAR_END
        ))
        .await;
    let rows = xlsx_reply(&r);
    let disposition = r.header("content-disposition").unwrap();
    assert!(
        disposition.contains("filename*=UTF-8''Ph%E1%BB%A5%20l%E1%BB%A5c"),
        "{disposition}"
    );
    assert!(disposition.contains(
        "filename=\"Phu luc ket qua thuc hien ke hoach CCHC nam 2023 (CCHC-2023).xlsx\""
    ));

    assert_eq!(rows[0][0], "PHỤ LỤC");
    assert_eq!(
        rows[1][0],
        "KẾT QUẢ THỰC HIỆN KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2023"
    );
    assert!(rows[2][0].contains("31/12/2023"), "{:?}", rows[2]);
    let header = &rows[4];
    assert_eq!(
        header,
        &[
            "STT",
            "Nhiệm vụ",
            "Cơ quan chủ trì",
            "Cơ quan phối hợp",
            "Thời hạn",
            "Kết quả, sản phẩm",
            "Tình hình thực hiện",
            "Văn bản kiểm chứng",
            "Ghi chú"
        ]
    );
    // a heading per area, numbered in Roman in the order of /areas
    let areas = inspector.get("/api/v1/areas").await.ok();
    let names: Vec<String> = areas
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.text("name").to_uppercase())
        .collect();
    let headings: Vec<(String, String)> = rows[5..]
        .iter()
        .filter(|r| r[1].chars().all(|c| !c.is_lowercase()) && !r[1].is_empty())
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let numerals = ["I", "II", "III", "IV", "V", "VI", "VII"];
    assert_eq!(headings.len(), demo::AREAS);
    for (i, (numeral, name)) in headings.iter().enumerate() {
        assert_eq!(numeral, numerals[i]);
        assert_eq!(name, &names[i]);
    }
    // the tasks, numbered through, then the totals
    let tasks: Vec<&Vec<String>> = rows[5..]
        .iter()
        .filter(|r| r[0].parse::<u32>().is_ok())
        .collect();
    assert_eq!(tasks.len(), demo::TASKS);
    assert_eq!(tasks[0][0], "1");
    assert_eq!(tasks[demo::TASKS - 1][0], demo::TASKS.to_string());
    assert!(tasks.iter().all(|t| t[6].starts_with("Đã hoàn thành")));
    assert!(
        tasks
            .iter()
            .any(|t| t[7].contains("/QĐ-UBND") || t[7].contains("/KH-UBND")),
        "evidence numbers"
    );
    assert!(
        tasks.iter().any(|t| t[8].contains("Gia hạn đến 31/7/2023")),
        "the extended task's note"
    );
    let last = rows.last().unwrap();
    assert!(
        last[0].starts_with("Tổng số: 64 nhiệm vụ; đã hoàn thành: 64 ("),
        "{last:?}"
    );
    // Vietnamese text as written, in NFC
    for row in &rows {
        for cell in row {
            assert_eq!(cell.nfc().collect::<String>(), *cell);
        }
    }

    // printed as the report is: A4 landscape, header repeated and frozen, wrapped, Times New Roman
    let sheet = xlsx_part(&r.bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("paperSize=\"9\""), "A4");
    assert!(sheet.contains("orientation=\"landscape\""));
    assert!(
        sheet.contains("ySplit=\"5\"") && sheet.contains("state=\"frozen\""),
        "frozen header"
    );
    let workbook = xlsx_part(&r.bytes, "xl/workbook.xml");
    assert!(
        workbook.contains("_xlnm.Print_Titles") && workbook.contains("$5:$5"),
        "{workbook}"
    );
    let styles = xlsx_part(&r.bytes, "xl/styles.xml");
    assert!(styles.contains("Times New Roman") && styles.contains("wrapText=\"1\""));

    // on 30/9/2023 some tasks were still open and late
    let r = inspector
        .get(&format!(
            "/api/v1/plans/{plan}/appendix?as_of={}",
            demo::Q3_END
        ))
        .await;
    let rows = xlsx_reply(&r);
    assert!(rows.iter().any(|r| r
        .get(6)
        .is_some_and(|l| l == "Đang thực hiện, quá hạn" || l == "Chưa thực hiện")));
    inspector
        .get(&format!("/api/v1/plans/{}/appendix", uuid::Uuid::new_v4()))
        .await
        .problem(404);
    inspector
        .get(&format!("/api/v1/plans/{plan}/appendix?as_of=31/12/2023"))
        .await
        .field_error(400, "as_of");
}
