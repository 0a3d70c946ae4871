//! Evidence documents (tài liệu kiểm chứng) cited by reports and completion claims.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use diesel::PgConnection;

use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{ClaimId, ExtensionId, FileId, RemedyId, ReportId};
use crate::domain::input::Checker;
use crate::domain::input::IsoDate;
use crate::domain::policy::Principal;
use crate::domain::text::{DocumentNumber, HttpUrl, Name, Title};
use crate::store;
use crate::store::files::FileMeta;
use crate::store::reports::{EvidenceRow, NewEvidence};

/// A document cited as evidence: a decision, plan, report or official letter.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Document number and symbol, e.g. `123/QĐ-UBND`.
    pub document_number: DocumentNumber,
    #[schema(value_type = String, format = Date)]
    pub issued_on: IsoDate,
    /// Who issued it, e.g. `UBND tỉnh`.
    pub issuer: Name,
    pub title: Title,
    /// Optional http(s) link to the document.
    pub url: Option<HttpUrl>,
    /// The document itself, uploaded first (`POST /files`) by an account of the
    /// same agency (or by the caller): beside or instead of `url`.
    #[serde(default)]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub file_id: Option<FileId>,
}

pub const MAX_EVIDENCE: usize = 20;

/// What the evidence belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Cited {
    Report(ReportId),
    Claim(ClaimId),
    Remedy(RemedyId),
    Extension(ExtensionId),
}

/// Turns evidence items into rows for one report, claim, remedy or extension request. Their shapes were
/// checked by their types; what remains is the count and the issue dates' range.
pub fn check_evidence(check: &mut Checker, items: &[Evidence], by: Cited) -> Vec<NewEvidence> {
    if items.len() > MAX_EVIDENCE {
        check.add("evidence", format!("at most {MAX_EVIDENCE} documents"));
    }
    let (report_id, completion_claim_id, finding_remedy_id, extension_request_id) = match by {
        Cited::Report(id) => (Some(id), None, None, None),
        Cited::Claim(id) => (None, Some(id), None, None),
        Cited::Remedy(id) => (None, None, Some(id), None),
        Cited::Extension(id) => (None, None, None, Some(id)),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, e)| NewEvidence {
            id: Uuid::new_v4(),
            report_id,
            completion_claim_id,
            position: i as i16,
            document_number: e.document_number.to_string(),
            issued_on: check.date_in_range(&format!("evidence[{i}].issued_on"), e.issued_on),
            issuer: e.issuer.to_string(),
            title: e.title.to_string(),
            url: e.url.as_ref().map(HttpUrl::to_string),
            finding_remedy_id,
            file_id: e.file_id,
            extension_request_id,
            file: None,
        })
        .collect()
}

/// Checks the files the evidence cites, in order, and notes them on the rows:
/// each must exist and be the caller's own upload or one of an account of the
/// caller's agency (else `422` naming `evidence[i].file_id`). Each cited file
/// is locked until the transaction ends, so the sweep of unattached uploads
/// cannot remove it meanwhile.
pub fn attach_files(
    conn: &mut PgConnection,
    who: &Principal,
    rows: &mut [NewEvidence],
) -> DomainResult<()> {
    for (i, row) in rows.iter_mut().enumerate() {
        let Some(id) = row.file_id else { continue };
        row.file = Some(citable_file(
            conn,
            who,
            id,
            &format!("evidence[{i}].file_id"),
        )?);
    }
    Ok(())
}

/// The file `id`, if the caller may cite it (its own upload, or one of an
/// account of its agency), locked until the transaction ends so the sweep of
/// unattached uploads cannot remove it meanwhile; else `422` naming `field`.
pub fn citable_file(
    conn: &mut PgConnection,
    who: &Principal,
    id: FileId,
    field: &str,
) -> DomainResult<FileMeta> {
    let file = store::files::find_file_to_attach(conn, id)?
        .ok_or_else(|| DomainError::rule(field, "no such file; upload it first"))?;
    if !may_cite(who, &file) {
        return Err(DomainError::rule(
            field,
            "the file was uploaded by another agency's account",
        ));
    }
    Ok(FileMeta::from(&file))
}

/// Whose uploads a caller may cite: its own, and those of its agency's accounts.
fn may_cite(who: &Principal, file: &store::files::FileRow) -> bool {
    file.uploaded_by == who.user_id || (file.agency_id.is_some() && file.agency_id == who.agency_id)
}

/// The file an evidence item carries, as shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EvidenceFile {
    #[schema(value_type = uuid::Uuid)]
    pub id: FileId,
    /// The name as uploaded.
    pub name: String,
    /// As sniffed from the content.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
}

impl From<FileMeta> for EvidenceFile {
    fn from(f: FileMeta) -> EvidenceFile {
        EvidenceFile {
            id: f.id,
            name: f.name,
            content_type: f.content_type,
            size: f.size,
        }
    }
}

/// Evidence as stored, in responses.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EvidenceDocument {
    /// Document number and symbol, e.g. `123/QĐ-UBND`.
    pub document_number: String,
    pub issued_on: NaiveDate,
    pub issuer: String,
    pub title: String,
    pub url: Option<String>,
    /// The uploaded document, when one is attached (`GET /files/{id}` serves it).
    pub file: Option<EvidenceFile>,
}

impl From<EvidenceRow> for EvidenceDocument {
    fn from(row: EvidenceRow) -> EvidenceDocument {
        EvidenceDocument {
            document_number: row.document_number,
            issued_on: row.issued_on,
            issuer: row.issuer,
            title: row.title,
            url: row.url,
            file: row.file.map(EvidenceFile::from),
        }
    }
}

/// Evidence rows grouped by what they belong to (`owner` of a row, if it is one of those).
fn grouped<K: std::hash::Hash + Eq>(
    rows: Vec<EvidenceRow>,
    owner: impl Fn(&EvidenceRow) -> Option<K>,
) -> HashMap<K, Vec<EvidenceDocument>> {
    let mut grouped: HashMap<K, Vec<EvidenceDocument>> = HashMap::new();
    for row in rows {
        if let Some(key) = owner(&row) {
            grouped.entry(key).or_default().push(row.into());
        }
    }
    grouped
}

/// Evidence rows grouped by the report they belong to.
pub fn by_report(rows: Vec<EvidenceRow>) -> HashMap<ReportId, Vec<EvidenceDocument>> {
    grouped(rows, |row| row.report_id)
}

/// Evidence rows grouped by the finding remedy they belong to.
pub fn by_remedy(rows: Vec<EvidenceRow>) -> HashMap<RemedyId, Vec<EvidenceDocument>> {
    grouped(rows, |row| row.finding_remedy_id)
}

/// Evidence rows grouped by the completion claim they belong to.
pub fn by_claim(rows: Vec<EvidenceRow>) -> HashMap<ClaimId, Vec<EvidenceDocument>> {
    grouped(rows, |row| row.completion_claim_id)
}

/// Evidence rows grouped by the extension request they belong to.
pub fn by_extension(rows: Vec<EvidenceRow>) -> HashMap<ExtensionId, Vec<EvidenceDocument>> {
    grouped(rows, |row| row.extension_request_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    fn documents(n: usize) -> Vec<Evidence> {
        (0..n)
            .map(|i| Evidence {
                document_number: DocumentNumber::parse(&format!("{i}/QĐ-UBND")).unwrap(),
                issued_on: crate::domain::input::IsoDate(
                    NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
                ),
                issuer: Name::parse("UBND tỉnh").unwrap(),
                title: Title::parse("Quyết định ban hành kế hoạch").unwrap(),
                url: None,
                file_id: None,
            })
            .collect()
    }

    #[test]
    fn a_report_cites_at_most_twenty_documents_in_order() {
        let mut check = Checker::new();
        let rows = check_evidence(
            &mut check,
            &documents(MAX_EVIDENCE),
            Cited::Report(ReportId::new()),
        );
        assert!(check.finish().is_ok(), "twenty is allowed");
        assert_eq!(rows.len(), MAX_EVIDENCE);
        assert_eq!(rows[19].position, 19);
        assert_eq!(rows[19].document_number, "19/QĐ-UBND");

        let mut check = Checker::new();
        check_evidence(
            &mut check,
            &documents(MAX_EVIDENCE + 1),
            Cited::Claim(ClaimId::new()),
        );
        match check.finish() {
            Err(DomainError::Invalid(errors)) => assert_eq!(errors[0].field, "evidence"),
            other => panic!("21 documents: {other:?}"),
        }
    }
}
