//! The paged lists of the supervision pages on a seeded ledger (a few
//! hundred tasks with their reports, one daily pass of cards and
//! notifications, a hundred problems): 督办's views page through the whole
//! list with totals (page 2 shows the next rows), the lean query behind
//! them gives exactly what `reports_due` gives, the problem list and the
//! notification centre page too, and a unit's staff sees only its own
//! rows on every page and every view. Real SQLite file, real router on
//! loopback, bearer tokens as the API's clients use them.

#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

use luoshi_core::remind::Channel;
use luoshi_core::supervision::ReminderPass;
use luoshi_core::{
    Accounts, CardFilter, Date, DueFilter, FoundBy, Ledger, Login, ManualClock, NewProblem,
    NewUser, Password, PersonName, ProblemFilter, Role, RootCause, SeedPlan, StatusFilter, Store,
    TaskFilter, TaskId, Text, WarningRules,
};

const PASSWORD: &str = "paging test password";

struct Ledger100 {
    store: Store,
    base: String,
    client: reqwest::Client,
    office: String,
    staff: String,
    /// The tasks the staff member may see.
    staff_tasks: HashSet<i64>,
    staff_units: Vec<luoshi_core::UnitId>,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn ledger() -> Ledger100 {
    let dir = std::env::temp_dir().join(format!(
        "luoshi-paging-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("ledger.db").display());
    let clock = Arc::new(ManualClock::at_noon(Date::parse("2026-06-15").unwrap()));
    let store = Store::open(&url, clock).await.unwrap();
    store
        .seed(
            &PersonName::parse("seed").unwrap(),
            &SeedPlan {
                units: 12,
                tasks: 900,
                reports: 2_500,
                seed: 5,
            },
        )
        .await
        .unwrap();
    let (admin, otp) = store.bootstrap_admin().await.unwrap().unwrap();
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
                    unit,
                    password: Password::parse(otp).unwrap(),
                },
            )
            .await
            .unwrap();
        store.change_password(u.id, otp, &p).await.unwrap();
    }
    let office = store.authenticate("office", PASSWORD).await.unwrap();
    let staff = store.authenticate("staff", PASSWORD).await.unwrap();
    let staff_units = store.visible_units(&staff).await.unwrap().unwrap();
    let staff_tasks = store
        .tasks(&TaskFilter {
            visible_units: Some(staff_units.clone()),
            ..TaskFilter::default()
        })
        .await
        .unwrap()
        .iter()
        .map(|t| t.id.0)
        .collect();
    let office_token = store.create_token(&office, "t").await.unwrap().1;
    let staff_token = store.create_token(&staff, "t").await.unwrap().1;

    // One daily pass: cards and in-app notifications.
    let today = store.clock().today();
    store
        .supervise_day(
            today,
            &WarningRules::default(),
            Some(()),
            Some(ReminderPass {
                days_before: 7,
                channels: &[Channel::InApp],
            }),
        )
        .await
        .unwrap();
    // 120 problems on tasks being worked on.
    let worked = store
        .tasks(&TaskFilter {
            status: Some(StatusFilter::InProgress),
            limit: Some(120),
            ..TaskFilter::default()
        })
        .await
        .unwrap();
    let actor = PersonName::parse("督查室").unwrap();
    for (i, t) in worked.iter().enumerate() {
        store
            .add_problem(
                &actor,
                &NewProblem {
                    task: Some(t.id),
                    report: None,
                    unit: None,
                    description: Text::parse(&format!("第 {i} 号问题：资金拨付滞后")).unwrap(),
                    found_by: FoundBy::Inspection,
                    root_cause: if i % 2 == 0 {
                        RootCause::Execution
                    } else {
                        RootCause::Resources
                    },
                    class: None,
                    deadline: today.add_days(i as i64 - 60).unwrap(),
                },
            )
            .await
            .unwrap();
    }

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
    Ledger100 {
        store,
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        office: office_token,
        staff: staff_token,
        staff_tasks,
        staff_units,
        _dir: TempDir(dir),
    }
}

impl Ledger100 {
    async fn page(&self, token: &str, path: &str) -> String {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body = resp.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status}\n{body}");
        body
    }
}

/// The ids after `prefix` (`href="/tasks/`) in the page, in order.
fn ids(html: &str, prefix: &str) -> Vec<i64> {
    html.match_indices(prefix)
        .filter_map(|(i, _)| {
            let rest = &html[i + prefix.len()..];
            let end = rest.find(|c: char| !c.is_ascii_digit())?;
            rest[..end].parse().ok()
        })
        .collect()
}

const TASK: &str = "href=\"/tasks/";

#[tokio::test]
async fn supervision_lists_page_through_everything_with_totals_and_keep_units_apart() {
    let l = ledger().await;
    let today = l.store.clock().today();
    let rules = WarningRules::default();

    // The lean query gives exactly what reports_due gives, whole and
    // scoped to a unit's staff.
    for visible in [None, Some(l.staff_units.clone())] {
        let filter = DueFilter {
            visible_units: visible,
            ..DueFilter::on(today)
        };
        let full = l.store.reports_due(&filter, &rules).await.unwrap();
        let (_, lean) = l.store.reports_due_all(&filter, &rules).await.unwrap();
        assert_eq!(full, lean);
    }
    let due = l
        .store
        .reports_due(&DueFilter::on(today), &rules)
        .await
        .unwrap();
    assert!(due.len() > 100, "only {} reports due", due.len());

    // 应报与漏报: page 1 holds the first 50 in task id order, page 2 the
    // next ones; the total counts every page.
    let p1 = l.page(&l.office, "/supervision?view=due").await;
    assert!(p1.contains(&format!("共 {} 项", due.len())), "{p1}");
    let first: Vec<i64> = due.iter().take(50).map(|d| d.task.0).collect();
    assert_eq!(ids(&p1, TASK), first);
    assert!(p1.contains("href=\"/supervision?view=due&#38;page=2\""));
    let p2 = l.page(&l.office, "/supervision?view=due&page=2").await;
    let second: Vec<i64> = due.iter().skip(50).take(50).map(|d| d.task.0).collect();
    assert_eq!(ids(&p2, TASK), second);
    assert!(p2.contains("rel=\"prev\""));
    // 应报未报 only.
    let missed: Vec<i64> = due
        .iter()
        .filter(|d| !d.missed.is_empty())
        .map(|d| d.task.0)
        .collect();
    let p = l.page(&l.office, "/supervision?view=missed").await;
    assert!(p.contains(&format!("共 {} 项", missed.len())));
    assert_eq!(
        ids(&p, TASK),
        missed.iter().take(50).copied().collect::<Vec<_>>()
    );
    // The overview's tiles count every row, not a page.
    let p = l.page(&l.office, "/supervision").await;
    assert!(p.contains(&format!("<div class=\"tile-value\">{}</div>", missed.len())));
    assert!(p.contains(&format!(
        "<div class=\"tile-value\">{}</div>",
        due.len() - missed.len()
    )));

    // Cards, the most severe first: page 2 starts at the 51st.
    let open = CardFilter {
        open: true,
        ..CardFilter::default()
    };
    let mut cards = l.store.cards(&open).await.unwrap();
    cards.sort_by_key(|c| (std::cmp::Reverse(c.tier_rank), std::cmp::Reverse(c.id.0)));
    assert!(cards.len() > 50, "only {} cards", cards.len());
    assert_eq!(
        l.store.count_cards(&open).await.unwrap(),
        cards.len() as u64
    );
    let p = l.page(&l.office, "/supervision?view=cards&page=2").await;
    assert!(p.contains(&format!("共 {} 项", cards.len())));
    let shown = ids(&p, "action=\"/cards/");
    let expected: Vec<i64> = cards.iter().skip(50).take(50).map(|c| c.id.0).collect();
    assert_eq!(shown, expected);
    // A page past the end shows the last one.
    let last = l.page(&l.office, "/supervision?view=cards&page=999").await;
    assert!(last.contains("rel=\"prev\"") && !last.contains("rel=\"next\""));

    // The staff member: every view, every page, only the unit's tasks;
    // the totals are those of the unit's scope.
    let staff_due = l
        .store
        .reports_due(
            &DueFilter {
                visible_units: Some(l.staff_units.clone()),
                ..DueFilter::on(today)
            },
            &rules,
        )
        .await
        .unwrap();
    assert!(!staff_due.is_empty());
    assert!(staff_due.len() < due.len());
    let p = l.page(&l.staff, "/supervision?view=due").await;
    assert!(p.contains(&format!("共 {} 项", staff_due.len())));
    for view in [
        "",
        "?view=due",
        "?view=missed",
        "?view=cards",
        "?view=units",
    ] {
        for page in 1..=3 {
            let sep = if view.is_empty() { "?" } else { "&" };
            let path = format!("/supervision{view}{sep}page={page}");
            let html = l.page(&l.staff, &path).await;
            for id in ids(&html, TASK) {
                assert!(l.staff_tasks.contains(&id), "{path} shows task {id}");
            }
        }
    }
    // Another unit's name typed in: nothing of it.
    let other = l.store.units().await.unwrap()[5].name.to_string();
    let path = format!(
        "/supervision?unit={}",
        form_urlencoded::byte_serialize(other.as_bytes()).collect::<String>()
    );
    for id in ids(&l.page(&l.staff, &path).await, TASK) {
        assert!(l.staff_tasks.contains(&id), "{path} shows task {id}");
    }

    // Notifications: the staff's only.
    let html = l.page(&l.staff, "/notifications").await;
    for id in ids(&html, TASK) {
        assert!(l.staff_tasks.contains(&id), "notification of task {id}");
    }
    let notes = l.store.count_notifications(None, false).await.unwrap();
    assert!(notes > 0);
    let all_notes = l.page(&l.office, "/notifications").await;
    assert!(all_notes.contains(&format!("共 {notes} 条")));
    let first = ids(&all_notes, TASK);
    assert_eq!(first.len() as u64, notes.min(50));
    if notes > 50 {
        let newest = l
            .store
            .notifications(&luoshi_core::NotificationFilter {
                limit: Some(51),
                ..luoshi_core::NotificationFilter::default()
            })
            .await
            .unwrap();
        let path = format!("/notifications?before={}", newest[49].id);
        assert!(all_notes.contains(&format!("href=\"{path}\"")));
        let next = l.page(&l.office, &path).await;
        assert_eq!(ids(&next, TASK)[0], newest[50].task.0);
    }

    // The whole ledger's status page: the overview of every task, a line
    // per document with that document's counts; refused to the staff.
    let tasks = l
        .store
        .tasks(&TaskFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.kind == luoshi_core::TaskKind::Task)
        .collect::<Vec<_>>();
    let overdue = tasks.iter().filter(|t| t.is_overdue(today)).count();
    let closed = tasks
        .iter()
        .filter(|t| t.status == luoshi_core::Status::Closed)
        .count();
    let html = l.page(&l.office, "/status-report/ledger").await;
    assert!(
        html.contains(&format!("共部署任务 {} 项", tasks.len()))
            && html.contains(&format!("已办结 {closed} 项，逾期 {overdue} 项")),
        "{html}"
    );
    let first_doc = tasks.iter().map(|t| t.document.0).min().unwrap();
    let in_first = tasks.iter().filter(|t| t.document.0 == first_doc).count();
    assert!(html.contains(&format!("href=\"/status-report?document={first_doc}\"")));
    let row = &html[html.find(&format!("?document={first_doc}\"")).unwrap()..];
    assert!(row.contains(&format!(">{in_first}</td>")), "{row}");
    let resp = l
        .client
        .get(format!("{}/status-report/ledger", l.base))
        .bearer_auth(&l.staff)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::FORBIDDEN);

    // Problems: 50 a page in id order, totals of every page.
    let problems = l.store.problems(&ProblemFilter::default()).await.unwrap();
    assert_eq!(problems.len(), 120);
    let p = l.page(&l.office, "/problems?page=2").await;
    assert!(p.contains("共 120 个问题"), "{p}");
    let shown = ids(&p, "href=\"/problems/");
    let expected: Vec<i64> = problems.iter().skip(50).take(50).map(|p| p.id).collect();
    assert!(shown.starts_with(&expected), "{shown:?}");
    let p = l
        .page(&l.office, "/problems?root_cause=execution&page=2")
        .await;
    assert!(p.contains("共 60 个问题"));
    let execution: Vec<i64> = problems
        .iter()
        .filter(|p| p.root_cause == RootCause::Execution)
        .skip(50)
        .map(|p| p.id)
        .collect();
    assert!(ids(&p, "href=\"/problems/").starts_with(&execution));
    // The staff member's problems are its unit's only.
    let mine: HashSet<i64> = problems
        .iter()
        .filter(|p| l.staff_units.contains(&p.unit.id))
        .map(|p| p.id)
        .collect();
    for page in 1..=3 {
        let html = l.page(&l.staff, &format!("/problems?page={page}")).await;
        for id in ids(&html, "href=\"/problems/") {
            assert!(mine.contains(&id), "problem {id} of another unit");
        }
        assert!(html.contains(&format!("共 {} 个问题", mine.len())));
    }
    // Indicators and the task they measure: a task of another unit is
    // refused to the staff member.
    let foreign = problems
        .iter()
        .filter_map(|p| p.task)
        .find(|t| !l.staff_tasks.contains(&t.0))
        .unwrap_or(TaskId(1));
    let resp = l
        .client
        .get(format!("{}/indicators?task={foreign}", l.base))
        .bearer_auth(&l.staff)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
}
