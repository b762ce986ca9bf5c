//! Versioned schema migrations, one set per engine, compiled into the binary
//! and applied when a store is opened.
//!
//! `schema_migrations` records each applied version with the SHA-256 of its
//! SQL; opening a database whose applied migration differs from the one in
//! the binary, or that has a version the binary does not know (it was opened
//! by a newer luoshi), is an error rather than a guess.

use sha2::{Digest, Sha256};

use crate::audit::hex;
use crate::db::{Engine, Pool, args};
use crate::error::StoreError;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// Every migration this build knows, in ascending version order.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "ledger",
        sqlite: include_str!("../migrations/sqlite/0001_ledger.sql"),
        postgres: include_str!("../migrations/postgres/0001_ledger.sql"),
    },
    Migration {
        version: 2,
        name: "unit_task_counts",
        sqlite: include_str!("../migrations/sqlite/0002_unit_task_counts.sql"),
        postgres: include_str!("../migrations/postgres/0002_unit_task_counts.sql"),
    },
    Migration {
        version: 3,
        name: "accounts",
        sqlite: include_str!("../migrations/sqlite/0003_accounts.sql"),
        postgres: include_str!("../migrations/postgres/0003_accounts.sql"),
    },
    Migration {
        version: 4,
        name: "supervision",
        sqlite: include_str!("../migrations/sqlite/0004_supervision.sql"),
        postgres: include_str!("../migrations/postgres/0004_supervision.sql"),
    },
    Migration {
        version: 5,
        name: "problems",
        sqlite: include_str!("../migrations/sqlite/0005_problems.sql"),
        postgres: include_str!("../migrations/postgres/0005_problems.sql"),
    },
    Migration {
        version: 6,
        name: "reminders",
        sqlite: include_str!("../migrations/sqlite/0006_reminders.sql"),
        postgres: include_str!("../migrations/postgres/0006_reminders.sql"),
    },
    Migration {
        version: 7,
        name: "page_indexes",
        sqlite: include_str!("../migrations/sqlite/0007_page_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0007_page_indexes.sql"),
    },
    Migration {
        version: 8,
        name: "return_dates",
        sqlite: include_str!("../migrations/sqlite/0008_return_dates.sql"),
        postgres: include_str!("../migrations/postgres/0008_return_dates.sql"),
    },
    Migration {
        version: 9,
        name: "notices",
        sqlite: include_str!("../migrations/sqlite/0009_notices.sql"),
        postgres: include_str!("../migrations/postgres/0009_notices.sql"),
    },
    Migration {
        version: 10,
        name: "task_readers",
        sqlite: include_str!("../migrations/sqlite/0010_task_readers.sql"),
        postgres: include_str!("../migrations/postgres/0010_task_readers.sql"),
    },
    Migration {
        version: 13,
        name: "pass_index",
        sqlite: include_str!("../migrations/sqlite/0013_pass_index.sql"),
        postgres: include_str!("../migrations/postgres/0013_pass_index.sql"),
    },
    Migration {
        version: 14,
        name: "unread_notifications",
        sqlite: include_str!("../migrations/sqlite/0014_unread_notifications.sql"),
        postgres: include_str!("../migrations/postgres/0014_unread_notifications.sql"),
    },
    Migration {
        version: 15,
        name: "open_cards",
        sqlite: include_str!("../migrations/sqlite/0015_open_cards.sql"),
        postgres: include_str!("../migrations/postgres/0015_open_cards.sql"),
    },
];

/// The newest schema version this build knows: the largest in the list.
pub const SCHEMA_VERSION: i64 = max_version(MIGRATIONS);

const fn max_version(list: &[Migration]) -> i64 {
    let mut max = 0;
    let mut i = 0;
    while i < list.len() {
        if list[i].version > max {
            max = list[i].version;
        }
        i += 1;
    }
    max
}

/// Every schema version this build knows, ascending. A database (or a
/// backup) is of this build's schema when it has applied exactly these.
pub(crate) fn versions() -> Vec<i64> {
    let mut v: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
    v.sort_unstable();
    v
}

pub(crate) async fn run(pool: &Pool, now_ms: i64) -> Result<(), StoreError> {
    apply(pool, now_ms, MIGRATIONS).await
}

/// Applies every migration of `list` the database lacks, in ascending
/// version order (one missing below the newest applied is applied too).
async fn apply(pool: &Pool, now_ms: i64, list: &[Migration]) -> Result<(), StoreError> {
    // The write transaction also serialises two processes opening a new
    // database at the same moment.
    let mut tx = pool.write().await?;
    tx.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    BIGINT PRIMARY KEY,
             name       TEXT NOT NULL,
             checksum   TEXT NOT NULL,
             applied_at BIGINT NOT NULL
         )",
        vec![],
    )
    .await?;
    let applied = tx
        .fetch_all(
            "SELECT version, checksum FROM schema_migrations ORDER BY version",
            vec![],
        )
        .await?;
    let mut known = Vec::new();
    for row in &applied {
        let version = row.int("version")?;
        let checksum = row.text("checksum")?;
        let Some(m) = list.iter().find(|m| m.version == version) else {
            return Err(StoreError::other(
                "检查数据库结构版本",
                format!(
                    "数据库已应用本程序不认识的结构版本 {version}（本程序最新为 {SCHEMA_VERSION}），请使用更新版本的 luoshi"
                ),
            ));
        };
        if checksum != hex(&Sha256::digest(sql_of(m, tx.engine()))) {
            return Err(StoreError::other(
                "检查数据库结构版本",
                format!("已应用的迁移 {version}（{}）与本程序中的不一致", m.name),
            ));
        }
        known.push(version);
    }
    let mut pending: Vec<&Migration> = list
        .iter()
        .filter(|m| !known.contains(&m.version))
        .collect();
    pending.sort_by_key(|m| m.version);
    for m in pending {
        let sql = sql_of(m, tx.engine());
        tx.execute_script(sql).await?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
            args![m.version, m.name, hex(&Sha256::digest(sql)), now_ms],
        )
        .await?;
    }
    tx.commit().await
}

fn sql_of(m: &Migration, engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => m.sqlite,
        Engine::Postgres => m.postgres,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_version_is_the_largest_known() {
        assert_eq!(SCHEMA_VERSION, 15);
        assert_eq!(versions(), vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15]);
        assert_eq!(max_version(&[]), 0);
    }

    const fn m(version: i64, name: &'static str, sql: &'static str) -> Migration {
        Migration {
            version,
            name,
            sqlite: sql,
            postgres: sql,
        }
    }

    const V1: Migration = m(1, "one", "CREATE TABLE one (id INTEGER PRIMARY KEY);");
    const V2: Migration = m(2, "two", "CREATE TABLE two (id INTEGER PRIMARY KEY);");
    const V3: Migration = m(3, "three", "CREATE TABLE three (id INTEGER PRIMARY KEY);");

    async fn versions_in(pool: &Pool) -> Vec<i64> {
        let mut tx = pool.read().await.unwrap();
        let rows = tx
            .fetch_all(
                "SELECT version FROM schema_migrations ORDER BY version",
                vec![],
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        rows.iter().map(|r| r.int("version").unwrap()).collect()
    }

    #[tokio::test]
    async fn a_gap_is_filled_when_its_migration_arrives() {
        let dir = std::env::temp_dir().join(format!("luoshi_migrate_gap_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("gap.db");
        let _ = std::fs::remove_file(&path);
        let url = crate::db::DatabaseUrl::parse(&format!("sqlite://{}", path.display())).unwrap();
        let pool = Pool::connect(&url).await.unwrap();
        // A database migrated to versions 1 and 3 …
        apply(&pool, 0, &[V1, V3]).await.unwrap();
        assert_eq!(versions_in(&pool).await, vec![1, 3]);
        apply(&pool, 0, &[V1, V3]).await.unwrap();
        // … then a build that knows 2 as well applies it after 3.
        apply(&pool, 0, &[V1, V2, V3]).await.unwrap();
        assert_eq!(versions_in(&pool).await, vec![1, 2, 3]);
        // A build that lacks 2 refuses the database rather than guess.
        let err = apply(&pool, 0, &[V1, V3]).await.unwrap_err();
        assert!(err.to_string().contains("结构版本 2"), "{err}");
        // So does one whose migration 3 differs from the one applied.
        let changed = m(3, "three", "CREATE TABLE three (x TEXT);");
        assert!(apply(&pool, 0, &[V1, V2, changed]).await.is_err());
        pool.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
