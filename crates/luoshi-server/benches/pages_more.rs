//! Every other page of the web interface on the 100k-task ledger (the
//! pages `benches/pages.rs` does not time): 督办 and its views, the
//! notification centre, 考核, the printable status report, the problem
//! list, indicators, 交办, administration, tokens, 新建, the report form
//! of a task and the password page, as the office user and (where
//! allowed) as a unit's staff, with `GET /login` as the baseline measured
//! in the same run.
//!
//! The seeded ledger (`benches/common`) has no problems, indicators,
//! cards or notifications: the set-up adds them through the Store API
//! once (kept in the same database file): 3,000 problems in 24 classes,
//! 300 indicators with monthly values, and the cards and in-app
//! notifications of one `supervise_day` pass. Each page is fetched once
//! first and its body checked for the data it must show.
//!
//! `cargo bench -p luoshi-server --bench pages_more` (SQLite; the same
//! variables as `pages`: `LUOSHI_BENCH_ITERS`, `LUOSHI_BENCH_RESEED`,
//! `LUOSHI_BENCH_POSTGRES_URL`).

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::cast_precision_loss)]

mod common;

use std::time::Instant;

use luoshi_core::remind::Channel;
use luoshi_core::supervision::ReminderPass;
use luoshi_core::{
    Accounts, DocumentId, FoundBy, Ledger, NewIndicator, NewProblem, PersonName, ProblemFilter,
    RootCause, StatusFilter, Store, TaskFilter, TaskKind, Text, UnitId, WarningRules,
};

/// The password `benches/common` gives its users.
const PASSWORD: &str = "bench password 100k";

const PROBLEMS: usize = 3_000;
const INDICATORS: usize = 300;

const DESCRIPTIONS: [&str; 8] = [
    "项目审批流程环节多、时限长，企业反映办事慢",
    "专项资金拨付滞后，配套资金未及时到位",
    "基层人员力量不足，工作推进缓慢",
    "部门之间信息不共享，数据重复报送",
    "整改措施针对性不强，问题反弹回潮",
    "考核机制不健全，责任落实不到位",
    "政策宣传解读不够，群众知晓率低",
    "项目前期工作不扎实，用地手续办理滞后",
];

/// Problems, indicators, cards and notifications, once.
async fn supervision_data(store: &Store, staff_units: &[UnitId]) {
    let have = store
        .problems(&ProblemFilter {
            limit: Some(1),
            ..ProblemFilter::default()
        })
        .await
        .unwrap();
    if !have.is_empty() {
        return;
    }
    let start = Instant::now();
    let actor = PersonName::parse("督查室").unwrap();
    let today = store.clock().today();
    // Tasks being worked on, most of them anywhere, some of the staff's
    // units so that the scoped pages have rows too.
    let mut tasks = store
        .tasks(&TaskFilter {
            status: Some(StatusFilter::InProgress),
            limit: Some(PROBLEMS as u32),
            ..TaskFilter::default()
        })
        .await
        .unwrap();
    let staff_tasks = store
        .tasks(&TaskFilter {
            status: Some(StatusFilter::InProgress),
            visible_units: Some(staff_units.to_vec()),
            limit: Some(200),
            ..TaskFilter::default()
        })
        .await
        .unwrap();
    tasks.truncate(PROBLEMS - staff_tasks.len().min(PROBLEMS / 10));
    tasks.extend(staff_tasks.into_iter().take(PROBLEMS / 10));
    let causes = [
        RootCause::Mechanism,
        RootCause::Institution,
        RootCause::Execution,
        RootCause::Resources,
        RootCause::Other,
    ];
    let found = [
        FoundBy::Inspection,
        FoundBy::SelfCheck,
        FoundBy::Research,
        FoundBy::Public,
    ];
    for (i, t) in tasks.iter().enumerate() {
        let description = format!(
            "{}（第 {} 号）",
            DESCRIPTIONS[i % DESCRIPTIONS.len()],
            i + 1
        );
        store
            .add_problem(
                &actor,
                &NewProblem {
                    task: Some(t.id),
                    report: None,
                    unit: None,
                    description: Text::parse(&description).unwrap(),
                    found_by: found[i % found.len()],
                    root_cause: causes[i % causes.len()],
                    class: (i % 3 != 0).then(|| format!("问题类别{:02}", i % 24)),
                    deadline: today.add_days((i % 120) as i64 - 30).unwrap(),
                },
            )
            .await
            .unwrap();
    }
    let problems_done = start.elapsed();
    // Indicators: the first tasks of the list (the staff's among them at
    // the end), with a value for each month so far.
    let picked: Vec<_> = tasks
        .iter()
        .take(INDICATORS - 30)
        .chain(tasks.iter().rev().take(30))
        .collect();
    for (i, t) in picked.iter().enumerate() {
        let ind = store
            .add_indicator(
                &actor,
                &NewIndicator {
                    task: t.id,
                    name: Text::parse(&format!("新增高新技术企业数（{}）", i + 1)).unwrap(),
                    measure: "家".to_owned(),
                    year: today.year(),
                    annual_target: 120.0 + i as f64,
                },
            )
            .await
            .unwrap();
        for m in 1..today.month() {
            let end = luoshi_core::Date::parse(&format!("{}-{:02}-28", today.year(), m)).unwrap();
            store
                .record_indicator(&actor, ind.id, end, (m * 9) as f64)
                .await
                .unwrap();
        }
    }
    let indicators_done = start.elapsed();
    let pass = store
        .supervise_day(
            today,
            &WarningRules::default(),
            Some(()),
            Some(ReminderPass {
                days_before: 3,
                channels: &[Channel::InApp],
            }),
        )
        .await
        .unwrap();
    println!(
        "supervision data: {PROBLEMS} problems in {:.1} s, {INDICATORS} indicators in {:.1} s, \
         one daily pass ({} cards, {} notifications) in {:.1} s",
        problems_done.as_secs_f64(),
        (indicators_done - problems_done).as_secs_f64(),
        pass.assessment.map_or(0, |a| a.raised.len()),
        pass.reminders.map_or(0, |r| r.notifications),
        (start.elapsed() - indicators_done).as_secs_f64(),
    );
}

/// Fetches `path` once and checks that the body holds every one of
/// `needles` (the page shows data, not an empty list).
async fn check(b: &common::Bench, token: &str, path: &str, needles: &[&str]) -> String {
    let resp = b
        .client
        .get(format!("{}{path}", b.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body = resp.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status}\n{body}");
    for n in needles {
        assert!(
            body.contains(n),
            "{path} does not show {n:?}:\n{}",
            &body[..body.len().min(4000)]
        );
    }
    body
}

fn main() {
    common::run(|b| async move {
        supervision_data(&b.store, &b.staff_units).await;
        let admin = b.store.authenticate("admin", PASSWORD).await.unwrap();
        let admin_token = b.store.create_token(&admin, "bench").await.unwrap().1;
        let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();

        // What the pages are asked about.
        let doc_tasks = b
            .store
            .tasks(&TaskFilter {
                document: Some(DocumentId(1_000)),
                ..TaskFilter::default()
            })
            .await
            .unwrap();
        let theme = doc_tasks
            .iter()
            .find(|t| t.kind == TaskKind::Theme)
            .unwrap()
            .id;
        let problem = b
            .store
            .problems(&ProblemFilter {
                limit: Some(1),
                ..ProblemFilter::default()
            })
            .await
            .unwrap()
            .remove(0);
        let staff_problem = b
            .store
            .problems(&ProblemFilter {
                visible_units: Some(b.staff_units.clone()),
                limit: Some(1),
                ..ProblemFilter::default()
            })
            .await
            .unwrap()
            .remove(0);
        let staff_task = b
            .store
            .tasks(&TaskFilter {
                status: Some(StatusFilter::InProgress),
                visible_units: Some(b.staff_units.clone()),
                limit: Some(1),
                ..TaskFilter::default()
            })
            .await
            .unwrap()
            .remove(0);
        let busy_unit = problem.unit.name.to_string();

        let o = b.office_token.as_str();
        let s = b.staff_token.as_str();
        let a = admin_token.as_str();
        // The pages show data: checked once before timing.
        check(&b, o, "/supervision", &["/tasks/", "共"]).await;
        check(&b, o, "/supervision?view=cards", &["tier-"]).await;
        check(&b, s, "/supervision", &["/tasks/"]).await;
        check(&b, o, "/notifications", &["note-item"]).await;
        check(&b, s, "/notifications", &["note-item"]).await;
        check(&b, o, "/problems", &["/problems/", "问题类别"]).await;
        check(
            &b,
            s,
            "/problems",
            &[&format!("/problems/{}", staff_problem.id)],
        )
        .await;
        check(&b, o, "/indicators", &["新增高新技术企业数"]).await;
        check(&b, s, "/indicators", &["新增高新技术企业数"]).await;
        check(&b, o, "/evaluation", &["<td"]).await;
        check(&b, o, "/status-report?document=1000", &["/tasks/"]).await;
        check(&b, o, "/assign", &["/tasks/"]).await;
        check(&b, a, "/admin", &["unit-edit"]).await;
        check(
            &b,
            o,
            "/status-report/ledger",
            &["?document=1\"", "共部署任务 "],
        )
        .await;

        let pages: Vec<common::Page> = vec![
            ("baseline GET /login", None, "/login".to_owned()),
            ("supervision", Some(o), "/supervision".to_owned()),
            (
                "supervision due p2",
                Some(o),
                "/supervision?view=due&page=2".to_owned(),
            ),
            (
                "supervision missed",
                Some(o),
                "/supervision?view=missed".to_owned(),
            ),
            (
                "supervision cards",
                Some(o),
                "/supervision?view=cards".to_owned(),
            ),
            (
                "supervision cards p3",
                Some(o),
                "/supervision?view=cards&page=3".to_owned(),
            ),
            (
                "supervision by unit",
                Some(o),
                "/supervision?view=units".to_owned(),
            ),
            (
                "supervision one unit",
                Some(o),
                format!("/supervision?unit={}", enc(&busy_unit)),
            ),
            ("notifications", Some(o), "/notifications".to_owned()),
            (
                "notifications unread",
                Some(o),
                "/notifications?unread=1".to_owned(),
            ),
            ("evaluation", Some(o), "/evaluation".to_owned()),
            (
                "status report: choose",
                Some(o),
                "/status-report".to_owned(),
            ),
            (
                "status report: document",
                Some(o),
                "/status-report?document=1000".to_owned(),
            ),
            (
                "status report: ledger",
                Some(o),
                "/status-report/ledger".to_owned(),
            ),
            (
                "status report: ledger p5",
                Some(o),
                "/status-report/ledger?after=200".to_owned(),
            ),
            (
                "evaluation page 10",
                Some(o),
                "/evaluation?page=10".to_owned(),
            ),
            ("problems", Some(o), "/problems".to_owned()),
            ("problems page 5", Some(o), "/problems?page=5".to_owned()),
            (
                "problems cause+class",
                Some(o),
                format!("/problems?root_cause=execution&class={}", enc("问题类别02")),
            ),
            ("problem", Some(o), format!("/problems/{}", problem.id)),
            ("problem: new form", Some(o), "/problems/new".to_owned()),
            ("indicators", Some(o), "/indicators".to_owned()),
            ("assign", Some(o), "/assign".to_owned()),
            (
                "assign document",
                Some(o),
                "/assign?document=1000".to_owned(),
            ),
            (
                "assign theme",
                Some(o),
                format!("/assign?document=1000&theme={theme}"),
            ),
            (
                "assign unit",
                Some(o),
                format!("/assign?unit={}", enc(&busy_unit)),
            ),
            ("admin (as admin)", Some(a), "/admin".to_owned()),
            ("tokens", Some(o), "/tokens".to_owned()),
            ("ingest form", Some(o), "/ingest".to_owned()),
            ("password", Some(o), "/password".to_owned()),
            ("supervision", Some(s), "/supervision".to_owned()),
            (
                "supervision cards",
                Some(s),
                "/supervision?view=cards".to_owned(),
            ),
            ("notifications", Some(s), "/notifications".to_owned()),
            ("evaluation", Some(s), "/evaluation".to_owned()),
            ("problems", Some(s), "/problems".to_owned()),
            (
                "problem",
                Some(s),
                format!("/problems/{}", staff_problem.id),
            ),
            ("indicators", Some(s), "/indicators".to_owned()),
            (
                "report form (task)",
                Some(s),
                format!("/tasks/{}", staff_task.id),
            ),
            ("tokens", Some(s), "/tokens".to_owned()),
            ("password", Some(s), "/password".to_owned()),
        ];
        b.table("more pages", &pages).await;
        b
    });
}
