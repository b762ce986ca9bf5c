//! The ledger's operations in domain words: the trait the interface layers
//! are written against (atuin's `Database` trait). [`crate::Store`]
//! implements it on SQLite and PostgreSQL.
//!
//! Every write names its actor, runs in one transaction and appends one
//! audit event per changed record. Writes that change a task name the
//! version the caller read; a stale one is [`crate::Conflict::Stale`] and
//! changes nothing. Every error carries a Chinese message and a stable code.

use std::collections::HashMap;
use std::future::Future;

use crate::audit::VerifyReport;
use crate::error::StoreError;
use crate::model::{
    Document, DocumentSummary, Imported, Ingested, Meeting, NewAssignment, NewDocument, NewReport,
    ProgressReport, Task, TaskDetail, TaskFilter, Unit, UnitStatusCount,
};
use crate::value::{DocumentId, PersonName, ReportId, TaskId, Text, UnitName, Version};
use crate::xlsx::ImportSheet;

/// The implementation-cycle ledger (台账).
pub trait Ledger: Send + Sync {
    /// Stores a document (source as given, kind, encoding, extraction JSON),
    /// its meeting and its task tree as draft tasks, in one transaction. An
    /// extraction that does not fit its source (span outside it, unknown
    /// parent, empty title) is refused before anything is written.
    fn ingest(
        &self,
        actor: &PersonName,
        doc: NewDocument<'_>,
    ) -> impl Future<Output = Result<Ingested, StoreError>> + Send;

    fn document(&self, id: DocumentId)
    -> impl Future<Output = Result<Document, StoreError>> + Send;

    /// Documents in id order without their source, with the title and date
    /// of the meeting each reports: at most `limit` after `after` (keyset
    /// paging).
    fn documents(
        &self,
        after: Option<DocumentId>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<DocumentSummary>, StoreError>> + Send;

    /// The meeting a document reports.
    fn meeting_of(
        &self,
        document: DocumentId,
    ) -> impl Future<Output = Result<Meeting, StoreError>> + Send;

    /// Adds a unit. Names are unique ([`crate::Conflict::Duplicate`]); the
    /// parent is named and must exist.
    fn add_unit(
        &self,
        actor: &PersonName,
        name: &UnitName,
        parent: Option<&UnitName>,
    ) -> impl Future<Output = Result<Unit, StoreError>> + Send;

    /// Renames a unit and/or moves it under another parent (机构调整):
    /// `new_name` replaces the name (unique); `parent` `Some(None)` makes it
    /// a top-level unit, `Some(Some(p))` puts it under `p`, which must not
    /// be the unit or one of its sub-units. Tasks and reports keep pointing
    /// at the same unit, so they follow the new name. A stale version is
    /// [`crate::Conflict::Stale`].
    fn change_unit(
        &self,
        actor: &PersonName,
        unit: &UnitName,
        expected: Version,
        new_name: Option<&UnitName>,
        parent: Option<Option<&UnitName>>,
    ) -> impl Future<Output = Result<Unit, StoreError>> + Send;

    /// All units, in the order they were added.
    fn units(&self) -> impl Future<Output = Result<Vec<Unit>, StoreError>> + Send;

    fn unit(&self, name: &UnitName) -> impl Future<Output = Result<Unit, StoreError>> + Send;

    fn task(&self, id: TaskId) -> impl Future<Output = Result<Task, StoreError>> + Send;

    /// Tasks matching every condition of `filter`, in id order. The unit
    /// condition matches the lead unit and active co-units; overdue is
    /// computed for the given day; `visible_units` keeps what a scoped
    /// reader may see (see [`crate::Store::task_visible`]).
    fn tasks(
        &self,
        filter: &TaskFilter,
    ) -> impl Future<Output = Result<Vec<Task>, StoreError>> + Send;

    /// A task with its timeline: its reports and every audit event about it.
    fn task_detail(
        &self,
        id: TaskId,
    ) -> impl Future<Output = Result<TaskDetail, StoreError>> + Send;

    /// How many tasks each lead unit has in each status.
    fn counts_by_unit_status(
        &self,
    ) -> impl Future<Output = Result<Vec<UnitStatusCount>, StoreError>> + Send;

    /// Assigns a task (交办): draft or assigned → assigned; an in-progress
    /// task may be re-assigned and stays in progress. Co-units no longer
    /// named are marked removed, never deleted.
    fn assign(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
        assignment: &NewAssignment,
    ) -> impl Future<Output = Result<Task, StoreError>> + Send;

    /// Files a progress report (反馈) by the lead unit or a co-unit; the
    /// first one moves an assigned task to in progress. Needs no version:
    /// units report side by side.
    fn add_report(
        &self,
        actor: &PersonName,
        task: TaskId,
        report: &NewReport,
    ) -> impl Future<Output = Result<ProgressReport, StoreError>> + Send;

    fn report(
        &self,
        id: ReportId,
    ) -> impl Future<Output = Result<ProgressReport, StoreError>> + Send;

    /// Reviews a submitted progress report (审核): accepted, or returned
    /// with a reason for the unit to report again. Each report is reviewed
    /// once; a completion request is reviewed by closing or returning its
    /// task. A stale version is [`crate::Conflict::Stale`].
    fn review_report(
        &self,
        actor: &PersonName,
        report: ReportId,
        expected: Version,
        accept: bool,
        note: Option<&Text>,
    ) -> impl Future<Output = Result<ProgressReport, StoreError>> + Send;

    /// Requests completion (申请办结) with evidence: in progress →
    /// completion requested, with a completion report awaiting review.
    fn request_close(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
        evidence: &Text,
    ) -> impl Future<Output = Result<Task, StoreError>> + Send;

    /// Accepts the completion request (销号): → closed, report accepted.
    fn close_task(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
    ) -> impl Future<Output = Result<Task, StoreError>> + Send;

    /// Returns the completion request (退回) with a reason: → in progress,
    /// report returned with the reason.
    fn return_task(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
        reason: &Text,
    ) -> impl Future<Output = Result<Task, StoreError>> + Send;

    /// Suspends an assigned or in-progress task (暂缓) with a reason.
    fn suspend(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
        reason: &Text,
    ) -> impl Future<Output = Result<Task, StoreError>> + Send;

    /// Resumes a suspended task to the status it was suspended from.
    fn resume(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
    ) -> impl Future<Output = Result<Task, StoreError>> + Send;

    /// The latest report (progress or completion) of each of `tasks` that
    /// has one.
    fn latest_reports(
        &self,
        tasks: &[TaskId],
    ) -> impl Future<Output = Result<HashMap<TaskId, ProgressReport>, StoreError>> + Send;

    /// Stores a validated Excel ledger (see [`crate::xlsx`]) in one
    /// transaction: units it names that do not exist yet, then per 文件编号
    /// one document (named `name`, its source the task titles) with its
    /// meeting, its themes and tasks with their assignment and status, and
    /// each task's latest report. Every record gets an `import` audit event.
    fn import_ledger(
        &self,
        actor: &PersonName,
        sheet: &ImportSheet,
        name: &str,
    ) -> impl Future<Output = Result<Imported, StoreError>> + Send;

    /// Replays the audit trail and compares it with every current row
    /// (see [`crate::audit`]).
    fn verify(&self) -> impl Future<Output = Result<VerifyReport, StoreError>> + Send;
}
