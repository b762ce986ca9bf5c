//! What the scale benchmarks share: the seed plan, seeding (once, kept for
//! the next run on request), the baseline `SELECT` timed in the same
//! process, medians and printing.
//!
//! `LUOSHI_BENCH_SCALE=0.1` scales the plan; `LUOSHI_BENCH_ITERS` sets the
//! repetitions of steady measurements (default 10);
//! `LUOSHI_BENCH_KEEP_SEED=1` keeps a pristine copy of the seeded SQLite
//! file in `$CARGO_TARGET_TMPDIR/seed/` and starts later runs from a copy
//! of it instead of seeding again (seeding 100,000 tasks and 1,000,000
//! reports takes minutes).

#![allow(clippy::unwrap_used, dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use luoshi_core::{PersonName, SeedPlan, Store, SystemClock};
use sqlx::{Connection, Executor};

pub fn scale() -> f64 {
    std::env::var("LUOSHI_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0)
}

/// 2,000 units, 100,000 tasks, 1,000,000 reports (times the scale).
pub fn plan() -> SeedPlan {
    let scale = scale();
    let n = |x: f64| (x * scale).round().max(1.0) as u64;
    SeedPlan {
        units: n(2_000.0),
        tasks: n(100_000.0),
        reports: n(1_000_000.0),
        seed: 1,
    }
}

/// Whether `LUOSHI_BENCH_ENGINE` (unset: both) asks for `engine`.
pub fn engine_wanted(engine: &str) -> bool {
    std::env::var("LUOSHI_BENCH_ENGINE").map_or(true, |e| e == engine)
}

pub fn iters() -> usize {
    std::env::var("LUOSHI_BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
        .max(1)
}

pub fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// The median and the maximum.
pub fn median(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort_unstable();
    (v[v.len() / 2], *v.last().unwrap())
}

pub fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// CPU time this process has used so far, all threads (Linux: the sum of
/// `/proc/self/task/*/schedstat`, in nanoseconds; zero elsewhere). On a
/// machine shared with others' builds the wall-clock figures swing
/// two- or threefold from run to run; the CPU a pass takes does not wait
/// for the neighbours. (The PostgreSQL server's CPU is not in it.)
pub fn process_cpu() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let mut ns = 0u64;
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) {
            ns += text
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    Duration::from_nanos(ns)
}

/// [`baseline`] with the CPU time the process spent on it.
pub async fn baseline_cpu(url: &str, sql: &str) -> (Duration, Duration, usize) {
    let cpu = process_cpu();
    let (t, rows) = baseline(url, sql).await;
    (t, process_cpu().saturating_sub(cpu), rows)
}

/// `sql` timed through a fresh sqlx connection of its own: the cost of
/// reading the rows at all, the yardstick of the figures beside it.
pub async fn baseline(url: &str, sql: &str) -> (Duration, usize) {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(path))
            .await
            .unwrap();
        let start = Instant::now();
        let rows = sqlx::query(sql).fetch_all(&pool).await.unwrap();
        let t = start.elapsed();
        pool.close().await;
        (t, rows.len())
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        let start = Instant::now();
        let rows = sqlx::query(sql).fetch_all(&mut conn).await.unwrap();
        let t = start.elapsed();
        conn.close().await.unwrap();
        (t, rows.len())
    }
}

/// Opens `url` and seeds it with [`plan`].
pub async fn seeded(url: &str) -> Store {
    let store = Store::open(url, Arc::new(SystemClock::default()))
        .await
        .unwrap();
    let start = Instant::now();
    let s = store
        .seed(&PersonName::parse("bench").unwrap(), &plan())
        .await
        .unwrap();
    println!(
        "seeded {}: {} units, {} tasks, {} reports in {:.1} s",
        store.engine().code(),
        s.units,
        s.tasks,
        s.reports,
        start.elapsed().as_secs_f64()
    );
    store
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// A freshly seeded SQLite ledger in `dir` (see the module's note on
/// `LUOSHI_BENCH_KEEP_SEED`); returns its URL, the store and the file.
pub async fn sqlite_ledger(dir: &Path) -> (String, Store, PathBuf) {
    // One directory per scale: runs at two scales do not share a file.
    let dir = &dir.join(format!("scale-{}", scale()));
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("ledger.db");
    remove_db(&path);
    let url = format!("sqlite://{}", path.display());
    let keep = std::env::var_os("LUOSHI_BENCH_KEEP_SEED").is_some();
    let pristine = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("seed")
        .join(format!("ledger-{}.db", scale()));
    if keep && pristine.exists() {
        std::fs::copy(&pristine, &path).unwrap();
        println!("seeded sqlite: copied from {}", pristine.display());
        let store = Store::open(&url, Arc::new(SystemClock::default()))
            .await
            .unwrap();
        return (url, store, path);
    }
    let store = seeded(&url).await;
    if keep {
        // Closing checkpoints the WAL into the file.
        store.close().await;
        std::fs::create_dir_all(pristine.parent().unwrap()).unwrap();
        std::fs::copy(&path, &pristine).unwrap();
        let store = Store::open(&url, Arc::new(SystemClock::default()))
            .await
            .unwrap();
        return (url, store, path);
    }
    (url, store, path)
}

/// Removes a SQLite ledger made by [`sqlite_ledger`].
pub fn remove_sqlite(path: &Path) {
    remove_db(path);
}

/// A freshly seeded PostgreSQL database `name` (dropped and created on
/// the server of `LUOSHI_TEST_POSTGRES_URL`, then analysed); `None` with a
/// note when the variable is not set. With `LUOSHI_BENCH_KEEP_SEED` the
/// seeded database is also kept as a template (`luoshi_seed_<scale>`) on
/// that server, and a later run on the same server (a long-lived
/// `scripts/with-postgres.sh sleep …` whose URL is passed on) starts from a
/// copy of it (`CREATE DATABASE … TEMPLATE`, seconds instead of minutes).
pub async fn postgres_ledger(name: &str) -> Option<(String, Store)> {
    let Ok(admin) = std::env::var("LUOSHI_TEST_POSTGRES_URL") else {
        println!(
            "postgres skipped: LUOSHI_TEST_POSTGRES_URL is not set (run under scripts/with-postgres.sh)"
        );
        return None;
    };
    let keep = std::env::var_os("LUOSHI_BENCH_KEEP_SEED").is_some();
    let template = format!("luoshi_seed_{}", scale().to_string().replace('.', "_"));
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    conn.execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    let url = format!("{base}/{name}");
    let have_template = keep
        && sqlx::query("SELECT 1 FROM pg_database WHERE datname = $1")
            .bind(&template)
            .fetch_optional(&mut conn)
            .await
            .unwrap()
            .is_some();
    if have_template {
        let start = Instant::now();
        conn.execute(format!("CREATE DATABASE {name} TEMPLATE {template}").as_str())
            .await
            .unwrap();
        println!(
            "seeded postgres: copied from template {template} in {:.1} s",
            start.elapsed().as_secs_f64()
        );
        let store = Store::open(&url, Arc::new(SystemClock::default()))
            .await
            .unwrap();
        conn.close().await.unwrap();
        return Some((url, store));
    }
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    let mut store = seeded(&url).await;
    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
    c.execute("ANALYZE").await.unwrap();
    c.close().await.unwrap();
    if keep {
        // A template must have no connections while it is copied.
        store.close().await;
        conn.execute(format!("DROP DATABASE IF EXISTS {template}").as_str())
            .await
            .unwrap();
        conn.execute(format!("CREATE DATABASE {template} TEMPLATE {name}").as_str())
            .await
            .unwrap();
        store = Store::open(&url, Arc::new(SystemClock::default()))
            .await
            .unwrap();
    }
    conn.close().await.unwrap();
    Some((url, store))
}

/// The process's resident set now and at its peak since the last
/// [`reset_peak_rss`], in MiB (Linux; 0 elsewhere).
pub fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the peak resident set (`VmHWM`) to the current one.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
