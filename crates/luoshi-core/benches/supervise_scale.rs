//! The warning rules at scale: seeds 2,000 units, 100,000 tasks and
//! 1,000,000 progress reports (`Store::seed`), then times
//! `Store::assess` — every task being worked on judged against its cycle
//! (the default, monthly), its latest report and its latest card — beside
//! a baseline run in the same process: a plain `SELECT` of the same task
//! rows through sqlx.
//!
//! Three passes, as a daily scheduler meets them: the first assessment 40
//! days after the seed (most tasks have missed a monthly report: many cards
//! raised), the same day again (nothing new: the steady daily pass, timed
//! `LUOSHI_BENCH_ITERS` times, default 10), and 30 days later (escalations
//! supersede cards). SQLite always; PostgreSQL too under
//! `scripts/with-postgres.sh`. `LUOSHI_BENCH_SCALE=0.1` scales the plan.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use luoshi_core::{Ledger, PersonName, SeedPlan, Store, SystemClock, WarningRules};
use sqlx::{Connection, Executor};

fn plan() -> SeedPlan {
    let scale: f64 = std::env::var("LUOSHI_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let n = |x: f64| (x * scale).round().max(1.0) as u64;
    SeedPlan {
        units: n(2_000.0),
        tasks: n(100_000.0),
        reports: n(1_000_000.0),
        seed: 1,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

const BASELINE: &str = "SELECT id, status, lead_unit_id, deadline, created_at FROM tasks
     WHERE status IN ('assigned', 'in_progress') AND deadline IS NOT NULL AND lead_unit_id IS NOT NULL";

async fn baseline_sqlite(url: &str) -> (Duration, usize) {
    let path = url.trim_start_matches("sqlite://");
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(path))
        .await
        .unwrap();
    let start = Instant::now();
    let rows = sqlx::query(BASELINE).fetch_all(&pool).await.unwrap();
    let t = start.elapsed();
    pool.close().await;
    (t, rows.len())
}

async fn baseline_postgres(url: &str) -> (Duration, usize) {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let start = Instant::now();
    let rows = sqlx::query(BASELINE).fetch_all(&mut conn).await.unwrap();
    let t = start.elapsed();
    conn.close().await.unwrap();
    (t, rows.len())
}

async fn run(engine: &str, url: &str, store: &Store, iters: usize) {
    let rules = WarningRules::default();
    let today = luoshi_core::Clock::today(store.clock());
    let day1 = today.add_days(40).unwrap();
    let day2 = today.add_days(70).unwrap();
    let baseline = || async {
        if engine == "sqlite" {
            baseline_sqlite(url).await
        } else {
            baseline_postgres(url).await
        }
    };
    // Warm the caches the same way for both.
    let _ = baseline().await;

    let (b, rows) = baseline().await;
    let start = Instant::now();
    let first = store.assess(day1, &rules).await.unwrap();
    let t1 = start.elapsed();
    println!(
        "{engine:8} first pass   {day1}: assess {:>7}  baseline SELECT {:>6} ({rows} rows)  ratio {:.1}  judged {}, raised {}",
        ms(t1),
        ms(b),
        t1.as_secs_f64() / b.as_secs_f64(),
        first.judged,
        first.raised.len()
    );

    let mut assess_times = Vec::new();
    let mut base_times = Vec::new();
    for _ in 0..iters {
        let (b, _) = baseline().await;
        base_times.push(b);
        let start = Instant::now();
        let again = store.assess(day1, &rules).await.unwrap();
        assess_times.push(start.elapsed());
        assert!(again.raised.is_empty());
    }
    assess_times.sort_unstable();
    base_times.sort_unstable();
    let (a, b) = (assess_times[iters / 2], base_times[iters / 2]);
    println!(
        "{engine:8} steady pass  {day1}: assess {:>7}  baseline SELECT {:>6}  ratio {:.1}  (median of {iters}; assess max {})",
        ms(a),
        ms(b),
        a.as_secs_f64() / b.as_secs_f64(),
        ms(*assess_times.last().unwrap())
    );

    let (b, _) = baseline().await;
    let start = Instant::now();
    let later = store.assess(day2, &rules).await.unwrap();
    let t3 = start.elapsed();
    let escalated = later
        .raised
        .iter()
        .filter(|r| r.supersedes.is_some())
        .count();
    println!(
        "{engine:8} month later  {day2}: assess {:>7}  baseline SELECT {:>6}  ratio {:.1}  raised {}, of which escalations {escalated}",
        ms(t3),
        ms(b),
        t3.as_secs_f64() / b.as_secs_f64(),
        later.raised.len()
    );
}

async fn seeded(url: &str) -> Store {
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

fn main() {
    let iters: usize = std::env::var("LUOSHI_BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
        .max(1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("supervise_scale");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ledger.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let url = format!("sqlite://{}", path.display());
        let store = seeded(&url).await;
        run("sqlite", &url, &store, iters).await;
        let v = store.verify().await.unwrap();
        println!("sqlite   audit verify after the passes: {} problems", v.problems.len());
        store.close().await;

        let Ok(admin) = std::env::var("LUOSHI_TEST_POSTGRES_URL") else {
            println!(
                "postgres skipped: LUOSHI_TEST_POSTGRES_URL is not set (run under scripts/with-postgres.sh)"
            );
            return;
        };
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        conn.execute("DROP DATABASE IF EXISTS luoshi_supervise_bench")
            .await
            .unwrap();
        conn.execute("CREATE DATABASE luoshi_supervise_bench")
            .await
            .unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        let url = format!("{base}/luoshi_supervise_bench");
        let store = seeded(&url).await;
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        c.execute("ANALYZE").await.unwrap();
        c.close().await.unwrap();
        run("postgres", &url, &store, iters).await;
        store.close().await;
    });
}
