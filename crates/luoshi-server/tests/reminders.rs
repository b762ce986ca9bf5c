//! The scheduler with real receivers on loopback: a webhook server (axum,
//! port 0) that checks the HMAC signature, and a real SMTP server
//! (Python's aiosmtpd, writing a Maildir). A manual clock moves through a
//! year of monthly cycles, the tick runs daily, the server is dropped and
//! a new store opened on the same database in the middle (with ten days
//! without ticks), and every reminder is counted exactly once per channel.
//! Both engines.

#![allow(clippy::unwrap_used)]

mod helpers;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use helpers::{COMMUNIQUE, TestServer};
use luoshi_core::{
    Clock, Cycle, Date, DocumentName, Ledger, NewAssignment, NewDocument, NewReport,
    NotificationFilter, Percent, Period, PersonName, Store, TaskKind, Text, UnitName,
};
use luoshi_server::scheduler::{SchedulerConfig, SmtpConfig, WebhookConfig, signature};
use luoshi_server::{Server, Settings};

const SECRET: &str = "test-webhook-secret";

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn person(n: &str) -> PersonName {
    PersonName::parse(n).unwrap()
}

/// What the webhook receiver accepted: (task, kind, due) → count. The
/// first request is refused with 503 to make the scheduler retry.
#[derive(Default)]
struct Hooks {
    seen: BTreeMap<(i64, String, String), u32>,
    requests: u32,
    bad_signatures: u32,
}

async fn webhook_receiver() -> (String, Arc<Mutex<Hooks>>) {
    let hooks = Arc::new(Mutex::new(Hooks::default()));
    let state = hooks.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move {
                let mut h = state.lock().unwrap();
                h.requests += 1;
                let expected = format!("sha256={}", signature(SECRET, &body));
                let got = headers
                    .get("x-luoshi-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if got != expected {
                    h.bad_signatures += 1;
                    return StatusCode::UNAUTHORIZED;
                }
                if h.requests == 1 {
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let key = (
                    v["task_id"].as_i64().unwrap(),
                    v["kind"].as_str().unwrap().to_owned(),
                    v["due_on"].as_str().unwrap().to_owned(),
                );
                *h.seen.entry(key).or_default() += 1;
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), hooks)
}

/// A real SMTP server: aiosmtpd from PyPI, writing a Maildir.
struct Smtp {
    child: tokio::process::Child,
    port: u16,
    dir: PathBuf,
}

impl Smtp {
    async fn start() -> Smtp {
        let probe = std::process::Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .status();
        assert!(
            probe.is_ok_and(|s| s.success()),
            "the SMTP receiver needs Python's aiosmtpd: `pip install aiosmtpd` \
             (scripts/test installs it when missing)"
        );
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let dir = std::env::temp_dir().join(format!("luoshi_smtp_{}_{port}", std::process::id()));
        let child = tokio::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&dir)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Smtp { child, port, dir };
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    /// Every message received: (recipient, decoded body).
    fn messages(&self) -> Vec<(String, String)> {
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import mailbox, sys, json\n\
                 print(json.dumps([[m['To'], m.get_payload(decode=True).decode('utf-8')] \
                 for m in mailbox.Maildir(sys.argv[1], create=False)]))",
            ])
            .arg(&self.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn settings(hook: &str, smtp_port: u16) -> Settings {
    Settings {
        scheduler: SchedulerConfig {
            enabled: false,
            remind_days_before: 3,
            tick_seconds: 60,
            webhook: Some(WebhookConfig {
                url: hook.to_owned(),
                secret: SECRET.to_owned(),
            }),
            smtp: Some(SmtpConfig {
                host: "127.0.0.1".to_owned(),
                port: smtp_port,
                from: "luoshi@example.gov.cn".to_owned(),
                username: None,
                password: None,
                starttls: false,
            }),
        },
        ..Settings::default()
    }
}

/// A server on its own store over the test's database (never run: the
/// test ticks its scheduler by hand).
async fn server_on(s: &TestServer, settings: Settings) -> (Server, Store) {
    let store = Store::open(&s.url, s.clock.clone()).await.unwrap();
    let server = Server::with_store(store.clone(), "127.0.0.1:0".parse().unwrap(), settings)
        .await
        .unwrap();
    (server, store)
}

/// Two assigned tasks on a monthly cycle from 2026-03-10: A (省科技厅,
/// never reports, deadline 2027-01-20) and B (省水利厅, reports on the 1st
/// of each month while the server is up, deadline 2026-12-31).
async fn set_up(store: &Store) -> (i64, i64) {
    let source = luoshi_extract::decode(COMMUNIQUE.as_bytes()).unwrap();
    let extraction = luoshi_extract::extract(&source);
    let name = DocumentName::parse("通稿.txt").unwrap();
    let office = person("督查室王五");
    let ingested = store
        .ingest(
            &office,
            NewDocument {
                name: Some(&name),
                source: &source,
                extraction: &extraction,
            },
        )
        .await
        .unwrap();
    for u in ["省科技厅", "省水利厅"] {
        store
            .add_unit(&office, &UnitName::parse(u).unwrap(), None)
            .await
            .unwrap();
        store
            .set_unit_email(
                &UnitName::parse(u).unwrap(),
                &format!(
                    "{}@example.gov.cn",
                    if u == "省科技厅" { "kjt" } else { "slt" }
                ),
            )
            .await
            .unwrap();
    }
    let tasks: Vec<_> = ingested
        .tasks
        .iter()
        .filter(|t| t.kind == TaskKind::Task)
        .take(2)
        .collect();
    let mut ids = Vec::new();
    for (t, (lead, deadline)) in tasks
        .iter()
        .zip([("省科技厅", "2027-01-20"), ("省水利厅", "2026-12-31")])
    {
        let a = NewAssignment {
            lead: UnitName::parse(lead).unwrap(),
            co_units: vec![],
            owner: Some(person("李四")),
            deadline: d(deadline),
        };
        let task = store.assign(&office, t.id, t.version, &a).await.unwrap();
        store
            .set_cycle(&office, task.id, None, &Cycle::Monthly, None)
            .await
            .unwrap();
        ids.push(task.id.0);
    }
    (ids[0], ids[1])
}

fn report() -> NewReport {
    NewReport {
        unit: None,
        period: Period::parse("2026年4月").unwrap(),
        done: Text::parse("已完成阶段工作。").unwrap(),
        next_steps: None,
        percent: Percent::new(50).unwrap(),
        problems: None,
        evidence: None,
    }
}

/// The reminders a year should produce, written out by hand.
fn expected(a: i64, b: i64) -> BTreeMap<(i64, String, String), u32> {
    let mut out = BTreeMap::new();
    let mut add = |task: i64, kind: &str, due: &str| {
        out.insert((task, kind.to_owned(), due.to_owned()), 1);
    };
    // A: every monthly due date from 2026-04-05 to 2027-03-05 gets
    // before, on the day and missed — except 2026-09-05, which fell in
    // the ten days without ticks: caught up once, as missed.
    for due in [
        "2026-04-05",
        "2026-05-05",
        "2026-06-05",
        "2026-07-05",
        "2026-08-05",
        "2026-10-05",
        "2026-11-05",
        "2026-12-05",
        "2027-01-05",
        "2027-02-05",
        "2027-03-05",
    ] {
        add(a, "report_before", due);
        add(a, "report_due", due);
        add(a, "report_missed", due);
    }
    add(a, "report_missed", "2026-09-05");
    add(a, "deadline_before", "2027-01-20");
    add(a, "deadline_due", "2027-01-20");
    add(a, "deadline_missed", "2027-01-20");
    // B reports on the 1st, but not on 2026-09-01 (the server was down).
    add(b, "report_missed", "2026-09-05");
    add(b, "deadline_before", "2026-12-31");
    add(b, "deadline_due", "2026-12-31");
    add(b, "deadline_missed", "2026-12-31");
    out
}

async fn a_year_of_reminders_counted_once_per_channel_across_a_restart(s: TestServer) {
    let (hook, hooks) = webhook_receiver().await;
    let smtp = Smtp::start().await;
    let (a, b) = set_up(&s.store).await;
    let staff = person("水利厅张三");
    let last = d("2027-03-09");
    let (gap_from, gap_to) = (d("2026-08-31"), d("2026-09-11"));

    let mut up = Some(server_on(&s, settings(&hook, smtp.port)).await);
    let mut restarted = false;
    let mut recorded = 0usize;
    let mut delivered = 0usize;
    loop {
        let today = s.clock.today();
        if today > last {
            break;
        }
        if today >= gap_from && today <= gap_to {
            if let Some((server, store)) = up.take() {
                // The server goes down: the old one is dropped with its
                // store; a new one on the same database comes up after.
                store.close().await;
                drop(server);
                restarted = true;
            }
            s.clock.advance_days(1);
            continue;
        }
        let (server, store) = match &up {
            Some(u) => u,
            None => up.insert(server_on(&s, settings(&hook, smtp.port)).await),
        };
        if today.day() == 1 && today >= d("2026-04-01") {
            store
                .add_report(&staff, luoshi_core::TaskId(b), &report())
                .await
                .unwrap();
        }
        let r = server.scheduler().tick(s.clock.now()).await.unwrap();
        recorded += r.reminders_recorded;
        delivered += r.delivered;
        // A second tick on the same day records nothing new (it may
        // deliver what the first could not).
        let again = server.scheduler().tick(s.clock.now()).await.unwrap();
        assert_eq!(again.reminders_recorded, 0, "{today}");
        delivered += again.delivered;
        s.clock.advance_days(1);
    }
    assert!(restarted);
    let (_server, store) = up.unwrap();
    let want = expected(a, b);

    // In-app: one notification per reminder, to the lead unit.
    let notes = store
        .notifications(&NotificationFilter {
            limit: Some(10_000),
            ..NotificationFilter::default()
        })
        .await
        .unwrap();
    let mut inapp = BTreeMap::new();
    for n in &notes {
        *inapp
            .entry((n.task.0, n.kind.code().to_owned(), n.due_on.to_string()))
            .or_insert(0) += 1;
    }
    assert_eq!(inapp, want, "in-app notifications");

    // Webhook: every body signed, each reminder received once (after one
    // refused request that was retried).
    {
        let h = hooks.lock().unwrap();
        assert_eq!(h.bad_signatures, 0);
        assert_eq!(h.seen, want, "webhook");
        assert_eq!(h.requests as usize, want.len() + 1);
    }

    // E-mail: one message per reminder, to the lead unit's address.
    let mails = smtp.messages();
    assert_eq!(mails.len(), want.len(), "e-mails");
    let mut bodies: Vec<&String> = mails.iter().map(|(_, body)| body).collect();
    bodies.sort();
    bodies.dedup();
    assert_eq!(bodies.len(), want.len(), "e-mails are all different");
    assert!(mails.iter().all(|(to, body)| {
        (to.contains("kjt@") || to.contains("slt@")) && body.contains("【催办】")
    }));

    assert_eq!(recorded, want.len() * 3);
    assert_eq!(delivered, want.len() * 2);
    let sent = store.reminder_counts().await.unwrap();
    assert!(
        sent.iter()
            .all(|(_, n, pending)| *n as usize == want.len() && *pending == 0),
        "{sent:?}"
    );
    let webhooks = store
        .reminders_sent(Some(luoshi_core::Channel::Webhook), None, None, 1_000)
        .await
        .unwrap();
    assert_eq!(webhooks.len(), want.len());
    assert!(webhooks.iter().all(|r| r.sent_at.is_some()));
    assert_eq!(
        webhooks.iter().map(|r| r.attempts).sum::<i64>() as usize,
        want.len() + 1
    );
    // The audit chain is untouched by system records.
    assert!(store.verify().await.unwrap().is_ok());
    store.close().await;
    smtp.stop().await;
    s.finish().await;
}

async fn notifications_are_marked_read_not_deleted(s: TestServer) {
    let (a, _) = set_up(&s.store).await;
    s.clock.advance_days(23); // 2026-04-02: three days before 2026-04-05
    let (server, store) = server_on(&s, Settings::default()).await;
    let r = server.scheduler().tick(s.clock.now()).await.unwrap();
    assert_eq!(r.notifications, 2);
    let notes = store
        .notifications(&NotificationFilter::default())
        .await
        .unwrap();
    let mine = notes.iter().find(|n| n.task.0 == a).unwrap();
    let read = store
        .mark_notification_read(mine.id, &person("科技厅李四"), Some(&[mine.unit.id]))
        .await
        .unwrap();
    assert!(read.read_at.is_some());
    let other_unit = notes.iter().find(|n| n.task.0 != a).unwrap().unit.id;
    assert_eq!(
        store
            .mark_notification_read(mine.id, &person("x"), Some(&[other_unit]))
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    let unread = store
        .notifications(&NotificationFilter {
            unread: true,
            ..NotificationFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(unread.len(), 1);
    assert_eq!(
        store
            .notifications(&NotificationFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );
    store.close().await;
    s.finish().await;
}

engine_tests!(
    a_year_of_reminders_counted_once_per_channel_across_a_restart,
    notifications_are_marked_read_not_deleted,
);
