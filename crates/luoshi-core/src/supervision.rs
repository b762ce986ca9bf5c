//! Supervision in the store: reporting cycles, the reports due and missed
//! on a day, warning cards raised by [`crate::supervise`]'s rules, and the
//! data of the implementation status report.
//!
//! `assess` is set-based so a daily pass over a whole province stays
//! fast: four reads (open tasks, cycles, each task's latest report, each
//! task's latest card), the rules in Rust, then one multi-row INSERT of the
//! new cards, one UPDATE of the superseded ones and their audit events in
//! bulk, all in one write transaction.

use std::collections::{HashMap, HashSet};

use crate::audit::{CARDS, CYCLES, Writer, select_sql, snapshot_of};
use crate::clock::CHINA_OFFSET_MINUTES;
use crate::db::{Arg, Row, Tx, Val, args, bind_list};
use crate::error::{Conflict, Entity, StoreError, ValueError};
use crate::lifecycle::{OVERDUE_STATUSES, Status};
use crate::model::NewAssignment;
use crate::model::{Meeting, ProgressReport, Task, TaskFilter, UnitRef};
use crate::store::{
    Store, assign_in, load_document, load_task, load_tasks, returned_id, unit_ref, visibility,
};
use crate::supervise::{Cycle, Reason, TaskFacts, WarningRules, cycle_state, judge};
use crate::value::{
    CardId, CycleId, Date, DocumentId, PersonName, TaskId, Text, Timestamp, UnitId, UnitName,
    Version,
};

/// The actor of the cards the rules raise, in the audit trail.
pub const SUPERVISION_ACTOR: &str = "督办规则";

/// A task's reporting cycle as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCycle {
    pub id: CycleId,
    pub version: Version,
    pub task: TaskId,
    pub cycle: Cycle,
    /// The day reporting starts.
    pub starts_on: Date,
}

/// Which reports due or missed to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueFilter {
    /// The day asked about.
    pub day: Date,
    /// Also list reports falling due within this many days after `day`.
    pub within_days: u32,
    /// Tasks this unit leads or co-operates on.
    pub unit: Option<UnitName>,
    pub document: Option<DocumentId>,
    /// What the reader may see, as [`TaskFilter::visible_units`].
    pub visible_units: Option<Vec<UnitId>>,
    /// Keyset paging by task id.
    pub after: Option<TaskId>,
    pub limit: Option<u32>,
}

impl DueFilter {
    /// Everything due within a week of `day`, or missed.
    pub fn on(day: Date) -> DueFilter {
        DueFilter {
            day,
            within_days: 7,
            unit: None,
            document: None,
            visible_units: None,
            after: None,
            limit: None,
        }
    }
}

/// A task with a report due soon or missed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReport {
    pub task: TaskId,
    pub title: Text,
    pub lead: UnitRef,
    pub cycle: Cycle,
    /// The next due date no report satisfies yet.
    pub next_due: Option<Date>,
    /// Due dates missed in a row before the day.
    pub missed: Vec<Date>,
    /// The day of the latest report.
    pub last_report: Option<Date>,
}

/// A warning card (预警: 黄牌, 红牌, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub id: CardId,
    pub version: Version,
    pub task: TaskId,
    pub task_title: Text,
    /// The task's lead unit when the card was raised.
    pub unit: Option<UnitRef>,
    pub tier: String,
    pub tier_label: String,
    /// The tier's position in the rules when raised (0 = least severe).
    pub tier_rank: i64,
    pub reasons: Vec<Reason>,
    pub raised_on: Date,
    pub raised_at: Timestamp,
    pub cleared_at: Option<Timestamp>,
    pub cleared_by: Option<PersonName>,
    pub clear_reason: Option<String>,
    /// The more severe card that replaced this one.
    pub superseded_by: Option<CardId>,
}

impl Card {
    /// Neither cleared nor superseded.
    pub fn is_open(&self) -> bool {
        self.cleared_at.is_none() && self.superseded_by.is_none()
    }
}

/// Which cards to list. All conditions hold together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardFilter {
    pub task: Option<TaskId>,
    /// Cards raised on this unit (the task's lead unit at the time).
    pub unit: Option<UnitName>,
    pub document: Option<DocumentId>,
    /// Only open cards (neither cleared nor superseded).
    pub open: bool,
    /// Only cards raised on or after / on or before these days.
    pub raised_from: Option<Date>,
    pub raised_to: Option<Date>,
    /// What the reader may see, by the card's task.
    pub visible_units: Option<Vec<UnitId>>,
    pub after: Option<CardId>,
    pub limit: Option<u32>,
}

/// The cards a filter matches, without their text ([`Store::card_outline`]):
/// enough for a page's totals, its per-unit counts and which cards are on
/// which page, so a page loads only the cards it shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardOutline {
    /// Every matching card, the most severe first, then the newest.
    pub severe_first: Vec<CardId>,
    /// The newest [`CardOutline::NEWEST`] of them, newest first.
    pub newest: Vec<CardId>,
    /// The cards by the unit they were raised on and tier: `(unit, tier,
    /// count)`, units by id, cards without a unit left out.
    pub by_unit: Vec<(UnitRef, String, u64)>,
}

impl CardOutline {
    /// How many of the newest cards an outline keeps.
    pub const NEWEST: usize = 50;
}

/// A card [`Store::assess`] raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    pub card: CardId,
    pub task: TaskId,
    pub unit: Option<UnitId>,
    pub tier: String,
    pub tier_label: String,
    pub reasons: Vec<Reason>,
    /// The open card it supersedes (an escalation).
    pub supersedes: Option<CardId>,
}

/// What one pass of the rules did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub day: Date,
    /// Tasks judged (assigned or in progress).
    pub judged: usize,
    pub raised: Vec<Raised>,
}

/// One task in the status report, with its latest report in the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskLine {
    pub task: Task,
    pub latest: Option<ProgressReport>,
    pub overdue: bool,
}

/// A theme (一、二、…) and its tasks; `theme` is `None` for tasks that
/// belong to no theme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeSection {
    pub theme: Option<Task>,
    pub tasks: Vec<TaskLine>,
}

/// The overview numbers of the status report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusTotals {
    /// Tasks (themes not counted).
    pub tasks: u64,
    /// Tasks assigned (交办) so far, whatever their status now.
    pub assigned: u64,
    /// In progress or awaiting acceptance of completion.
    pub in_progress: u64,
    pub closed: u64,
    pub overdue: u64,
}

impl StatusTotals {
    /// Closed tasks per hundred tasks, one decimal (0 without tasks).
    pub fn completion_rate(&self) -> f64 {
        if self.tasks == 0 {
            return 0.0;
        }
        (self.closed as f64 * 1000.0 / self.tasks as f64).round() / 10.0
    }
}

/// Everything the implementation status report (贯彻落实情况汇报) of one
/// document shows, as of a day.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusData {
    pub document: DocumentId,
    /// The document's file name, when it had one.
    pub document_name: Option<String>,
    pub meeting: Meeting,
    pub day: Date,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub totals: StatusTotals,
    pub themes: Vec<ThemeSection>,
    /// Overdue tasks by lead unit, units in name order.
    pub overdue_by_unit: Vec<(UnitRef, Vec<TaskLine>)>,
    /// Cards raised on the document's tasks in the range.
    pub cards: Vec<Card>,
}

fn day_of(ms: i64) -> Date {
    Timestamp::from_millis(ms)
        .date_at_offset(CHINA_OFFSET_MINUTES)
        .unwrap_or(Date::UNIX_EPOCH)
}

fn parse_day(text: &str, table: &str, id: i64, what: &str) -> Result<Date, StoreError> {
    Date::parse(text).map_err(|_| StoreError::corrupt(table, id, what))
}

/// Ids the store itself read, written into the SQL as integer literals
/// (never text from outside): SQLite looks bound parameters up by name
/// one by one, which is quadratic over the hundreds an id list needs.
fn int_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The cycles of the given tasks, by task id.
async fn cycles_of(tx: &mut Tx, ids: &[i64]) -> Result<HashMap<i64, (Cycle, Date)>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT id, task_id, kind, dates, starts_on FROM report_cycles WHERE task_id IN ({})",
        int_list(ids)
    );
    let rows = tx.fetch_all(&sql, vec![]).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let id = r.int("id")?;
        let cycle = Cycle::from_stored(&r.text("kind")?, &r.text("dates")?)
            .map_err(|_| StoreError::corrupt("report_cycles", id, "kind"))?;
        let start = parse_day(&r.text("starts_on")?, "report_cycles", id, "starts_on")?;
        out.insert(r.int("task_id")?, (cycle, start));
    }
    Ok(out)
}

/// Each of the given tasks' latest report: the day it was filed and its
/// percent. Only the latest matters to the rules (see
/// [`crate::supervise`]); a returned report still shows the unit reported.
async fn latest_report_days(
    tx: &mut Tx,
    ids: &[i64],
) -> Result<HashMap<i64, (Date, u8)>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT r.task_id, r.created_at, r.percent FROM progress_reports r
         WHERE r.id IN (SELECT MAX(id) FROM progress_reports WHERE task_id IN ({})
                        GROUP BY task_id)",
        int_list(ids)
    );
    let rows = tx.fetch_all(&sql, vec![]).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let percent = u8::try_from(r.int("percent")?.clamp(0, 100)).unwrap_or(0);
        out.insert(r.int("task_id")?, (day_of(r.int("created_at")?), percent));
    }
    Ok(out)
}

fn card_of(r: &Row) -> Result<Card, StoreError> {
    let id = r.int("id")?;
    let corrupt = |what: &str| StoreError::corrupt("cards", id, what);
    let reasons: Vec<Reason> =
        serde_json::from_str(&r.text("reasons")?).map_err(|_| corrupt("reasons"))?;
    Ok(Card {
        id: CardId(id),
        version: Version(r.int("version")?),
        task: TaskId(r.int("task_id")?),
        task_title: Text::parse(&r.text("task_title")?).map_err(|_| corrupt("task_title"))?,
        unit: unit_ref(r.opt_int("unit_id")?, r.opt_text("unit_name")?)?,
        tier: r.text("tier")?,
        tier_label: r.text("tier_label")?,
        tier_rank: r.int("tier_rank")?,
        reasons,
        raised_on: parse_day(&r.text("raised_on")?, "cards", id, "raised_on")?,
        raised_at: Timestamp::from_millis(r.int("raised_at")?),
        cleared_at: r.opt_int("cleared_at")?.map(Timestamp::from_millis),
        cleared_by: r
            .opt_text("cleared_by")?
            .map(|p| PersonName::parse(&p).map_err(|_| corrupt("cleared_by")))
            .transpose()?,
        clear_reason: r.opt_text("clear_reason")?,
        superseded_by: r.opt_int("superseded_by")?.map(CardId),
    })
}

const CARD_SELECT: &str = "SELECT c.id, c.version, c.task_id, c.unit_id, u.name AS unit_name,
        t.title AS task_title, c.tier, c.tier_label, c.tier_rank, c.reasons, c.raised_on,
        c.raised_at, c.cleared_at, c.cleared_by, c.clear_reason, c.superseded_by
    FROM cards c JOIN tasks t ON t.id = c.task_id LEFT JOIN units u ON u.id = c.unit_id";

/// The values of a row, as arguments (for building its next snapshot).
fn args_of(row: &Row) -> Vec<Arg> {
    row.columns()
        .map(|(_, v)| match v {
            Val::Int(i) => Arg::Int(Some(*i)),
            Val::Text(t) => Arg::Text(Some(t.clone())),
            Val::Null | Val::Real(_) | Val::Blob(_) => Arg::Int(None),
        })
        .collect()
}

fn column_names(spec: &crate::audit::TableSpec) -> std::sync::Arc<[String]> {
    spec.columns.iter().map(|c| (*c).to_owned()).collect()
}

fn column(spec: &crate::audit::TableSpec, name: &str) -> usize {
    spec.columns.iter().position(|c| *c == name).unwrap_or(0)
}

impl Store {
    /// The reporting cycle of a task, if one was set.
    pub async fn cycle(&self, task: TaskId) -> Result<Option<ReportCycle>, StoreError> {
        let mut tx = self.pool().read().await?;
        let row = tx
            .fetch_optional(
                "SELECT id, version, task_id, kind, dates, starts_on FROM report_cycles WHERE task_id = $1",
                args![task.0],
            )
            .await?;
        tx.commit().await?;
        row.map(|r| cycle_row(&r)).transpose()
    }

    /// Sets a task's reporting cycle (versioned, audited). `expected` is
    /// the version of the cycle the caller read, `None` when it has none
    /// yet; reporting starts on `starts_on`, by default the day the task
    /// was first assigned (or today when the trail does not say). The task
    /// must be assigned.
    pub async fn set_cycle(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Option<Version>,
        cycle: &Cycle,
        starts_on: Option<Date>,
    ) -> Result<ReportCycle, StoreError> {
        let mut w = self.writer(actor).await?;
        let set = self
            .set_cycle_in(&mut w, task, expected, cycle, starts_on)
            .await?;
        w.commit().await?;
        Ok(set)
    }

    /// Assigns a task (as [`crate::Ledger::assign`]) and, when `cycle` is
    /// given, sets its reporting cycle (as [`Store::set_cycle`], over
    /// whatever cycle it has) in one transaction: both or neither. For
    /// assigning many tasks at once, one call per task, so that a stale
    /// task fails alone.
    pub async fn assign_with_cycle(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
        assignment: &NewAssignment,
        cycle: Option<&Cycle>,
    ) -> Result<Task, StoreError> {
        let mut w = self.writer(actor).await?;
        assign_in(&mut w, task, expected, assignment).await?;
        if let Some(cycle) = cycle {
            let current =
                w.tx.fetch_optional(
                    "SELECT version FROM report_cycles WHERE task_id = $1",
                    args![task.0],
                )
                .await?
                .map(|r| r.int("version"))
                .transpose()?
                .map(Version);
            self.set_cycle_in(&mut w, task, current, cycle, None)
                .await?;
        }
        w.commit().await?;
        crate::Ledger::task(self, task).await
    }

    /// The writes of [`Store::set_cycle`] inside a write transaction that
    /// the caller commits.
    async fn set_cycle_in(
        &self,
        w: &mut Writer,
        task: TaskId,
        expected: Option<Version>,
        cycle: &Cycle,
        starts_on: Option<Date>,
    ) -> Result<ReportCycle, StoreError> {
        let current = load_task(&mut w.tx, task).await?;
        if current.assignment.is_none() {
            return Err(ValueError::TaskNotAssigned { task: task.0 }.into());
        }
        let existing =
            w.tx.fetch_optional(
                "SELECT id, version, task_id, kind, dates, starts_on FROM report_cycles WHERE task_id = $1",
                args![task.0],
            )
            .await?
            .map(|r| cycle_row(&r))
            .transpose()?;
        let actual = existing.as_ref().map(|c| c.version);
        if actual != expected {
            return Err(Conflict::Stale {
                entity: Entity::Cycle,
                id: existing.as_ref().map_or(0, |c| c.id.0),
                expected: expected.map_or(0, |v| v.0),
                actual: actual.map_or(0, |v| v.0),
            }
            .into());
        }
        let starts_on = match (starts_on, &existing) {
            (Some(d), _) => d,
            (None, Some(c)) => c.starts_on,
            (None, None) => {
                let first = w
                    .tx
                    .fetch_optional(
                        "SELECT MIN(at) AS at FROM audit_events
                         WHERE task_id = $1 AND entity_table = 'tasks' AND action IN ('assign', 'import', 'seed')",
                        args![task.0],
                    )
                    .await?
                    .map(|r| r.opt_int("at"))
                    .transpose()?
                    .flatten();
                first.map_or_else(|| self.clock().today(), day_of)
            }
        };
        let id = match existing {
            Some(c) => {
                let before = w.snapshot(&CYCLES, c.id.0).await?;
                w.tx.execute(
                    "UPDATE report_cycles SET kind = $1, dates = $2, starts_on = $3, version = version + 1
                     WHERE id = $4",
                    args![cycle.code(), cycle.dates_text(), starts_on.to_string(), c.id.0],
                )
                .await?;
                w.record(&CYCLES, c.id.0, Some(task.0), "set_cycle", None, before)
                    .await?;
                c.id.0
            }
            None => {
                let row =
                    w.tx.fetch_optional(
                        "INSERT INTO report_cycles (version, task_id, kind, dates, starts_on)
                         VALUES (1, $1, $2, $3, $4) RETURNING id",
                        args![
                            task.0,
                            cycle.code(),
                            cycle.dates_text(),
                            starts_on.to_string()
                        ],
                    )
                    .await?;
                let id = returned_id(row)?;
                w.record(&CYCLES, id, Some(task.0), "set_cycle", None, None)
                    .await?;
                id
            }
        };
        Ok(ReportCycle {
            id: CycleId(id),
            version: Version(expected.map_or(1, |v| v.0 + 1)),
            task,
            cycle: cycle.clone(),
            starts_on,
        })
    }

    /// Tasks being worked on whose report is due within
    /// `filter.within_days` of `filter.day` or was missed, in task id order
    /// (keyset paged). Tasks without a cycle of their own follow the
    /// rules' default cycle.
    pub async fn reports_due(
        &self,
        filter: &DueFilter,
        rules: &WarningRules,
    ) -> Result<Vec<DueReport>, StoreError> {
        rules.validate()?;
        let default_cycle = rules.default_cycle()?;
        let horizon = filter
            .day
            .add_days(i64::from(filter.within_days))
            .unwrap_or(filter.day);
        let limit = filter.limit.map_or(usize::MAX, |l| l as usize);
        let mut out = Vec::new();
        let mut after = filter.after;
        let mut tx = self.pool().read().await?;
        // Walk the matching open tasks a chunk at a time until the page is
        // full: which ones are due is only known after the rules ran.
        loop {
            let chunk = load_tasks(
                &mut tx,
                &TaskFilter {
                    unit: filter.unit.clone(),
                    status: None,
                    overdue_on: None,
                    document: filter.document,
                    after,
                    limit: Some(2_000),
                    visible_units: filter.visible_units.clone(),
                    ..TaskFilter::default()
                },
            )
            .await?;
            let Some(last) = chunk.last() else { break };
            after = Some(last.id);
            let full = chunk.len() == 2_000;
            let open: Vec<&Task> = chunk
                .iter()
                .filter(|t| matches!(t.status, Status::Assigned | Status::InProgress))
                .filter(|t| t.assignment.is_some())
                .collect();
            let ids: Vec<i64> = open.iter().map(|t| t.id.0).collect();
            let cycles = cycles_of(&mut tx, &ids).await?;
            let latest = latest_report_days(&mut tx, &ids).await?;
            for t in open {
                let Some(a) = &t.assignment else { continue };
                let (cycle, start) = match cycles.get(&t.id.0) {
                    Some((c, s)) => (c.clone(), *s),
                    None => match &default_cycle {
                        Some(c) => (c.clone(), day_of(t.created_at.millis())),
                        None => continue,
                    },
                };
                let last_report = latest.get(&t.id.0).map(|(d, _)| *d);
                let reports: Vec<Date> = last_report.into_iter().collect();
                let state = cycle_state(&cycle, start, &reports, filter.day, &rules.due);
                let due_soon = state.next_due.is_some_and(|d| d <= horizon);
                if state.missed.is_empty() && !due_soon {
                    continue;
                }
                out.push(DueReport {
                    task: t.id,
                    title: t.title.clone(),
                    lead: a.lead.clone(),
                    cycle,
                    next_due: state.next_due,
                    missed: state.missed,
                    last_report,
                });
                if out.len() >= limit {
                    break;
                }
            }
            if out.len() >= limit || !full {
                break;
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Every task `filter` matches (its `after` and `limit` are ignored)
    /// whose report is due within `filter.within_days` or was missed, in
    /// task id order, with the head of the audit chain read in the same
    /// transaction (what the list is as of). The same list as
    /// [`Store::reports_due`] without a limit, read with one lean query
    /// (the tasks being worked on, their cycle and the day of their latest
    /// report) instead of whole tasks chunk by chunk: what a page needs to
    /// show totals and page through the list.
    pub async fn reports_due_all(
        &self,
        filter: &DueFilter,
        rules: &WarningRules,
    ) -> Result<(i64, Vec<DueReport>), StoreError> {
        rules.validate()?;
        let default_cycle = rules.default_cycle()?;
        let horizon = filter
            .day
            .add_days(i64::from(filter.within_days))
            .unwrap_or(filter.day);
        let mut tx = self.pool().read().await?;
        let head = audit_head(&mut tx).await?;
        let mut values: Vec<Arg> = Vec::new();
        let mut conditions = vec![format!(
            "t.status IN ('{}', '{}') AND t.lead_unit_id IS NOT NULL",
            OVERDUE_STATUSES[0], OVERDUE_STATUSES[1]
        )];
        if let Some(name) = &filter.unit {
            let unit = crate::store::unit_id(&mut tx, name).await?;
            values.push(unit.into());
            let n = values.len();
            conditions.push(format!(
                "t.id IN (SELECT id FROM tasks WHERE lead_unit_id = ${n}
                          UNION SELECT task_id FROM task_co_units WHERE unit_id = ${n} AND state = 'active')"
            ));
        }
        if let Some(doc) = filter.document {
            values.push(doc.0.into());
            conditions.push(format!("t.document_id = ${}", values.len()));
        }
        if let Some(units) = &filter.visible_units {
            conditions.push(visibility(units, &mut values));
        }
        let sql = format!(
            "SELECT t.id, t.title, t.created_at, t.lead_unit_id, u.name AS lead_name,
                rc.id AS cycle_id, rc.kind AS cycle_kind, rc.dates AS cycle_dates,
                rc.starts_on AS cycle_start, r.created_at AS report_at
             FROM (SELECT t.id, t.title, t.created_at, t.lead_unit_id,
                          (SELECT MAX(id) FROM progress_reports WHERE task_id = t.id) AS report_id
                   FROM tasks t WHERE {}) t
             JOIN units u ON u.id = t.lead_unit_id
             LEFT JOIN report_cycles rc ON rc.task_id = t.id
             LEFT JOIN progress_reports r ON r.id = t.report_id
             ORDER BY t.id",
            conditions.join(" AND ")
        );
        let rows = tx.fetch_all(&sql, values).await?;
        tx.commit().await?;
        let mut out = Vec::new();
        for r in &rows {
            let id = r.int("id")?;
            let (cycle, start) = match r.opt_text("cycle_kind")? {
                Some(kind) => {
                    let cid = r.int("cycle_id")?;
                    let cycle = Cycle::from_stored(&kind, &r.text("cycle_dates")?)
                        .map_err(|_| StoreError::corrupt("report_cycles", cid, "kind"))?;
                    let start =
                        parse_day(&r.text("cycle_start")?, "report_cycles", cid, "starts_on")?;
                    (cycle, start)
                }
                None => match &default_cycle {
                    Some(c) => (c.clone(), day_of(r.int("created_at")?)),
                    None => continue,
                },
            };
            let last_report = r.opt_int("report_at")?.map(day_of);
            let reports: Vec<Date> = last_report.into_iter().collect();
            let state = cycle_state(&cycle, start, &reports, filter.day, &rules.due);
            let due_soon = state.next_due.is_some_and(|d| d <= horizon);
            if state.missed.is_empty() && !due_soon {
                continue;
            }
            let lead = unit_ref(r.opt_int("lead_unit_id")?, r.opt_text("lead_name")?)?
                .ok_or_else(|| StoreError::corrupt("tasks", id, "lead_unit_id"))?;
            out.push(DueReport {
                task: TaskId(id),
                title: Text::parse(&r.text("title")?)
                    .map_err(|_| StoreError::corrupt("tasks", id, "title"))?,
                lead,
                cycle,
                next_due: state.next_due,
                missed: state.missed,
                last_report,
            });
        }
        Ok((head, out))
    }

    /// How many cards `filter` matches (its `after` and `limit` are
    /// ignored).
    pub async fn count_cards(&self, filter: &CardFilter) -> Result<u64, StoreError> {
        let mut tx = self.pool().read().await?;
        let (conditions, values) = card_conditions(&mut tx, filter).await?;
        let sql = format!("SELECT COUNT(*) AS n FROM cards c{conditions}");
        let n = tx
            .fetch_optional(&sql, values)
            .await?
            .map(|r| r.int("n"))
            .transpose()?
            .unwrap_or(0);
        tx.commit().await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The outline of the cards `filter` matches (its `after` and `limit`
    /// are ignored): their ids, the most severe first (highest tier rank)
    /// then the newest, and their counts by unit and tier, from one walk
    /// of the partial index `cards_open_rank` for open cards (no card row,
    /// no task read). Load the cards of one page with
    /// [`Store::cards_by_ids`].
    pub async fn card_outline(&self, filter: &CardFilter) -> Result<CardOutline, StoreError> {
        let mut tx = self.pool().read().await?;
        let (conditions, values) = card_conditions(&mut tx, filter).await?;
        let rows = tx
            .fetch_all(
                &format!(
                    "SELECT c.id, c.unit_id, c.tier FROM cards c{conditions}
                     ORDER BY c.tier_rank DESC, c.id DESC"
                ),
                values,
            )
            .await?;
        let mut severe_first = Vec::with_capacity(rows.len());
        let mut counts: std::collections::BTreeMap<(i64, String), u64> = Default::default();
        for r in &rows {
            severe_first.push(CardId(r.int("id")?));
            if let Some(unit) = r.opt_int("unit_id")? {
                *counts.entry((unit, r.text("tier")?)).or_default() += 1;
            }
        }
        let mut names: HashMap<i64, String> = HashMap::new();
        let mut units: Vec<i64> = counts.keys().map(|(u, _)| *u).collect();
        units.dedup();
        for chunk in units.chunks(500) {
            let mut values = Vec::new();
            let list = bind_list(&mut values, chunk.iter().copied());
            let rows = tx
                .fetch_all(
                    &format!("SELECT id, name FROM units WHERE id IN ({list})"),
                    values,
                )
                .await?;
            for r in &rows {
                names.insert(r.int("id")?, r.text("name")?);
            }
        }
        tx.commit().await?;
        let mut newest = severe_first.clone();
        newest.sort_unstable_by_key(|c| std::cmp::Reverse(c.0));
        newest.truncate(CardOutline::NEWEST);
        let mut by_unit = Vec::with_capacity(counts.len());
        for ((unit, tier), n) in counts {
            if let Some(u) = unit_ref(Some(unit), names.get(&unit).cloned())? {
                by_unit.push((u, tier, n));
            }
        }
        Ok(CardOutline {
            severe_first,
            newest,
            by_unit,
        })
    }

    /// The cards of `ids`, in that order (ids of no card are left out).
    pub async fn cards_by_ids(&self, ids: &[CardId]) -> Result<Vec<Card>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool().read().await?;
        let mut found: HashMap<i64, Card> = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(100) {
            let mut values = Vec::new();
            let list = bind_list(&mut values, chunk.iter().map(|c| c.0));
            let rows = tx
                .fetch_all(&format!("{CARD_SELECT} WHERE c.id IN ({list})"), values)
                .await?;
            for r in &rows {
                let card = card_of(r)?;
                found.insert(card.id.0, card);
            }
        }
        tx.commit().await?;
        Ok(ids.iter().filter_map(|id| found.remove(&id.0)).collect())
    }

    /// How many notifications of `units` (`None`: all) there are, only the
    /// unread ones with `unread`.
    pub async fn count_notifications(
        &self,
        units: Option<&[UnitId]>,
        unread: bool,
    ) -> Result<u64, StoreError> {
        let mut sql = "SELECT COUNT(*) AS n FROM notifications n WHERE 1 = 1".to_owned();
        let mut values: Vec<Arg> = Vec::new();
        if let Some(units) = units {
            if units.is_empty() {
                return Ok(0);
            }
            let list = bind_list(&mut values, units.iter().map(|u| u.0));
            sql.push_str(&format!(" AND n.unit_id IN ({list})"));
        }
        if unread {
            sql.push_str(" AND n.read_at IS NULL");
        }
        let mut tx = self.pool().read().await?;
        let n = tx
            .fetch_optional(&sql, values)
            .await?
            .map(|r| r.int("n"))
            .transpose()?
            .unwrap_or(0);
        tx.commit().await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The overview numbers of the status report (tasks of kind task;
    /// themes not counted) on `day`, for each of `documents` (in id
    /// order; a document without tasks is left out), or with `None` for
    /// the whole ledger as one line (`None` as its document). One grouped
    /// statement over the tasks, no task decoded.
    pub async fn status_totals(
        &self,
        documents: Option<&[DocumentId]>,
        day: Date,
    ) -> Result<Vec<(Option<DocumentId>, StatusTotals)>, StoreError> {
        let (scope, group) = match documents {
            Some([]) => return Ok(Vec::new()),
            Some(ids) => (
                format!(
                    " AND t.document_id IN ({})",
                    ids.iter()
                        .map(|d| d.0.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                " GROUP BY t.document_id ORDER BY t.document_id",
            ),
            None => (String::new(), ""),
        };
        let doc = if documents.is_some() {
            "t.document_id"
        } else {
            "CAST(NULL AS BIGINT)"
        };
        let sql = format!(
            "SELECT {doc} AS doc, COUNT(*) AS tasks,
                COALESCE(SUM(CASE WHEN t.status <> 'draft' THEN 1 ELSE 0 END), 0) AS assigned,
                COALESCE(SUM(CASE WHEN t.status IN ('in_progress', 'completion_requested') THEN 1 ELSE 0 END), 0) AS in_progress,
                COALESCE(SUM(CASE WHEN t.status = 'closed' THEN 1 ELSE 0 END), 0) AS closed,
                COALESCE(SUM(CASE WHEN t.status IN ('{}', '{}') AND t.deadline < $1 THEN 1 ELSE 0 END), 0) AS overdue
             FROM tasks t WHERE t.kind = 'task'{scope}{group}",
            OVERDUE_STATUSES[0], OVERDUE_STATUSES[1]
        );
        let mut tx = self.pool().read().await?;
        let rows = tx.fetch_all(&sql, args![day.to_string()]).await?;
        tx.commit().await?;
        let n = |r: &Row, c: &str| r.int(c).map(|v| u64::try_from(v).unwrap_or(0));
        rows.iter()
            .map(|r| {
                Ok((
                    r.opt_int("doc")?.map(DocumentId),
                    StatusTotals {
                        tasks: n(r, "tasks")?,
                        assigned: n(r, "assigned")?,
                        in_progress: n(r, "in_progress")?,
                        closed: n(r, "closed")?,
                        overdue: n(r, "overdue")?,
                    },
                ))
            })
            .collect()
    }

    /// Runs the warning rules over every task being worked on, as of
    /// `day`, and raises the cards they deserve.
    ///
    /// Idempotent: a task whose latest card is open and of the same or a
    /// higher tier gets nothing new, so a second pass on the same day
    /// raises nothing. A task that deserves a higher tier than its open
    /// card escalates: a new card is raised and the old one is marked
    /// superseded (never deleted). After a card was cleared, a new one is
    /// raised only for a higher tier or a reason the cleared card did not
    /// name. Runs as [`Store::supervise_day`] without reminders.
    pub async fn assess(&self, day: Date, rules: &WarningRules) -> Result<Assessment, StoreError> {
        let pass = self.supervise_day(day, rules, Some(()), None).await?;
        Ok(pass.assessment.unwrap_or(Assessment {
            day,
            judged: 0,
            raised: Vec::new(),
        }))
    }

    /// The id of the newest audit event (0 on an empty trail). Every write
    /// to the ledger appends one, so an unchanged head means an unchanged
    /// ledger: the scheduler skips a pass it has already made on the same
    /// day at the same head.
    pub async fn audit_head(&self) -> Result<i64, StoreError> {
        let mut tx = self.pool().read().await?;
        let head = audit_head(&mut tx).await?;
        tx.commit().await?;
        Ok(head)
    }

    /// The scheduler's daily pass in one read of the tasks being worked
    /// on: the warning rules (`assess: Some(())`, see [`Store::assess`])
    /// and the reminders of `reminders` (see [`Store::record_reminders`])
    /// from the same rows.
    ///
    /// The tasks are read in chunks of [`PASS_CHUNK`] by id, each in a
    /// read transaction (on SQLite the inline reader pool, no write lock);
    /// a chunk that calls for no card and no reminder writes nothing, so a
    /// steady day is reads only. A chunk that does write takes the write
    /// lock for that chunk alone (other writers run between chunks, and
    /// memory is bounded by the chunk, not the ledger). Every input of the
    /// rules — tasks, cycles, reports, cards, return dates — is an audited
    /// table, so the head of the audit chain tells whether anything changed
    /// between the read and the write: when it moved, the chunk is read and
    /// judged again inside the write transaction before anything is written.
    pub async fn supervise_day(
        &self,
        day: Date,
        rules: &WarningRules,
        assess: Option<()>,
        reminders: Option<ReminderPass<'_>>,
    ) -> Result<DayPass, StoreError> {
        rules.validate()?;
        let default_cycle = rules.default_cycle()?;
        let channels = reminders.map(|r| crate::remind::with_inapp(r.channels));
        let days_before = reminders.map_or(0, |r| r.days_before);
        let mut pass = DayPass {
            assessment: assess.map(|()| Assessment {
                day,
                judged: 0,
                raised: Vec::new(),
            }),
            reminders: channels.as_ref().map(|c| crate::remind::Recorded {
                tasks: 0,
                by_channel: c.iter().map(|c| (*c, 0)).collect(),
                notifications: 0,
            }),
        };
        let emails = match &channels {
            Some(c) if c.contains(&crate::remind::Channel::Email) => {
                let mut tx = self.pool().read().await?;
                let e = crate::remind::unit_emails(&mut tx).await?;
                tx.commit().await?;
                Some(e)
            }
            _ => None,
        };
        let ctx = PassContext {
            day,
            rules,
            default_cycle: default_cycle.as_ref(),
            assess: assess.is_some(),
            channels: channels.as_deref(),
            days_before,
            emails: emails.as_ref(),
            now: self.clock().now().millis(),
        };
        let mut after = 0i64;
        loop {
            let mut tx = self.pool().read().await?;
            no_jit(&mut tx).await?;
            let (mut rows, head) =
                worked_tasks(&mut tx, after, ctx.assess.then_some(rules)).await?;
            let mut plan = ctx.plan(&mut tx, &rows).await?;
            tx.commit().await?;
            if !plan.is_empty() {
                let actor = PersonName::trusted(SUPERVISION_ACTOR);
                let mut w = self.writer(&actor).await?;
                if w.head_id() != head {
                    // Someone wrote in between: judge this chunk again on
                    // what the write transaction sees.
                    no_jit(&mut w.tx).await?;
                    rows = worked_tasks(&mut w.tx, after, ctx.assess.then_some(rules))
                        .await?
                        .0;
                    plan = ctx.plan(&mut w.tx, &rows).await?;
                }
                let next_id =
                    w.tx.fetch_optional("SELECT COALESCE(MAX(id), 0) AS n FROM cards", vec![])
                        .await?
                        .map(|r| r.int("n"))
                        .transpose()?
                        .unwrap_or(0)
                        + 1;
                plan.write(&mut w, &ctx, next_id).await?;
                w.commit().await?;
            }
            plan.add_to(&mut pass);
            let Some(last) = rows.last().map(|r| r.id) else {
                break;
            };
            if (rows.len() as i64) < PASS_CHUNK {
                break;
            }
            after = last;
        }
        // Both engines plan the next pass's per-task card lookups, and the
        // 督办 pages, from the table's statistics; after a bulk of new cards
        // they are stale (an empty table is scanned instead of searched by
        // index; SQLite walks the wrong partial index) until autovacuum or
        // the next start comes by, so refresh them now.
        let raised = pass.assessment.as_ref().map_or(0, |a| a.raised.len());
        if raised >= 1_000 {
            if self.engine() == crate::db::Engine::Postgres {
                let mut tx = self.pool().write().await?;
                tx.execute("ANALYZE cards", vec![]).await?;
                tx.commit().await?;
            } else {
                self.refresh_statistics().await?;
            }
        }
        Ok(pass)
    }

    /// Clears an open card (解除预警) with a reason. A stale version is a
    /// [`Conflict::Stale`]; a cleared or superseded card is refused.
    pub async fn clear_card(
        &self,
        actor: &PersonName,
        id: CardId,
        expected: Version,
        reason: &Text,
    ) -> Result<Card, StoreError> {
        let mut w = self.writer(actor).await?;
        let card = card_of(
            &w.tx
                .fetch_optional(&format!("{CARD_SELECT} WHERE c.id = $1"), args![id.0])
                .await?
                .ok_or_else(|| StoreError::not_found(Entity::Card, id))?,
        )?;
        if card.version != expected {
            return Err(Conflict::Stale {
                entity: Entity::Card,
                id: id.0,
                expected: expected.0,
                actual: card.version.0,
            }
            .into());
        }
        if let Some(at) = card.cleared_at {
            return Err(ValueError::CardCleared {
                card: id.0,
                at: at.to_string(),
            }
            .into());
        }
        if let Some(by) = card.superseded_by {
            return Err(ValueError::CardSuperseded {
                card: id.0,
                by: by.0,
            }
            .into());
        }
        let before = w.snapshot(&CARDS, id.0).await?;
        w.tx.execute(
            "UPDATE cards SET cleared_at = $1, cleared_by = $2, clear_reason = $3, version = version + 1
             WHERE id = $4",
            args![w.at().millis(), w.actor(), reason.as_str(), id.0],
        )
        .await?;
        w.record(
            &CARDS,
            id.0,
            Some(card.task.0),
            "clear",
            Some(reason.as_str()),
            before,
        )
        .await?;
        w.commit().await?;
        self.card(id).await
    }

    pub async fn card(&self, id: CardId) -> Result<Card, StoreError> {
        let mut tx = self.pool().read().await?;
        let row = tx
            .fetch_optional(&format!("{CARD_SELECT} WHERE c.id = $1"), args![id.0])
            .await?
            .ok_or_else(|| StoreError::not_found(Entity::Card, id))?;
        tx.commit().await?;
        card_of(&row)
    }

    /// Cards matching every condition of `filter`, in id order.
    pub async fn cards(&self, filter: &CardFilter) -> Result<Vec<Card>, StoreError> {
        let mut tx = self.pool().read().await?;
        let cards = load_cards(&mut tx, filter).await?;
        tx.commit().await?;
        Ok(cards)
    }

    /// The data of the implementation status report of a document on
    /// `day`: its tasks' current status, each task's latest report filed
    /// in the range (`from`..=`to`, by the day it was filed), overdue
    /// tasks by lead unit, and the cards raised in the range.
    pub async fn status_data(
        &self,
        document: DocumentId,
        from: Option<Date>,
        to: Option<Date>,
        day: Date,
    ) -> Result<StatusData, StoreError> {
        let mut tx = self.pool().read().await?;
        let doc = load_document(&mut tx, document).await?;
        let meeting_row = tx
            .fetch_optional(
                "SELECT id FROM meetings WHERE document_id = $1",
                args![document.0],
            )
            .await?
            .ok_or_else(|| StoreError::not_found(Entity::Meeting, document))?;
        let meeting =
            crate::store::load_meeting(&mut tx, crate::value::MeetingId(meeting_row.int("id")?))
                .await?;
        let tasks = load_tasks(
            &mut tx,
            &TaskFilter {
                document: Some(document),
                ..TaskFilter::default()
            },
        )
        .await?;
        // The latest report of each task within the range.
        let mut values: Vec<Arg> = vec![Arg::from(document.0)];
        let mut range = String::new();
        let to_ms = |d: Date, end: bool| -> i64 {
            (d.days_since_epoch() + i64::from(end)) * 86_400_000 - CHINA_OFFSET_MINUTES * 60_000
        };
        if let Some(f) = from {
            values.push(Arg::from(to_ms(f, false)));
            range.push_str(&format!(" AND created_at >= ${}", values.len()));
        }
        if let Some(t) = to {
            values.push(Arg::from(to_ms(t, true)));
            range.push_str(&format!(" AND created_at < ${}", values.len()));
        }
        let rows = tx
            .fetch_all(
                &format!(
                    "{} WHERE r.id IN (SELECT MAX(id) FROM progress_reports
                        WHERE task_id IN (SELECT id FROM tasks WHERE document_id = $1){range}
                        GROUP BY task_id)",
                    crate::store::REPORT_SELECT
                ),
                values,
            )
            .await?;
        let mut latest: HashMap<TaskId, ProgressReport> = HashMap::new();
        for r in &rows {
            let report = crate::store::report_of(r)?;
            latest.insert(report.task, report);
        }
        let cards = load_cards(
            &mut tx,
            &CardFilter {
                document: Some(document),
                raised_from: from,
                raised_to: to,
                ..CardFilter::default()
            },
        )
        .await?;
        tx.commit().await?;

        let parents: HashSet<TaskId> = tasks.iter().filter_map(|t| t.parent).collect();
        let mut totals = StatusTotals::default();
        let mut themes: Vec<ThemeSection> = Vec::new();
        let mut loose = ThemeSection {
            theme: None,
            tasks: Vec::new(),
        };
        let mut overdue: Vec<(UnitRef, Vec<TaskLine>)> = Vec::new();
        for t in &tasks {
            let is_theme = t.kind == crate::model::TaskKind::Theme || parents.contains(&t.id);
            if is_theme && t.parent.is_none() {
                themes.push(ThemeSection {
                    theme: Some(t.clone()),
                    tasks: Vec::new(),
                });
                continue;
            }
            let line = TaskLine {
                task: t.clone(),
                latest: latest.get(&t.id).cloned(),
                overdue: t.is_overdue(day),
            };
            totals.tasks += 1;
            if t.status != Status::Draft {
                totals.assigned += 1;
            }
            match t.status {
                Status::InProgress | Status::CompletionRequested => totals.in_progress += 1,
                Status::Closed => totals.closed += 1,
                _ => {}
            }
            if line.overdue {
                totals.overdue += 1;
                if let Some(a) = &t.assignment {
                    match overdue.iter_mut().find(|(u, _)| u.id == a.lead.id) {
                        Some((_, list)) => list.push(line.clone()),
                        None => overdue.push((a.lead.clone(), vec![line.clone()])),
                    }
                }
            }
            match t.parent.and_then(|p| {
                themes
                    .iter_mut()
                    .find(|s| s.theme.as_ref().is_some_and(|th| th.id == p))
            }) {
                Some(section) => section.tasks.push(line),
                None => loose.tasks.push(line),
            }
        }
        // Tasks outside every theme take the place of the first of them
        // in the document.
        if let Some(first) = loose.tasks.first().map(|l| l.task.ordinal) {
            let at = themes
                .iter()
                .position(|s| s.theme.as_ref().is_some_and(|t| t.ordinal > first))
                .unwrap_or(themes.len());
            themes.insert(at, loose);
        }
        overdue.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        Ok(StatusData {
            document,
            document_name: doc.name,
            meeting,
            day,
            from,
            to,
            totals,
            themes,
            overdue_by_unit: overdue,
            cards,
        })
    }
}

fn cycle_row(r: &Row) -> Result<ReportCycle, StoreError> {
    let id = r.int("id")?;
    Ok(ReportCycle {
        id: CycleId(id),
        version: Version(r.int("version")?),
        task: TaskId(r.int("task_id")?),
        cycle: Cycle::from_stored(&r.text("kind")?, &r.text("dates")?)
            .map_err(|_| StoreError::corrupt("report_cycles", id, "kind"))?,
        starts_on: parse_day(&r.text("starts_on")?, "report_cycles", id, "starts_on")?,
    })
}

/// The WHERE clause (with its leading space, empty when there is no
/// condition) and the values of `filter`, without `after` and `limit`.
async fn card_conditions(
    tx: &mut Tx,
    filter: &CardFilter,
) -> Result<(String, Vec<Arg>), StoreError> {
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<Arg> = Vec::new();
    if let Some(task) = filter.task {
        values.push(task.0.into());
        conditions.push(format!("c.task_id = ${}", values.len()));
    }
    if let Some(name) = &filter.unit {
        let unit = crate::store::unit_id(tx, name).await?;
        values.push(unit.into());
        conditions.push(format!("c.unit_id = ${}", values.len()));
    }
    if let Some(doc) = filter.document {
        values.push(doc.0.into());
        conditions.push(format!(
            "c.task_id IN (SELECT id FROM tasks WHERE document_id = ${})",
            values.len()
        ));
    }
    if filter.open {
        conditions.push("c.cleared_at IS NULL AND c.superseded_by IS NULL".to_owned());
    }
    if let Some(d) = filter.raised_from {
        values.push(d.to_string().into());
        conditions.push(format!("c.raised_on >= ${}", values.len()));
    }
    if let Some(d) = filter.raised_to {
        values.push(d.to_string().into());
        conditions.push(format!("c.raised_on <= ${}", values.len()));
    }
    if let Some(units) = &filter.visible_units {
        conditions.push(crate::store::readers_of(
            "c.task_id",
            units,
            &mut values,
            "",
        ));
    }
    let clause = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    Ok((clause, values))
}

pub(crate) async fn load_cards(tx: &mut Tx, filter: &CardFilter) -> Result<Vec<Card>, StoreError> {
    let (mut clause, mut values) = card_conditions(tx, filter).await?;
    if let Some(after) = filter.after {
        values.push(after.0.into());
        let sep = if clause.is_empty() { " WHERE" } else { " AND" };
        clause.push_str(&format!("{sep} c.id > ${}", values.len()));
    }
    let mut sql = format!("{CARD_SELECT}{clause} ORDER BY c.id");
    if let Some(limit) = filter.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    tx.fetch_all(&sql, values)
        .await?
        .iter()
        .map(card_of)
        .collect()
}

// ----- the daily pass ----------------------------------------------------------

/// Tasks read, judged and written per chunk of [`Store::supervise_day`]:
/// bounds the pass's memory and how long it holds the write lock.
pub const PASS_CHUNK: i64 = 5_000;

/// The reminders a daily pass records (see [`Store::record_reminders`]).
#[derive(Debug, Clone, Copy)]
pub struct ReminderPass<'a> {
    /// Days ahead of a due date the first reminder goes out.
    pub days_before: u32,
    /// The channels configured (the in-app one is always added).
    pub channels: &'a [crate::remind::Channel],
}

/// What a daily pass did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayPass {
    /// The warning rules' pass, when asked for.
    pub assessment: Option<Assessment>,
    /// The reminders recorded, when asked for.
    pub reminders: Option<crate::remind::Recorded>,
}

/// The latest card of a task, as the pass reads it.
struct LatestCard {
    id: i64,
    /// Its tier's rank in the rules of this pass.
    rank: i64,
    open: bool,
    /// The reasons of a cleared card.
    reasons: Option<String>,
}

/// Everything the daily pass needs of one task being worked on.
struct Worked {
    id: i64,
    status: Status,
    lead: Option<i64>,
    deadline: Option<Date>,
    created: Date,
    /// Its own cycle and the day it starts.
    cycle: Option<(Cycle, Date)>,
    /// The latest report: the day it was filed and its percent.
    report: Option<(Date, u8)>,
    card: Option<LatestCard>,
    /// The new date of an outstanding return (退回).
    return_due: Option<Date>,
}

/// Turns PostgreSQL's JIT compilation off for the rest of the transaction.
/// A chunk's query is 5,000 index seeks, which the planner costs above
/// `jit_above_cost`: compiling it took ~100 ms per chunk, more than the
/// query ran. (Nothing on SQLite.)
async fn no_jit(tx: &mut Tx) -> Result<(), StoreError> {
    if tx.engine() == crate::db::Engine::Postgres {
        tx.execute("SET LOCAL jit = off", vec![]).await?;
    }
    Ok(())
}

/// The id of the head of the audit chain (0 when empty).
async fn audit_head(tx: &mut Tx) -> Result<i64, StoreError> {
    Ok(tx
        .fetch_optional(
            "SELECT id FROM audit_events ORDER BY id DESC LIMIT 1",
            vec![],
        )
        .await?
        .map(|r| r.int("id"))
        .transpose()?
        .unwrap_or(0))
}

/// Up to [`PASS_CHUNK`] tasks being worked on with an id after `after`, in
/// id order, each with its cycle, latest report, latest card (when
/// `cards`) and outstanding return date, and the head of the audit chain
/// in the same snapshot (0 when no task is returned): one query (every
/// round trip counts on a loaded database server), index seeks per task,
/// no scan of reports or cards. The tasks come from the partial index of
/// migration 13 (`tasks_worked`), which lists exactly the tasks being
/// worked on in id order, so a chunk stops after its 5,000 entries.
///
/// The latest rows are found per engine. SQLite: correlated `MAX(id)` in
/// a derived table, rows joined by id. PostgreSQL: `LATERAL … ORDER BY id
/// DESC LIMIT 1` per table, which keeps the planner on index seeks (with
/// the ids joined by value it hashed every card of the ledger for every
/// chunk; a correlated subquery in a join condition makes it loop over
/// every pair of rows).
async fn worked_tasks(
    tx: &mut Tx,
    after: i64,
    cards: Option<&WarningRules>,
) -> Result<(Vec<Worked>, i64), StoreError> {
    let cards_wanted = cards.is_some();
    let columns = "SELECT t.id, t.status, t.lead_unit_id, t.deadline, t.created_at,
            rc.id AS cycle_id, rc.kind AS cycle_kind, rc.dates AS cycle_dates,
            rc.starts_on AS cycle_start,
            r.created_at AS report_at, r.percent AS report_percent,
            c.id AS card_id, c.tier AS card_tier, c.tier_rank AS card_rank,
            c.cleared_at AS card_cleared, c.superseded_by AS card_superseded,
            CASE WHEN c.cleared_at IS NULL THEN NULL ELSE c.reasons END AS card_reasons,
            d.id AS return_id, d.new_date AS return_date,
            CASE WHEN d.id IS NULL THEN NULL
                 ELSE (SELECT MAX(p.id) FROM progress_reports p
                       WHERE p.task_id = t.id AND p.kind = 'completion') END AS completion_id,
            d.report_id AS returned_report,
            (SELECT COALESCE(MAX(id), 0) FROM audit_events) AS audit_head";
    let (assigned, in_progress) = (OVERDUE_STATUSES[0], OVERDUE_STATUSES[1]);
    let sql = match tx.engine() {
        crate::db::Engine::Sqlite => {
            let card_id = if cards_wanted {
                "(SELECT MAX(id) FROM cards WHERE task_id = t.id)"
            } else {
                "NULL"
            };
            // `INDEXED BY`: without statistics SQLite prefers
            // `tasks_status` (every open task after `$1`, its subqueries
            // computed and sorted before the LIMIT: each chunk paid for the
            // rest of the ledger).
            format!(
                "{columns}
                 FROM (SELECT t.id, t.status, t.lead_unit_id, t.deadline, t.created_at,
                              (SELECT MAX(id) FROM progress_reports WHERE task_id = t.id) AS report_id,
                              {card_id} AS card_id,
                              (SELECT MAX(id) FROM return_dates WHERE task_id = t.id) AS return_id
                       FROM tasks t INDEXED BY tasks_worked
                       WHERE t.id > $1 AND t.status IN ('{assigned}', '{in_progress}')
                         AND t.lead_unit_id IS NOT NULL
                       ORDER BY t.id LIMIT {PASS_CHUNK}) t
                 LEFT JOIN report_cycles rc ON rc.task_id = t.id
                 LEFT JOIN progress_reports r ON r.id = t.report_id
                 LEFT JOIN cards c ON c.id = t.card_id
                 LEFT JOIN return_dates d ON d.id = t.return_id"
            )
        }
        crate::db::Engine::Postgres => {
            let with_cards = if cards_wanted { "TRUE" } else { "FALSE" };
            format!(
                "{columns}
                 FROM (SELECT t.id, t.status, t.lead_unit_id, t.deadline, t.created_at
                       FROM tasks t
                       WHERE t.id > $1 AND t.status IN ('{assigned}', '{in_progress}')
                         AND t.lead_unit_id IS NOT NULL
                       ORDER BY t.id LIMIT {PASS_CHUNK}) t
                 LEFT JOIN report_cycles rc ON rc.task_id = t.id
                 LEFT JOIN LATERAL (SELECT created_at, percent FROM progress_reports
                                    WHERE task_id = t.id ORDER BY id DESC LIMIT 1) r ON TRUE
                 LEFT JOIN LATERAL (SELECT id, tier, tier_rank, cleared_at, superseded_by, reasons
                                    FROM cards WHERE task_id = t.id AND {with_cards}
                                    ORDER BY id DESC LIMIT 1) c ON TRUE
                 LEFT JOIN LATERAL (SELECT id, new_date, report_id FROM return_dates
                                    WHERE task_id = t.id ORDER BY id DESC LIMIT 1) d ON TRUE"
            )
        }
    };
    let mut head = 0;
    let mut out = tx
        .fetch_map(&sql, args![after], |row| {
            head = row.int("audit_head")?;
            worked_of(row, cards)
        })
        .await?;
    // In id order (the derived table is; sorting here rather than in SQL
    // spares SQLite a temporary B-tree of the whole chunk).
    out.sort_unstable_by_key(|w| w.id);
    Ok((out, head))
}

/// One row of [`worked_tasks`]; the latest card's tier is ranked by
/// `rules` (the rank stored when the rules no longer name the tier).
fn worked_of(row: &Row, rules: Option<&WarningRules>) -> Result<Worked, StoreError> {
    let id = row.int("id")?;
    let status = Status::from_codes(row.str("status")?, None)
        .ok_or_else(|| StoreError::corrupt("tasks", id, "status"))?;
    let cycle = match row.opt_str("cycle_kind")? {
        Some(kind) => {
            let cid = row.int("cycle_id")?;
            let cycle = Cycle::from_stored(kind, row.str("cycle_dates")?)
                .map_err(|_| StoreError::corrupt("report_cycles", cid, "kind"))?;
            let start = parse_day(row.str("cycle_start")?, "report_cycles", cid, "starts_on")?;
            Some((cycle, start))
        }
        None => None,
    };
    let report = match row.opt_int("report_at")? {
        Some(at) => Some((
            day_of(at),
            u8::try_from(row.int("report_percent")?.clamp(0, 100)).unwrap_or(0),
        )),
        None => None,
    };
    let card = match (row.opt_int("card_id")?, rules) {
        (Some(cid), Some(rules)) => {
            let stored = row.int("card_rank")?;
            Some(LatestCard {
                id: cid,
                rank: rules
                    .rank(row.str("card_tier")?)
                    .map_or(stored, |r| r as i64),
                open: row.opt_int("card_cleared")?.is_none()
                    && row.opt_int("card_superseded")?.is_none(),
                reasons: row.opt_text("card_reasons")?,
            })
        }
        _ => None,
    };
    // A return's date stands until completion is requested again: a
    // completion report later than the one returned.
    let return_due = match row.opt_int("return_id")? {
        Some(rid) => {
            let requested_again = match row.opt_int("completion_id")? {
                Some(c) => c > row.opt_int("returned_report")?.unwrap_or(0),
                None => false,
            };
            if requested_again {
                None
            } else {
                Some(parse_day(
                    row.str("return_date")?,
                    "return_dates",
                    rid,
                    "new_date",
                )?)
            }
        }
        None => None,
    };
    Ok(Worked {
        id,
        status,
        lead: row.opt_int("lead_unit_id")?,
        deadline: row
            .opt_str("deadline")?
            .map(|d| parse_day(d, "tasks", id, "deadline"))
            .transpose()?,
        created: day_of(row.int("created_at")?),
        cycle,
        report,
        card,
        return_due,
    })
}

/// What a pass knows before it reads a chunk.
struct PassContext<'a> {
    day: Date,
    rules: &'a WarningRules,
    default_cycle: Option<&'a Cycle>,
    assess: bool,
    /// The reminder channels (in-app included), when recording reminders.
    channels: Option<&'a [crate::remind::Channel]>,
    days_before: u32,
    /// Units' e-mail addresses, when e-mail is a channel.
    emails: Option<&'a HashMap<i64, String>>,
    now: i64,
}

/// A card a chunk calls for, before it has an id.
struct NewCard {
    task: i64,
    lead: Option<i64>,
    rank: usize,
    reasons: Vec<Reason>,
    /// The open card it escalates.
    replaces: Option<i64>,
}

/// What one chunk calls for.
#[derive(Default)]
struct Plan {
    judged: usize,
    tasks: usize,
    cards: Vec<NewCard>,
    reminders: Vec<Vec<Arg>>,
    notifications: Vec<Vec<Arg>>,
    by_channel: Vec<(crate::remind::Channel, usize)>,
    notified: usize,
    raised: Vec<Raised>,
}

impl PassContext<'_> {
    /// Judges a chunk: the cards and reminders it calls for. Reads the
    /// reminders already recorded for the chunk's due dates through `tx`.
    async fn plan(&self, tx: &mut Tx, rows: &[Worked]) -> Result<Plan, StoreError> {
        use crate::remind::{Channel, ReminderKind, reminders_on};
        let mut plan = Plan {
            by_channel: self
                .channels
                .unwrap_or_default()
                .iter()
                .map(|c| (*c, 0))
                .collect(),
            ..Plan::default()
        };
        let mut candidates: Vec<(&Worked, ReminderKind, Date)> = if self.channels.is_some() {
            // At most three per task; about one and a half on a usual day.
            Vec::with_capacity(rows.len() * 2)
        } else {
            Vec::new()
        };
        for t in rows {
            let (cycle, start) = match &t.cycle {
                Some((c, s)) => (Some(c), *s),
                None => (self.default_cycle, t.created),
            };
            let reported = t.report.map(|(d, _)| d);
            let state = cycle
                .map(|c| cycle_state(c, start, reported.as_slice(), self.day, &self.rules.due));
            if self.channels.is_some() {
                plan.tasks += 1;
                let (next_due, last_missed) = match &state {
                    Some(s) => (s.next_due, s.missed.last().copied()),
                    None => (None, None),
                };
                for (kind, due) in reminders_on(
                    self.day,
                    self.days_before,
                    next_due,
                    last_missed,
                    t.deadline,
                ) {
                    candidates.push((t, kind, due));
                }
            }
            if self.assess
                && let Some(deadline) = t.deadline
            {
                plan.judged += 1;
                let facts = TaskFacts {
                    status: t.status,
                    start,
                    deadline,
                    percent: t.report.map(|(_, p)| p),
                    missed: state.as_ref().map_or(0, |s| s.missed.len()),
                    return_due: t.return_due,
                };
                if let Some(card) = self.judge(t, &facts)? {
                    plan.cards.push(card);
                }
            }
        }
        let Some(earliest) = candidates.iter().map(|(_, _, d)| *d).min() else {
            return Ok(plan);
        };
        // What was recorded already for these tasks' due dates: one range
        // read on the UNIQUE (task, kind, due, channel) index (`|| ''`
        // keeps SQLite off the due-date index, whose range grows with
        // every reminder ever recorded and would be read once per chunk). A reminder
        // is decided once for every channel configured at that moment, in
        // one transaction, and always on the in-app channel; so its in-app
        // row stands for all of them (and a channel configured later is
        // not flooded with old reminders).
        let (first, last) = (
            rows.first().map_or(0, |t| t.id),
            rows.last().map_or(0, |t| t.id),
        );
        let mut existing: HashSet<(i64, ReminderKind, Date)> =
            HashSet::with_capacity(candidates.len());
        tx.fetch_map(
            "SELECT task_id, kind, due_on FROM reminders
             WHERE task_id >= $1 AND task_id <= $2 AND due_on || '' >= $3
               AND channel = 'inapp'",
            args![first, last, earliest.to_string()],
            |r| {
                // A row this build cannot read is not one it would record.
                if let (Some(kind), Ok(due)) = (
                    ReminderKind::from_code(r.str("kind")?),
                    Date::parse(r.str("due_on")?),
                ) {
                    existing.insert((r.int("task_id")?, kind, due));
                }
                Ok(())
            },
        )
        .await?;
        candidates.retain(|(t, kind, due)| !existing.contains(&(t.id, *kind, *due)));
        if candidates.is_empty() {
            return Ok(plan);
        }
        // Titles only for the tasks reminded of (the text quotes them).
        let mut ids: Vec<i64> = candidates.iter().map(|(t, _, _)| t.id).collect();
        ids.dedup();
        let mut titles: HashMap<i64, String> = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            for r in tx
                .fetch_all(
                    &format!(
                        "SELECT id, title FROM tasks WHERE id IN ({})",
                        int_list(chunk)
                    ),
                    vec![],
                )
                .await?
            {
                titles.insert(r.int("id")?, r.text("title")?);
            }
        }
        for (t, kind, due) in &candidates {
            let due_text = due.to_string();
            let title = titles.get(&t.id).map_or("", String::as_str);
            let text = kind.text(title, *due);
            for (channel, count) in plan.by_channel.iter_mut() {
                if *channel == Channel::Email
                    && !t
                        .lead
                        .is_some_and(|u| self.emails.is_some_and(|e| e.contains_key(&u)))
                {
                    continue;
                }
                let inapp = *channel == Channel::InApp;
                plan.reminders.push(vec![
                    Arg::from(t.id),
                    Arg::from(kind.code()),
                    Arg::from(due_text.clone()),
                    Arg::from(channel.code()),
                    Arg::from(t.lead),
                    Arg::from(text.clone()),
                    Arg::from(self.now),
                    Arg::Int(inapp.then_some(self.now)),
                    Arg::from(0i64),
                ]);
                *count += 1;
                if inapp && let Some(unit) = t.lead {
                    plan.notifications.push(vec![
                        Arg::from(unit),
                        Arg::from(t.id),
                        Arg::from(kind.code()),
                        Arg::from(due_text.clone()),
                        Arg::from(text.clone()),
                        Arg::from(self.now),
                    ]);
                }
            }
        }
        plan.notified = plan.notifications.len();
        Ok(plan)
    }

    /// The card a task calls for given its latest card, if any.
    fn judge(&self, t: &Worked, facts: &TaskFacts) -> Result<Option<NewCard>, StoreError> {
        let Some(verdict) = judge(facts, self.day, self.rules) else {
            return Ok(None);
        };
        let mut replaces = None;
        if let Some(card) = &t.card {
            let higher = verdict.rank as i64 > card.rank;
            if card.open {
                if !higher {
                    return Ok(None);
                }
                replaces = Some(card.id);
            } else if !higher {
                let named: Vec<Reason> = card
                    .reasons
                    .as_deref()
                    .and_then(|r| serde_json::from_str(r).ok())
                    .unwrap_or_default();
                let named: HashSet<&str> = named.iter().map(|r| r.code.as_str()).collect();
                if verdict
                    .reasons
                    .iter()
                    .all(|r| named.contains(r.code.as_str()))
                {
                    return Ok(None);
                }
            }
        }
        Ok(Some(NewCard {
            task: t.id,
            lead: t.lead,
            rank: verdict.rank,
            reasons: verdict.reasons,
            replaces,
        }))
    }
}

impl Plan {
    fn is_empty(&self) -> bool {
        self.cards.is_empty() && self.reminders.is_empty()
    }

    /// Writes the chunk's cards (ids from `next_id` on), supersessions,
    /// reminders and notifications in the writer's transaction.
    async fn write(
        &mut self,
        w: &mut Writer,
        ctx: &PassContext<'_>,
        next_id: i64,
    ) -> Result<(), StoreError> {
        let mut inserts: Vec<Vec<Arg>> = Vec::with_capacity(self.cards.len());
        let mut supersede: Vec<(i64, i64)> = Vec::new();
        for (i, card) in std::mem::take(&mut self.cards).into_iter().enumerate() {
            let id = next_id + i as i64;
            let tier = &ctx.rules.tiers[card.rank];
            let reasons_json = serde_json::to_string(&card.reasons)
                .map_err(|e| StoreError::other("记录预警理由", e))?;
            inserts.push(vec![
                Arg::from(id),
                Arg::from(1i64),
                Arg::from(card.task),
                Arg::from(card.lead),
                Arg::from(tier.code.as_str()),
                Arg::from(tier.label.as_str()),
                Arg::from(card.rank as i64),
                Arg::from(reasons_json),
                Arg::from(ctx.day.to_string()),
                Arg::from(ctx.now),
                Arg::Int(None),
                Arg::Text(None),
                Arg::Text(None),
                Arg::Int(None),
            ]);
            if let Some(old) = card.replaces {
                supersede.push((old, id));
            }
            self.raised.push(Raised {
                card: CardId(id),
                task: TaskId(card.task),
                unit: card.lead.map(UnitId),
                tier: tier.code.clone(),
                tier_label: tier.label.clone(),
                reasons: card.reasons,
                supersedes: card.replaces.map(CardId),
            });
        }
        if !inserts.is_empty() {
            w.insert_recorded(&CARDS, "raise", inserts, |row| match row.get(2) {
                Some(&Arg::Int(id)) => id,
                _ => None,
            })
            .await?;
        }
        if !supersede.is_empty() {
            supersede_cards(w, &supersede).await?;
        }
        if !self.reminders.is_empty() {
            w.tx.insert_many(
                "reminders",
                &[
                    "task_id",
                    "kind",
                    "due_on",
                    "channel",
                    "unit_id",
                    "text",
                    "created_at",
                    "sent_at",
                    "attempts",
                ],
                std::mem::take(&mut self.reminders),
            )
            .await?;
        }
        if !self.notifications.is_empty() {
            w.tx.insert_many(
                "notifications",
                &["unit_id", "task_id", "kind", "due_on", "text", "created_at"],
                std::mem::take(&mut self.notifications),
            )
            .await?;
        }
        Ok(())
    }

    /// Adds what the chunk did to the pass's totals.
    fn add_to(self, pass: &mut DayPass) {
        if let Some(a) = &mut pass.assessment {
            a.judged += self.judged;
            a.raised.extend(self.raised);
        }
        if let Some(r) = &mut pass.reminders {
            r.tasks += self.tasks;
            r.notifications += self.notified;
            for (c, n) in self.by_channel {
                if let Some(slot) = r.by_channel.iter_mut().find(|(x, _)| *x == c) {
                    slot.1 += n;
                }
            }
        }
    }
}

/// Marks escalated cards superseded: one `UPDATE … CASE` per 500 and
/// their audit events in bulk (snapshots built from the values read).
async fn supersede_cards(w: &mut Writer, supersede: &[(i64, i64)]) -> Result<(), StoreError> {
    let names = column_names(&CARDS);
    let (version_at, by_at) = (column(&CARDS, "version"), column(&CARDS, "superseded_by"));
    let mut events = Vec::with_capacity(supersede.len());
    for chunk in supersede.chunks(500) {
        let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
        let old =
            w.tx.fetch_all(
                &select_sql(
                    &CARDS,
                    &format!("WHERE id IN ({}) ORDER BY id", int_list(&ids)),
                ),
                vec![],
            )
            .await?;
        let mut sql =
            String::from("UPDATE cards SET version = version + 1, superseded_by = CASE id");
        for (id, by) in chunk {
            sql.push_str(&format!(" WHEN {id} THEN {by}"));
        }
        sql.push_str(&format!(" END WHERE id IN ({})", int_list(&ids)));
        w.tx.execute(&sql, vec![]).await?;
        for row in &old {
            let id = row.int("id")?;
            let by = chunk
                .iter()
                .find(|(c, _)| *c == id)
                .map(|(_, by)| *by)
                .ok_or_else(|| StoreError::corrupt("cards", id, "superseded_by"))?;
            let before = snapshot_of(&CARDS, row);
            let mut after = args_of(row);
            after[version_at] = Arg::from(row.int("version")? + 1);
            after[by_at] = Arg::from(by);
            let after = snapshot_of(&CARDS, &Row::from_args(names.clone(), &after));
            events.push((id, Some(row.int("task_id")?), Some(before), after));
        }
    }
    w.record_many(&CARDS, "supersede", events).await
}
