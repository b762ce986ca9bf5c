//! The store: the ledger's operations in domain words, on either engine.
//!
//! Every write runs in one transaction that holds the write lock, checks
//! the life cycle through [`crate::lifecycle::transition`], checks the
//! version the caller read (a stale one is a [`Conflict::Stale`] and changes
//! nothing), changes rows, and appends one audit event per changed row.
//! There is no DELETE anywhere: records change state instead.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use luoshi_extract::TaskKind;

use crate::audit::{
    self, CO_UNITS, DOCUMENTS, MEETINGS, REPORTS, RETURN_DATES, TASKS, UNITS, VerifyReport, Writer,
};
use crate::clock::Clock;
use crate::db::{Arg, DatabaseUrl, Engine, Pool, Row, Tx, args, bind_list};
use crate::error::{Conflict, Entity, StoreError, ValueError};
use crate::ledger::Ledger;
use crate::lifecycle::{Action, OVERDUE_STATUSES, Status, StatusFilter, review_report, transition};
use crate::migrate;
use crate::model::{
    Assignment, DayActivity, DeadlineCounts, Document, DocumentKind, DocumentSummary, Imported,
    Ingested, Meeting, NewAssignment, NewDocument, NewReport, PendingReport, ProgressReport,
    ReportKind, ReviewState, Span, Task, TaskDetail, TaskFilter, TaskSort, ThemeCount, Unit,
    UnitRef, UnitStatusCount,
};
use crate::value::{
    Date, DocumentId, MeetingId, Percent, Period, PersonName, ReportId, TaskId, Text, Timestamp,
    UnitId, UnitName, Version,
};
use crate::xlsx::{ImportRow, ImportSheet};

/// The ledger on one database, SQLite or PostgreSQL, chosen by URL.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("engine", &self.engine())
            .finish()
    }
}

pub(crate) const TASK_SELECT: &str =
    "SELECT t.id, t.version, t.document_id, t.parent_id, t.ordinal, t.source_ref, t.kind,
        t.cue, t.title, t.text, t.span_start, t.span_end, t.due_text, t.status, t.suspended_from,
        t.lead_unit_id, l.name AS lead_name, t.owner, t.deadline, t.created_at, t.updated_at
    FROM tasks t LEFT JOIN units l ON l.id = t.lead_unit_id";

pub(crate) const REPORT_SELECT: &str =
    "SELECT r.id, r.version, r.task_id, r.unit_id, u.name AS unit_name, r.kind, r.period,
        r.done, r.next_steps, r.percent, r.problems, r.evidence, r.review_state, r.review_note,
        r.reviewed_by, r.reviewed_at, r.reported_by, r.created_at
    FROM progress_reports r LEFT JOIN units u ON u.id = r.unit_id";

const UNIT_SELECT: &str =
    "SELECT u.id, u.version, u.name, u.parent_id, p.name AS parent_name, u.created_at
    FROM units u LEFT JOIN units p ON p.id = u.parent_id";

/// The audit action of records an Excel import creates.
/// The status columns of `unit_task_counts`, each named by its status code,
/// in the order counts are listed (alphabetical, as before the table).
pub(crate) const COUNTED_STATUSES: [&str; 6] = [
    "assigned",
    "closed",
    "completion_requested",
    "draft",
    "in_progress",
    "suspended",
];

const IMPORT: &str = "import";

/// The cue of tasks that came from an Excel ledger rather than a document.
const IMPORT_CUE: &str = "台账导入";

/// The period label of a completion request.
const COMPLETION_PERIOD: &str = "办结申请";

impl Store {
    /// Opens the ledger at `url` (`sqlite://PATH` or `postgres://…`),
    /// creating the SQLite file if needed and applying migrations.
    pub async fn open(url: &str, clock: Arc<dyn Clock>) -> Result<Store, StoreError> {
        let url = DatabaseUrl::parse(url)?;
        let pool = Pool::connect(&url).await?;
        migrate::run(&pool, clock.now().millis()).await?;
        let store = Store { pool, clock };
        store.refresh_statistics().await?;
        Ok(store)
    }

    /// Brings SQLite's planner statistics (`sqlite_stat1`) up to date
    /// where a table has grown or shrunk a lot since they were gathered:
    /// statistics gathered on a young ledger (warning cards: none) would
    /// otherwise send the planner to the wrong index once the table holds
    /// tens of thousands of rows. `PRAGMA optimize` with "check every
    /// table" (0x10002): usually a no-op, and when it analyses, it does so
    /// with a bounded sample, so it stays fast on any ledger. PostgreSQL's
    /// autovacuum does this on its own.
    pub(crate) async fn refresh_statistics(&self) -> Result<(), StoreError> {
        if self.engine() == Engine::Sqlite {
            let mut tx = self.pool.write().await?;
            tx.execute("PRAGMA optimize = 0x10002", vec![]).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    pub fn engine(&self) -> Engine {
        self.pool.engine()
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The clock the store stamps records with.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// Whether a reader of `units` (from
    /// [`crate::Accounts::visible_units`]) may see task `id`: the rule of
    /// [`TaskFilter::visible_units`]. An unknown task is
    /// [`StoreError::NotFound`].
    pub async fn task_visible(&self, id: TaskId, units: &[UnitId]) -> Result<bool, StoreError> {
        let mut tx = self.pool.read().await?;
        let mut values = vec![Arg::from(id.0)];
        let condition = visibility(units, &mut values);
        let exists = tx
            .fetch_optional("SELECT id FROM tasks WHERE id = $1", args![id.0])
            .await?
            .is_some();
        let visible = tx
            .fetch_optional(
                &format!("SELECT t.id FROM tasks t WHERE t.id = $1 AND {condition}"),
                values,
            )
            .await?
            .is_some();
        tx.commit().await?;
        if !exists {
            return Err(StoreError::not_found(Entity::Task, id));
        }
        Ok(visible)
    }

    /// How many tasks each lead unit has in each status: read from
    /// `unit_task_counts`, which triggers keep current (migration 2), one
    /// row per unit instead of a count over every task.
    ///
    /// `units` restricts the rows to these lead units (a scoped reader, see
    /// [`crate::Accounts::visible_units`]; unassigned tasks are then not
    /// counted); `None` counts every unit.
    pub async fn counts_by_unit_status_in(
        &self,
        units: Option<&[UnitId]>,
    ) -> Result<Vec<UnitStatusCount>, StoreError> {
        let mut tx = self.pool.read().await?;
        let columns = COUNTED_STATUSES.map(|s| format!("c.{s}")).join(", ");
        let mut values: Vec<Arg> = Vec::new();
        let restriction = match units {
            None => String::new(),
            Some([]) => " WHERE 1 = 0".to_owned(),
            Some(units) => {
                let list = bind_list(&mut values, units.iter().map(|u| u.0));
                format!(" WHERE c.unit_key IN ({list})")
            }
        };
        // One row per unit. (A single JSON value was faster while SQLite
        // rows came through sqlx one thread hand-over each; read through
        // rusqlite, and on PostgreSQL, plain rows are the faster form.)
        let rows = tx
            .fetch_all(
                &format!(
                    "SELECT c.unit_key, u.name AS unit_name, {columns}
                     FROM unit_task_counts c LEFT JOIN units u ON u.id = c.unit_key{restriction}
                     ORDER BY c.unit_key"
                ),
                values,
            )
            .await?;
        tx.commit().await?;
        let mut counts = Vec::new();
        for r in &rows {
            let key = r.int("unit_key")?;
            let unit = if key == 0 {
                None
            } else {
                unit_ref(Some(key), r.opt_text("unit_name")?)?
            };
            for status in COUNTED_STATUSES {
                let count = r.int(status)?;
                if count != 0 {
                    counts.push(UnitStatusCount {
                        unit: unit.clone(),
                        status,
                        count,
                    });
                }
            }
        }
        Ok(counts)
    }

    /// Closes every connection; the store is unusable afterwards.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) async fn writer(&self, actor: &PersonName) -> Result<Writer, StoreError> {
        Writer::begin(&self.pool, actor, self.clock.now()).await
    }

    async fn review(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
        action: Action,
        reason: Option<&Text>,
        new_date: Option<Date>,
    ) -> Result<Task, StoreError> {
        if let Some(date) = new_date {
            let today = self.clock.today();
            if date < today {
                return Err(ValueError::ReturnDateInPast {
                    date: date.to_string(),
                    today: today.to_string(),
                }
                .into());
            }
        }
        let mut w = self.writer(actor).await?;
        let (current, before) = lock_task(&mut w, task, Some(expected)).await?;
        let to = transition(current.status, action)?;
        let pending =
            w.tx.fetch_optional(
                "SELECT id FROM progress_reports
                 WHERE task_id = $1 AND kind = 'completion' AND review_state = 'submitted'
                 ORDER BY id DESC LIMIT 1",
                args![task.0],
            )
            .await?;
        let note = reason.map(Text::as_str);
        let mut returned_report = None;
        if let Some(row) = pending {
            let report_id = row.int("id")?;
            returned_report = Some(report_id);
            let state = if action == Action::Close {
                ReviewState::Accepted
            } else {
                ReviewState::Returned
            };
            let report_before = w.snapshot(&REPORTS, report_id).await?;
            w.tx.execute(
                "UPDATE progress_reports SET review_state = $1, review_note = $2, reviewed_by = $3, reviewed_at = $4,
                        version = version + 1
                 WHERE id = $5",
                args![state.code(), note, w.actor(), w.at().millis(), report_id],
            )
            .await?;
            let report_action = if action == Action::Close {
                "accept"
            } else {
                "return"
            };
            w.record(
                &REPORTS,
                report_id,
                Some(task.0),
                report_action,
                note,
                report_before,
            )
            .await?;
        }
        if let Some(date) = new_date.filter(|_| action == Action::Return) {
            let row = w
                .tx
                .fetch_optional(
                    "INSERT INTO return_dates (version, task_id, report_id, new_date, created_at, created_by)
                     VALUES (1, $1, $2, $3, $4, $5) RETURNING id",
                    args![
                        task.0,
                        returned_report,
                        date.to_string(),
                        w.at().millis(),
                        w.actor()
                    ],
                )
                .await?;
            let id = returned_id(row)?;
            w.record(&RETURN_DATES, id, Some(task.0), "create", note, None)
                .await?;
        }
        set_status(&mut w, &current, to, action, note, before).await?;
        w.commit().await?;
        self.task(task).await
    }

    /// Returns the completion request (退回) with a reason and, when
    /// given, the new date (整改/重新办结期限) by which the task is to be
    /// requested for completion again: [`Ledger::return_task`] plus a
    /// `return_dates` row in the same transaction. The warning rules raise
    /// a card (`return_date_passed`) when the day is past that date and the
    /// task has not been requested for completion again. A date before
    /// today is refused (`return_date_in_past`) and changes nothing.
    pub async fn return_task_until(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
        reason: &Text,
        new_date: Option<Date>,
    ) -> Result<Task, StoreError> {
        self.review(
            actor,
            task,
            expected,
            Action::Return,
            Some(reason),
            new_date,
        )
        .await
    }

    /// The new date given with the task's latest return, while it is
    /// outstanding (no completion request filed since): `None` when the
    /// latest return gave no date or the task was requested for
    /// completion again.
    pub async fn return_date(&self, task: TaskId) -> Result<Option<Date>, StoreError> {
        let mut tx = self.pool.read().await?;
        let row = tx
            .fetch_optional(
                "SELECT d.id, d.new_date FROM return_dates d
                 WHERE d.id = (SELECT MAX(id) FROM return_dates WHERE task_id = $1)
                   AND NOT EXISTS (SELECT 1 FROM progress_reports r
                                   WHERE r.task_id = $1 AND r.kind = 'completion'
                                     AND r.id > COALESCE(d.report_id, 0))",
                args![task.0],
            )
            .await?;
        tx.commit().await?;
        match row {
            Some(r) => {
                let id = r.int("id")?;
                let text = r.text("new_date")?;
                Date::parse(&text)
                    .map(Some)
                    .map_err(|_| StoreError::corrupt("return_dates", id, "new_date"))
            }
            None => Ok(None),
        }
    }

    async fn change_status(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
        action: Action,
        note: Option<&Text>,
    ) -> Result<Task, StoreError> {
        let mut w = self.writer(actor).await?;
        let (current, before) = lock_task(&mut w, task, Some(expected)).await?;
        let to = transition(current.status, action)?;
        set_status(&mut w, &current, to, action, note.map(Text::as_str), before).await?;
        w.commit().await?;
        self.task(task).await
    }
}

impl Ledger for Store {
    /// Stores a document with its meeting and its extracted task tree as
    /// draft tasks, all in one transaction.
    async fn ingest(
        &self,
        actor: &PersonName,
        doc: NewDocument<'_>,
    ) -> Result<Ingested, StoreError> {
        let drafts = validate_extraction(doc)?;
        let extraction_json = serde_json::to_string(doc.extraction)
            .map_err(|e| StoreError::other("保存提取结果", e))?;
        let ex = doc.extraction;
        let mut w = self.writer(actor).await?;
        let now = w.at().millis();
        let row = w
            .tx
            .fetch_optional(
                "INSERT INTO documents (version, name, kind, encoding, script, source, extraction, created_at, created_by)
                 VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                args![
                    doc.name.map(|n| n.as_str()),
                    DocumentKind::from(doc.source.kind).code(),
                    doc.source.encoding,
                    ex.script.as_str(),
                    doc.source.text.as_str(),
                    extraction_json,
                    now,
                    w.actor(),
                ],
            )
            .await?;
        let doc_id = returned_id(row)?;
        w.record(&DOCUMENTS, doc_id, None, "create", None, None)
            .await?;

        let row =
            w.tx.fetch_optional(
                "INSERT INTO meetings (version, document_id, title, held_on, body, chair)
                 VALUES (1, $1, $2, $3, $4, $5) RETURNING id",
                args![
                    doc_id,
                    ex.meeting.title.clone(),
                    ex.meeting.date.clone(),
                    ex.meeting.body.clone(),
                    ex.meeting.chair.clone(),
                ],
            )
            .await?;
        let meeting_id = returned_id(row)?;
        w.record(&MEETINGS, meeting_id, None, "create", None, None)
            .await?;

        let mut ids: HashMap<&str, i64> = HashMap::new();
        for (ordinal, d) in (1i64..).zip(&drafts) {
            let parent = d.parent.and_then(|p| ids.get(p).copied());
            let row = w
                .tx
                .fetch_optional(
                    "INSERT INTO tasks (version, document_id, parent_id, ordinal, source_ref, kind, cue, title, text,
                                        span_start, span_end, due_text, status, created_at, updated_at)
                     VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'draft', $12, $12) RETURNING id",
                    args![
                        doc_id,
                        parent,
                        ordinal,
                        d.source_ref,
                        kind_code(d.kind),
                        d.cue,
                        d.title.as_str(),
                        d.text.as_str(),
                        to_i64(d.span.start()),
                        to_i64(d.span.end()),
                        d.due_text,
                        now,
                    ],
                )
                .await?;
            let id = returned_id(row)?;
            ids.insert(d.source_ref, id);
            w.record(&TASKS, id, Some(id), "create", None, None).await?;
        }
        w.commit().await?;

        let mut tx = self.pool.read().await?;
        let document = load_document(&mut tx, DocumentId(doc_id)).await?;
        let meeting = load_meeting(&mut tx, MeetingId(meeting_id)).await?;
        let tasks = load_tasks(
            &mut tx,
            &TaskFilter {
                document: Some(DocumentId(doc_id)),
                ..TaskFilter::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ingested {
            document,
            meeting,
            tasks,
        })
    }

    async fn document(&self, id: DocumentId) -> Result<Document, StoreError> {
        let mut tx = self.pool.read().await?;
        let d = load_document(&mut tx, id).await?;
        tx.commit().await?;
        Ok(d)
    }

    async fn documents(
        &self,
        after: Option<DocumentId>,
        limit: u32,
    ) -> Result<Vec<DocumentSummary>, StoreError> {
        let mut tx = self.pool.read().await?;
        let rows = tx
            .fetch_all(
                &format!(
                    "SELECT d.id, d.version, d.name, d.kind, d.script, d.created_at, d.created_by,
                        m.title, m.held_on
                     FROM documents d LEFT JOIN meetings m ON m.document_id = d.id
                     WHERE d.id > $1 ORDER BY d.id LIMIT {limit}"
                ),
                args![after.map_or(0, |a| a.0)],
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                let id = r.int("id")?;
                let corrupt = |what: &str| StoreError::corrupt("documents", id, what);
                Ok(DocumentSummary {
                    id: DocumentId(id),
                    version: Version(r.int("version")?),
                    name: r.opt_text("name")?,
                    kind: DocumentKind::from_code(&r.text("kind")?)
                        .ok_or_else(|| corrupt("kind"))?,
                    script: r.text("script")?,
                    title: r.opt_text("title")?,
                    held_on: r.opt_text("held_on")?,
                    created_at: Timestamp::from_millis(r.int("created_at")?),
                    created_by: PersonName::parse(&r.text("created_by")?)
                        .map_err(|_| corrupt("created_by"))?,
                })
            })
            .collect()
    }

    /// The meeting a document reports.
    async fn meeting_of(&self, document: DocumentId) -> Result<Meeting, StoreError> {
        let mut tx = self.pool.read().await?;
        let row = tx
            .fetch_optional(
                "SELECT id FROM meetings WHERE document_id = $1",
                args![document.0],
            )
            .await?
            .ok_or_else(|| StoreError::not_found(Entity::Meeting, document))?;
        let m = load_meeting(&mut tx, MeetingId(row.int("id")?)).await?;
        tx.commit().await?;
        Ok(m)
    }

    /// Adds a unit; its name must be new, its parent (by name) must exist.
    async fn add_unit(
        &self,
        actor: &PersonName,
        name: &UnitName,
        parent: Option<&UnitName>,
    ) -> Result<Unit, StoreError> {
        let mut w = self.writer(actor).await?;
        if find_unit_id(&mut w.tx, name).await?.is_some() {
            return Err(Conflict::Duplicate {
                entity: Entity::Unit,
                key: name.to_string(),
            }
            .into());
        }
        let parent_id = match parent {
            Some(p) => Some(unit_id(&mut w.tx, p).await?),
            None => None,
        };
        let now = w.at().millis();
        let row = w
            .tx
            .fetch_optional(
                "INSERT INTO units (version, name, parent_id, created_at) VALUES (1, $1, $2, $3) RETURNING id",
                args![name.as_str(), parent_id, now],
            )
            .await?;
        let id = returned_id(row)?;
        w.record(&UNITS, id, None, "create", None, None).await?;
        w.commit().await?;
        self.unit(name).await
    }

    /// Renames or moves a unit.
    async fn change_unit(
        &self,
        actor: &PersonName,
        unit: &UnitName,
        expected: Version,
        new_name: Option<&UnitName>,
        parent: Option<Option<&UnitName>>,
    ) -> Result<Unit, StoreError> {
        let mut w = self.writer(actor).await?;
        let id = unit_id(&mut w.tx, unit).await?;
        let current =
            w.tx.fetch_optional(
                "SELECT version, name, parent_id FROM units WHERE id = $1",
                args![id],
            )
            .await?
            .ok_or_else(|| StoreError::not_found(Entity::Unit, unit))?;
        let version = current.int("version")?;
        if version != expected.0 {
            return Err(Conflict::Stale {
                entity: Entity::Unit,
                id,
                expected: expected.0,
                actual: version,
            }
            .into());
        }
        let name = match new_name {
            Some(n) if n != unit => {
                if find_unit_id(&mut w.tx, n).await?.is_some() {
                    return Err(Conflict::Duplicate {
                        entity: Entity::Unit,
                        key: n.to_string(),
                    }
                    .into());
                }
                n.as_str().to_owned()
            }
            _ => current.text("name")?,
        };
        let parent_id = match parent {
            None => current.opt_int("parent_id")?,
            Some(None) => None,
            Some(Some(p)) => {
                let pid = unit_id(&mut w.tx, p).await?;
                // Walk up from the new parent: meeting the unit is a cycle.
                let mut at = Some(pid);
                let mut steps = 0;
                while let Some(u) = at {
                    if u == id || steps > 10_000 {
                        return Err(ValueError::UnitCycle {
                            unit: unit.to_string(),
                            parent: p.to_string(),
                        }
                        .into());
                    }
                    at =
                        w.tx.fetch_optional("SELECT parent_id FROM units WHERE id = $1", args![u])
                            .await?
                            .map(|r| r.opt_int("parent_id"))
                            .transpose()?
                            .flatten();
                    steps += 1;
                }
                Some(pid)
            }
        };
        let before = w.snapshot(&UNITS, id).await?;
        w.tx.execute(
            "UPDATE units SET name = $1, parent_id = $2, version = version + 1 WHERE id = $3",
            args![name.as_str(), parent_id, id],
        )
        .await?;
        w.record(&UNITS, id, None, "change", None, before).await?;
        w.commit().await?;
        let name = UnitName::parse(&name)?;
        self.unit(&name).await
    }

    /// All units, in the order they were added.
    async fn units(&self) -> Result<Vec<Unit>, StoreError> {
        let mut tx = self.pool.read().await?;
        let rows = tx
            .fetch_all(&format!("{UNIT_SELECT} ORDER BY u.id"), vec![])
            .await?;
        tx.commit().await?;
        rows.iter().map(unit_of).collect()
    }

    async fn unit(&self, name: &UnitName) -> Result<Unit, StoreError> {
        let mut tx = self.pool.read().await?;
        let row = tx
            .fetch_optional(
                &format!("{UNIT_SELECT} WHERE u.name = $1"),
                args![name.as_str()],
            )
            .await?
            .ok_or_else(|| StoreError::not_found(Entity::Unit, name))?;
        tx.commit().await?;
        unit_of(&row)
    }

    async fn task(&self, id: TaskId) -> Result<Task, StoreError> {
        let mut tx = self.pool.read().await?;
        let t = load_task(&mut tx, id).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Tasks matching `filter`, in id order.
    async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>, StoreError> {
        let mut tx = self.pool.read().await?;
        let tasks = load_tasks(&mut tx, filter).await?;
        tx.commit().await?;
        Ok(tasks)
    }

    /// A task with its timeline: its reports and every audit event about it
    /// (its own changes, its reports', its co-units').
    async fn task_detail(&self, id: TaskId) -> Result<TaskDetail, StoreError> {
        let mut tx = self.pool.read().await?;
        let task = load_task(&mut tx, id).await?;
        let reports = tx
            .fetch_all(
                &format!("{REPORT_SELECT} WHERE r.task_id = $1 ORDER BY r.id"),
                args![id.0],
            )
            .await?
            .iter()
            .map(report_of)
            .collect::<Result<_, _>>()?;
        let events = tx
            .fetch_all(
                &format!(
                    "SELECT {} FROM audit_events WHERE task_id = $1 ORDER BY id",
                    audit::EVENT_COLUMNS
                ),
                args![id.0],
            )
            .await?
            .iter()
            .map(audit::event_of)
            .collect::<Result<_, _>>()?;
        tx.commit().await?;
        Ok(TaskDetail {
            task,
            reports,
            events,
        })
    }

    /// How many tasks each lead unit has in each status (see
    /// [`Store::counts_by_unit_status_in`]).
    async fn counts_by_unit_status(&self) -> Result<Vec<UnitStatusCount>, StoreError> {
        self.counts_by_unit_status_in(None).await
    }

    /// Assigns a task (交办): lead unit, co-units, responsible person and
    /// deadline. Re-assigning replaces the co-units (removed ones are marked
    /// removed, not deleted).
    async fn assign(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
        assignment: &NewAssignment,
    ) -> Result<Task, StoreError> {
        let mut w = self.writer(actor).await?;
        assign_in(&mut w, task, expected, assignment).await?;
        w.commit().await?;
        self.task(task).await
    }

    /// Files a progress report (反馈). The first report moves an assigned
    /// task to in progress. Reports need no task version: units report
    /// side by side, and a report changes nothing they could have read.
    async fn add_report(
        &self,
        actor: &PersonName,
        task: TaskId,
        report: &NewReport,
    ) -> Result<ProgressReport, StoreError> {
        let mut w = self.writer(actor).await?;
        let (current, before) = lock_task(&mut w, task, None).await?;
        let to = transition(current.status, Action::Report)?;
        let assignment = assigned(&current)?;
        let unit = match &report.unit {
            None => assignment.lead.id,
            Some(name) => std::iter::once(&assignment.lead)
                .chain(&assignment.co_units)
                .find(|u| u.name == *name)
                .map(|u| u.id)
                .ok_or_else(|| ValueError::NotAUnitOfTask {
                    unit: name.to_string(),
                })?,
        };
        let row = w
            .tx
            .fetch_optional(
                "INSERT INTO progress_reports (version, task_id, unit_id, kind, period, done, next_steps, percent,
                                               problems, evidence, review_state, reported_by, created_at)
                 VALUES (1, $1, $2, 'progress', $3, $4, $5, $6, $7, $8, 'submitted', $9, $10) RETURNING id",
                args![
                    task.0,
                    unit.0,
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
        let report_id = returned_id(row)?;
        w.record(&REPORTS, report_id, Some(task.0), "create", None, None)
            .await?;
        if to != current.status {
            set_status(&mut w, &current, to, Action::Report, None, before).await?;
        }
        w.commit().await?;
        self.report(ReportId(report_id)).await
    }

    async fn report(&self, id: ReportId) -> Result<ProgressReport, StoreError> {
        let mut tx = self.pool.read().await?;
        let row = tx
            .fetch_optional(&format!("{REPORT_SELECT} WHERE r.id = $1"), args![id.0])
            .await?
            .ok_or_else(|| StoreError::not_found(Entity::Report, id))?;
        tx.commit().await?;
        report_of(&row)
    }

    /// Reviews a progress report (审核).
    async fn review_report(
        &self,
        actor: &PersonName,
        report: ReportId,
        expected: Version,
        accept: bool,
        note: Option<&Text>,
    ) -> Result<ProgressReport, StoreError> {
        if !accept && note.is_none() {
            return Err(ValueError::Empty {
                field: "退回理由"
            }
            .into());
        }
        let mut w = self.writer(actor).await?;
        let current = report_of(
            &w.tx
                .fetch_optional(&format!("{REPORT_SELECT} WHERE r.id = $1"), args![report.0])
                .await?
                .ok_or_else(|| StoreError::not_found(Entity::Report, report))?,
        )?;
        if current.version != expected {
            return Err(Conflict::Stale {
                entity: Entity::Report,
                id: report.0,
                expected: expected.0,
                actual: current.version.0,
            }
            .into());
        }
        let state = review_report(current.kind, current.review, accept)?;
        let before = w.snapshot(&REPORTS, report.0).await?;
        let note = note.map(Text::as_str);
        let changed =
            w.tx.execute(
                "UPDATE progress_reports SET review_state = $1, review_note = $2, reviewed_by = $3,
                        reviewed_at = $4, version = version + 1
                 WHERE id = $5 AND version = $6",
                args![
                    state.code(),
                    note,
                    w.actor(),
                    w.at().millis(),
                    report.0,
                    expected.0
                ],
            )
            .await?;
        if changed != 1 {
            return Err(Conflict::Stale {
                entity: Entity::Report,
                id: report.0,
                expected: expected.0,
                actual: expected.0 + 1,
            }
            .into());
        }
        let action = if accept { "accept" } else { "return" };
        w.record(
            &REPORTS,
            report.0,
            Some(current.task.0),
            action,
            note,
            before,
        )
        .await?;
        w.commit().await?;
        self.report(report).await
    }

    /// Requests completion (申请办结) with evidence: files a completion
    /// report for the office to accept or return.
    async fn request_close(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
        evidence: &Text,
    ) -> Result<Task, StoreError> {
        let mut w = self.writer(actor).await?;
        let (current, before) = lock_task(&mut w, task, Some(expected)).await?;
        let to = transition(current.status, Action::RequestClose)?;
        let lead = assigned(&current)?.lead.id;
        let row = w
            .tx
            .fetch_optional(
                "INSERT INTO progress_reports (version, task_id, unit_id, kind, period, done, percent, evidence,
                                               review_state, reported_by, created_at)
                 VALUES (1, $1, $2, 'completion', $3, $4, 100, $4, 'submitted', $5, $6) RETURNING id",
                args![
                    task.0,
                    lead.0,
                    COMPLETION_PERIOD,
                    evidence.as_str(),
                    w.actor(),
                    w.at().millis()
                ],
            )
            .await?;
        let report_id = returned_id(row)?;
        w.record(&REPORTS, report_id, Some(task.0), "create", None, None)
            .await?;
        set_status(&mut w, &current, to, Action::RequestClose, None, before).await?;
        w.commit().await?;
        self.task(task).await
    }

    /// Accepts the completion request and closes the task (销号).
    async fn close_task(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
    ) -> Result<Task, StoreError> {
        self.review(actor, task, expected, Action::Close, None, None)
            .await
    }

    /// Returns the completion request (退回) with a reason; the task goes
    /// back to in progress.
    async fn return_task(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
        reason: &Text,
    ) -> Result<Task, StoreError> {
        self.review(actor, task, expected, Action::Return, Some(reason), None)
            .await
    }

    /// Suspends a task (暂缓) with a reason.
    async fn suspend(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
        reason: &Text,
    ) -> Result<Task, StoreError> {
        self.change_status(actor, task, expected, Action::Suspend, Some(reason))
            .await
    }

    /// Resumes a suspended task to where it was.
    async fn resume(
        &self,
        actor: &PersonName,
        task: TaskId,
        expected: Version,
    ) -> Result<Task, StoreError> {
        self.change_status(actor, task, expected, Action::Resume, None)
            .await
    }

    /// The latest report of each task that has one.
    async fn latest_reports(
        &self,
        tasks: &[TaskId],
    ) -> Result<HashMap<TaskId, ProgressReport>, StoreError> {
        let mut out = HashMap::new();
        let mut tx = self.pool.read().await?;
        for chunk in tasks.chunks(500) {
            let mut values = Vec::new();
            let list = bind_list(&mut values, chunk.iter().map(|id| id.0));
            let sql = format!(
                "{REPORT_SELECT} WHERE r.id IN (SELECT MAX(id) FROM progress_reports
                                               WHERE task_id IN ({list}) GROUP BY task_id)"
            );
            let rows = tx.fetch_all(&sql, values).await?;
            for r in &rows {
                let report = report_of(r)?;
                out.insert(report.task, report);
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Stores a validated Excel ledger in one transaction.
    async fn import_ledger(
        &self,
        actor: &PersonName,
        sheet: &ImportSheet,
        name: &str,
    ) -> Result<Imported, StoreError> {
        let mut w = self.writer(actor).await?;
        let now = w.at().millis();

        // Units first: every name the sheet uses, created when new.
        let mut units: HashMap<UnitName, i64> = HashMap::new();
        let mut units_created = Vec::new();
        for a in sheet.rows.iter().filter_map(|r| r.assignment.as_ref()) {
            for u in std::iter::once(&a.lead).chain(&a.co_units) {
                if units.contains_key(u) {
                    continue;
                }
                let id = match find_unit_id(&mut w.tx, u).await? {
                    Some(id) => id,
                    None => {
                        let row = w
                            .tx
                            .fetch_optional(
                                "INSERT INTO units (version, name, parent_id, created_at) VALUES (1, $1, NULL, $2) RETURNING id",
                                args![u.as_str(), now],
                            )
                            .await?;
                        let id = returned_id(row)?;
                        w.record(&UNITS, id, None, IMPORT, None, None).await?;
                        units_created.push(u.clone());
                        id
                    }
                };
                units.insert(u.clone(), id);
            }
        }

        // One document per 文件编号, in order of first appearance; rows
        // without one belong with the row above.
        let mut groups: Vec<(Option<i64>, Vec<&ImportRow>)> = Vec::new();
        for row in &sheet.rows {
            let key = row.document_ref;
            let at = match key {
                Some(_) => groups.iter().position(|(k, _)| *k == key),
                None => groups.len().checked_sub(1),
            };
            match at {
                Some(i) => groups[i].1.push(row),
                None => groups.push((key, vec![row])),
            }
        }

        let mut documents = Vec::new();
        let mut tasks = Vec::new();
        for (key, sheet_rows) in &groups {
            let (rows, parents) = document_order(sheet_rows);
            let doc_name = match key {
                Some(k) => format!("{name}（原文件编号 {k}）"),
                None => name.to_owned(),
            };
            // The document's source is its task titles, one a line, so
            // every task's span points at its own title.
            let mut source = String::new();
            let mut spans = Vec::new();
            let mut at = 0usize;
            for r in &rows {
                if !source.is_empty() {
                    source.push('\n');
                    at += 1;
                }
                let len = r.title.as_str().chars().count();
                source.push_str(r.title.as_str());
                spans.push([at, at + len]);
                at += len;
            }
            let extraction = luoshi_extract::Extraction {
                script: luoshi_extract::Script::Hans,
                meeting: luoshi_extract::Meeting::default(),
                tasks: rows
                    .iter()
                    .zip(&spans)
                    .zip(&parents)
                    .enumerate()
                    .map(|(i, ((r, span), parent))| luoshi_extract::Task {
                        id: format!("t{}", i + 1),
                        parent: parent.map(|p| format!("t{}", p + 1)),
                        kind: r.kind,
                        cue: IMPORT_CUE.to_owned(),
                        title: r.title.to_string(),
                        text: r.title.to_string(),
                        span: *span,
                        actors: Vec::new(),
                        due: None,
                    })
                    .collect(),
                warnings: Vec::new(),
            };
            let extraction_json = serde_json::to_string(&extraction)
                .map_err(|e| StoreError::other("保存导入结果", e))?;
            let row = w
                .tx
                .fetch_optional(
                    "INSERT INTO documents (version, name, kind, encoding, script, source, extraction, created_at, created_by)
                     VALUES (1, $1, 'text', 'UTF-8', 'hans', $2, $3, $4, $5) RETURNING id",
                    args![doc_name, source, extraction_json, now, w.actor()],
                )
                .await?;
            let doc_id = returned_id(row)?;
            w.record(&DOCUMENTS, doc_id, None, IMPORT, None, None)
                .await?;
            documents.push(DocumentId(doc_id));
            let row =
                w.tx.fetch_optional(
                    "INSERT INTO meetings (version, document_id, title, held_on, body, chair)
                     VALUES (1, $1, NULL, NULL, NULL, NULL) RETURNING id",
                    args![doc_id],
                )
                .await?;
            let meeting_id = returned_id(row)?;
            w.record(&MEETINGS, meeting_id, None, IMPORT, None, None)
                .await?;

            let mut ids: Vec<i64> = Vec::with_capacity(rows.len());
            for (((ordinal, r), span), parent) in (1i64..).zip(&rows).zip(&spans).zip(&parents) {
                let parent = parent.and_then(|p| ids.get(p).copied());
                let a = r.assignment.as_ref();
                let lead = a.and_then(|a| units.get(&a.lead).copied());
                let row = w
                    .tx
                    .fetch_optional(
                        "INSERT INTO tasks (version, document_id, parent_id, ordinal, source_ref, kind, cue, title, text,
                                            span_start, span_end, due_text, status, suspended_from, lead_unit_id,
                                            owner, deadline, created_at, updated_at)
                         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $7, $8, $9, NULL, $10, $11, $12, $13, $14, $15, $15)
                         RETURNING id",
                        args![
                            doc_id,
                            parent,
                            ordinal,
                            format!("t{ordinal}"),
                            kind_code(r.kind),
                            IMPORT_CUE,
                            r.title.as_str(),
                            to_i64(span[0]),
                            to_i64(span[1]),
                            r.status.code(),
                            r.status.suspended_from(),
                            lead,
                            a.and_then(|a| a.owner.as_ref()).map(|o| o.as_str()),
                            a.map(|a| a.deadline.to_string()),
                            now,
                        ],
                    )
                    .await?;
                let id = returned_id(row)?;
                let note = r
                    .task_ref
                    .map(|t| format!("台账第 {} 行，原任务编号 {t}", r.row));
                w.record(&TASKS, id, Some(id), IMPORT, note.as_deref(), None)
                    .await?;
                tasks.push(TaskId(id));
                ids.push(id);
                for co in a.map(|a| a.co_units.as_slice()).unwrap_or_default() {
                    let unit = units.get(co).copied();
                    let row = w
                        .tx
                        .fetch_optional(
                            "INSERT INTO task_co_units (version, task_id, unit_id, state) VALUES (1, $1, $2, 'active')
                             RETURNING id",
                            args![id, unit],
                        )
                        .await?;
                    let co_id = returned_id(row)?;
                    w.record(&CO_UNITS, co_id, Some(id), IMPORT, None, None)
                        .await?;
                }
                if let Some(p) = &r.progress {
                    let completion = crate::xlsx::is_completion_period(&p.period);
                    let (kind, review) = match (completion, r.status) {
                        (true, Status::Closed) => (ReportKind::Completion, ReviewState::Accepted),
                        (true, Status::InProgress) => {
                            (ReportKind::Completion, ReviewState::Returned)
                        }
                        (true, _) => (ReportKind::Completion, ReviewState::Submitted),
                        (false, _) => (ReportKind::Progress, ReviewState::Submitted),
                    };
                    let reviewed = review != ReviewState::Submitted;
                    let row = w
                        .tx
                        .fetch_optional(
                            "INSERT INTO progress_reports (version, task_id, unit_id, kind, period, done, percent, evidence,
                                                           review_state, reviewed_by, reviewed_at, reported_by, created_at)
                             VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                            args![
                                id,
                                lead,
                                kind.code(),
                                p.period.as_str(),
                                p.done.as_str(),
                                i64::from(p.percent.value()),
                                completion.then(|| p.done.as_str()),
                                review.code(),
                                reviewed.then(|| w.actor().to_owned()),
                                reviewed.then_some(now),
                                w.actor(),
                                now,
                            ],
                        )
                        .await?;
                    let report_id = returned_id(row)?;
                    w.record(&REPORTS, report_id, Some(id), IMPORT, None, None)
                        .await?;
                }
            }
        }
        w.commit().await?;
        Ok(Imported {
            documents,
            units_created,
            tasks,
        })
    }

    /// Replays the audit trail and compares it with every current row.
    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        audit::verify(&self.pool).await
    }
}

// ----- helpers: writing --------------------------------------------------------

/// Reads a task inside a write transaction, checks the version the caller
/// read, and takes the snapshot its audit event starts from.
pub(crate) async fn lock_task(
    w: &mut Writer,
    id: TaskId,
    expected: Option<Version>,
) -> Result<(Task, String), StoreError> {
    let task = load_task(&mut w.tx, id).await?;
    if let Some(expected) = expected
        && task.version != expected
    {
        return Err(Conflict::Stale {
            entity: Entity::Task,
            id: id.0,
            expected: expected.0,
            actual: task.version.0,
        }
        .into());
    }
    let before = w
        .snapshot(&TASKS, id.0)
        .await?
        .ok_or_else(|| StoreError::not_found(Entity::Task, id))?;
    Ok((task, before))
}

pub(crate) async fn set_status(
    w: &mut Writer,
    task: &Task,
    to: Status,
    action: Action,
    note: Option<&str>,
    before: String,
) -> Result<(), StoreError> {
    let changed = w
        .tx
        .execute(
            "UPDATE tasks SET status = $1, suspended_from = $2, version = version + 1, updated_at = $3
             WHERE id = $4 AND version = $5",
            args![
                to.code(),
                to.suspended_from(),
                w.at().millis(),
                task.id.0,
                task.version.0
            ],
        )
        .await?;
    stale_unless_one(changed, Entity::Task, task.id.0, task.version)?;
    w.record(
        &TASKS,
        task.id.0,
        Some(task.id.0),
        action.code(),
        note,
        Some(before),
    )
    .await
}

fn stale_unless_one(
    changed: u64,
    entity: Entity,
    id: i64,
    expected: Version,
) -> Result<(), StoreError> {
    if changed == 1 {
        return Ok(());
    }
    // Unreachable while writers hold the lock; kept as the last line of defence.
    Err(Conflict::Stale {
        entity,
        id,
        expected: expected.0,
        actual: -1,
    }
    .into())
}

pub(crate) fn assigned(task: &Task) -> Result<&Assignment, StoreError> {
    task.assignment.as_ref().ok_or_else(|| {
        StoreError::corrupt("tasks", task.id.0, "状态要求已交办，但没有牵头单位或时限")
    })
}

pub(crate) fn returned_id(row: Option<Row>) -> Result<i64, StoreError> {
    row.ok_or_else(|| StoreError::other("写入记录", "INSERT 没有返回 id"))?
        .int("id")
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn kind_code(kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::Theme => "theme",
        TaskKind::Task => "task",
    }
}

/// One extracted task, checked and ready to insert.
struct Draft<'a> {
    source_ref: &'a str,
    parent: Option<&'a str>,
    kind: TaskKind,
    cue: &'a str,
    title: Text,
    text: Text,
    span: Span,
    due_text: Option<&'a str>,
}

/// Checks an extraction against its source before anything is written: ids
/// unique, parents earlier in the tree, spans inside the source, texts not
/// empty.
fn validate_extraction(doc: NewDocument<'_>) -> Result<Vec<Draft<'_>>, StoreError> {
    let bad = |detail: String| -> StoreError { ValueError::Extraction { detail }.into() };
    let chars = doc.source.text.chars().count();
    let mut drafts: Vec<Draft<'_>> = Vec::with_capacity(doc.extraction.tasks.len());
    for t in &doc.extraction.tasks {
        if drafts.iter().any(|d| d.source_ref == t.id) {
            return Err(bad(format!("任务编号 {} 重复", t.id)));
        }
        if let Some(p) = t.parent.as_deref()
            && !drafts.iter().any(|d| d.source_ref == p)
        {
            return Err(bad(format!("任务 {} 的上级 {p} 不在它之前", t.id)));
        }
        let [start, end] = t.span;
        let span = Span::new(start, end)
            .filter(|s| s.end() <= chars)
            .ok_or_else(|| {
                bad(format!(
                    "任务 {} 的位置 [{start}, {end}) 超出原文（{chars} 个字）",
                    t.id
                ))
            })?;
        let title = Text::parse(&t.title).map_err(|e| bad(format!("任务 {} 的标题：{e}", t.id)))?;
        let text = Text::parse(&t.text).map_err(|e| bad(format!("任务 {} 的原文：{e}", t.id)))?;
        drafts.push(Draft {
            source_ref: &t.id,
            parent: t.parent.as_deref(),
            kind: t.kind,
            cue: &t.cue,
            title,
            text,
            span,
            due_text: t.due.as_ref().map(|d| d.text.as_str()),
        });
    }
    Ok(drafts)
}

/// The rows of one imported document in the order to store them, each
/// with the index of its theme in that order. A task belongs to the theme
/// row above it. When every row carries a distinct 任务编号 and every theme's
/// is below its tasks', the rows are stored in 任务编号 order: that is the
/// order of the ledger they were exported from, so a fresh database gives
/// them the same ids and positions and the next export is the same sheet,
/// hidden columns included. Otherwise (a sheet a person typed or
/// rearranged) they are stored in sheet order.
fn document_order<'a>(rows: &[&'a ImportRow]) -> (Vec<&'a ImportRow>, Vec<Option<usize>>) {
    let mut theme = None;
    let parents: Vec<Option<usize>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| match r.kind {
            TaskKind::Theme => {
                theme = Some(i);
                None
            }
            TaskKind::Task => theme,
        })
        .collect();
    let refs: Vec<Option<i64>> = rows.iter().map(|r| r.task_ref).collect();
    let mut distinct: Vec<i64> = refs.iter().flatten().copied().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let by_ref = distinct.len() == rows.len()
        && parents
            .iter()
            .enumerate()
            .all(|(i, p)| p.is_none_or(|p| refs[p] < refs[i]));
    if !by_ref {
        return (rows.to_vec(), parents);
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|i| refs[*i]);
    let mut position = vec![0; rows.len()];
    for (at, i) in order.iter().enumerate() {
        position[*i] = at;
    }
    (
        order.iter().map(|i| rows[*i]).collect(),
        order
            .iter()
            .map(|i| parents[*i].map(|p| position[p]))
            .collect(),
    )
}

// ----- helpers: reading ----------------------------------------------------------

async fn find_unit_id(tx: &mut Tx, name: &UnitName) -> Result<Option<i64>, StoreError> {
    let row = tx
        .fetch_optional("SELECT id FROM units WHERE name = $1", args![name.as_str()])
        .await?;
    row.map(|r| r.int("id")).transpose()
}

pub(crate) async fn unit_id(tx: &mut Tx, name: &UnitName) -> Result<i64, StoreError> {
    find_unit_id(tx, name)
        .await?
        .ok_or_else(|| StoreError::not_found(Entity::Unit, name))
}

pub(crate) async fn load_document(tx: &mut Tx, id: DocumentId) -> Result<Document, StoreError> {
    let r = tx
        .fetch_optional(
            "SELECT id, version, name, kind, encoding, script, source, extraction, created_at, created_by
             FROM documents WHERE id = $1",
            args![id.0],
        )
        .await?
        .ok_or_else(|| StoreError::not_found(Entity::Document, id))?;
    let corrupt = |what: &str| StoreError::corrupt("documents", id.0, what);
    Ok(Document {
        id,
        version: Version(r.int("version")?),
        name: r.opt_text("name")?,
        kind: DocumentKind::from_code(&r.text("kind")?).ok_or_else(|| corrupt("kind"))?,
        encoding: r.text("encoding")?,
        script: r.text("script")?,
        source: r.text("source")?,
        extraction_json: r.text("extraction")?,
        created_at: Timestamp::from_millis(r.int("created_at")?),
        created_by: PersonName::parse(&r.text("created_by")?).map_err(|_| corrupt("created_by"))?,
    })
}

pub(crate) async fn load_meeting(tx: &mut Tx, id: MeetingId) -> Result<Meeting, StoreError> {
    let r = tx
        .fetch_optional(
            "SELECT id, version, document_id, title, held_on, body, chair FROM meetings WHERE id = $1",
            args![id.0],
        )
        .await?
        .ok_or_else(|| StoreError::not_found(Entity::Meeting, id))?;
    Ok(Meeting {
        id,
        version: Version(r.int("version")?),
        document: DocumentId(r.int("document_id")?),
        title: r.opt_text("title")?,
        held_on: r.opt_text("held_on")?,
        body: r.opt_text("body")?,
        chair: r.opt_text("chair")?,
    })
}

pub(crate) fn unit_ref(
    id: Option<i64>,
    name: Option<String>,
) -> Result<Option<UnitRef>, StoreError> {
    match (id, name) {
        (Some(id), Some(name)) => Ok(Some(UnitRef {
            id: UnitId(id),
            name: UnitName::parse(&name).map_err(|_| StoreError::corrupt("units", id, "name"))?,
        })),
        _ => Ok(None),
    }
}

fn unit_of(r: &Row) -> Result<Unit, StoreError> {
    let id = r.int("id")?;
    Ok(Unit {
        id: UnitId(id),
        version: Version(r.int("version")?),
        name: UnitName::parse(&r.text("name")?)
            .map_err(|_| StoreError::corrupt("units", id, "name"))?,
        parent: unit_ref(r.opt_int("parent_id")?, r.opt_text("parent_name")?)?,
        created_at: Timestamp::from_millis(r.int("created_at")?),
    })
}

pub(crate) async fn load_task(tx: &mut Tx, id: TaskId) -> Result<Task, StoreError> {
    let row = tx
        .fetch_optional(&format!("{TASK_SELECT} WHERE t.id = $1"), args![id.0])
        .await?
        .ok_or_else(|| StoreError::not_found(Entity::Task, id))?;
    let mut co = co_units_of(tx, &[id.0]).await?;
    task_of(&row, co.remove(&id.0).unwrap_or_default())
}

pub(crate) async fn load_tasks(tx: &mut Tx, filter: &TaskFilter) -> Result<Vec<Task>, StoreError> {
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<Arg> = Vec::new();
    if let Some(name) = &filter.unit {
        let unit = unit_id(tx, name).await?;
        values.push(unit.into());
        let n = values.len();
        // The unit's own rows of task_readers, in task id order.
        conditions.push(format!(
            "t.id IN (SELECT task_id FROM task_readers WHERE unit_id = ${n} AND via = task_id)"
        ));
    }
    match filter.status {
        None => {}
        Some(StatusFilter::Open) => conditions.push("t.status <> 'closed'".to_owned()),
        Some(s) => {
            let code = match s {
                StatusFilter::Draft => "draft",
                StatusFilter::Assigned => "assigned",
                StatusFilter::InProgress => "in_progress",
                StatusFilter::CompletionRequested => "completion_requested",
                StatusFilter::Closed => "closed",
                StatusFilter::Suspended | StatusFilter::Open => "suspended",
            };
            values.push(code.into());
            conditions.push(format!("t.status = ${}", values.len()));
        }
    }
    if let Some(day) = filter.overdue_on {
        // The same rule as lifecycle::is_overdue, in the shape of the
        // partial index tasks_open_deadline.
        values.push(day.to_string().into());
        // A page of the overdue list walks the tasks in id order and stops
        // after `limit` hits (about one open task in five is overdue);
        // SQLite would otherwise collect every open task through an index
        // and sort them. Unary `+` keeps it off those indexes.
        let hint = if filter.limit.is_some() && tx.engine() == Engine::Sqlite {
            "+"
        } else {
            ""
        };
        conditions.push(format!(
            "{hint}t.status IN ('{}', '{}') AND {hint}t.deadline < ${}",
            OVERDUE_STATUSES[0],
            OVERDUE_STATUSES[1],
            values.len()
        ));
    }
    if let Some(units) = &filter.visible_units {
        conditions.push(visibility(units, &mut values));
    }
    if let Some(doc) = filter.document {
        values.push(doc.0.into());
        conditions.push(format!("t.document_id = ${}", values.len()));
    }
    if let Some(after) = filter.after {
        values.push(after.0.into());
        conditions.push(format!("t.id > ${}", values.len()));
    }
    if let Some(theme) = filter.theme {
        // The theme and every task below it, however deep: a walk down
        // tasks_parent from the theme.
        values.push(theme.0.into());
        conditions.push(format!(
            "t.id IN (WITH RECURSIVE sub(id) AS (
                 SELECT id FROM tasks WHERE id = ${}
                 UNION ALL SELECT c.id FROM tasks c JOIN sub ON c.parent_id = sub.id)
             SELECT id FROM sub)",
            values.len()
        ));
    }
    if let Some(from) = filter.deadline_from {
        values.push(from.to_string().into());
        conditions.push(format!("t.deadline >= ${}", values.len()));
    }
    if let Some(to) = filter.deadline_to {
        values.push(to.to_string().into());
        conditions.push(format!("t.deadline <= ${}", values.len()));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        // Script-insensitive: the query as given and in both scripts, each
        // as a LIKE pattern with its wildcards escaped.
        let mut forms = vec![q.to_owned(), hanconv::t2s(q), hanconv::s2t(q)];
        forms.sort();
        forms.dedup();
        let mut any = Vec::new();
        for form in forms {
            let escaped = form
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            values.push(format!("%{escaped}%").into());
            let n = values.len();
            any.push(format!(
                "t.title LIKE ${n} ESCAPE '\\' OR t.text LIKE ${n} ESCAPE '\\'"
            ));
        }
        conditions.push(format!("({})", any.join(" OR ")));
    }
    let mut sql = TASK_SELECT.to_owned();
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(match filter.sort {
        TaskSort::Id => " ORDER BY t.id",
        TaskSort::IdDesc => " ORDER BY t.id DESC",
        TaskSort::Deadline => " ORDER BY t.deadline IS NULL, t.deadline, t.id",
        TaskSort::DeadlineDesc => " ORDER BY t.deadline IS NULL, t.deadline DESC, t.id DESC",
        TaskSort::Status => {
            " ORDER BY CASE t.status WHEN 'draft' THEN 0 WHEN 'assigned' THEN 1
                WHEN 'in_progress' THEN 2 WHEN 'completion_requested' THEN 3
                WHEN 'suspended' THEN 4 ELSE 5 END, t.id"
        }
        TaskSort::Updated => " ORDER BY t.updated_at, t.id",
        TaskSort::UpdatedDesc => " ORDER BY t.updated_at DESC, t.id DESC",
    });
    if let Some(limit) = filter.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    if let Some(offset) = filter.offset {
        if filter.limit.is_none() && tx.engine() == Engine::Sqlite {
            // SQLite takes OFFSET only after a LIMIT.
            sql.push_str(" LIMIT -1");
        }
        sql.push_str(&format!(" OFFSET {offset}"));
    }
    let rows = tx.fetch_all(&sql, values).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.int("id")).collect::<Result<_, _>>()?;
    let mut co = co_units_of(tx, &ids).await?;
    rows.iter()
        .zip(&ids)
        .map(|(r, id)| task_of(r, co.remove(id).unwrap_or_default()))
        .collect()
}

/// Beijing time (UTC+8) in milliseconds: the day an event belongs to.
const BEIJING_OFFSET_MS: i64 = 8 * 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// The queries of the web pages (总览, 审核), each one statement backed by
/// an index of migration 7 or an older one, each restricted to what a
/// scoped reader may see (`units`: `None` sees every unit, see
/// [`crate::Accounts::visible_units`]).
impl Store {
    /// The themes of `document` (top-level rows with tasks below them, in
    /// document order) with how many of the tasks below each — at any
    /// depth, themes below themes not counted — there are and are closed.
    /// A scoped reader counts only the tasks it may see, and sees only
    /// themes with at least one.
    pub async fn theme_counts(
        &self,
        document: DocumentId,
        units: Option<&[UnitId]>,
    ) -> Result<Vec<ThemeCount>, StoreError> {
        let mut values: Vec<Arg> = vec![document.0.into()];
        // A document has tens of tasks, a reader thousands: each of the
        // document's tasks is looked up in `task_readers` (index
        // `task_readers_via`) rather than the reader's tasks gathered.
        let scope = match units {
            None => String::new(),
            Some([]) => " AND 1 = 0".to_owned(),
            Some(units) => {
                let list = bind_list(&mut values, units.iter().map(|u| u.0));
                format!(
                    " AND EXISTS (SELECT 1 FROM task_readers r
                                  WHERE r.via = tree.id AND r.task_id = tree.id AND r.unit_id IN ({list}))"
                )
            }
        };
        // The top-level rows are found through the document's index
        // (`UNIQUE (document_id, ordinal)`); `+` keeps SQLite off
        // `tasks_parent`, where `parent_id IS NULL` is every theme of
        // every document (12,500 table reads at 100,000 tasks). The tree
        // carries each row's kind and status and its theme's title and
        // place, so nothing is joined afterwards: joined back to `tasks`,
        // SQLite 3.46 scanned all 100,000 tasks against the tree (12 ms,
        // against 0.2 ms).
        let mut tx = self.pool.read().await?;
        let rows = tx
            .fetch_all(
                &format!(
                    "WITH RECURSIVE tree(root, id, kind, status, title, ordinal) AS (
                         SELECT id, id, kind, status, title, ordinal FROM tasks
                         WHERE document_id = $1 AND +parent_id IS NULL
                         UNION ALL SELECT tree.root, c.id, c.kind, c.status, tree.title, tree.ordinal
                         FROM tasks c JOIN tree ON c.parent_id = tree.id)
                     SELECT tree.root AS id, tree.title, tree.ordinal, COUNT(*) AS total,
                            SUM(CASE WHEN tree.status = 'closed' THEN 1 ELSE 0 END) AS closed
                     FROM tree
                     WHERE tree.id <> tree.root AND tree.kind = 'task'{scope}
                     GROUP BY tree.root, tree.title, tree.ordinal
                     ORDER BY tree.ordinal"
                ),
                values,
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                let id = r.int("id")?;
                Ok(ThemeCount {
                    theme: TaskId(id),
                    title: Text::parse(&r.text("title")?)
                        .map_err(|_| StoreError::corrupt("tasks", id, "title"))?,
                    total: r.int("total")?,
                    closed: r.opt_int("closed")?.unwrap_or(0),
                })
            })
            .collect()
    }

    /// The newest document with a task the reader may see (any document
    /// for readers of every unit), or `None`.
    pub async fn latest_document(
        &self,
        units: Option<&[UnitId]>,
    ) -> Result<Option<DocumentId>, StoreError> {
        let mut values: Vec<Arg> = Vec::new();
        let sql = match units {
            None => "SELECT MAX(id) AS id FROM documents".to_owned(),
            Some(units) => format!(
                "SELECT MAX(t.document_id) AS id FROM tasks t WHERE {}",
                lead_or_co(units, &mut values)
            ),
        };
        let mut tx = self.pool.read().await?;
        let row = tx.fetch_optional(&sql, values).await?;
        tx.commit().await?;
        Ok(match row {
            Some(r) => r.opt_int("id")?.map(DocumentId),
            None => None,
        })
    }

    /// Assignments (交办, re-assignments included) and closures (销号) per
    /// day in Beijing time from `since` on, from the audit trail (index
    /// `audit_events_activity`); days without either are left out. A
    /// scoped reader counts only the tasks it may see now.
    pub async fn activity_by_day(
        &self,
        since: Date,
        units: Option<&[UnitId]>,
    ) -> Result<Vec<DayActivity>, StoreError> {
        let mut values: Vec<Arg> =
            vec![(since.days_since_epoch() * DAY_MS - BEIJING_OFFSET_MS).into()];
        // The event's task id is matched against the reader's rows
        // directly: no read of the task for each of the year's events.
        let scope = match units {
            None => String::new(),
            Some(units) => format!(
                " AND {}",
                readers_of("e.task_id", units, &mut values, " AND via = task_id")
            ),
        };
        let bucket = format!("(e.at + {BEIJING_OFFSET_MS}) / {DAY_MS}");
        let mut tx = self.pool.read().await?;
        let rows = tx
            .fetch_all(
                &format!(
                    "SELECT e.action, {bucket} AS d, COUNT(*) AS n
                     FROM audit_events e
                     WHERE e.entity_table = 'tasks' AND e.action IN ('assign', 'close')
                       AND e.at >= $1{scope}
                     GROUP BY e.action, {bucket}"
                ),
                values,
            )
            .await?;
        tx.commit().await?;
        let mut days: std::collections::BTreeMap<i64, DayActivity> = Default::default();
        for r in &rows {
            let d = r.int("d")?;
            let Some(day) = Date::from_days_since_epoch(d) else {
                continue;
            };
            let entry = days.entry(d).or_insert(DayActivity {
                day,
                assigned: 0,
                closed: 0,
            });
            match r.text("action")?.as_str() {
                "assign" => entry.assigned += r.int("n")?,
                _ => entry.closed += r.int("n")?,
            }
        }
        Ok(days.into_values().collect())
    }

    /// Overdue tasks on `day` (assigned or in progress with the deadline
    /// before it: the rule of [`crate::lifecycle::is_overdue`]) and tasks
    /// at risk (not closed, deadline from `day` to `within_days` after
    /// it: the ledger's `status=open` with that deadline range), with the
    /// newest document of the reader.
    ///
    /// Every task counted: a range read of the partial index
    /// `tasks_open_deadline` and one of `tasks_deadline`. A scoped reader:
    /// one pass over its tasks for all three figures, since each figure
    /// alone would walk the same thousands of visible tasks again.
    pub async fn deadline_counts(
        &self,
        day: Date,
        within_days: u32,
        units: Option<&[UnitId]>,
    ) -> Result<DeadlineCounts, StoreError> {
        let until = day.add_days(i64::from(within_days)).unwrap_or(day);
        let n = |r: &Option<Row>, column: &str| -> Result<Option<i64>, StoreError> {
            match r {
                Some(r) => r.opt_int(column),
                None => Ok(None),
            }
        };
        let mut tx = self.pool.read().await?;
        if let Some(units) = units {
            let mut values: Vec<Arg> = vec![day.to_string().into(), until.to_string().into()];
            let scope = lead_or_co(units, &mut values);
            let row = tx
                .fetch_optional(
                    &format!(
                        "SELECT SUM(CASE WHEN t.status IN ('{}', '{}') AND t.deadline < $1
                                    THEN 1 ELSE 0 END) AS overdue,
                                SUM(CASE WHEN t.deadline >= $1 AND t.deadline <= $2
                                         AND t.status <> 'closed' THEN 1 ELSE 0 END) AS at_risk,
                                MAX(t.document_id) AS latest
                         FROM tasks t WHERE {scope}",
                        OVERDUE_STATUSES[0], OVERDUE_STATUSES[1]
                    ),
                    values,
                )
                .await?;
            tx.commit().await?;
            return Ok(DeadlineCounts {
                overdue: n(&row, "overdue")?.unwrap_or(0),
                at_risk: n(&row, "at_risk")?.unwrap_or(0),
                latest_document: n(&row, "latest")?.map(DocumentId),
            });
        }
        // SQLite's planner prefers tasks_status (a table read per open
        // task: 31-90 ms at 100,000 tasks) to the partial index, which
        // answers from the index alone (1-3 ms): name it.
        let hint = if self.engine() == Engine::Sqlite {
            " INDEXED BY tasks_open_deadline"
        } else {
            ""
        };
        let overdue = tx
            .fetch_optional(
                &format!(
                    "SELECT COUNT(*) AS n FROM tasks t{hint}
                     WHERE t.status IN ('{}', '{}') AND t.deadline < $1",
                    OVERDUE_STATUSES[0], OVERDUE_STATUSES[1]
                ),
                args![day.to_string()],
            )
            .await?;
        let at_risk = tx
            .fetch_optional(
                "SELECT COUNT(*) AS n FROM tasks t
                 WHERE t.deadline >= $1 AND t.deadline <= $2 AND t.status <> 'closed'",
                args![day.to_string(), until.to_string()],
            )
            .await?;
        let latest = tx
            .fetch_optional("SELECT MAX(id) AS id FROM documents", vec![])
            .await?;
        tx.commit().await?;
        Ok(DeadlineCounts {
            overdue: n(&overdue, "n")?.unwrap_or(0),
            at_risk: n(&at_risk, "n")?.unwrap_or(0),
            latest_document: n(&latest, "id")?.map(DocumentId),
        })
    }

    /// Progress reports waiting for review (submitted, not completion
    /// reports: those are reviewed through their task), newest first, at
    /// most `limit` after skipping `offset`. A scoped reader gets the
    /// reports on tasks it may see.
    pub async fn submitted_reports(
        &self,
        units: Option<&[UnitId]>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<PendingReport>, StoreError> {
        let mut values: Vec<Arg> = Vec::new();
        let scope = match units {
            None => String::new(),
            Some([]) => " AND 1 = 0".to_owned(),
            Some(units) => {
                // Driven from the reader's tasks (few) through
                // progress_reports_task, not from every submitted report.
                let list = bind_list(&mut values, units.iter().map(|u| u.0));
                format!(
                    " AND r.task_id IN (SELECT id FROM tasks WHERE lead_unit_id IN ({list})
                         UNION SELECT task_id FROM task_co_units WHERE unit_id IN ({list}) AND state = 'active')"
                )
            }
        };
        let mut tx = self.pool.read().await?;
        let rows = tx
            .fetch_all(
                &format!(
                    "SELECT r.id, r.version, r.task_id, r.unit_id, u.name AS unit_name, r.kind, r.period,
                        r.done, r.next_steps, r.percent, r.problems, r.evidence, r.review_state,
                        r.review_note, r.reviewed_by, r.reviewed_at, r.reported_by, r.created_at,
                        t.title AS task_title, t.lead_unit_id, l.name AS lead_name
                     FROM progress_reports r
                     JOIN tasks t ON t.id = r.task_id
                     LEFT JOIN units u ON u.id = r.unit_id
                     LEFT JOIN units l ON l.id = t.lead_unit_id
                     WHERE r.review_state = 'submitted' AND r.kind = 'progress'{scope}
                     ORDER BY r.id DESC LIMIT {limit} OFFSET {offset}"
                ),
                values,
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                let report = report_of(r)?;
                Ok(PendingReport {
                    task_title: Text::parse(&r.text("task_title")?)
                        .map_err(|_| StoreError::corrupt("tasks", report.task.0, "title"))?,
                    task_lead: unit_ref(r.opt_int("lead_unit_id")?, r.opt_text("lead_name")?)?,
                    report,
                })
            })
            .collect()
    }
}

/// The half of [`visibility`] for tasks with a lead unit: its lead unit
/// or an active co-unit is one of `units` (the rows of `task_readers` a
/// task causes for itself). Enough where themes (which have no lead unit,
/// deadline or assignment) cannot match anyway.
pub(crate) fn lead_or_co(units: &[UnitId], values: &mut Vec<Arg>) -> String {
    readers_of("t.id", units, values, " AND via = task_id")
}

/// The SQL condition on `t` (a row of tasks) that holds when the task is
/// visible to a reader of `units`: its lead unit or an active co-unit is
/// one of them, or it is a theme with such a child (themes have no lead
/// unit). Pushes the unit ids onto `values`.
///
/// The rule is kept as rows by triggers (`task_readers`, migration 10), so
/// the condition is one range read of that table's primary key per unit:
/// the set of ids SQLite builds from it is walked in id order, or probed
/// from another index, instead of unioning the lead, co-unit and theme
/// lookups for every task of the units on each request.
pub(crate) fn visibility(units: &[UnitId], values: &mut Vec<Arg>) -> String {
    readers_of("t.id", units, values, "")
}

/// `column IN (the tasks read by units)`, with `extra` on `task_readers`.
pub(crate) fn readers_of(
    column: &str,
    units: &[UnitId],
    values: &mut Vec<Arg>,
    extra: &str,
) -> String {
    if units.is_empty() {
        return "1 = 0".to_owned();
    }
    let list = bind_list(values, units.iter().map(|u| u.0));
    format!("{column} IN (SELECT task_id FROM task_readers WHERE unit_id IN ({list}){extra})")
}

/// The active co-units of the given tasks, by task id.
///
/// Ids go to the engine in lists of [`CO_UNIT_CHUNK`]: SQLite finds a
/// `$n` parameter by walking its list of names, so binding a list costs
/// its length squared, and short lists keep that small. A read of more
/// tasks than [`CO_UNIT_ALL`] (the whole ledger, for the status report)
/// reads every active co-unit once instead and keeps those of `ids`.
async fn co_units_of(tx: &mut Tx, ids: &[i64]) -> Result<HashMap<i64, Vec<UnitRef>>, StoreError> {
    co_units_read(tx, ids, CO_UNIT_ALL).await
}

/// [`co_units_of`], reading every co-unit above `all_above` tasks.
async fn co_units_read(
    tx: &mut Tx,
    ids: &[i64],
    all_above: usize,
) -> Result<HashMap<i64, Vec<UnitRef>>, StoreError> {
    const SELECT: &str = "SELECT c.task_id, c.unit_id, u.name FROM task_co_units c
         JOIN units u ON u.id = c.unit_id WHERE c.state = 'active'";
    let mut out: HashMap<i64, Vec<UnitRef>> = HashMap::new();
    let mut keep = |rows: Vec<Row>, wanted: Option<&HashSet<i64>>| -> Result<(), StoreError> {
        for r in rows {
            let task = r.int("task_id")?;
            if wanted.is_some_and(|w| !w.contains(&task)) {
                continue;
            }
            if let Some(unit) = unit_ref(Some(r.int("unit_id")?), Some(r.text("name")?))? {
                out.entry(task).or_default().push(unit);
            }
        }
        Ok(())
    };
    if ids.len() > all_above {
        let wanted: HashSet<i64> = ids.iter().copied().collect();
        let rows = tx
            .fetch_all(&format!("{SELECT} ORDER BY c.id"), Vec::new())
            .await?;
        keep(rows, Some(&wanted))?;
        return Ok(out);
    }
    for chunk in ids.chunks(CO_UNIT_CHUNK) {
        let mut values = Vec::new();
        let list = bind_list(&mut values, chunk.iter().copied());
        let sql = format!("{SELECT} AND c.task_id IN ({list}) ORDER BY c.id");
        let rows = tx.fetch_all(&sql, values).await?;
        keep(rows, None)?;
    }
    Ok(out)
}

/// Task ids per query of [`co_units_of`].
const CO_UNIT_CHUNK: usize = 100;
/// Above this many tasks [`co_units_of`] reads every active co-unit.
const CO_UNIT_ALL: usize = 20_000;

fn task_of(r: &Row, co_units: Vec<UnitRef>) -> Result<Task, StoreError> {
    let id = r.int("id")?;
    let corrupt = |what: &str| StoreError::corrupt("tasks", id, what);
    let status = Status::from_codes(&r.text("status")?, r.opt_text("suspended_from")?.as_deref())
        .ok_or_else(|| corrupt("status"))?;
    let lead = unit_ref(r.opt_int("lead_unit_id")?, r.opt_text("lead_name")?)?;
    let deadline = r
        .opt_text("deadline")?
        .map(|d| Date::parse(&d).map_err(|_| corrupt("deadline")))
        .transpose()?;
    let owner = r
        .opt_text("owner")?
        .map(|o| PersonName::parse(&o).map_err(|_| corrupt("owner")))
        .transpose()?;
    let assignment = match (lead, deadline) {
        (Some(lead), Some(deadline)) => Some(Assignment {
            lead,
            co_units,
            owner,
            deadline,
        }),
        _ => None,
    };
    let kind = match r.text("kind")?.as_str() {
        "theme" => TaskKind::Theme,
        "task" => TaskKind::Task,
        _ => return Err(corrupt("kind")),
    };
    let span_part = |name: &str| -> Result<usize, StoreError> {
        usize::try_from(r.int(name)?).map_err(|_| corrupt("span"))
    };
    Ok(Task {
        id: TaskId(id),
        version: Version(r.int("version")?),
        document: DocumentId(r.int("document_id")?),
        parent: r.opt_int("parent_id")?.map(TaskId),
        ordinal: r.int("ordinal")?,
        source_ref: r.text("source_ref")?,
        kind,
        cue: r.text("cue")?,
        title: Text::parse(&r.text("title")?).map_err(|_| corrupt("title"))?,
        text: Text::parse(&r.text("text")?).map_err(|_| corrupt("text"))?,
        span: Span::new(span_part("span_start")?, span_part("span_end")?)
            .ok_or_else(|| corrupt("span"))?,
        due_text: r.opt_text("due_text")?,
        status,
        assignment,
        created_at: Timestamp::from_millis(r.int("created_at")?),
        updated_at: Timestamp::from_millis(r.int("updated_at")?),
    })
}

pub(crate) fn report_of(r: &Row) -> Result<ProgressReport, StoreError> {
    let id = r.int("id")?;
    let corrupt = |what: &str| StoreError::corrupt("progress_reports", id, what);
    let text = |name: &str| -> Result<Option<Text>, StoreError> {
        r.opt_text(name)?
            .map(|t| Text::parse(&t).map_err(|_| corrupt(name)))
            .transpose()
    };
    let person = |name: &str| -> Result<Option<PersonName>, StoreError> {
        r.opt_text(name)?
            .map(|t| PersonName::parse(&t).map_err(|_| corrupt(name)))
            .transpose()
    };
    Ok(ProgressReport {
        id: ReportId(id),
        version: Version(r.int("version")?),
        task: TaskId(r.int("task_id")?),
        unit: unit_ref(r.opt_int("unit_id")?, r.opt_text("unit_name")?)?,
        kind: match r.text("kind")?.as_str() {
            "progress" => ReportKind::Progress,
            "completion" => ReportKind::Completion,
            _ => return Err(corrupt("kind")),
        },
        period: Period::parse(&r.text("period")?).map_err(|_| corrupt("period"))?,
        done: text("done")?.ok_or_else(|| corrupt("done"))?,
        next_steps: text("next_steps")?,
        percent: Percent::new(r.int("percent")?).map_err(|_| corrupt("percent"))?,
        problems: text("problems")?,
        evidence: text("evidence")?,
        review: match r.text("review_state")?.as_str() {
            "submitted" => ReviewState::Submitted,
            "accepted" => ReviewState::Accepted,
            "returned" => ReviewState::Returned,
            _ => return Err(corrupt("review_state")),
        },
        review_note: r.opt_text("review_note")?,
        reviewed_by: person("reviewed_by")?,
        reviewed_at: r.opt_int("reviewed_at")?.map(Timestamp::from_millis),
        reported_by: person("reported_by")?.ok_or_else(|| corrupt("reported_by"))?,
        created_at: Timestamp::from_millis(r.int("created_at")?),
    })
}

/// The writes of [`Ledger::assign`] inside a write transaction that the
/// caller commits (so that other writes can join it, see
/// [`Store::assign_with_cycle`]).
pub(crate) async fn assign_in(
    w: &mut Writer,
    task: TaskId,
    expected: Version,
    assignment: &NewAssignment,
) -> Result<(), StoreError> {
    let mut co_names: Vec<&UnitName> = Vec::new();
    for name in &assignment.co_units {
        if *name == assignment.lead {
            return Err(ValueError::LeadAlsoCoUnit {
                unit: name.to_string(),
            }
            .into());
        }
        if !co_names.contains(&name) {
            co_names.push(name);
        }
    }
    let (current, before) = lock_task(w, task, Some(expected)).await?;
    let to = transition(current.status, Action::Assign)?;
    let lead = unit_id(&mut w.tx, &assignment.lead).await?;
    let mut co = Vec::new();
    for name in co_names {
        co.push(unit_id(&mut w.tx, name).await?);
    }
    let changed = w
        .tx
        .execute(
            "UPDATE tasks SET status = $1, suspended_from = NULL, lead_unit_id = $2, owner = $3, deadline = $4,
                    version = version + 1, updated_at = $5
             WHERE id = $6 AND version = $7",
            args![
                to.code(),
                lead,
                assignment.owner.as_ref().map(|o| o.as_str()),
                assignment.deadline.to_string(),
                w.at().millis(),
                task.0,
                expected.0,
            ],
        )
        .await?;
    stale_unless_one(changed, Entity::Task, task.0, expected)?;
    w.record(
        &TASKS,
        task.0,
        Some(task.0),
        Action::Assign.code(),
        None,
        Some(before),
    )
    .await?;

    let existing =
        w.tx.fetch_all(
            "SELECT id, unit_id, state FROM task_co_units WHERE task_id = $1 ORDER BY id",
            args![task.0],
        )
        .await?;
    let mut seen = Vec::new();
    for row in &existing {
        let (row_id, unit, state) = (row.int("id")?, row.int("unit_id")?, row.text("state")?);
        seen.push(unit);
        let wanted = co.contains(&unit);
        let new_state = match (state.as_str(), wanted) {
            ("active", false) => "removed",
            ("removed", true) => "active",
            _ => continue,
        };
        let before = w.snapshot(&CO_UNITS, row_id).await?;
        w.tx.execute(
            "UPDATE task_co_units SET state = $1, version = version + 1 WHERE id = $2",
            args![new_state, row_id],
        )
        .await?;
        let action = if new_state == "active" {
            "restore"
        } else {
            "remove"
        };
        w.record(&CO_UNITS, row_id, Some(task.0), action, None, before)
            .await?;
    }
    for unit in co.into_iter().filter(|u| !seen.contains(u)) {
        let row = w
            .tx
            .fetch_optional(
                "INSERT INTO task_co_units (version, task_id, unit_id, state) VALUES (1, $1, $2, 'active')
                 RETURNING id",
                args![task.0, unit],
            )
            .await?;
        let id = returned_id(row)?;
        w.record(&CO_UNITS, id, Some(task.0), "create", None, None)
            .await?;
    }
    Ok(())
}

/// A SQLite store in a fresh temporary folder named after `name`, seeded
/// with `plan` (for the unit tests that need rows); remove the folder
/// when done.
#[cfg(test)]
pub(crate) async fn seeded_test_store(
    name: &str,
    plan: &crate::SeedPlan,
) -> (Store, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("luoshi_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("test.db").display());
    let store = Store::open(&url, std::sync::Arc::new(crate::SystemClock::default()))
        .await
        .unwrap();
    store
        .seed(&PersonName::parse("测试").unwrap(), plan)
        .await
        .unwrap();
    (store, dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_count_column() {
        let mut counted = COUNTED_STATUSES.to_vec();
        let mut codes = Status::CODES.to_vec();
        assert!(counted.is_sorted(), "counts are listed in code order");
        counted.sort_unstable();
        codes.sort_unstable();
        assert_eq!(counted, codes);
    }

    #[tokio::test]
    async fn co_units_read_alike_by_lists_and_all_at_once() {
        let plan = crate::SeedPlan {
            units: 40,
            tasks: 600,
            reports: 0,
            seed: 7,
        };
        let (store, dir) = seeded_test_store("co_units", &plan).await;
        let mut tx = store.pool().read().await.unwrap();
        let rows = tx
            .fetch_all("SELECT id FROM tasks ORDER BY id", Vec::new())
            .await
            .unwrap();
        let ids: Vec<i64> = rows.iter().map(|r| r.int("id").unwrap()).collect();
        let sorted = |m: HashMap<i64, Vec<UnitRef>>| {
            let mut v: Vec<(i64, Vec<i64>)> = m
                .into_iter()
                .map(|(t, us)| (t, us.iter().map(|u| u.id.0).collect()))
                .collect();
            v.sort();
            v
        };
        let by_lists = sorted(co_units_read(&mut tx, &ids, usize::MAX).await.unwrap());
        let at_once = sorted(co_units_read(&mut tx, &ids, 0).await.unwrap());
        assert!(by_lists.len() > 50, "the seed gives tasks co-units");
        assert_eq!(by_lists, at_once);
        // Some of the tasks only: the read of all keeps just those.
        let some: Vec<i64> = ids.iter().copied().step_by(3).collect();
        let by_lists = sorted(co_units_read(&mut tx, &some, usize::MAX).await.unwrap());
        let at_once = sorted(co_units_read(&mut tx, &some, 0).await.unwrap());
        assert_eq!(by_lists, at_once);
        assert!(by_lists.iter().all(|(t, _)| some.contains(t)));
        tx.commit().await.unwrap();
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
