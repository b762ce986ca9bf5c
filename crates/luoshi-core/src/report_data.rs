//! The data of the implementation status report (贯彻落实情况汇报) for a
//! scope — one document, one theme of a document, or the whole ledger —
//! and a date range: the tasks' status and latest progress by theme,
//! overdue tasks by lead unit, the cards raised, the indicators of the
//! tasks and the problem list with its rectification. Read only; the
//! layout lives in `luoshi-report`.
//!
//! Cost: one pass over the scope's tasks (the ledger's 100,000 included),
//! one grouped query for the latest report of each task, then the cards,
//! problems and indicators of the scope; sections and overdue lists are
//! built with hash maps, linear in the tasks.

use std::collections::{HashMap, HashSet};

use crate::clock::CHINA_OFFSET_MINUTES;
use crate::db::Arg;
use crate::error::StoreError;
use crate::lifecycle::Status;
use crate::model::{Meeting, ProgressReport, Task, TaskFilter, TaskKind, UnitRef};
use crate::problem_store::{Indicator, ProblemEntry, ProblemFilter};
use crate::store::{REPORT_SELECT, Store, load_document, load_task, load_tasks, report_of};
use crate::supervision::{Card, CardFilter, StatusTotals, TaskLine, ThemeSection};
use crate::value::{Date, DocumentId, MeetingId, TaskId};

/// What a status report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportScope {
    /// Every task of one document.
    Document(DocumentId),
    /// One theme (a task with children) and every task below it.
    Theme(TaskId),
    /// Every task of every document.
    Ledger,
}

/// A status report to build: the scope, the range of reports, cards and
/// problems counted (`from`..=`to`, by the day they were filed), and the
/// day the status is judged on (overdue is derived from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportQuery {
    pub scope: ReportScope,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub day: Date,
}

/// A source document of the report, with its meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDocument {
    pub id: DocumentId,
    /// The file name, when it had one.
    pub name: Option<String>,
    pub meeting: Option<Meeting>,
}

/// An indicator in the report, with the task it measures.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportIndicator {
    pub task_title: String,
    pub indicator: Indicator,
}

/// A problem in the report, with the task it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportProblem {
    pub task_title: Option<String>,
    pub problem: ProblemEntry,
}

/// Everything the implementation status report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusReport {
    pub scope: ReportScope,
    /// The documents in scope (one for a document or a theme), in id order.
    pub documents: Vec<ReportDocument>,
    /// The theme, for [`ReportScope::Theme`].
    pub theme: Option<Task>,
    pub day: Date,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub totals: StatusTotals,
    /// Themes (一、二、…) in document order; tasks outside every theme
    /// form a section with `theme: None`.
    pub themes: Vec<ThemeSection>,
    /// Overdue tasks by lead unit, units in name order.
    pub overdue_by_unit: Vec<(UnitRef, Vec<TaskLine>)>,
    /// Cards raised on the scope's tasks in the range.
    pub cards: Vec<Card>,
    /// The indicators of the scope's tasks, with progress on the store's today.
    pub indicators: Vec<ReportIndicator>,
    /// Problems of the scope's tasks filed up to the end of the range and
    /// still open at its start (closed ones only when closed in the range).
    pub problems: Vec<ReportProblem>,
}

impl StatusReport {
    /// The day the figures are as of: the end of the range, or the day.
    pub fn as_of(&self) -> Date {
        self.to.unwrap_or(self.day)
    }
}

/// Milliseconds at the start of `d` (or of the day after, `end`) in China time.
fn day_ms(d: Date, end: bool) -> i64 {
    (d.days_since_epoch() + i64::from(end)) * 86_400_000 - CHINA_OFFSET_MINUTES * 60_000
}

impl Store {
    /// The data of the implementation status report for `q`. An unknown
    /// document or task is `NotFound`; a theme must be a task with
    /// children or of kind theme (else `value_bad_choice`).
    pub async fn status_report(&self, q: &ReportQuery) -> Result<StatusReport, StoreError> {
        let mut tx = self.pool().read().await?;
        let (document, theme) = match q.scope {
            ReportScope::Document(d) => {
                load_document(&mut tx, d).await?;
                (Some(d), None)
            }
            ReportScope::Theme(t) => {
                let task = load_task(&mut tx, t).await?;
                (Some(task.document), Some(task))
            }
            ReportScope::Ledger => (None, None),
        };
        let mut tasks = load_tasks(
            &mut tx,
            &TaskFilter {
                document,
                ..TaskFilter::default()
            },
        )
        .await?;
        if let Some(theme) = &theme {
            tasks = subtree(tasks, theme.id);
            if tasks.len() <= 1 && theme.kind != TaskKind::Theme {
                return Err(crate::error::ValueError::BadChoice {
                    field: "theme",
                    detail: format!(
                        "任务 {} 不是主题（没有下级任务），请指定一个主题的任务号，或按文件汇报。",
                        theme.id
                    ),
                }
                .into());
            }
        }

        // The documents and their meetings, in one query.
        let mut doc_values: Vec<Arg> = Vec::new();
        let doc_sql = match document {
            Some(d) => {
                doc_values.push(d.0.into());
                "SELECT d.id, d.name, m.id AS meeting_id FROM documents d
                 LEFT JOIN meetings m ON m.document_id = d.id WHERE d.id = $1 ORDER BY d.id"
            }
            None => {
                "SELECT d.id, d.name, m.id AS meeting_id FROM documents d
                 LEFT JOIN meetings m ON m.document_id = d.id ORDER BY d.id"
            }
        };
        let doc_rows = tx.fetch_all(doc_sql, doc_values).await?;
        let mut documents = Vec::with_capacity(doc_rows.len());
        for r in &doc_rows {
            let meeting = match r.opt_int("meeting_id")? {
                Some(m) => Some(crate::store::load_meeting(&mut tx, MeetingId(m)).await?),
                None => None,
            };
            documents.push(ReportDocument {
                id: DocumentId(r.int("id")?),
                name: r.opt_text("name")?,
                meeting,
            });
        }

        // The latest report of each task within the range.
        let mut values: Vec<Arg> = Vec::new();
        let mut conditions: Vec<String> = Vec::new();
        if let Some(d) = document {
            values.push(d.0.into());
            conditions.push(format!(
                "task_id IN (SELECT id FROM tasks WHERE document_id = ${})",
                values.len()
            ));
        }
        if let Some(f) = q.from {
            values.push(day_ms(f, false).into());
            conditions.push(format!("created_at >= ${}", values.len()));
        }
        if let Some(t) = q.to {
            values.push(day_ms(t, true).into());
            conditions.push(format!("created_at < ${}", values.len()));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let rows = tx
            .fetch_all(
                &format!(
                    "{REPORT_SELECT} WHERE r.id IN (SELECT MAX(id) FROM progress_reports{filter} GROUP BY task_id)"
                ),
                values,
            )
            .await?;
        let mut latest: HashMap<TaskId, ProgressReport> = HashMap::with_capacity(rows.len());
        for r in &rows {
            let report = report_of(r)?;
            latest.insert(report.task, report);
        }
        tx.commit().await?;

        let in_scope: HashSet<TaskId> = tasks.iter().map(|t| t.id).collect();
        let titles: HashMap<TaskId, String> = tasks
            .iter()
            .map(|t| (t.id, t.title.as_str().to_owned()))
            .collect();
        let cards: Vec<Card> = self
            .cards(&CardFilter {
                document,
                raised_from: q.from,
                raised_to: q.to,
                ..CardFilter::default()
            })
            .await?
            .into_iter()
            .filter(|c| in_scope.contains(&c.task))
            .collect();
        let (start, end) = (
            q.from.map(|f| day_ms(f, false)),
            q.to.map(|t| day_ms(t, true)),
        );
        // A document or theme reads only its tasks' problems and
        // indicators; the whole ledger reads them all.
        let scoped: Option<Vec<TaskId>> = document.map(|_| tasks.iter().map(|t| t.id).collect());
        let problems = match &scoped {
            Some(ids) => self.problems_of_tasks(ids, None).await?,
            None => self.problems(&ProblemFilter::default()).await?,
        };
        let problems: Vec<ReportProblem> = problems
            .into_iter()
            .filter(|p| p.task.is_some_and(|t| in_scope.contains(&t)))
            .filter(|p| end.is_none_or(|e| p.created_at.millis() < e))
            .filter(|p| start.is_none_or(|s| p.closed_at.is_none_or(|c| c.millis() >= s)))
            .map(|p| ReportProblem {
                task_title: p.task.and_then(|t| titles.get(&t).cloned()),
                problem: p,
            })
            .collect();
        let indicators = match &scoped {
            Some(ids) => self.indicators_of_tasks(ids, None).await?,
            None => self.indicators(None, None).await?,
        };
        let indicators: Vec<ReportIndicator> = indicators
            .into_iter()
            .filter(|i| in_scope.contains(&i.task))
            .map(|i| ReportIndicator {
                task_title: titles.get(&i.task).cloned().unwrap_or_default(),
                indicator: i,
            })
            .collect();

        let (totals, themes, overdue_by_unit) = sections(tasks, &mut latest, q.day, theme.as_ref());
        Ok(StatusReport {
            scope: q.scope,
            documents,
            theme,
            day: q.day,
            from: q.from,
            to: q.to,
            totals,
            themes,
            overdue_by_unit,
            cards,
            indicators,
            problems,
        })
    }
}

/// `root` and every task below it, in the order given.
fn subtree(tasks: Vec<Task>, root: TaskId) -> Vec<Task> {
    let mut keep: HashSet<TaskId> = HashSet::from([root]);
    // Parents come before children in id order, but a re-parented task
    // may not: repeat until nothing is added.
    loop {
        let before = keep.len();
        for t in &tasks {
            if t.parent.is_some_and(|p| keep.contains(&p)) {
                keep.insert(t.id);
            }
        }
        if keep.len() == before {
            break;
        }
    }
    tasks.into_iter().filter(|t| keep.contains(&t.id)).collect()
}

type Sections = (
    StatusTotals,
    Vec<ThemeSection>,
    Vec<(UnitRef, Vec<TaskLine>)>,
);

/// Totals, theme sections and overdue tasks by unit. A theme is a
/// top-level task of kind theme or with children (for a theme scope, the
/// theme itself); every other task goes to the section of its nearest
/// such ancestor, or to the section without a theme.
fn sections(
    tasks: Vec<Task>,
    latest: &mut HashMap<TaskId, ProgressReport>,
    day: Date,
    root: Option<&Task>,
) -> Sections {
    let parents: HashSet<TaskId> = tasks.iter().filter_map(|t| t.parent).collect();
    let parent_of: HashMap<TaskId, Option<TaskId>> =
        tasks.iter().map(|t| (t.id, t.parent)).collect();
    let is_theme = |t: &Task| match root {
        Some(r) => t.id == r.id,
        None => t.parent.is_none() && (t.kind == TaskKind::Theme || parents.contains(&t.id)),
    };
    let mut totals = StatusTotals::default();
    let mut themes: Vec<ThemeSection> = Vec::new();
    let mut index: HashMap<TaskId, usize> = HashMap::new();
    for t in &tasks {
        if is_theme(t) {
            index.insert(t.id, themes.len());
            themes.push(ThemeSection {
                theme: Some(t.clone()),
                tasks: Vec::new(),
            });
        }
    }
    let mut loose = ThemeSection {
        theme: None,
        tasks: Vec::new(),
    };
    let mut overdue: Vec<(UnitRef, Vec<TaskLine>)> = Vec::new();
    let mut overdue_index: HashMap<i64, usize> = HashMap::new();
    for t in tasks {
        if index.contains_key(&t.id) {
            continue;
        }
        // The nearest ancestor that is a theme (bounded walk).
        let mut section = None;
        let mut up = t.parent;
        for _ in 0..64 {
            let Some(p) = up else { break };
            if let Some(&i) = index.get(&p) {
                section = Some(i);
                break;
            }
            up = parent_of.get(&p).copied().flatten();
        }
        // A task with children below a theme is a sub-heading, not a task.
        if parents.contains(&t.id) && section.is_some() && t.kind == TaskKind::Theme {
            continue;
        }
        let line = TaskLine {
            latest: latest.remove(&t.id),
            overdue: t.is_overdue(day),
            task: t,
        };
        totals.tasks += 1;
        if line.task.status != Status::Draft {
            totals.assigned += 1;
        }
        match line.task.status {
            Status::InProgress | Status::CompletionRequested => totals.in_progress += 1,
            Status::Closed => totals.closed += 1,
            _ => {}
        }
        if line.overdue {
            totals.overdue += 1;
            if let Some(a) = &line.task.assignment {
                match overdue_index.get(&a.lead.id.0) {
                    Some(&i) => overdue[i].1.push(line.clone()),
                    None => {
                        overdue_index.insert(a.lead.id.0, overdue.len());
                        overdue.push((a.lead.clone(), vec![line.clone()]));
                    }
                }
            }
        }
        match section {
            Some(i) => themes[i].tasks.push(line),
            None => loose.tasks.push(line),
        }
    }
    // Tasks outside every theme take the place of the first of them.
    if let Some(first) = loose
        .tasks
        .first()
        .map(|l| (l.task.document, l.task.ordinal))
    {
        let at = themes
            .iter()
            .position(|s| {
                s.theme
                    .as_ref()
                    .is_some_and(|t| (t.document, t.ordinal) > first)
            })
            .unwrap_or(themes.len());
        themes.insert(at, loose);
    }
    overdue.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    (totals, themes, overdue)
}

impl From<crate::supervision::StatusData> for StatusReport {
    /// The report of one document from [`Store::status_data`] (without
    /// indicators and problems, which that query does not read).
    fn from(d: crate::supervision::StatusData) -> StatusReport {
        StatusReport {
            scope: ReportScope::Document(d.document),
            documents: vec![ReportDocument {
                id: d.document,
                name: d.document_name,
                meeting: Some(d.meeting),
            }],
            theme: None,
            day: d.day,
            from: d.from,
            to: d.to,
            totals: d.totals,
            themes: d.themes,
            overdue_by_unit: d.overdue_by_unit,
            cards: d.cards,
            indicators: Vec::new(),
            problems: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_ms_is_midnight_in_china() {
        let d = Date::parse("2026-01-01").unwrap();
        // 2026-01-01T00:00+08:00 = 2025-12-31T16:00Z.
        assert_eq!(day_ms(d, false), 1_767_196_800_000);
        assert_eq!(day_ms(d, true) - day_ms(d, false), 86_400_000);
    }
}
