//! What the page benches share: the seeded 100k-task ledger with an office
//! user and a unit's staff, the real router on loopback, and timing of one
//! page fetched many times over HTTP.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use luoshi_core::{
    Accounts, Ledger, Login, NewAssignment, NewUser, Password, PersonName, Role, SeedPlan,
    StatusFilter, Store, SystemClock, TaskFilter, UnitId, UnitName,
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

pub struct Stats {
    p50: Duration,
    p99: Duration,
    bytes: usize,
}

pub async fn measure(
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

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A seeded store served on loopback, with a bearer token for the office
/// user and one for the unit's staff.
pub struct Bench {
    pub store: Store,
    pub base: String,
    pub client: reqwest::Client,
    pub office_token: String,
    pub staff_token: String,
    /// The units whose tasks `staff` may see.
    pub staff_units: Vec<UnitId>,
    pub engine: &'static str,
    pub iters: usize,
}

/// A page to time: its name, the token it is fetched with (none for the
/// baseline) and its path.
pub type Page<'a> = (&'a str, Option<&'a str>, String);

/// Seeds (or reopens) the 100k ledger, serves it on loopback and runs `f`
/// on a two-thread runtime, then closes the store.
pub fn run<F, Fut>(f: F)
where
    F: FnOnce(Bench) -> Fut,
    Fut: std::future::Future<Output = Bench>,
{
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
        let engine = if url.starts_with("sqlite") {
            "SQLite"
        } else {
            "PostgreSQL"
        };
        let bench = Bench {
            store,
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            office_token,
            staff_token,
            staff_units,
            engine,
            iters,
        };
        let bench = f(bench).await;
        bench.store.close().await;
    });
}

impl Bench {
    /// Times each page in turn and prints p50, p99, the ratio of each p50
    /// to the first page's (the baseline) and the body size.
    pub async fn table(&self, title: &str, pages: &[Page<'_>]) {
        println!(
            "{title} on 100k tasks, {}, {} requests each (staff sees {} units)",
            self.engine,
            self.iters,
            self.staff_units.len()
        );
        println!(
            "{:<8} {:<24} {:>9} {:>9} {:>8} {:>8}",
            "user", "page", "p50 ms", "p99 ms", "x base", "KB"
        );
        // `LUOSHI_BENCH_PAGES=supervision,problem`: only the pages whose
        // name holds one of these (the baseline is always timed).
        let only: Vec<String> = std::env::var("LUOSHI_BENCH_PAGES")
            .map(|v| v.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        let mut baseline = None;
        for (name, token, path) in pages {
            if token.is_some()
                && !only.is_empty()
                && !only.iter().any(|o| name.contains(o.as_str()))
            {
                continue;
            }
            let s = measure(&self.client, &self.base, *token, path, self.iters).await;
            let base_p50 = *baseline.get_or_insert(s.p50);
            let user = match *token {
                None => "-",
                Some(t) if *t == self.office_token => "office",
                Some(t) if *t == self.staff_token => "staff",
                Some(_) => "admin",
            };
            println!(
                "{user:<8} {name:<24} {:>9.2} {:>9.2} {:>8.1} {:>8.1}",
                ms(s.p50),
                ms(s.p99),
                s.p50.as_secs_f64() / base_p50.as_secs_f64(),
                s.bytes as f64 / 1024.0
            );
        }
    }
}
