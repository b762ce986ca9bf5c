//! luoshi-core: the ledger (台账) of the implementation cycle.
//!
//! * [`value`]: validated values (names, texts, dates, percentages, ids).
//! * [`lifecycle`]: the task life cycle in one function, [`transition`],
//!   and overdue derived from a deadline and a day, [`is_overdue`].
//! * [`model`]: the records: documents, meetings, units, tasks with their
//!   assignment, progress reports, audit events.
//!
//! Architecture invariant: no HTTP, no command line, no system clock. Time
//! comes from a [`Clock`]; questions that depend on the day take the day as
//! a parameter.
//!
//! ```
//! use luoshi_core::{Action, Status, transition};
//!
//! assert_eq!(transition(Status::Draft, Action::Assign), Ok(Status::Assigned));
//! let err = transition(Status::Closed, Action::Report).unwrap_err();
//! assert_eq!(err.code(), "task_closed");
//! assert_eq!(err.to_string(), "任务已销号，不能再反馈进展。");
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod clock;
pub mod error;
pub mod lifecycle;
pub mod model;
pub mod value;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Conflict, Entity, Invalid, StoreError, ValueError};
pub use lifecycle::{
    Action, LifecycleError, ResumeTo, Status, StatusFilter, is_overdue, transition,
};
pub use model::{
    Assignment, AuditEvent, Document, DocumentKind, Ingested, Meeting, NewAssignment, NewDocument,
    NewReport, ProgressReport, ReportKind, ReviewState, Span, Task, TaskDetail, TaskFilter,
    TaskKind, Unit, UnitRef, UnitStatusCount,
};
pub use value::{
    Date, DocumentId, DocumentName, EventId, MeetingId, Percent, Period, PersonName, ReportId,
    TaskId, Text, Timestamp, UnitId, UnitName, Version,
};
