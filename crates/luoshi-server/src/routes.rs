//! The handlers of `/api/v1`: each reads its request through [`Caller`] and
//! the extractors of [`crate::request`], turns the DTO into validated domain
//! values (a bad one is a 422 naming the field), calls the ledger once or
//! twice, and writes the response DTO. The `#[utoipa::path]` on each is the
//! OpenAPI document.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use luoshi_core::{
    Date, DocumentId, DocumentName, Ledger, NewAssignment, NewDocument, NewReport, Percent, Period,
    Permission, PersonName, ReportId, StatusFilter, Store, TaskFilter, TaskId, TaskSort, Text,
    UnitName, ValueError, Version, xlsx,
};
use serde::Serialize;

use crate::auth::{LoginLimiter, PrincipalCache, Settings};
use crate::caller::{Caller, hidden_document};
use crate::dto::{
    AssignRequest, CountDto, DocumentDto, DocumentPage, DocumentSummaryDto, EventDto, ExportQuery,
    ExtractRequest, IngestRequest, IngestedDto, NewUnitRequest, PageQuery, ReasonRequest,
    ReportDto, ReportRequest, RequestCloseRequest, ReviewRequest, TaskDetailDto, TaskDto, TaskPage,
    TaskQuery, UnitDto, VersionRequest,
};
use crate::error::{ApiError, ErrorBody, unknown_unit_in};
use crate::request::{ApiJson, ApiQuery, PathParam};

/// What every handler shares: the store (one pool for the process), the
/// settings, the principal cache and the login limiter.
#[derive(Debug)]
pub struct AppState {
    pub store: Store,
    pub settings: Settings,
    pub cache: PrincipalCache,
    pub limiter: LoginLimiter,
    pub scheduler: Arc<crate::scheduler::Scheduler>,
    /// What the 督办 pages compute from the whole ledger, kept until it changes.
    pub cache_sup: crate::web::supervision::SupervisionCache,
}

pub type AppStateRef = State<Arc<AppState>>;

/// The largest page of a list.
pub const MAX_LIMIT: u32 = 200;
const DEFAULT_LIMIT: u32 = 50;
/// The longest search text, in characters.
const MAX_QUERY_CHARS: usize = 200;

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => {
            eprintln!("luoshi serve: cannot serialise a response: {e}");
            ApiError::internal().into_response()
        }
    }
}

pub(crate) fn ok<T: Serialize>(value: &T) -> Response {
    json(StatusCode::OK, value)
}

/// A value of a request field, checked by its domain type.
pub(crate) fn field<T>(name: &str, r: Result<T, ValueError>) -> Result<T, ApiError> {
    r.map_err(|e| ApiError::invalid(name, &e))
}

pub(crate) fn unprocessable(
    code: &'static str,
    field: &str,
    message: impl Into<String>,
) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message).with_field(field)
}

pub(crate) fn text(name: &str, s: &str) -> Result<Text, ApiError> {
    field(name, Text::parse(s))
}

pub(crate) fn opt_text(name: &str, s: Option<&str>) -> Result<Option<Text>, ApiError> {
    s.map(|s| text(name, s)).transpose()
}

pub(crate) fn unit_name(name: &str, s: &str) -> Result<UnitName, ApiError> {
    field(name, UnitName::parse(s))
}

pub(crate) fn task_id(p: &PathParam) -> Result<TaskId, ApiError> {
    field("id", TaskId::parse(&p.0))
}

pub(crate) fn today(store: &Store) -> Date {
    store.clock().today()
}

/// The decoded source of a preview or ingest: exactly one of `text` and
/// `content_base64`.
fn source_of(
    text: Option<&str>,
    content_base64: Option<&str>,
) -> Result<luoshi_extract::Source, ApiError> {
    let (bytes, name) = match (text, content_base64) {
        (Some(_), Some(_)) => {
            return Err(unprocessable(
                "source_ambiguous",
                "content_base64",
                "请只给出 text 或 content_base64 之一。",
            ));
        }
        (None, None) => {
            return Err(unprocessable(
                "source_missing",
                "text",
                "请给出通稿：text（正文）或 content_base64（文件内容的 base64 编码）。",
            ));
        }
        (Some(t), None) => (std::borrow::Cow::Borrowed(t.as_bytes()), "text"),
        (None, Some(b)) => {
            let compact: Vec<u8> = b.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&compact)
                .map_err(|_| {
                    unprocessable(
                        "bad_base64",
                        "content_base64",
                        "content_base64 不是有效的 base64 编码。",
                    )
                })?;
            (std::borrow::Cow::Owned(bytes), "content_base64")
        }
    };
    luoshi_extract::decode(&bytes).map_err(|e| unprocessable(e.code(), name, e.to_string()))
}

/// Decoding and extraction take milliseconds of CPU on a long document:
/// off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| ApiError::internal())?
}

// ----- extract -------------------------------------------------------------------

/// Extracts the meeting and task tree of a communiqué without storing it.
#[utoipa::path(
    post, path = "/api/v1/extract", tag = "extract",
    request_body = ExtractRequest,
    responses(
        (status = 200, description = "The extraction (the `luoshi extract` JSON contract)", body = Object),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn extract(
    caller: Caller,
    ApiJson(req): ApiJson<ExtractRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Ingest).await?;
    let extraction = blocking(move || {
        let source = source_of(req.text.as_deref(), req.content_base64.as_deref())?;
        Ok(luoshi_extract::extract(&source))
    })
    .await?;
    Ok(ok(&extraction))
}

// ----- documents -----------------------------------------------------------------

/// Stores a communiqué, its meeting and its task tree as draft tasks.
#[utoipa::path(
    post, path = "/api/v1/documents", tag = "documents",
    request_body = IngestRequest,
    responses(
        (status = 201, description = "Stored", body = IngestedDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn ingest(
    State(state): AppStateRef,
    caller: Caller,
    ApiJson(req): ApiJson<IngestRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Ingest).await?;
    let name = req
        .name
        .as_deref()
        .map(|n| field("name", DocumentName::parse(n)))
        .transpose()?;
    let (source, extraction) = blocking(move || {
        let source = source_of(req.text.as_deref(), req.content_base64.as_deref())?;
        let extraction = luoshi_extract::extract(&source);
        Ok((source, extraction))
    })
    .await?;
    let doc = NewDocument {
        name: name.as_ref(),
        source: &source,
        extraction: &extraction,
    };
    let ingested = state.store.ingest(caller.actor(), doc).await?;
    let today = today(&state.store);
    Ok(json(
        StatusCode::CREATED,
        &IngestedDto {
            document: DocumentSummaryDto::of_document(&ingested.document, &ingested.meeting),
            meeting: (&ingested.meeting).into(),
            tasks: ingested
                .tasks
                .iter()
                .map(|t| TaskDto::new(t, today))
                .collect(),
        },
    ))
}

pub(crate) fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit.unwrap_or(DEFAULT_LIMIT) {
        n @ 1..=MAX_LIMIT => Ok(n),
        _ => Err(unprocessable(
            "invalid_value",
            "limit",
            format!("每页条数 limit 应为 1 到 {MAX_LIMIT} 之间的整数。"),
        )),
    }
}

pub(crate) fn bad_cursor() -> ApiError {
    unprocessable(
        "bad_cursor",
        "cursor",
        "cursor 无效，请使用上一页返回的 next_cursor。",
    )
}

/// Lists documents, newest last, a page at a time.
#[utoipa::path(
    get, path = "/api/v1/documents", tag = "documents",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of documents", body = DocumentPage),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn list_documents(
    State(state): AppStateRef,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Response, ApiError> {
    let limit = page_limit(q.limit)?;
    let mut after = q
        .cursor
        .as_deref()
        .map(|c| DocumentId::parse(c).map_err(|_| bad_cursor()))
        .transpose()?;
    let mut docs = Vec::new();
    if caller.sees_all() {
        docs = state.store.documents(after, limit + 1).await?;
    } else {
        // A scoped reader sees a document when one of its tasks is
        // visible: walk the documents in id order and keep those, one
        // indexed probe each (documents are few next to tasks).
        loop {
            let batch = state.store.documents(after, limit + 1).await?;
            let exhausted = batch.len() <= limit as usize;
            for d in batch {
                after = Some(d.id);
                if caller.may_see_document(d.id).await? {
                    docs.push(d);
                }
                if docs.len() > limit as usize {
                    break;
                }
            }
            if exhausted || docs.len() > limit as usize {
                break;
            }
        }
    }
    let more = docs.len() > limit as usize;
    docs.truncate(limit as usize);
    let next_cursor = more
        .then(|| docs.last().map(|d| d.id.to_string()))
        .flatten();
    Ok(ok(&DocumentPage {
        items: docs.iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// A document with its source, extraction and meeting.
#[utoipa::path(
    get, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = i64, Path, description = "Document id")),
    responses(
        (status = 200, description = "The document", body = DocumentDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn get_document(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
) -> Result<Response, ApiError> {
    let id = field("id", DocumentId::parse(&id.0))?;
    if !caller.may_see_document(id).await? {
        return Err(caller
            .refuse("查看文件", "documents", None, hidden_document())
            .await);
    }
    let doc = state.store.document(id).await?;
    let meeting = state.store.meeting_of(id).await?;
    let extraction: &serde_json::value::RawValue = serde_json::from_str(&doc.extraction_json)
        .map_err(|e| {
            eprintln!("luoshi serve: document {id} has unreadable extraction JSON: {e}");
            ApiError::internal()
        })?;
    Ok(ok(&DocumentDto::new(&doc, &meeting, extraction)))
}

// ----- tasks ---------------------------------------------------------------------

/// The filters shared by the task list and the export.
pub(crate) fn base_filter(
    store: &Store,
    unit: Option<&str>,
    status: Option<&str>,
    overdue: Option<bool>,
    document: Option<i64>,
    q: Option<&str>,
) -> Result<TaskFilter, ApiError> {
    let q = match q.map(str::trim).filter(|q| !q.is_empty()) {
        None => None,
        Some(q) if q.chars().count() > MAX_QUERY_CHARS => {
            return Err(unprocessable(
                "value_too_long",
                "q",
                format!("搜索内容太长，最多 {MAX_QUERY_CHARS} 个字。"),
            ));
        }
        Some(q) if q.chars().any(char::is_control) => {
            return Err(unprocessable(
                "value_control_character",
                "q",
                "搜索内容不能包含控制字符。",
            ));
        }
        Some(q) => Some(q.to_owned()),
    };
    Ok(TaskFilter {
        unit: unit.map(|u| unit_name("unit", u)).transpose()?,
        status: status
            .map(|s| field("status", StatusFilter::parse(s)))
            .transpose()?,
        overdue_on: overdue.unwrap_or(false).then(|| today(store)),
        document: document
            .map(|d| {
                if d > 0 {
                    Ok(DocumentId(d))
                } else {
                    Err(ApiError::invalid(
                        "document",
                        &ValueError::BadId {
                            input: d.to_string(),
                        },
                    ))
                }
            })
            .transpose()?,
        q,
        ..TaskFilter::default()
    })
}

/// Adds the theme and deadline-range conditions (the ledger page's and
/// the API's `theme`, `deadline_from`, `deadline_to`) to `filter`.
pub(crate) fn range_filter(
    filter: &mut TaskFilter,
    theme: Option<i64>,
    deadline_from: Option<&str>,
    deadline_to: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(theme) = theme {
        filter.theme = Some(field("theme", TaskId::parse(&theme.to_string()))?);
    }
    let day = |name: &str, s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| field(name, Date::parse(s)))
            .transpose()
    };
    filter.deadline_from = day("deadline_from", deadline_from)?;
    filter.deadline_to = day("deadline_to", deadline_to)?;
    if let (Some(from), Some(to)) = (filter.deadline_from, filter.deadline_to)
        && from > to
    {
        return Err(unprocessable(
            "invalid_value",
            "deadline_to",
            "完成时限的截止日期早于起始日期，请调换或改正。",
        ));
    }
    Ok(())
}

pub(crate) fn sort_of(s: Option<&str>) -> Result<TaskSort, ApiError> {
    Ok(match s.map(str::trim).unwrap_or("id") {
        "id" | "" => TaskSort::Id,
        "-id" => TaskSort::IdDesc,
        "deadline" => TaskSort::Deadline,
        "-deadline" => TaskSort::DeadlineDesc,
        "status" => TaskSort::Status,
        "updated" => TaskSort::Updated,
        "-updated" => TaskSort::UpdatedDesc,
        _ => {
            return Err(unprocessable(
                "bad_sort",
                "sort",
                "排序方式无效，可用：id、deadline、status、updated，前加 - 表示倒序（如 -updated）。",
            ));
        }
    })
}

/// Lists tasks: filtered, searched, sorted, a page at a time.
#[utoipa::path(
    get, path = "/api/v1/tasks", tag = "tasks",
    params(TaskQuery),
    responses(
        (status = 200, description = "A page of tasks", body = TaskPage),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn list_tasks(
    State(state): AppStateRef,
    caller: Caller,
    ApiQuery(query): ApiQuery<TaskQuery>,
) -> Result<Response, ApiError> {
    let mut filter = base_filter(
        &state.store,
        query.unit.as_deref(),
        query.status.as_deref(),
        query.overdue,
        query.document,
        query.q.as_deref(),
    )?;
    range_filter(
        &mut filter,
        query.theme,
        query.deadline_from.as_deref(),
        query.deadline_to.as_deref(),
    )?;
    filter.sort = sort_of(query.sort.as_deref())?;
    let limit = page_limit(query.limit)?;
    match (&query.cursor, query.page) {
        (Some(_), Some(_)) => {
            return Err(unprocessable(
                "cursor_and_page",
                "page",
                "cursor 与 page 只能给出其一。",
            ));
        }
        (Some(cursor), None) => {
            if filter.sort != TaskSort::Id {
                return Err(unprocessable(
                    "cursor_needs_id_sort",
                    "cursor",
                    "cursor 只用于按 id 排序的列表；其他排序请用 page 翻页。",
                ));
            }
            filter.after = Some(TaskId::parse(cursor).map_err(|_| bad_cursor())?);
        }
        (None, Some(page)) => {
            let offset = page
                .checked_sub(1)
                .and_then(|p| p.checked_mul(limit))
                .ok_or_else(|| {
                    unprocessable("invalid_value", "page", "页码 page 应为不太大的正整数。")
                })?;
            filter.offset = (offset > 0).then_some(offset);
        }
        (None, None) => {}
    }
    // One more than the page shows whether another page follows.
    filter.limit = Some(limit + 1);
    caller.scope(&mut filter);
    let mut tasks = state
        .store
        .tasks(&filter)
        .await
        .map_err(unknown_unit_in("unit"))?;
    let more = tasks.len() > limit as usize;
    tasks.truncate(limit as usize);
    let today = today(&state.store);
    let next_cursor = (more && filter.sort == TaskSort::Id && query.page.is_none())
        .then(|| tasks.last().map(|t| t.id.to_string()))
        .flatten();
    let next_page = (more && query.page.is_some()).then(|| query.page.unwrap_or(1) + 1);
    Ok(ok(&TaskPage {
        items: tasks.iter().map(|t| TaskDto::new(t, today)).collect(),
        next_cursor,
        next_page,
    }))
}

/// A task with its timeline: its reports and every audit event about it.
#[utoipa::path(
    get, path = "/api/v1/tasks/{id}", tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    responses(
        (status = 200, description = "The task and its timeline", body = TaskDetailDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn get_task(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
) -> Result<Response, ApiError> {
    let id = task_id(&id)?;
    let detail = caller
        .check_task(id, state.store.task_detail(id).await, |d| &d.task)
        .await?;
    let today = today(&state.store);
    Ok(ok(&TaskDetailDto {
        task: TaskDto::new(&detail.task, today),
        reports: detail.reports.iter().map(Into::into).collect(),
        events: detail.events.iter().map(EventDto::from).collect(),
    }))
}

fn task_response(store: &Store, task: &luoshi_core::Task) -> Response {
    ok(&TaskDto::new(task, today(store)))
}

/// Assigns a task (交办): lead unit, co-units, responsible person, deadline.
#[utoipa::path(
    post, path = "/api/v1/tasks/{id}/assign", tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body = AssignRequest,
    responses(
        (status = 200, description = "The task as assigned", body = TaskDto),
        (status = 409, description = "Stale version or not allowed in the current status", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn assign(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<AssignRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Assign).await?;
    let id = task_id(&id)?;
    let assignment = NewAssignment {
        lead: unit_name("lead", &req.lead)?,
        co_units: req
            .co_units
            .iter()
            .enumerate()
            .map(|(i, c)| unit_name(&format!("co_units[{i}]"), c))
            .collect::<Result<_, _>>()?,
        owner: req
            .owner
            .as_deref()
            .map(|o| field("owner", PersonName::parse(o)))
            .transpose()?,
        deadline: field("deadline", Date::parse(&req.deadline))?,
    };
    let lead = assignment.lead.clone();
    let task = state
        .store
        .assign(
            caller.actor(),
            id,
            Version(req.expected_version),
            &assignment,
        )
        .await
        .map_err(|e| match &e {
            luoshi_core::StoreError::NotFound {
                entity: luoshi_core::Entity::Unit,
                key,
            } => unknown_unit_in(if key == lead.as_str() {
                "lead"
            } else {
                "co_units"
            })(e),
            _ => e.into(),
        })?;
    Ok(task_response(&state.store, &task))
}

/// The unit a scoped caller reports for: the one named, which must be one
/// of the caller's units (else 403 `other_unit`); when none is named, the
/// caller's own unit if it is a unit of the task, else the first of the
/// task's units (lead first) that the caller sees.
pub(crate) async fn reporting_unit(
    caller: &Caller,
    task: &luoshi_core::Task,
    named: Option<UnitName>,
) -> Result<UnitName, ApiError> {
    let Some(a) = &task.assignment else {
        // task_to_act_on only returns assigned tasks to scoped callers.
        return Err(crate::caller::hidden_task());
    };
    let units = std::iter::once(&a.lead).chain(&a.co_units);
    match named {
        Some(name) => {
            let mine = units
                .clone()
                .find(|u| u.name == name)
                .is_some_and(|u| caller.sees_unit(u.id));
            if mine {
                Ok(name)
            } else if units.clone().any(|u| u.name == name) {
                let refusal = ApiError::new(
                    StatusCode::FORBIDDEN,
                    "other_unit",
                    format!("您不能代表“{name}”反馈进展，只能以本单位名义反馈。"),
                )
                .with_field("unit");
                Err(caller
                    .refuse("代其他单位反馈", "tasks", Some(task.id.0), refusal)
                    .await)
            } else {
                // Not a unit of the task at all: the ledger's own refusal.
                Ok(name)
            }
        }
        None => {
            let own = caller.principal().unit;
            let pick = units
                .clone()
                .find(|u| Some(u.id) == own)
                .or_else(|| units.clone().find(|u| caller.sees_unit(u.id)));
            pick.map(|u| u.name.clone())
                .ok_or_else(crate::caller::hidden_task)
        }
    }
}

/// Files a progress report (反馈) for the lead unit or a co-unit. Reports
/// are added side by side and take no version.
#[utoipa::path(
    post, path = "/api/v1/tasks/{id}/reports", tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body = ReportRequest,
    responses(
        (status = 201, description = "The report filed", body = ReportDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn add_report(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<ReportRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Report).await?;
    let id = task_id(&id)?;
    let task = caller.task_to_act_on(id, "反馈进展").await?;
    let today = today(&state.store);
    let period = match req.period.as_deref() {
        Some(p) => field("period", Period::parse(p))?,
        None => field(
            "period",
            Period::parse(&format!("{}年{}月", today.year(), today.month())),
        )?,
    };
    let mut unit = req
        .unit
        .as_deref()
        .map(|u| unit_name("unit", u))
        .transpose()?;
    if let Some(task) = &task {
        unit = Some(reporting_unit(&caller, task, unit).await?);
    }
    let report = NewReport {
        unit,
        period,
        done: text("done", &req.done)?,
        next_steps: opt_text("next_steps", req.next_steps.as_deref())?,
        percent: field("percent", Percent::new(req.percent))?,
        problems: opt_text("problems", req.problems.as_deref())?,
        evidence: opt_text("evidence", req.evidence.as_deref())?,
    };
    let saved = state
        .store
        .add_report(caller.actor(), id, &report)
        .await
        .map_err(unknown_unit_in("unit"))?;
    Ok(json(StatusCode::CREATED, &ReportDto::from(&saved)))
}

/// Requests completion (申请办结) with evidence.
#[utoipa::path(
    post, path = "/api/v1/tasks/{id}/request-close", tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body = RequestCloseRequest,
    responses(
        (status = 200, description = "The task, completion requested", body = TaskDto),
        (status = 409, description = "Stale version or not allowed in the current status", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn request_close(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<RequestCloseRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Report).await?;
    let id = task_id(&id)?;
    if let Some(task) = caller.task_to_act_on(id, "申请办结").await?
        && !task
            .assignment
            .as_ref()
            .is_some_and(|a| caller.sees_unit(a.lead.id))
    {
        let refusal = ApiError::new(
            StatusCode::FORBIDDEN,
            "lead_unit_only",
            "只有牵头单位可以申请办结；配合单位请通过进展反馈报告完成情况。",
        );
        return Err(caller
            .refuse("申请办结（非牵头单位）", "tasks", Some(id.0), refusal)
            .await);
    }
    let evidence = text("evidence", &req.evidence)?;
    let task = state
        .store
        .request_close(caller.actor(), id, Version(req.expected_version), &evidence)
        .await?;
    Ok(task_response(&state.store, &task))
}

/// Accepts the completion request and closes the task (销号).
#[utoipa::path(
    post, path = "/api/v1/tasks/{id}/close", tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body = VersionRequest,
    responses(
        (status = 200, description = "The task, closed", body = TaskDto),
        (status = 409, description = "Stale version or not allowed in the current status", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn close(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<VersionRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Review).await?;
    let id = task_id(&id)?;
    let task = state
        .store
        .close_task(caller.actor(), id, Version(req.expected_version))
        .await?;
    Ok(task_response(&state.store, &task))
}

/// Return (退回) of a completion request: the reason and, optionally, the
/// new date (整改/重新办结期限, `YYYY-MM-DD`, today or later) by which
/// completion is to be requested again; past it the warning rules raise a
/// card (`return_date_passed`).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    pub expected_version: i64,
    pub reason: String,
    #[serde(default)]
    pub new_date: Option<String>,
}

/// Returns the completion request (退回) with a reason and an optional new
/// date.
#[utoipa::path(
    post, path = "/api/v1/tasks/{id}/return", tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body = ReturnRequest,
    responses(
        (status = 200, description = "The task, back in progress", body = TaskDto),
        (status = 409, description = "Stale version or not allowed in the current status", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn return_task(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<ReturnRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Review).await?;
    let id = task_id(&id)?;
    let reason = text("reason", &req.reason)?;
    let new_date = match req.new_date.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(field("new_date", Date::parse(d))?),
    };
    let task = state
        .store
        .return_task_until(
            caller.actor(),
            id,
            Version(req.expected_version),
            &reason,
            new_date,
        )
        .await?;
    Ok(task_response(&state.store, &task))
}

/// Suspends a task (暂缓) with a reason.
#[utoipa::path(
    post, path = "/api/v1/tasks/{id}/suspend", tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "The task, suspended", body = TaskDto),
        (status = 409, description = "Stale version or not allowed in the current status", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn suspend(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Suspend).await?;
    let id = task_id(&id)?;
    let reason = text("reason", &req.reason)?;
    let task = state
        .store
        .suspend(caller.actor(), id, Version(req.expected_version), &reason)
        .await?;
    Ok(task_response(&state.store, &task))
}

/// Resumes a suspended task (恢复).
#[utoipa::path(
    post, path = "/api/v1/tasks/{id}/resume", tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body = VersionRequest,
    responses(
        (status = 200, description = "The task, resumed", body = TaskDto),
        (status = 409, description = "Stale version or not allowed in the current status", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn resume(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<VersionRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Suspend).await?;
    let id = task_id(&id)?;
    let task = state
        .store
        .resume(caller.actor(), id, Version(req.expected_version))
        .await?;
    Ok(task_response(&state.store, &task))
}

/// The Excel 台账 of exactly the tasks the same filters list (all pages).
#[utoipa::path(
    get, path = "/api/v1/tasks/export", tag = "tasks",
    params(ExportQuery),
    responses(
        (status = 200, description = "The Excel ledger (.xlsx)",
         content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn export(
    State(state): AppStateRef,
    caller: Caller,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Export).await?;
    let mut filter = base_filter(
        &state.store,
        query.unit.as_deref(),
        query.status.as_deref(),
        query.overdue,
        query.document,
        query.q.as_deref(),
    )?;
    range_filter(
        &mut filter,
        query.theme,
        query.deadline_from.as_deref(),
        query.deadline_to.as_deref(),
    )?;
    caller.scope(&mut filter);
    let bytes = xlsx::export(&state.store, &filter, today(&state.store))
        .await
        .map_err(|e| match e {
            xlsx::XlsxError::Store(e) => unknown_unit_in("unit")(e),
            other => {
                eprintln!("luoshi serve: export failed: {other}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "xlsx_write_failed",
                    "无法生成 Excel 文件，请稍后重试。",
                )
            }
        })?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"luoshi-tasks.xlsx\"; filename*=UTF-8''%E4%BB%BB%E5%8A%A1%E5%8F%B0%E8%B4%A6.xlsx",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// How many tasks each lead unit has in each status.
#[utoipa::path(
    get, path = "/api/v1/counts", tag = "tasks",
    responses(
        (status = 200, description = "Counts by lead unit and status", body = Vec<CountDto>),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn counts(State(state): AppStateRef, caller: Caller) -> Result<Response, ApiError> {
    let counts = state
        .store
        .counts_by_unit_status_in(caller.visible_units())
        .await?;
    let dtos: Vec<CountDto<'_>> = counts.iter().map(Into::into).collect();
    Ok(ok(&dtos))
}

// ----- report review -------------------------------------------------------------

fn report_id(p: &PathParam) -> Result<ReportId, ApiError> {
    field("id", ReportId::parse(&p.0))
}

/// Accepts a progress report (审核通过).
#[utoipa::path(
    post, path = "/api/v1/reports/{id}/accept", tag = "tasks",
    params(("id" = i64, Path, description = "Report id")),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "The report, accepted", body = ReportDto),
        (status = 409, description = "Stale version or already reviewed", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn accept_report(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<ReviewRequest>,
) -> Result<Response, ApiError> {
    review(&state, &caller, &id, req, true).await
}

/// Returns a progress report (退回) with the reason, for the unit to report again.
#[utoipa::path(
    post, path = "/api/v1/reports/{id}/return", tag = "tasks",
    params(("id" = i64, Path, description = "Report id")),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "The report, returned", body = ReportDto),
        (status = 409, description = "Stale version or already reviewed", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn return_report(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<ReviewRequest>,
) -> Result<Response, ApiError> {
    review(&state, &caller, &id, req, false).await
}

async fn review(
    state: &AppState,
    caller: &Caller,
    id: &PathParam,
    req: ReviewRequest,
    accept: bool,
) -> Result<Response, ApiError> {
    caller.require(Permission::Review).await?;
    let id = report_id(id)?;
    let note = opt_text("note", req.note.as_deref())?;
    if !accept && note.is_none() {
        return Err(unprocessable(
            "missing_field",
            "note",
            "退回进展反馈须说明理由（note）。",
        ));
    }
    let report = state
        .store
        .review_report(
            caller.actor(),
            id,
            Version(req.expected_version),
            accept,
            note.as_ref(),
        )
        .await?;
    Ok(ok(&ReportDto::from(&report)))
}

// ----- units ---------------------------------------------------------------------

/// All units, in the order they were added.
#[utoipa::path(
    get, path = "/api/v1/units", tag = "units",
    responses(
        (status = 200, description = "Units", body = Vec<UnitDto>),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn list_units(State(state): AppStateRef, _caller: Caller) -> Result<Response, ApiError> {
    let units = state.store.units().await?;
    let dtos: Vec<UnitDto<'_>> = units.iter().map(Into::into).collect();
    Ok(ok(&dtos))
}

/// A unit by its name.
#[utoipa::path(
    get, path = "/api/v1/units/{name}", tag = "units",
    params(("name" = String, Path, description = "Unit name (URL-encoded)")),
    responses(
        (status = 200, description = "The unit", body = UnitDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn get_unit(
    State(state): AppStateRef,
    _caller: Caller,
    name: PathParam,
) -> Result<Response, ApiError> {
    let name = unit_name("name", &name.0)?;
    let unit = state.store.unit(&name).await?;
    Ok(ok(&UnitDto::from(&unit)))
}

/// Adds a unit, optionally under a parent.
#[utoipa::path(
    post, path = "/api/v1/units", tag = "units",
    request_body = NewUnitRequest,
    responses(
        (status = 201, description = "The unit added", body = UnitDto),
        (status = 409, description = "A unit of that name exists", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn add_unit(
    State(state): AppStateRef,
    caller: Caller,
    ApiJson(req): ApiJson<NewUnitRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageUnits).await?;
    let name = unit_name("name", &req.name)?;
    let parent = req
        .parent
        .as_deref()
        .map(|p| unit_name("parent", p))
        .transpose()?;
    let unit = state
        .store
        .add_unit(caller.actor(), &name, parent.as_ref())
        .await
        .map_err(unknown_unit_in("parent"))?;
    Ok(json(StatusCode::CREATED, &UnitDto::from(&unit)))
}
