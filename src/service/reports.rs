//! Progress reports: an officer of the task's lead or a supporting agency
//! reports progress with evidence; retries with an `Idempotency-Key` are safe.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::audit::{self, Event, TaskEffect};
use super::evidence::{self, check_evidence, Cited, Evidence, EvidenceDocument};
use super::{tasks, Actor, Page};
use crate::domain::enums::TaskStatus;
use crate::domain::error::{DomainError, DomainResult, ProblemType};
use crate::domain::ids::{AgencyId, ReportId, TaskId, UserId};
use crate::domain::input::{whole_number, Checker};
use crate::domain::policy::Action;
use crate::domain::text::LongText;
use crate::domain::workflow::{transition, TaskEvent};
use crate::store;
use crate::store::idempotency::KeyOf;
use crate::store::reports::{NewReport, ReportRow};
use crate::store::tasks::TaskChangeset;
use crate::store::After;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReport {
    #[serde(deserialize_with = "whole_number")]
    #[schema(value_type = i32, minimum = 0, maximum = 100)]
    pub progress_percent: i64,
    pub summary: LongText,
    /// Documents issued as evidence (at most 20).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub evidence: Vec<Evidence>,
}

/// A progress report. Reports are never edited or deleted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Report {
    pub id: ReportId,
    pub task_id: TaskId,
    /// The agency the report speaks for.
    pub agency_id: AgencyId,
    pub author_id: UserId,
    #[schema(minimum = 0, maximum = 100)]
    pub progress_percent: i16,
    pub summary: String,
    pub evidence: Vec<EvidenceDocument>,
    pub created_at: DateTime<Utc>,
}

/// Reports with their evidence.
fn to_reports(rows: Vec<ReportRow>, evidence: Vec<store::reports::EvidenceRow>) -> Vec<Report> {
    let mut by_report = evidence::by_report(evidence);
    rows.into_iter()
        .map(|r| Report {
            evidence: by_report.remove(&r.id).unwrap_or_default(),
            id: r.id,
            task_id: r.task_id,
            agency_id: r.agency_id,
            author_id: r.author_id,
            progress_percent: r.progress_percent,
            summary: r.summary,
            created_at: r.created_at,
        })
        .collect()
}

/// An `Idempotency-Key`: 1-200 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(bytes: &[u8]) -> DomainResult<IdempotencyKey> {
        if bytes.is_empty() || bytes.len() > 200 || !bytes.iter().all(|b| (0x21..=0x7e).contains(b))
        {
            return Err(DomainError::field(
                "Idempotency-Key",
                "must be 1-200 visible ASCII characters",
            ));
        }
        Ok(IdempotencyKey(String::from_utf8_lossy(bytes).into_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The answer to a report: the new report, or the first answer to the same key.
#[derive(Debug)]
pub enum Posted {
    /// The report as JSON, exactly as a replay will send it.
    Created(String),
    Replayed(String),
}

/// Posts a progress report (an officer of the lead or a supporting agency). A
/// lead agency's report moves an open task to `in_progress` and sets its progress.
pub fn post(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    task_id: TaskId,
    input: CreateReport,
    key: Option<IdempotencyKey>,
) -> DomainResult<Posted> {
    let request_hash = format!(
        "{:x}",
        Sha256::digest(serde_json::to_vec(&input).unwrap_or_default())
    );
    let report_id = ReportId::new();
    let mut check = Checker::new();
    if !(0..=100).contains(&input.progress_percent) {
        check.add("progress_percent", "must be between 0 and 100");
    }
    let progress = input.progress_percent.clamp(0, 100) as i16;
    let mut evidence = check_evidence(&mut check, &input.evidence, Cited::Report(report_id));
    check.finish()?;
    let user = actor.principal.user_id;
    let scope = format!("POST /api/v1/tasks/{task_id}/reports");
    let key_of = key.as_ref().map(|IdempotencyKey(key)| KeyOf {
        user_id: user,
        scope: &scope,
        key,
    });
    if let Some(of) = key_of {
        store::idempotency::lock_key(conn, of)?;
        if let Some(previous) = store::idempotency::find(conn, of, actor.now)? {
            if previous.request_hash != request_hash {
                return Err(DomainError::unprocessable_as(
                    ProblemType::IdempotencyKeyReused,
                    "Idempotency-Key",
                    "was already used with a different request body",
                ));
            }
            return Ok(Posted::Replayed(previous.response_body));
        }
    }
    let store::tasks::LockedTask {
        task,
        supporting_agency_ids: supporting,
    } = store::tasks::lock_with_supporting(conn, task_id)?.ok_or(DomainError::not_found("task"))?;
    actor.may(Action::ReportOnTask {
        lead_agency_id: task.lead_agency_id,
        supporting_agency_ids: &supporting,
    })?;
    // An admin writing on an agency's behalf reports for the lead agency.
    let agency_id = actor
        .principal
        .agency_id
        .filter(|a| *a == task.lead_agency_id || supporting.contains(a))
        .unwrap_or(task.lead_agency_id);
    let by_lead = agency_id == task.lead_agency_id;
    let event = if by_lead {
        TaskEvent::LeadReported
    } else {
        TaskEvent::SupportReported
    };
    let status = transition(task.status, event)?;
    let row = store::reports::insert_report(
        conn,
        &NewReport {
            id: report_id,
            task_id,
            agency_id,
            author_id: user,
            progress_percent: progress,
            summary: input.summary.as_str(),
            created_at: actor.now,
        },
    )?;
    super::evidence::attach_files(conn, actor.principal, &mut evidence)?;
    store::reports::insert_evidence(conn, &evidence)?;
    // The evidence as stored is what was just inserted: no need to read it back.
    let saved: Vec<store::reports::EvidenceRow> = evidence.into_iter().map(Into::into).collect();
    let mut effect = TaskEffect::default();
    // A lead's report on a submitted task leaves the claim's status alone.
    if by_lead && status == TaskStatus::InProgress {
        let changes = TaskChangeset {
            status: Some(status),
            progress_percent: Some(progress),
            ..Default::default()
        };
        tasks::apply(conn, &task, &changes, actor.now)?;
        effect.status = Some(status);
        effect.progress_percent = Some(progress);
    }
    let report = to_reports(vec![row], saved).remove(0);
    let event = Event::ReportCreated {
        task: task_id,
        report: report.id,
        agency_id,
        progress_percent: progress,
        summary: report.summary.clone(),
        evidence_count: report.evidence.len(),
        task_effect: effect,
    };
    audit::record(conn, user, actor.now, &event)?;
    let body = serde_json::to_string(&report).map_err(|e| DomainError::Internal(e.to_string()))?;
    if let Some(of) = key_of {
        store::idempotency::save(conn, of, &request_hash, (201, &body), actor.now)?;
    }
    Ok(Posted::Created(body))
}

/// Where a page of reports ends: the last report's time and id.
pub type ReportPosition = After<DateTime<Utc>, ReportId>;

/// A task's reports, oldest first, after `after`.
pub fn list(
    conn: &mut PgConnection,
    task_id: TaskId,
    after: Option<&ReportPosition>,
    limit: i64,
) -> DomainResult<Page<Report, ReportPosition>> {
    store::tasks::find(conn, task_id)?.ok_or(DomainError::not_found("task"))?;
    let mut rows = store::reports::list_reports(conn, task_id, after, limit + 1)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = rows.last().filter(|_| more).map(|r| After {
        key: r.created_at,
        id: r.id,
    });
    let ids: Vec<ReportId> = rows.iter().map(|r| r.id).collect();
    let evidence = store::reports::evidence_of_reports(conn, &ids)?;
    Ok(Page {
        items: to_reports(rows, evidence),
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idempotency_key_is_1_to_200_visible_ascii_characters() {
        for key in [
            "k",
            "bc-q1-2024",
            "~!#$%&'()*+,-./:;<=>?@[]^_`{|}",
            &"x".repeat(200),
        ] {
            assert_eq!(
                IdempotencyKey::parse(key.as_bytes()),
                Ok(IdempotencyKey(key.to_string())),
                "{key}"
            );
        }
        for key in ["", "bc q1", "bc\tq1", "báo-cáo", "\u{7f}"] {
            assert!(IdempotencyKey::parse(key.as_bytes()).is_err(), "{key:?}");
        }
        assert!(IdempotencyKey::parse("x".repeat(201).as_bytes()).is_err());
    }
}
