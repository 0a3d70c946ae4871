//! Evidence files: upload one, read one, and forget uploads nobody cited.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::Actor;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::FileId;
use crate::domain::policy::{Action, Principal};
use crate::store;
use crate::store::files::{DatabaseChunks, FileContents, FileRow};

/// Where uploaded contents are kept: in PostgreSQL, with their rows. The one
/// place another `FileContents` (an object store) would be chosen.
pub static CONTENTS: &dyn FileContents = &DatabaseChunks;

/// How long an upload no evidence cites is kept.
pub const UNATTACHED_FOR: chrono::Duration = chrono::Duration::hours(24);

/// An uploaded file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FileInfo {
    #[schema(value_type = uuid::Uuid)]
    pub id: FileId,
    /// The name as given (NFC).
    pub name: String,
    /// The type told by the content.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the content, lower-case hex; also the download's `ETag`.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

impl From<FileRow> for FileInfo {
    fn from(row: FileRow) -> FileInfo {
        FileInfo {
            id: row.id,
            name: row.name,
            content_type: row.content_type,
            size: row.size,
            sha256: row.sha256,
            uploaded_at: row.uploaded_at,
        }
    }
}

/// A file as received: its name already checked, its size already bounded.
#[derive(Debug)]
pub struct Upload {
    pub name: String,
    pub content_type: &'static str,
    pub content: Vec<u8>,
}

/// Keeps an uploaded file, for the caller (and its agency) to cite as evidence.
pub fn upload(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    upload: Upload,
) -> DomainResult<FileInfo> {
    actor.may(Action::UploadEvidence)?;
    let row = FileRow {
        id: FileId::new(),
        name: upload.name,
        content_type: upload.content_type.to_string(),
        size: upload.content.len() as i64,
        sha256: format!("{:x}", Sha256::digest(&upload.content)),
        uploaded_by: actor.principal.user_id,
        agency_id: actor.principal.agency_id,
        uploaded_at: actor.now,
    };
    store::files::insert_file(conn, CONTENTS, &row, &upload.content)?;
    Ok(row.into())
}

/// The file, if the caller may read it: anyone signed in may read a file
/// evidence cites (everyone reads reports, claims and remedies); an uncited
/// upload, only its uploader (others are told it does not exist).
pub fn open(conn: &mut PgConnection, who: &Principal, id: FileId) -> DomainResult<FileRow> {
    let file = store::files::find_file(conn, id)?.ok_or(DomainError::not_found("file"))?;
    if file.uploaded_by == who.user_id || store::files::is_attached(conn, id)? {
        Ok(file)
    } else {
        Err(DomainError::not_found("file"))
    }
}

/// The bytes `first..=last` of a file, in pieces.
pub fn read(
    conn: &mut PgConnection,
    file: &FileRow,
    first: u64,
    last: u64,
) -> DomainResult<Vec<Vec<u8>>> {
    Ok(CONTENTS.read_range(conn, &file.sha256, first, last)?)
}

/// Forgets uploads no evidence cites once they are `UNATTACHED_FOR` old, in
/// batches; any node may run it, at the same time as another.
pub fn sweep(conn: &mut PgConnection, now: DateTime<Utc>) -> DomainResult<usize> {
    Ok(store::files::sweep_unattached(
        conn,
        CONTENTS,
        now - UNATTACHED_FOR,
        500,
    )?)
}
