//! The queries behind the web pages (台账 filters, 总览, 审核): every test
//! runs on SQLite and on PostgreSQL, and checks what a scoped reader sees.

#![allow(clippy::unwrap_used)]

mod helpers;

use helpers::{COMMUNIQUE, TestDb, day, office, person, text, unit};
use luoshi_core::{
    Clock, DocumentName, Ingested, Ledger, NewAssignment, NewDocument, NewReport, Percent, Period,
    ReviewState, Store, TaskFilter, TaskId, TaskKind, TaskSort, UnitId,
};

async fn ingest(store: &Store) -> Ingested {
    let source = luoshi_extract::decode(COMMUNIQUE.as_bytes()).unwrap();
    let extraction = luoshi_extract::extract(&source);
    let name = DocumentName::parse("省委常委会会议通稿.txt").unwrap();
    store
        .ingest(
            &office(),
            NewDocument {
                name: Some(&name),
                source: &source,
                extraction: &extraction,
            },
        )
        .await
        .unwrap()
}

fn assignment(lead: &str, co: &[&str], deadline: &str) -> NewAssignment {
    NewAssignment {
        lead: unit(lead),
        co_units: co.iter().map(|c| unit(c)).collect(),
        owner: Some(person("李四")),
        deadline: day(deadline),
    }
}

fn report(percent: i64) -> NewReport {
    NewReport {
        unit: None,
        period: Period::parse("2026年3月").unwrap(),
        done: text("已召开专题会议。"),
        next_steps: None,
        percent: Percent::new(percent).unwrap(),
        problems: None,
        evidence: None,
    }
}

/// Units 省政府 > 省发展改革委, 省科技厅, 省水利厅; the communiqué's theme
/// with its two tasks, one led by 发改委 (co-unit 科技厅, due 2026-03-20,
/// reported twice and closed), one by 科技厅 (due 2026-06-30, reported
/// once); the root task 水利建设 led by 水利厅 (due 2026-03-01: overdue).
struct Fixture {
    ingested: Ingested,
    theme: TaskId,
    children: Vec<TaskId>,
    root_task: TaskId,
    fgw: UnitId,
    kj: UnitId,
    sl: UnitId,
}

async fn fixture(s: &Store) -> Fixture {
    let admin = person("管理员");
    s.add_unit(&admin, &unit("省政府"), None).await.unwrap();
    let mut ids = Vec::new();
    for name in ["省发展改革委", "省科技厅", "省水利厅"] {
        ids.push(
            s.add_unit(&admin, &unit(name), Some(&unit("省政府")))
                .await
                .unwrap()
                .id,
        );
    }
    let ingested = ingest(s).await;
    let theme = ingested
        .tasks
        .iter()
        .find(|t| t.kind == TaskKind::Theme)
        .unwrap()
        .id;
    let children: Vec<TaskId> = ingested
        .tasks
        .iter()
        .filter(|t| t.parent == Some(theme))
        .map(|t| t.id)
        .collect();
    assert_eq!(children.len(), 2, "{:?}", ingested.tasks);
    let root_task = ingested
        .tasks
        .iter()
        .find(|t| t.parent.is_none() && t.kind == TaskKind::Task)
        .unwrap()
        .id;
    let plan = [
        (
            children[0],
            assignment("省发展改革委", &["省科技厅"], "2026-03-20"),
        ),
        (children[1], assignment("省科技厅", &[], "2026-06-30")),
        (root_task, assignment("省水利厅", &[], "2026-03-01")),
    ];
    for (id, a) in &plan {
        let t = s.task(*id).await.unwrap();
        s.assign(&office(), *id, t.version, a).await.unwrap();
    }
    s.add_report(&person("李四"), children[0], &report(50))
        .await
        .unwrap();
    s.add_report(&person("李四"), children[1], &report(20))
        .await
        .unwrap();
    let t = s.task(children[0]).await.unwrap();
    let t = s
        .request_close(&person("李四"), t.id, t.version, &text("方案已印发"))
        .await
        .unwrap();
    s.close_task(&office(), t.id, t.version).await.unwrap();
    Fixture {
        ingested,
        theme,
        children,
        root_task,
        fgw: ids[0],
        kj: ids[1],
        sl: ids[2],
    }
}

async fn ids(s: &Store, filter: TaskFilter) -> Vec<TaskId> {
    s.tasks(&filter)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect()
}

async fn the_ledger_filters_by_theme_and_deadline_range(db: TestDb) {
    let s = &db.store;
    let f = fixture(s).await;
    let mut theme_and_children = vec![f.theme];
    theme_and_children.extend(&f.children);
    assert_eq!(
        ids(
            s,
            TaskFilter {
                theme: Some(f.theme),
                ..TaskFilter::default()
            }
        )
        .await,
        theme_and_children
    );
    // A scoped reader (水利厅) sees nothing of the theme.
    assert!(
        ids(
            s,
            TaskFilter {
                theme: Some(f.theme),
                visible_units: Some(vec![f.sl]),
                ..TaskFilter::default()
            }
        )
        .await
        .is_empty()
    );
    // 科技厅 sees both children (lead of one, co-unit of the other) and
    // the theme above them.
    assert_eq!(
        ids(
            s,
            TaskFilter {
                theme: Some(f.theme),
                visible_units: Some(vec![f.kj]),
                ..TaskFilter::default()
            }
        )
        .await,
        theme_and_children
    );
    // Deadline range, inclusive at both ends, sorted by deadline.
    let range = |from: &str, to: &str| TaskFilter {
        deadline_from: Some(day(from)),
        deadline_to: Some(day(to)),
        sort: TaskSort::Deadline,
        ..TaskFilter::default()
    };
    assert_eq!(
        ids(s, range("2026-03-01", "2026-03-20")).await,
        vec![f.root_task, f.children[0]]
    );
    assert_eq!(
        ids(s, range("2026-03-02", "2026-12-31")).await,
        vec![f.children[0], f.children[1]]
    );
    let mut scoped = range("2026-01-01", "2026-12-31");
    scoped.visible_units = Some(vec![f.sl]);
    assert_eq!(ids(s, scoped).await, vec![f.root_task]);
    // Deadline order puts tasks without one (the theme) last, both ways.
    let all = |sort| TaskFilter {
        sort,
        ..TaskFilter::default()
    };
    assert_eq!(
        ids(s, all(TaskSort::Deadline)).await,
        vec![f.root_task, f.children[0], f.children[1], f.theme]
    );
    assert_eq!(
        ids(s, all(TaskSort::DeadlineDesc)).await,
        vec![f.children[1], f.children[0], f.root_task, f.theme]
    );
    db.finish().await;
}

async fn dashboard_counts_are_scoped(db: TestDb) {
    let s = &db.store;
    let f = fixture(s).await;
    let doc = f.ingested.document.id;
    let all = s.theme_counts(doc, None).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].theme, f.theme);
    assert_eq!((all[0].total, all[0].closed), (2, 1));
    assert_eq!(all[0].title.as_str(), "打造科技创新高地");
    // 发改委 sees only the task it leads; 水利厅 no theme at all.
    let fgw = s.theme_counts(doc, Some(&[f.fgw])).await.unwrap();
    assert_eq!((fgw[0].total, fgw[0].closed), (1, 1));
    assert!(s.theme_counts(doc, Some(&[f.sl])).await.unwrap().is_empty());
    assert!(s.theme_counts(doc, Some(&[])).await.unwrap().is_empty());

    assert_eq!(s.latest_document(None).await.unwrap(), Some(doc));
    assert_eq!(s.latest_document(Some(&[f.sl])).await.unwrap(), Some(doc));
    assert_eq!(s.latest_document(Some(&[])).await.unwrap(), None);

    // 2026-03-10: the root task (due 03-01) is overdue; 科技厅's task is
    // due 06-30, at risk only with a long enough horizon.
    let today = db.clock.today();
    let c = s.deadline_counts(today, 14, None).await.unwrap();
    assert_eq!((c.overdue, c.at_risk), (1, 0));
    let c = s.deadline_counts(today, 120, None).await.unwrap();
    assert_eq!((c.overdue, c.at_risk), (1, 1));
    let c = s.deadline_counts(today, 120, Some(&[f.kj])).await.unwrap();
    assert_eq!((c.overdue, c.at_risk), (0, 1));
    let c = s.deadline_counts(today, 120, Some(&[f.fgw])).await.unwrap();
    assert_eq!((c.overdue, c.at_risk), (0, 0));
    // The newest document comes with the counts, scoped as
    // `latest_document`.
    assert_eq!(c.latest_document, Some(doc));
    let c = s.deadline_counts(today, 14, None).await.unwrap();
    assert_eq!(c.latest_document, Some(doc));
    let c = s.deadline_counts(today, 14, Some(&[])).await.unwrap();
    assert_eq!((c.overdue, c.at_risk, c.latest_document), (0, 0, None));

    // Three assignments and one closure, all today.
    let days = s
        .activity_by_day(today.add_days(-365).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(
        (days[0].day, days[0].assigned, days[0].closed),
        (today, 3, 1)
    );
    let sl = s
        .activity_by_day(today.add_days(-365).unwrap(), Some(&[f.sl]))
        .await
        .unwrap();
    assert_eq!((sl[0].assigned, sl[0].closed), (1, 0));
    assert!(
        s.activity_by_day(today.add_days(1).unwrap(), None)
            .await
            .unwrap()
            .is_empty()
    );
    db.finish().await;
}

async fn the_review_queue_lists_submitted_progress_reports(db: TestDb) {
    let s = &db.store;
    let f = fixture(s).await;
    // Two progress reports are waiting (the closed task's progress report
    // too: reviewing the completion does not review it); the completion
    // report is reviewed through its task and is not listed.
    let all = s.submitted_reports(None, 50, 0).await.unwrap();
    assert_eq!(
        all.iter().map(|p| p.report.task).collect::<Vec<_>>(),
        vec![f.children[1], f.children[0]],
        "newest first"
    );
    assert!(
        all.iter()
            .all(|p| p.report.review == ReviewState::Submitted)
    );
    assert_eq!(all[0].task_lead.as_ref().unwrap().name.as_str(), "省科技厅");
    assert_eq!(s.submitted_reports(None, 1, 1).await.unwrap().len(), 1);
    // Scoped: 发改委 sees the report on its task only; 科技厅 both (co-unit);
    // 水利厅 none.
    let fgw = s.submitted_reports(Some(&[f.fgw]), 50, 0).await.unwrap();
    assert_eq!(fgw.len(), 1);
    assert_eq!(fgw[0].report.task, f.children[0]);
    assert_eq!(
        s.submitted_reports(Some(&[f.kj]), 50, 0)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        s.submitted_reports(Some(&[f.sl]), 50, 0)
            .await
            .unwrap()
            .is_empty()
    );
    // Reviewed reports leave the queue.
    let r = &all[0].report;
    s.review_report(&office(), r.id, r.version, true, None)
        .await
        .unwrap();
    assert_eq!(s.submitted_reports(None, 50, 0).await.unwrap().len(), 1);
    db.finish().await;
}

engine_tests!(
    the_ledger_filters_by_theme_and_deadline_range,
    dashboard_counts_are_scoped,
    the_review_queue_lists_submitted_progress_reports,
);
