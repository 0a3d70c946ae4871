//! Evidence files: one `files` row per upload, naming the blob of its content
//! by SHA-256; a blob (stored once, however many uploads share it) has its bytes
//! in `file_chunks` of at most `CHUNK_BYTES` each, in order of `seq`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text, Timestamptz};

use crate::db::schema::{agency_period_reports, evidence_documents, file_chunks, files};
use crate::domain::ids::{AgencyId, FileId, UserId};

/// The size of a stored chunk: a download reads only the chunks its range covers.
pub const CHUNK_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = files)]
pub struct FileRow {
    pub id: FileId,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: UserId,
    pub agency_id: Option<AgencyId>,
    pub uploaded_at: DateTime<Utc>,
}

/// What an evidence item shows of its file.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = files)]
pub struct FileMeta {
    pub id: FileId,
    pub name: String,
    pub content_type: String,
    pub size: i64,
}

impl From<&FileRow> for FileMeta {
    fn from(row: &FileRow) -> FileMeta {
        FileMeta {
            id: row.id,
            name: row.name.clone(),
            content_type: row.content_type.clone(),
            size: row.size,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = file_chunks)]
struct NewChunk<'a> {
    sha256: &'a str,
    seq: i32,
    data: &'a [u8],
}

#[derive(QueryableByName)]
struct Gone {
    #[diesel(sql_type = Text)]
    sha256: String,
}

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = Bool)]
    inserted: bool,
}

/// Where the bytes of each content live, addressed by its SHA-256. The
/// `file_blobs` row (its size, and the lock an upload and the sweep take on it)
/// stays in PostgreSQL whatever keeps the bytes, so uploads, citing and the sweep
/// keep their transactions; an object store would implement this trait, writing
/// the object before the upload commits and deleting it after the sweep does.
pub trait FileContents: Sync {
    /// Keeps new content; called once per SHA-256, in the upload's transaction.
    fn put(&self, conn: &mut PgConnection, sha256: &str, content: &[u8]) -> QueryResult<()>;
    /// The bytes `first..=last` of the content, in pieces.
    fn read_range(
        &self,
        conn: &mut PgConnection,
        sha256: &str,
        first: u64,
        last: u64,
    ) -> QueryResult<Vec<Vec<u8>>>;
    /// Forgets the contents whose blob rows the sweep has just deleted.
    fn forget(&self, conn: &mut PgConnection, sha256s: &[String]) -> QueryResult<()>;
}

/// The contents in PostgreSQL: `file_chunks` rows of at most `CHUNK_BYTES` of
/// `bytea`, removed with their blob row (`ON DELETE CASCADE`).
pub struct DatabaseChunks;

impl FileContents for DatabaseChunks {
    fn put(&self, conn: &mut PgConnection, sha256: &str, content: &[u8]) -> QueryResult<()> {
        for (seq, data) in content.chunks(CHUNK_BYTES).enumerate() {
            diesel::insert_into(file_chunks::table)
                .values(&NewChunk {
                    sha256,
                    seq: seq as i32,
                    data,
                })
                .execute(conn)?;
        }
        Ok(())
    }

    /// Reads only the chunks that cover the range, and trims them.
    fn read_range(
        &self,
        conn: &mut PgConnection,
        sha256: &str,
        first: u64,
        last: u64,
    ) -> QueryResult<Vec<Vec<u8>>> {
        let chunk = CHUNK_BYTES as u64;
        let (from_seq, to_seq) = ((first / chunk) as i32, (last / chunk) as i32);
        let rows: Vec<(i32, Vec<u8>)> = file_chunks::table
            .filter(file_chunks::sha256.eq(sha256))
            .filter(file_chunks::seq.between(from_seq, to_seq))
            .order(file_chunks::seq)
            .select((file_chunks::seq, file_chunks::data))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(seq, mut data)| {
                let start = seq as u64 * chunk;
                let end = start + data.len() as u64; // exclusive
                let keep_to = (last + 1).min(end) - start;
                data.truncate(keep_to as usize);
                let skip = first.saturating_sub(start) as usize;
                if skip > 0 {
                    data.drain(..skip.min(data.len()));
                }
                data
            })
            .collect())
    }

    fn forget(&self, _conn: &mut PgConnection, _sha256s: &[String]) -> QueryResult<()> {
        Ok(()) // the chunks went with their blob rows
    }
}

/// Stores an upload; its bytes only if no earlier upload had the same content
/// (`row.sha256`). The blob's row stays locked until the transaction ends, so
/// the sweep cannot remove it under the new upload.
pub fn insert_file(
    conn: &mut PgConnection,
    contents: &dyn FileContents,
    row: &FileRow,
    content: &[u8],
) -> QueryResult<()> {
    let stored: Stored = diesel::sql_query(
        "INSERT INTO file_blobs (sha256, size) VALUES ($1, $2)
         ON CONFLICT (sha256) DO UPDATE SET size = EXCLUDED.size
         RETURNING (xmax = 0) AS inserted",
    )
    .bind::<Text, _>(&row.sha256)
    .bind::<BigInt, _>(row.size)
    .get_result(conn)?;
    if stored.inserted {
        contents.put(conn, &row.sha256, content)?;
    }
    diesel::insert_into(files::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_file(conn: &mut PgConnection, id: FileId) -> QueryResult<Option<FileRow>> {
    files::table
        .find(id)
        .select(FileRow::as_select())
        .first(conn)
        .optional()
}

/// The file, locked against the sweep until the transaction ends: an
/// evidence item about to cite it keeps it.
pub fn find_file_to_attach(conn: &mut PgConnection, id: FileId) -> QueryResult<Option<FileRow>> {
    files::table
        .find(id)
        .select(FileRow::as_select())
        .for_share()
        .first(conn)
        .optional()
}

/// Whether an evidence item or an agency's period report cites the file.
pub fn is_attached(conn: &mut PgConnection, id: FileId) -> QueryResult<bool> {
    diesel::select(
        diesel::dsl::exists(evidence_documents::table.filter(evidence_documents::file_id.eq(id)))
            .or(diesel::dsl::exists(
                agency_period_reports::table.filter(agency_period_reports::file_id.eq(id)),
            )),
    )
    .get_result(conn)
}

/// What is shown of the files `ids`.
pub fn metas(conn: &mut PgConnection, ids: &[FileId]) -> QueryResult<Vec<FileMeta>> {
    files::table
        .filter(files::id.eq_any(ids))
        .select(FileMeta::as_select())
        .load(conn)
}

/// Removes up to `batch` files that no evidence (nor period report) cites and that were uploaded
/// before `before`, then up to `batch` blobs no file names any more, with
/// their chunks. Safe on several nodes at once: rows another sweep, an
/// evidence item being written or an upload of the same content holds are
/// skipped.
pub fn sweep_unattached(
    conn: &mut PgConnection,
    contents: &dyn FileContents,
    before: DateTime<Utc>,
    batch: i64,
) -> QueryResult<usize> {
    let files = diesel::sql_query(
        "DELETE FROM files WHERE id IN (
             SELECT f.id FROM files f
             WHERE f.uploaded_at < $1
               AND NOT EXISTS (SELECT 1 FROM evidence_documents e WHERE e.file_id = f.id)
               AND NOT EXISTS (SELECT 1 FROM agency_period_reports r WHERE r.file_id = f.id)
             ORDER BY f.uploaded_at
             LIMIT $2
             FOR UPDATE SKIP LOCKED)",
    )
    .bind::<Timestamptz, _>(before)
    .bind::<BigInt, _>(batch)
    .execute(conn)?;
    let gone: Vec<Gone> = diesel::sql_query(
        "DELETE FROM file_blobs WHERE sha256 IN (
             SELECT b.sha256 FROM file_blobs b
             WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = b.sha256)
             LIMIT $1
             FOR UPDATE SKIP LOCKED)
         RETURNING sha256",
    )
    .bind::<BigInt, _>(batch)
    .load(conn)?;
    let gone: Vec<String> = gone.into_iter().map(|g| g.sha256).collect();
    if !gone.is_empty() {
        contents.forget(conn, &gone)?;
    }
    Ok(files)
}
