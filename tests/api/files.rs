//! Evidence files: an agency uploads the signed document, cites it in its
//! evidence, and whoever reads the report downloads it, whole or in part.

use actix_web::http::Method;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::actors::{fresh_task, path, Actor};
use crate::bodies::{DecisionBody, Evidence, ExtensionBody, ReportBody, TaskBody};
use crate::common::{JsonExt, Reply, TestApp};
use crate::demo::{self, NHATRANG, STP};

const BOUNDARY: &str = "----cchc-boundary-7d3f0a";

/// A multipart/form-data body with one part, `file`, as a browser sends it.
fn multipart(file_name: &str, content: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A PDF of about `bytes` bytes, different at every offset (so a wrong slice shows).
pub fn pdf(bytes: usize) -> Vec<u8> {
    let mut content = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut i: u32 = 0;
    while content.len() < bytes - 6 {
        content.extend_from_slice(&i.to_le_bytes());
        i = i
            .wrapping_mul(1_103_515_245)
            .wrapping_add(12_345 + content.len() as u32);
    }
    content.truncate(bytes - 6);
    content.extend_from_slice(b"%%EOF\n");
    content
}

/// A small PDF as an upload: the content type and body to send.
pub fn upload_body(file_name: &str) -> (String, Vec<u8>) {
    (
        format!("multipart/form-data; boundary={BOUNDARY}"),
        multipart(file_name, &pdf(2000)),
    )
}

/// A PDF uploaded by `agency`'s officer and cited by its report on `task`; its id.
pub async fn uploaded_and_cited(app: &TestApp, agency: &str, task: &str) -> String {
    let officer = Actor::officer(app, agency);
    let file = upload(&officer, "Khởi động.pdf", &pdf(2000))
        .await
        .created()
        .id();
    officer
        .post_report(
            task,
            &ReportBody::new(10, "Khởi động").evidence(cited(&file)),
        )
        .await;
    file
}

pub async fn upload(actor: &Actor<'_>, file_name: &str, content: &[u8]) -> Reply {
    actor
        .request(Method::POST, path::FILES)
        .raw(
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            multipart(file_name, content),
        )
        .send()
        .await
}

/// Files uploaded in the test: the demo's own illustrative PDFs left out.
fn uploads(app: &TestApp) -> i64 {
    app.count("SELECT count(*) AS n FROM files WHERE name NOT LIKE '%(minh họa).pdf'")
}

fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

async fn demo_task(app: &TestApp, code: &str) -> String {
    let plan = Actor::inspector(app).demo_plan_id().await;
    fresh_task(app, &plan, TaskBody::new(code).date(demo::YEAR_END)).await
}

fn cited(file: &str) -> Evidence {
    Evidence::new(
        "15/BC-STP",
        "2023-11-20",
        "Sở Tư pháp",
        "Báo cáo kết quả rà soát",
    )
    .file_id(file)
}

#[actix_web::test]
async fn a_pdf_uploaded_by_an_agency_is_cited_and_read_byte_for_byte() {
    let app = TestApp::demo().await;
    let stp = Actor::officer(&app, STP);
    // over two chunks of 1 MiB, so ranges cross them
    let content = pdf(2_500_000);
    let file = upload(&stp, "Báo cáo 15-BC-STP.pdf", &content)
        .await
        .created();
    assert_eq!(file["name"], "Báo cáo 15-BC-STP.pdf");
    assert_eq!(file["content_type"], "application/pdf");
    assert_eq!(content.len(), 2_500_000);
    assert_eq!(file["size"], content.len());
    assert_eq!(file["sha256"], sha256(&content));
    assert!(file["uploaded_at"].is_string());
    let id = file.id();

    let task = demo_task(&app, "TL-01").await;
    let report = stp
        .post_report(
            &task,
            &ReportBody::new(50, "Đã rà soát").evidence(cited(&id)),
        )
        .await;
    let shown = &report["evidence"][0]["file"];
    assert_eq!(
        *shown,
        json!({"id": id, "name": "Báo cáo 15-BC-STP.pdf", "content_type": "application/pdf", "size": content.len()})
    );
    // and as listed later, from the database
    let inspector = Actor::inspector(&app);
    assert_eq!(
        inspector.reports(&task).await[0]["evidence"][0]["file"],
        *shown
    );

    let r = inspector.get(&path::file(&id)).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.bytes.len(), content.len());
    assert_eq!(sha256(&r.bytes), sha256(&content), "byte for byte");
    assert_eq!(r.content_type(), "application/pdf");
    assert_eq!(
        r.header("etag"),
        Some(format!("\"{}\"", sha256(&content)).as_str())
    );
    // (Content-Length is written by the HTTP layer from the sized body: not in the test's headers)
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"Bao cao 15-BC-STP.pdf\"; filename*=UTF-8''B%C3%A1o%20c%C3%A1o%2015-BC-STP.pdf")
    );

    // a range across the first chunk's end
    let (first, last) = (1_048_570usize, 1_048_600usize);
    let r = inspector
        .request(Method::GET, &path::file(&id))
        .header("Range", &format!("bytes={first}-{last}"))
        .send()
        .await;
    assert_eq!(r.status.as_u16(), 206, "{}", r.raw);
    assert_eq!(&r.bytes[..], &content[first..=last]);
    let range = format!("bytes {first}-{last}/{}", content.len());
    assert_eq!(r.header("content-range"), Some(range.as_str()));
    assert_eq!(r.bytes.len(), 31);
    // the last bytes, and a range from an offset to the end
    let r = inspector
        .request(Method::GET, &path::file(&id))
        .header("Range", "bytes=-6")
        .send()
        .await;
    assert_eq!(r.status.as_u16(), 206);
    assert_eq!(&r.bytes[..], b"%%EOF\n");
    let r = inspector
        .request(Method::GET, &path::file(&id))
        .header("Range", "bytes=2097150-")
        .send()
        .await;
    assert_eq!(&r.bytes[..], &content[2_097_150..]);
    // nothing of the file in it
    let r = inspector
        .request(Method::GET, &path::file(&id))
        .header("Range", &format!("bytes={}-", content.len()))
        .send()
        .await;
    r.problem(416).problem_type("range-not-satisfiable");
    let unsatisfied = format!("bytes */{}", content.len());
    assert_eq!(r.header("content-range"), Some(unsatisfied.as_str()));

    // every signed-in reader of the report reads its file; nobody else
    Actor::officer(&app, NHATRANG)
        .get(&path::file(&id))
        .await
        .ok();
    Actor::anonymous(&app)
        .get(&path::file(&id))
        .await
        .unauthorized("a download without a token");
}

#[actix_web::test]
async fn the_type_is_told_by_the_content_not_the_name() {
    let app = TestApp::demo().await;
    let stp = Actor::officer(&app, STP);
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0".repeat(40);
    let mz = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0".repeat(40);
    for (name, content) in [("bao-cao.pdf", &elf), ("quyet-dinh.pdf", &mz)] {
        upload(&stp, name, content)
            .await
            .problem(415)
            .problem_type("unsupported-media-type");
    }
    // a PNG called .pdf is kept as the PNG it is
    let png = [b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".as_slice(), &[0u8; 64]].concat();
    let r = upload(&stp, "so-do.pdf", &png).await.created();
    assert_eq!(r["content_type"], "image/png");
    assert_eq!(uploads(&app), 1);
}

#[actix_web::test]
async fn a_file_over_20_mib_is_refused_while_it_arrives() {
    let app = TestApp::demo().await;
    let stp = Actor::officer(&app, STP);
    upload(&stp, "ho-so.pdf", &pdf(25 * 1024 * 1024))
        .await
        .problem(413)
        .problem_type("payload-too-large");
    // exactly 20 MiB is allowed
    upload(&stp, "ho-so.pdf", &pdf(20 * 1024 * 1024))
        .await
        .created();
    assert_eq!(uploads(&app), 1);
    assert_eq!(app.count("SELECT count(*) AS n FROM file_chunks c JOIN files f USING (sha256) WHERE f.name NOT LIKE '%(minh họa).pdf'"), 20);
}

#[actix_web::test]
async fn evidence_cites_only_its_own_agency_s_files() {
    let app = TestApp::demo().await;
    let stp = Actor::officer(&app, STP);
    let theirs = upload(&Actor::officer(&app, NHATRANG), "kh.pdf", &pdf(2000))
        .await
        .created()
        .id();
    let task = demo_task(&app, "TL-02").await;
    let ours = Evidence::new("1/BC-STP", "2023-11-20", "Sở Tư pháp", "Báo cáo");
    for file in [theirs.as_str(), "6f1c1d3e-0000-4000-8000-000000000000"] {
        let report = ReportBody::new(30, "Báo cáo")
            .evidence(ours.clone())
            .evidence(cited(file));
        stp.post(&path::reports(&task), &report)
            .await
            .field_error(422, "evidence[1].file_id");
    }
    assert_eq!(app.reports_stored(&task), 0);
    // a file of another account of one's own agency is the agency's
    app.create_user("stp-2", "agency_officer", Some(STP), demo::PASSWORD);
    let mine = upload(&Actor::named(&app, "stp-2"), "bc.pdf", &pdf(2000))
        .await
        .created()
        .id();
    stp.post_report(
        &task,
        &ReportBody::new(30, "Báo cáo").evidence(cited(&mine)),
    )
    .await;
}

#[actix_web::test]
async fn an_upload_nobody_cites_is_its_uploader_s_alone() {
    let app = TestApp::demo().await;
    let stp = Actor::officer(&app, STP);
    let file = upload(&stp, "nhap.pdf", &pdf(3000)).await.created().id();
    stp.get(&path::file(&file)).await.ok();
    for who in [
        Actor::officer(&app, NHATRANG),
        Actor::inspector(&app),
        Actor::coordinator(&app),
    ] {
        who.get(&path::file(&file)).await.problem(404);
    }
    Actor::anonymous(&app)
        .get(&path::file(&file))
        .await
        .unauthorized("a download without a token");
    stp.get(&path::file("6f1c1d3e-0000-4000-8000-000000000000"))
        .await
        .problem(404);
}

#[actix_web::test]
async fn a_name_is_only_a_name() {
    let app = TestApp::demo().await;
    let stp = Actor::officer(&app, STP);
    let name = "../../etc/Quyết định số 12 ngày 20-11 (bản ký).pdf";
    let file = upload(&stp, name, &pdf(4000)).await.created();
    assert_eq!(file["name"], name);
    let r = stp.get(&path::file(&file.id())).await;
    let disposition = r.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\".._.._etc_Quyet dinh so 12"),
        "{disposition}"
    );
    assert!(
        disposition.contains("filename*=UTF-8''..%2F..%2Fetc%2FQuy%E1%BA%BFt"),
        "{disposition}"
    );
    // it was stored as a row, under its id, nowhere else
    assert_eq!(
        app.texts(&format!(
            "SELECT name AS t FROM files WHERE id = '{}'",
            file.id()
        )),
        [name]
    );
}

#[actix_web::test]
async fn malformed_uploads_are_problems_not_errors() {
    let app = TestApp::demo().await;
    let stp = Actor::officer(&app, STP);
    let send = |content_type: &'static str, body: &'static [u8]| {
        stp.request(Method::POST, path::FILES)
            .raw(content_type, body)
    };
    send("application/json", b"{}").send().await.problem(415);
    send("multipart/form-data", b"--x\r\n")
        .send()
        .await
        .problem(400);
    let r = send(
        "multipart/form-data; boundary=x",
        b"--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc",
    )
    .send()
    .await;
    r.problem(400);
    // a part with another name, a part without a file name, no part at all
    let other = b"--x\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\r\n--x--\r\n";
    send("multipart/form-data; boundary=x", other)
        .send()
        .await
        .field_error(400, "file");
    let nameless =
        b"--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n%PDF-1.4\r\n--x--\r\n";
    send("multipart/form-data; boundary=x", nameless)
        .send()
        .await
        .field_error(400, "file");
    send("multipart/form-data; boundary=x", b"--x--\r\n")
        .send()
        .await
        .problem(400);
    assert_eq!(uploads(&app), 0);
}

#[actix_web::test]
async fn uploads_nobody_cites_are_swept_after_a_day() {
    let app = TestApp::demo().await;
    let stp = Actor::officer(&app, STP);
    let kept = upload(&stp, "cited.pdf", &pdf(1_500_000))
        .await
        .created()
        .id();
    let left = upload(&stp, "left.pdf", &pdf(1_500_000))
        .await
        .created()
        .id();
    let fresh = upload(&stp, "fresh.pdf", &pdf(1000)).await.created().id();
    let task = demo_task(&app, "TL-03").await;
    stp.post_report(
        &task,
        &ReportBody::new(20, "Báo cáo").evidence(cited(&kept)),
    )
    .await;
    app.execute(&format!(
        "UPDATE files SET uploaded_at = now() - interval '25 hours' WHERE id IN ('{kept}', '{left}')"
    ));
    let (_, _, swept) = par_tracker::startup::housekeeping(app.pool()).unwrap();
    assert_eq!(swept, 1);
    let ids = app.texts(
        "SELECT id::text AS t FROM files WHERE name NOT LIKE '%(minh họa).pdf' ORDER BY name",
    );
    assert_eq!(ids, [kept.clone(), fresh]);
    // its content went with it; the cited file's stays
    assert_eq!(
        app.count("SELECT count(*) AS n FROM file_blobs b WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = b.sha256)"),
        0
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM file_chunks c JOIN files f USING (sha256) WHERE f.id = '{kept}'"
        )),
        2
    );
    Actor::inspector(&app).get(&path::file(&kept)).await.ok();
    // twice is once
    assert_eq!(par_tracker::startup::housekeeping(app.pool()).unwrap().2, 0);
}

#[actix_web::test]
async fn the_demo_s_reports_carry_illustrative_pdfs() {
    let app = TestApp::demo().await;
    assert_eq!(
        app.count(
            "SELECT count(DISTINCT f.id) AS n FROM files f \
             JOIN evidence_documents e ON e.file_id = f.id WHERE f.name LIKE '%(minh họa).pdf'"
        ),
        5
    );
    let inspector = Actor::inspector(&app);
    let task = inspector.demo_task("NV01").await.id();
    let report = &inspector.reports(&task).await[0];
    let file = &report["evidence"][0]["file"];
    assert_eq!(file["name"], "330-SNV-CCHC (minh họa).pdf");
    let r = inspector.get(&path::file(&file.id())).await;
    assert_eq!(r.status.as_u16(), 200);
    assert!(r.bytes.starts_with(b"%PDF-1.4\n") && r.bytes.ends_with(b"%%EOF\n"));
    assert!(r.raw.contains("ILLUSTRATIVE"), "{}", r.raw);
    assert_eq!(file["size"], r.bytes.len());
}

#[actix_web::test]
async fn identical_content_is_stored_once() {
    let app = TestApp::demo().await;
    let content = pdf(1_200_000);
    let stp = upload(&Actor::officer(&app, STP), "a.pdf", &content)
        .await
        .created();
    let other = upload(&Actor::officer(&app, NHATRANG), "b.pdf", &content)
        .await
        .created();
    assert_ne!(
        stp.id(),
        other.id(),
        "two uploads, each with its name and uploader"
    );
    assert_eq!(stp["sha256"], other["sha256"]);
    let sha = stp["sha256"].as_str().unwrap().to_string();
    let stored = |table: &str| {
        app.count(&format!(
            "SELECT count(*) AS n FROM {table} WHERE sha256 = '{sha}'"
        ))
    };
    assert_eq!((stored("file_blobs"), stored("file_chunks")), (1, 2));
    // one upload swept: the content stays for the other, which still reads whole
    app.execute(&format!(
        "UPDATE files SET uploaded_at = now() - interval '25 hours' WHERE id = '{}'",
        other.id()
    ));
    assert_eq!(par_tracker::startup::housekeeping(app.pool()).unwrap().2, 1);
    assert_eq!((stored("file_blobs"), stored("file_chunks")), (1, 2));
    let r = Actor::officer(&app, STP).get(&path::file(&stp.id())).await;
    assert_eq!(sha256(&r.bytes), sha);
    // the last one gone, the content goes too
    app.execute("UPDATE files SET uploaded_at = now() - interval '25 hours'");
    par_tracker::startup::housekeeping(app.pool()).unwrap();
    assert_eq!((stored("file_blobs"), stored("file_chunks")), (0, 0));
}

#[actix_web::test]
async fn an_extension_request_carries_its_letter() {
    let app = TestApp::demo().await;
    let stp = Actor::officer(&app, STP);
    let letter = upload(&stp, "Công văn xin gia hạn.pdf", &pdf(3000))
        .await
        .created()
        .id();
    let theirs = upload(&Actor::officer(&app, NHATRANG), "kh.pdf", &pdf(2000))
        .await
        .created()
        .id();
    let task = demo_task(&app, "GH-01").await;
    // another agency's upload is refused, and nothing is asked
    stp.request(Method::POST, &path::extension_requests(&task))
        .body(&ExtensionBody::new("2024-03-31", "Chờ ý kiến của Bộ").evidence(cited(&theirs)))
        .send()
        .await
        .field_error(422, "evidence[0].file_id");
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM extension_requests WHERE reason = 'Chờ ý kiến của Bộ'"
        ),
        0
    );
    let asked = stp
        .request_extension(
            &task,
            &ExtensionBody::new("2024-03-31", "Chờ ý kiến của Bộ").evidence(cited(&letter)),
        )
        .await;
    let shown = &asked["evidence"][0]["file"];
    assert_eq!(shown["id"], letter.as_str());
    assert_eq!(shown["name"], "Công văn xin gia hạn.pdf");
    // the coordinator sees it in the queue and reads the letter before deciding
    let coordinator = Actor::coordinator(&app);
    let queue = coordinator
        .get(&path::extension_queue("status=pending"))
        .await
        .ok();
    let queued = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == asked["id"])
        .expect("in the queue");
    assert_eq!(queued["evidence"][0]["file"], *shown);
    let r = coordinator.get(&path::file(&letter)).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(sha256(&r.bytes), sha256(&pdf(3000)));
    let decided = coordinator
        .decide_extension(&asked.id(), &DecisionBody::approve())
        .await;
    assert_eq!(decided["evidence"][0]["file"], *shown);
    // cited, it outlives the sweep of unattached uploads
    app.execute("UPDATE files SET uploaded_at = now() - interval '25 hours'");
    par_tracker::startup::housekeeping(app.pool()).unwrap();
    let r = coordinator.get(&path::file(&letter)).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
}

/// The measurement behind the storage chosen (README, "Evidence files"): the
/// contents as 1 MiB `bytea` chunks (what the server does) against PostgreSQL
/// large objects, for writing, reading whole, reading a 64 KiB range, and size
/// on disk. `cargo test --release --test api files::storage_figures -- --ignored --nocapture`
#[actix_web::test]
#[ignore = "a measurement, not a check"]
async fn storage_figures() {
    use diesel::connection::Connection;
    use diesel::sql_types::{BigInt, Binary, Integer, Oid, Text};
    use diesel::{sql_query, QueryableByName, RunQueryDsl};
    use par_tracker::store::files::{DatabaseChunks, FileContents};
    use std::time::{Duration, Instant};

    #[derive(QueryableByName)]
    struct Made {
        #[diesel(sql_type = Oid)]
        oid: u32,
    }
    #[derive(QueryableByName)]
    struct Read {
        #[diesel(sql_type = Binary)]
        data: Vec<u8>,
    }
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    fn incompressible(size: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..size)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }
    fn median(mut d: Vec<Duration>) -> f64 {
        d.sort();
        d[d.len() / 2].as_secs_f64() * 1000.0
    }

    let app = TestApp::empty().await;
    let mut conn = app.pool().get().unwrap();
    let on_disk = |conn: &mut diesel::PgConnection| -> (i64, i64) {
        let size = |conn: &mut diesel::PgConnection, table: &str| {
            sql_query(format!("SELECT pg_total_relation_size('{table}') AS n"))
                .get_result::<Size>(conn)
                .unwrap()
                .n
        };
        (size(conn, "file_chunks"), size(conn, "pg_largeobject"))
    };
    let (chunks_before, lo_before) = on_disk(&mut conn);
    let mut stored = 0i64;
    println!("| size | store | write ms | read whole ms | read 64 KiB ms |");
    println!("| --- | --- | --- | --- | --- |");
    for (round, mib) in [1usize, 5, 20].into_iter().enumerate() {
        let size = mib * 1024 * 1024 - 1;
        let (mut chunk_times, mut lo_times) = ((vec![], vec![], vec![]), (vec![], vec![], vec![]));
        for i in 0..5u64 {
            let content = incompressible(size, (round as u64 * 16 + i) * 2 + 1);
            let sha = format!("{:x}", Sha256::digest(&content));
            stored += size as i64;
            let mid = (size / 2) as u64;

            let started = Instant::now();
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                sql_query("INSERT INTO file_blobs (sha256, size) VALUES ($1, $2)")
                    .bind::<Text, _>(&sha)
                    .bind::<BigInt, _>(size as i64)
                    .execute(conn)?;
                DatabaseChunks.put(conn, &sha, &content)
            })
            .unwrap();
            chunk_times.0.push(started.elapsed());
            let started = Instant::now();
            let whole: Vec<u8> = DatabaseChunks
                .read_range(&mut conn, &sha, 0, size as u64 - 1)
                .unwrap()
                .concat();
            chunk_times.1.push(started.elapsed());
            let started = Instant::now();
            let part = DatabaseChunks
                .read_range(&mut conn, &sha, mid, mid + 65_535)
                .unwrap()
                .concat();
            chunk_times.2.push(started.elapsed());
            assert!(whole == content && part[..] == content[mid as usize..mid as usize + 65_536]);

            let started = Instant::now();
            let oid = conn
                .transaction::<_, diesel::result::Error, _>(|conn| {
                    sql_query("SELECT lo_from_bytea(0, $1) AS oid")
                        .bind::<Binary, _>(&content)
                        .get_result::<Made>(conn)
                })
                .unwrap()
                .oid;
            lo_times.0.push(started.elapsed());
            let started = Instant::now();
            let whole = sql_query("SELECT lo_get($1) AS data")
                .bind::<Oid, _>(oid)
                .get_result::<Read>(&mut conn)
                .unwrap()
                .data;
            lo_times.1.push(started.elapsed());
            let started = Instant::now();
            let part = sql_query("SELECT lo_get($1, $2, $3) AS data")
                .bind::<Oid, _>(oid)
                .bind::<BigInt, _>(mid as i64)
                .bind::<Integer, _>(65_536)
                .get_result::<Read>(&mut conn)
                .unwrap()
                .data;
            lo_times.2.push(started.elapsed());
            assert!(whole == content && part[..] == content[mid as usize..mid as usize + 65_536]);
        }
        for (name, t) in [("bytea chunks", chunk_times), ("large object", lo_times)] {
            println!(
                "| {mib} MiB | {name} | {:.1} | {:.1} | {:.2} |",
                median(t.0),
                median(t.1),
                median(t.2)
            );
        }
    }
    sql_query("CHECKPOINT").execute(&mut conn).ok();
    let (chunks_after, lo_after) = on_disk(&mut conn);
    println!(
        "on disk per MiB stored: bytea chunks {:.3} MiB, large objects {:.3} MiB",
        (chunks_after - chunks_before) as f64 / stored as f64,
        (lo_after - lo_before) as f64 / stored as f64
    );
}
