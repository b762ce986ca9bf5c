//! The wire format of the API: request and response types, converted by hand
//! from and to the ledger's domain types (which are deliberately not
//! `Serialize`). Requests deny unknown fields. Responses borrow from the
//! records they show, so a list is serialised without copying its texts.
//! Every record carries its `version`; every change of a task takes the
//! version read as `expected_version` in the body.

use luoshi_core::{
    AuditEvent, Document, DocumentSummary, Meeting, PersonName, ProgressReport, Task, TaskKind,
    Text, Unit, UnitRef, UnitStatusCount,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

// ----- requests ------------------------------------------------------------------

/// A communiqué to extract or ingest: its text, or a file's bytes in base64
/// (a .txt in any supported encoding, .html or .docx). Exactly one of them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtractRequest {
    pub text: Option<String>,
    pub content_base64: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestRequest {
    /// The file name it came from (shown in lists), at most 255 characters.
    pub name: Option<String>,
    pub text: Option<String>,
    pub content_base64: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnitRequest {
    /// Unique, at most 64 characters.
    pub name: String,
    /// The name of an existing parent unit.
    pub parent: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The task's `version` as read; a stale one is 409 `stale_version`.
    pub expected_version: i64,
    /// 牵头单位, by name.
    pub lead: String,
    /// 配合单位, by name.
    #[serde(default)]
    pub co_units: Vec<String>,
    /// 责任人.
    pub owner: Option<String>,
    /// 完成时限, `YYYY-MM-DD`.
    pub deadline: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// The reporting unit (lead or co-unit); the lead unit when absent.
    pub unit: Option<String>,
    /// The period, e.g. 2026年11月; the current month when absent.
    pub period: Option<String>,
    /// 工作进展.
    pub done: String,
    /// 下一步举措.
    pub next_steps: Option<String>,
    /// 0–100.
    pub percent: i64,
    /// 存在问题.
    pub problems: Option<String>,
    /// 佐证材料.
    pub evidence: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestCloseRequest {
    pub expected_version: i64,
    /// 佐证材料.
    pub evidence: String,
}

/// Return (退回) or suspend (暂缓), with the reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    pub expected_version: i64,
    pub reason: String,
}

/// Close (销号) or resume (恢复).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionRequest {
    pub expected_version: i64,
}

/// Which tasks to list: every condition holds together.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// Tasks this unit (by name) leads or co-operates on.
    pub unit: Option<String>,
    /// draft, assigned, in_progress, completion_requested, closed, suspended or open.
    pub status: Option<String>,
    /// Only tasks overdue today.
    pub overdue: Option<bool>,
    /// Only tasks of this document.
    pub document: Option<i64>,
    /// Text in the title or text of the task, in either script.
    pub q: Option<String>,
    /// Only this theme (a task id) and the tasks below it.
    pub theme: Option<i64>,
    /// Only tasks due on or after this day (YYYY-MM-DD).
    pub deadline_from: Option<String>,
    /// Only tasks due on or before this day (YYYY-MM-DD).
    pub deadline_to: Option<String>,
    /// id (default), deadline, status or updated; `-` before it for descending.
    pub sort: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page (only with sort=id).
    pub cursor: Option<String>,
    /// Page number from 1, for any order.
    pub page: Option<u32>,
}

/// Which tasks to export: the filters of the task list, without paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    pub unit: Option<String>,
    pub status: Option<String>,
    pub overdue: Option<bool>,
    pub document: Option<i64>,
    pub q: Option<String>,
    pub theme: Option<i64>,
    pub deadline_from: Option<String>,
    pub deadline_to: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

// ----- responses -----------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitRefDto<'a> {
    pub id: i64,
    pub name: &'a str,
}

impl<'a> From<&'a UnitRef> for UnitRefDto<'a> {
    fn from(u: &'a UnitRef) -> Self {
        UnitRefDto {
            id: u.id.0,
            name: u.name.as_str(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentDto<'a> {
    pub lead: UnitRefDto<'a>,
    pub co_units: Vec<UnitRefDto<'a>>,
    pub owner: Option<&'a str>,
    /// YYYY-MM-DD.
    pub deadline: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDto<'a> {
    pub id: i64,
    pub version: i64,
    pub document: i64,
    pub parent: Option<i64>,
    pub ordinal: i64,
    /// theme or task.
    pub kind: &'static str,
    pub cue: &'a str,
    pub title: &'a str,
    pub text: &'a str,
    /// `[start, end)` in Unicode scalar values into the document's source.
    pub span: [usize; 2],
    pub due_text: Option<&'a str>,
    pub status: &'static str,
    pub status_label: &'static str,
    /// Derived from the deadline and today, never stored.
    pub overdue: bool,
    pub assignment: Option<AssignmentDto<'a>>,
    pub created_at: String,
    pub updated_at: String,
}

impl<'a> TaskDto<'a> {
    pub fn new(t: &'a Task, today: luoshi_core::Date) -> Self {
        TaskDto {
            id: t.id.0,
            version: t.version.0,
            document: t.document.0,
            parent: t.parent.map(|p| p.0),
            ordinal: t.ordinal,
            kind: match t.kind {
                TaskKind::Theme => "theme",
                TaskKind::Task => "task",
            },
            cue: &t.cue,
            title: t.title.as_str(),
            text: t.text.as_str(),
            span: [t.span.start(), t.span.end()],
            due_text: t.due_text.as_deref(),
            status: t.status.code(),
            status_label: t.status.label(),
            overdue: t.is_overdue(today),
            assignment: t.assignment.as_ref().map(|a| AssignmentDto {
                lead: (&a.lead).into(),
                co_units: a.co_units.iter().map(Into::into).collect(),
                owner: a.owner.as_ref().map(PersonName::as_str),
                deadline: a.deadline.to_string(),
            }),
            created_at: t.created_at.to_string(),
            updated_at: t.updated_at.to_string(),
        }
    }
}

/// A page of tasks. With `sort=id`, `next_cursor` continues the walk even
/// while tasks are added; `next_page` is given for `page` paging.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskPage<'a> {
    pub items: Vec<TaskDto<'a>>,
    pub next_cursor: Option<String>,
    pub next_page: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDto<'a> {
    pub id: i64,
    pub version: i64,
    pub task: i64,
    /// progress or completion.
    pub kind: &'static str,
    pub unit: Option<UnitRefDto<'a>>,
    pub period: &'a str,
    pub done: &'a str,
    pub next_steps: Option<&'a str>,
    pub percent: u8,
    pub problems: Option<&'a str>,
    pub evidence: Option<&'a str>,
    /// submitted, accepted or returned.
    pub review: &'static str,
    pub review_note: Option<&'a str>,
    pub reviewed_by: Option<&'a str>,
    pub reviewed_at: Option<String>,
    pub reported_by: &'a str,
    pub created_at: String,
}

impl<'a> From<&'a ProgressReport> for ReportDto<'a> {
    fn from(r: &'a ProgressReport) -> Self {
        ReportDto {
            id: r.id.0,
            version: r.version.0,
            task: r.task.0,
            kind: r.kind.code(),
            unit: r.unit.as_ref().map(Into::into),
            period: r.period.as_str(),
            done: r.done.as_str(),
            next_steps: r.next_steps.as_ref().map(Text::as_str),
            percent: r.percent.value(),
            problems: r.problems.as_ref().map(Text::as_str),
            evidence: r.evidence.as_ref().map(Text::as_str),
            review: r.review.code(),
            review_note: r.review_note.as_deref(),
            reviewed_by: r.reviewed_by.as_ref().map(PersonName::as_str),
            reviewed_at: r.reviewed_at.map(|t| t.to_string()),
            reported_by: r.reported_by.as_str(),
            created_at: r.created_at.to_string(),
        }
    }
}

/// An audit event (留痕) of a task's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto<'a> {
    pub id: i64,
    pub at: String,
    pub actor: &'a str,
    pub table: &'a str,
    pub entity_id: i64,
    pub action: &'a str,
    pub note: Option<&'a str>,
    pub hash: &'a str,
}

impl<'a> From<&'a AuditEvent> for EventDto<'a> {
    fn from(e: &'a AuditEvent) -> Self {
        EventDto {
            id: e.id.0,
            at: e.at.to_string(),
            actor: &e.actor,
            table: &e.table,
            entity_id: e.entity_id,
            action: &e.action,
            note: e.note.as_deref(),
            hash: &e.hash,
        }
    }
}

/// A task with its timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDetailDto<'a> {
    pub task: TaskDto<'a>,
    pub reports: Vec<ReportDto<'a>>,
    pub events: Vec<EventDto<'a>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDto<'a> {
    pub id: i64,
    pub version: i64,
    pub name: &'a str,
    pub parent: Option<UnitRefDto<'a>>,
    pub created_at: String,
}

impl<'a> From<&'a Unit> for UnitDto<'a> {
    fn from(u: &'a Unit) -> Self {
        UnitDto {
            id: u.id.0,
            version: u.version.0,
            name: u.name.as_str(),
            parent: u.parent.as_ref().map(Into::into),
            created_at: u.created_at.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingDto<'a> {
    pub id: i64,
    pub version: i64,
    pub title: Option<&'a str>,
    /// YYYY-MM-DD, --MM-DD, ---DD or null.
    pub date: Option<&'a str>,
    pub body: Option<&'a str>,
    pub chair: Option<&'a str>,
}

impl<'a> From<&'a Meeting> for MeetingDto<'a> {
    fn from(m: &'a Meeting) -> Self {
        MeetingDto {
            id: m.id.0,
            version: m.version.0,
            title: m.title.as_deref(),
            date: m.held_on.as_deref(),
            body: m.body.as_deref(),
            chair: m.chair.as_deref(),
        }
    }
}

/// A document in a list (without its source).
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentSummaryDto<'a> {
    pub id: i64,
    pub version: i64,
    pub name: Option<&'a str>,
    /// text, html or docx.
    pub kind: &'static str,
    /// hans, hant or mixed.
    pub script: &'a str,
    /// The meeting's title.
    pub title: Option<&'a str>,
    pub date: Option<&'a str>,
    pub created_at: String,
    pub created_by: &'a str,
}

impl<'a> From<&'a DocumentSummary> for DocumentSummaryDto<'a> {
    fn from(d: &'a DocumentSummary) -> Self {
        DocumentSummaryDto {
            id: d.id.0,
            version: d.version.0,
            name: d.name.as_deref(),
            kind: d.kind.code(),
            script: &d.script,
            title: d.title.as_deref(),
            date: d.held_on.as_deref(),
            created_at: d.created_at.to_string(),
            created_by: d.created_by.as_str(),
        }
    }
}

impl<'a> DocumentSummaryDto<'a> {
    pub fn of_document(d: &'a Document, m: &'a Meeting) -> Self {
        DocumentSummaryDto {
            id: d.id.0,
            version: d.version.0,
            name: d.name.as_deref(),
            kind: d.kind.code(),
            script: &d.script,
            title: m.title.as_deref(),
            date: m.held_on.as_deref(),
            created_at: d.created_at.to_string(),
            created_by: d.created_by.as_str(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentPage<'a> {
    pub items: Vec<DocumentSummaryDto<'a>>,
    pub next_cursor: Option<String>,
}

/// A stored document: its source as given and the extraction made of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentDto<'a> {
    pub id: i64,
    pub version: i64,
    pub name: Option<&'a str>,
    pub kind: &'static str,
    pub encoding: &'a str,
    pub script: &'a str,
    /// The decoded text; task spans index it in Unicode scalar values.
    pub source: &'a str,
    /// The extraction as it was at ingest (the `luoshi extract` contract).
    #[schema(value_type = Object)]
    pub extraction: &'a serde_json::value::RawValue,
    pub meeting: MeetingDto<'a>,
    pub created_at: String,
    pub created_by: &'a str,
}

impl<'a> DocumentDto<'a> {
    pub fn new(
        d: &'a Document,
        meeting: &'a Meeting,
        extraction: &'a serde_json::value::RawValue,
    ) -> Self {
        DocumentDto {
            id: d.id.0,
            version: d.version.0,
            name: d.name.as_deref(),
            kind: d.kind.code(),
            encoding: &d.encoding,
            script: &d.script,
            source: &d.source,
            extraction,
            meeting: meeting.into(),
            created_at: d.created_at.to_string(),
            created_by: d.created_by.as_str(),
        }
    }
}

/// What an ingest stored: the document, its meeting and its draft tasks.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestedDto<'a> {
    pub document: DocumentSummaryDto<'a>,
    pub meeting: MeetingDto<'a>,
    pub tasks: Vec<TaskDto<'a>>,
}

/// How many tasks a lead unit has in a status (`unit` null: unassigned).
#[derive(Debug, Serialize, ToSchema)]
pub struct CountDto<'a> {
    pub unit: Option<UnitRefDto<'a>>,
    pub status: &'static str,
    pub count: i64,
}

impl<'a> From<&'a UnitStatusCount> for CountDto<'a> {
    fn from(c: &'a UnitStatusCount) -> Self {
        CountDto {
            unit: c.unit.as_ref().map(Into::into),
            status: c.status,
            count: c.count,
        }
    }
}

// ----- report review -------------------------------------------------------------

/// Accept (审核通过) or return (退回) a progress report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// The report's `version` as read.
    pub expected_version: i64,
    /// 审核意见; required when returning.
    pub note: Option<String>,
}

// ----- accounts ------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub old_password: String,
    /// 10–128 characters, not only digits.
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    /// What the token is for, 1–64 characters.
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    /// 2–32 ASCII letters, digits, `.`, `_`, `-`; case-insensitive.
    pub login: String,
    /// 姓名.
    pub name: String,
    /// admin, office, unit_lead, unit_staff or leadership.
    pub role: String,
    /// The unit (by name); required for unit_lead and unit_staff.
    pub unit: Option<String>,
}

/// `null` and absent differ for `unit`: null removes the unit.
fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChangeRequest {
    /// The user's `version` as read; a stale one is 409 `stale_version`.
    pub expected_version: i64,
    pub name: Option<String>,
    pub role: Option<String>,
    /// A unit name; `null` removes the unit; absent leaves it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub unit: Option<Option<String>>,
    /// false disables the account (never deleted) and ends its sessions.
    pub active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto<'a> {
    pub id: i64,
    pub version: i64,
    pub login: &'a str,
    pub name: &'a str,
    /// admin, office, unit_lead, unit_staff or leadership.
    pub role: &'static str,
    pub role_label: &'static str,
    pub unit: Option<UnitRefDto<'a>>,
    pub must_change_password: bool,
    pub active: bool,
    /// Set while locked after failed logins.
    pub locked_until: Option<String>,
    pub created_at: String,
}

impl<'a> From<&'a luoshi_core::User> for UserDto<'a> {
    fn from(u: &'a luoshi_core::User) -> Self {
        UserDto {
            id: u.id.0,
            version: u.version.0,
            login: u.login.as_str(),
            name: u.name.as_str(),
            role: u.role.code(),
            role_label: u.role.label(),
            unit: u.unit.as_ref().map(Into::into),
            must_change_password: u.must_change_password,
            active: u.active,
            locked_until: u.locked_until.map(|t| t.to_string()),
            created_at: u.created_at.to_string(),
        }
    }
}

/// A signed-in session: the cookie is set; unsafe requests made with it
/// must echo `csrf_token` in `X-CSRF-Token`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto<'a> {
    pub user: UserDto<'a>,
    pub csrf_token: &'a str,
    pub expires_at: String,
}

/// Who is calling, and what they may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeDto<'a> {
    pub user: UserDto<'a>,
    /// Permission codes (manage_users, ingest, assign, review, …).
    pub permissions: Vec<&'static str>,
    /// session or token.
    pub authenticated_by: &'static str,
    /// The session's CSRF token (cookie sessions only).
    pub csrf_token: Option<&'a str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenDto<'a> {
    pub id: i64,
    pub name: &'a str,
    /// The first 8 characters of the secret.
    pub prefix: &'a str,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl<'a> From<&'a luoshi_core::ApiToken> for TokenDto<'a> {
    fn from(t: &'a luoshi_core::ApiToken) -> Self {
        TokenDto {
            id: t.id,
            name: &t.name,
            prefix: &t.prefix,
            created_at: t.created_at.to_string(),
            last_used_at: t.last_used_at.map(|x| x.to_string()),
            revoked_at: t.revoked_at.map(|x| x.to_string()),
        }
    }
}

/// A new token and its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenDto<'a> {
    pub token: TokenDto<'a>,
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: &'a str,
}

/// A user created or reset, with the one-time password to hand over.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserWithPasswordDto<'a> {
    pub user: UserDto<'a>,
    /// Must be changed at the first login; shown this once.
    pub one_time_password: &'a str,
}
