//! The web pages on the 100k-task ledger: 2,000 units, 100,000 tasks and
//! 1,000,000 progress reports (`Store::seed`, the path of `luoshi dev
//! seed`), served by the real router on loopback and fetched over HTTP one
//! at a time, as an office user and as a unit's staff. Prints p50 and p99
//! per page and the ratio of each p50 to the baseline page (`GET /login`:
//! no session, no query) measured in the same run.
//!
//! `cargo bench -p luoshi-server --bench pages` (SQLite). The seeded file
//! is kept in the target directory between runs (`LUOSHI_BENCH_RESEED=1`
//! seeds afresh); `LUOSHI_BENCH_ITERS` sets the requests per page (300);
//! `LUOSHI_BENCH_POSTGRES_URL=postgres://…/db` runs on that (empty or
//! already seeded) PostgreSQL database instead.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::cast_precision_loss)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use luoshi_core::{
    Accounts, DocumentId, Ledger, Login, NewAssignment, NewUser, Password, PersonName, Role,
    SeedPlan, StatusFilter, Store, SystemClock, TaskFilter, TaskKind, UnitName,
};

const PASSWORD: &str = "bench password 100k";

fn plan() -> SeedPlan {
    SeedPlan {
        units: 2_000,
        tasks: 100_000,
        reports: 1_000_000,
        seed: 1,
    }
}

async fn open(url: &str) -> Store {
    Store::open(url, Arc::new(SystemClock::default()))
        .await
        .unwrap()
}

/// The seeded ledger with an administrator, `office` (督查室) and `staff`
/// (单位工作人员 of the second unit, a department with offices below it).
async fn seeded(url: &str) -> Store {
    let store = open(url).await;
    if store.units().await.unwrap().is_empty() {
        let start = Instant::now();
        let s = store
            .seed(&PersonName::parse("bench").unwrap(), &plan())
            .await
            .unwrap();
        println!(
            "seeded {url}: {} units, {} tasks, {} reports, {} events in {:.1} s",
            s.units,
            s.tasks,
            s.reports,
            s.events,
            start.elapsed().as_secs_f64()
        );
    }
    activity(&store).await;
    if let Some((admin, otp)) = store.bootstrap_admin().await.unwrap() {
        let p = Password::parse(PASSWORD).unwrap();
        store.change_password(admin.id, &otp, &p).await.unwrap();
        let admin = store.authenticate("admin", PASSWORD).await.unwrap();
        let unit = store.units().await.unwrap()[1].name.clone();
        for (login, role, unit) in [
            ("office", Role::Office, None),
            ("staff", Role::UnitStaff, Some(unit)),
        ] {
            let otp = "one-time-password-1";
            let u = store
                .create_user(
                    &admin,
                    &NewUser {
                        login: Login::parse(login).unwrap(),
                        name: PersonName::parse(&format!("{login}用户")).unwrap(),
                        role,
                        unit: unit.map(|u: UnitName| u),
                        password: Password::parse(otp).unwrap(),
                    },
                )
                .await
                .unwrap();
            store.change_password(u.id, otp, &p).await.unwrap();
        }
    }
    store
}

/// Tasks closed and re-assigned through the ledger, so that the
/// dashboard's progress over time reads real audit events (the seed writes
/// only `seed` events).
const ACTIVITY: u32 = 5_000;

async fn activity(store: &Store) {
    let year_ago = store.clock().today().add_days(-365).unwrap();
    if !store
        .activity_by_day(year_ago, None)
        .await
        .unwrap()
        .is_empty()
    {
        return;
    }
    let start = Instant::now();
    let office = PersonName::parse("督查室").unwrap();
    for (status, close) in [
        (StatusFilter::CompletionRequested, true),
        (StatusFilter::InProgress, false),
    ] {
        let tasks = store
            .tasks(&TaskFilter {
                status: Some(status),
                limit: Some(ACTIVITY),
                ..TaskFilter::default()
            })
            .await
            .unwrap();
        for t in tasks {
            if close {
                store.close_task(&office, t.id, t.version).await.unwrap();
            } else if let Some(a) = &t.assignment {
                let again = NewAssignment {
                    lead: a.lead.name.clone(),
                    co_units: a.co_units.iter().map(|u| u.name.clone()).collect(),
                    owner: a.owner.clone(),
                    deadline: a.deadline,
                };
                store
                    .assign(&office, t.id, t.version, &again)
                    .await
                    .unwrap();
            }
        }
    }
    println!(
        "closed and re-assigned {ACTIVITY} tasks each through the ledger in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

struct Stats {
    p50: Duration,
    p99: Duration,
    bytes: usize,
}

async fn measure(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    path: &str,
    iters: usize,
) -> Stats {
    let get = || {
        let mut r = client.get(format!("{base}{path}"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r
    };
    let mut bytes = 0;
    for _ in 0..iters.div_ceil(10) {
        let resp = get().send().await.unwrap();
        let status = resp.status();
        let body = resp.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status}\n{body}");
        bytes = body.len();
    }
    let mut times = Vec::with_capacity(iters);
    for _ in 0..iters {
        let start = Instant::now();
        let resp = get().send().await.unwrap();
        let body = resp.bytes().await.unwrap();
        times.push(start.elapsed());
        assert!(!body.is_empty());
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    Stats {
        p50: at(0.50),
        p99: at(0.99),
        bytes,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let iters: usize = std::env::var("LUOSHI_BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let url = match std::env::var("LUOSHI_BENCH_POSTGRES_URL") {
            Ok(u) if !u.is_empty() => u,
            _ => {
                let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("pages");
                std::fs::create_dir_all(&dir).unwrap();
                let path = dir.join("ledger-100k.db");
                if std::env::var("LUOSHI_BENCH_RESEED").is_ok_and(|v| v == "1") {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                    }
                }
                format!("sqlite://{}", path.display())
            }
        };
        let store = seeded(&url).await;
        let office = store.authenticate("office", PASSWORD).await.unwrap();
        let staff = store.authenticate("staff", PASSWORD).await.unwrap();
        let office_token = store.create_token(&office, "bench").await.unwrap().1;
        let staff_token = store.create_token(&staff, "bench").await.unwrap().1;
        let staff_units = store.visible_units(&staff).await.unwrap().unwrap();

        // What the pages are asked about: a theme and a task each user may
        // see, a unit, a document.
        let some = |filter: TaskFilter| {
            let store = store.clone();
            async move { store.tasks(&filter).await.unwrap() }
        };
        let office_tasks = some(TaskFilter {
            document: Some(DocumentId(1_000)),
            ..TaskFilter::default()
        })
        .await;
        let office_theme = office_tasks
            .iter()
            .find(|t| t.kind == TaskKind::Theme)
            .unwrap()
            .id;
        let office_task = office_tasks
            .iter()
            .find(|t| t.kind == TaskKind::Task && t.assignment.is_some())
            .unwrap();
        let unit_name = office_task.assignment.as_ref().unwrap().lead.name.clone();
        let staff_tasks = some(TaskFilter {
            visible_units: Some(staff_units.clone()),
            limit: Some(200),
            ..TaskFilter::default()
        })
        .await;
        let staff_task = staff_tasks
            .iter()
            .find(|t| t.kind == TaskKind::Task)
            .unwrap();
        let staff_theme = staff_task.parent.unwrap();
        let staff_unit = staff_task.assignment.as_ref().unwrap().lead.name.clone();
        let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();

        let app = luoshi_server::app(store.clone(), luoshi_server::Settings::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        let base = format!("http://{addr}");
        let client = reqwest::Client::new();

        let range = "deadline_from=2026-12-01&deadline_to=2026-12-31";
        let pages: Vec<(&str, Option<&str>, String)> = vec![
            ("baseline GET /login", None, "/login".to_owned()),
            ("ledger", Some(&office_token), "/ledger".to_owned()),
            (
                "ledger sort=deadline",
                Some(&office_token),
                "/ledger?sort=deadline".to_owned(),
            ),
            (
                "ledger sort=-deadline",
                Some(&office_token),
                "/ledger?sort=-deadline".to_owned(),
            ),
            (
                "ledger unit",
                Some(&office_token),
                format!("/ledger?unit={}", enc(unit_name.as_str())),
            ),
            (
                "ledger theme",
                Some(&office_token),
                format!("/ledger?theme={office_theme}"),
            ),
            (
                "ledger deadline range",
                Some(&office_token),
                format!("/ledger?{range}&sort=deadline"),
            ),
            (
                "ledger overdue",
                Some(&office_token),
                "/ledger?overdue=true".to_owned(),
            ),
            (
                "ledger page 20",
                Some(&office_token),
                "/ledger?page=20".to_owned(),
            ),
            (
                "task",
                Some(&office_token),
                format!("/tasks/{}", office_task.id),
            ),
            ("dashboard", Some(&office_token), "/dashboard".to_owned()),
            ("review queue", Some(&office_token), "/review".to_owned()),
            ("ledger", Some(&staff_token), "/ledger".to_owned()),
            (
                "ledger sort=deadline",
                Some(&staff_token),
                "/ledger?sort=deadline".to_owned(),
            ),
            (
                "ledger unit",
                Some(&staff_token),
                format!("/ledger?unit={}", enc(staff_unit.as_str())),
            ),
            (
                "ledger theme",
                Some(&staff_token),
                format!("/ledger?theme={staff_theme}"),
            ),
            (
                "ledger deadline range",
                Some(&staff_token),
                format!("/ledger?{range}&sort=deadline"),
            ),
            (
                "ledger overdue",
                Some(&staff_token),
                "/ledger?overdue=true".to_owned(),
            ),
            (
                "task",
                Some(&staff_token),
                format!("/tasks/{}", staff_task.id),
            ),
            ("dashboard", Some(&staff_token), "/dashboard".to_owned()),
        ];
        let engine = if url.starts_with("sqlite") {
            "SQLite"
        } else {
            "PostgreSQL"
        };
        println!(
            "pages on 100k tasks, {engine}, {iters} requests each (staff sees {} units)",
            staff_units.len()
        );
        println!(
            "{:<8} {:<24} {:>9} {:>9} {:>8} {:>8}",
            "user", "page", "p50 ms", "p99 ms", "x base", "KB"
        );
        let mut baseline = None;
        for (name, token, path) in &pages {
            let s = measure(&client, &base, *token, path, iters).await;
            let base_p50 = *baseline.get_or_insert(s.p50);
            let user = match *token {
                None => "-",
                Some(t) if *t == office_token => "office",
                Some(_) => "staff",
            };
            println!(
                "{user:<8} {name:<24} {:>9.2} {:>9.2} {:>8.1} {:>8.1}",
                ms(s.p50),
                ms(s.p99),
                s.p50.as_secs_f64() / base_p50.as_secs_f64(),
                s.bytes as f64 / 1024.0
            );
        }
        store.close().await;
    });
}
