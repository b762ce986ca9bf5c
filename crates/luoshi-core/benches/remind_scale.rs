//! The reminder scheduler at scale: seeds 2,000 units, 100,000 tasks and
//! 1,000,000 progress reports (`Store::seed`; every open task on the
//! default monthly cycle), then times `Store::record_reminders` — the
//! scheduler's pass over every task being worked on — beside a baseline
//! in the same process: a plain `SELECT` of the same task rows through
//! sqlx.
//!
//! Three figures, as a daily scheduler meets them: the first pass 40 days
//! after the seed (nearly every open task has a missed report or a passed
//! deadline: tens of thousands of reminders recorded on two channels, the
//! in-app one with its notification), the same day again (nothing new: the
//! steady pass, median of `LUOSHI_BENCH_ITERS`, default 10), and the whole
//! steady tick (`Store::assess` + `record_reminders`). SQLite always;
//! PostgreSQL too under `scripts/with-postgres.sh`.
//! `LUOSHI_BENCH_SCALE=0.1` scales the plan.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use luoshi_core::{Channel, PersonName, SeedPlan, Store, SystemClock, WarningRules};
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

const BASELINE: &str = "SELECT id, title, lead_unit_id, deadline, created_at FROM tasks
     WHERE status IN ('assigned', 'in_progress') AND lead_unit_id IS NOT NULL";

async fn baseline(engine: &str, url: &str) -> (Duration, usize) {
    if engine == "sqlite" {
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
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        let start = Instant::now();
        let rows = sqlx::query(BASELINE).fetch_all(&mut conn).await.unwrap();
        let t = start.elapsed();
        conn.close().await.unwrap();
        (t, rows.len())
    }
}

fn median(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort_unstable();
    (v[v.len() / 2], *v.last().unwrap())
}

async fn run(engine: &str, url: &str, store: &Store, iters: usize) {
    let rules = WarningRules::default();
    let channels = [Channel::InApp, Channel::Webhook];
    let day = luoshi_core::Clock::today(store.clock())
        .add_days(40)
        .unwrap();
    let _ = baseline(engine, url).await;

    let (b, rows) = baseline(engine, url).await;
    let start = Instant::now();
    let first = store
        .record_reminders(day, 3, &channels, &rules)
        .await
        .unwrap();
    let t1 = start.elapsed();
    let recorded: usize = first.by_channel.iter().map(|(_, n)| n).sum();
    println!(
        "{engine:8} first pass  {day}: record_reminders {:>7}  baseline SELECT {:>6} ({rows} rows)  ratio {:.1}  tasks {}, reminders recorded {recorded}, notifications {}",
        ms(t1),
        ms(b),
        t1.as_secs_f64() / b.as_secs_f64(),
        first.tasks,
        first.notifications
    );

    let (mut passes, mut bases) = (Vec::new(), Vec::new());
    for _ in 0..iters {
        bases.push(baseline(engine, url).await.0);
        let start = Instant::now();
        let again = store
            .record_reminders(day, 3, &channels, &rules)
            .await
            .unwrap();
        passes.push(start.elapsed());
        assert_eq!(again.notifications, 0);
    }
    let ((p, pmax), (b, _)) = (median(passes), median(bases));
    println!(
        "{engine:8} steady pass {day}: record_reminders {:>7}  baseline SELECT {:>6}  ratio {:.1}  (median of {iters}; max {})",
        ms(p),
        ms(b),
        p.as_secs_f64() / b.as_secs_f64(),
        ms(pmax)
    );

    // The whole daily tick once the ledger is up to date: assess (its
    // first run raises the cards; time the ones after) and the reminders.
    store.assess(day, &rules).await.unwrap();
    let (mut ticks, mut bases) = (Vec::new(), Vec::new());
    for _ in 0..iters {
        bases.push(baseline(engine, url).await.0);
        let start = Instant::now();
        store.assess(day, &rules).await.unwrap();
        store
            .record_reminders(day, 3, &channels, &rules)
            .await
            .unwrap();
        ticks.push(start.elapsed());
    }
    let ((t, tmax), (b, _)) = (median(ticks), median(bases));
    println!(
        "{engine:8} steady tick {day}: assess + record_reminders {:>7}  baseline SELECT {:>6}  ratio {:.1}  (median of {iters}; max {})",
        ms(t),
        ms(b),
        t.as_secs_f64() / b.as_secs_f64(),
        ms(tmax)
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
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("remind_scale");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ledger.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let url = format!("sqlite://{}", path.display());
        let store = seeded(&url).await;
        run("sqlite", &url, &store, iters).await;
        store.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }

        let Ok(admin) = std::env::var("LUOSHI_TEST_POSTGRES_URL") else {
            println!(
                "postgres skipped: LUOSHI_TEST_POSTGRES_URL is not set (run under scripts/with-postgres.sh)"
            );
            return;
        };
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        conn.execute("DROP DATABASE IF EXISTS luoshi_remind_bench")
            .await
            .unwrap();
        conn.execute("CREATE DATABASE luoshi_remind_bench")
            .await
            .unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        let url = format!("{base}/luoshi_remind_bench");
        let store = seeded(&url).await;
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        c.execute("ANALYZE").await.unwrap();
        c.close().await.unwrap();
        run("postgres", &url, &store, iters).await;
        store.close().await;
    });
}
