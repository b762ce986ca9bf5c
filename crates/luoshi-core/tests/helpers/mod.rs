//! A fresh ledger per test on a real engine: a SQLite file in a temporary
//! directory, or a new database on the PostgreSQL server named by
//! `LUOSHI_TEST_POSTGRES_URL` (which `scripts/with-postgres.sh` starts and
//! exports). Without that variable the PostgreSQL tests fail and say why:
//! the suite is never skipped silently.
//!
//! [`engine_tests!`] turns each `async fn(TestDb)` into one test per engine.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use luoshi_core::{Date, ManualClock, Store};
use sqlx::{Connection, Executor};

pub const POSTGRES_ENV: &str = "LUOSHI_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A connection that goes around the store, as a person with database
/// access would: for the tampering tests.
pub enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    /// Runs one statement; `Err` is the database's refusal.
    pub async fn exec(&self, sql: &str) -> Result<u64, sqlx::Error> {
        Ok(match self {
            Raw::Sqlite(p) => p.execute(sql).await?.rows_affected(),
            Raw::Postgres(p) => p.execute(sql).await?.rows_affected(),
        })
    }

    /// The first column of the first row of `sql`, an integer.
    pub async fn int(&self, sql: &str) -> i64 {
        match self {
            Raw::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(p)
                .await
                .unwrap(),
            Raw::Postgres(p) => sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(p)
                .await
                .unwrap(),
        }
    }
}

pub struct TestDb {
    pub engine: Engine,
    pub store: Store,
    pub clock: Arc<ManualClock>,
    pub url: String,
    pub raw: Raw,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Database { admin_url: String, name: String },
}

/// The day every test starts on.
pub fn start_day() -> Date {
    Date::parse("2026-03-10").unwrap()
}

fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "luoshi_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// `url` with its database name replaced by `name` (query kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let prefix = match base[authority..].find('/') {
        Some(i) => &base[..authority + i],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

impl TestDb {
    pub async fn open(engine: Engine) -> TestDb {
        let clock = Arc::new(ManualClock::at_noon(start_day()));
        match engine {
            Engine::Sqlite => {
                let dir = std::env::temp_dir().join(unique_name());
                std::fs::create_dir_all(&dir).unwrap();
                let path = dir.join("luoshi.db");
                let url = format!("sqlite://{}", path.display());
                let store = Store::open(&url, clock.clone()).await.unwrap();
                let raw = sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(
                        sqlx::sqlite::SqliteConnectOptions::new()
                            .filename(&path)
                            .busy_timeout(std::time::Duration::from_secs(10)),
                    )
                    .await
                    .unwrap();
                TestDb {
                    engine,
                    store,
                    clock,
                    url,
                    raw: Raw::Sqlite(raw),
                    cleanup: Cleanup::Dir(dir),
                }
            }
            Engine::Postgres => {
                let admin_url = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
                    panic!(
                        "{POSTGRES_ENV} is not set, so the PostgreSQL half of the storage suite cannot run. \
                         Run the tests with a throwaway server: `scripts/with-postgres.sh cargo test --workspace`, \
                         or set {POSTGRES_ENV}=postgres://USER@HOST:PORT/DB for a server where USER may create databases."
                    )
                });
                let name = unique_name();
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_ENV}: {e}"));
                admin
                    .execute(format!("CREATE DATABASE \"{name}\"").as_str())
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                let url = with_database(&admin_url, &name);
                let store = Store::open(&url, clock.clone()).await.unwrap();
                let raw = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect(&url)
                    .await
                    .unwrap();
                TestDb {
                    engine,
                    store,
                    clock,
                    url,
                    raw: Raw::Postgres(raw),
                    cleanup: Cleanup::Database { admin_url, name },
                }
            }
        }
    }

    /// Closes everything and removes the database. A failed test never
    /// gets here, which leaves its database behind for a look.
    pub async fn finish(self) {
        self.store.close().await;
        match self.raw {
            Raw::Sqlite(p) => p.close().await,
            Raw::Postgres(p) => p.close().await,
        }
        match self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
                admin
                    .execute(format!("DROP DATABASE \"{name}\" WITH (FORCE)").as_str())
                    .await
                    .unwrap();
                admin.close().await.unwrap();
            }
        }
    }
}

/// `engine_tests!(a, b)` defines `sqlite::a`, `postgres::a`, … each running
/// `async fn a(db: TestDb)` on a fresh database of that engine.
#[macro_export]
macro_rules! engine_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = $crate::helpers::TestDb::open($crate::helpers::Engine::Sqlite).await;
                    super::$name(db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = $crate::helpers::TestDb::open($crate::helpers::Engine::Postgres).await;
                    super::$name(db).await;
                }
            )*
        }
    };
}

#[test]
fn database_names_are_replaced_in_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5433/postgres", "x"),
        "postgres://postgres@127.0.0.1:5433/x"
    );
    assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    assert_eq!(
        with_database("postgresql://u:p@h/db?sslmode=disable", "x"),
        "postgresql://u:p@h/x?sslmode=disable"
    );
}

/// The communiqué the ledger tests ingest.
pub const COMMUNIQUE: &str = "2026年3月5日，省委常委会召开会议，省委书记张三主持。会议指出，要打造科技创新高地，加快建设实验室体系。\
要推动产业升级，6月底前出台实施方案。要强化要素保障，年底前完成用地指标调剂。\
会议强调，必须加强水利建设，汛期前完成病险水库除险加固。";

pub fn person(name: &str) -> luoshi_core::PersonName {
    luoshi_core::PersonName::parse(name).unwrap()
}

pub fn unit(name: &str) -> luoshi_core::UnitName {
    luoshi_core::UnitName::parse(name).unwrap()
}

pub fn text(t: &str) -> luoshi_core::Text {
    luoshi_core::Text::parse(t).unwrap()
}

pub fn day(d: &str) -> Date {
    Date::parse(d).unwrap()
}

/// The supervision office's clerk, the actor of most writes.
pub fn office() -> luoshi_core::PersonName {
    person("督查室王五")
}
