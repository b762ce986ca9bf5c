//! 问题清单 (the problem list) and 指标 (indicators) pages.
//!
//! * `/problems`: the list with filters (status, unit, root cause, found
//!   by, class) and, for the office, closing a whole class (one fix closes
//!   the class).
//! * `/problems/new`: filing a problem in two steps that work without
//!   JavaScript: the form posts `step=check` and comes back with the
//!   existing problems like it (either script), then `step=save` files it.
//! * `/problems/{id}`: the problem, its similar problems, and the forms of
//!   its life cycle (rectify → close with evidence; the class).
//! * `/indicators`: targets, actual values and progress against the time
//!   elapsed; the office records a value and attaches indicators.
//!
//! Permissions and visibility are the API's (`routes_problems.rs`): the
//! office files, classifies, closes and manages indicators; a unit's
//! people see and rectify only their units' problems.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use luoshi_core::problem_store::parse_class;
use luoshi_core::problems::{EvalPeriod, parse_number};
use luoshi_core::{
    Date, FoundBy, Ledger, NewIndicator, NewProblem, Permission, ProblemCounts, ProblemEntry,
    ProblemFilter, ProblemQuery, ProblemStatus, RootCause, StoreError, TaskId, UnitId,
};
use serde::Deserialize;

use super::i18n::T;
use super::pages::{Opt, local_time, render};
use super::supervision::{csrf_of, done_text, form, given, num, query, text_field, version_field};
use super::{Chrome, Page, error_page, error_text, see_other};
use crate::caller::Caller;
use crate::error::{ApiError, unknown_unit_in};
use crate::routes::AppState;

/// Problems the list reads at most (filters on root cause and found-by
/// are applied to these).
const PROBLEM_LIMIT: u32 = 2000;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/problems", get(list))
        .route("/problems/new", get(new_page).post(file))
        .route("/problems/classes/close", post(close_class))
        .route("/problems/{id}", get(detail))
        .route("/problems/{id}/rectify", post(rectify))
        .route("/problems/{id}/close", post(close))
        .route("/problems/{id}/class", post(classify))
        .route("/indicators", get(indicators))
        .route("/indicators/new", post(add_indicator))
        .route("/indicators/{id}/values", post(record_value))
}

// ----- views -----------------------------------------------------------------------

/// A problem as the pages show it.
#[derive(Debug, Clone)]
pub struct ProblemRow {
    pub id: i64,
    pub version: i64,
    pub description: String,
    pub unit: String,
    pub task: Option<i64>,
    pub found_by: String,
    pub root_cause: String,
    pub class: String,
    pub class_href: String,
    pub deadline: String,
    pub status: String,
    pub status_code: &'static str,
    pub overdue: bool,
    pub measures: String,
    pub evidence: String,
    pub created: String,
    pub closed: Option<String>,
    /// "87%" for a similar problem.
    pub similarity: String,
}

fn problem_row(t: T, p: &ProblemEntry, day: Date) -> ProblemRow {
    ProblemRow {
        id: p.id,
        version: p.version.0,
        description: p.description.to_string(),
        unit: p.unit.name.to_string(),
        task: p.task.map(|t| t.0),
        found_by: t
            .t(&format!("prob.found_by.{}", p.found_by.code()))
            .to_owned(),
        root_cause: t
            .t(&format!("prob.cause.{}", p.root_cause.code()))
            .to_owned(),
        class: p.class.clone().unwrap_or_default(),
        class_href: format!(
            "/problems?{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("class", p.class.as_deref().unwrap_or(""))
                .finish()
        ),
        deadline: p.deadline.to_string(),
        status: t.t(&format!("prob.status.{}", p.status.code())).to_owned(),
        status_code: p.status.code(),
        overdue: p.is_overdue(day),
        measures: p.measures.clone().unwrap_or_default(),
        evidence: p.evidence.clone().unwrap_or_default(),
        created: format!("{} · {}", local_time(p.created_at), p.created_by),
        closed: p.closed_at.map(|at| {
            format!(
                "{} · {}",
                local_time(at),
                p.closed_by.as_deref().unwrap_or("")
            )
        }),
        similarity: String::new(),
    }
}

fn options<V: Copy>(
    t: T,
    all: &[V],
    code: impl Fn(V) -> &'static str,
    prefix: &str,
    chosen: &str,
    any: bool,
) -> Vec<Opt> {
    let mut v = Vec::new();
    if any {
        v.push(Opt {
            value: String::new(),
            label: t.t("prob.any").to_owned(),
            selected: chosen.is_empty(),
        });
    }
    for &x in all {
        let c = code(x);
        v.push(Opt {
            value: c.to_owned(),
            label: t.t(&format!("{prefix}{c}")).to_owned(),
            selected: c == chosen,
        });
    }
    v
}

fn visible(caller: &Caller) -> Option<Vec<UnitId>> {
    caller.visible_units().map(<[UnitId]>::to_vec)
}

// ----- the list ----------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub unit: Option<String>,
    pub root_cause: Option<String>,
    pub found_by: Option<String>,
    pub class: Option<String>,
    pub task: Option<String>,
    pub page: Option<String>,
    pub done: Option<String>,
}

#[derive(Template)]
#[template(path = "problems.html")]
pub struct ProblemsPage {
    pub t: T,
    pub chrome: Chrome,
    pub q: ListQuery,
    pub statuses: Vec<Opt>,
    pub causes: Vec<Opt>,
    pub found_bys: Vec<Opt>,
    pub classes: Vec<Opt>,
    pub rows: Vec<ProblemRow>,
    pub counts: String,
    /// "第 2 / 60 页".
    pub page_label: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub may_file: bool,
    /// Classes with problems not closed yet (the office closes them).
    pub open_classes: Vec<String>,
    pub csrf: String,
    pub error: Option<String>,
    pub done: Option<String>,
}

/// Problems on one page of the list.
pub const PROBLEM_PAGE: u32 = 50;

impl ListQuery {
    /// This list's filters with another page, as a link.
    fn href(&self, page: u32) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", &self.status),
            ("unit", &self.unit),
            ("root_cause", &self.root_cause),
            ("found_by", &self.found_by),
            ("class", &self.class),
            ("task", &self.task),
        ] {
            if let Some(v) = given(v.as_deref()) {
                s.append_pair(k, v);
            }
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        let q = s.finish();
        if q.is_empty() {
            "/problems".to_owned()
        } else {
            format!("/problems?{q}")
        }
    }
}

async fn list_page(
    state: &AppState,
    page: &Page,
    q: ListQuery,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let t = page.t;
    let caller = &page.caller;
    let day = state.store.clock().today();
    let page_no = given(q.page.as_deref())
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1);
    let class = given(q.class.as_deref()).map(str::to_owned);
    let loaded = async {
        let filter = ProblemFilter {
            unit: given(q.unit.as_deref())
                .map(|u| crate::routes::unit_name("unit", u))
                .transpose()?,
            status: given(q.status.as_deref())
                .map(|s| ProblemStatus::parse(s).map_err(|e| ApiError::invalid("status", &e)))
                .transpose()?,
            task: given(q.task.as_deref())
                .map(|s| TaskId::parse(s).map_err(|e| ApiError::invalid("task", &e)))
                .transpose()?,
            class: class.clone(),
            visible_units: visible(caller),
            ..ProblemFilter::default()
        };
        let cause = given(q.root_cause.as_deref())
            .map(|s| RootCause::parse(s).map_err(|e| ApiError::invalid("root_cause", &e)))
            .transpose()?;
        let found = given(q.found_by.as_deref())
            .map(|s| FoundBy::parse(s).map_err(|e| ApiError::invalid("found_by", &e)))
            .transpose()?;
        let (list, counts) = state
            .store
            .problem_page(
                &ProblemQuery {
                    filter,
                    root_cause: cause,
                    found_by: found,
                    offset: (page_no - 1) * PROBLEM_PAGE,
                    limit: PROBLEM_PAGE,
                },
                day,
            )
            .await
            .map_err(unknown_unit_in("unit"))?;
        Ok::<_, ApiError>((list, counts, cause, found))
    }
    .await;
    let (list, counts, cause, found, status, error) = match loaded {
        Ok((l, n, c, f)) => (l, n, c, f, status, error),
        Err(e) if e.status.is_client_error() => (
            Vec::new(),
            ProblemCounts::default(),
            None,
            None,
            e.status,
            Some(error_text(t, &e)),
        ),
        Err(e) => return error_page(t, Some(caller), &e),
    };
    let classes = match state.store.problem_classes(visible(caller)).await {
        Ok(c) => c,
        Err(e) => return error_page(t, Some(caller), &e.into()),
    };
    let rows: Vec<ProblemRow> = list.iter().map(|p| problem_row(t, p, day)).collect();
    let counts_text = t.f(
        "prob.counts",
        &[
            ("n", &counts.total.to_string()),
            ("open", &counts.open.to_string()),
            ("overdue", &counts.overdue.to_string()),
        ],
    );
    let pages = u32::try_from(counts.total.div_ceil(u64::from(PROBLEM_PAGE)))
        .unwrap_or(u32::MAX)
        .max(1);
    let chosen_class = class.clone().unwrap_or_default();
    let mut class_opts = vec![Opt {
        value: String::new(),
        label: t.t("prob.any").to_owned(),
        selected: chosen_class.is_empty(),
    }];
    class_opts.extend(classes.iter().map(|c| Opt {
        value: c.name.clone(),
        label: c.name.clone(),
        selected: c.name == chosen_class,
    }));
    let may_file = caller.principal().may(Permission::Assign);
    render(
        status,
        &ProblemsPage {
            t,
            chrome: Chrome::new(t, Some(caller), &page.here, "problems"),
            statuses: options(
                t,
                ProblemStatus::ALL,
                ProblemStatus::code,
                "prob.status.",
                given(q.status.as_deref()).unwrap_or(""),
                true,
            ),
            causes: options(
                t,
                RootCause::ALL,
                RootCause::code,
                "prob.cause.",
                cause.map_or("", RootCause::code),
                true,
            ),
            found_bys: options(
                t,
                FoundBy::ALL,
                FoundBy::code,
                "prob.found_by.",
                found.map_or("", FoundBy::code),
                true,
            ),
            classes: class_opts,
            rows,
            counts: counts_text,
            page_label: t.f(
                "prob.page",
                &[("n", &page_no.to_string()), ("pages", &pages.to_string())],
            ),
            prev_href: (page_no > 1).then(|| q.href(page_no.min(pages + 1) - 1)),
            next_href: (page_no < pages).then(|| q.href(page_no + 1)),
            may_file,
            open_classes: if may_file {
                classes
                    .into_iter()
                    .filter(|c| c.open)
                    .map(|c| c.name)
                    .collect()
            } else {
                Vec::new()
            },
            csrf: csrf_of(caller),
            done: done_text(t, q.done.as_deref()),
            q,
            error,
        },
    )
}

/// The problem list with its filters.
pub async fn list(
    State(state): State<Arc<AppState>>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let q: ListQuery = query(raw.as_deref());
    list_page(&state, &page, q, StatusCode::OK, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct CloseClassForm {
    #[serde(default)]
    class: String,
    #[serde(default)]
    evidence: String,
}

/// Closes every problem of a class not closed yet with the same evidence
/// (销号 of the class), in one transaction: the office, as closing one
/// problem (`POST /api/v1/problems/{id}/close`) is.
pub async fn close_class(State(state): State<Arc<AppState>>, page: Page, body: Bytes) -> Response {
    let f: CloseClassForm = form(&body);
    let caller = &page.caller;
    let result = async {
        caller.require(Permission::Assign).await?;
        let class = parse_class(&f.class).map_err(|e| ApiError::invalid("class", &e))?;
        let evidence = text_field("evidence", &f.evidence)?;
        let closed = state
            .store
            .close_problem_class(caller.actor(), &class, &evidence)
            .await?;
        Ok::<_, ApiError>((class, closed.len()))
    }
    .await;
    match result {
        Ok((class, _)) => {
            let q = form_urlencoded::Serializer::new(String::new())
                .append_pair("class", &class)
                .append_pair("done", "class_closed")
                .finish();
            see_other(&format!("/problems?{q}"))
        }
        Err(e) => {
            let message = error_text(page.t, &e);
            list_page(&state, &page, ListQuery::default(), e.status, Some(message)).await
        }
    }
}

// ----- filing -------------------------------------------------------------------------

/// The fields of the filing form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProblemForm {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub found_by: String,
    #[serde(default)]
    pub root_cause: String,
    #[serde(default)]
    pub class: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub deadline: String,
    #[serde(default)]
    pub task: String,
    /// `check` (show similar problems) or `save`.
    #[serde(default)]
    pub step: String,
}

#[derive(Template)]
#[template(path = "problems_new.html")]
pub struct NewProblemPage {
    pub t: T,
    pub chrome: Chrome,
    pub f: ProblemForm,
    pub found_bys: Vec<Opt>,
    pub causes: Vec<Opt>,
    /// After the check: the similar problems (possibly none).
    pub similar: Option<Vec<ProblemRow>>,
    pub csrf: String,
    pub error: Option<String>,
}

fn new_problem_page(
    page: &Page,
    f: ProblemForm,
    similar: Option<Vec<ProblemRow>>,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let t = page.t;
    render(
        status,
        &NewProblemPage {
            t,
            chrome: Chrome::new(t, Some(&page.caller), "/problems/new", "problems"),
            found_bys: options(
                t,
                FoundBy::ALL,
                FoundBy::code,
                "prob.found_by.",
                FoundBy::parse(&f.found_by).map_or("", FoundBy::code),
                false,
            ),
            causes: options(
                t,
                RootCause::ALL,
                RootCause::code,
                "prob.cause.",
                RootCause::parse(&f.root_cause).map_or("", RootCause::code),
                false,
            ),
            f,
            similar,
            csrf: csrf_of(&page.caller),
            error,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    task: Option<String>,
}

/// The filing form (the office).
pub async fn new_page(page: Page, RawQuery(raw): RawQuery) -> Response {
    if let Err(e) = page.caller.require(Permission::Assign).await {
        return error_page(page.t, Some(&page.caller), &e);
    }
    let q: NewQuery = query(raw.as_deref());
    let f = ProblemForm {
        task: given(q.task.as_deref()).unwrap_or("").to_owned(),
        ..ProblemForm::default()
    };
    new_problem_page(&page, f, None, StatusCode::OK, None)
}

/// The form's values checked as `POST /api/v1/problems` checks them.
fn new_problem(f: &ProblemForm) -> Result<NewProblem, ApiError> {
    Ok(NewProblem {
        task: given(Some(&f.task))
            .map(|s| TaskId::parse(s).map_err(|e| ApiError::invalid("task", &e)))
            .transpose()?,
        report: None,
        unit: given(Some(&f.unit))
            .map(|u| crate::routes::unit_name("unit", u))
            .transpose()?,
        description: text_field("description", &f.description)?,
        found_by: FoundBy::parse(&f.found_by).map_err(|e| ApiError::invalid("found_by", &e))?,
        root_cause: RootCause::parse(&f.root_cause)
            .map_err(|e| ApiError::invalid("root_cause", &e))?,
        class: given(Some(&f.class))
            .map(|c| parse_class(c).map_err(|e| ApiError::invalid("class", &e)))
            .transpose()?,
        deadline: Date::parse(f.deadline.trim()).map_err(|e| ApiError::invalid("deadline", &e))?,
    })
}

/// Files a problem in two steps: `check` shows the existing problems like
/// it (among those the office sees: all), `save` files it as
/// `POST /api/v1/problems` does and goes to the new problem.
pub async fn file(State(state): State<Arc<AppState>>, page: Page, body: Bytes) -> Response {
    let f: ProblemForm = form(&body);
    let caller = &page.caller;
    let t = page.t;
    if let Err(e) = caller.require(Permission::Assign).await {
        return error_page(t, Some(caller), &e);
    }
    let new = match new_problem(&f) {
        Ok(n) => n,
        Err(e) => {
            let message = error_text(t, &e);
            return new_problem_page(&page, f, None, e.status, Some(message));
        }
    };
    let day = state.store.clock().today();
    if f.step != "save" {
        return match state
            .store
            .similar_problems(new.description.as_str(), None, visible(caller))
            .await
        {
            Ok(list) => {
                let rows = list
                    .iter()
                    .map(|s| ProblemRow {
                        similarity: format!("{}%", (s.similarity * 100.0).round()),
                        ..problem_row(t, &s.problem, day)
                    })
                    .collect();
                new_problem_page(&page, f, Some(rows), StatusCode::OK, None)
            }
            Err(e) => error_page(t, Some(caller), &e.into()),
        };
    }
    match state.store.add_problem(caller.actor(), &new).await {
        Ok(filed) => see_other(&format!(
            "/problems/{}?done=problem_filed",
            filed.problem.id
        )),
        Err(e) => {
            let e = match e {
                StoreError::NotFound { entity, .. } if entity != luoshi_core::Entity::Unit => {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_found", e.to_string())
                        .with_field("task")
                }
                other => unknown_unit_in("unit")(other),
            };
            let message = error_text(t, &e);
            new_problem_page(&page, f, None, e.status, Some(message))
        }
    }
}

// ----- one problem ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "problems_detail.html")]
pub struct ProblemPage {
    pub t: T,
    pub chrome: Chrome,
    pub p: ProblemRow,
    pub similar: Vec<ProblemRow>,
    pub may_rectify: bool,
    pub may_office: bool,
    pub csrf: String,
    pub error: Option<String>,
    pub done: Option<String>,
}

fn hidden_problem() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "该问题不存在，或您无权访问该问题。",
    )
}

fn problem_id(id: &str) -> Result<i64, ApiError> {
    TaskId::parse(id)
        .map(|t| t.0)
        .map_err(|e| ApiError::invalid("id", &e))
}

/// A problem the caller may see (a missing one looks the same to a
/// scoped caller), as the API's `visible_problem`.
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

async fn problem_page(
    state: &AppState,
    page: &Page,
    id: &str,
    status: StatusCode,
    error: Option<String>,
    done: Option<String>,
) -> Response {
    let t = page.t;
    let caller = &page.caller;
    let day = state.store.clock().today();
    let loaded = async {
        let id = problem_id(id)?;
        let p = visible_problem(state, caller, id, "查看问题").await?;
        let similar = state
            .store
            .similar_problems(p.description.as_str(), Some(id), visible(caller))
            .await?;
        Ok::<_, ApiError>((p, similar))
    }
    .await;
    let (p, similar) = match loaded {
        Ok(v) => v,
        Err(e) => return error_page(t, Some(caller), &e),
    };
    let office = caller.principal().may(Permission::Assign);
    let open = p.status != ProblemStatus::Closed;
    render(
        status,
        &ProblemPage {
            t,
            chrome: Chrome::new(t, Some(caller), &page.here, "problems"),
            may_rectify: open && (office || caller.principal().may(Permission::Report)),
            may_office: open && office,
            p: problem_row(t, &p, day),
            similar: similar
                .iter()
                .map(|s| ProblemRow {
                    similarity: format!("{}%", (s.similarity * 100.0).round()),
                    ..problem_row(t, &s.problem, day)
                })
                .collect(),
            csrf: csrf_of(caller),
            error,
            done,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn detail(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q: DoneQuery = query(raw.as_deref());
    let done = done_text(page.t, q.done.as_deref());
    problem_page(&state, &page, &id, StatusCode::OK, None, done).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    class: String,
}

async fn after_change(
    state: &AppState,
    page: &Page,
    id: &str,
    result: Result<(), ApiError>,
    done: &str,
) -> Response {
    match result {
        Ok(()) => see_other(&format!("/problems/{}?done={done}", id.trim())),
        Err(e) => {
            let message = error_text(page.t, &e);
            let status = if e.code == "problem_closed" {
                StatusCode::CONFLICT
            } else {
                e.status
            };
            problem_page(state, page, id, status, Some(message), None).await
        }
    }
}

/// Reports rectification measures, as `POST /api/v1/problems/{id}/rectify`:
/// the office, or the people of the responsible unit.
pub async fn rectify(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f: ChangeForm = form(&body);
    let caller = &page.caller;
    let result = async {
        if !caller.principal().may(Permission::Assign) {
            caller.require(Permission::Report).await?;
        }
        let pid = problem_id(&id)?;
        visible_problem(&state, caller, pid, "报告整改").await?;
        let measures = text_field("measures", &f.measures)?;
        let evidence = given(Some(&f.evidence))
            .map(|e| text_field("evidence", e))
            .transpose()?;
        state
            .store
            .rectify_problem(
                caller.actor(),
                pid,
                version_field(&f.version)?,
                &measures,
                evidence.as_ref(),
            )
            .await?;
        Ok(())
    }
    .await;
    after_change(&state, &page, &id, result, "problem_rectified").await
}

/// Closes a problem (销号) with evidence, as
/// `POST /api/v1/problems/{id}/close`: the office.
pub async fn close(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f: ChangeForm = form(&body);
    let caller = &page.caller;
    let result = async {
        caller.require(Permission::Assign).await?;
        let pid = problem_id(&id)?;
        let evidence = text_field("evidence", &f.evidence)?;
        state
            .store
            .close_problem(caller.actor(), pid, version_field(&f.version)?, &evidence)
            .await?;
        Ok(())
    }
    .await;
    after_change(&state, &page, &id, result, "problem_closed").await
}

/// Sets or removes a problem's class, as `POST /api/v1/problems/{id}/class`:
/// the office.
pub async fn classify(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f: ChangeForm = form(&body);
    let caller = &page.caller;
    let result = async {
        caller.require(Permission::Assign).await?;
        let pid = problem_id(&id)?;
        let class = given(Some(&f.class))
            .map(|c| parse_class(c).map_err(|e| ApiError::invalid("class", &e)))
            .transpose()?;
        state
            .store
            .set_problem_class(
                caller.actor(),
                pid,
                version_field(&f.version)?,
                class.as_deref(),
            )
            .await?;
        Ok(())
    }
    .await;
    after_change(&state, &page, &id, result, "problem_classified").await
}

// ----- indicators --------------------------------------------------------------------------

/// An indicator as the page shows it.
#[derive(Debug, Clone)]
pub struct IndicatorRow {
    pub id: i64,
    pub task: i64,
    pub name: String,
    pub measure: String,
    pub year: i64,
    pub target: String,
    pub latest: String,
    pub values: Vec<(String, String)>,
    pub reached: String,
    pub elapsed: String,
    pub gap: String,
    pub behind: bool,
    /// Bar widths in percent, 0–100.
    pub reached_w: u32,
    pub elapsed_w: u32,
}

/// An indicator as the pages show it.
fn indicator_row(t: T, i: &luoshi_core::Indicator) -> IndicatorRow {
    IndicatorRow {
        id: i.id,
        task: i.task.0,
        name: i.name.to_string(),
        measure: i.measure.clone(),
        year: i.year,
        target: format!("{} {}", num(i.annual_target), i.measure),
        latest: i.values.last().map_or_else(
            || t.t("ind.no_value").to_owned(),
            |v| format!("{} {}", num(v.value), i.measure),
        ),
        values: i
            .values
            .iter()
            .map(|v| (v.period_end.to_string(), num(v.value)))
            .collect(),
        reached: format!("{}%", num(i.progress.reached)),
        elapsed: format!("{}%", num(i.progress.elapsed)),
        gap: num(i.progress.gap),
        behind: i.progress.gap < 0.0,
        reached_w: width(i.progress.reached),
        elapsed_w: width(i.progress.elapsed),
    }
}

/// A task's problems and indicators, for the task page (rendered by
/// `problems_task_partial.html`).
#[derive(Template)]
#[template(path = "problems_task_partial.html")]
pub struct TaskProblemsPartial {
    pub t: T,
    pub task: i64,
    pub problems: Vec<ProblemRow>,
    pub indicators: Vec<IndicatorRow>,
    /// The office may file a problem on the task.
    pub may_file: bool,
}

impl TaskProblemsPartial {
    /// The partial as HTML, to be put in a page with `|safe`; empty when
    /// it cannot be rendered (logged).
    pub fn html(&self) -> String {
        self.render().unwrap_or_else(|e| {
            eprintln!("luoshi serve: cannot render the task problems partial: {e}");
            String::new()
        })
    }
}

/// The problems and indicators of one task the caller may see, for the
/// task page: the task is checked as `GET /api/v1/tasks/{id}/indicators`
/// checks it (a task the caller may not see is refused), and the problems
/// are narrowed to the caller's units as `GET /api/v1/problems?task=`.
pub async fn task_problems(
    state: &AppState,
    caller: &Caller,
    t: T,
    task: TaskId,
) -> Result<TaskProblemsPartial, ApiError> {
    caller
        .check_task(task, state.store.task(task).await, |t| t)
        .await?;
    let day = state.store.clock().today();
    let problems = state
        .store
        .problems(&ProblemFilter {
            task: Some(task),
            visible_units: visible(caller),
            limit: Some(PROBLEM_LIMIT),
            ..ProblemFilter::default()
        })
        .await?;
    let indicators = state.store.indicators(Some(task), visible(caller)).await?;
    Ok(TaskProblemsPartial {
        t,
        task: task.0,
        problems: problems.iter().map(|p| problem_row(t, p, day)).collect(),
        indicators: indicators.iter().map(|i| indicator_row(t, i)).collect(),
        may_file: caller.principal().may(Permission::Assign),
    })
}

#[derive(Template)]
#[template(path = "indicators.html")]
pub struct IndicatorsPage {
    pub t: T,
    pub chrome: Chrome,
    pub rows: Vec<IndicatorRow>,
    /// Where this page is in the list, when it is longer than a page.
    pub pager: Option<super::supervision::Pager>,
    pub may_record: bool,
    pub this_month: String,
    pub this_year: i64,
    pub task: String,
    pub csrf: String,
    pub error: Option<String>,
    pub done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct IndicatorQuery {
    task: Option<String>,
    done: Option<String>,
    page: Option<String>,
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn width(v: f64) -> u32 {
    v.clamp(0.0, 100.0).round() as u32
}

async fn indicators_page(
    state: &AppState,
    page: &Page,
    task: Option<&str>,
    page_no: usize,
    status: StatusCode,
    error: Option<String>,
    done: Option<String>,
) -> Response {
    let t = page.t;
    let caller = &page.caller;
    let today = state.store.clock().today();
    let loaded = async {
        let task = task
            .map(|s| TaskId::parse(s).map_err(|e| ApiError::invalid("task", &e)))
            .transpose()?;
        if let Some(id) = task {
            caller
                .check_task(id, state.store.task(id).await, |t| t)
                .await?;
        }
        Ok::<_, ApiError>(state.store.indicators(task, visible(caller)).await?)
    }
    .await;
    let list = match loaded {
        Ok(l) => l,
        Err(e) => return error_page(t, Some(caller), &e),
    };
    // Pages of PAGE_ROWS: every indicator with its values and forms is
    // a long card, and a province tracks hundreds.
    let (from, to, pager) = super::supervision::paged(t, page_no, list.len(), |p| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if let Some(task) = task {
            q.append_pair("task", task);
        }
        q.append_pair("page", &p.to_string());
        format!("/indicators?{}", q.finish())
    });
    let rows = list[from..to].iter().map(|i| indicator_row(t, i)).collect();
    render(
        status,
        &IndicatorsPage {
            t,
            chrome: Chrome::new(t, Some(caller), &page.here, "supervision"),
            rows,
            pager: (list.len() > super::supervision::PAGE_ROWS).then_some(pager),
            may_record: caller.principal().may(Permission::Assign),
            this_month: format!("{}-{:02}", today.year(), today.month()),
            this_year: today.year(),
            task: task.unwrap_or("").to_owned(),
            csrf: csrf_of(caller),
            error,
            done,
        },
    )
}

/// Indicators with their targets, values and progress against the time
/// elapsed (of one task with `?task=`), those of tasks the caller sees.
pub async fn indicators(
    State(state): State<Arc<AppState>>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let q: IndicatorQuery = query(raw.as_deref());
    let done = done_text(page.t, q.done.as_deref());
    let page_no = given(q.page.as_deref())
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1);
    indicators_page(
        &state,
        &page,
        given(q.task.as_deref()),
        page_no,
        StatusCode::OK,
        None,
        done,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ValueForm {
    #[serde(default)]
    period: String,
    #[serde(default)]
    value: String,
}

/// Records an indicator's value for a period (its month, YYYY-MM, or its
/// last day), as `POST /api/v1/indicators/{id}/values`: the office.
pub async fn record_value(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f: ValueForm = form(&body);
    let caller = &page.caller;
    let result = async {
        caller.require(Permission::Assign).await?;
        let id = problem_id(&id)?;
        let period = f.period.trim();
        let end = if period.len() == 7 {
            EvalPeriod::parse(period)
                .map_err(|e| ApiError::invalid("period", &e))?
                .to
        } else {
            Date::parse(period).map_err(|e| ApiError::invalid("period", &e))?
        };
        let value = parse_number(&f.value).map_err(|e| ApiError::invalid("value", &e))?;
        state
            .store
            .record_indicator(caller.actor(), id, end, value)
            .await?;
        Ok::<(), ApiError>(())
    }
    .await;
    match result {
        Ok(()) => see_other("/indicators?done=indicator_recorded"),
        Err(e) => {
            let message = error_text(page.t, &e);
            indicators_page(&state, &page, None, 1, e.status, Some(message), None).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct IndicatorForm {
    #[serde(default)]
    task: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    target: String,
}

/// Attaches an indicator with its annual target to a task, as
/// `POST /api/v1/tasks/{id}/indicators`: the office.
pub async fn add_indicator(
    State(state): State<Arc<AppState>>,
    page: Page,
    body: Bytes,
) -> Response {
    let f: IndicatorForm = form(&body);
    let caller = &page.caller;
    let result = async {
        caller.require(Permission::Assign).await?;
        let task = TaskId::parse(f.task.trim()).map_err(|e| ApiError::invalid("task", &e))?;
        let year = f.year.trim().parse::<i64>().map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                "年度须为四位数字，如 2026。",
            )
            .with_field("year")
        })?;
        let new = NewIndicator {
            task,
            name: text_field("name", &f.name)?,
            measure: f.measure.trim().to_owned(),
            year,
            annual_target: parse_number(&f.target)
                .map_err(|e| ApiError::invalid("annual_target", &e))?,
        };
        state
            .store
            .add_indicator(caller.actor(), &new)
            .await
            .map_err(|e| match e {
                StoreError::NotFound { .. } => {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_found", e.to_string())
                        .with_field("task")
                }
                other => other.into(),
            })?;
        Ok::<(), ApiError>(())
    }
    .await;
    match result {
        Ok(()) => see_other("/indicators?done=indicator_added"),
        Err(e) => {
            let message = error_text(page.t, &e);
            indicators_page(&state, &page, None, 1, e.status, Some(message), None).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_task_partial_lists_indicators_and_offers_filing_to_the_office() {
        let t = T::new(crate::error::Lang::Hans);
        let mut partial = TaskProblemsPartial {
            t,
            task: 7,
            problems: Vec::new(),
            indicators: vec![IndicatorRow {
                id: 1,
                task: 7,
                name: "新增省级重点实验室".to_owned(),
                measure: "家".to_owned(),
                year: 2026,
                target: "10 家".to_owned(),
                latest: "3 家".to_owned(),
                values: Vec::new(),
                reached: "30%".to_owned(),
                elapsed: "49.9%".to_owned(),
                gap: "-19.9".to_owned(),
                behind: true,
                reached_w: 30,
                elapsed_w: 50,
            }],
            may_file: true,
        };
        let html = partial.html();
        assert!(html.contains("该任务暂无问题"));
        assert!(html.contains("新增省级重点实验室") && html.contains("class=\"overdue\">30%"));
        assert!(html.contains("href=\"/problems/new?task=7\""));
        assert!(html.contains("href=\"/indicators?task=7\""));
        partial.may_file = false;
        partial.indicators.clear();
        let html = partial.html();
        assert!(!html.contains("/problems/new") && html.contains("该任务暂无指标"));
    }

    #[test]
    fn bars_stay_within_their_track() {
        assert_eq!(width(-5.0), 0);
        assert_eq!(width(49.6), 50);
        assert_eq!(width(180.0), 100);
    }
}
