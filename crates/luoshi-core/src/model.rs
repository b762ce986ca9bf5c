//! The records of the ledger, as the store hands them out and takes them in.
//!
//! These are domain types, not a wire format: they are deliberately not
//! `Serialize`. The web layer converts them into its own DTOs.

use std::fmt;

pub use luoshi_extract::TaskKind;

use crate::lifecycle::{self, Status};
use crate::value::{
    Date, DocumentId, DocumentName, EventId, MeetingId, Percent, Period, PersonName, ReportId,
    TaskId, Text, Timestamp, UnitId, UnitName, Version,
};

/// What a stored document was when it came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    Text,
    Html,
    Docx,
}

impl DocumentKind {
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Text => "text",
            DocumentKind::Html => "html",
            DocumentKind::Docx => "docx",
        }
    }

    pub fn from_code(code: &str) -> Option<DocumentKind> {
        match code {
            "text" => Some(DocumentKind::Text),
            "html" => Some(DocumentKind::Html),
            "docx" => Some(DocumentKind::Docx),
            _ => None,
        }
    }
}

impl From<luoshi_extract::SourceKind> for DocumentKind {
    fn from(kind: luoshi_extract::SourceKind) -> Self {
        match kind {
            luoshi_extract::SourceKind::Text => DocumentKind::Text,
            luoshi_extract::SourceKind::Html => DocumentKind::Html,
            luoshi_extract::SourceKind::Docx => DocumentKind::Docx,
        }
    }
}

/// A source text (文件 / 会议通稿) exactly as it was given, with what the
/// extractor made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: DocumentId,
    pub version: Version,
    /// The file name it came from, when there was one.
    pub name: Option<String>,
    pub kind: DocumentKind,
    /// The encoding that was detected (UTF-8, GB18030, Big5, docx…).
    pub encoding: String,
    /// `hans`, `hant` or `mixed`.
    pub script: String,
    /// The decoded text as given; task spans index it in Unicode scalar values.
    pub source: String,
    /// The extraction JSON (the `luoshi extract` contract) as it was at ingest.
    pub extraction_json: String,
    pub created_at: Timestamp,
    pub created_by: PersonName,
}

/// A document to store: the decoded source and its extraction.
#[derive(Debug, Clone, Copy)]
pub struct NewDocument<'a> {
    /// The file name, when the document came from a file.
    pub name: Option<&'a DocumentName>,
    pub source: &'a luoshi_extract::Source,
    pub extraction: &'a luoshi_extract::Extraction,
}

/// The meeting a document reports (会议).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    pub id: MeetingId,
    pub version: Version,
    pub document: DocumentId,
    pub title: Option<String>,
    /// As the extractor read it: `YYYY-MM-DD`, `--MM-DD` or `---DD`.
    pub held_on: Option<String>,
    /// The convening body, e.g. 省委常委会.
    pub body: Option<String>,
    pub chair: Option<String>,
}

/// An organisation unit (单位) in a hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: UnitId,
    pub version: Version,
    pub name: UnitName,
    pub parent: Option<UnitRef>,
    pub created_at: Timestamp,
}

/// A unit by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnitRef {
    pub id: UnitId,
    pub name: UnitName,
}

impl fmt::Display for UnitRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.name.fmt(f)
    }
}

/// `[start, end)` in Unicode scalar values into the stored source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    start: usize,
    end: usize,
}

impl Span {
    /// A span; `None` when `start > end`.
    pub fn new(start: usize, end: usize) -> Option<Span> {
        (start <= end).then_some(Span { start, end })
    }

    pub fn start(self) -> usize {
        self.start
    }

    pub fn end(self) -> usize {
        self.end
    }

    /// The spanned text of `source`.
    pub fn slice(self, source: &str) -> String {
        source
            .chars()
            .skip(self.start)
            .take(self.end - self.start)
            .collect()
    }
}

/// Who does a task by when (交办).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// 牵头单位.
    pub lead: UnitRef,
    /// 配合单位, in the order they were first added to the task.
    pub co_units: Vec<UnitRef>,
    /// 责任人.
    pub owner: Option<PersonName>,
    /// 完成时限.
    pub deadline: Date,
}

/// An assignment to make, naming units by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssignment {
    pub lead: UnitName,
    pub co_units: Vec<UnitName>,
    pub owner: Option<PersonName>,
    pub deadline: Date,
}

/// A node of a task tree (任务).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: TaskId,
    pub version: Version,
    pub document: DocumentId,
    pub parent: Option<TaskId>,
    /// Position in the document, from 1.
    pub ordinal: i64,
    /// The extractor's id (`t1`, `t2`, …).
    pub source_ref: String,
    pub kind: TaskKind,
    /// The cue that introduced it (要, 必须, 一要…).
    pub cue: String,
    pub title: Text,
    pub text: Text,
    pub span: Span,
    /// The time limit the document names, as written (6月底前).
    pub due_text: Option<String>,
    pub status: Status,
    pub assignment: Option<Assignment>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Task {
    /// Whether the task is overdue on `today` (derived, never stored).
    pub fn is_overdue(&self, today: Date) -> bool {
        lifecycle::is_overdue(
            self.status,
            self.assignment.as_ref().map(|a| a.deadline),
            today,
        )
    }
}

/// What a progress report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    /// A periodic progress report (进展反馈).
    Progress,
    /// The completion request with its evidence (办结申请).
    Completion,
}

impl ReportKind {
    pub fn code(self) -> &'static str {
        match self {
            ReportKind::Progress => "progress",
            ReportKind::Completion => "completion",
        }
    }
}

/// Where a report stands with the supervision office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewState {
    Submitted,
    Accepted,
    Returned,
}

impl ReviewState {
    pub fn code(self) -> &'static str {
        match self {
            ReviewState::Submitted => "submitted",
            ReviewState::Accepted => "accepted",
            ReviewState::Returned => "returned",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewState::Submitted => "已提交",
            ReviewState::Accepted => "已通过",
            ReviewState::Returned => "已退回",
        }
    }
}

/// A progress report (进展反馈) or a completion request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressReport {
    pub id: ReportId,
    pub version: Version,
    pub task: TaskId,
    /// The unit that reports (the lead unit unless a co-unit was named).
    pub unit: Option<UnitRef>,
    pub kind: ReportKind,
    pub period: Period,
    /// 工作进展.
    pub done: Text,
    /// 下一步举措.
    pub next_steps: Option<Text>,
    pub percent: Percent,
    /// 存在问题.
    pub problems: Option<Text>,
    /// 佐证材料.
    pub evidence: Option<Text>,
    pub review: ReviewState,
    /// Why it was returned, or a note on acceptance.
    pub review_note: Option<String>,
    pub reviewed_by: Option<PersonName>,
    pub reviewed_at: Option<Timestamp>,
    pub reported_by: PersonName,
    pub created_at: Timestamp,
}

/// A progress report to file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    /// The reporting unit; the lead unit when `None`. Must be the lead or a
    /// co-unit of the task.
    pub unit: Option<UnitName>,
    pub period: Period,
    pub done: Text,
    pub next_steps: Option<Text>,
    pub percent: Percent,
    pub problems: Option<Text>,
    pub evidence: Option<Text>,
}

/// One entry of the audit trail (留痕).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: EventId,
    pub at: Timestamp,
    pub actor: String,
    /// The table the changed record lives in (`tasks`, `units`, …).
    pub table: String,
    pub entity_id: i64,
    /// The task the change belongs to, for its timeline.
    pub task: Option<TaskId>,
    /// What was done (`create`, `assign`, `close`, …).
    pub action: String,
    /// A reason or comment given with the action.
    pub note: Option<String>,
    /// The record before the change (canonical JSON), `None` on creation.
    pub before: Option<String>,
    /// The record after the change (canonical JSON).
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// A document just stored, with its meeting and draft tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    pub document: Document,
    pub meeting: Meeting,
    pub tasks: Vec<Task>,
}

/// What an Excel import stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// One document per 文件编号 of the sheet.
    pub documents: Vec<DocumentId>,
    /// Units the sheet named that did not exist yet, in order.
    pub units_created: Vec<UnitName>,
    /// Themes and tasks stored, in sheet order.
    pub tasks: Vec<TaskId>,
}

/// Which tasks to list. All conditions hold together; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    /// Tasks this unit leads or co-operates on.
    pub unit: Option<UnitName>,
    pub status: Option<lifecycle::StatusFilter>,
    /// Only tasks overdue on this day.
    pub overdue_on: Option<Date>,
    pub document: Option<DocumentId>,
    /// Keyset paging: only tasks with an id above this one (the last id of
    /// the previous page).
    pub after: Option<TaskId>,
    /// At most this many tasks (a page); `None` for all.
    pub limit: Option<u32>,
    /// What the reader may see (see [`crate::Accounts::visible_units`]):
    /// `None` is no restriction; `Some(units)` keeps tasks whose lead unit
    /// or an active co-unit is among `units`, and themes with such a child.
    pub visible_units: Option<Vec<UnitId>>,
    /// Only tasks whose title or text contains this text, in either script
    /// (the query is also looked for in its Simplified and Traditional forms).
    pub q: Option<String>,
    /// The order of the list; `after` (keyset paging) assumes [`TaskSort::Id`].
    pub sort: TaskSort,
    /// Offset paging for orders other than by id: skip this many tasks.
    pub offset: Option<u32>,
    /// Only this task and the tasks below it in its tree (a theme: its
    /// tasks). Walks `tasks_parent`.
    pub theme: Option<TaskId>,
    /// Only tasks whose deadline is on or after this day.
    pub deadline_from: Option<Date>,
    /// Only tasks whose deadline is on or before this day.
    pub deadline_to: Option<Date>,
}

/// A theme of a document with the tasks below it that a reader may see
/// ([`crate::Store::theme_counts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeCount {
    pub theme: TaskId,
    pub title: Text,
    /// Tasks (kind task) below the theme.
    pub total: i64,
    pub closed: i64,
}

/// Assignments and closures on one day (Beijing time), from the audit
/// trail ([`crate::Store::activity_by_day`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayActivity {
    pub day: Date,
    pub assigned: i64,
    pub closed: i64,
}

/// A progress report waiting for review, with its task's title
/// ([`crate::Store::submitted_reports`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingReport {
    pub report: ProgressReport,
    pub task_title: Text,
    pub task_lead: Option<UnitRef>,
}

/// Tasks by deadline on a day ([`crate::Store::deadline_counts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeadlineCounts {
    /// Assigned or in progress, deadline before the day.
    pub overdue: i64,
    /// Not closed, deadline on the day or within the following days asked
    /// for.
    pub at_risk: i64,
    /// The newest document with a task the reader may see
    /// ([`crate::Store::latest_document`]), read in the same pass.
    pub latest_document: Option<DocumentId>,
}

/// The order of a task list; ties are broken by id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum TaskSort {
    /// By id, ascending (the default; the order keyset paging walks).
    #[default]
    Id,
    /// Most recent id first.
    IdDesc,
    /// Earliest deadline first; tasks without one last.
    Deadline,
    /// Latest deadline first; tasks without one last.
    DeadlineDesc,
    /// Along the life cycle: draft, assigned, in progress, … closed.
    Status,
    /// Least recently changed first.
    Updated,
    /// Most recently changed first.
    UpdatedDesc,
}

/// A stored document without its source and extraction, for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSummary {
    pub id: DocumentId,
    pub version: Version,
    pub name: Option<String>,
    pub kind: DocumentKind,
    pub script: String,
    /// The title of the meeting it reports, when one was read.
    pub title: Option<String>,
    /// The meeting date as the extractor read it.
    pub held_on: Option<String>,
    pub created_at: Timestamp,
    pub created_by: PersonName,
}

/// A task with its timeline: reports and audit events, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDetail {
    pub task: Task,
    pub reports: Vec<ProgressReport>,
    pub events: Vec<AuditEvent>,
}

/// How many tasks a lead unit has in a status (`unit` is `None` for
/// unassigned tasks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitStatusCount {
    pub unit: Option<UnitRef>,
    /// A status code (`suspended` for both resume targets).
    pub status: &'static str,
    pub count: i64,
}
