//! The audit trail (留痕) that proves itself.
//!
//! Every write goes through a `Writer`: it holds the write lock, and for
//! each record it changes it appends an event in the same transaction with
//! the record before and after the change (a canonical JSON snapshot of the
//! row), the actor, the time, and `hash` = SHA-256 over a canonical
//! serialisation of the event that includes the previous event's hash.
//!
//! `verify` ([`crate::Ledger::verify`]) replays the trail: it checks the chain link by link, that each
//! event's `before` is the previous `after` of the same record, and that
//! every current row of every audited table equals the last `after` the
//! trail holds for it. A row edited, inserted or deleted behind the store's
//! back is reported by table and id.
//!
//! Snapshots list a table's columns in a fixed order and render values by
//! the type the engine reports, so they are identical on SQLite and
//! PostgreSQL. Large texts (a document's source and extraction) enter the
//! snapshot as their SHA-256, so the trail does not hold every document
//! twice; so do secrets' hashes (a password's PHC string, a token's
//! SHA-256), so the trail holds nothing to attack offline.
//!
//! An event with neither `before` nor `after` (a refusal, action `denied`)
//! changed no row: verify checks it in the chain and nowhere else.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::db::{Arg, Pool, Row, Tx, Val, args};
use crate::error::StoreError;
use crate::store::COUNTED_STATUSES;
use crate::value::{EventId, PersonName, Timestamp};

/// An audited table: its name and its columns in snapshot order.
#[derive(Debug)]
pub(crate) struct TableSpec {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    /// Columns that enter the snapshot as `sha256:<hex>` of their text.
    pub digested: &'static [&'static str],
}

pub(crate) const DOCUMENTS: TableSpec = TableSpec {
    name: "documents",
    columns: &[
        "id",
        "version",
        "name",
        "kind",
        "encoding",
        "script",
        "source",
        "extraction",
        "created_at",
        "created_by",
    ],
    digested: &["source", "extraction"],
};

pub(crate) const MEETINGS: TableSpec = TableSpec {
    name: "meetings",
    columns: &[
        "id",
        "version",
        "document_id",
        "title",
        "held_on",
        "body",
        "chair",
    ],
    digested: &[],
};

pub(crate) const UNITS: TableSpec = TableSpec {
    name: "units",
    columns: &["id", "version", "name", "parent_id", "created_at"],
    digested: &[],
};

pub(crate) const TASKS: TableSpec = TableSpec {
    name: "tasks",
    columns: &[
        "id",
        "version",
        "document_id",
        "parent_id",
        "ordinal",
        "source_ref",
        "kind",
        "cue",
        "title",
        "text",
        "span_start",
        "span_end",
        "due_text",
        "status",
        "suspended_from",
        "lead_unit_id",
        "owner",
        "deadline",
        "created_at",
        "updated_at",
    ],
    digested: &[],
};

pub(crate) const CO_UNITS: TableSpec = TableSpec {
    name: "task_co_units",
    columns: &["id", "version", "task_id", "unit_id", "state"],
    digested: &[],
};

pub(crate) const REPORTS: TableSpec = TableSpec {
    name: "progress_reports",
    columns: &[
        "id",
        "version",
        "task_id",
        "unit_id",
        "kind",
        "period",
        "done",
        "next_steps",
        "percent",
        "problems",
        "evidence",
        "review_state",
        "review_note",
        "reviewed_by",
        "reviewed_at",
        "reported_by",
        "created_at",
    ],
    digested: &[],
};

/// Accounts. The password hash enters the snapshot only as a digest, so
/// the trail holds no hash that could be attacked offline, yet an edited
/// hash still shows as an altered row.
pub(crate) const USERS: TableSpec = TableSpec {
    name: "users",
    columns: &[
        "id",
        "version",
        "login",
        "name",
        "role",
        "unit_id",
        "password_hash",
        "must_change_password",
        "active",
        "created_at",
    ],
    digested: &["password_hash"],
};

/// API tokens. `last_used_at` changes on every use and is deliberately
/// left out of the snapshot (and so of verification); the secret's hash
/// enters only as a digest.
pub(crate) const API_TOKENS: TableSpec = TableSpec {
    name: "api_tokens",
    columns: &[
        "id",
        "version",
        "user_id",
        "name",
        "prefix",
        "secret_hash",
        "created_at",
        "revoked_at",
    ],
    digested: &["secret_hash"],
};

/// Each assigned task's reporting cycle (migration 4).
pub(crate) const CYCLES: TableSpec = TableSpec {
    name: "report_cycles",
    columns: &["id", "version", "task_id", "kind", "dates", "starts_on"],
    digested: &[],
};

/// Warning cards (migration 4).
pub(crate) const CARDS: TableSpec = TableSpec {
    name: "cards",
    columns: &[
        "id",
        "version",
        "task_id",
        "unit_id",
        "tier",
        "tier_label",
        "tier_rank",
        "reasons",
        "raised_on",
        "raised_at",
        "cleared_at",
        "cleared_by",
        "clear_reason",
        "superseded_by",
    ],
    digested: &[],
};

/// The problem list (migration 5).
pub(crate) const PROBLEMS: TableSpec = TableSpec {
    name: "problems",
    columns: &[
        "id",
        "version",
        "task_id",
        "report_id",
        "unit_id",
        "description",
        "found_by",
        "root_cause",
        "class",
        "deadline",
        "status",
        "measures",
        "evidence",
        "created_at",
        "created_by",
        "closed_at",
        "closed_by",
    ],
    digested: &[],
};

/// Indicators attached to tasks (migration 5).
pub(crate) const INDICATORS: TableSpec = TableSpec {
    name: "indicators",
    columns: &[
        "id",
        "version",
        "task_id",
        "name",
        "measure",
        "year",
        "annual_target",
        "created_at",
        "created_by",
    ],
    digested: &[],
};

/// Indicators' actual values by period (migration 5).
pub(crate) const INDICATOR_VALUES: TableSpec = TableSpec {
    name: "indicator_values",
    columns: &[
        "id",
        "version",
        "indicator_id",
        "period_end",
        "value",
        "recorded_at",
        "recorded_by",
    ],
    digested: &[],
};

/// Progress reports filed together for several tasks (migration 5).
pub(crate) const REPORT_BATCHES: TableSpec = TableSpec {
    name: "report_batches",
    columns: &[
        "id",
        "version",
        "unit_id",
        "report_ids",
        "created_at",
        "created_by",
    ],
    digested: &[],
};

/// Supervision notices (督办通知) issued (migration 9).
pub(crate) const NOTICES: TableSpec = TableSpec {
    name: "notices",
    columns: &[
        "id",
        "version",
        "year",
        "number",
        "unit_id",
        "task_id",
        "task_ids",
        "issued_on",
        "reply_by",
        "office",
        "created_at",
        "created_by",
    ],
    digested: &[],
};

/// New dates given with a returned completion request (migration 8).
pub(crate) const RETURN_DATES: TableSpec = TableSpec {
    name: "return_dates",
    columns: &[
        "id",
        "version",
        "task_id",
        "report_id",
        "new_date",
        "created_at",
        "created_by",
    ],
    digested: &[],
};

/// Every table whose rows the trail vouches for. (`sessions` and
/// `login_failures` change on every login and are not audited.)
pub(crate) const AUDITED: [&TableSpec; 16] = [
    &DOCUMENTS,
    &MEETINGS,
    &UNITS,
    &TASKS,
    &CO_UNITS,
    &REPORTS,
    &USERS,
    &API_TOKENS,
    &CYCLES,
    &CARDS,
    &PROBLEMS,
    &INDICATORS,
    &INDICATOR_VALUES,
    &REPORT_BATCHES,
    &NOTICES,
    &RETURN_DATES,
];

/// The names of the audited tables (schema_migrations and audit_events
/// themselves are not rows the trail describes).
pub fn audited_tables() -> impl Iterator<Item = &'static str> {
    AUDITED.iter().map(|t| t.name)
}

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub(crate) fn hex(bytes: &[u8]) -> String {
    // One allocation: this runs for every audit event written or verified.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

pub(crate) fn select_sql(spec: &TableSpec, condition: &str) -> String {
    format!(
        "SELECT {} FROM {} {condition}",
        spec.columns.join(", "),
        spec.name
    )
}

/// The canonical JSON of a row: an object with keys in sorted order.
pub(crate) fn snapshot_of(spec: &TableSpec, row: &Row) -> String {
    let mut map = BTreeMap::new();
    for (name, val) in row.columns() {
        let json = match val {
            Val::Null => Json::Null,
            Val::Int(v) => Json::from(*v),
            Val::Text(t) if spec.digested.contains(&name) => {
                Json::from(format!("sha256:{}", sha256_hex(t)))
            }
            Val::Text(t) => Json::from(t.as_str()),
            Val::Real(f) => Json::from(format!("real:{f:?}")),
            Val::Blob(b) => Json::from(format!("blob:{}", hex(b))),
        };
        map.insert(name.to_owned(), json);
    }
    // A map of strings to plain values always serialises.
    serde_json::to_string(&map).unwrap_or_default()
}

/// The fields of an event that its hash covers, in hash order.
struct EventFields<'a> {
    id: i64,
    at: i64,
    actor: &'a str,
    table: &'a str,
    entity_id: i64,
    task_id: Option<i64>,
    action: &'a str,
    note: Option<&'a str>,
    before: Option<&'a str>,
    after: Option<&'a str>,
    prev_hash: &'a str,
}

impl EventFields<'_> {
    /// SHA-256 (hex) of the canonical serialisation: a JSON array of a
    /// format tag and every field in a fixed order, snapshots as strings.
    fn hash(&self) -> String {
        let canonical = serde_json::json!([
            "luoshi-audit-1",
            self.id,
            self.at,
            self.actor,
            self.table,
            self.entity_id,
            self.task_id,
            self.action,
            self.note,
            self.before,
            self.after,
            self.prev_hash,
        ]);
        sha256_hex(&canonical.to_string())
    }
}

/// A write transaction that appends one audit event per changed record.
pub(crate) struct Writer {
    pub(crate) tx: Tx,
    actor: String,
    at: Timestamp,
    head_id: i64,
    head_hash: String,
}

impl Writer {
    /// Takes the write lock and reads the head of the chain.
    pub(crate) async fn begin(
        pool: &Pool,
        actor: &PersonName,
        at: Timestamp,
    ) -> Result<Writer, StoreError> {
        let mut tx = pool.write().await?;
        let head = tx
            .fetch_optional(
                "SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1",
                vec![],
            )
            .await?;
        let (head_id, head_hash) = match head {
            Some(row) => (row.int("id")?, row.text("hash")?),
            None => (0, GENESIS_HASH.to_owned()),
        };
        Ok(Writer {
            tx,
            actor: actor.as_str().to_owned(),
            at,
            head_id,
            head_hash,
        })
    }

    /// The id of the chain's head when the transaction began (plus the
    /// events appended since).
    pub(crate) fn head_id(&self) -> i64 {
        self.head_id
    }

    pub(crate) fn at(&self) -> Timestamp {
        self.at
    }

    pub(crate) fn actor(&self) -> &str {
        &self.actor
    }

    /// The canonical snapshot of one row, `None` when there is no such row.
    pub(crate) async fn snapshot(
        &mut self,
        spec: &TableSpec,
        id: i64,
    ) -> Result<Option<String>, StoreError> {
        let row = self
            .tx
            .fetch_optional(&select_sql(spec, "WHERE id = $1"), args![id])
            .await?;
        Ok(row.map(|r| snapshot_of(spec, &r)))
    }

    /// Appends the event for a change to `spec`/`id` that was just made in
    /// this transaction; `before` is the snapshot taken before the change.
    pub(crate) async fn record(
        &mut self,
        spec: &TableSpec,
        id: i64,
        task_id: Option<i64>,
        action: &str,
        note: Option<&str>,
        before: Option<String>,
    ) -> Result<(), StoreError> {
        let after = self.snapshot(spec, id).await?.ok_or_else(|| {
            StoreError::other(
                "写入留痕",
                format!("刚写入的记录 {}/{id} 不存在", spec.name),
            )
        })?;
        let event_id = self.head_id + 1;
        let fields = EventFields {
            id: event_id,
            at: self.at.millis(),
            actor: &self.actor,
            table: spec.name,
            entity_id: id,
            task_id,
            action,
            note,
            before: before.as_deref(),
            after: Some(&after),
            prev_hash: &self.head_hash,
        };
        let hash = fields.hash();
        self.tx
            .execute(
                "INSERT INTO audit_events (id, at, actor, entity_table, entity_id, task_id, action, note,
                                           before_state, after_state, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                args![
                    event_id,
                    self.at.millis(),
                    self.actor.as_str(),
                    spec.name,
                    id,
                    task_id,
                    action,
                    note,
                    before,
                    after,
                    self.head_hash.as_str(),
                    hash.as_str(),
                ],
            )
            .await?;
        self.head_id = event_id;
        self.head_hash = hash;
        Ok(())
    }

    /// Appends an event that changed no row (a refusal): it names a
    /// record but carries no snapshot, so verification checks it in the
    /// chain and leaves the record's own history alone.
    pub(crate) async fn record_note(
        &mut self,
        table: &str,
        id: i64,
        task_id: Option<i64>,
        action: &str,
        note: Option<&str>,
    ) -> Result<(), StoreError> {
        let event_id = self.head_id + 1;
        let hash = EventFields {
            id: event_id,
            at: self.at.millis(),
            actor: &self.actor,
            table,
            entity_id: id,
            task_id,
            action,
            note,
            before: None,
            after: None,
            prev_hash: &self.head_hash,
        }
        .hash();
        self.tx
            .execute(
                "INSERT INTO audit_events (id, at, actor, entity_table, entity_id, task_id, action, note,
                                           before_state, after_state, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, $9, $10)",
                args![
                    event_id,
                    self.at.millis(),
                    self.actor.as_str(),
                    table,
                    id,
                    task_id,
                    action,
                    note,
                    self.head_hash.as_str(),
                    hash.as_str(),
                ],
            )
            .await?;
        self.head_id = event_id;
        self.head_hash = hash;
        Ok(())
    }

    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await
    }

    /// Inserts rows of `spec` (each with every column of `spec.columns`, in
    /// that order) and appends one creation event per row, with the
    /// snapshot taken from the values rather than read back: the bulk path
    /// of `dev seed`. `task_of(row)` names the task an event is about.
    pub(crate) async fn insert_recorded(
        &mut self,
        spec: &'static TableSpec,
        action: &str,
        rows: Vec<Vec<Arg>>,
        task_of: impl Fn(&[Arg]) -> Option<i64>,
    ) -> Result<(), StoreError> {
        let names: std::sync::Arc<[String]> =
            spec.columns.iter().map(|c| (*c).to_owned()).collect();
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            let entity_id = match row.first() {
                Some(Arg::Int(Some(id))) => *id,
                _ => return Err(StoreError::other("写入留痕", "批量写入的记录没有 id")),
            };
            let task_id = task_of(row);
            let after = snapshot_of(spec, &Row::from_args(names.clone(), row));
            events.push(self.chain_event(spec.name, entity_id, task_id, action, None, after));
        }
        self.tx.insert_many(spec.name, spec.columns, rows).await?;
        self.tx
            .insert_many("audit_events", &EVENT_COLUMN_LIST, events)
            .await
    }
}

impl Writer {
    /// Appends one event per change already made in this transaction,
    /// with snapshots the caller built from the values it read and wrote
    /// (`before` `None` for a creation): the bulk path of
    /// [`crate::Store::assess`]. Each item is (entity id, task id, before,
    /// after).
    pub(crate) async fn record_many(
        &mut self,
        spec: &'static TableSpec,
        action: &str,
        items: Vec<(i64, Option<i64>, Option<String>, String)>,
    ) -> Result<(), StoreError> {
        let mut events = Vec::with_capacity(items.len());
        for (entity_id, task_id, before, after) in items {
            events.push(self.chain_event(spec.name, entity_id, task_id, action, before, after));
        }
        self.tx
            .insert_many("audit_events", &EVENT_COLUMN_LIST, events)
            .await
    }

    /// The row of the next event in the chain (no note), in the order of
    /// [`EVENT_COLUMN_LIST`]; moves the chain's head past it.
    fn chain_event(
        &mut self,
        table: &str,
        entity_id: i64,
        task_id: Option<i64>,
        action: &str,
        before: Option<String>,
        after: String,
    ) -> Vec<Arg> {
        let event_id = self.head_id + 1;
        let hash = EventFields {
            id: event_id,
            at: self.at.millis(),
            actor: &self.actor,
            table,
            entity_id,
            task_id,
            action,
            note: None,
            before: before.as_deref(),
            after: Some(&after),
            prev_hash: &self.head_hash,
        }
        .hash();
        self.head_id = event_id;
        vec![
            Arg::from(event_id),
            Arg::from(self.at.millis()),
            Arg::from(self.actor.as_str()),
            Arg::from(table),
            Arg::from(entity_id),
            Arg::from(task_id),
            Arg::from(action),
            Arg::Text(None),
            Arg::from(before),
            Arg::from(after),
            Arg::from(std::mem::replace(&mut self.head_hash, hash.clone())),
            Arg::from(hash),
        ]
    }
}

/// The columns of `audit_events`, in the order [`Writer`] writes them.
const EVENT_COLUMN_LIST: [&str; 12] = [
    "id",
    "at",
    "actor",
    "entity_table",
    "entity_id",
    "task_id",
    "action",
    "note",
    "before_state",
    "after_state",
    "prev_hash",
    "hash",
];

pub(crate) const EVENT_COLUMNS: &str = "id, at, actor, entity_table, entity_id, task_id, action, note, before_state, after_state, prev_hash, hash";

pub(crate) fn event_of(row: &Row) -> Result<crate::model::AuditEvent, StoreError> {
    Ok(crate::model::AuditEvent {
        id: EventId(row.int("id")?),
        at: Timestamp::from_millis(row.int("at")?),
        actor: row.text("actor")?,
        table: row.text("entity_table")?,
        entity_id: row.int("entity_id")?,
        task: row.opt_int("task_id")?.map(crate::value::TaskId),
        action: row.text("action")?,
        note: row.opt_text("note")?,
        before: row.opt_text("before_state")?,
        after: row.opt_text("after_state")?,
        prev_hash: row.text("prev_hash")?,
        hash: row.text("hash")?,
    })
}

/// Something [`crate::Ledger::verify`] found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The event does not link to the one before it: events were deleted,
    /// inserted or reordered.
    ChainBroken { event: EventId },
    /// The event's content does not match its hash: it was edited.
    EventAltered { event: EventId },
    /// Event ids are not consecutive.
    EventOutOfSequence { event: EventId, expected: i64 },
    /// The event names a table the ledger does not audit.
    EventUnknownTable { event: EventId, table: String },
    /// The event's `before` is not the previous `after` of the same record.
    EventDiscontinuous {
        event: EventId,
        table: &'static str,
        id: i64,
    },
    /// The row differs from what the trail says it should be.
    RowAltered { table: &'static str, id: i64 },
    /// The row exists but the trail never recorded it.
    RowUnrecorded { table: &'static str, id: i64 },
    /// The trail records the row but it is gone.
    RowMissing { table: &'static str, id: i64 },
    /// The kept task counts of a lead unit (0: no lead unit) differ from
    /// the tasks themselves.
    CountsDiffer { unit: i64 },
}

impl Problem {
    /// Stable snake_case English code.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::ChainBroken { .. } => "audit_chain_broken",
            Problem::EventAltered { .. } => "audit_event_altered",
            Problem::EventOutOfSequence { .. } => "audit_event_out_of_sequence",
            Problem::EventUnknownTable { .. } => "audit_event_unknown_table",
            Problem::EventDiscontinuous { .. } => "audit_event_discontinuous",
            Problem::RowAltered { .. } => "row_altered",
            Problem::RowUnrecorded { .. } => "row_unrecorded",
            Problem::RowMissing { .. } => "row_missing",
            Problem::CountsDiffer { .. } => "task_counts_differ",
        }
    }

    /// The table of the record concerned, for row problems.
    pub fn table(&self) -> Option<&str> {
        match self {
            Problem::RowAltered { table, .. }
            | Problem::RowUnrecorded { table, .. }
            | Problem::RowMissing { table, .. }
            | Problem::EventDiscontinuous { table, .. } => Some(table),
            Problem::EventUnknownTable { table, .. } => Some(table),
            _ => None,
        }
    }

    /// The id of the record concerned, for row problems.
    pub fn id(&self) -> Option<i64> {
        match self {
            Problem::RowAltered { id, .. }
            | Problem::RowUnrecorded { id, .. }
            | Problem::RowMissing { id, .. }
            | Problem::EventDiscontinuous { id, .. } => Some(*id),
            _ => None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::ChainBroken { event } => write!(
                f,
                "留痕链在第 {event} 条处断开：它记载的前一条哈希与实际不符（留痕被删除、插入或改序）。"
            ),
            Problem::EventAltered { event } => {
                write!(f, "第 {event} 条留痕的内容与其哈希不符（留痕被改动）。")
            }
            Problem::EventOutOfSequence { event, expected } => {
                write!(
                    f,
                    "留痕编号不连续：应为第 {expected} 条，实际为第 {event} 条。"
                )
            }
            Problem::EventUnknownTable { event, table } => {
                write!(f, "第 {event} 条留痕记载的表“{table}”不属于台账。")
            }
            Problem::EventDiscontinuous { event, table, id } => write!(
                f,
                "第 {event} 条留痕记载的表 {table} 中 id 为 {id} 的记录的修改前状态，与上一条留痕记载的不一致。"
            ),
            Problem::RowAltered { table, id } => write!(
                f,
                "表 {table} 中 id 为 {id} 的记录与留痕记载的不一致（被绕过系统直接修改）。"
            ),
            Problem::RowUnrecorded { table, id } => write!(
                f,
                "表 {table} 中 id 为 {id} 的记录没有任何留痕（被绕过系统直接插入）。"
            ),
            Problem::RowMissing { table, id } => write!(
                f,
                "留痕记载的表 {table} 中 id 为 {id} 的记录已不存在（被绕过系统直接删除）。"
            ),
            Problem::CountsDiffer { unit } => write!(
                f,
                "表 unit_task_counts 中单位 {unit} 的任务计数与任务表不一致（计数被绕过系统直接修改）。"
            ),
        }
    }
}

/// What [`crate::Ledger::verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Events replayed.
    pub events: u64,
    /// Current rows compared, across all audited tables.
    pub rows: u64,
    /// The last event and its hash: keep it elsewhere to detect a trail cut
    /// off at the end together with its rows.
    pub head: Option<(EventId, String)>,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

const PAGE: i64 = 2000;

/// Replays the trail and compares it with every current row (see the
/// module documentation). Reads one consistent snapshot of the database.
pub(crate) async fn verify(pool: &Pool) -> Result<VerifyReport, StoreError> {
    let mut tx = pool.read().await?;
    let mut problems = Vec::new();
    // The digest of the last `after` of each record, by (table index, id).
    let mut latest: HashMap<(usize, i64), Option<[u8; 32]>> = HashMap::new();
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut last_id = 0i64;
    let mut events = 0u64;
    loop {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM audit_events WHERE id > $1 ORDER BY id LIMIT {PAGE}"
        );
        let rows = tx.fetch_all(&sql, args![last_id]).await?;
        let n = rows.len();
        for row in rows {
            let e = event_of(&row)?;
            events += 1;
            if e.id.0 != last_id + 1 {
                problems.push(Problem::EventOutOfSequence {
                    event: e.id,
                    expected: last_id + 1,
                });
            }
            if e.prev_hash != prev_hash {
                problems.push(Problem::ChainBroken { event: e.id });
            }
            let fields = EventFields {
                id: e.id.0,
                at: e.at.millis(),
                actor: &e.actor,
                table: &e.table,
                entity_id: e.entity_id,
                task_id: e.task.map(|t| t.0),
                action: &e.action,
                note: e.note.as_deref(),
                before: e.before.as_deref(),
                after: e.after.as_deref(),
                prev_hash: &e.prev_hash,
            };
            if fields.hash() != e.hash {
                problems.push(Problem::EventAltered { event: e.id });
            }
            last_id = e.id.0;
            prev_hash = e.hash.clone();

            // An event without snapshots (a refusal) changed no row.
            if e.before.is_none() && e.after.is_none() {
                continue;
            }
            let Some(table) = AUDITED.iter().position(|t| t.name == e.table) else {
                problems.push(Problem::EventUnknownTable {
                    event: e.id,
                    table: e.table.clone(),
                });
                continue;
            };
            let digest = |s: &Option<String>| {
                s.as_ref()
                    .map(|s| <[u8; 32]>::from(Sha256::digest(s.as_bytes())))
            };
            let key = (table, e.entity_id);
            let previous = latest.get(&key).copied().flatten();
            if previous != digest(&e.before) {
                problems.push(Problem::EventDiscontinuous {
                    event: e.id,
                    table: AUDITED[table].name,
                    id: e.entity_id,
                });
            }
            latest.insert(key, digest(&e.after));
        }
        if n < usize::try_from(PAGE).unwrap_or(usize::MAX) {
            break;
        }
    }

    let mut rows_seen = 0u64;
    for (index, spec) in AUDITED.iter().enumerate() {
        let mut after_id = 0i64;
        loop {
            let sql = select_sql(spec, &format!("WHERE id > $1 ORDER BY id LIMIT {PAGE}"));
            let rows = tx.fetch_all(&sql, args![after_id]).await?;
            let n = rows.len();
            for row in rows {
                let id = row.int("id")?;
                after_id = id;
                rows_seen += 1;
                let current = <[u8; 32]>::from(Sha256::digest(snapshot_of(spec, &row).as_bytes()));
                match latest.remove(&(index, id)) {
                    Some(Some(recorded)) if recorded == current => {}
                    Some(Some(_)) => problems.push(Problem::RowAltered {
                        table: spec.name,
                        id,
                    }),
                    Some(None) | None => problems.push(Problem::RowUnrecorded {
                        table: spec.name,
                        id,
                    }),
                }
            }
            if n < usize::try_from(PAGE).unwrap_or(usize::MAX) {
                break;
            }
        }
    }
    let mut missing: Vec<(usize, i64)> = latest
        .into_iter()
        .filter(|(_, after)| after.is_some())
        .map(|(key, _)| key)
        .collect();
    missing.sort_unstable();
    problems.extend(missing.into_iter().map(|(index, id)| Problem::RowMissing {
        table: AUDITED[index].name,
        id,
    }));
    problems.extend(
        counts_differ(&mut tx)
            .await?
            .into_iter()
            .map(|unit| Problem::CountsDiffer { unit }),
    );
    tx.commit().await?;
    Ok(VerifyReport {
        events,
        rows: rows_seen,
        head: (last_id > 0).then_some((EventId(last_id), prev_hash)),
        problems,
    })
}

/// The lead units whose kept counts (`unit_task_counts`) differ from a
/// count of the tasks themselves.
async fn counts_differ(tx: &mut Tx) -> Result<Vec<i64>, StoreError> {
    let columns = COUNTED_STATUSES.join(", ");
    let mut kept: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for row in tx
        .fetch_all(
            &format!("SELECT unit_key, {columns} FROM unit_task_counts"),
            vec![],
        )
        .await?
    {
        let counts = COUNTED_STATUSES
            .iter()
            .map(|s| row.int(s))
            .collect::<Result<Vec<_>, _>>()?;
        // A unit whose tasks all moved away keeps a row of zeros.
        if counts.iter().any(|n| *n != 0) {
            kept.insert(row.int("unit_key")?, counts);
        }
    }
    let mut actual: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for row in tx
        .fetch_all(
            "SELECT COALESCE(lead_unit_id, 0) AS unit_key, status, COUNT(*) AS n
             FROM tasks GROUP BY COALESCE(lead_unit_id, 0), status",
            vec![],
        )
        .await?
    {
        let status = row.text("status")?;
        let counts = actual
            .entry(row.int("unit_key")?)
            .or_insert_with(|| vec![0; COUNTED_STATUSES.len()]);
        if let Some(i) = COUNTED_STATUSES.iter().position(|s| *s == status) {
            counts[i] = row.int("n")?;
        }
    }
    let mut units: Vec<i64> = kept.keys().chain(actual.keys()).copied().collect();
    units.sort_unstable();
    units.dedup();
    units.retain(|u| kept.get(u) != actual.get(u));
    Ok(units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_column_lists_agree() {
        assert_eq!(EVENT_COLUMNS, EVENT_COLUMN_LIST.join(", "));
    }

    #[test]
    fn hex_is_lowercase_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(sha256_hex("").len(), 64);
    }
}
