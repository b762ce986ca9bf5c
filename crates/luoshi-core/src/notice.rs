//! Supervision notices (督办通知): issuing one records it in `notices`
//! (audited, migration 9) under the next number of its year — 督〔2026〕N号
//! — so numbers are never reused, and returns what the notice says: the
//! addressee unit and the tasks it chases, each with its source sentence,
//! deadline, status, days overdue, open cards and latest report. The
//! layout lives in `luoshi-report`.
//!
//! A notice concerns one task (addressed to its lead unit; the task must be
//! assigned and not closed) or one unit (every task it leads that is
//! overdue or carries an open card; refused when there is none).

use std::collections::HashMap;

use crate::audit::NOTICES;
use crate::db::args;
use crate::error::{StoreError, ValueError};
use crate::lifecycle::Status;
use crate::model::{ProgressReport, Task, TaskFilter, UnitRef};
use crate::store::{REPORT_SELECT, Store, load_task, load_tasks, report_of, returned_id, unit_id};
use crate::supervision::{Card, CardFilter};
use crate::value::{Date, PersonName, TaskId, UnitId, UnitName};

/// Whom a notice is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeTarget {
    /// One task, addressed to its lead unit.
    Task(TaskId),
    /// Every overdue or carded task a unit leads.
    Unit(UnitName),
}

/// A notice to issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub target: NoticeTarget,
    /// The day it is issued (the number's year is this day's).
    pub issued_on: Date,
    /// 回复时限; by default seven days after `issued_on`.
    pub reply_by: Option<Date>,
    /// The issuing office (落款); by default 督查室.
    pub office: Option<String>,
}

/// One task a notice chases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeItem {
    pub task: Task,
    /// Days past the deadline on the day of issue (0 when not overdue).
    pub days_overdue: i64,
    /// Cards on the task not cleared nor superseded.
    pub open_cards: Vec<Card>,
    pub latest: Option<ProgressReport>,
}

/// A notice issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub year: i64,
    /// The number within the year, from 1.
    pub number: i64,
    pub unit: UnitRef,
    /// The task of a notice about one task.
    pub task: Option<TaskId>,
    pub items: Vec<NoticeItem>,
    pub issued_on: Date,
    pub reply_by: Date,
    pub office: String,
    pub issued_by: String,
}

impl Notice {
    /// 督〔2026〕3号.
    pub fn reference(&self) -> String {
        format!("督〔{}〕{}号", self.year, self.number)
    }
}

/// The default issuing office.
pub const DEFAULT_OFFICE: &str = "督查室";

impl Store {
    /// Issues a supervision notice: gathers its tasks, takes the next
    /// number of the year and records it (audited), all in one
    /// transaction. Refusals store nothing.
    pub async fn issue_notice(
        &self,
        actor: &PersonName,
        new: &NewNotice,
    ) -> Result<Notice, StoreError> {
        let day = new.issued_on;
        let reply_by = new
            .reply_by
            .unwrap_or_else(|| day.add_days(7).unwrap_or(day));
        if reply_by < day {
            return Err(ValueError::NoticeReplyBy {
                reply_by: reply_by.to_string(),
                issued: day.to_string(),
            }
            .into());
        }
        let office = match &new.office {
            Some(o) => crate::value::clean("发文单位", o, 32, false)?,
            None => DEFAULT_OFFICE.to_owned(),
        };
        let mut w = self.writer(actor).await?;
        let (unit, task, tasks) = match &new.target {
            NoticeTarget::Task(id) => {
                let t = load_task(&mut w.tx, *id).await?;
                let reason = match t.status {
                    Status::Draft => Some("尚未交办"),
                    Status::Closed => Some("已销号"),
                    _ => None,
                };
                if let Some(reason) = reason {
                    return Err(ValueError::NoticeTaskNotOpen { task: id.0, reason }.into());
                }
                let Some(a) = t.assignment.clone() else {
                    return Err(ValueError::NoticeTaskNotOpen {
                        task: id.0,
                        reason: "尚未交办",
                    }
                    .into());
                };
                (a.lead, Some(*id), vec![t])
            }
            NoticeTarget::Unit(name) => {
                let uid = UnitId(unit_id(&mut w.tx, name).await?);
                let open: Vec<Task> = load_tasks(
                    &mut w.tx,
                    &TaskFilter {
                        unit: Some(name.clone()),
                        status: Some(crate::lifecycle::StatusFilter::Open),
                        ..TaskFilter::default()
                    },
                )
                .await?
                .into_iter()
                .filter(|t| t.assignment.as_ref().is_some_and(|a| a.lead.id == uid))
                .collect();
                (
                    UnitRef {
                        id: uid,
                        name: name.clone(),
                    },
                    None,
                    open,
                )
            }
        };
        // Open cards and the latest report of the candidate tasks.
        let ids: Vec<i64> = tasks.iter().map(|t| t.id.0).collect();
        let mut cards: HashMap<TaskId, Vec<Card>> = HashMap::new();
        let mut latest: HashMap<TaskId, ProgressReport> = HashMap::new();
        if !ids.is_empty() {
            for chunk in ids.chunks(500) {
                let list = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, _)| format!("${}", i + 1))
                    .collect::<Vec<_>>()
                    .join(", ");
                let rows =
                    w.tx.fetch_all(
                        &format!(
                            "{REPORT_SELECT} WHERE r.id IN (SELECT MAX(id) FROM progress_reports
                             WHERE task_id IN ({list}) GROUP BY task_id)"
                        ),
                        chunk.iter().map(|i| (*i).into()).collect(),
                    )
                    .await?;
                for r in &rows {
                    let rep = report_of(r)?;
                    latest.insert(rep.task, rep);
                }
            }
        }
        let filter = CardFilter {
            open: true,
            task: match &new.target {
                NoticeTarget::Task(id) => Some(*id),
                NoticeTarget::Unit(_) => None,
            },
            ..CardFilter::default()
        };
        for c in crate::supervision::load_cards(&mut w.tx, &filter).await? {
            cards.entry(c.task).or_default().push(c);
        }
        let mut items: Vec<NoticeItem> = tasks
            .into_iter()
            .map(|t| {
                let days_overdue = match (&t.assignment, t.is_overdue(day)) {
                    (Some(a), true) => day.days_since_epoch() - a.deadline.days_since_epoch(),
                    _ => 0,
                };
                NoticeItem {
                    open_cards: cards.remove(&t.id).unwrap_or_default(),
                    latest: latest.remove(&t.id),
                    days_overdue,
                    task: t,
                }
            })
            .collect();
        if task.is_none() {
            items.retain(|i| i.days_overdue > 0 || !i.open_cards.is_empty());
            if items.is_empty() {
                return Err(ValueError::NoticeNothingDue {
                    unit: unit.name.to_string(),
                }
                .into());
            }
            // The most overdue first.
            items.sort_by(|a, b| {
                b.days_overdue
                    .cmp(&a.days_overdue)
                    .then(a.task.id.0.cmp(&b.task.id.0))
            });
        }

        let year = day.year();
        let number =
            w.tx.fetch_optional(
                "SELECT COALESCE(MAX(number), 0) + 1 AS next FROM notices WHERE year = $1",
                args![year],
            )
            .await?
            .map(|r| r.int("next"))
            .transpose()?
            .unwrap_or(1);
        let task_ids = items
            .iter()
            .map(|i| i.task.id.0.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let row =
            w.tx.fetch_optional(
                "INSERT INTO notices (version, year, number, unit_id, task_id, task_ids, issued_on,
                    reply_by, office, created_at, created_by)
                 VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                args![
                    year,
                    number,
                    unit.id.0,
                    task.map(|t| t.0),
                    task_ids.as_str(),
                    day.to_string(),
                    reply_by.to_string(),
                    office.as_str(),
                    w.at().millis(),
                    w.actor()
                ],
            )
            .await?;
        let id = returned_id(row)?;
        let note = format!("督〔{year}〕{number}号");
        w.record(&NOTICES, id, task.map(|t| t.0), "issue", Some(&note), None)
            .await?;
        let issued_by = w.actor().to_owned();
        w.commit().await?;
        Ok(Notice {
            id,
            year,
            number,
            unit,
            task,
            items,
            issued_on: day,
            reply_by,
            office,
            issued_by,
        })
    }
}
