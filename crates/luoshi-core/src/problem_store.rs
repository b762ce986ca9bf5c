//! The problem list, indicators, combined reports and unit evaluation in
//! the store: inherent methods on [`Store`], every write audited in the
//! same transaction (tables of migration 5). The rules are pure, in
//! [`crate::problems`].

use std::collections::HashMap;

use crate::audit::{INDICATOR_VALUES, INDICATORS, PROBLEMS, REPORT_BATCHES, REPORTS};
use crate::clock::CHINA_OFFSET_MINUTES;
use crate::db::{Arg, Row, Tx, args, bind_list};
use crate::error::{Conflict, Entity, StoreError, ValueError};
use crate::lifecycle::{Action, Status, transition};
use crate::model::{NewReport, ProgressReport, UnitRef};
use crate::problems::{
    EvalPeriod, EvaluationRules, FoundBy, IndicatorProgress, ProblemStatus, RootCause,
    SUGGEST_THRESHOLD, SUGGEST_TOP, Score, UnitFacts, format_number, indicator_progress,
    rank_similar, ranking, score,
};
use crate::store::{
    Store, assigned, load_task, lock_task, report_of, returned_id, set_status, unit_id, unit_ref,
};
use crate::supervise::{Cycle, WarningRules, due_dates};
use crate::value::{
    Date, PersonName, ReportId, TaskId, Text, Timestamp, UnitId, UnitName, Version,
};

/// The longest class name (问题类别), in characters.
pub const CLASS_MAX_CHARS: usize = 64;

/// A problem class as a person names it: one line, at most 64 characters.
pub fn parse_class(input: &str) -> Result<String, ValueError> {
    crate::value::clean("问题类别", input, CLASS_MAX_CHARS, false)
}

/// A problem to file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProblem {
    /// The task it concerns, if any (taken from the report when not given).
    pub task: Option<TaskId>,
    /// The progress report it was raised from, if any.
    pub report: Option<ReportId>,
    /// The unit responsible; by default the report's unit or the task's
    /// lead unit.
    pub unit: Option<UnitName>,
    pub description: Text,
    pub found_by: FoundBy,
    pub root_cause: RootCause,
    /// 问题类别 (see [`parse_class`]).
    pub class: Option<String>,
    /// 整改时限.
    pub deadline: Date,
}

/// An entry of the problem list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemEntry {
    pub id: i64,
    pub version: Version,
    pub task: Option<TaskId>,
    pub report: Option<ReportId>,
    pub unit: UnitRef,
    pub description: Text,
    pub found_by: FoundBy,
    pub root_cause: RootCause,
    /// `None` when the problem belongs to no class.
    pub class: Option<String>,
    pub deadline: Date,
    pub status: ProblemStatus,
    /// 整改措施, as last given.
    pub measures: Option<String>,
    /// 佐证材料, as last given.
    pub evidence: Option<String>,
    pub created_at: Timestamp,
    pub created_by: String,
    pub closed_at: Option<Timestamp>,
    pub closed_by: Option<String>,
}

impl ProblemEntry {
    /// Past its rectification deadline on `day` and not closed.
    pub fn is_overdue(&self, day: Date) -> bool {
        self.status != ProblemStatus::Closed && day > self.deadline
    }
}

/// An existing problem like one being filed.
#[derive(Debug, Clone, PartialEq)]
pub struct SimilarProblem {
    pub problem: ProblemEntry,
    /// 0–1 (Dice coefficient of character bigrams, script-insensitive).
    pub similarity: f64,
}

/// A problem just filed, with the existing ones it resembles.
#[derive(Debug, Clone, PartialEq)]
pub struct FiledProblem {
    pub problem: ProblemEntry,
    pub similar: Vec<SimilarProblem>,
}

/// Which problems to list. All conditions hold together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProblemFilter {
    pub unit: Option<UnitName>,
    pub status: Option<ProblemStatus>,
    pub class: Option<String>,
    pub task: Option<TaskId>,
    /// Only problems whose responsible unit is one of these (a unit
    /// role's [`crate::Accounts::visible_units`]).
    pub visible_units: Option<Vec<UnitId>>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// An indicator to attach to a task.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIndicator {
    pub task: TaskId,
    /// 指标名称 (e.g. 新增高新技术企业数).
    pub name: Text,
    /// 计量单位 (家, 亿元, %).
    pub measure: String,
    pub year: i64,
    pub annual_target: f64,
}

/// One actual value of an indicator: cumulative up to `period_end`.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorValue {
    pub id: i64,
    pub version: Version,
    pub period_end: Date,
    pub value: f64,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

/// An indicator with its values and its progress on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub id: i64,
    pub version: Version,
    pub task: TaskId,
    pub name: Text,
    pub measure: String,
    pub year: i64,
    pub annual_target: f64,
    /// By period, oldest first.
    pub values: Vec<IndicatorValue>,
    /// From the latest value (0 without one).
    pub progress: IndicatorProgress,
}

/// One unit's evaluation in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitEvaluation {
    pub rank: u32,
    pub unit: UnitRef,
    pub facts: UnitFacts,
    pub score: Score,
}

/// The ranking of every unit that leads a task, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub period: EvalPeriod,
    /// Due dates after this day were not counted yet.
    pub counted_until: Date,
    pub units: Vec<UnitEvaluation>,
}

const PROBLEM_SELECT: &str = "SELECT p.id, p.version, p.task_id, p.report_id, p.unit_id,
        u.name AS unit_name, p.description, p.found_by, p.root_cause, p.class, p.deadline,
        p.status, p.measures, p.evidence, p.created_at, p.created_by, p.closed_at, p.closed_by
    FROM problems p JOIN units u ON u.id = p.unit_id";

fn problem_of(r: &Row) -> Result<ProblemEntry, StoreError> {
    let id = r.int("id")?;
    let corrupt = |what: &str| StoreError::corrupt("problems", id, what);
    let class = r.text("class")?;
    Ok(ProblemEntry {
        id,
        version: Version(r.int("version")?),
        task: r.opt_int("task_id")?.map(TaskId),
        report: r.opt_int("report_id")?.map(ReportId),
        unit: unit_ref(Some(r.int("unit_id")?), r.opt_text("unit_name")?)?
            .ok_or_else(|| corrupt("unit_id"))?,
        description: Text::parse(&r.text("description")?).map_err(|_| corrupt("description"))?,
        found_by: FoundBy::parse(&r.text("found_by")?).map_err(|_| corrupt("found_by"))?,
        root_cause: RootCause::parse(&r.text("root_cause")?).map_err(|_| corrupt("root_cause"))?,
        class: (!class.is_empty()).then_some(class),
        deadline: Date::parse(&r.text("deadline")?).map_err(|_| corrupt("deadline"))?,
        status: ProblemStatus::parse(&r.text("status")?).map_err(|_| corrupt("status"))?,
        measures: r.opt_text("measures")?,
        evidence: r.opt_text("evidence")?,
        created_at: Timestamp::from_millis(r.int("created_at")?),
        created_by: r.text("created_by")?,
        closed_at: r.opt_int("closed_at")?.map(Timestamp::from_millis),
        closed_by: r.opt_text("closed_by")?,
    })
}

async fn load_problem(tx: &mut Tx, id: i64) -> Result<ProblemEntry, StoreError> {
    let row = tx
        .fetch_optional(&format!("{PROBLEM_SELECT} WHERE p.id = $1"), args![id])
        .await?
        .ok_or_else(|| StoreError::not_found(Entity::Problem, id))?;
    problem_of(&row)
}

/// The WHERE clause (with its leading space, empty without conditions)
/// and the values of `filter`, without `after` and `limit`.
async fn problem_conditions(
    tx: &mut Tx,
    filter: &ProblemFilter,
) -> Result<(Vec<String>, Vec<Arg>), StoreError> {
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<Arg> = Vec::new();
    if let Some(name) = &filter.unit {
        let unit = unit_id(tx, name).await?;
        values.push(unit.into());
        conditions.push(format!("p.unit_id = ${}", values.len()));
    }
    if let Some(status) = filter.status {
        values.push(status.code().into());
        conditions.push(format!("p.status = ${}", values.len()));
    }
    if let Some(class) = &filter.class {
        values.push(class.as_str().into());
        conditions.push(format!("p.class = ${}", values.len()));
    }
    if let Some(task) = filter.task {
        values.push(task.0.into());
        conditions.push(format!("p.task_id = ${}", values.len()));
    }
    if let Some(units) = &filter.visible_units {
        if units.is_empty() {
            conditions.push("1 = 0".to_owned());
        } else {
            let list = bind_list(&mut values, units.iter().map(|u| u.0));
            conditions.push(format!("p.unit_id IN ({list})"));
        }
    }
    Ok((conditions, values))
}

/// Task ids as an SQL list (integers, never user text).
fn id_list(ids: &[TaskId]) -> String {
    ids.iter()
        .map(|t| t.0.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    }
}

async fn load_problems(
    tx: &mut Tx,
    filter: &ProblemFilter,
) -> Result<Vec<ProblemEntry>, StoreError> {
    let (mut conditions, mut values) = problem_conditions(tx, filter).await?;
    if let Some(after) = filter.after {
        values.push(after.into());
        conditions.push(format!("p.id > ${}", values.len()));
    }
    let mut sql = format!(
        "{PROBLEM_SELECT}{} ORDER BY p.id",
        where_clause(&conditions)
    );
    if let Some(limit) = filter.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    tx.fetch_all(&sql, values)
        .await?
        .iter()
        .map(problem_of)
        .collect()
}

/// A page of the problem list: [`ProblemFilter`] (its `after` and `limit`
/// ignored) narrowed by root cause and how the problem was found, in id
/// order, `offset` problems skipped, at most `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProblemQuery {
    pub filter: ProblemFilter,
    pub root_cause: Option<RootCause>,
    pub found_by: Option<FoundBy>,
    pub offset: u32,
    pub limit: u32,
}

/// The totals of every problem a [`ProblemQuery`] matches (all pages).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProblemCounts {
    pub total: u64,
    /// Not closed.
    pub open: u64,
    /// Not closed and past the rectification deadline.
    pub overdue: u64,
}

/// A problem class with whether any of its problems is still open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemClass {
    pub name: String,
    pub open: bool,
}

fn stale(entity: Entity, id: i64, expected: Version, actual: Version) -> StoreError {
    Conflict::Stale {
        entity,
        id,
        expected: expected.0,
        actual: actual.0,
    }
    .into()
}

fn number_of(text: &str, table: &str, id: i64, what: &str) -> Result<f64, StoreError> {
    crate::problems::parse_number(text).map_err(|_| StoreError::corrupt(table, id, what))
}

fn day_of(ms: i64) -> Date {
    Timestamp::from_millis(ms)
        .date_at_offset(CHINA_OFFSET_MINUTES)
        .unwrap_or(Date::UNIX_EPOCH)
}

/// The first millisecond of `day` in China Standard Time.
fn start_ms(day: Date) -> i64 {
    day.days_since_epoch() * 86_400_000 - CHINA_OFFSET_MINUTES * 60_000
}

impl Store {
    /// Existing problems whose description resembles `text` (in either
    /// script), best first: at most five, each at least 30 % similar.
    /// `visible_units` limits the candidates as [`ProblemFilter`] does.
    pub async fn similar_problems(
        &self,
        text: &str,
        exclude: Option<i64>,
        visible_units: Option<Vec<UnitId>>,
    ) -> Result<Vec<SimilarProblem>, StoreError> {
        let mut tx = self.pool().read().await?;
        let similar = similar_in(&mut tx, text, exclude, visible_units).await?;
        tx.commit().await?;
        Ok(similar)
    }

    /// Files a problem (status open) and suggests the existing problems
    /// it resembles, so the office can give it their class.
    pub async fn add_problem(
        &self,
        actor: &PersonName,
        new: &NewProblem,
    ) -> Result<FiledProblem, StoreError> {
        let mut w = self.writer(actor).await?;
        let mut task = new.task;
        let mut unit: Option<i64> = None;
        if let Some(report) = new.report {
            let row =
                w.tx.fetch_optional(
                    "SELECT task_id, unit_id FROM progress_reports WHERE id = $1",
                    args![report.0],
                )
                .await?
                .ok_or_else(|| StoreError::not_found(Entity::Report, report))?;
            let of_report = TaskId(row.int("task_id")?);
            if task.is_some_and(|t| t != of_report) {
                return Err(ValueError::BadChoice {
                    field: "report",
                    detail: format!("进展反馈 {report} 不属于任务 {}。", of_report),
                }
                .into());
            }
            task = Some(of_report);
            unit = row.opt_int("unit_id")?;
        }
        if let Some(t) = task {
            let loaded = load_task(&mut w.tx, t).await?;
            if unit.is_none() {
                unit = loaded.assignment.as_ref().map(|a| a.lead.id.0);
            }
        }
        if let Some(name) = &new.unit {
            unit = Some(unit_id(&mut w.tx, name).await?);
        }
        let unit = unit.ok_or(ValueError::Empty {
            field: "责任单位"
        })?;
        let row =
            w.tx.fetch_optional(
                "INSERT INTO problems (version, task_id, report_id, unit_id, description, found_by,
                                       root_cause, class, deadline, status, created_at, created_by)
                 VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10) RETURNING id",
                args![
                    task.map(|t| t.0),
                    new.report.map(|r| r.0),
                    unit,
                    new.description.as_str(),
                    new.found_by.code(),
                    new.root_cause.code(),
                    new.class.as_deref().unwrap_or(""),
                    new.deadline.to_string(),
                    w.at().millis(),
                    w.actor(),
                ],
            )
            .await?;
        let id = returned_id(row)?;
        w.record(&PROBLEMS, id, task.map(|t| t.0), "create", None, None)
            .await?;
        let problem = load_problem(&mut w.tx, id).await?;
        let similar = similar_in(&mut w.tx, new.description.as_str(), Some(id), None).await?;
        w.commit().await?;
        Ok(FiledProblem { problem, similar })
    }

    pub async fn problem(&self, id: i64) -> Result<ProblemEntry, StoreError> {
        let mut tx = self.pool().read().await?;
        let p = load_problem(&mut tx, id).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Problems matching every condition of `filter`, in id order.
    pub async fn problems(&self, filter: &ProblemFilter) -> Result<Vec<ProblemEntry>, StoreError> {
        let mut tx = self.pool().read().await?;
        let list = load_problems(&mut tx, filter).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// A page of the problem list and the totals of all its pages, as of
    /// `day` (overdue).
    pub async fn problem_page(
        &self,
        q: &ProblemQuery,
        day: Date,
    ) -> Result<(Vec<ProblemEntry>, ProblemCounts), StoreError> {
        let mut tx = self.pool().read().await?;
        let (mut conditions, mut values) = problem_conditions(&mut tx, &q.filter).await?;
        if let Some(c) = q.root_cause {
            values.push(c.code().into());
            conditions.push(format!("p.root_cause = ${}", values.len()));
        }
        if let Some(f) = q.found_by {
            values.push(f.code().into());
            conditions.push(format!("p.found_by = ${}", values.len()));
        }
        let clause = where_clause(&conditions);
        let rows = tx
            .fetch_all(
                &format!(
                    "{PROBLEM_SELECT}{clause} ORDER BY p.id LIMIT {} OFFSET {}",
                    q.limit, q.offset
                ),
                values.clone(),
            )
            .await?;
        let list = rows.iter().map(problem_of).collect::<Result<Vec<_>, _>>()?;
        values.push(day.to_string().into());
        let counts = tx
            .fetch_optional(
                &format!(
                    "SELECT COUNT(*) AS total,
                        COALESCE(SUM(CASE WHEN p.status <> 'closed' THEN 1 ELSE 0 END), 0) AS open,
                        COALESCE(SUM(CASE WHEN p.status <> 'closed' AND p.deadline < ${} THEN 1 ELSE 0 END), 0) AS overdue
                     FROM problems p{clause}",
                    values.len()
                ),
                values,
            )
            .await?;
        tx.commit().await?;
        let n = |r: &Row, c: &str| r.int(c).map(|v| u64::try_from(v).unwrap_or(0));
        let counts = match counts {
            Some(r) => ProblemCounts {
                total: n(&r, "total")?,
                open: n(&r, "open")?,
                overdue: n(&r, "overdue")?,
            },
            None => ProblemCounts::default(),
        };
        Ok((list, counts))
    }

    /// The problem classes among the problems of `visible_units` (`None`:
    /// all), in name order.
    pub async fn problem_classes(
        &self,
        visible_units: Option<Vec<UnitId>>,
    ) -> Result<Vec<ProblemClass>, StoreError> {
        let mut tx = self.pool().read().await?;
        let (mut conditions, values) = problem_conditions(
            &mut tx,
            &ProblemFilter {
                visible_units,
                ..ProblemFilter::default()
            },
        )
        .await?;
        conditions.push("p.class <> ''".to_owned());
        let rows = tx
            .fetch_all(
                &format!(
                    "SELECT p.class,
                        SUM(CASE WHEN p.status <> 'closed' THEN 1 ELSE 0 END) AS open
                     FROM problems p{} GROUP BY p.class ORDER BY p.class",
                    where_clause(&conditions)
                ),
                values,
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(ProblemClass {
                    name: r.text("class")?,
                    open: r.int("open")? > 0,
                })
            })
            .collect()
    }

    /// The problems of the given tasks, of `visible_units` (`None`: all),
    /// in id order: what a status report of a few tasks needs, without
    /// reading the whole list.
    pub async fn problems_of_tasks(
        &self,
        tasks: &[TaskId],
        visible_units: Option<Vec<UnitId>>,
    ) -> Result<Vec<ProblemEntry>, StoreError> {
        if tasks.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool().read().await?;
        let (mut conditions, values) = problem_conditions(
            &mut tx,
            &ProblemFilter {
                visible_units,
                ..ProblemFilter::default()
            },
        )
        .await?;
        conditions.push(format!("p.task_id IN ({})", id_list(tasks)));
        let rows = tx
            .fetch_all(
                &format!(
                    "{PROBLEM_SELECT}{} ORDER BY p.id",
                    where_clause(&conditions)
                ),
                values,
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(problem_of).collect()
    }

    /// Records rectification measures (整改措施), and evidence when given:
    /// open or rectifying → rectifying. A closed problem is refused.
    pub async fn rectify_problem(
        &self,
        actor: &PersonName,
        id: i64,
        expected: Version,
        measures: &Text,
        evidence: Option<&Text>,
    ) -> Result<ProblemEntry, StoreError> {
        self.change_problem(actor, id, expected, "rectify", |_| {
            (
                ProblemStatus::Rectifying,
                Some(measures.as_str().to_owned()),
                evidence.map(|e| e.as_str().to_owned()),
            )
        })
        .await
    }

    /// Closes a problem (销号) with evidence of its rectification.
    pub async fn close_problem(
        &self,
        actor: &PersonName,
        id: i64,
        expected: Version,
        evidence: &Text,
    ) -> Result<ProblemEntry, StoreError> {
        self.change_problem(actor, id, expected, "close", |p| {
            (
                ProblemStatus::Closed,
                p.measures.clone(),
                Some(evidence.as_str().to_owned()),
            )
        })
        .await
    }

    /// Gives a problem a class (问题类别), or takes it away (`None`).
    pub async fn set_problem_class(
        &self,
        actor: &PersonName,
        id: i64,
        expected: Version,
        class: Option<&str>,
    ) -> Result<ProblemEntry, StoreError> {
        let mut w = self.writer(actor).await?;
        let p = load_problem(&mut w.tx, id).await?;
        if p.version != expected {
            return Err(stale(Entity::Problem, id, expected, p.version));
        }
        if p.status == ProblemStatus::Closed {
            return Err(ValueError::ProblemClosed { problem: id }.into());
        }
        let before = w.snapshot(&PROBLEMS, id).await?;
        w.tx.execute(
            "UPDATE problems SET class = $1, version = version + 1 WHERE id = $2",
            args![class.unwrap_or(""), id],
        )
        .await?;
        w.record(&PROBLEMS, id, p.task.map(|t| t.0), "classify", None, before)
            .await?;
        let p = load_problem(&mut w.tx, id).await?;
        w.commit().await?;
        Ok(p)
    }

    /// Closes every problem of a class that is not closed yet, with the
    /// same evidence, in one transaction: one fix closes the class.
    pub async fn close_problem_class(
        &self,
        actor: &PersonName,
        class: &str,
        evidence: &Text,
    ) -> Result<Vec<ProblemEntry>, StoreError> {
        let mut w = self.writer(actor).await?;
        let open = load_problems(
            &mut w.tx,
            &ProblemFilter {
                class: Some(class.to_owned()),
                ..ProblemFilter::default()
            },
        )
        .await?;
        let mut out = Vec::new();
        for p in open.iter().filter(|p| p.status != ProblemStatus::Closed) {
            let before = w.snapshot(&PROBLEMS, p.id).await?;
            w.tx.execute(
                "UPDATE problems SET status = 'closed', evidence = $1, closed_at = $2, closed_by = $3,
                        version = version + 1 WHERE id = $4",
                args![evidence.as_str(), w.at().millis(), w.actor(), p.id],
            )
            .await?;
            w.record(
                &PROBLEMS,
                p.id,
                p.task.map(|t| t.0),
                "close",
                Some(&format!("按问题类别“{class}”整体销号")),
                before,
            )
            .await?;
            out.push(load_problem(&mut w.tx, p.id).await?);
        }
        w.commit().await?;
        Ok(out)
    }

    async fn change_problem(
        &self,
        actor: &PersonName,
        id: i64,
        expected: Version,
        action: &str,
        to: impl FnOnce(&ProblemEntry) -> (ProblemStatus, Option<String>, Option<String>),
    ) -> Result<ProblemEntry, StoreError> {
        let mut w = self.writer(actor).await?;
        let p = load_problem(&mut w.tx, id).await?;
        if p.version != expected {
            return Err(stale(Entity::Problem, id, expected, p.version));
        }
        if p.status == ProblemStatus::Closed {
            return Err(ValueError::ProblemClosed { problem: id }.into());
        }
        let (status, measures, evidence) = to(&p);
        let evidence = evidence.or_else(|| p.evidence.clone());
        let closed = status == ProblemStatus::Closed;
        let before = w.snapshot(&PROBLEMS, id).await?;
        w.tx.execute(
            "UPDATE problems SET status = $1, measures = $2, evidence = $3, closed_at = $4,
                    closed_by = $5, version = version + 1 WHERE id = $6",
            args![
                status.code(),
                measures,
                evidence,
                closed.then(|| w.at().millis()),
                closed.then(|| w.actor().to_owned()),
                id
            ],
        )
        .await?;
        w.record(&PROBLEMS, id, p.task.map(|t| t.0), action, None, before)
            .await?;
        let p = load_problem(&mut w.tx, id).await?;
        w.commit().await?;
        Ok(p)
    }

    // ----- indicators --------------------------------------------------------

    /// Attaches an indicator with its annual target to a task.
    pub async fn add_indicator(
        &self,
        actor: &PersonName,
        new: &NewIndicator,
    ) -> Result<Indicator, StoreError> {
        if !(1900..=9999).contains(&new.year) {
            return Err(ValueError::BadNumber {
                input: new.year.to_string(),
            }
            .into());
        }
        let measure = crate::value::clean("计量单位", &new.measure, 16, false)?;
        let mut w = self.writer(actor).await?;
        load_task(&mut w.tx, new.task).await?;
        let row = w
            .tx
            .fetch_optional(
                "INSERT INTO indicators (version, task_id, name, measure, year, annual_target, created_at, created_by)
                 VALUES (1, $1, $2, $3, $4, $5, $6, $7) RETURNING id",
                args![
                    new.task.0,
                    new.name.as_str(),
                    measure,
                    new.year,
                    format_number(new.annual_target),
                    w.at().millis(),
                    w.actor()
                ],
            )
            .await?;
        let id = returned_id(row)?;
        w.record(&INDICATORS, id, Some(new.task.0), "create", None, None)
            .await?;
        w.commit().await?;
        self.indicator(id).await
    }

    /// Records an indicator's actual value up to `period_end`; recording
    /// the same period again is a new version of that value (audited).
    pub async fn record_indicator(
        &self,
        actor: &PersonName,
        id: i64,
        period_end: Date,
        value: f64,
    ) -> Result<Indicator, StoreError> {
        let mut w = self.writer(actor).await?;
        let ind =
            w.tx.fetch_optional("SELECT task_id FROM indicators WHERE id = $1", args![id])
                .await?
                .ok_or_else(|| StoreError::not_found(Entity::Indicator, id))?;
        let task = ind.int("task_id")?;
        let existing =
            w.tx.fetch_optional(
                "SELECT id FROM indicator_values WHERE indicator_id = $1 AND period_end = $2",
                args![id, period_end.to_string()],
            )
            .await?;
        let text = format_number(value);
        match existing {
            Some(r) => {
                let vid = r.int("id")?;
                let before = w.snapshot(&INDICATOR_VALUES, vid).await?;
                w.tx.execute(
                    "UPDATE indicator_values SET value = $1, recorded_at = $2, recorded_by = $3,
                            version = version + 1 WHERE id = $4",
                    args![text, w.at().millis(), w.actor(), vid],
                )
                .await?;
                w.record(&INDICATOR_VALUES, vid, Some(task), "record", None, before)
                    .await?;
            }
            None => {
                let row =
                    w.tx.fetch_optional(
                        "INSERT INTO indicator_values (version, indicator_id, period_end, value, recorded_at, recorded_by)
                         VALUES (1, $1, $2, $3, $4, $5) RETURNING id",
                        args![id, period_end.to_string(), text, w.at().millis(), w.actor()],
                    )
                    .await?;
                let vid = returned_id(row)?;
                w.record(&INDICATOR_VALUES, vid, Some(task), "record", None, None)
                    .await?;
            }
        }
        w.commit().await?;
        self.indicator(id).await
    }

    pub async fn indicator(&self, id: i64) -> Result<Indicator, StoreError> {
        let mut list = self.load_indicators(Some(id), None, None, None).await?;
        list.pop()
            .ok_or_else(|| StoreError::not_found(Entity::Indicator, id))
    }

    /// Indicators of a task (or all), with their values and progress on
    /// the store's today; `visible_units` keeps those of tasks the reader
    /// may see.
    pub async fn indicators(
        &self,
        task: Option<TaskId>,
        visible_units: Option<Vec<UnitId>>,
    ) -> Result<Vec<Indicator>, StoreError> {
        self.load_indicators(None, task, None, visible_units).await
    }

    /// The indicators of the given tasks, as [`Store::indicators`].
    pub async fn indicators_of_tasks(
        &self,
        tasks: &[TaskId],
        visible_units: Option<Vec<UnitId>>,
    ) -> Result<Vec<Indicator>, StoreError> {
        if tasks.is_empty() {
            return Ok(Vec::new());
        }
        self.load_indicators(None, None, Some(tasks), visible_units)
            .await
    }

    async fn load_indicators(
        &self,
        id: Option<i64>,
        task: Option<TaskId>,
        tasks: Option<&[TaskId]>,
        visible_units: Option<Vec<UnitId>>,
    ) -> Result<Vec<Indicator>, StoreError> {
        let day = self.clock().today();
        let mut conditions = Vec::new();
        let mut values: Vec<Arg> = Vec::new();
        if let Some(id) = id {
            values.push(id.into());
            conditions.push(format!("i.id = ${}", values.len()));
        }
        if let Some(task) = task {
            values.push(task.0.into());
            conditions.push(format!("i.task_id = ${}", values.len()));
        }
        if let Some(tasks) = tasks {
            conditions.push(format!("i.task_id IN ({})", id_list(tasks)));
        }
        if let Some(units) = &visible_units {
            conditions.push(crate::store::visibility(units, &mut values));
        }
        let mut sql =
            "SELECT i.id, i.version, i.task_id, i.name, i.measure, i.year, i.annual_target
                       FROM indicators i JOIN tasks t ON t.id = i.task_id"
                .to_owned();
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(" ORDER BY i.id");
        let mut tx = self.pool().read().await?;
        let rows = tx.fetch_all(&sql, values).await?;
        // The values of every indicator listed, a few hundred ids a query
        // (not one query per indicator).
        let ids: Vec<i64> = rows.iter().map(|r| r.int("id")).collect::<Result<_, _>>()?;
        let mut by_indicator: HashMap<i64, Vec<IndicatorValue>> = HashMap::new();
        for chunk in ids.chunks(500) {
            let mut values = Vec::new();
            let list = bind_list(&mut values, chunk.iter().copied());
            let vals = tx
                .fetch_all(
                    &format!(
                        "SELECT id, version, indicator_id, period_end, value, recorded_at, recorded_by
                         FROM indicator_values WHERE indicator_id IN ({list})
                         ORDER BY indicator_id, period_end"
                    ),
                    values,
                )
                .await?;
            for v in &vals {
                let vid = v.int("id")?;
                by_indicator
                    .entry(v.int("indicator_id")?)
                    .or_default()
                    .push(IndicatorValue {
                        id: vid,
                        version: Version(v.int("version")?),
                        period_end: Date::parse(&v.text("period_end")?).map_err(|_| {
                            StoreError::corrupt("indicator_values", vid, "period_end")
                        })?,
                        value: number_of(&v.text("value")?, "indicator_values", vid, "value")?,
                        recorded_at: Timestamp::from_millis(v.int("recorded_at")?),
                        recorded_by: v.text("recorded_by")?,
                    });
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id = r.int("id")?;
            let corrupt = |what: &str| StoreError::corrupt("indicators", id, what);
            let vals = by_indicator.remove(&id).unwrap_or_default();
            let year = r.int("year")?;
            let target = number_of(&r.text("annual_target")?, "indicators", id, "annual_target")?;
            let latest = vals
                .iter()
                .rev()
                .find(|v| v.period_end <= day)
                .or(vals.last())
                .map_or(0.0, |v| v.value);
            out.push(Indicator {
                id,
                version: Version(r.int("version")?),
                task: TaskId(r.int("task_id")?),
                name: Text::parse(&r.text("name")?).map_err(|_| corrupt("name"))?,
                measure: r.text("measure")?,
                year,
                annual_target: target,
                progress: indicator_progress(year, target, latest, day),
                values: vals,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    // ----- report once (减负) -------------------------------------------------

    /// Files the same progress report for several tasks of `unit` in one
    /// transaction (one report covering several tasks): a report per task,
    /// each audited, and one `report_batches` row tying them together so
    /// the burden count sees one report. The unit must be the lead or a
    /// co-unit of every task; any refusal stores nothing.
    pub async fn add_shared_report(
        &self,
        actor: &PersonName,
        unit: &UnitName,
        tasks: &[TaskId],
        report: &NewReport,
    ) -> Result<Vec<ProgressReport>, StoreError> {
        let mut ids: Vec<TaskId> = Vec::new();
        for t in tasks {
            if !ids.contains(t) {
                ids.push(*t);
            }
        }
        if ids.len() < 2 {
            return Err(ValueError::BatchTooSmall.into());
        }
        let mut w = self.writer(actor).await?;
        let unit_id = unit_id(&mut w.tx, unit).await?;
        let mut report_ids = Vec::with_capacity(ids.len());
        for task in &ids {
            let (current, before) = lock_task(&mut w, *task, None).await?;
            let to = transition(current.status, Action::Report)?;
            let a = assigned(&current)?;
            if a.lead.id.0 != unit_id && !a.co_units.iter().any(|c| c.id.0 == unit_id) {
                return Err(ValueError::NotAUnitOfTask {
                    unit: unit.to_string(),
                }
                .into());
            }
            let row = w
                .tx
                .fetch_optional(
                    "INSERT INTO progress_reports (version, task_id, unit_id, kind, period, done, next_steps, percent,
                                                   problems, evidence, review_state, reported_by, created_at)
                     VALUES (1, $1, $2, 'progress', $3, $4, $5, $6, $7, $8, 'submitted', $9, $10) RETURNING id",
                    args![
                        task.0,
                        unit_id,
                        report.period.as_str(),
                        report.done.as_str(),
                        report.next_steps.as_ref().map(Text::as_str),
                        i64::from(report.percent.value()),
                        report.problems.as_ref().map(Text::as_str),
                        report.evidence.as_ref().map(Text::as_str),
                        w.actor(),
                        w.at().millis(),
                    ],
                )
                .await?;
            let rid = returned_id(row)?;
            w.record(
                &REPORTS,
                rid,
                Some(task.0),
                "create",
                Some("合并反馈"),
                None,
            )
            .await?;
            if to != current.status {
                set_status(&mut w, &current, to, Action::Report, None, before).await?;
            }
            report_ids.push(rid);
        }
        let list = report_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let row =
            w.tx.fetch_optional(
                "INSERT INTO report_batches (version, unit_id, report_ids, created_at, created_by)
                 VALUES (1, $1, $2, $3, $4) RETURNING id",
                args![unit_id, list.as_str(), w.at().millis(), w.actor()],
            )
            .await?;
        let bid = returned_id(row)?;
        w.record(&REPORT_BATCHES, bid, None, "create", None, None)
            .await?;
        let sql = format!(
            "{} WHERE r.id IN ({list}) ORDER BY r.id",
            crate::store::REPORT_SELECT
        );
        let rows = w.tx.fetch_all(&sql, vec![]).await?;
        let out = rows.iter().map(report_of).collect::<Result<Vec<_>, _>>()?;
        w.commit().await?;
        Ok(out)
    }

    // ----- evaluation (考核) --------------------------------------------------

    /// Scores every unit that leads an assigned task for `period`, as of
    /// the store's today (due dates after today are not counted yet), and
    /// ranks them. Reports due come from each task's cycle (or the
    /// warning rules' default cycle, from the day the task was created),
    /// and a due date is met when the lead unit filed a report in its
    /// window `(previous due, due]`. Cards count by the tier they were
    /// raised with, an escalated card included.
    pub async fn evaluate(
        &self,
        period: EvalPeriod,
        rules: &EvaluationRules,
        warning: &WarningRules,
    ) -> Result<Evaluation, StoreError> {
        rules.validate()?;
        warning.validate()?;
        let default_cycle = warning.default_cycle()?;
        let today = self.clock().today();
        let until = period.to.min(today);
        let (from_ms, end_ms) = (
            start_ms(period.from),
            start_ms(period.to.add_days(1).unwrap_or(period.to)),
        );
        let mut tx = self.pool().read().await?;
        let units: Vec<UnitRef> = tx
            .fetch_all("SELECT id, name FROM units ORDER BY id", vec![])
            .await?
            .iter()
            .map(|r| unit_ref(Some(r.int("id")?), r.opt_text("name")?))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect();
        let tasks = tx
            .fetch_all(
                "SELECT id, lead_unit_id, deadline, status, created_at FROM tasks
                 WHERE lead_unit_id IS NOT NULL AND deadline IS NOT NULL AND status <> 'draft'",
                vec![],
            )
            .await?;
        let cycles: HashMap<i64, (Cycle, Date)> = tx
            .fetch_all(
                "SELECT task_id, kind, dates, starts_on FROM report_cycles",
                vec![],
            )
            .await?
            .iter()
            .filter_map(|r| {
                let cycle =
                    Cycle::from_stored(&r.text("kind").ok()?, &r.text("dates").ok()?).ok()?;
                let start = Date::parse(&r.text("starts_on").ok()?).ok()?;
                Some((r.int("task_id").ok()?, (cycle, start)))
            })
            .collect();
        let mut reports: HashMap<(i64, i64), Vec<Date>> = HashMap::new();
        let mut returned: HashMap<i64, u64> = HashMap::new();
        let mut filed: HashMap<i64, u64> = HashMap::new();
        for r in tx
            .fetch_all(
                "SELECT task_id, unit_id, created_at, review_state, kind FROM progress_reports
                 WHERE created_at < $1",
                args![end_ms],
            )
            .await?
        {
            let Some(unit) = r.opt_int("unit_id")? else {
                continue;
            };
            let at = r.int("created_at")?;
            reports
                .entry((r.int("task_id")?, unit))
                .or_default()
                .push(day_of(at));
            if at >= from_ms {
                if r.text("review_state")? == "returned" {
                    *returned.entry(unit).or_default() += 1;
                }
                if r.text("kind")? == "progress" {
                    *filed.entry(unit).or_default() += 1;
                }
            }
        }
        for b in tx
            .fetch_all(
                "SELECT unit_id, report_ids FROM report_batches WHERE created_at >= $1 AND created_at < $2",
                args![from_ms, end_ms],
            )
            .await?
        {
            let size = b.text("report_ids")?.split(',').count() as u64;
            let f = filed.entry(b.int("unit_id")?).or_default();
            *f = f.saturating_sub(size.saturating_sub(1));
        }
        let closed: HashMap<i64, Date> = tx
            .fetch_all(
                "SELECT entity_id, MIN(at) AS at FROM audit_events
                 WHERE entity_table = 'tasks' AND action = 'close' GROUP BY entity_id",
                vec![],
            )
            .await?
            .iter()
            .map(|r| Ok((r.int("entity_id")?, day_of(r.int("at")?))))
            .collect::<Result<_, StoreError>>()?;
        let mut cards: HashMap<i64, Vec<(String, u64)>> = HashMap::new();
        for r in tx
            .fetch_all(
                "SELECT unit_id, tier, COUNT(*) AS n FROM cards
                 WHERE unit_id IS NOT NULL AND raised_on >= $1 AND raised_on <= $2
                 GROUP BY unit_id, tier ORDER BY unit_id, tier",
                args![period.from.to_string(), period.to.to_string()],
            )
            .await?
        {
            cards
                .entry(r.int("unit_id")?)
                .or_default()
                .push((r.text("tier")?, u64::try_from(r.int("n")?).unwrap_or(0)));
        }
        tx.commit().await?;

        let mut facts: HashMap<i64, UnitFacts> = HashMap::new();
        for t in &tasks {
            let id = t.int("id")?;
            let lead = t.int("lead_unit_id")?;
            let status = t.text("status")?;
            let Some(deadline) = t.opt_text("deadline")?.and_then(|d| Date::parse(&d).ok()) else {
                continue;
            };
            let f = facts.entry(lead).or_default();
            let closed_on = closed
                .get(&id)
                .copied()
                .filter(|_| status == Status::Closed.code());
            // Completion: deadlines in the period, counted once passed.
            if deadline >= period.from
                && deadline <= period.to
                && (deadline < today || closed_on.is_some())
            {
                f.tasks_due += 1;
                if closed_on.is_some_and(|d| d <= deadline) {
                    f.tasks_on_time += 1;
                }
            }
            if status == "suspended" {
                continue;
            }
            let (cycle, start) = match cycles.get(&id) {
                Some((c, s)) => (c.clone(), *s),
                None => match &default_cycle {
                    Some(c) => (c.clone(), day_of(t.int("created_at")?)),
                    None => continue,
                },
            };
            let stop = closed_on.map_or(until, |d| d.min(until));
            let dates = due_dates(&cycle, start, stop, &warning.due);
            let filed_days = reports.get(&(id, lead)).map(Vec::as_slice).unwrap_or(&[]);
            let mut previous = start.add_days(-1).unwrap_or(start);
            for d in dates {
                if d >= period.from && d <= stop {
                    f.reports_due += 1;
                    if filed_days.iter().any(|r| *r > previous && *r <= d) {
                        f.reports_on_time += 1;
                    }
                }
                previous = d;
            }
        }
        let mut list: Vec<(UnitRef, UnitFacts)> = Vec::new();
        for u in units {
            let id = u.id.0;
            let c = cards.remove(&id).unwrap_or_default();
            if !facts.contains_key(&id) && c.is_empty() {
                continue;
            }
            let mut f = facts.remove(&id).unwrap_or_default();
            f.cards = c;
            f.returned_reports = returned.get(&id).copied().unwrap_or(0);
            f.reports_filed = filed.get(&id).copied().unwrap_or(0);
            list.push((u, f));
        }
        let scores: Vec<Score> = list.iter().map(|(_, f)| score(f, rules)).collect();
        let order = ranking(&scores.iter().map(|s| s.score).collect::<Vec<_>>());
        let mut units = Vec::with_capacity(order.len());
        for (i, rank) in order {
            let (unit, facts) = list[i].clone();
            units.push(UnitEvaluation {
                rank,
                unit,
                facts,
                score: scores[i].clone(),
            });
        }
        Ok(Evaluation {
            period,
            counted_until: until,
            units,
        })
    }
}

/// The problems (of `visible_units`, `None`: all) whose description is
/// most like `text`, `exclude` left out: every description is compared
/// (id and text only), then the few suggested are loaded whole.
async fn similar_in(
    tx: &mut Tx,
    text: &str,
    exclude: Option<i64>,
    visible_units: Option<Vec<UnitId>>,
) -> Result<Vec<SimilarProblem>, StoreError> {
    let (conditions, values) = problem_conditions(
        tx,
        &ProblemFilter {
            visible_units,
            ..ProblemFilter::default()
        },
    )
    .await?;
    let mut candidates: Vec<(i64, String)> = tx
        .fetch_map(
            &format!(
                "SELECT p.id, p.description FROM problems p{} ORDER BY p.id",
                where_clause(&conditions)
            ),
            values,
            |r| Ok((r.int("id")?, r.text("description")?)),
        )
        .await?;
    candidates.retain(|(id, _)| Some(*id) != exclude);
    let ranked = rank_similar(text, &candidates, SUGGEST_THRESHOLD, SUGGEST_TOP);
    if ranked.is_empty() {
        return Ok(Vec::new());
    }
    let list = ranked
        .iter()
        .map(|(id, _)| id.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut loaded: HashMap<i64, ProblemEntry> = tx
        .fetch_all(&format!("{PROBLEM_SELECT} WHERE p.id IN ({list})"), vec![])
        .await?
        .iter()
        .map(|r| problem_of(r).map(|p| (p.id, p)))
        .collect::<Result<_, _>>()?;
    Ok(ranked
        .into_iter()
        .filter_map(|(id, similarity)| {
            loaded.remove(&id).map(|problem| SimilarProblem {
                problem,
                similarity,
            })
        })
        .collect())
}
