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
//! `LUOSHI_BENCH_PAGES=dashboard,ledger` times only the pages whose name
//! holds one of those words (and the baseline);
//! `LUOSHI_BENCH_POSTGRES_URL=postgres://…/db` runs on that (empty or
//! already seeded) PostgreSQL database instead.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::cast_precision_loss)]

mod common;

use luoshi_core::{DocumentId, Ledger, TaskFilter, TaskKind};

fn main() {
    common::run(|b| async move {
        // What the pages are asked about: a theme and a task each user may
        // see, a unit, a document.
        let some = |filter: TaskFilter| {
            let store = b.store.clone();
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
            visible_units: Some(b.staff_units.clone()),
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

        let range = "deadline_from=2026-12-01&deadline_to=2026-12-31";
        let pages: Vec<common::Page> = vec![
            ("baseline GET /login", None, "/login".to_owned()),
            ("ledger", Some(&b.office_token), "/ledger".to_owned()),
            (
                "ledger sort=deadline",
                Some(&b.office_token),
                "/ledger?sort=deadline".to_owned(),
            ),
            (
                "ledger sort=-deadline",
                Some(&b.office_token),
                "/ledger?sort=-deadline".to_owned(),
            ),
            (
                "ledger unit",
                Some(&b.office_token),
                format!("/ledger?unit={}", enc(unit_name.as_str())),
            ),
            (
                "ledger theme",
                Some(&b.office_token),
                format!("/ledger?theme={office_theme}"),
            ),
            (
                "ledger deadline range",
                Some(&b.office_token),
                format!("/ledger?{range}&sort=deadline"),
            ),
            (
                "ledger overdue",
                Some(&b.office_token),
                "/ledger?overdue=true".to_owned(),
            ),
            (
                "ledger page 20",
                Some(&b.office_token),
                "/ledger?page=20".to_owned(),
            ),
            (
                "task",
                Some(&b.office_token),
                format!("/tasks/{}", office_task.id),
            ),
            ("dashboard", Some(&b.office_token), "/dashboard".to_owned()),
            ("review queue", Some(&b.office_token), "/review".to_owned()),
            ("ledger", Some(&b.staff_token), "/ledger".to_owned()),
            (
                "ledger sort=deadline",
                Some(&b.staff_token),
                "/ledger?sort=deadline".to_owned(),
            ),
            (
                "ledger unit",
                Some(&b.staff_token),
                format!("/ledger?unit={}", enc(staff_unit.as_str())),
            ),
            (
                "ledger theme",
                Some(&b.staff_token),
                format!("/ledger?theme={staff_theme}"),
            ),
            (
                "ledger deadline range",
                Some(&b.staff_token),
                format!("/ledger?{range}&sort=deadline"),
            ),
            (
                "ledger overdue",
                Some(&b.staff_token),
                "/ledger?overdue=true".to_owned(),
            ),
            (
                "task",
                Some(&b.staff_token),
                format!("/tasks/{}", staff_task.id),
            ),
            ("dashboard", Some(&b.staff_token), "/dashboard".to_owned()),
        ];
        b.table("pages", &pages).await;
        b
    });
}
