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
    let r = get_as(&inspector, &tasks, "text/csv").await;
    let disposition = r.header("content-disposition").unwrap();
    assert!(
        disposition.contains("filename=\"Nhiem vu ky 9 thang dau nam 2023 den ngay"),
        "{disposition}"
    );
    let rows = csv_rows(&r);
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
    // the totals, label by label, as the plan's summary counts them that day
    let summary = inspector.plan_summary(&plan, demo::YEAR_END).await;
    let (on_time, late) = (
        summary["completed_on_time"].as_i64().unwrap(),
        summary["completed_late"].as_i64().unwrap(),
    );
    assert!(on_time > 0 && late > 0 && on_time != late, "{summary}");
    assert_eq!(
        rows.last().unwrap()[0],
        format!(
            "Tổng số: 64 nhiệm vụ; đã hoàn thành: 64 (đúng hạn: {on_time}, quá hạn: {late}); \
             đang thực hiện: 0 (trong hạn: 0, quá hạn: 0); chưa thực hiện: 0; đã hủy: 0."
        )
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

/// POST a sheet to a plan's import.
pub async fn import(
    actor: &Actor<'_>,
    plan: &str,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Reply {
    actor
        .request(Method::POST, &format!("/api/v1/plans/{plan}/import{query}"))
        .raw(content_type, body)
        .send()
        .await
}

/// The tasks of a plan as the round trip compares them, by code.
async fn plan_tasks(actor: &Actor<'_>, plan: &str) -> Vec<Value> {
    let tasks = actor
        .tasks(&format!("plan_id={plan}&sort=code&limit=200"))
        .await;
    tasks
        .iter()
        .map(|t| {
            let mut supporting: Vec<&str> = t["supporting_agencies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["code"].as_str().unwrap())
                .collect();
            supporting.sort();
            serde_json::json!({
                "code": t["code"], "title": t["title"], "area": t["area"],
                "lead": t["lead_agency"]["code"], "supporting": supporting,
                "deadline": {"kind": t["deadline"]["kind"], "value": t["deadline"]["value"], "label": t["deadline"]["label"]},
                "original_due_on": t["original_due_on"], "expected_output": t["expected_output"],
            })
        })
        .collect()
}

fn results(report: &Value) -> Vec<String> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.text("result").to_string())
        .collect()
}

#[actix_web::test]
async fn the_demo_appendix_reimported_gives_the_same_plan() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let demo_plan = coordinator.demo_plan_id().await;
    let appendix = coordinator
        .get(&format!(
            "/api/v1/plans/{demo_plan}/appendix?as_of={}",
            demo::YEAR_END
        ))
        .await;
    assert_eq!(appendix.status.as_u16(), 200);
    let copy = coordinator
        .create_plan(&PlanBody::new("CCHC-2023-BAN-SAO", demo::YEAR))
        .await
        .id();

    // a dry run says what would happen and writes nothing
    let tasks_before = app.count("SELECT count(*) AS n FROM tasks");
    let dry = import(
        &coordinator,
        &copy,
        "?dry_run=true",
        XLSX,
        appendix.bytes.to_vec(),
    )
    .await;
    let report = dry.ok();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["created"], demo::TASKS);
    assert!(results(&report).iter().all(|r| r == "would_create"));
    assert_eq!(app.count("SELECT count(*) AS n FROM tasks"), tasks_before);

    let report = import(&coordinator, &copy, "", XLSX, appendix.bytes.to_vec())
        .await
        .ok();
    assert_eq!(report["created"], demo::TASKS);
    assert!(results(&report).iter().all(|r| r == "created"));
    assert_eq!(
        plan_tasks(&coordinator, &copy).await,
        plan_tasks(&coordinator, &demo_plan).await,
        "the same tasks, areas, agencies and deadlines"
    );

    // again: nothing changes
    let events = app.count("SELECT count(*) AS n FROM audit_events");
    let again = import(&coordinator, &copy, "", XLSX, appendix.bytes.to_vec())
        .await
        .ok();
    assert_eq!(again["unchanged"], demo::TASKS);
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events"), events);
}

#[actix_web::test]
async fn a_csv_in_english_with_semicolons_creates_and_then_updates() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator
        .create_plan(&PlanBody::new("CCHC-2024-CSV", 2024))
        .await
        .id();
    let sheet = |title: &str| {
        format!(
            "\u{feff}Code;Title;Area;Lead agency;Supporting agencies;Deadline;Expected output\r\n\
             A1;{title};institution;so tu phap;Sở Nội vụ, UBND TP Nha Trang;Quý 2 năm 2024;Báo cáo\r\n\
             A2;Số hóa hồ sơ;Xây dựng và phát triển Chính quyền điện tử, Chính quyền số;STTTT;;Trước 30/6/2024;Hệ thống\r\n\
             A3;Khảo sát hài lòng;Cải cách chế độ công vụ;SNV;;Thường xuyên;Báo cáo khảo sát\r\n"
        )
        .into_bytes()
    };
    let report = import(
        &coordinator,
        &plan,
        "",
        "text/csv; charset=utf-8",
        sheet("Rà soát văn bản"),
    )
    .await
    .ok();
    assert_eq!(results(&report), ["created", "created", "created"]);
    assert_eq!(
        (report["created"].clone(), report["updated"].clone()),
        (serde_json::json!(3), serde_json::json!(0))
    );
    let tasks = plan_tasks(&coordinator, &plan).await;
    assert_eq!(tasks[0]["lead"], "STP");
    assert_eq!(
        tasks[0]["supporting"],
        serde_json::json!(["NHATRANG", "SNV"])
    );
    assert_eq!(tasks[0]["deadline"]["label"], "Quý II/2024");
    assert_eq!(tasks[1]["area"], "digital_government");
    assert_eq!(tasks[1]["deadline"]["label"], "30/6/2024");
    assert_eq!(tasks[2]["deadline"]["kind"], "ongoing");

    let changed = sheet("Rà soát, hệ thống hóa văn bản");
    let dry = import(
        &coordinator,
        &plan,
        "?dry_run=true",
        "text/csv",
        changed.clone(),
    )
    .await
    .ok();
    assert_eq!(results(&dry), ["would_update", "unchanged", "unchanged"]);
    let report = import(&coordinator, &plan, "", "text/csv", changed)
        .await
        .ok();
    assert_eq!(results(&report), ["updated", "unchanged", "unchanged"]);
    assert_eq!(
        plan_tasks(&coordinator, &plan).await[0]["title"],
        "Rà soát, hệ thống hóa văn bản"
    );
    // another supporting agency in place of one, as many as before, is a change
    let swapped = String::from_utf8(sheet("Rà soát, hệ thống hóa văn bản"))
        .unwrap()
        .replace("Sở Nội vụ, UBND TP Nha Trang", "Sở Nội vụ, STTTT");
    let report = import(&coordinator, &plan, "", "text/csv", swapped.into_bytes())
        .await
        .ok();
    assert_eq!(results(&report), ["updated", "unchanged", "unchanged"]);
    assert_eq!(
        (report["updated"].clone(), report["unchanged"].clone()),
        (serde_json::json!(1), serde_json::json!(2))
    );
    assert_eq!(
        plan_tasks(&coordinator, &plan).await[0]["supporting"],
        serde_json::json!(["SNV", "STTTT"])
    );
    // an agency named twice in the cell (by its code and by its name) supports once
    let twice = String::from_utf8(sheet("Rà soát, hệ thống hóa văn bản"))
        .unwrap()
        .replace("Sở Nội vụ, UBND TP Nha Trang", "SNV, STTTT, Sở Nội vụ");
    let report = import(&coordinator, &plan, "", "text/csv", twice.into_bytes())
        .await
        .ok();
    assert_eq!(results(&report), ["unchanged", "unchanged", "unchanged"]);
    assert_eq!(
        plan_tasks(&coordinator, &plan).await[0]["supporting"],
        serde_json::json!(["SNV", "STTTT"])
    );
    // the expected output alone, then the area alone, is a change
    let base = String::from_utf8(sheet("Rà soát, hệ thống hóa văn bản"))
        .unwrap()
        .replace("Sở Nội vụ, UBND TP Nha Trang", "SNV, STTTT");
    for (from, to, field, now) in [
        (
            "Quý 2 năm 2024;Báo cáo\r\n",
            "Quý 2 năm 2024;Báo cáo tổng hợp\r\n",
            "expected_output",
            "Báo cáo tổng hợp",
        ),
        (
            "A1;Rà soát, hệ thống hóa văn bản;institution;",
            "A1;Rà soát, hệ thống hóa văn bản;admin_procedure;",
            "area",
            "admin_procedure",
        ),
    ] {
        let changed = base.replace(from, to);
        assert_ne!(changed, base, "{field}");
        let report = import(&coordinator, &plan, "", "text/csv", changed.into_bytes())
            .await
            .ok();
        assert_eq!(
            results(&report),
            ["updated", "unchanged", "unchanged"],
            "{field}"
        );
        assert_eq!(plan_tasks(&coordinator, &plan).await[0][field], now);
        // back as it was, for the next field
        import(
            &coordinator,
            &plan,
            "",
            "text/csv",
            base.clone().into_bytes(),
        )
        .await
        .ok();
    }

    // the task list exported as CSV reads back as itself
    let export = get_as(
        &coordinator,
        &format!("/api/v1/tasks?plan_id={plan}"),
        "text/csv",
    )
    .await;
    let again = import(&coordinator, &plan, "", "text/csv", export.bytes.to_vec())
        .await
        .ok();
    assert_eq!(again["unchanged"], 3, "{again}");

    // an import does not move a deadline nor change a lead agency
    let moved = String::from_utf8(sheet("Rà soát văn bản"))
        .unwrap()
        .replace("Quý 2 năm 2024", "Quý 3 năm 2024")
        .replace("so tu phap", "SNV");
    let r = import(&coordinator, &plan, "", "text/csv", moved.into_bytes()).await;
    r.problem(422).problem_type("import-rejected");
    assert!(r.body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("lead agency"));
    // the deadline alone, within its kind (a quarter for another quarter)
    let moved = String::from_utf8(sheet("Rà soát văn bản"))
        .unwrap()
        .replace("Quý 2 năm 2024", "Quý 3 năm 2024");
    let r = import(&coordinator, &plan, "", "text/csv", moved.into_bytes()).await;
    r.problem(422).problem_type("import-rejected");
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 1, "{}", r.raw);
    assert!(
        r.body["errors"][0]
            .text("message")
            .contains("deadlines move by extension requests"),
        "{}",
        r.raw
    );
    assert_eq!(
        plan_tasks(&coordinator, &plan).await[0]["deadline"]["label"],
        "Quý II/2024"
    );

    // others may not import
    for who in [Actor::inspector(&app), Actor::officer(&app, demo::STP)] {
        import(&who, &plan, "", "text/csv", sheet("x"))
            .await
            .problem(403);
    }
}

/// A CSV of task rows under the appendix's header.
pub fn csv_sheet(rows: &[&str]) -> Vec<u8> {
    let mut text = String::from(
        "STT,Nhiệm vụ,Lĩnh vực,Cơ quan chủ trì,Cơ quan phối hợp,Thời hạn,\"Kết quả, sản phẩm\"\r\n",
    );
    for row in rows {
        text.push_str(row);
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// The cell errors of a refused import: (row, column) each.
fn cell_errors(r: &Reply) -> Vec<(u64, String)> {
    r.problem(422).problem_type("import-rejected");
    r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e.text("column").to_string()))
        .collect()
}

#[actix_web::test]
async fn bad_sheets_are_refused_cell_by_cell_and_nothing_is_written() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator
        .create_plan(&PlanBody::new("CCHC-2024-LOI", 2024))
        .await
        .id();
    let tasks_in_plan = || {
        app.count(&format!(
            "SELECT count(*) AS n FROM tasks WHERE plan_id = '{plan}'"
        ))
    };

    // a good row, and one with an unknown agency, an impossible date and an empty title
    let r = import(
        &coordinator,
        &plan,
        "",
        "text/csv",
        csv_sheet(&[
            "1,Rà soát văn bản,institution,Sở Tư pháp,,30/6/2024,Báo cáo",
            "2,Số hóa,institution,Sở Tư phap và Nội vụ,Sở Ngoại giao,31/2/2024,Hệ thống",
            "3,,institution,STP,,Tháng 9/2024,Báo cáo",
        ]),
    )
    .await;
    assert_eq!(
        cell_errors(&r),
        [
            (3, "Cơ quan chủ trì".to_string()),
            (3, "Cơ quan phối hợp".to_string()),
            (3, "Thời hạn".to_string()),
            (4, "Nhiệm vụ".to_string()),
        ]
    );
    let errors = r.body["errors"].as_array().unwrap();
    let lead = errors
        .iter()
        .find(|e| e["column"] == "Cơ quan chủ trì")
        .unwrap();
    assert_eq!(lead["suggestions"][0], "Sở Tư pháp", "{lead}");
    assert!(lead["suggestions"].as_array().unwrap().len() <= 3);
    let date = errors.iter().find(|e| e["column"] == "Thời hạn").unwrap();
    assert!(date.text("message").contains("'31/2/2024'"), "{date}");
    assert_eq!(lead["field"], "row 3, Cơ quan chủ trì");
    assert_eq!(tasks_in_plan(), 0, "one error anywhere: nothing written");

    // a wrong header
    let r = import(
        &coordinator,
        &plan,
        "",
        "text/csv",
        "Tên,Đơn vị,Hạn\r\na,b,c\r\n".as_bytes().to_vec(),
    )
    .await;
    assert_eq!(cell_errors(&r), [(1, String::new())]);
    let r = import(
        &coordinator,
        &plan,
        "",
        "text/csv",
        "STT,Nhiệm vụ,Cơ quan chủ trì,Thời hạn\r\n1,a,STP,Quý I/2024\r\n"
            .as_bytes()
            .to_vec(),
    )
    .await;
    assert!(
        r.body["errors"][0]
            .text("message")
            .contains("Kết quả, sản phẩm"),
        "{}",
        r.raw
    );

    // a 6,000-row sheet
    let rows: Vec<String> = (1..=6000)
        .map(|i| format!("{i},Nhiệm vụ {i},institution,STP,,Quý IV/2024,Báo cáo"))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let r = import(&coordinator, &plan, "", "text/csv", csv_sheet(&rows)).await;
    assert_eq!(cell_errors(&r), [(5002, String::new())]);
    assert!(r.body["errors"][0].text("message").contains("5000"));

    // a merged cell in a task row (an XLSX the way a spreadsheet program writes one)
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in [
        "STT",
        "Nhiệm vụ",
        "Lĩnh vực",
        "Cơ quan chủ trì",
        "Thời hạn",
        "Kết quả, sản phẩm",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in [
        "1",
        "Rà soát",
        "institution",
        "STP",
        "Quý IV/2024",
        "Báo cáo",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    sheet.write_string(2, 0, "2").unwrap();
    sheet
        .merge_range(2, 1, 2, 3, "Số hóa hồ sơ", &rust_xlsxwriter::Format::new())
        .unwrap();
    sheet.write_string(2, 4, "Quý IV/2024").unwrap();
    sheet.write_string(2, 5, "Hệ thống").unwrap();
    // a date cell reads as that day
    sheet
        .write_datetime_with_format(
            1,
            4,
            rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 6, 30).unwrap(),
            &rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy"),
        )
        .unwrap();
    let merged = workbook.save_to_buffer().unwrap();
    let r = import(&coordinator, &plan, "", XLSX, merged).await;
    assert_eq!(cell_errors(&r), [(3, "Nhiệm vụ".to_string())]);

    // files that are not what they say
    import(
        &coordinator,
        &plan,
        "",
        XLSX,
        b"STT,Nhiem vu\r\n1,a\r\n".to_vec(),
    )
    .await
    .field_error(400, "body");
    import(
        &coordinator,
        &plan,
        "",
        "text/csv",
        vec![0xff, 0xfe, 0x00, 0x41],
    )
    .await
    .field_error(400, "body");
    import(&coordinator, &plan, "", "application/json", b"{}".to_vec())
        .await
        .problem(415);
    import(
        &coordinator,
        &plan,
        "",
        "text/csv",
        vec![b'a'; 10 * 1024 * 1024 + 1],
    )
    .await
    .problem(413);
    // a zip bomb: a small file that unpacks to 200 MB
    let bomb = {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..200 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    assert!(bomb.len() < 2 * 1024 * 1024, "{} bytes", bomb.len());
    import(&coordinator, &plan, "", XLSX, bomb)
        .await
        .problem(413);
    import(
        &coordinator,
        &uuid::Uuid::new_v4().to_string(),
        "",
        "text/csv",
        csv_sheet(&[]),
    )
    .await
    .problem(404);
    coordinator
        .request(
            Method::POST,
            &format!("/api/v1/plans/{plan}/import?dry_run=maybe"),
        )
        .raw("text/csv", csv_sheet(&[]))
        .send()
        .await
        .field_error(400, "dry_run");
    assert_eq!(tasks_in_plan(), 0);
}

#[actix_web::test]
async fn slow_downloads_cannot_take_every_thread() {
    use actix_web::dev::Service;
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator
        .create_plan(&PlanBody::new("CCHC-CHAM", 2024))
        .await
        .id();
    app.execute(&format!(
        "INSERT INTO tasks (id, plan_id, code, title, area, lead_agency_id, deadline_kind, deadline_value,
            deadline_label, original_due_on, due_on, expected_output, status, progress_percent,
            search_text, version, created_at, updated_at)
         SELECT gen_random_uuid(), '{plan}', 'NV' || lpad(i::text, 5, '0'), 'Nhiệm vụ số ' || i,
            'institution', (SELECT id FROM agencies WHERE code = 'STP'), 'date', '2024-06-30',
            '30/6/2024', '2024-06-30', '2024-06-30', 'Báo cáo', 'not_started', 0, 'nhiem vu', 1, now(), now()
         FROM generate_series(1, 9000) i"
    ));
    let token = app.token(demo::INSPECTOR);
    let export = || {
        actix_web::test::TestRequest::get()
            .uri(&format!("/api/v1/tasks?plan_id={plan}&format=csv"))
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_request()
    };
    // clients that never read: each export waits a few pages ahead, holding its place
    let mut waiting = Vec::new();
    for _ in 0..8 {
        let r = app.svc.call(export()).await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        waiting.push(r);
    }
    let refused = coordinator
        .get(&format!("/api/v1/tasks?plan_id={plan}&format=csv"))
        .await;
    refused.problem(503).problem_type("busy");
    assert_eq!(refused.header("retry-after"), Some("5"));
    // JSON pages are not exports
    coordinator
        .get(&format!("/api/v1/tasks?plan_id={plan}"))
        .await
        .ok();
    // the clients go away: their places free up
    drop(waiting);
    let mut freed = false;
    for _ in 0..50 {
        let r = coordinator
            .get(&format!("/api/v1/tasks?plan_id={plan}&format=csv"))
            .await;
        if r.status.as_u16() == 200 {
            assert_eq!(csv_rows(&r).len(), 9001);
            freed = true;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(freed, "the places of the clients that left were not freed");
}

#[actix_web::test]
async fn hidden_sheets_are_skipped_and_formulas_read_as_their_values() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator
        .create_plan(&PlanBody::new("CCHC-2024-AN", 2024))
        .await
        .id();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let header = [
        "Mã",
        "Nhiệm vụ",
        "Lĩnh vực",
        "Cơ quan chủ trì",
        "Thời hạn",
        "Kết quả, sản phẩm",
    ];
    let hidden = workbook.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        hidden.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in [
        "AN1",
        "Nháp, không nhập",
        "institution",
        "STP",
        "Quý I/2024",
        "Nháp",
    ]
    .iter()
    .enumerate()
    {
        hidden.write_string(1, c as u16, *v).unwrap();
    }
    hidden.set_hidden(true);
    let visible = workbook.add_worksheet();
    visible
        .write_string(0, 0, "Ghi chú của người lập bảng")
        .unwrap();
    for (c, h) in header.iter().enumerate() {
        visible.write_string(2, c as u16, *h).unwrap();
    }
    for (c, v) in [
        "HT1",
        "",
        "admin_procedure",
        "SNV",
        "Tháng 9 năm 2024",
        "Báo cáo",
    ]
    .iter()
    .enumerate()
    {
        visible.write_string(3, c as u16, *v).unwrap();
    }
    let formula =
        rust_xlsxwriter::Formula::new("=\"Rà soát \"&\"thủ tục\"").set_result("Rà soát thủ tục");
    visible.write_formula(3, 1, formula).unwrap();
    // a date cell is that day
    for (c, v) in [
        "HT2",
        "Số hóa hồ sơ",
        "digital_government",
        "STTTT",
        "",
        "Hệ thống",
    ]
    .iter()
    .enumerate()
    {
        visible.write_string(4, c as u16, *v).unwrap();
    }
    let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 6, 30).unwrap();
    let as_date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    visible
        .write_datetime_with_format(4, 4, day, &as_date)
        .unwrap();
    visible.set_active(true);
    let report = import(
        &coordinator,
        &plan,
        "",
        XLSX,
        workbook.save_to_buffer().unwrap(),
    )
    .await
    .ok();
    assert_eq!(results(&report), ["created", "created"]);
    let tasks = plan_tasks(&coordinator, &plan).await;
    assert_eq!(tasks.len(), 2);
    assert_eq!(
        tasks[1]["deadline"],
        serde_json::json!({"kind": "date", "value": "2024-06-30", "label": "30/6/2024"})
    );
    assert_eq!(tasks[0]["code"], "HT1");
    assert_eq!(
        tasks[0]["title"], "Rà soát thủ tục",
        "the formula's cached value"
    );
    assert_eq!(tasks[0]["deadline"]["label"], "Tháng 9/2024");
}

#[actix_web::test]
async fn a_retried_import_gets_its_first_answer() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator
        .create_plan(&PlanBody::new("CCHC-2024-LAI", 2024))
        .await
        .id();
    let sheet = csv_sheet(&["1,Rà soát văn bản,institution,STP,,30/6/2024,Báo cáo"]);
    let send = |body: Vec<u8>| {
        coordinator
            .request(Method::POST, &format!("/api/v1/plans/{plan}/import"))
            .header("Idempotency-Key", "nhap-ke-hoach-2024")
            .raw("text/csv", body)
            .send()
    };
    let first = send(sheet.clone()).await;
    assert_eq!(results(&first.ok()), ["created"]);
    assert_eq!(first.header("idempotency-replayed"), None);
    let retry = send(sheet.clone()).await;
    assert_eq!(retry.ok(), first.body, "the first answer, not 'unchanged'");
    assert_eq!(retry.header("idempotency-replayed"), Some("true"));
    let other = csv_sheet(&["1,Rà soát văn bản,institution,STP,,30/6/2024,Báo cáo tổng hợp"]);
    send(other)
        .await
        .problem(422)
        .problem_type("idempotency-key-reused");
    let count = app.count(&format!(
        "SELECT count(*) AS n FROM tasks WHERE plan_id = '{plan}'"
    ));
    assert_eq!(count, 1);
    // another key is another import
    let other = csv_sheet(&["1,Rà soát văn bản,institution,STP,,30/6/2024,Báo cáo tổng hợp"]);
    let second = coordinator
        .request(Method::POST, &format!("/api/v1/plans/{plan}/import"))
        .header("Idempotency-Key", "nhap-ke-hoach-2024-lan-2")
        .raw("text/csv", other)
        .send()
        .await;
    assert_eq!(second.header("idempotency-replayed"), None);
    assert_eq!(results(&second.ok()), ["updated"]);
}

#[actix_web::test]
async fn rows_name_the_plans_objectives_by_code() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator
        .create_plan(&PlanBody::new("CCHC-2024-MT", 2024))
        .await
        .id();
    let objective = coordinator
        .create_objective(
            &plan,
            &crate::bodies::ObjectiveBody::new("MT01", "Nâng cao chỉ số PAR Index"),
        )
        .await
        .id();
    let sheet = |objective: &str| {
        format!(
            "Mã,Nhiệm vụ,Lĩnh vực,Cơ quan chủ trì,Thời hạn,\"Kết quả, sản phẩm\",Mục tiêu\r\n\
             A1,Khảo sát hài lòng,civil_service,SNV,Thường xuyên,Báo cáo,{objective}\r\n"
        )
        .into_bytes()
    };
    let r = import(&coordinator, &plan, "", "text/csv", sheet("MT09")).await;
    assert_eq!(cell_errors(&r), [(2, "Mục tiêu".to_string())]);
    import(&coordinator, &plan, "", "text/csv", sheet("mt01"))
        .await
        .ok();
    let tasks = coordinator.tasks(&format!("plan_id={plan}")).await;
    assert_eq!(tasks[0]["objective_id"], objective.as_str());
    // a sheet without the column leaves the objective as it is
    let without_column = String::from_utf8(sheet(""))
        .unwrap()
        .replace(",Mục tiêu\r\n", "\r\n")
        .replace("Báo cáo,\r\n", "Báo cáo\r\n");
    let report = import(
        &coordinator,
        &plan,
        "",
        "text/csv",
        without_column.into_bytes(),
    )
    .await
    .ok();
    assert_eq!(results(&report), ["unchanged"]);
    assert_eq!(
        coordinator.tasks(&format!("plan_id={plan}")).await[0]["objective_id"],
        objective.as_str()
    );
    // an empty cell in the column takes the objective away
    let report = import(&coordinator, &plan, "", "text/csv", sheet(""))
        .await
        .ok();
    assert_eq!(results(&report), ["updated"]);
    assert!(coordinator.tasks(&format!("plan_id={plan}")).await[0]["objective_id"].is_null());
}

/// An appendix lists every task of a plan up to its cap, and refuses (naming
/// the plan) one task more rather than print a truncated appendix.
#[actix_web::test]
async fn an_appendix_lists_as_many_tasks_as_its_cap_and_refuses_one_more() {
    use par_tracker::service::sheets::MAX_APPENDIX_TASKS;
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator
        .create_plan(&PlanBody::new("CCHC-2025-LON", 2025))
        .await
        .id();
    let add_tasks = |from: usize, to: usize| {
        app.execute(&format!(
            "INSERT INTO tasks (id, plan_id, code, title, area, lead_agency_id, deadline_kind,
                                deadline_value, deadline_label, original_due_on, due_on,
                                expected_output, status, progress_percent, search_text)
             SELECT gen_random_uuid(), '{plan}', 'NV' || t, 'Nhiệm vụ số ' || t, 'institution',
                    (SELECT id FROM agencies WHERE code = 'STP'), 'date', '2025-06-30',
                    '30/6/2025', DATE '2025-06-30', DATE '2025-06-30', 'Báo cáo',
                    'in_progress', 0, 'nv' || t
             FROM generate_series({from}, {to}) t"
        ))
    };
    let appendix = format!("/api/v1/plans/{plan}/appendix?as_of=2025-06-30");
    add_tasks(1, MAX_APPENDIX_TASKS);
    let full = coordinator.get(&appendix).await;
    assert_eq!(full.status.as_u16(), 200, "{}", full.raw);
    add_tasks(MAX_APPENDIX_TASKS + 1, MAX_APPENDIX_TASKS + 1);
    let over = coordinator.get(&appendix).await;
    over.field_error(422, "id");
    assert!(
        over.raw.contains("more than an appendix lists"),
        "{}",
        over.raw
    );
}

/// The appendix cites the documents reported by the end of its day in the
/// province (UTC+7): a report at 16:59:59 UTC is of that day, one at
/// 17:00:00 of the next.
#[actix_web::test]
async fn the_appendix_cites_what_was_reported_by_the_end_of_its_day() {
    use crate::bodies::{Evidence, ReportBody};
    use crate::common::clock_at;
    use crate::demo::STP;
    let mut app = TestApp::demo_with_clock(clock_at("2024-05-15T16:59:59Z")).await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator.create_plan(&PlanBody::year(2024)).await.id();
    let task = coordinator
        .create_task(&plan, &TaskBody::new("E1").lead(STP).date("2024-12-31"))
        .await
        .id();
    let cite = |number: &str| {
        ReportBody::new(30, "Đã ban hành văn bản").evidence(Evidence::new(
            number,
            "2024-05-10",
            "UBND tỉnh",
            "Văn bản triển khai",
        ))
    };
    Actor::officer(&app, STP)
        .post_report(&task, &cite("01/QĐ-UBND"))
        .await;
    app.set_clock(clock_at("2024-05-15T17:00:00Z")).await;
    Actor::officer(&app, STP)
        .post_report(&task, &cite("02/KH-UBND"))
        .await;
    let inspector = Actor::inspector(&app);
    for (day, cited) in [
        ("2024-05-15", "01/QĐ-UBND"),
        ("2024-05-16", "01/QĐ-UBND; 02/KH-UBND"),
    ] {
        let rows = xlsx_reply(
            &inspector
                .get(&format!("/api/v1/plans/{plan}/appendix?as_of={day}"))
                .await,
        );
        let row = rows.iter().find(|r| r[0] == "1").expect("the task's row");
        assert_eq!(row[7], cited, "as of {day}");
    }
}
