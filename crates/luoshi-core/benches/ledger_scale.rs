//! The ledger at scale: seeds 2,000 units, 100,000 tasks and 1,000,000
//! progress reports (`Store::seed`, the path of `luoshi dev seed`), then
//! times the queries the interface needs, many times each, and prints p50
//! and p99. SQLite always; PostgreSQL too when `LUOSHI_TEST_POSTGRES_URL`
//! names a server (`scripts/with-postgres.sh cargo bench -p luoshi-core
//! --bench ledger_scale`), in a database of its own that it recreates.
//!
//! `LUOSHI_BENCH_SCALE=0.1` scales the plan down; `LUOSHI_BENCH_ITERS`
//! sets the timed iterations per query (default 300).

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::plan;
use luoshi_core::{
    Ledger, PersonName, StatusFilter, Store, SystemClock, TaskFilter, TaskId, UnitName,
};
use sqlx::{Connection, Executor};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Times `f` over `iters` runs (after a few warm-up runs); `f(i)` returns
/// the number of records it got, to be printed beside the figures.
async fn time<F, Fut>(engine: &str, name: &str, iters: usize, mut f: F)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    for i in 0..5 {
        f(i).await;
    }
    let mut times = Vec::with_capacity(iters);
    let mut rows = 0usize;
    for i in 0..iters {
        let start = Instant::now();
        rows += f(i).await;
        times.push(start.elapsed());
    }
    times.sort_unstable();
    println!(
        "{engine:8} {name:42} p50 {:>10}  p99 {:>10}  max {:>10}  ({:.0} records/query)",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap()),
        rows as f64 / iters as f64
    );
}

async fn run(engine: &str, store: &Store, iters: usize) {
    let units = store.units().await.unwrap();
    let today = luoshi_core::Clock::today(store.clock());
    let tasks_total = plan().tasks as usize;
    // Units in a fixed scattered order, the province excluded.
    let pick_unit = |i: usize| -> UnitName {
        let k = 1 + (i * 7919) % (units.len() - 1).max(1);
        units[k.min(units.len() - 1)].name.clone()
    };
    time(engine, "one unit's open tasks", iters, |i| {
        let filter = TaskFilter {
            unit: Some(pick_unit(i)),
            status: Some(StatusFilter::Open),
            ..TaskFilter::default()
        };
        async move { store.tasks(&filter).await.unwrap().len() }
    })
    .await;
    time(
        engine,
        "overdue, all units, first page of 50",
        iters,
        |_| {
            let filter = TaskFilter {
                overdue_on: Some(today),
                limit: Some(50),
                ..TaskFilter::default()
            };
            async move { store.tasks(&filter).await.unwrap().len() }
        },
    )
    .await;
    time(
        engine,
        "overdue, all units, page of 50 at a cursor",
        iters,
        |i| {
            let filter = TaskFilter {
                overdue_on: Some(today),
                after: Some(TaskId(((i * 7919) % tasks_total) as i64)),
                limit: Some(50),
                ..TaskFilter::default()
            };
            async move { store.tasks(&filter).await.unwrap().len() }
        },
    )
    .await;
    time(engine, "overdue, all units, whole list", iters / 10, |_| {
        let filter = TaskFilter {
            overdue_on: Some(today),
            ..TaskFilter::default()
        };
        async move { store.tasks(&filter).await.unwrap().len() }
    })
    .await;
    time(engine, "one task's timeline (task_detail)", iters, |i| {
        let id = TaskId(1 + ((i * 7919) % tasks_total) as i64);
        async move {
            let d = store.task_detail(id).await.unwrap();
            d.reports.len() + d.events.len()
        }
    })
    .await;
    time(engine, "counts by unit and status", iters, |_| async {
        store.counts_by_unit_status().await.unwrap().len()
    })
    .await;
}

async fn seeded(url: &str, fresh: bool) -> Store {
    let store = Store::open(url, Arc::new(SystemClock::default()))
        .await
        .unwrap();
    if fresh {
        let plan = plan();
        let start = Instant::now();
        let s = store
            .seed(&PersonName::parse("bench").unwrap(), &plan)
            .await
            .unwrap();
        println!(
            "seeded {url}: {} units, {} tasks, {} co-units, {} reports, {} events in {:.1} s",
            s.units,
            s.tasks,
            s.co_units,
            s.reports,
            s.events,
            start.elapsed().as_secs_f64()
        );
    }
    store
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let iters: usize = std::env::var("LUOSHI_BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ledger_scale");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ledger.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let url = format!("sqlite://{}", path.display());
        let store = seeded(&url, true).await;
        run("sqlite", &store, iters).await;
        store.close().await;
        let size: u64 = ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
            .map(|m| m.len())
            .sum();
        println!("sqlite   database size {:.0} MiB", size as f64 / 1048576.0);

        let Ok(admin) = std::env::var("LUOSHI_TEST_POSTGRES_URL") else {
            println!("postgres skipped: LUOSHI_TEST_POSTGRES_URL is not set (run under scripts/with-postgres.sh)");
            return;
        };
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        conn.execute("DROP DATABASE IF EXISTS luoshi_bench").await.unwrap();
        conn.execute("CREATE DATABASE luoshi_bench").await.unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        let url = format!("{base}/luoshi_bench");
        let store = seeded(&url, true).await;
        sqlx::query("ANALYZE").execute(&mut conn).await.ok();
        run("postgres", &store, iters).await;
        store.close().await;
        let size: i64 = sqlx::query_scalar("SELECT pg_database_size('luoshi_bench')")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        println!("postgres database size {:.0} MiB", size as f64 / 1048576.0);
    });
}
