//! The rules of a reorganisation of agencies (merge, split, rename, dissolve),
//! without I/O: which agencies may take part on a day, whether a succession
//! would close a loop, and which tasks pass to a successor.
//!
//! Days are province days (UTC+7). An agency is valid from `valid_from`
//! (inclusive; `None`: since before the records) to `valid_to` (exclusive;
//! `None`: still in being); a reorganisation takes effect on `effective_on`,
//! the first day of the successor.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::enums::TaskStatus;
use super::error::FieldError;
use super::ids::AgencyId;

/// What the rules need to know of an agency taking part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// Already touched by a reorganisation effective the same day.
    pub reorganised_that_day: bool,
    /// The latest day a recorded reorganisation touching it took effect.
    pub last_reorganised: Option<NaiveDate>,
}

impl Standing {
    /// Whether the agency exists on `day`.
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= day) && self.valid_to.is_none_or(|to| day < to)
    }
}

fn common(
    field: &str,
    agency: &Standing,
    effective_on: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> bool {
    if let Some(from) = agency.valid_from.filter(|from| effective_on < *from) {
        errors.push(FieldError::new(
            "effective_on",
            format!("is before the valid_from ({from}) of the agency named by {field}"),
        ));
        return false;
    }
    if agency.reorganised_that_day {
        errors.push(FieldError::new(
            field,
            format!("the agency is already reorganised on {effective_on}; one reorganisation per agency and day"),
        ));
        return false;
    }
    true
}

/// An agency that ends, or is renamed, on `effective_on`: it must exist that
/// day and not have ended since, and no reorganisation touching it may have
/// taken effect later (history is recorded in the order it happened, so that
/// name versions and task moves stay a single line).
pub fn check_predecessor(
    field: &str,
    agency: &Standing,
    effective_on: NaiveDate,
    errors: &mut Vec<FieldError>,
) {
    if !common(field, agency, effective_on, errors) {
        return;
    }
    if let Some(to) = agency.valid_to {
        let message = if to <= effective_on {
            format!("the agency no longer exists on {effective_on} (dissolved from {to})")
        } else {
            format!("the agency already ceased to exist from {to}; it cannot end or change again")
        };
        errors.push(FieldError::new(field, message));
        return;
    }
    if let Some(last) = agency.last_reorganised.filter(|d| *d > effective_on) {
        errors.push(FieldError::new(
            field,
            format!(
                "the agency was reorganised with effect from {last}, after {effective_on}; \
                 record reorganisations in the order they took effect"
            ),
        ));
    }
}

/// An existing agency that takes work on `effective_on`: it must exist that
/// day and not be dissolved on or before it.
pub fn check_successor(
    field: &str,
    agency: &Standing,
    effective_on: NaiveDate,
    errors: &mut Vec<FieldError>,
) {
    if !common(field, agency, effective_on, errors) {
        return;
    }
    if let Some(to) = agency.valid_to.filter(|to| *to <= effective_on) {
        errors.push(FieldError::new(
            field,
            format!(
                "the successor is itself dissolved on {effective_on} (valid to {to}); name its own successor"
            ),
        ));
    }
}

/// Whether making `successors` follow `predecessors` closes a loop in the
/// succession already recorded (`edges`: predecessor → successor), or makes an
/// agency its own successor.
pub fn would_cycle(
    edges: &[(AgencyId, AgencyId)],
    predecessors: &[AgencyId],
    successors: &[AgencyId],
) -> bool {
    let before: HashSet<AgencyId> = predecessors.iter().copied().collect();
    let mut next: HashMap<AgencyId, Vec<AgencyId>> = HashMap::new();
    for (from, to) in edges {
        next.entry(*from).or_default().push(*to);
    }
    let mut seen = HashSet::new();
    let mut stack: Vec<AgencyId> = successors.to_vec();
    while let Some(a) = stack.pop() {
        if before.contains(&a) {
            return true;
        }
        if seen.insert(a) {
            stack.extend(next.get(&a).into_iter().flatten().copied());
        }
    }
    false
}

/// Whether a task stays with its agency through a reorganisation effective
/// on `effective_on`: it was completed before that day, or cancelled. Every
/// other task is open on `effective_on` and passes to the successor.
pub fn stays(status: TaskStatus, completed_on: Option<NaiveDate>, effective_on: NaiveDate) -> bool {
    match status {
        TaskStatus::Cancelled => true,
        TaskStatus::Completed => completed_on.is_some_and(|d| d < effective_on),
        _ => false,
    }
}

/// The agencies named twice in `ids`: each is an error on its own field.
pub fn repeated(field: &str, ids: &[AgencyId], errors: &mut Vec<FieldError>) {
    let mut seen = HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        if !seen.insert(*id) {
            errors.push(FieldError::new(
                format!("{field}[{i}]"),
                "names an agency already listed",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn standing(from: Option<&str>, to: Option<&str>) -> Standing {
        Standing {
            valid_from: from.map(day),
            valid_to: to.map(day),
            reorganised_that_day: false,
            last_reorganised: None,
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn validity_includes_its_first_day_and_excludes_its_last() {
        let a = standing(Some("2025-03-01"), Some("2025-07-01"));
        assert!(!a.valid_on(day("2025-02-28")));
        assert!(a.valid_on(day("2025-03-01")));
        assert!(a.valid_on(day("2025-06-30")));
        assert!(!a.valid_on(day("2025-07-01")));
        assert!(standing(None, None).valid_on(day("1990-01-01")));
    }

    #[test]
    fn effective_on_may_not_precede_an_agencys_valid_from() {
        let a = standing(Some("2025-03-01"), None);
        let mut errors = vec![];
        check_predecessor("change.agency_id", &a, day("2025-02-28"), &mut errors);
        assert_eq!(fields(&errors), ["effective_on"]);
        let mut errors = vec![];
        check_predecessor("change.agency_id", &a, day("2025-03-01"), &mut errors);
        assert!(errors.is_empty());
        let mut errors = vec![];
        check_successor("change.successor_id", &a, day("2025-02-28"), &mut errors);
        assert_eq!(fields(&errors), ["effective_on"]);
    }

    #[test]
    fn a_successor_dissolved_on_the_day_is_refused_one_dissolved_the_day_after_is_not() {
        let mut errors = vec![];
        let gone = standing(None, Some("2025-03-01"));
        check_successor("change.successor_id", &gone, day("2025-03-01"), &mut errors);
        assert_eq!(fields(&errors), ["change.successor_id"]);
        let mut errors = vec![];
        let later = standing(None, Some("2025-03-02"));
        check_successor(
            "change.successor_id",
            &later,
            day("2025-03-01"),
            &mut errors,
        );
        assert!(errors.is_empty());
        // a predecessor already ended cannot end again
        let mut errors = vec![];
        check_predecessor("change.agency_id", &gone, day("2025-03-01"), &mut errors);
        assert_eq!(fields(&errors), ["change.agency_id"]);
    }

    #[test]
    fn a_predecessor_cannot_end_twice_nor_change_before_its_latest_reorganisation() {
        let mut errors = vec![];
        let later = standing(None, Some("2025-03-02"));
        check_predecessor("change.agency_id", &later, day("2025-03-01"), &mut errors);
        assert_eq!(fields(&errors), ["change.agency_id"]);
        assert!(errors[0].message.contains("already ceased"));
        let mut renamed = standing(None, None);
        renamed.last_reorganised = Some(day("2025-03-02"));
        let mut errors = vec![];
        check_predecessor("change.agency_id", &renamed, day("2025-03-01"), &mut errors);
        assert_eq!(fields(&errors), ["change.agency_id"]);
        assert!(errors[0].message.contains("in the order"));
        // on the day after its latest change, or any later day, it may change
        let mut errors = vec![];
        check_predecessor("change.agency_id", &renamed, day("2025-03-03"), &mut errors);
        assert!(errors.is_empty());
    }

    #[test]
    fn one_reorganisation_per_agency_and_day() {
        let mut a = standing(None, None);
        a.reorganised_that_day = true;
        let mut errors = vec![];
        check_predecessor(
            "change.predecessor_ids[1]",
            &a,
            day("2025-03-01"),
            &mut errors,
        );
        assert_eq!(fields(&errors), ["change.predecessor_ids[1]"]);
        assert!(errors[0].message.contains("already reorganised"));
    }

    #[test]
    fn a_succession_back_to_a_predecessor_is_a_cycle() {
        let (a, b, c, d) = (
            AgencyId::new(),
            AgencyId::new(),
            AgencyId::new(),
            AgencyId::new(),
        );
        // a → b → c recorded; c into a closes the loop, c into d does not
        let edges = [(a, b), (b, c)];
        assert!(would_cycle(&edges, &[c], &[a]));
        assert!(!would_cycle(&edges, &[c], &[d]));
        assert!(would_cycle(&[], &[a, b], &[b]), "its own successor");
        assert!(!would_cycle(&[], &[a, b], &[c]));
    }

    #[test]
    fn tasks_completed_before_effective_on_stay_the_rest_pass_on() {
        let on = day("2025-03-01");
        assert!(stays(TaskStatus::Completed, Some(day("2025-02-28")), on));
        assert!(!stays(TaskStatus::Completed, Some(on), on));
        assert!(stays(TaskStatus::Cancelled, None, on));
        for open in [
            TaskStatus::NotStarted,
            TaskStatus::InProgress,
            TaskStatus::Submitted,
        ] {
            assert!(!stays(open, None, on), "{open:?}");
        }
    }

    #[test]
    fn an_agency_listed_twice_is_named_at_its_second_place() {
        let a = AgencyId::new();
        let mut errors = vec![];
        repeated(
            "change.predecessor_ids",
            &[a, AgencyId::new(), a],
            &mut errors,
        );
        assert_eq!(fields(&errors), ["change.predecessor_ids[2]"]);
    }
}
