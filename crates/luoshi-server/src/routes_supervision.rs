//! Supervision (督办) over HTTP: a task's reporting cycle, the reports due,
//! warning cards, the caller's notification centre, the status report as
//! .docx and the scheduler's state. Its request and response types live
//! here with the handlers: they are used nowhere else.
//!
//! Permissions as in `routes.rs`: the office (督查室) manages cycles and
//! clears cards; unit roles see their own units' tasks, cards, reports due
//! and notifications only, and mark their notifications read; roles that
//! see every unit (office, leadership, administrator) read everything,
//! the status report and the scheduler's state included.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use luoshi_core::{
    Card, CardFilter, CardId, Cycle, Date, DocumentId, DueFilter, DueReport, Ledger, NewNotice,
    Notice, NoticeTarget, Notification, NotificationFilter, Permission, ReportCycle, ReportQuery,
    ReportScope, TaskId, UnitRef, Version, WarningRules,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::caller::{Caller, hidden_document};
use crate::error::{ApiError, ErrorBody, unknown_unit_in};
use crate::request::{ApiJson, ApiQuery, PathParam};
use crate::routes::{
    AppStateRef, bad_cursor, blocking, field, ok, opt_text, page_limit, task_id, text, today,
    unit_name,
};
use crate::scheduler::SchedulerStatus;

// ----- wire types ----------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDto {
    pub id: i64,
    pub name: String,
}

fn unit_dto(u: &UnitRef) -> UnitDto {
    UnitDto {
        id: u.id.0,
        name: u.name.as_str().to_owned(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CycleDto {
    /// weekly, fortnightly, monthly, quarterly or dates.
    pub kind: &'static str,
    pub label: &'static str,
    /// The due dates of kind `dates`.
    pub dates: Vec<String>,
}

fn cycle_dto(c: &Cycle) -> CycleDto {
    let dates = match c {
        Cycle::Dates(d) => d.iter().map(Date::to_string).collect(),
        _ => Vec::new(),
    };
    CycleDto {
        kind: c.code(),
        label: c.label(),
        dates,
    }
}

/// A task's reporting cycle: its own (`cycle`, versioned) or, without
/// one, the default every assigned task follows.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskCycleDto {
    pub task_id: i64,
    pub cycle: Option<CycleDto>,
    pub starts_on: Option<String>,
    /// The version to send back as `expected_version`; absent without a
    /// cycle of the task's own.
    pub version: Option<i64>,
    pub default_cycle: Option<CycleDto>,
}

fn task_cycle_dto(task: TaskId, c: Option<&ReportCycle>) -> TaskCycleDto {
    TaskCycleDto {
        task_id: task.0,
        cycle: c.map(|c| cycle_dto(&c.cycle)),
        starts_on: c.map(|c| c.starts_on.to_string()),
        version: c.map(|c| c.version.0),
        default_cycle: WarningRules::default()
            .default_cycle()
            .ok()
            .flatten()
            .map(|c| cycle_dto(&c)),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetCycleRequest {
    /// The `version` read; absent (or null) when the task has no cycle yet.
    pub expected_version: Option<i64>,
    /// weekly, fortnightly, monthly, quarterly or dates.
    pub kind: String,
    /// The due dates (YYYY-MM-DD) of kind `dates`.
    #[serde(default)]
    pub dates: Vec<String>,
    /// The day reporting starts (default: the day the task was assigned).
    pub starts_on: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// The day asked about (default today).
    pub day: Option<String>,
    /// Also list reports due within this many days (0–366, default 7).
    pub within_days: Option<u32>,
    /// Tasks this unit leads or co-operates on.
    pub unit: Option<String>,
    pub document: Option<i64>,
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DueDto {
    pub task_id: i64,
    pub title: String,
    pub lead: UnitDto,
    pub cycle: CycleDto,
    pub next_due: Option<String>,
    /// Due dates missed in a row.
    pub missed: Vec<String>,
    pub last_report: Option<String>,
}

fn due_dto(d: &DueReport) -> DueDto {
    DueDto {
        task_id: d.task.0,
        title: d.title.as_str().to_owned(),
        lead: unit_dto(&d.lead),
        cycle: cycle_dto(&d.cycle),
        next_due: d.next_due.map(|d| d.to_string()),
        missed: d.missed.iter().map(Date::to_string).collect(),
        last_report: d.last_report.map(|d| d.to_string()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuePage {
    pub items: Vec<DueDto>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CardQuery {
    pub task: Option<i64>,
    /// Cards raised on this unit.
    pub unit: Option<String>,
    pub document: Option<i64>,
    /// Only open cards (neither cleared nor superseded).
    pub open: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonDto {
    pub code: String,
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CardDto {
    pub id: i64,
    pub version: i64,
    pub task_id: i64,
    pub task_title: String,
    pub unit: Option<UnitDto>,
    pub tier: String,
    pub tier_label: String,
    pub reasons: Vec<ReasonDto>,
    pub raised_on: String,
    pub raised_at: String,
    pub open: bool,
    pub cleared_at: Option<String>,
    pub cleared_by: Option<String>,
    pub clear_reason: Option<String>,
    pub superseded_by: Option<i64>,
}

fn card_dto(c: &Card) -> CardDto {
    CardDto {
        id: c.id.0,
        version: c.version.0,
        task_id: c.task.0,
        task_title: c.task_title.as_str().to_owned(),
        unit: c.unit.as_ref().map(unit_dto),
        tier: c.tier.clone(),
        tier_label: c.tier_label.clone(),
        reasons: c
            .reasons
            .iter()
            .map(|r| ReasonDto {
                code: r.code.clone(),
                text: r.text.clone(),
            })
            .collect(),
        raised_on: c.raised_on.to_string(),
        raised_at: c.raised_at.to_string(),
        open: c.is_open(),
        cleared_at: c.cleared_at.map(|t| t.to_string()),
        cleared_by: c.cleared_by.as_ref().map(|p| p.as_str().to_owned()),
        clear_reason: c.clear_reason.clone(),
        superseded_by: c.superseded_by.map(|c| c.0),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CardPage {
    pub items: Vec<CardDto>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClearCardRequest {
    pub expected_version: i64,
    /// Why the card is cleared (解除理由).
    pub reason: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread notifications.
    pub unread: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: i64,
    pub unit: UnitDto,
    pub task_id: i64,
    /// report_before, report_due, report_missed, deadline_before,
    /// deadline_due or deadline_missed.
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub due_on: String,
    pub text: String,
    pub created_at: String,
    pub read_at: Option<String>,
    pub read_by: Option<String>,
}

fn notification_dto(n: &Notification) -> NotificationDto {
    NotificationDto {
        id: n.id,
        unit: unit_dto(&n.unit),
        task_id: n.task.0,
        kind: n.kind.code(),
        kind_label: n.kind.label(),
        due_on: n.due_on.to_string(),
        text: n.text.clone(),
        created_at: n.created_at.to_string(),
        read_at: n.read_at.map(|t| t.to_string()),
        read_by: n.read_by.clone(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationDto>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatusReportQuery {
    /// Only reports filed on or after this day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Only reports filed on or before this day.
    pub to: Option<String>,
}

// ----- helpers -------------------------------------------------------------------

fn opt_day(name: &str, s: Option<&str>) -> Result<Option<Date>, ApiError> {
    s.map(|s| field(name, Date::parse(s.trim()))).transpose()
}

fn cursor_id(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    cursor
        .map(|c| {
            c.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(bad_cursor)
        })
        .transpose()
}

fn positive_id(name: &str, value: Option<i64>) -> Result<Option<i64>, ApiError> {
    match value {
        Some(n) if n <= 0 => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            format!("{name} 应为正整数。"),
        )
        .with_field(name)),
        other => Ok(other),
    }
}

fn notification_id(p: &PathParam) -> Result<i64, ApiError> {
    p.0.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "value_bad_id",
            "编号无效，应为正整数。",
        )
        .with_field("id")
    })
}

// ----- handlers ------------------------------------------------------------------

/// A task's reporting cycle (反馈周期).
#[utoipa::path(
    get, path = "/api/v1/tasks/{id}/cycle", tag = "supervision",
    params(("id" = i64, Path, description = "Task id")),
    responses(
        (status = 200, description = "The cycle", body = TaskCycleDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn get_cycle(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
) -> Result<Response, ApiError> {
    let id = task_id(&id)?;
    caller
        .check_task(id, state.store.task(id).await, |t| t)
        .await?;
    let cycle = state.store.cycle(id).await?;
    Ok(ok(&task_cycle_dto(id, cycle.as_ref())))
}

/// Sets a task's reporting cycle (office).
#[utoipa::path(
    post, path = "/api/v1/tasks/{id}/cycle", tag = "supervision",
    params(("id" = i64, Path, description = "Task id")),
    request_body = SetCycleRequest,
    responses(
        (status = 200, description = "The cycle set", body = TaskCycleDto),
        (status = 409, description = "Stale version", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn set_cycle(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<SetCycleRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Assign).await?;
    let id = task_id(&id)?;
    let dates = req
        .dates
        .iter()
        .map(|d| field("dates", Date::parse(d.trim())))
        .collect::<Result<Vec<_>, _>>()?;
    let cycle = field("kind", Cycle::parse(req.kind.trim(), &dates))?;
    let starts_on = opt_day("starts_on", req.starts_on.as_deref())?;
    let set = state
        .store
        .set_cycle(
            caller.actor(),
            id,
            req.expected_version.map(Version),
            &cycle,
            starts_on,
        )
        .await?;
    Ok(ok(&task_cycle_dto(id, Some(&set))))
}

/// Reports due soon or missed (应报未报), a page at a time in task order.
#[utoipa::path(
    get, path = "/api/v1/reports-due", tag = "supervision",
    params(DueQuery),
    responses(
        (status = 200, description = "A page of tasks with a report due or missed", body = DuePage),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn reports_due(
    State(state): AppStateRef,
    caller: Caller,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> Result<Response, ApiError> {
    let limit = page_limit(q.limit)?;
    let day = opt_day("day", q.day.as_deref())?.unwrap_or_else(|| today(&state.store));
    let within_days = q.within_days.unwrap_or(7);
    if within_days > 366 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            "within_days 应为 0 到 366 之间的整数。",
        )
        .with_field("within_days"));
    }
    let filter = DueFilter {
        day,
        within_days,
        unit: q
            .unit
            .as_deref()
            .map(|u| unit_name("unit", u))
            .transpose()?,
        document: positive_id("document", q.document)?.map(DocumentId),
        visible_units: caller.visible_units().map(<[_]>::to_vec),
        after: cursor_id(q.cursor.as_deref())?.map(TaskId),
        limit: Some(limit + 1),
    };
    let mut items = state
        .store
        .reports_due(&filter, &WarningRules::default())
        .await
        .map_err(unknown_unit_in("unit"))?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_cursor = more
        .then(|| items.last().map(|d| d.task.0.to_string()))
        .flatten();
    Ok(ok(&DuePage {
        items: items.iter().map(due_dto).collect(),
        next_cursor,
    }))
}

/// Warning cards (预警), newest last, a page at a time.
#[utoipa::path(
    get, path = "/api/v1/cards", tag = "supervision",
    params(CardQuery),
    responses(
        (status = 200, description = "A page of cards", body = CardPage),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn list_cards(
    State(state): AppStateRef,
    caller: Caller,
    ApiQuery(q): ApiQuery<CardQuery>,
) -> Result<Response, ApiError> {
    let limit = page_limit(q.limit)?;
    let filter = CardFilter {
        task: positive_id("task", q.task)?.map(TaskId),
        unit: q
            .unit
            .as_deref()
            .map(|u| unit_name("unit", u))
            .transpose()?,
        document: positive_id("document", q.document)?.map(DocumentId),
        open: q.open.unwrap_or(false),
        raised_from: None,
        raised_to: None,
        visible_units: caller.visible_units().map(<[_]>::to_vec),
        after: cursor_id(q.cursor.as_deref())?.map(CardId),
        limit: Some(limit + 1),
    };
    let mut cards = state
        .store
        .cards(&filter)
        .await
        .map_err(unknown_unit_in("unit"))?;
    let more = cards.len() > limit as usize;
    cards.truncate(limit as usize);
    let next_cursor = more
        .then(|| cards.last().map(|c| c.id.0.to_string()))
        .flatten();
    Ok(ok(&CardPage {
        items: cards.iter().map(card_dto).collect(),
        next_cursor,
    }))
}

/// Clears an open card with a reason (解除预警; office).
#[utoipa::path(
    post, path = "/api/v1/cards/{id}/clear", tag = "supervision",
    params(("id" = i64, Path, description = "Card id")),
    request_body = ClearCardRequest,
    responses(
        (status = 200, description = "The card, cleared", body = CardDto),
        (status = 409, description = "Stale version, already cleared or superseded", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn clear_card(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<ClearCardRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Review).await?;
    let id = field("id", CardId::parse(&id.0))?;
    let reason = text("reason", &req.reason)?;
    let card = state
        .store
        .clear_card(caller.actor(), id, Version(req.expected_version), &reason)
        .await?;
    Ok(ok(&card_dto(&card)))
}

/// The caller's notification centre (催办提醒), newest first: a unit
/// role's own units; every unit for roles that see all.
#[utoipa::path(
    get, path = "/api/v1/me/notifications", tag = "supervision",
    params(NotificationQuery),
    responses(
        (status = 200, description = "A page of notifications", body = NotificationPage),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn list_notifications(
    State(state): AppStateRef,
    caller: Caller,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> Result<Response, ApiError> {
    let limit = page_limit(q.limit)?;
    let mut items = state
        .store
        .notifications(&NotificationFilter {
            units: caller.visible_units().map(<[_]>::to_vec),
            unread: q.unread.unwrap_or(false),
            before: cursor_id(q.cursor.as_deref())?,
            limit: Some(limit + 1),
        })
        .await?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_cursor = more
        .then(|| items.last().map(|n| n.id.to_string()))
        .flatten();
    Ok(ok(&NotificationPage {
        items: items.iter().map(notification_dto).collect(),
        next_cursor,
    }))
}

/// Marks one of the caller's unit's notifications read (kept, never
/// deleted; marking it again changes nothing).
#[utoipa::path(
    post, path = "/api/v1/me/notifications/{id}/read", tag = "supervision",
    params(("id" = i64, Path, description = "Notification id")),
    responses(
        (status = 200, description = "The notification, read", body = NotificationDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn read_notification(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
) -> Result<Response, ApiError> {
    // Notifications are addressed to units: only their people mark them.
    caller.require(Permission::Report).await?;
    let id = notification_id(&id)?;
    let n = state
        .store
        .mark_notification_read(id, caller.actor(), caller.visible_units())
        .await?;
    Ok(ok(&notification_dto(&n)))
}

/// One progress report filed for several tasks of one unit (合并反馈).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CombinedReportRequest {
    /// The tasks (at least two different ones, at most 200); the unit must
    /// lead or co-operate on every one.
    pub tasks: Vec<i64>,
    /// The reporting unit; the caller's own unit on the tasks (or, for the
    /// office, the lead unit of the first task) when absent.
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

/// The most tasks one combined report may cover.
const MAX_COMBINED_TASKS: usize = 200;

/// Files one progress report for several tasks of a unit (合并反馈): one
/// report per task in one transaction, tied together so the evaluation
/// counts one. Same permission as filing a report; every task must be one
/// the caller may report on, else nothing is stored.
#[utoipa::path(
    post, path = "/api/v1/reports/combined", tag = "tasks",
    request_body = CombinedReportRequest,
    responses(
        (status = 201, description = "The reports filed, one per task", body = Vec<crate::dto::ReportDto>),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn add_combined_report(
    State(state): AppStateRef,
    caller: Caller,
    ApiJson(req): ApiJson<CombinedReportRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Report).await?;
    if req.tasks.len() > MAX_COMBINED_TASKS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "value_too_long",
            format!("合并反馈最多包含 {MAX_COMBINED_TASKS} 项任务，请分批填报。"),
        )
        .with_field("tasks"));
    }
    let mut ids: Vec<TaskId> = Vec::with_capacity(req.tasks.len());
    for (i, id) in req.tasks.iter().enumerate() {
        let id = positive_id(&format!("tasks[{i}]"), Some(*id))?.map(TaskId);
        if let Some(id) = id
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    let today = today(&state.store);
    let period = match req.period.as_deref() {
        Some(p) => field("period", luoshi_core::Period::parse(p))?,
        None => field(
            "period",
            luoshi_core::Period::parse(&format!("{}年{}月", today.year(), today.month())),
        )?,
    };
    let report = luoshi_core::NewReport {
        unit: None,
        period,
        done: text("done", &req.done)?,
        next_steps: opt_text("next_steps", req.next_steps.as_deref())?,
        percent: field("percent", luoshi_core::Percent::new(req.percent))?,
        problems: opt_text("problems", req.problems.as_deref())?,
        evidence: opt_text("evidence", req.evidence.as_deref())?,
    };
    let mut unit = req
        .unit
        .as_deref()
        .map(|u| unit_name("unit", u))
        .transpose()?;
    // Every task is checked before anything is written: a scoped caller
    // must act on each one for the same unit (the one named, else its own
    // unit on the first task); all or nothing.
    for id in &ids {
        if let Some(task) = caller.task_to_act_on(*id, "反馈进展").await? {
            unit = Some(crate::routes::reporting_unit(&caller, &task, unit).await?);
        }
    }
    if ids.len() < 2 {
        return Err(ApiError::from(luoshi_core::StoreError::from(
            luoshi_core::ValueError::BatchTooSmall,
        ))
        .with_field("tasks"));
    }
    let unit = match unit {
        Some(u) => u,
        None => {
            // The office, no unit named: the lead unit of the first task.
            let first = state.store.task(ids[0]).await?;
            match first.assignment {
                Some(a) => a.lead.name,
                None => {
                    return Err(luoshi_core::StoreError::from(
                        luoshi_core::ValueError::TaskNotAssigned { task: ids[0].0 },
                    )
                    .into());
                }
            }
        }
    };
    let saved = state
        .store
        .add_shared_report(caller.actor(), &unit, &ids, &report)
        .await
        .map_err(unknown_unit_in("unit"))?;
    let dtos: Vec<crate::dto::ReportDto<'_>> = saved.iter().map(Into::into).collect();
    Ok(crate::routes::json(StatusCode::CREATED, &dtos))
}

/// The e-mail address a unit's reminders (催办) go to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactDto {
    pub unit: String,
    pub email: String,
}

/// Sets (or replaces) the e-mail address a unit's reminders go to
/// (administrators, who manage units).
#[utoipa::path(
    put, path = "/api/v1/units/{name}/contact", tag = "units",
    params(("name" = String, Path, description = "Unit name (URL-encoded)")),
    request_body = ContactRequest,
    responses(
        (status = 200, description = "The unit's reminder address", body = ContactDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn set_unit_contact(
    State(state): AppStateRef,
    caller: Caller,
    name: PathParam,
    ApiJson(req): ApiJson<ContactRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageUnits).await?;
    let unit = unit_name("name", &name.0)?;
    state
        .store
        .set_unit_email(&unit, &req.email)
        .await
        .map_err(|e| match e {
            luoshi_core::StoreError::Invalid(_) => ApiError::from(e).with_field("email"),
            other => other.into(),
        })?;
    Ok(ok(&ContactDto {
        unit: unit.as_str().to_owned(),
        email: req.email.trim().to_owned(),
    }))
}

/// The implementation status report (贯彻落实情况汇报) of a document as a
/// Word file (roles that see every unit).
#[utoipa::path(
    get, path = "/api/v1/documents/{id}/status-report.docx", tag = "supervision",
    params(("id" = i64, Path, description = "Document id"), StatusReportQuery),
    responses(
        (status = 200, description = "The report (.docx)",
         content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", body = Vec<u8>),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn status_report(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiQuery(q): ApiQuery<StatusReportQuery>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ReadAll).await?;
    let id = field("id", DocumentId::parse(&id.0))?;
    if !caller.may_see_document(id).await? {
        return Err(caller
            .refuse("查看文件", "documents", None, hidden_document())
            .await);
    }
    let from = opt_day("from", q.from.as_deref())?;
    let to = opt_day("to", q.to.as_deref())?;
    status_report_response(&state, ReportScope::Document(id), from, to).await
}

/// What the reminder scheduler last did (roles that see every unit).
#[utoipa::path(
    get, path = "/api/v1/scheduler", tag = "supervision",
    responses(
        (status = 200, description = "The scheduler's settings and last tick", body = Object),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn scheduler_status(
    State(state): AppStateRef,
    caller: Caller,
) -> Result<Response, ApiError> {
    caller.require(Permission::ReadAll).await?;
    let status: SchedulerStatus = state.scheduler.status();
    Ok(ok(&status))
}

// ----- the status report by scope and the supervision notice ----------------------

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScopedReportQuery {
    /// Only this document's tasks.
    pub document: Option<String>,
    /// Only this theme (a task id) and the tasks below it.
    pub theme: Option<String>,
    /// Only reports, cards and problems from this day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Up to this day (default today).
    pub to: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    /// 回复时限 (YYYY-MM-DD; default seven days after today).
    pub reply_by: Option<String>,
    /// The issuing office (落款; default 督查室).
    pub office: Option<String>,
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

fn docx_failed(e: &luoshi_report::ReportError) -> ApiError {
    eprintln!("luoshi serve: writing a Word file failed: {e}");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "docx_write_failed",
        "无法生成 Word 文件，请稍后重试。",
    )
}

/// A .docx download; `ascii` is the fallback file name, `encoded` the
/// percent-encoded UTF-8 one.
fn docx_response(bytes: Vec<u8>, ascii: &str, encoded: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, DOCX.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn status_report_response(
    state: &crate::routes::AppState,
    scope: ReportScope,
    from: Option<Date>,
    to: Option<Date>,
) -> Result<Response, ApiError> {
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "report_bad_range",
            format!("统计起始日期 {f} 晚于截止日期 {t}，请调换或改正。"),
        )
        .with_field("from"));
    }
    let data = state
        .store
        .status_report(&ReportQuery {
            scope,
            from,
            to,
            day: to.unwrap_or_else(|| today(&state.store)),
        })
        .await?;
    let bytes =
        blocking(move || luoshi_report::status_docx(&data).map_err(|e| docx_failed(&e))).await?;
    Ok(docx_response(
        bytes,
        "status-report.docx",
        "%E8%B4%AF%E5%BD%BB%E8%90%BD%E5%AE%9E%E6%83%85%E5%86%B5%E6%B1%87%E6%8A%A5.docx",
    ))
}

/// The implementation status report (贯彻落实情况汇报) as a Word file, for
/// one document, one theme, or — with neither — every task of the ledger
/// (roles that see every unit).
#[utoipa::path(
    get, path = "/api/v1/status-report.docx", tag = "supervision",
    params(ScopedReportQuery),
    responses(
        (status = 200, description = "The report (.docx)", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", body = Vec<u8>),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn scoped_status_report(
    State(state): AppStateRef,
    caller: Caller,
    ApiQuery(q): ApiQuery<ScopedReportQuery>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ReadAll).await?;
    let scope = match (q.document.as_deref(), q.theme.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                "document 与 theme 只能指定其一。",
            )
            .with_field("theme"));
        }
        (Some(d), None) => ReportScope::Document(field("document", DocumentId::parse(d.trim()))?),
        (None, Some(t)) => ReportScope::Theme(field("theme", TaskId::parse(t.trim()))?),
        (None, None) => ReportScope::Ledger,
    };
    let from = opt_day("from", q.from.as_deref())?;
    let to = opt_day("to", q.to.as_deref())?;
    status_report_response(&state, scope, from, to).await
}

async fn notice_response(
    state: &crate::routes::AppState,
    caller: &Caller,
    target: NoticeTarget,
    q: &NoticeQuery,
) -> Result<Response, ApiError> {
    let reply_by = opt_day("reply_by", q.reply_by.as_deref())?;
    let notice: Notice = state
        .store
        .issue_notice(
            caller.actor(),
            &NewNotice {
                target,
                issued_on: today(&state.store),
                reply_by,
                office: q.office.clone(),
            },
        )
        .await?;
    let ascii = format!("notice-{}-{}.docx", notice.year, notice.number);
    let bytes =
        blocking(move || luoshi_report::notice_docx(&notice).map_err(|e| docx_failed(&e))).await?;
    // 督办通知.docx
    Ok(docx_response(
        bytes,
        &ascii,
        "%E7%9D%A3%E5%8A%9E%E9%80%9A%E7%9F%A5.docx",
    ))
}

/// Issues a supervision notice (督办通知) about one task, addressed to its
/// lead unit, as a Word file. Each call issues a new notice under the
/// year's next number (督〔2026〕N号) and is an audit event. Roles that see
/// every unit; a unit's own people cannot issue notices.
#[utoipa::path(
    get, path = "/api/v1/tasks/{id}/notice.docx", tag = "supervision",
    params(("id" = i64, Path, description = "Task id"), NoticeQuery),
    responses(
        (status = 200, description = "The notice (.docx)", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", body = Vec<u8>),
        (status = 422, description = "The task is not assigned or already closed", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn task_notice(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiQuery(q): ApiQuery<NoticeQuery>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ReadAll).await?;
    let id = task_id(&id)?;
    notice_response(&state, &caller, NoticeTarget::Task(id), &q).await
}

/// Issues a supervision notice (督办通知) to a unit about every task it
/// leads that is overdue or carries an open card, as a Word file (as for
/// a task's notice; 422 when the unit has no such task).
#[utoipa::path(
    get, path = "/api/v1/units/{name}/notice.docx", tag = "supervision",
    params(("name" = String, Path, description = "Unit name (URL-encoded)"), NoticeQuery),
    responses(
        (status = 200, description = "The notice (.docx)", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", body = Vec<u8>),
        (status = 422, description = "Nothing overdue or carded", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn unit_notice(
    State(state): AppStateRef,
    caller: Caller,
    name: PathParam,
    ApiQuery(q): ApiQuery<NoticeQuery>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ReadAll).await?;
    let name = unit_name("name", &name.0)?;
    notice_response(&state, &caller, NoticeTarget::Unit(name), &q).await
}
