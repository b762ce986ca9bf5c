//! Online backup and restore.
//!
//! One backup format serves both engines: a SQLite database file with the
//! ledger's SQLite schema (tables, indexes, append-only triggers,
//! `schema_migrations`) holding every row of the ledger as it stood at one
//! moment. Users and API tokens are part of it; sessions and lock-out
//! counters are live state and are left out.
//!
//! * On SQLite, `VACUUM INTO` writes it: a consistent snapshot taken inside
//!   one read transaction, while other processes keep writing (WAL).
//! * On PostgreSQL (whose `pg_dump` must match the server's version), the
//!   store reads every ledger table inside one `REPEATABLE READ, READ ONLY`
//!   transaction, so all tables come from the same snapshot, and writes the
//!   rows into a fresh SQLite file created with the SQLite migrations.
//!
//! Restore reads such a file into an empty database of either engine in one
//! write transaction, ids preserved (PostgreSQL identity sequences are moved
//! past them afterwards). The rows and the audit trail are copied as they
//! are, so `audit verify` passes on the copy. The triggers on
//! `audit_events` refuse UPDATE and DELETE only; INSERT is what restore does.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

use crate::db::{Arg, Engine, Pool, Row, Tx, Val, args};
use crate::error::{BackupError, StoreError};
use crate::migrate::{self, SCHEMA_VERSION};
use crate::store::Store;

/// The ledger's tables in an order that satisfies their foreign keys (a
/// row's parent, when in the same table, has a smaller id; the one
/// exception, `cards.superseded_by`, points at a later card and is checked
/// at commit: deferred on PostgreSQL, `defer_foreign_keys` on SQLite).
const TABLES: &[&str] = &[
    "documents",
    "meetings",
    "units",
    "tasks",
    "task_co_units",
    "progress_reports",
    "users",
    "api_tokens",
    "report_cycles",
    "cards",
    "problems",
    "indicators",
    "indicator_values",
    "report_batches",
    "return_dates",
    "unit_contacts",
    "reminders",
    "notifications",
    "notices",
    "audit_events",
];

/// Tables a backup leaves empty: sessions and the lock-out counter are
/// live state of the running system, not the ledger's record (and a
/// session's hash has no use elsewhere).
const NOT_BACKED_UP: &[&str] = &["sessions", "login_failures"];

/// Rows copied per statement batch.
const CHUNK: usize = 5_000;

/// How many rows of each table a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub tables: Vec<(String, u64)>,
}

impl Copied {
    pub fn total(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

impl Store {
    /// Writes a consistent backup of the whole ledger to `path`, which must
    /// not exist yet (it is never overwritten). Other processes may write
    /// meanwhile.
    pub async fn backup(&self, path: &Path) -> Result<Copied, StoreError> {
        // Creating the file exclusively is the refusal to overwrite, without
        // a window between checking and writing.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(BackupError::FileExists {
                    path: display(path),
                }
                .into());
            }
            Err(e) => {
                return Err(BackupError::Create {
                    path: display(path),
                    detail: e.to_string(),
                }
                .into());
            }
        }
        let result = self.write_backup(path).await;
        if result.is_err() {
            let _ = std::fs::remove_file(path);
        }
        result
    }

    async fn write_backup(&self, path: &Path) -> Result<Copied, StoreError> {
        match self.pool() {
            Pool::Sqlite(p, _) => {
                // VACUUM INTO accepts an empty existing file.
                sqlx::query("VACUUM INTO $1")
                    .bind(display(path))
                    .execute(p)
                    .await?;
                // The copy keeps the WAL flag of the original; a backup is
                // one self-contained file, so switch it to a rollback journal.
                let backup = open_file(path, false).await?;
                let scrubbed = scrub(&backup).await;
                if let Err(e) = scrubbed {
                    backup.close().await;
                    return Err(e);
                }
                let copied = count_rows(&backup).await;
                backup.close().await;
                copied
            }
            Pool::Postgres(_) => {
                let backup = open_file(path, false).await?;
                let result = async {
                    migrate::run(&backup, self.clock().now().millis()).await?;
                    let mut src = self.pool().read().await?;
                    let mut dst = backup.write().await?;
                    // The migrations as applied to the source, in the
                    // backup's own (SQLite) schema.
                    for row in src
                        .fetch_all(
                            "SELECT version, applied_at FROM schema_migrations ORDER BY version",
                            vec![],
                        )
                        .await?
                    {
                        dst.execute(
                            "UPDATE schema_migrations SET applied_at = $1 WHERE version = $2",
                            args![row.int("applied_at")?, row.int("version")?],
                        )
                        .await?;
                    }
                    let copied = copy_all(&mut src, &mut dst).await?;
                    dst.commit().await?;
                    src.commit().await?;
                    Ok(copied)
                }
                .await;
                backup.close().await;
                result
            }
        }
    }

    /// Copies every row of the backup at `path` into this ledger, which
    /// must be empty; all or nothing.
    pub async fn restore(&self, path: &Path) -> Result<Copied, StoreError> {
        let not_a_backup = |detail: String| BackupError::NotABackup {
            path: display(path),
            detail,
        };
        if !path.is_file() {
            return Err(not_a_backup("文件不存在".to_owned()).into());
        }
        let backup = open_file(path, true)
            .await
            .map_err(|e| not_a_backup(e.to_string()))?;
        let result = async {
            let mut src = backup.read().await?;
            let versions = src
                .fetch_all(
                    "SELECT version FROM schema_migrations ORDER BY version",
                    vec![],
                )
                .await
                .map_err(|e| not_a_backup(e.to_string()))?
                .iter()
                .map(|r| r.int("version"))
                .collect::<Result<Vec<i64>, _>>()?;
            let Some(&version) = versions.last() else {
                return Err(not_a_backup("没有结构版本记录".to_owned()).into());
            };
            // Versions need not be contiguous, but must be exactly this build's.
            if versions != migrate::versions() {
                return Err(BackupError::SchemaMismatch {
                    found: version,
                    expected: SCHEMA_VERSION,
                }
                .into());
            }
            let mut dst = self.pool().write().await?;
            for table in TABLES {
                let any = dst
                    .fetch_optional(&format!("SELECT id FROM {table} LIMIT 1"), vec![])
                    .await?;
                if any.is_some() {
                    return Err(BackupError::TargetNotEmpty {
                        table: (*table).to_owned(),
                    }
                    .into());
                }
            }
            if dst.engine() == Engine::Sqlite {
                dst.execute("PRAGMA defer_foreign_keys = ON", vec![])
                    .await?;
            }
            let copied = copy_all(&mut src, &mut dst).await?;
            if dst.engine() == Engine::Postgres {
                for table in TABLES {
                    dst.fetch_all(
                        &format!(
                            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                             (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                        ),
                        vec![],
                    )
                    .await?;
                }
            }
            dst.commit().await?;
            src.commit().await?;
            Ok(copied)
        }
        .await;
        backup.close().await;
        result
    }
}

/// Empties the tables a backup does not carry, overwriting what they held.
async fn scrub(pool: &Pool) -> Result<(), StoreError> {
    let mut tx = pool.write().await?;
    tx.execute("PRAGMA secure_delete = ON", vec![]).await?;
    for table in NOT_BACKED_UP {
        tx.execute(&format!("DELETE FROM {table}"), vec![]).await?;
    }
    tx.commit().await
}

/// A pool on a backup file, with a rollback journal (no -wal beside it).
async fn open_file(path: &Path, read_only: bool) -> Result<Pool, StoreError> {
    let mut options = SqliteConnectOptions::new()
        .filename(path)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    options = if read_only {
        options.read_only(true)
    } else {
        options.journal_mode(SqliteJournalMode::Delete)
    };
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|e| StoreError::other("打开备份文件", e))?;
    Ok(Pool::Sqlite(pool, None))
}

async fn count_rows(pool: &Pool) -> Result<Copied, StoreError> {
    let mut tx = pool.read().await?;
    let mut tables = Vec::new();
    for table in TABLES {
        let n = tx
            .fetch_optional(&format!("SELECT COUNT(*) AS n FROM {table}"), vec![])
            .await?
            .map(|r| r.int("n"))
            .transpose()?
            .unwrap_or(0);
        tables.push(((*table).to_owned(), u64::try_from(n).unwrap_or(0)));
    }
    tx.commit().await?;
    Ok(Copied { tables })
}

/// The columns of `table` and whether each holds integers, from whichever
/// side is SQLite (the backup file always is).
async fn columns(
    src: &mut Tx,
    dst: &mut Tx,
    table: &str,
) -> Result<Vec<(String, bool)>, StoreError> {
    let tx = if src.engine() == Engine::Sqlite {
        src
    } else {
        dst
    };
    let rows = tx
        .fetch_all(
            "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
            args![table],
        )
        .await?;
    if rows.is_empty() {
        return Err(StoreError::other(
            "读取备份",
            format!("备份中没有表 {table}"),
        ));
    }
    rows.iter()
        .map(|r| {
            Ok((
                r.text("name")?,
                r.text("type")?.eq_ignore_ascii_case("INTEGER"),
            ))
        })
        .collect()
}

async fn copy_all(src: &mut Tx, dst: &mut Tx) -> Result<Copied, StoreError> {
    let mut tables = Vec::new();
    for table in TABLES {
        let cols = columns(src, dst, table).await?;
        let n = copy_table(src, dst, table, &cols).await?;
        tables.push(((*table).to_owned(), n));
    }
    Ok(Copied { tables })
}

/// Copies one table in id order, a chunk at a time.
async fn copy_table(
    src: &mut Tx,
    dst: &mut Tx,
    table: &str,
    cols: &[(String, bool)],
) -> Result<u64, StoreError> {
    let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
    let sql = format!(
        "SELECT {} FROM {table} WHERE id > $1 ORDER BY id LIMIT {CHUNK}",
        names.join(", ")
    );
    let mut after = i64::MIN;
    let mut copied = 0u64;
    loop {
        let rows = src.fetch_all(&sql, args![after]).await?;
        let Some(last) = rows.last() else { break };
        after = last.int("id")?;
        let full = rows.len() == CHUNK;
        let batch = rows
            .iter()
            .map(|r| to_args(r, cols, table))
            .collect::<Result<Vec<_>, _>>()?;
        copied += batch.len() as u64;
        dst.insert_many(table, &names, batch).await?;
        if !full {
            break;
        }
    }
    Ok(copied)
}

fn to_args(row: &Row, cols: &[(String, bool)], table: &str) -> Result<Vec<Arg>, StoreError> {
    row.columns()
        .zip(cols)
        .map(|((name, val), (_, is_int))| match val {
            Val::Int(v) => Ok(Arg::Int(Some(*v))),
            Val::Text(t) => Ok(Arg::Text(Some(t.clone()))),
            Val::Null if *is_int => Ok(Arg::Int(None)),
            Val::Null => Ok(Arg::Text(None)),
            other => Err(StoreError::other(
                "复制记录",
                format!("表 {table} 列 {name} 的值类型无法复制：{other:?}"),
            )),
        })
        .collect()
}
