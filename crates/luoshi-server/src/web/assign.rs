//! 交办 (assign): set lead unit, co-units, responsible person, deadline and
//! reporting cycle for many tasks at once.
//!
//! `GET /assign` lists tasks (filters: document, theme, status, unit; pages
//! of [`PAGE_SIZE`]) with a checkbox each; one form below sets the
//! assignment. Every checkbox carries its task's version as read when the
//! page was rendered (`id:version`), so a task changed meanwhile is a
//! conflict (the store's stale-version check) while the others still go
//! through: each task is assigned in its own transaction, after the same
//! permission check as `POST /api/v1/tasks/{id}/assign`
//! (`Permission::Assign`), with `Store::assign_with_cycle`: the writes of
//! that endpoint and, when a reporting cycle is chosen, those of `POST
//! /api/v1/tasks/{id}/cycle`, both or neither.
//!
//! "Select all on this page" works without JavaScript: it is a submit
//! button of the same form that re-renders the page with every box
//! checked and the values typed so far, writing nothing. After assigning,
//! the browser is sent (303) to `/assign?…&r=ID:outcome,…`, which shows the
//! summary (已交办 n 项, 冲突 m 项, with links).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use luoshi_core::{
    Conflict, Cycle, Date, DocumentId, Entity, Ledger, NewAssignment, Permission, PersonName,
    StoreError, Task, TaskId, TaskKind, UnitName, Version,
};

use super::i18n::T;
use super::pages::{Opt, render};
use super::{Chrome, Page, error_page, error_text, see_other};
use crate::error::{ApiError, unknown_unit_in};
use crate::routes::{AppState, base_filter, field, unit_name};

/// Tasks on one page of the assign list.
pub const PAGE_SIZE: usize = 50;

/// The most tasks one submission assigns.
pub const MAX_TASKS: usize = 200;

/// Co-unit fields the form shows (each may also hold several names
/// separated by 、，, or ;).
pub const CO_FIELDS: usize = 4;

/// The statuses the list may be filtered by (tasks that can be assigned).
const STATUSES: [&str; 4] = ["open", "draft", "assigned", "in_progress"];

/// The reporting cycles the form offers (`""`: leave the cycle as it is).
const CYCLES: [&str; 6] = ["", "weekly", "fortnightly", "monthly", "quarterly", "dates"];

/// The routes of this area.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/assign", get(assign_page).post(assign_submit))
}

/// Reads `key=value` pairs, keeping repeated keys.
pub(crate) fn pairs(raw: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(raw)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.trim())
}

/// The list's filters, from the query string or the form's hidden fields.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub document: String,
    pub theme: String,
    pub status: String,
    pub unit: String,
    pub page: usize,
}

impl Filters {
    fn read(p: &[(String, String)]) -> Filters {
        let status = first(p, "status");
        Filters {
            document: first(p, "document").to_owned(),
            theme: first(p, "theme").to_owned(),
            status: if status.is_empty() {
                "open".to_owned()
            } else {
                status.to_owned()
            },
            unit: first(p, "unit").to_owned(),
            page: first(p, "page")
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=100_000).contains(n))
                .unwrap_or(1),
        }
    }

    /// The filters as query pairs (page included when past the first).
    fn query(&self, page: usize) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("document", &self.document),
            ("theme", &self.theme),
            ("unit", &self.unit),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if self.status != "open" {
            s.append_pair("status", &self.status);
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        s.finish()
    }

    fn href(&self, page: usize) -> String {
        let q = self.query(page);
        if q.is_empty() {
            "/assign".to_owned()
        } else {
            format!("/assign?{q}")
        }
    }
}

/// What the assignment form holds (typed values are shown again after a
/// refusal or "select all").
#[derive(Debug, Clone, Default)]
pub struct AssignForm {
    pub lead: String,
    pub co: Vec<String>,
    pub owner: String,
    pub deadline: String,
    pub cycle: String,
    pub dates: String,
}

impl AssignForm {
    fn read(p: &[(String, String)]) -> AssignForm {
        let mut co: Vec<String> = p
            .iter()
            .filter(|(k, _)| k == "co")
            .map(|(_, v)| v.trim().to_owned())
            .collect();
        co.resize(CO_FIELDS.max(co.len()), String::new());
        AssignForm {
            lead: first(p, "lead").to_owned(),
            co,
            owner: first(p, "owner").to_owned(),
            deadline: first(p, "deadline").to_owned(),
            cycle: first(p, "cycle").to_owned(),
            dates: first(p, "dates").to_owned(),
        }
    }
}

/// Splits a list typed by a person: 、，, ; and whitespace-free separators.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(['、', '，', ',', ';', '；'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A row of the list.
#[derive(Debug, Clone)]
pub struct AssignRow {
    pub id: i64,
    /// `id:version`, the checkbox's value.
    pub value: String,
    pub checked: bool,
    pub title: String,
    pub theme: bool,
    pub lead: String,
    pub co: String,
    pub owner: String,
    pub deadline: String,
    pub status: String,
    pub status_code: &'static str,
}

/// One line of the result summary.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: i64,
    /// "任务 12".
    pub label: String,
    pub text: String,
}

/// One co-unit input of the form.
#[derive(Debug, Clone)]
pub struct CoField {
    pub index: usize,
    pub value: String,
    /// "配合单位 2", for screen readers.
    pub label: String,
}

/// The summary shown after assigning.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub assigned: String,
    pub ok: Vec<Outcome>,
    pub problems: Vec<Outcome>,
    /// "冲突 m 项" when there are conflicts.
    pub conflicts: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "assign.html")]
pub struct AssignPage {
    pub t: T,
    pub chrome: Chrome,
    pub f: Filters,
    pub form: AssignForm,
    pub rows: Vec<AssignRow>,
    pub documents: Vec<Opt>,
    pub themes: Vec<Opt>,
    pub statuses: Vec<Opt>,
    pub cycles: Vec<Opt>,
    pub units: Vec<String>,
    pub page_label: String,
    pub showing: String,
    pub co_fields: Vec<CoField>,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub summary: Option<Summary>,
    pub error: Option<String>,
}

/// The list of one page and whether there is a next one.
async fn list(
    state: &AppState,
    page: &Page,
    f: &Filters,
) -> Result<(Vec<Task>, bool, Vec<Opt>), ApiError> {
    let caller = &page.caller;
    let document = if f.document.is_empty() {
        None
    } else {
        Some(f.document.parse::<i64>().map_err(|_| {
            ApiError::invalid(
                "document",
                &luoshi_core::ValueError::BadId {
                    input: f.document.chars().take(40).collect(),
                },
            )
        })?)
    };
    let theme = if f.theme.is_empty() {
        None
    } else {
        Some(field("theme", TaskId::parse(&f.theme))?)
    };
    let unit = Some(f.unit.as_str()).filter(|u| !u.is_empty());
    let mut filter = base_filter(&state.store, unit, Some(&f.status), None, document, None)?;
    caller.scope(&mut filter);
    let skip = (f.page - 1) * PAGE_SIZE;
    // The themes of the chosen document (those with a task the reader may
    // see), for the theme filter: one grouped query, not the document's
    // tasks.
    let mut themes = Vec::new();
    if let Some(d) = document {
        themes = state
            .store
            .theme_counts(DocumentId(d), caller.visible_units())
            .await?
            .iter()
            .map(|c| Opt {
                value: c.theme.to_string(),
                label: format!("{} {}", c.theme, c.title),
                selected: theme == Some(c.theme),
            })
            .collect();
    }
    // A theme and the tasks below it, paged by the store like any list.
    filter.theme = theme;
    filter.offset = u32::try_from(skip).ok().filter(|o| *o > 0);
    filter.limit = u32::try_from(PAGE_SIZE + 1).ok();
    let mut tasks = state
        .store
        .tasks(&filter)
        .await
        .map_err(unknown_unit_in("unit"))?;
    let more = tasks.len() > PAGE_SIZE;
    tasks.truncate(PAGE_SIZE);
    Ok((tasks, more, themes))
}

#[allow(clippy::too_many_arguments)]
async fn assign_view(
    state: &AppState,
    page: &Page,
    f: Filters,
    form: AssignForm,
    checked: &(dyn Fn(i64) -> bool + Sync),
    summary: Option<Summary>,
    mut error: Option<String>,
    mut status: StatusCode,
) -> Response {
    let t = page.t;
    let caller = &page.caller;
    let (tasks, more, themes) = match list(state, page, &f).await {
        Ok(x) => x,
        Err(e) => {
            status = e.status;
            error = Some(error_text(t, &e));
            (Vec::new(), false, Vec::new())
        }
    };
    let documents = match state.store.documents(None, 200).await {
        Ok(docs) => docs
            .iter()
            .map(|d| {
                let label = d
                    .title
                    .clone()
                    .or_else(|| d.name.clone())
                    .unwrap_or_else(|| d.id.to_string());
                Opt {
                    value: d.id.to_string(),
                    label: format!("{} {}", d.id, label),
                    selected: f.document == d.id.to_string(),
                }
            })
            .collect(),
        Err(e) => return error_page(t, Some(caller), &e.into()),
    };
    let units = match state.store.units().await {
        Ok(u) => u.iter().map(|u| u.name.to_string()).collect(),
        Err(e) => return error_page(t, Some(caller), &e.into()),
    };
    let rows: Vec<AssignRow> = tasks
        .iter()
        .map(|task| {
            let a = task.assignment.as_ref();
            AssignRow {
                id: task.id.0,
                value: format!("{}:{}", task.id.0, task.version.0),
                checked: checked(task.id.0),
                title: task.title.to_string(),
                theme: task.kind == TaskKind::Theme,
                lead: a.map(|a| a.lead.name.to_string()).unwrap_or_default(),
                co: a
                    .map(|a| {
                        a.co_units
                            .iter()
                            .map(|u| u.name.as_str())
                            .collect::<Vec<_>>()
                            .join("、")
                    })
                    .unwrap_or_default(),
                owner: a
                    .and_then(|a| a.owner.as_ref())
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                deadline: a.map(|a| a.deadline.to_string()).unwrap_or_default(),
                status: t.t(&format!("status.{}", task.status.code())).to_owned(),
                status_code: task.status.code(),
            }
        })
        .collect();
    let statuses = STATUSES
        .iter()
        .map(|s| Opt {
            value: (*s).to_owned(),
            label: if *s == "open" {
                t.t("ledger.open").to_owned()
            } else {
                t.t(&format!("status.{s}")).to_owned()
            },
            selected: f.status == *s,
        })
        .collect();
    let cycles = CYCLES
        .iter()
        .map(|c| Opt {
            value: (*c).to_owned(),
            label: if c.is_empty() {
                t.t("assign.cycle.keep").to_owned()
            } else {
                t.t(&format!("assign.cycle.{c}")).to_owned()
            },
            selected: form.cycle == *c,
        })
        .collect();
    let here = f.href(f.page);
    let p = AssignPage {
        t,
        chrome: Chrome::new(t, Some(caller), &here, "assign"),
        page_label: t.f("ledger.page", &[("n", &f.page.to_string())]),
        showing: t.f("ledger.showing", &[("n", &rows.len().to_string())]),
        co_fields: form
            .co
            .iter()
            .enumerate()
            .map(|(i, v)| CoField {
                index: i,
                value: v.clone(),
                label: t.f("assign.co_n", &[("n", &(i + 1).to_string())]),
            })
            .collect(),
        prev_href: (f.page > 1).then(|| f.href(f.page - 1)),
        next_href: more.then(|| f.href(f.page + 1)),
        f,
        form,
        rows,
        documents,
        themes,
        statuses,
        cycles,
        units,
        summary,
        error,
    };
    render(status, &p)
}

/// Reads the `r=ID:outcome,…` summary of a redirect.
fn summary_of(t: T, r: &str) -> Option<Summary> {
    if r.is_empty() {
        return None;
    }
    let mut s = Summary::default();
    let mut conflicts = 0;
    for item in r.split(',').take(MAX_TASKS) {
        let Some((id, what)) = item.split_once(':') else {
            continue;
        };
        let Ok(id) = id.parse::<i64>() else { continue };
        let key = match what {
            "ok" => {
                s.ok.push(Outcome {
                    id,
                    label: String::new(),
                    text: String::new(),
                });
                continue;
            }
            "stale" => {
                conflicts += 1;
                "assign.result.stale"
            }
            "state" => "assign.result.state",
            "missing" => "assign.result.missing",
            _ => "assign.result.error",
        };
        s.problems.push(Outcome {
            id,
            label: t.f("assign.task_n", &[("id", &id.to_string())]),
            text: t.t(key).to_owned(),
        });
    }
    s.assigned = t.f("assign.result.assigned", &[("n", &s.ok.len().to_string())]);
    s.conflicts =
        (conflicts > 0).then(|| t.f("assign.result.conflicts", &[("n", &conflicts.to_string())]));
    Some(s)
}

/// The assign page. Only for those who may assign (the office): anybody
/// else gets the API's 403 as an error page.
pub async fn assign_page(
    State(state): State<Arc<AppState>>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(e) = page.caller.require(Permission::Assign).await {
        return error_page(page.t, Some(&page.caller), &e);
    }
    let p = pairs(raw.as_deref().unwrap_or("").as_bytes());
    let f = Filters::read(&p);
    let summary = summary_of(page.t, first(&p, "r"));
    let form = AssignForm::read(&p);
    assign_view(
        &state,
        &page,
        f,
        form,
        &|_| false,
        summary,
        None,
        StatusCode::OK,
    )
    .await
}

/// The common part of an assignment, validated once before any task is
/// touched: a bad value refuses the whole submission, writing nothing.
struct Plan {
    assignment: NewAssignment,
    cycle: Option<Cycle>,
}

async fn plan(state: &AppState, form: &AssignForm) -> Result<Plan, ApiError> {
    if form.lead.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing_field",
            "请选择牵头单位。",
        )
        .with_field("lead"));
    }
    let lead = unit_name("lead", &form.lead)?;
    let mut co_units: Vec<UnitName> = Vec::new();
    for name in form.co.iter().flat_map(|c| split_list(c)) {
        let u = unit_name("co_units", &name)?;
        if !co_units.contains(&u) {
            co_units.push(u);
        }
    }
    // Unknown units are one error for the whole form, not one per task.
    state
        .store
        .unit(&lead)
        .await
        .map_err(unknown_unit_in("lead"))?;
    for u in &co_units {
        state
            .store
            .unit(u)
            .await
            .map_err(unknown_unit_in("co_units"))?;
    }
    if co_units.contains(&lead) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "lead_also_co_unit",
            format!("“{lead}”已是牵头单位，不能同时作为配合单位，请从配合单位中删去。"),
        )
        .with_field("co_units"));
    }
    let owner = Some(form.owner.as_str())
        .filter(|o| !o.is_empty())
        .map(|o| field("owner", PersonName::parse(o)))
        .transpose()?;
    if form.deadline.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing_field",
            "请填写完成时限（如 2026-06-30）。",
        )
        .with_field("deadline"));
    }
    let deadline = field("deadline", Date::parse(&form.deadline))?;
    let cycle = match form.cycle.as_str() {
        "" => None,
        code => {
            let dates = if code == "dates" {
                let list = split_list(&form.dates.replace([' ', '\u{3000}'], ","));
                list.iter()
                    .map(|d| field("dates", Date::parse(d)))
                    .collect::<Result<Vec<Date>, ApiError>>()?
            } else {
                Vec::new()
            };
            Some(field("cycle", Cycle::parse(code, &dates))?)
        }
    };
    Ok(Plan {
        assignment: NewAssignment {
            lead,
            co_units,
            owner,
            deadline,
        },
        cycle,
    })
}

/// What became of one task.
fn outcome_of(e: &StoreError) -> &'static str {
    match e {
        StoreError::Conflict(Conflict::Stale {
            entity: Entity::Task,
            ..
        }) => "stale",
        StoreError::NotFound {
            entity: Entity::Task,
            ..
        } => "missing",
        StoreError::Invalid(luoshi_core::Invalid::Lifecycle(_)) => "state",
        _ => "error",
    }
}

/// Assigns every selected task (each in its own transaction), or, for
/// "select all" / "select none", shows the page again with the boxes set.
pub async fn assign_submit(
    State(state): State<Arc<AppState>>,
    page: Page,
    body: Bytes,
) -> Response {
    let t = page.t;
    let caller = &page.caller;
    if let Err(e) = caller.require(Permission::Assign).await {
        return error_page(t, Some(caller), &e);
    }
    let p = pairs(&body);
    let f = Filters::read(&p);
    let form = AssignForm::read(&p);
    let selected: Vec<(i64, i64)> = p
        .iter()
        .filter(|(k, _)| k == "task")
        .filter_map(|(_, v)| {
            let (id, version) = v.split_once(':')?;
            Some((id.trim().parse().ok()?, version.trim().parse().ok()?))
        })
        .filter(|(id, v): &(i64, i64)| *id > 0 && *v > 0)
        .collect();
    match first(&p, "select") {
        "all" => {
            return assign_view(
                &state,
                &page,
                f,
                form,
                &|_| true,
                None,
                None,
                StatusCode::OK,
            )
            .await;
        }
        "none" => {
            return assign_view(
                &state,
                &page,
                f,
                form,
                &|_| false,
                None,
                None,
                StatusCode::OK,
            )
            .await;
        }
        _ => {}
    }
    let ids: Vec<i64> = selected.iter().map(|(id, _)| *id).collect();
    let refuse = |e: ApiError, f: Filters, form: AssignForm| {
        let ids = ids.clone();
        let state = state.clone();
        let page = page.clone();
        async move {
            let message = error_text(t, &e);
            assign_view(
                &state,
                &page,
                f,
                form,
                &move |id| ids.contains(&id),
                None,
                Some(message),
                e.status,
            )
            .await
        }
    };
    if selected.is_empty() {
        let e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing_selected",
            "请先勾选要交办的任务。",
        )
        .with_field("task");
        return refuse(e, f, form).await;
    }
    if selected.len() > MAX_TASKS {
        let e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_tasks",
            format!("一次最多交办 {MAX_TASKS} 项任务，请分批提交。"),
        )
        .with_field("task");
        return refuse(e, f, form).await;
    }
    let plan = match plan(&state, &form).await {
        Ok(p) => p,
        Err(e) => return refuse(e, f, form).await,
    };
    let mut results: Vec<String> = Vec::with_capacity(selected.len());
    for (id, version) in selected {
        let task = TaskId(id);
        // Assignment and cycle in one transaction per task: both or neither.
        let outcome = match state
            .store
            .assign_with_cycle(
                caller.actor(),
                task,
                Version(version),
                &plan.assignment,
                plan.cycle.as_ref(),
            )
            .await
        {
            Ok(_) => "ok",
            Err(e) => outcome_of(&e),
        };
        results.push(format!("{id}:{outcome}"));
    }
    let mut to = f.href(f.page);
    to.push(if to.contains('?') { '&' } else { '?' });
    to.push_str("r=");
    to.push_str(&results.join(","));
    see_other(&to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Lang;

    #[test]
    fn lists_split_on_chinese_and_ascii_separators() {
        assert_eq!(
            split_list(" 甲单位、乙单位，丙单位,丁;戊； "),
            vec!["甲单位", "乙单位", "丙单位", "丁", "戊"]
        );
        assert!(split_list("、，").is_empty());
    }

    #[test]
    fn filters_round_trip_through_links() {
        let p = pairs("document=3&theme=7&status=draft&unit=%E7%94%B2&page=2".as_bytes());
        let f = Filters::read(&p);
        assert_eq!(f.page, 2);
        assert_eq!(f.status, "draft");
        let again = Filters::read(&pairs(f.href(2).split_once('?').unwrap().1.as_bytes()));
        assert_eq!(again.unit, "甲");
        assert_eq!(again.theme, "7");
        assert_eq!(Filters::read(&[]).href(1), "/assign");
    }

    #[test]
    fn the_summary_counts_assigned_and_conflicts() {
        let s = summary_of(T::new(Lang::Hans), "1:ok,2:stale,3:ok,x:ok,4:state").unwrap();
        assert_eq!(s.ok.len(), 2);
        assert_eq!(s.problems.len(), 2);
        assert_eq!(s.assigned, "已交办 2 项");
        assert_eq!(s.conflicts.as_deref(), Some("冲突 1 项"));
        assert!(summary_of(T::new(Lang::Hans), "").is_none());
    }
}
