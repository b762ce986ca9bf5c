//! The two engines behind one small interface: a pool chosen once from the
//! URL, transactions, and raw SQL with arguments and rows that are the same
//! on both sides.
//!
//! SQL is written once with `$1, $2, …` placeholders, which PostgreSQL and
//! SQLite both understand. Arguments carry their type even when null (so
//! PostgreSQL can type a `NULL`), and rows are decoded by the type the engine
//! reports for each value, so one row type serves every query. This is not
//! `sqlx::Any` (whose pitfalls ECOSYSTEM.md lists): each engine keeps its
//! concrete pool and driver; only the thin layer here is shared.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Column as _, Postgres, Row as _, Sqlite, TypeInfo as _, ValueRef as _};

use crate::error::{StoreError, ValueError};

/// The database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn code(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// The URL used when none is given: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./luoshi.db";

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH` or `sqlite:PATH`; `sqlite:///abs/path` is absolute.
    Sqlite { path: String },
    /// `postgres://…` or `postgresql://…`, passed to the driver as given.
    Postgres { url: String },
}

impl DatabaseUrl {
    /// Chooses the engine from the URL scheme. An unknown scheme is a
    /// [`ValueError::DatabaseUrl`] naming only the scheme (never a password).
    pub fn parse(url: &str) -> Result<DatabaseUrl, ValueError> {
        let url = url.trim();
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if rest.is_empty() || rest.contains('?') {
                return Err(ValueError::DatabaseUrl {
                    scheme: "sqlite（需要文件路径，不支持参数）".to_owned(),
                });
            }
            return Ok(DatabaseUrl::Sqlite {
                path: rest.to_owned(),
            });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres {
                url: url.to_owned(),
            });
        }
        let scheme = match url.split_once(':') {
            Some((scheme, _)) if !scheme.is_empty() => format!("{scheme}:"),
            _ => "没有协议前缀".to_owned(),
        };
        Err(ValueError::DatabaseUrl {
            scheme: scheme.chars().take(40).collect(),
        })
    }

    pub fn engine(&self) -> Engine {
        match self {
            DatabaseUrl::Sqlite { .. } => Engine::Sqlite,
            DatabaseUrl::Postgres { .. } => Engine::Postgres,
        }
    }
}

/// The key of the PostgreSQL advisory lock that serialises writers, so the
/// audit chain has one head. (SQLite serialises writers with BEGIN IMMEDIATE.)
const WRITE_LOCK_KEY: i64 = 0x6c75_6f73_6869; // "luoshi"

#[derive(Debug, Clone)]
pub(crate) enum Pool {
    /// sqlx's pool for writes and migrations, and the readers (see
    /// [`Readers`]) for read transactions when there are any.
    Sqlite(SqlitePool, Option<Arc<Readers>>),
    Postgres(PgPool),
}

/// Read connections to a SQLite file through rusqlite, used synchronously.
///
/// sqlx's SQLite driver runs each connection on a worker thread and hands
/// every command and every result row across threads; under load the
/// server spent most of its time switching threads (perf: ~50 % in the
/// kernel's scheduler) rather than reading. A read here runs directly on
/// the calling thread, with cached prepared statements: the reads the
/// interface makes take 0.05–0.3 ms, less than a hand-over to another
/// thread costs, and at most one per runtime worker runs at a time, so the
/// number of open readers stays near the number of cores. (Running them in
/// `block_in_place` measured 30–200 % more CPU per read under 64
/// concurrent requests: every blocked worker hands its queue to a new
/// thread.) A long read, such as an export of the whole ledger, occupies
/// one worker while the others go on. Both drivers link the same bundled SQLite
/// (`libsqlite3-sys`), and WAL mode lets these readers and sqlx's writer
/// work side by side.
pub(crate) struct Readers {
    path: String,
    idle: std::sync::Mutex<Vec<rusqlite::Connection>>,
}

/// Idle read connections kept for reuse.
const MAX_IDLE_READERS: usize = 8;

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers").field("path", &self.path).finish()
    }
}

fn sqlite_error(e: rusqlite::Error) -> StoreError {
    StoreError::other("读取 SQLite 数据库", e)
}

impl Readers {
    fn new(path: &str) -> Readers {
        Readers {
            path: path.to_owned(),
            idle: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn take(&self) -> Result<rusqlite::Connection, StoreError> {
        if let Some(conn) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            return Ok(conn);
        }
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite_error)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(sqlite_error)?;
        // The file is read through a memory map (up to 2 GiB, SQLite's
        // compile-time ceiling) instead of copied by read(2) into each
        // connection's page cache: 20–30 % less CPU per task list on the
        // 100k-task ledger (examples/read_path). The mapped pages are the
        // kernel's page cache, shared by every reader, not a copy per
        // connection. With only the first 64 MiB mapped, the tables written
        // last (cards, notifications) sat past the map on a 1.3 GB ledger
        // and a third of a 督办 page's time went to copying pages.
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA mmap_size = 2147418112;")
            .map_err(sqlite_error)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    fn give(&self, conn: rusqlite::Connection) {
        if conn.is_autocommit()
            && let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE_READERS
        {
            idle.push(conn);
        }
    }
}

/// A read transaction on a connection of [`Readers`]; gives the connection
/// back when dropped (rolled back if still open).
pub(crate) struct ReadTx {
    // A Mutex only to make the transaction `Sync` (futures holding it must
    // be `Send`); it is never contended.
    conn: Option<std::sync::Mutex<rusqlite::Connection>>,
    readers: Arc<Readers>,
}

impl Drop for ReadTx {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take().and_then(|c| c.into_inner().ok()) {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            self.readers.give(conn);
        }
    }
}

impl ReadTx {
    fn conn(&self) -> Result<std::sync::MutexGuard<'_, rusqlite::Connection>, StoreError> {
        self.conn
            .as_ref()
            .and_then(|c| c.lock().ok())
            .ok_or_else(|| StoreError::other("读取 SQLite 数据库", "连接不可用"))
    }

    fn bind(stmt: &mut rusqlite::CachedStatement<'_>, args: &[Arg]) -> Result<(), StoreError> {
        for (i, arg) in args.iter().enumerate() {
            let name = format!("${}", i + 1);
            // `$n` usually is the n-th parameter: check that first, because
            // looking a name up scans every parameter (quadratic for long
            // id lists). An argument the statement does not use is not an
            // error (the sqlx path ignores it too).
            let index = if stmt.parameter_name(i + 1) == Some(name.as_str()) {
                i + 1
            } else {
                match stmt.parameter_index(&name).map_err(sqlite_error)? {
                    Some(index) => index,
                    None => continue,
                }
            };
            match arg {
                Arg::Int(v) => stmt.raw_bind_parameter(index, v),
                Arg::Text(v) => stmt.raw_bind_parameter(index, v),
            }
            .map_err(sqlite_error)?;
        }
        Ok(())
    }

    fn fetch_all(&self, sql: &str, args: &[Arg]) -> Result<Vec<Row>, StoreError> {
        self.fetch_map(sql, args, |r| Ok(r.clone()))
    }

    /// [`Tx::fetch_map`] on this connection: one row buffer for the whole
    /// result, its text values overwritten in place.
    fn fetch_map<T>(
        &self,
        sql: &str,
        args: &[Arg],
        mut f: impl FnMut(&Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(sql).map_err(sqlite_error)?;
        Self::bind(&mut stmt, args)?;
        let names: Arc<[String]> = stmt
            .column_names()
            .iter()
            .map(|n| (*n).to_owned())
            .collect();
        let width = names.len();
        let mut buf = Row {
            names,
            vals: vec![Val::Null; width],
        };
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(sqlite_error)? {
            decode_sqlite_into(row, &mut buf.vals)?;
            out.push(f(&buf)?);
        }
        Ok(out)
    }

    fn execute(&self, sql: &str, args: &[Arg]) -> Result<u64, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(sql).map_err(sqlite_error)?;
        Self::bind(&mut stmt, args)?;
        Ok(stmt.raw_execute().map_err(sqlite_error)? as u64)
    }

    fn batch(&self, sql: &str) -> Result<(), StoreError> {
        self.conn()?.execute_batch(sql).map_err(sqlite_error)
    }
}

impl Pool {
    pub(crate) async fn connect(url: &DatabaseUrl) -> Result<Pool, StoreError> {
        match url {
            DatabaseUrl::Sqlite { path } => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await
                    .map_err(|e| StoreError::other("打开 SQLite 数据库", e))?;
                Ok(Pool::Sqlite(pool, Some(Arc::new(Readers::new(path)))))
            }
            DatabaseUrl::Postgres { url } => {
                let options: PgConnectOptions = url
                    .parse()
                    .map_err(|e| StoreError::other("解析 PostgreSQL 地址", e))?;
                let pool = PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await
                    .map_err(|e| StoreError::other("连接 PostgreSQL 数据库", e))?;
                Ok(Pool::Postgres(pool))
            }
        }
    }

    pub(crate) fn engine(&self) -> Engine {
        match self {
            Pool::Sqlite(..) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// A transaction that may write. Writers are serialised: SQLite takes
    /// the write lock at BEGIN IMMEDIATE (waiting up to the busy timeout),
    /// PostgreSQL a transaction-scoped advisory lock.
    pub(crate) async fn write(&self) -> Result<Tx, StoreError> {
        match self {
            Pool::Sqlite(p, _) => Ok(Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?)),
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK_KEY)
                    .execute(&mut *tx)
                    .await?;
                Ok(Tx::Postgres(tx))
            }
        }
    }

    /// A read-only transaction that sees one consistent snapshot.
    pub(crate) async fn read(&self) -> Result<Tx, StoreError> {
        match self {
            Pool::Sqlite(_, Some(readers)) => {
                let tx = ReadTx {
                    conn: Some(std::sync::Mutex::new(readers.take()?)),
                    readers: readers.clone(),
                };
                tx.batch("BEGIN")?;
                Ok(Tx::SqliteRead(tx))
            }
            Pool::Sqlite(p, None) => Ok(Tx::Sqlite(p.begin().await?)),
            Pool::Postgres(p) => Ok(Tx::Postgres(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?,
            )),
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            Pool::Sqlite(p, readers) => {
                if let Some(readers) = readers
                    && let Ok(mut idle) = readers.idle.lock()
                {
                    idle.clear();
                }
                p.close().await
            }
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// A query argument; nulls keep their type for PostgreSQL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_owned()))
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}

impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_owned))
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}

/// Builds a `Vec<Arg>` from values that convert into [`Arg`].
macro_rules! args {
    ($($v:expr),* $(,)?) => { vec![$($crate::db::Arg::from($v)),*] };
}
pub(crate) use args;

/// Pushes `ids` onto `values` and returns their placeholders ("$3, $4,
/// $5"): the list of an `IN (…)` in a statement bound with `values`.
pub(crate) fn bind_list(values: &mut Vec<Arg>, ids: impl IntoIterator<Item = i64>) -> String {
    let mut list = String::new();
    for id in ids {
        values.push(Arg::from(id));
        if !list.is_empty() {
            list.push_str(", ");
        }
        list.push_str(&format!("${}", values.len()));
    }
    list
}

/// A value as the engine stored it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// One result row: values by position, names shared by all rows of a result.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    names: Arc<[String]>,
    vals: Vec<Val>,
}

impl Row {
    /// A row built in memory from the arguments about to be inserted, so
    /// that a bulk load can take the audit snapshot without reading back.
    pub(crate) fn from_args(names: Arc<[String]>, args: &[Arg]) -> Row {
        let vals = args
            .iter()
            .map(|a| match a {
                Arg::Int(Some(v)) => Val::Int(*v),
                Arg::Text(Some(t)) => Val::Text(t.clone()),
                Arg::Int(None) | Arg::Text(None) => Val::Null,
            })
            .collect();
        Row { names, vals }
    }

    pub(crate) fn columns(&self) -> impl Iterator<Item = (&str, &Val)> {
        self.names.iter().map(String::as_str).zip(self.vals.iter())
    }

    fn get(&self, name: &str) -> Result<&Val, StoreError> {
        self.names
            .iter()
            .position(|n| n == name)
            .and_then(|i| self.vals.get(i))
            .ok_or_else(|| StoreError::other("读取记录", format!("结果中没有列 {name}")))
    }

    fn mismatch(name: &str, want: &str, got: &Val) -> StoreError {
        StoreError::other("读取记录", format!("列 {name} 应为{want}，实际为 {got:?}"))
    }

    pub(crate) fn int(&self, name: &str) -> Result<i64, StoreError> {
        match self.get(name)? {
            Val::Int(v) => Ok(*v),
            other => Err(Row::mismatch(name, "整数", other)),
        }
    }

    pub(crate) fn opt_int(&self, name: &str) -> Result<Option<i64>, StoreError> {
        match self.get(name)? {
            Val::Null => Ok(None),
            Val::Int(v) => Ok(Some(*v)),
            other => Err(Row::mismatch(name, "整数或空", other)),
        }
    }

    pub(crate) fn text(&self, name: &str) -> Result<String, StoreError> {
        match self.get(name)? {
            Val::Text(v) => Ok(v.clone()),
            other => Err(Row::mismatch(name, "文本", other)),
        }
    }

    /// The text of column `name`, borrowed (no copy).
    pub(crate) fn str(&self, name: &str) -> Result<&str, StoreError> {
        match self.get(name)? {
            Val::Text(v) => Ok(v),
            other => Err(Row::mismatch(name, "文本", other)),
        }
    }

    /// The text of column `name` or `None` when null, borrowed.
    pub(crate) fn opt_str(&self, name: &str) -> Result<Option<&str>, StoreError> {
        match self.get(name)? {
            Val::Null => Ok(None),
            Val::Text(v) => Ok(Some(v)),
            other => Err(Row::mismatch(name, "文本或空", other)),
        }
    }

    pub(crate) fn opt_text(&self, name: &str) -> Result<Option<String>, StoreError> {
        match self.get(name)? {
            Val::Null => Ok(None),
            Val::Text(v) => Ok(Some(v.clone())),
            other => Err(Row::mismatch(name, "文本或空", other)),
        }
    }
}

fn names_of<R: sqlx::Row>(row: &R) -> Arc<[String]> {
    row.columns().iter().map(|c| c.name().to_owned()).collect()
}

fn decode_sqlite(row: &SqliteRow, names: &Arc<[String]>) -> Result<Row, sqlx::Error> {
    let mut vals = Vec::with_capacity(row.len());
    for i in 0..row.len() {
        // SQLite types values, not columns: ask what this value is.
        #[derive(Clone, Copy)]
        enum Class {
            Null,
            Int,
            Real,
            Text,
            Blob,
        }
        let class = {
            let raw = row.try_get_raw(i)?;
            if raw.is_null() {
                Class::Null
            } else {
                match raw.type_info().name() {
                    "INTEGER" => Class::Int,
                    "REAL" => Class::Real,
                    "TEXT" => Class::Text,
                    _ => Class::Blob,
                }
            }
        };
        vals.push(match class {
            Class::Null => Val::Null,
            Class::Int => Val::Int(row.try_get_unchecked::<i64, _>(i)?),
            Class::Real => Val::Real(row.try_get_unchecked::<f64, _>(i)?),
            Class::Text => Val::Text(row.try_get_unchecked::<String, _>(i)?),
            Class::Blob => Val::Blob(row.try_get_unchecked::<Vec<u8>, _>(i)?),
        });
    }
    Ok(Row {
        names: names.clone(),
        vals,
    })
}

/// One SQLite row into the slots of a row buffer: text is copied into a
/// slot's string without a new allocation when the slot already holds one.
fn decode_sqlite_into(row: &rusqlite::Row<'_>, vals: &mut [Val]) -> Result<(), StoreError> {
    use rusqlite::types::ValueRef;
    for (i, slot) in vals.iter_mut().enumerate() {
        match row.get_ref(i).map_err(sqlite_error)? {
            ValueRef::Null => *slot = Val::Null,
            ValueRef::Integer(v) => *slot = Val::Int(v),
            ValueRef::Real(v) => *slot = Val::Real(v),
            ValueRef::Text(t) => {
                let t = std::str::from_utf8(t)
                    .map_err(|e| StoreError::other("读取 SQLite 数据库", e))?;
                match slot {
                    Val::Text(s) => {
                        s.clear();
                        s.push_str(t);
                    }
                    _ => *slot = Val::Text(t.to_owned()),
                }
            }
            ValueRef::Blob(b) => *slot = Val::Blob(b.to_vec()),
        }
    }
    Ok(())
}

fn decode_postgres(row: &PgRow, names: &Arc<[String]>) -> Result<Row, sqlx::Error> {
    let mut vals = vec![Val::Null; row.len()];
    decode_postgres_into(row, &mut vals)?;
    Ok(Row {
        names: names.clone(),
        vals,
    })
}

/// [`decode_postgres`] into the slots of a reused row: text is copied
/// into the slot's string without a new allocation.
fn decode_postgres_into(row: &PgRow, vals: &mut [Val]) -> Result<(), sqlx::Error> {
    for (i, slot) in vals.iter_mut().enumerate() {
        let val = match row.column(i).type_info().name() {
            "INT8" => row.try_get::<Option<i64>, _>(i)?.map(Val::Int),
            "INT4" => row
                .try_get::<Option<i32>, _>(i)?
                .map(|v| Val::Int(v.into())),
            "INT2" => row
                .try_get::<Option<i16>, _>(i)?
                .map(|v| Val::Int(v.into())),
            "BOOL" => row
                .try_get::<Option<bool>, _>(i)?
                .map(|v| Val::Int(v.into())),
            "FLOAT8" => row.try_get::<Option<f64>, _>(i)?.map(Val::Real),
            "FLOAT4" => row
                .try_get::<Option<f32>, _>(i)?
                .map(|v| Val::Real(v.into())),
            "BYTEA" => row.try_get::<Option<Vec<u8>>, _>(i)?.map(Val::Blob),
            _ => {
                match (row.try_get::<Option<&str>, _>(i)?, &mut *slot) {
                    (Some(t), Val::Text(s)) => {
                        s.clear();
                        s.push_str(t);
                    }
                    (Some(t), other) => *other = Val::Text(t.to_owned()),
                    (None, other) => *other = Val::Null,
                }
                continue;
            }
        };
        *slot = val.unwrap_or(Val::Null);
    }
    Ok(())
}

/// An open transaction on either engine.
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    /// A read transaction on SQLite through [`Readers`].
    SqliteRead(ReadTx),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_deref()),
            };
        }
        q
    }};
}

impl Tx {
    pub(crate) fn engine(&self) -> Engine {
        match self {
            Tx::Sqlite(_) | Tx::SqliteRead(_) => Engine::Sqlite,
            Tx::Postgres(_) => Engine::Postgres,
        }
    }

    /// Runs one statement; returns the number of rows it changed.
    pub(crate) async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx) => bind_all!(sqlx::query(sql), &args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Tx::SqliteRead(tx) => tx.execute(sql, &args)?,
            Tx::Postgres(tx) => bind_all!(sqlx::query(sql), &args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        })
    }

    /// Runs a script of several statements without arguments (migrations).
    pub(crate) async fn execute_script(&mut self, sql: &str) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => {
                sqlx::raw_sql(sql).execute(&mut **tx).await?;
            }
            Tx::SqliteRead(tx) => tx.batch(sql)?,
            Tx::Postgres(tx) => {
                sqlx::raw_sql(sql).execute(&mut **tx).await?;
            }
        }
        Ok(())
    }

    pub(crate) async fn fetch_all(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<Row>, StoreError> {
        match self {
            Tx::SqliteRead(tx) => tx.fetch_all(sql, &args),
            Tx::Sqlite(tx) => {
                let rows = bind_all!(sqlx::query(sql), &args)
                    .fetch_all(&mut **tx)
                    .await?;
                let Some(first) = rows.first() else {
                    return Ok(Vec::new());
                };
                let names = names_of(first);
                Ok(rows
                    .iter()
                    .map(|r| decode_sqlite(r, &names))
                    .collect::<Result<_, _>>()?)
            }
            Tx::Postgres(tx) => {
                let rows = bind_all!(sqlx::query(sql), &args)
                    .fetch_all(&mut **tx)
                    .await?;
                let Some(first) = rows.first() else {
                    return Ok(Vec::new());
                };
                let names = names_of(first);
                Ok(rows
                    .iter()
                    .map(|r| decode_postgres(r, &names))
                    .collect::<Result<_, _>>()?)
            }
        }
    }

    /// Runs a query and hands each row to `f` as it is read, keeping only
    /// what `f` returns: for reads of many rows (the daily pass reads every
    /// task being worked on). On SQLite's readers one row buffer serves the
    /// whole result, so a row costs no allocation of its own (materialised
    /// rows were a fifth of the pass's time in malloc and free); on
    /// PostgreSQL the driver's rows are decoded into one reused row the
    /// same way; sqlx's SQLite writer path is [`Tx::fetch_all`] mapped.
    pub(crate) async fn fetch_map<T>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
        mut f: impl FnMut(&Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        match self {
            Tx::SqliteRead(tx) => tx.fetch_map(sql, &args, f),
            Tx::Postgres(tx) => {
                let rows = bind_all!(sqlx::query(sql), &args)
                    .fetch_all(&mut **tx)
                    .await?;
                let Some(first) = rows.first() else {
                    return Ok(Vec::new());
                };
                let mut buf = Row {
                    names: names_of(first),
                    vals: vec![Val::Null; first.len()],
                };
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    decode_postgres_into(row, &mut buf.vals)?;
                    out.push(f(&buf)?);
                }
                Ok(out)
            }
            Tx::Sqlite(_) => {
                let rows = self.fetch_all(sql, args).await?;
                rows.iter().map(&mut f).collect()
            }
        }
    }

    /// Inserts many rows with multi-row `INSERT … VALUES (…), (…)`
    /// statements, as many rows per statement as the engines' limits on
    /// bound parameters allow: the bulk path of `dev seed`.
    pub(crate) async fn insert_many(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: Vec<Vec<Arg>>,
    ) -> Result<(), StoreError> {
        // SQLite allows 32,766 parameters, PostgreSQL 65,535.
        const MAX_PARAMS: usize = 30_000;
        let per = (MAX_PARAMS / columns.len().max(1)).clamp(1, 2_000);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Arg>> = rows.by_ref().take(per).collect();
            let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
            let mut n = 0usize;
            for (i, row) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for j in 0..row.len() {
                    if j > 0 {
                        sql.push_str(", ");
                    }
                    n += 1;
                    // SQLite looks a named parameter up by a linear scan
                    // (sqlx asks each one's name), quadratic over thousands:
                    // anonymous `?` there, `$n` on PostgreSQL.
                    if self.engine() == Engine::Sqlite {
                        sql.push('?');
                    } else {
                        sql.push('$');
                        sql.push_str(&n.to_string());
                    }
                }
                sql.push(')');
            }
            self.execute(&sql, chunk.into_iter().flatten().collect())
                .await?;
        }
        Ok(())
    }

    pub(crate) async fn fetch_optional(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<Row>, StoreError> {
        Ok(self.fetch_all(sql, args).await?.into_iter().next())
    }

    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::SqliteRead(tx) => tx.batch("COMMIT")?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_list_numbers_on_from_the_values_already_bound() {
        let mut values = vec![Arg::from(7)];
        assert_eq!(bind_list(&mut values, [3, 4, 5]), "$2, $3, $4");
        assert_eq!(values.len(), 4);
        assert_eq!(bind_list(&mut values, []), "");
        assert_eq!(values.len(), 4);
    }

    #[test]
    fn the_scheme_chooses_the_engine() {
        assert_eq!(
            DatabaseUrl::parse(DEFAULT_DATABASE_URL).unwrap(),
            DatabaseUrl::Sqlite {
                path: "./luoshi.db".into()
            }
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/luoshi/ledger.db").unwrap(),
            DatabaseUrl::Sqlite {
                path: "/var/lib/luoshi/ledger.db".into()
            }
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u:p@db/luoshi")
                .unwrap()
                .engine(),
            Engine::Postgres
        );
        let err = DatabaseUrl::parse("mysql://root:secret@db/luoshi").unwrap_err();
        assert_eq!(err.code(), "database_url_unsupported");
        assert!(err.to_string().contains("mysql:"));
        assert!(!err.to_string().contains("secret"));
        assert!(DatabaseUrl::parse("luoshi.db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }
}
