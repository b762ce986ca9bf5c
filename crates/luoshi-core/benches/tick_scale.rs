//! The scheduler's whole daily tick at scale: seeds 2,000 units, 100,000
//! tasks and 1,000,000 progress reports (`Store::seed`; every open task on
//! the default monthly cycle), then times `Store::supervise_day` — the
//! warning rules and the reminders from one read of the tasks being worked
//! on, the pass `luoshi serve`'s scheduler makes — beside a baseline in the
//! same process: a plain `SELECT` of the open task rows through sqlx.
//!
//! Figures: the first tick 40 days after the seed (tens of thousands of
//! cards and reminders written, with the peak resident memory it took),
//! the steady tick the same day again (nothing new: median of
//! `LUOSHI_BENCH_ITERS`), the same work as two separate passes
//! (`assess`, then `record_reminders`), and the tick a month later
//! (escalations and the next round of reminders). SQLite always;
//! PostgreSQL too under `scripts/with-postgres.sh`. See `common/mod.rs`
//! for `LUOSHI_BENCH_SCALE` and `LUOSHI_BENCH_KEEP_SEED`;
//! `LUOSHI_BENCH_STEADY_ONLY=1` stops after the steady ticks;
//! `LUOSHI_BENCH_ENGINE=sqlite` or `postgres` runs one engine only.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Instant;

use common::{baseline, median, ms, ratio};
use luoshi_core::{Channel, ReminderPass, Store, WarningRules};

const BASELINE: &str = "SELECT id, title, status, lead_unit_id, deadline, created_at FROM tasks
     WHERE status IN ('assigned', 'in_progress') AND lead_unit_id IS NOT NULL";

const CHANNELS: [Channel; 2] = [Channel::InApp, Channel::Webhook];

async fn tick(store: &Store, day: luoshi_core::Date, rules: &WarningRules) -> luoshi_core::DayPass {
    store
        .supervise_day(
            day,
            rules,
            Some(()),
            Some(ReminderPass {
                days_before: 3,
                channels: &CHANNELS,
            }),
        )
        .await
        .unwrap()
}

async fn run(engine: &str, url: &str, store: &Store, iters: usize) {
    // The first tick and the steady ticks only (no two-pass comparison, no
    // month later): for a quick look while working on the steady pass.
    let steady_only = std::env::var_os("LUOSHI_BENCH_STEADY_ONLY").is_some();
    let rules = WarningRules::default();
    let today = luoshi_core::Clock::today(store.clock());
    let day = today.add_days(40).unwrap();
    let later = today.add_days(70).unwrap();
    let _ = baseline(url, BASELINE).await;

    let (b, rows) = baseline(url, BASELINE).await;
    let (rss0, _) = common::rss_mib();
    common::reset_peak_rss();
    let start = Instant::now();
    let first = tick(store, day, &rules).await;
    let t = start.elapsed();
    let (_, peak) = common::rss_mib();
    let a = first.assessment.unwrap();
    let r = first.reminders.unwrap();
    println!(
        "{engine:8} first tick  {day}: supervise_day {:>7}  baseline SELECT {:>6} ({rows} rows)  ratio {:.1}  cards raised {}, reminders {}, notifications {}; RSS {rss0:.0} MiB before, peak {peak:.0} MiB (+{:.0})",
        ms(t),
        ms(b),
        ratio(t, b),
        a.raised.len(),
        r.by_channel.iter().map(|(_, n)| n).sum::<usize>(),
        r.notifications,
        peak - rss0
    );

    let (mut ticks, mut bases, mut split) = (Vec::new(), Vec::new(), Vec::new());
    let (mut tick_cpu, mut base_cpu) = (Vec::new(), Vec::new());
    for _ in 0..iters {
        let (b, bcpu, _) = common::baseline_cpu(url, BASELINE).await;
        bases.push(b);
        base_cpu.push(bcpu);
        let cpu = common::process_cpu();
        let start = Instant::now();
        let again = tick(store, day, &rules).await;
        ticks.push(start.elapsed());
        tick_cpu.push(common::process_cpu().saturating_sub(cpu));
        assert!(again.assessment.unwrap().raised.is_empty());
        assert_eq!(again.reminders.unwrap().notifications, 0);
        if steady_only {
            continue;
        }
        let start = Instant::now();
        store.assess(day, &rules).await.unwrap();
        store
            .record_reminders(day, 3, &CHANNELS, &rules)
            .await
            .unwrap();
        split.push(start.elapsed());
    }
    let ((c, _), (bc, _)) = (median(tick_cpu), median(base_cpu));
    println!(
        "{engine:8} steady tick CPU of this process: supervise_day {:>7}  baseline SELECT {:>6}  ratio {:.1}  (medians of {iters})",
        ms(c),
        ms(bc),
        ratio(c, bc)
    );
    if steady_only {
        let ((t, tmax), (b, _)) = (median(ticks), median(bases));
        println!(
            "{engine:8} steady tick {day}: supervise_day {:>7}  baseline SELECT {:>6}  ratio {:.1}  (median of {iters}; max {})",
            ms(t),
            ms(b),
            ratio(t, b),
            ms(tmax)
        );
        return;
    }
    let ((t, tmax), (b, _), (s, _)) = (median(ticks), median(bases), median(split));
    println!(
        "{engine:8} steady tick {day}: supervise_day {:>7}  baseline SELECT {:>6}  ratio {:.1}  (median of {iters}; max {}); as two passes (assess + record_reminders) {} ratio {:.1}",
        ms(t),
        ms(b),
        ratio(t, b),
        ms(tmax),
        ms(s),
        ratio(s, b)
    );

    let (b, _) = baseline(url, BASELINE).await;
    common::reset_peak_rss();
    let (rss0, _) = common::rss_mib();
    let start = Instant::now();
    let next = tick(store, later, &rules).await;
    let t = start.elapsed();
    let (_, peak) = common::rss_mib();
    let a = next.assessment.unwrap();
    let r = next.reminders.unwrap();
    println!(
        "{engine:8} month later {later}: supervise_day {:>7}  baseline SELECT {:>6}  ratio {:.1}  cards raised {} (escalations {}), reminders {}; peak RSS +{:.0} MiB",
        ms(t),
        ms(b),
        ratio(t, b),
        a.raised.len(),
        a.raised.iter().filter(|c| c.supersedes.is_some()).count(),
        r.by_channel.iter().map(|(_, n)| n).sum::<usize>(),
        peak - rss0
    );
}

fn main() {
    let iters = common::iters();
    common::runtime().block_on(async {
        if common::engine_wanted("sqlite") {
            let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("tick_scale");
            let (url, store, path) = common::sqlite_ledger(&dir).await;
            run("sqlite", &url, &store, iters).await;
            store.close().await;
            common::remove_sqlite(&path);
        }

        if !common::engine_wanted("postgres") {
            return;
        }
        if let Some((url, store)) = common::postgres_ledger("luoshi_tick_bench").await {
            run("postgres", &url, &store, iters).await;
            store.close().await;
        }
    });
}
