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

mod common;

use std::time::{Duration, Instant};

use common::ms;
use luoshi_core::{Ledger, Store, WarningRules};

const BASELINE: &str = "SELECT id, status, lead_unit_id, deadline, created_at FROM tasks
     WHERE status IN ('assigned', 'in_progress') AND deadline IS NOT NULL AND lead_unit_id IS NOT NULL";

async fn baseline_sqlite(url: &str) -> (Duration, usize) {
    common::baseline(url, BASELINE).await
}

async fn baseline_postgres(url: &str) -> (Duration, usize) {
    common::baseline(url, BASELINE).await
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

fn main() {
    let iters = common::iters();
    common::runtime().block_on(async {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("supervise_scale");
        let (url, store, path) = common::sqlite_ledger(&dir).await;
        run("sqlite", &url, &store, iters).await;
        let v = store.verify().await.unwrap();
        println!(
            "sqlite   audit verify after the passes: {} problems",
            v.problems.len()
        );
        store.close().await;
        common::remove_sqlite(&path);

        if let Some((url, store)) = common::postgres_ledger("luoshi_supervise_bench").await {
            run("postgres", &url, &store, iters).await;
            store.close().await;
        }
    });
}
