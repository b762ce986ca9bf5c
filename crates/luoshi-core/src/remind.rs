//! Reminders (催办): which reminders a day calls for, recording them
//! exactly once, the in-app notification centre, and the queue of
//! reminders an external channel (webhook, e-mail) still has to deliver.
//!
//! The rule is pure ([`reminders_on`]); the store side records a
//! reminder per task, kind, due date and channel under a UNIQUE key before
//! anything is delivered, so a tick run twice, after a restart or by a
//! second process records nothing new. A window missed while the server
//! was down is caught up once: on a day only the latest stage of each due
//! date applies (before → on the day → missed), and of a run of missed
//! report dates only the latest is reminded of.
//!
//! Delivery is the caller's business (luoshi-server's scheduler): it asks
//! for [`Store::pending_deliveries`] and marks each one sent or failed. A
//! failed delivery is retried on the next tick; one that succeeded is
//! never sent again. A crash between a successful send and its mark is
//! the one case that could send twice, and it is narrowed to one message.

use std::collections::HashMap;

use serde::Serialize;

use crate::clock::CHINA_OFFSET_MINUTES;
use crate::db::{Arg, Row, Tx, args};
use crate::error::{Entity, StoreError, ValueError};
use crate::lifecycle::OVERDUE_STATUSES;
use crate::model::UnitRef;
use crate::store::{Store, unit_id, unit_ref};
use crate::supervise::{Cycle, WarningRules, cycle_state};
use crate::value::{Date, PersonName, TaskId, Timestamp, UnitId, UnitName};

/// Days before a report or deadline falls due that the first reminder goes
/// out, unless configured.
pub const DEFAULT_DAYS_BEFORE: u32 = 3;

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    ReportBefore,
    ReportDue,
    ReportMissed,
    DeadlineBefore,
    DeadlineDue,
    DeadlineMissed,
}

impl ReminderKind {
    pub const ALL: [ReminderKind; 6] = [
        ReminderKind::ReportBefore,
        ReminderKind::ReportDue,
        ReminderKind::ReportMissed,
        ReminderKind::DeadlineBefore,
        ReminderKind::DeadlineDue,
        ReminderKind::DeadlineMissed,
    ];

    /// Stable snake_case code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            ReminderKind::ReportBefore => "report_before",
            ReminderKind::ReportDue => "report_due",
            ReminderKind::ReportMissed => "report_missed",
            ReminderKind::DeadlineBefore => "deadline_before",
            ReminderKind::DeadlineDue => "deadline_due",
            ReminderKind::DeadlineMissed => "deadline_missed",
        }
    }

    pub fn from_code(code: &str) -> Option<ReminderKind> {
        ReminderKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            ReminderKind::ReportBefore => "反馈即将到期",
            ReminderKind::ReportDue => "反馈今日到期",
            ReminderKind::ReportMissed => "反馈逾期未报",
            ReminderKind::DeadlineBefore => "完成时限临近",
            ReminderKind::DeadlineDue => "今日到达完成时限",
            ReminderKind::DeadlineMissed => "超过完成时限",
        }
    }

    /// The reminder's text for a task title and a due date.
    pub fn text(self, title: &str, due: Date) -> String {
        match self {
            ReminderKind::ReportBefore => {
                format!("【催办】“{title}”的进展情况应于{due}前报送，请按时报送。")
            }
            ReminderKind::ReportDue => {
                format!("【催办】“{title}”的进展情况今日（{due}）到期，请于今日报送。")
            }
            ReminderKind::ReportMissed => {
                format!("【催办】“{title}”的进展情况应于{due}报送，至今未报，请尽快报送。")
            }
            ReminderKind::DeadlineBefore => {
                format!("【催办】“{title}”的完成时限为{due}，请抓紧推进。")
            }
            ReminderKind::DeadlineDue => {
                format!("【催办】“{title}”今日（{due}）到达完成时限，请及时申请办结。")
            }
            ReminderKind::DeadlineMissed => {
                format!("【催办】“{title}”已超过完成时限（{due}），请说明情况并尽快办结。")
            }
        }
    }
}

/// Where a reminder goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The notification centre of the web interface: always on.
    InApp,
    Webhook,
    Email,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::InApp => "inapp",
            Channel::Webhook => "webhook",
            Channel::Email => "email",
        }
    }

    pub fn from_code(code: &str) -> Option<Channel> {
        [Channel::InApp, Channel::Webhook, Channel::Email]
            .into_iter()
            .find(|c| c.code() == code)
    }
}

/// The reminders a task calls for on `day`: at most one per due date, the
/// latest stage that applies. `next_due` is the next report due date no
/// report satisfies, `last_missed` the latest due date missed in a row.
pub fn reminders_on(
    day: Date,
    days_before: u32,
    next_due: Option<Date>,
    last_missed: Option<Date>,
    deadline: Option<Date>,
) -> Vec<(ReminderKind, Date)> {
    let before = i64::from(days_before);
    let stage = |due: Date, early: ReminderKind, on: ReminderKind, late: ReminderKind| {
        let from = due.add_days(-before).unwrap_or(due);
        if day == due {
            Some((on, due))
        } else if day > due {
            Some((late, due))
        } else if day >= from {
            Some((early, due))
        } else {
            None
        }
    };
    let mut out = Vec::with_capacity(3);
    if let Some(m) = last_missed {
        out.push((ReminderKind::ReportMissed, m));
    }
    if let Some(d) = next_due
        && let Some(r) = stage(
            d,
            ReminderKind::ReportBefore,
            ReminderKind::ReportDue,
            ReminderKind::ReportMissed,
        )
    {
        out.push(r);
    }
    if let Some(d) = deadline
        && let Some(r) = stage(
            d,
            ReminderKind::DeadlineBefore,
            ReminderKind::DeadlineDue,
            ReminderKind::DeadlineMissed,
        )
    {
        out.push(r);
    }
    out
}

/// The next reminder a task will get after `day` (for `supervise status`),
/// with the day it goes out.
pub fn next_reminder(
    day: Date,
    days_before: u32,
    next_due: Option<Date>,
    deadline: Option<Date>,
) -> Option<(Date, ReminderKind, Date)> {
    let before = i64::from(days_before);
    let mut best: Option<(Date, ReminderKind, Date)> = None;
    let mut consider = |send: Date, kind: ReminderKind, due: Date| {
        if send > day && best.is_none_or(|(s, _, _)| send < s) {
            best = Some((send, kind, due));
        }
    };
    for (due, early, on, late) in [
        next_due.map(|d| {
            (
                d,
                ReminderKind::ReportBefore,
                ReminderKind::ReportDue,
                ReminderKind::ReportMissed,
            )
        }),
        deadline.map(|d| {
            (
                d,
                ReminderKind::DeadlineBefore,
                ReminderKind::DeadlineDue,
                ReminderKind::DeadlineMissed,
            )
        }),
    ]
    .into_iter()
    .flatten()
    {
        if let Some(from) = due.add_days(-before) {
            consider(from, early, due);
        }
        consider(due, on, due);
        if let Some(after) = due.add_days(1) {
            consider(after, late, due);
        }
    }
    best
}

/// What one recording pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Tasks looked at.
    pub tasks: usize,
    /// New reminders recorded, per channel.
    pub by_channel: Vec<(Channel, usize)>,
    /// In-app notifications created.
    pub notifications: usize,
}

/// A reminder an external channel still has to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub task: TaskId,
    pub task_title: String,
    pub kind: ReminderKind,
    pub due_on: Date,
    pub channel: Channel,
    pub unit: Option<UnitRef>,
    /// The unit's e-mail address (for the e-mail channel).
    pub email: Option<String>,
    pub text: String,
    pub attempts: i64,
}

/// A reminder as recorded, for `supervise status` and the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentReminder {
    pub id: i64,
    pub task: TaskId,
    pub kind: ReminderKind,
    pub due_on: Date,
    pub channel: Channel,
    pub unit: Option<UnitRef>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// A task's next reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpcomingReminder {
    pub task: TaskId,
    pub title: String,
    pub unit: Option<UnitRef>,
    pub send_on: Date,
    pub kind: ReminderKind,
    pub due_on: Date,
}

/// An entry of the notification centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub unit: UnitRef,
    pub task: TaskId,
    pub kind: ReminderKind,
    pub due_on: Date,
    pub text: String,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
    pub read_by: Option<String>,
}

/// Which notifications to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationFilter {
    /// Only these recipient units (`None`: all).
    pub units: Option<Vec<UnitId>>,
    pub unread: bool,
    /// Keyset paging, newest first: ids below this one.
    pub before: Option<i64>,
    pub limit: Option<u32>,
}

/// One open task as the reminder rules need it.
struct OpenTask {
    id: i64,
    title: String,
    lead: Option<i64>,
    deadline: Option<Date>,
    next_due: Option<Date>,
}

fn day_of(ms: i64) -> Date {
    Timestamp::from_millis(ms)
        .date_at_offset(CHINA_OFFSET_MINUTES)
        .unwrap_or(Date::UNIX_EPOCH)
}

fn parse_day(text: &str, table: &str, id: i64, what: &str) -> Result<Date, StoreError> {
    Date::parse(text).map_err(|_| StoreError::corrupt(table, id, what))
}

/// Every task being worked on with its next due date on `day` (for the
/// upcoming reminders): one query
/// (the latest report by a correlated `MAX(id)` index seek per task), the
/// cycle rules in Rust.
async fn open_tasks(
    tx: &mut Tx,
    day: Date,
    rules: &WarningRules,
) -> Result<Vec<OpenTask>, StoreError> {
    let default_cycle = rules.default_cycle()?;
    let rows = tx
        .fetch_all(
            &format!(
                "SELECT t.id, t.title, t.lead_unit_id, t.deadline, t.created_at,
                    rc.id AS cycle_id, rc.kind AS cycle_kind, rc.dates AS cycle_dates,
                    rc.starts_on AS cycle_start, r.created_at AS report_at
                 FROM (SELECT t.id, t.title, t.lead_unit_id, t.deadline, t.created_at,
                              (SELECT MAX(id) FROM progress_reports WHERE task_id = t.id) AS report_id
                       FROM tasks t
                       WHERE t.status IN ('{}', '{}') AND t.lead_unit_id IS NOT NULL) t
                 LEFT JOIN report_cycles rc ON rc.task_id = t.id
                 LEFT JOIN progress_reports r ON r.id = t.report_id
                 ORDER BY t.id",
                OVERDUE_STATUSES[0], OVERDUE_STATUSES[1]
            ),
            vec![],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let id = row.int("id")?;
        let (cycle, start) = match row.opt_text("cycle_kind")? {
            Some(kind) => {
                let cid = row.int("cycle_id")?;
                let cycle = Cycle::from_stored(&kind, &row.text("cycle_dates")?)
                    .map_err(|_| StoreError::corrupt("report_cycles", cid, "kind"))?;
                let start =
                    parse_day(&row.text("cycle_start")?, "report_cycles", cid, "starts_on")?;
                (Some(cycle), start)
            }
            None => (default_cycle.clone(), day_of(row.int("created_at")?)),
        };
        let next_due = match &cycle {
            Some(c) => {
                let reports: Vec<Date> =
                    row.opt_int("report_at")?.map(day_of).into_iter().collect();
                cycle_state(c, start, &reports, day, &rules.due).next_due
            }
            None => None,
        };
        let deadline = row
            .opt_text("deadline")?
            .map(|d| parse_day(&d, "tasks", id, "deadline"))
            .transpose()?;
        out.push(OpenTask {
            id,
            title: row.text("title")?,
            lead: row.opt_int("lead_unit_id")?,
            deadline,
            next_due,
        });
    }
    Ok(out)
}

/// The configured channels with the in-app one, each once, in order.
pub(crate) fn with_inapp(channels: &[Channel]) -> Vec<Channel> {
    let mut channels: Vec<Channel> = channels.to_vec();
    channels.push(Channel::InApp);
    channels.sort_unstable();
    channels.dedup();
    channels
}

/// Every unit's e-mail address for reminders, by unit id.
pub(crate) async fn unit_emails(tx: &mut Tx) -> Result<HashMap<i64, String>, StoreError> {
    tx.fetch_all("SELECT unit_id, email FROM unit_contacts", vec![])
        .await?
        .iter()
        .map(|r| Ok((r.int("unit_id")?, r.text("email")?)))
        .collect()
}

fn notification_of(r: &Row) -> Result<Notification, StoreError> {
    let id = r.int("id")?;
    let kind = ReminderKind::from_code(&r.text("kind")?)
        .ok_or_else(|| StoreError::corrupt("notifications", id, "kind"))?;
    let unit = unit_ref(Some(r.int("unit_id")?), r.opt_text("unit_name")?)?
        .ok_or_else(|| StoreError::corrupt("notifications", id, "unit_id"))?;
    Ok(Notification {
        id,
        unit,
        task: TaskId(r.int("task_id")?),
        kind,
        due_on: parse_day(&r.text("due_on")?, "notifications", id, "due_on")?,
        text: r.text("text")?,
        created_at: Timestamp::from_millis(r.int("created_at")?),
        read_at: r.opt_int("read_at")?.map(Timestamp::from_millis),
        read_by: r.opt_text("read_by")?,
    })
}

const NOTIFICATION_SELECT: &str = "SELECT n.id, n.unit_id, u.name AS unit_name, n.task_id, n.kind,
        n.due_on, n.text, n.created_at, n.read_at, n.read_by
    FROM notifications n JOIN units u ON u.id = n.unit_id";

fn unit_list(units: &[UnitId]) -> String {
    if units.is_empty() {
        return "NULL".to_owned();
    }
    units
        .iter()
        .map(|u| u.0.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Records the reminders `day` calls for on every channel in
    /// `channels` (the in-app channel is always on) and creates their
    /// in-app notifications (per chunk of tasks, one write transaction
    /// each, none when nothing is new: see [`Store::supervise_day`]). A
    /// reminder already recorded is left alone, so running this twice
    /// records nothing new. E-mail reminders are recorded only for units
    /// with an address.
    pub async fn record_reminders(
        &self,
        day: Date,
        days_before: u32,
        channels: &[Channel],
        rules: &WarningRules,
    ) -> Result<Recorded, StoreError> {
        let pass = self
            .supervise_day(
                day,
                rules,
                None,
                Some(crate::supervision::ReminderPass {
                    days_before,
                    channels,
                }),
            )
            .await?;
        Ok(pass.reminders.unwrap_or_default())
    }

    /// Reminders of external channels not delivered yet, oldest first.
    pub async fn pending_deliveries(&self, limit: u32) -> Result<Vec<Delivery>, StoreError> {
        let mut tx = self.pool().read().await?;
        let rows = tx
            .fetch_all(
                "SELECT r.id, r.task_id, t.title, r.kind, r.due_on, r.channel, r.unit_id,
                        u.name AS unit_name, c.email, r.text, r.attempts
                 FROM reminders r JOIN tasks t ON t.id = r.task_id
                 LEFT JOIN units u ON u.id = r.unit_id
                 LEFT JOIN unit_contacts c ON c.unit_id = r.unit_id
                 WHERE r.sent_at IS NULL ORDER BY r.id LIMIT $1",
                args![i64::from(limit)],
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                let id = r.int("id")?;
                let corrupt = |what: &str| StoreError::corrupt("reminders", id, what);
                Ok(Delivery {
                    id,
                    task: TaskId(r.int("task_id")?),
                    task_title: r.text("title")?,
                    kind: ReminderKind::from_code(&r.text("kind")?)
                        .ok_or_else(|| corrupt("kind"))?,
                    due_on: parse_day(&r.text("due_on")?, "reminders", id, "due_on")?,
                    channel: Channel::from_code(&r.text("channel")?)
                        .ok_or_else(|| corrupt("channel"))?,
                    unit: unit_ref(r.opt_int("unit_id")?, r.opt_text("unit_name")?)?,
                    email: r.opt_text("email")?,
                    text: r.text("text")?,
                    attempts: r.int("attempts")?,
                })
            })
            .collect()
    }

    /// Marks a delivery done (`Ok`) or failed with the cause (`Err`, kept
    /// for the next tick to retry). A delivery already marked sent stays so.
    pub async fn mark_delivery(
        &self,
        id: i64,
        outcome: Result<(), String>,
    ) -> Result<(), StoreError> {
        let now = self.clock().now().millis();
        let mut tx = self.pool().write().await?;
        match outcome {
            Ok(()) => {
                tx.execute(
                    "UPDATE reminders SET sent_at = $1, attempts = attempts + 1, last_error = NULL
                     WHERE id = $2 AND sent_at IS NULL",
                    args![now, id],
                )
                .await?
            }
            Err(e) => {
                let e: String = e.chars().take(500).collect();
                tx.execute(
                    "UPDATE reminders SET attempts = attempts + 1, last_error = $1
                     WHERE id = $2 AND sent_at IS NULL",
                    args![e, id],
                )
                .await?
            }
        };
        tx.commit().await
    }

    /// Reminders recorded, newest first (keyset by id), optionally of one
    /// channel and only for tasks led by the given units.
    pub async fn reminders_sent(
        &self,
        channel: Option<Channel>,
        units: Option<&[UnitId]>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<SentReminder>, StoreError> {
        let mut sql = String::from(
            "SELECT r.id, r.task_id, r.kind, r.due_on, r.channel, r.unit_id, u.name AS unit_name,
                    r.created_at, r.sent_at, r.attempts, r.last_error
             FROM reminders r LEFT JOIN units u ON u.id = r.unit_id WHERE 1 = 1",
        );
        let mut values = Vec::new();
        if let Some(c) = channel {
            values.push(Arg::from(c.code()));
            sql.push_str(&format!(" AND r.channel = ${}", values.len()));
        }
        if let Some(b) = before {
            values.push(Arg::from(b));
            sql.push_str(&format!(" AND r.id < ${}", values.len()));
        }
        if let Some(units) = units {
            sql.push_str(&format!(" AND r.unit_id IN ({})", unit_list(units)));
        }
        values.push(Arg::from(i64::from(limit)));
        sql.push_str(&format!(" ORDER BY r.id DESC LIMIT ${}", values.len()));
        let mut tx = self.pool().read().await?;
        let rows = tx.fetch_all(&sql, values).await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                let id = r.int("id")?;
                let corrupt = |what: &str| StoreError::corrupt("reminders", id, what);
                Ok(SentReminder {
                    id,
                    task: TaskId(r.int("task_id")?),
                    kind: ReminderKind::from_code(&r.text("kind")?)
                        .ok_or_else(|| corrupt("kind"))?,
                    due_on: parse_day(&r.text("due_on")?, "reminders", id, "due_on")?,
                    channel: Channel::from_code(&r.text("channel")?)
                        .ok_or_else(|| corrupt("channel"))?,
                    unit: unit_ref(r.opt_int("unit_id")?, r.opt_text("unit_name")?)?,
                    created_at: Timestamp::from_millis(r.int("created_at")?),
                    sent_at: r.opt_int("sent_at")?.map(Timestamp::from_millis),
                    attempts: r.int("attempts")?,
                    last_error: r.opt_text("last_error")?,
                })
            })
            .collect()
    }

    /// Count of reminders recorded per channel: (channel, sent, pending).
    pub async fn reminder_counts(&self) -> Result<Vec<(Channel, i64, i64)>, StoreError> {
        let mut tx = self.pool().read().await?;
        let rows = tx
            .fetch_all(
                "SELECT channel, CAST(SUM(CASE WHEN sent_at IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS sent,
                        CAST(SUM(CASE WHEN sent_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS pending
                 FROM reminders GROUP BY channel ORDER BY channel",
                vec![],
            )
            .await?;
        tx.commit().await?;
        let mut out = Vec::new();
        for r in &rows {
            if let Some(c) = Channel::from_code(&r.text("channel")?) {
                out.push((c, r.int("sent")?, r.int("pending")?));
            }
        }
        Ok(out)
    }

    /// Each open task's next reminder after `day`, soonest first, at most
    /// `limit`, only tasks led by `units` when given.
    pub async fn upcoming_reminders(
        &self,
        day: Date,
        days_before: u32,
        rules: &WarningRules,
        units: Option<&[UnitId]>,
        limit: usize,
    ) -> Result<Vec<UpcomingReminder>, StoreError> {
        rules.validate()?;
        let mut tx = self.pool().read().await?;
        let tasks = open_tasks(&mut tx, day, rules).await?;
        let names: HashMap<i64, String> = tx
            .fetch_all("SELECT id, name FROM units", vec![])
            .await?
            .iter()
            .map(|r| Ok((r.int("id")?, r.text("name")?)))
            .collect::<Result<_, StoreError>>()?;
        tx.commit().await?;
        let mut out = Vec::new();
        for t in tasks {
            if let Some(units) = units
                && !t.lead.is_some_and(|l| units.iter().any(|u| u.0 == l))
            {
                continue;
            }
            let Some((send_on, kind, due_on)) =
                next_reminder(day, days_before, t.next_due, t.deadline)
            else {
                continue;
            };
            out.push(UpcomingReminder {
                task: TaskId(t.id),
                unit: unit_ref(t.lead, t.lead.and_then(|l| names.get(&l).cloned()))?,
                title: t.title,
                send_on,
                kind,
                due_on,
            });
        }
        out.sort_by_key(|u| (u.send_on, u.task.0));
        out.truncate(limit);
        Ok(out)
    }

    /// The notification centre, newest first.
    pub async fn notifications(
        &self,
        filter: &NotificationFilter,
    ) -> Result<Vec<Notification>, StoreError> {
        let mut sql = format!("{NOTIFICATION_SELECT} WHERE 1 = 1");
        let mut values = Vec::new();
        if let Some(units) = &filter.units {
            sql.push_str(&format!(" AND n.unit_id IN ({})", unit_list(units)));
        }
        if filter.unread {
            sql.push_str(" AND n.read_at IS NULL");
        }
        if let Some(b) = filter.before {
            values.push(Arg::from(b));
            sql.push_str(&format!(" AND n.id < ${}", values.len()));
        }
        values.push(Arg::from(i64::from(filter.limit.unwrap_or(50))));
        sql.push_str(&format!(" ORDER BY n.id DESC LIMIT ${}", values.len()));
        let mut tx = self.pool().read().await?;
        let rows = tx.fetch_all(&sql, values).await?;
        tx.commit().await?;
        rows.iter().map(notification_of).collect()
    }

    /// Marks a notification read (kept, never deleted). Only a reader of
    /// one of `units` may (`None`: any); otherwise, and when it does not
    /// exist, it is not found. Marking it again changes nothing.
    pub async fn mark_notification_read(
        &self,
        id: i64,
        by: &PersonName,
        units: Option<&[UnitId]>,
    ) -> Result<Notification, StoreError> {
        let now = self.clock().now().millis();
        let mut tx = self.pool().write().await?;
        let row = tx
            .fetch_optional(&format!("{NOTIFICATION_SELECT} WHERE n.id = $1"), args![id])
            .await?
            .ok_or_else(|| StoreError::not_found(Entity::Notification, id))?;
        let n = notification_of(&row)?;
        if let Some(units) = units
            && !units.contains(&n.unit.id)
        {
            return Err(StoreError::not_found(Entity::Notification, id));
        }
        tx.execute(
            "UPDATE notifications SET read_at = $1, read_by = $2 WHERE id = $3 AND read_at IS NULL",
            args![now, by.as_str(), id],
        )
        .await?;
        let row = tx
            .fetch_optional(&format!("{NOTIFICATION_SELECT} WHERE n.id = $1"), args![id])
            .await?
            .ok_or_else(|| StoreError::not_found(Entity::Notification, id))?;
        tx.commit().await?;
        notification_of(&row)
    }

    /// Sets (or replaces) the e-mail address reminders to a unit go to.
    pub async fn set_unit_email(&self, unit: &UnitName, email: &str) -> Result<(), StoreError> {
        let email = email.trim();
        if email.is_empty()
            || email.len() > 254
            || !email.contains('@')
            || email.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ValueError::BadEmail {
                input: email.chars().take(100).collect(),
            }
            .into());
        }
        let now = self.clock().now().millis();
        let mut tx = self.pool().write().await?;
        let id = unit_id(&mut tx, unit).await?;
        tx.execute(
            "INSERT INTO unit_contacts (unit_id, email, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (unit_id) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at",
            args![id, email, now],
        )
        .await?;
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn one_stage_per_due_date() {
        let due = Some(d("2026-04-05"));
        assert!(reminders_on(d("2026-04-01"), 3, due, None, None).is_empty());
        assert_eq!(
            reminders_on(d("2026-04-02"), 3, due, None, None),
            vec![(ReminderKind::ReportBefore, d("2026-04-05"))]
        );
        assert_eq!(
            reminders_on(d("2026-04-05"), 3, due, None, None),
            vec![(ReminderKind::ReportDue, d("2026-04-05"))]
        );
        assert_eq!(
            reminders_on(
                d("2026-04-07"),
                3,
                None,
                Some(d("2026-04-05")),
                Some(d("2026-04-06"))
            ),
            vec![
                (ReminderKind::ReportMissed, d("2026-04-05")),
                (ReminderKind::DeadlineMissed, d("2026-04-06"))
            ]
        );
    }

    #[test]
    fn next_reminder_is_the_soonest_stage_after_the_day() {
        let next = next_reminder(
            d("2026-04-01"),
            3,
            Some(d("2026-04-05")),
            Some(d("2026-12-31")),
        );
        assert_eq!(
            next,
            Some((d("2026-04-02"), ReminderKind::ReportBefore, d("2026-04-05")))
        );
        let next = next_reminder(d("2026-04-05"), 3, Some(d("2026-04-05")), None);
        assert_eq!(
            next,
            Some((d("2026-04-06"), ReminderKind::ReportMissed, d("2026-04-05")))
        );
    }
}
