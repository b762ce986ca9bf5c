//! luoshi-core: the ledger (台账) of the implementation cycle.
//!
//! * [`value`]: validated values (names, texts, dates, percentages, ids).
//! * [`lifecycle`]: the task life cycle in one function, [`transition`],
//!   and overdue derived from a deadline and a day, [`is_overdue`].
//! * [`model`]: the records: documents, meetings, units, tasks with their
//!   assignment, progress reports, audit events.
//! * [`Ledger`]: the operations in domain words; [`Store`] implements them
//!   on SQLite (`sqlite://PATH`, the default) or PostgreSQL
//!   (`postgres://…`), chosen once from the URL; migrations per engine
//!   applied at open; optimistic concurrency by record version.
//! * [`audit`]: every write appends a hash-chained event in the same
//!   transaction; [`Ledger::verify`] replays the chain and compares it with
//!   every current row.
//! * [`accounts`]: users and roles, passwords, sessions, API tokens, and
//!   what a [`Principal`] may do ([`Permission`]) and see
//!   ([`Accounts::visible_units`]), behind the [`Accounts`] trait.
//! * [`supervise`]: reporting cycles and warning-card rules, pure;
//!   [`supervision`]: the same in the store (`set_cycle`, `reports_due`,
//!   `assess`, `cards`, `clear_card`, `status_data`).
//! * [`problems`]: the problem list's vocabularies, script-insensitive
//!   similarity, indicator progress and the evaluation formula, pure;
//!   [`problem_store`]: problems, indicators, combined reports and the
//!   unit evaluation in the store.
//! * [`xlsx`]: the Excel ledger (台账): export, and import of a sheet a
//!   person may have edited, validated cell by cell before anything is stored.
//!
//! Architecture invariant: no HTTP, no command line, no system clock. Time
//! comes from the [`Clock`] the store is opened with; questions that depend
//! on the day take the day as a parameter.
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

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod clock;
mod db;
pub mod error;
mod inbox;
pub use inbox::UNREAD_BADGE_CAP;
mod ledger;
pub mod lifecycle;
mod migrate;
pub mod model;
pub mod notice;
pub mod problem_store;
pub mod problems;
pub mod remind;
pub mod report_data;
pub mod seed;
mod store;
pub mod supervise;
pub mod supervision;
pub mod value;
pub mod xlsx;

pub use accounts::{
    Accounts, ApiToken, AuthError, AuthFailure, Login, NewUser, Password, Permission, Principal,
    Role, Session, User, UserChange, UserId, one_time_password,
};
pub use audit::{GENESIS_HASH, Problem, VerifyReport, audited_tables};
pub use clock::{Clock, ManualClock, SystemClock};
pub use db::{DEFAULT_DATABASE_URL, DatabaseUrl, Engine};
pub use error::{BackupError, Conflict, Entity, Invalid, StoreError, ValueError};
pub use ledger::Ledger;
pub use lifecycle::{
    Action, LifecycleError, ResumeTo, Status, StatusFilter, is_overdue, review_report, transition,
};
pub use migrate::SCHEMA_VERSION;
pub use model::{
    Assignment, AuditEvent, DayActivity, DeadlineCounts, Document, DocumentKind, DocumentSummary,
    Imported, Ingested, Meeting, NewAssignment, NewDocument, NewReport, PendingReport,
    ProgressReport, ReportKind, ReviewState, Span, Task, TaskDetail, TaskFilter, TaskKind,
    TaskSort, ThemeCount, Unit, UnitRef, UnitStatusCount,
};
pub use notice::{NewNotice, Notice, NoticeItem, NoticeTarget};
pub use problem_store::{
    Evaluation, FiledProblem, Indicator, IndicatorValue, NewIndicator, NewProblem, ProblemClass,
    ProblemCounts, ProblemEntry, ProblemFilter, ProblemQuery, SimilarProblem, UnitEvaluation,
};
pub use problems::{EvalPeriod, EvaluationRules, FoundBy, ProblemStatus, RootCause};
pub use remind::{
    Channel, Delivery, Notification, NotificationFilter, Recorded, ReminderKind, SentReminder,
    UpcomingReminder,
};
pub use report_data::{
    ReportDocument, ReportIndicator, ReportProblem, ReportQuery, ReportScope, StatusReport,
};
pub use seed::{SeedPlan, SeedSummary};
pub use store::Store;
pub use supervise::{Cycle, DueRules, Reason, Tier, WarningRules};
pub use supervision::{
    Assessment, Card, CardFilter, CardOutline, DayPass, DueFilter, DueReport, PASS_CHUNK, Raised,
    ReminderPass, ReportCycle, StatusData, StatusTotals, TaskLine, ThemeSection,
};
pub use value::{
    CardId, CycleId, Date, DocumentId, DocumentName, EventId, MeetingId, Percent, Period,
    PersonName, ReportId, TaskId, Text, Timestamp, UnitId, UnitName, Version,
};
