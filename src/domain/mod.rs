//! Domain types and rules, with no I/O: deadlines, statuses, overdue
//! arithmetic, input parsing and who may do what.

pub mod deadline;
pub mod enums;
pub mod error;
pub mod file;
pub mod ids;
pub mod indicator;
pub mod input;
pub mod notify;
pub mod overdue;
pub mod period;
pub mod policy;
pub mod reorganisation;
pub mod search;
pub mod sheet;
pub mod text;
pub mod workflow;
