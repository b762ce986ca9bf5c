//! The problem list (问题清单), indicators (指标) and unit evaluation (考核)
//! over HTTP. Permissions: the supervision office files, classifies and
//! closes problems and manages indicators; a unit's staff and lead see and
//! rectify only their units' problems; leadership and administrators read
//! everything; the evaluation ranking is read by office, leadership and
//! administrators, and a unit sees its own row only.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use luoshi_core::problem_store::{Evaluation, parse_class};
use luoshi_core::problems::{EvalPeriod, parse_number};
use luoshi_core::{
    Date, EvaluationRules, FoundBy, Indicator, Ledger, NewIndicator, NewProblem, Permission,
    ProblemEntry, ProblemFilter, ProblemStatus, ReportId, RootCause, StoreError, UnitId, Version,
    WarningRules, xlsx,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::caller::Caller;
use crate::error::{ApiError, ErrorBody, unknown_unit_in};
use crate::request::{ApiJson, ApiQuery, PathParam};
use crate::routes::{
    AppState, AppStateRef, MAX_LIMIT, field, json, ok, opt_text, task_id, text, today, unit_name,
};

// ----- wire types -------------------------------------------------------------

/// A problem to file (登记问题).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemRequest {
    pub description: String,
    /// 督查 / 自查 / 调研 / 群众反映, or inspection / self_check / research / public.
    pub found_by: String,
    /// 机制性缺陷 / 制度性漏洞 / 执行不力 / 资源不足 / 其他, or mechanism /
    /// institution / execution / resources / other.
    pub root_cause: String,
    /// 整改时限, YYYY-MM-DD.
    pub deadline: String,
    pub task: Option<i64>,
    pub report: Option<i64>,
    /// The responsible unit; by default the report's unit or the task's lead.
    pub unit: Option<String>,
    /// 问题类别.
    pub class: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimilarRequest {
    pub text: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RectifyRequest {
    pub expected_version: i64,
    /// 整改措施.
    pub measures: String,
    /// 佐证材料.
    pub evidence: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseProblemRequest {
    pub expected_version: i64,
    pub evidence: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassRequest {
    pub expected_version: i64,
    /// The class; null or absent removes it.
    pub class: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProblemQuery {
    pub unit: Option<String>,
    /// open, rectifying or closed.
    pub status: Option<String>,
    pub class: Option<String>,
    pub task: Option<i64>,
    /// Problems after this id (keyset paging).
    pub after: Option<i64>,
    /// 1–200 (default 200).
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRequest {
    /// 指标名称.
    pub name: String,
    /// 计量单位 (家, 亿元, %).
    pub measure: String,
    pub year: i64,
    /// The annual target, a number or its text.
    pub annual_target: serde_json::Value,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorValueRequest {
    /// The period's last day (YYYY-MM-DD) or its month (YYYY-MM).
    pub period: String,
    pub value: serde_json::Value,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EvaluationQuery {
    /// 2026-11 (month), 2026-Q4 (quarter) or 2026 (year); default the
    /// current month.
    pub period: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDto {
    pub id: i64,
    pub version: i64,
    pub task: Option<i64>,
    pub report: Option<i64>,
    pub unit: String,
    pub unit_id: i64,
    pub description: String,
    pub found_by: &'static str,
    pub found_by_label: &'static str,
    pub root_cause: &'static str,
    pub root_cause_label: &'static str,
    pub class: Option<String>,
    pub deadline: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub overdue: bool,
    pub measures: Option<String>,
    pub evidence: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
}

impl ProblemDto {
    fn of(p: &ProblemEntry, day: Date) -> ProblemDto {
        ProblemDto {
            id: p.id,
            version: p.version.0,
            task: p.task.map(|t| t.0),
            report: p.report.map(|r| r.0),
            unit: p.unit.name.to_string(),
            unit_id: p.unit.id.0,
            description: p.description.to_string(),
            found_by: p.found_by.code(),
            found_by_label: p.found_by.label(),
            root_cause: p.root_cause.code(),
            root_cause_label: p.root_cause.label(),
            class: p.class.clone(),
            deadline: p.deadline.to_string(),
            status: p.status.code(),
            status_label: p.status.label(),
            overdue: p.is_overdue(day),
            measures: p.measures.clone(),
            evidence: p.evidence.clone(),
            created_at: p.created_at.to_string(),
            created_by: p.created_by.clone(),
            closed_at: p.closed_at.map(|t| t.to_string()),
            closed_by: p.closed_by.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarDto {
    /// 0–1.
    pub similarity: f64,
    pub problem: ProblemDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FiledProblemDto {
    pub problem: ProblemDto,
    /// Existing problems like it, best first (at most 5).
    pub similar: Vec<SimilarDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorValueDto {
    pub period_end: String,
    pub value: f64,
    pub version: i64,
    pub recorded_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorDto {
    pub id: i64,
    pub version: i64,
    pub task: i64,
    pub name: String,
    pub measure: String,
    pub year: i64,
    pub annual_target: f64,
    pub values: Vec<IndicatorValueDto>,
    /// Latest value / target, percent.
    pub reached: f64,
    /// Share of the year elapsed (序时进度), percent.
    pub elapsed: f64,
    /// reached − elapsed; negative when behind.
    pub gap: f64,
}

impl From<&Indicator> for IndicatorDto {
    fn from(i: &Indicator) -> Self {
        IndicatorDto {
            id: i.id,
            version: i.version.0,
            task: i.task.0,
            name: i.name.to_string(),
            measure: i.measure.clone(),
            year: i.year,
            annual_target: i.annual_target,
            values: i
                .values
                .iter()
                .map(|v| IndicatorValueDto {
                    period_end: v.period_end.to_string(),
                    value: v.value,
                    version: v.version.0,
                    recorded_by: v.recorded_by.clone(),
                })
                .collect(),
            reached: i.progress.reached,
            elapsed: i.progress.elapsed,
            gap: i.progress.gap,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsequenceDto {
    /// supervision_letter (督办函) or interview (约谈).
    pub code: &'static str,
    pub label: &'static str,
    pub count: u64,
    pub points: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CardCountDto {
    pub tier: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitScoreDto {
    pub rank: u32,
    pub unit: String,
    pub unit_id: i64,
    pub score: f64,
    pub report_rate: f64,
    pub completion_rate: f64,
    pub reports_due: u64,
    pub reports_on_time: u64,
    pub tasks_due: u64,
    pub tasks_on_time: u64,
    pub returned_reports: u64,
    pub cards: Vec<CardCountDto>,
    pub consequences: Vec<ConsequenceDto>,
    /// The burden (减负): reports and fields asked of the unit.
    pub reports_asked: u64,
    pub fields_asked: u64,
    /// Reports the unit filed; a report for several tasks counts once.
    pub reports_filed: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationDto {
    pub from: String,
    pub to: String,
    pub counted_until: String,
    pub units: Vec<UnitScoreDto>,
}

fn evaluation_dto(e: &Evaluation, visible: Option<&[UnitId]>) -> EvaluationDto {
    EvaluationDto {
        from: e.period.from.to_string(),
        to: e.period.to.to_string(),
        counted_until: e.counted_until.to_string(),
        units: e
            .units
            .iter()
            .filter(|u| visible.is_none_or(|v| v.contains(&u.unit.id)))
            .map(|u| UnitScoreDto {
                rank: u.rank,
                unit: u.unit.name.to_string(),
                unit_id: u.unit.id.0,
                score: u.score.score,
                report_rate: u.score.report_rate,
                completion_rate: u.score.completion_rate,
                reports_due: u.facts.reports_due,
                reports_on_time: u.facts.reports_on_time,
                tasks_due: u.facts.tasks_due,
                tasks_on_time: u.facts.tasks_on_time,
                returned_reports: u.facts.returned_reports,
                cards: u
                    .facts
                    .cards
                    .iter()
                    .map(|(t, n)| CardCountDto {
                        tier: t.clone(),
                        count: *n,
                    })
                    .collect(),
                consequences: u
                    .score
                    .consequences
                    .iter()
                    .map(|c| ConsequenceDto {
                        code: c.code,
                        label: c.label,
                        count: c.count,
                        points: c.points,
                    })
                    .collect(),
                reports_asked: u.score.reports_asked,
                fields_asked: u.score.fields_asked,
                reports_filed: u.facts.reports_filed,
            })
            .collect(),
    }
}

// ----- helpers -----------------------------------------------------------------

fn hidden_problem() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "该问题不存在，或您无权访问该问题。",
    )
}

fn problem_id(p: &PathParam) -> Result<i64, ApiError> {
    field("id", luoshi_core::TaskId::parse(&p.0).map(|t| t.0))
}

fn number(name: &str, v: &serde_json::Value) -> Result<f64, ApiError> {
    let text = match v {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    field(name, parse_number(&text))
}

/// A problem the caller may see: all for roles that see every unit, else
/// only problems of the caller's units (a missing one looks the same).
async fn visible_problem(
    state: &AppState,
    caller: &Caller,
    id: i64,
    what: &str,
) -> Result<ProblemEntry, ApiError> {
    match state.store.problem(id).await {
        Ok(p) if caller.sees_all() || caller.sees_unit(p.unit.id) => Ok(p),
        Ok(_) => Err(caller
            .refuse(what, "problems", Some(id), hidden_problem())
            .await),
        Err(StoreError::NotFound { .. }) if !caller.sees_all() => Err(caller
            .refuse(
                &format!("{what}（问题 {id} 不存在）"),
                "problems",
                None,
                hidden_problem(),
            )
            .await),
        Err(e) => Err(e.into()),
    }
}

fn period_of(state: &AppState, p: Option<&str>) -> Result<EvalPeriod, ApiError> {
    match p {
        Some(p) => field("period", EvalPeriod::parse(p)),
        None => {
            let d = today(&state.store);
            field(
                "period",
                EvalPeriod::parse(&format!("{}-{:02}", d.year(), d.month())),
            )
        }
    }
}

// ----- problems ----------------------------------------------------------------

/// Problems the caller may see, in id order.
#[utoipa::path(
    get, path = "/api/v1/problems", tag = "problems",
    params(ProblemQuery),
    responses(
        (status = 200, description = "Problems", body = [ProblemDto]),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn list_problems(
    State(state): AppStateRef,
    caller: Caller,
    ApiQuery(q): ApiQuery<ProblemQuery>,
) -> Result<Response, ApiError> {
    let filter = ProblemFilter {
        unit: q
            .unit
            .as_deref()
            .map(|u| unit_name("unit", u))
            .transpose()?,
        status: q
            .status
            .as_deref()
            .map(|s| field("status", ProblemStatus::parse(s)))
            .transpose()?,
        class: q
            .class
            .as_deref()
            .map(|c| field("class", parse_class(c)))
            .transpose()?,
        task: q
            .task
            .map(|t| field("task", luoshi_core::TaskId::parse(&t.to_string())))
            .transpose()?,
        visible_units: caller.visible_units().map(<[UnitId]>::to_vec),
        after: q.after,
        limit: Some(q.limit.unwrap_or(MAX_LIMIT).clamp(1, MAX_LIMIT)),
    };
    let list = state
        .store
        .problems(&filter)
        .await
        .map_err(unknown_unit_in("unit"))?;
    let day = today(&state.store);
    let out: Vec<ProblemDto> = list.iter().map(|p| ProblemDto::of(p, day)).collect();
    Ok(ok(&out))
}

/// Files a problem (登记问题) and suggests the existing ones it resembles.
#[utoipa::path(
    post, path = "/api/v1/problems", tag = "problems",
    request_body = ProblemRequest,
    responses(
        (status = 201, description = "The problem filed, with similar ones", body = FiledProblemDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn add_problem(
    State(state): AppStateRef,
    caller: Caller,
    ApiJson(req): ApiJson<ProblemRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Assign).await?;
    let new = NewProblem {
        task: req
            .task
            .map(|t| field("task", luoshi_core::TaskId::parse(&t.to_string())))
            .transpose()?,
        report: req
            .report
            .map(|r| field("report", ReportId::parse(&r.to_string())))
            .transpose()?,
        unit: req
            .unit
            .as_deref()
            .map(|u| unit_name("unit", u))
            .transpose()?,
        description: text("description", &req.description)?,
        found_by: field("found_by", FoundBy::parse(&req.found_by))?,
        root_cause: field("root_cause", RootCause::parse(&req.root_cause))?,
        class: req
            .class
            .as_deref()
            .map(|c| field("class", parse_class(c)))
            .transpose()?,
        deadline: field("deadline", Date::parse(&req.deadline))?,
    };
    let filed = state
        .store
        .add_problem(caller.actor(), &new)
        .await
        .map_err(|e| match e {
            StoreError::NotFound { entity, .. } if entity != luoshi_core::Entity::Unit => {
                let name = match entity {
                    luoshi_core::Entity::Report => "report",
                    _ => "task",
                };
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_found", e.to_string())
                    .with_field(name)
            }
            other => unknown_unit_in("unit")(other),
        })?;
    let day = today(&state.store);
    Ok(json(
        StatusCode::CREATED,
        &FiledProblemDto {
            problem: ProblemDto::of(&filed.problem, day),
            similar: filed
                .similar
                .iter()
                .map(|s| SimilarDto {
                    similarity: s.similarity,
                    problem: ProblemDto::of(&s.problem, day),
                })
                .collect(),
        },
    ))
}

/// Existing problems like a description (either script), among those the
/// caller may see.
#[utoipa::path(
    post, path = "/api/v1/problems/similar", tag = "problems",
    request_body = SimilarRequest,
    responses(
        (status = 200, description = "Similar problems, best first", body = [SimilarDto]),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn similar_problems(
    State(state): AppStateRef,
    caller: Caller,
    ApiJson(req): ApiJson<SimilarRequest>,
) -> Result<Response, ApiError> {
    let probe = text("text", &req.text)?;
    let list = state
        .store
        .similar_problems(
            probe.as_str(),
            None,
            caller.visible_units().map(<[UnitId]>::to_vec),
        )
        .await?;
    let day = today(&state.store);
    let out: Vec<SimilarDto> = list
        .iter()
        .map(|s| SimilarDto {
            similarity: s.similarity,
            problem: ProblemDto::of(&s.problem, day),
        })
        .collect();
    Ok(ok(&out))
}

#[utoipa::path(
    get, path = "/api/v1/problems/{id}", tag = "problems",
    params(("id" = i64, Path, description = "Problem id")),
    responses(
        (status = 200, description = "The problem", body = ProblemDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn get_problem(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
) -> Result<Response, ApiError> {
    let id = problem_id(&id)?;
    let p = visible_problem(&state, &caller, id, "查看问题").await?;
    Ok(ok(&ProblemDto::of(&p, today(&state.store))))
}

/// Reports rectification measures (整改): the office, or the staff and
/// lead of the responsible unit.
#[utoipa::path(
    post, path = "/api/v1/problems/{id}/rectify", tag = "problems",
    params(("id" = i64, Path, description = "Problem id")),
    request_body = RectifyRequest,
    responses(
        (status = 200, description = "The problem, rectifying", body = ProblemDto),
        (status = 409, description = "Stale version or closed", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn rectify_problem(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<RectifyRequest>,
) -> Result<Response, ApiError> {
    let office = caller.principal().may(Permission::Assign);
    if !office {
        caller.require(Permission::Report).await?;
    }
    let id = problem_id(&id)?;
    visible_problem(&state, &caller, id, "报告整改").await?;
    let measures = text("measures", &req.measures)?;
    let evidence = opt_text("evidence", req.evidence.as_deref())?;
    let p = state
        .store
        .rectify_problem(
            caller.actor(),
            id,
            Version(req.expected_version),
            &measures,
            evidence.as_ref(),
        )
        .await
        .map_err(closed_is_conflict)?;
    Ok(ok(&ProblemDto::of(&p, today(&state.store))))
}

/// Closes a problem (销号) with evidence: the office.
#[utoipa::path(
    post, path = "/api/v1/problems/{id}/close", tag = "problems",
    params(("id" = i64, Path, description = "Problem id")),
    request_body = CloseProblemRequest,
    responses(
        (status = 200, description = "The problem, closed", body = ProblemDto),
        (status = 409, description = "Stale version or closed", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn close_problem(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<CloseProblemRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Assign).await?;
    let id = problem_id(&id)?;
    let evidence = text("evidence", &req.evidence)?;
    let p = state
        .store
        .close_problem(caller.actor(), id, Version(req.expected_version), &evidence)
        .await
        .map_err(closed_is_conflict)?;
    Ok(ok(&ProblemDto::of(&p, today(&state.store))))
}

/// Gives a problem a class (问题类别), linking it to similar ones: the office.
#[utoipa::path(
    post, path = "/api/v1/problems/{id}/class", tag = "problems",
    params(("id" = i64, Path, description = "Problem id")),
    request_body = ClassRequest,
    responses(
        (status = 200, description = "The problem", body = ProblemDto),
        (status = 409, description = "Stale version or closed", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn classify_problem(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<ClassRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Assign).await?;
    let id = problem_id(&id)?;
    let class = req
        .class
        .as_deref()
        .map(|c| field("class", parse_class(c)))
        .transpose()?;
    let p = state
        .store
        .set_problem_class(
            caller.actor(),
            id,
            Version(req.expected_version),
            class.as_deref(),
        )
        .await
        .map_err(closed_is_conflict)?;
    Ok(ok(&ProblemDto::of(&p, today(&state.store))))
}

/// A closed problem refuses change: a conflict with its state.
fn closed_is_conflict(e: StoreError) -> ApiError {
    let closed = e.code() == "problem_closed";
    let mut out = ApiError::from(e);
    if closed {
        out.status = StatusCode::CONFLICT;
    }
    out
}

// ----- indicators ----------------------------------------------------------------

/// A task's indicators with their progress against the time elapsed.
#[utoipa::path(
    get, path = "/api/v1/tasks/{id}/indicators", tag = "indicators",
    params(("id" = i64, Path, description = "Task id")),
    responses(
        (status = 200, description = "Indicators", body = [IndicatorDto]),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn list_indicators(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
) -> Result<Response, ApiError> {
    let id = task_id(&id)?;
    let loaded = state.store.task(id).await;
    caller.check_task(id, loaded, |t| t).await?;
    let list = state.store.indicators(Some(id), None).await?;
    let out: Vec<IndicatorDto> = list.iter().map(IndicatorDto::from).collect();
    Ok(ok(&out))
}

/// Attaches an indicator with its annual target to a task: the office.
#[utoipa::path(
    post, path = "/api/v1/tasks/{id}/indicators", tag = "indicators",
    params(("id" = i64, Path, description = "Task id")),
    request_body = IndicatorRequest,
    responses(
        (status = 201, description = "The indicator", body = IndicatorDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn add_indicator(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<IndicatorRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Assign).await?;
    let task = task_id(&id)?;
    let new = NewIndicator {
        task,
        name: text("name", &req.name)?,
        measure: req.measure,
        year: req.year,
        annual_target: number("annual_target", &req.annual_target)?,
    };
    let i = state
        .store
        .add_indicator(caller.actor(), &new)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(_) => {
                let field_name = if e.code() == "value_bad_number" {
                    "year"
                } else {
                    "measure"
                };
                ApiError::from(e).with_field(field_name)
            }
            other => other.into(),
        })?;
    Ok(json(StatusCode::CREATED, &IndicatorDto::from(&i)))
}

/// Records an indicator's actual value for a period (a second value for
/// the same period is a correction, versioned): the office.
#[utoipa::path(
    post, path = "/api/v1/indicators/{id}/values", tag = "indicators",
    params(("id" = i64, Path, description = "Indicator id")),
    request_body = IndicatorValueRequest,
    responses(
        (status = 200, description = "The indicator", body = IndicatorDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn record_indicator(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<IndicatorValueRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Assign).await?;
    let id = problem_id(&id)?;
    let period = req.period.trim();
    let end = if period.len() == 7 {
        field("period", EvalPeriod::parse(period))?.to
    } else {
        field("period", Date::parse(period))?
    };
    let value = number("value", &req.value)?;
    let i = state
        .store
        .record_indicator(caller.actor(), id, end, value)
        .await?;
    Ok(ok(&IndicatorDto::from(&i)))
}

// ----- evaluation ----------------------------------------------------------------

async fn evaluation(state: &AppState, period: EvalPeriod) -> Result<Evaluation, ApiError> {
    Ok(state
        .store
        .evaluate(
            period,
            &EvaluationRules::default(),
            &WarningRules::default(),
        )
        .await?)
}

/// The unit evaluation ranking (考核排名) for a period, with the burden
/// (减负) beside each score. A unit's staff and lead see their own rows.
#[utoipa::path(
    get, path = "/api/v1/evaluation", tag = "evaluation",
    params(EvaluationQuery),
    responses(
        (status = 200, description = "The ranking", body = EvaluationDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn get_evaluation(
    State(state): AppStateRef,
    caller: Caller,
    ApiQuery(q): ApiQuery<EvaluationQuery>,
) -> Result<Response, ApiError> {
    let period = period_of(&state, q.period.as_deref())?;
    let e = evaluation(&state, period).await?;
    Ok(ok(&evaluation_dto(&e, caller.visible_units())))
}

/// The ranking as an Excel sheet: office, leadership, administrators.
#[utoipa::path(
    get, path = "/api/v1/evaluation/export", tag = "evaluation",
    params(EvaluationQuery),
    responses(
        (status = 200, description = "The ranking (.xlsx)", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn export_evaluation(
    State(state): AppStateRef,
    caller: Caller,
    ApiQuery(q): ApiQuery<EvaluationQuery>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ReadAll).await?;
    let period = period_of(&state, q.period.as_deref())?;
    let e = evaluation(&state, period).await?;
    let bytes = xlsx::write_evaluation(&e).map_err(|err| {
        eprintln!("luoshi serve: evaluation export failed: {err}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "xlsx_write_failed",
            "无法生成 Excel 文件，请稍后重试。",
        )
    })?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"luoshi-evaluation.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}
