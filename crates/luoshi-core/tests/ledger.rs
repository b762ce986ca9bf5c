//! The storage suite: every test runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used)]

mod helpers;

use std::collections::BTreeMap;
use std::sync::Arc;

use helpers::{COMMUNIQUE, TestDb, day, office, person, text, unit};
use luoshi_core::{
    DocumentName, Ingested, Ledger, ManualClock, NewAssignment, NewDocument, NewReport, Percent,
    Period, Problem, ReportKind, ReviewState, Status, StatusFilter, Store, StoreError, Task,
    TaskFilter, TaskId, TaskKind, TaskSort, Version,
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

async fn add_units(store: &Store) {
    let actor = person("管理员");
    store.add_unit(&actor, &unit("省政府"), None).await.unwrap();
    store
        .add_unit(&actor, &unit("省发展改革委"), Some(&unit("省政府")))
        .await
        .unwrap();
    store
        .add_unit(&actor, &unit("省科技厅"), Some(&unit("省政府")))
        .await
        .unwrap();
    store
        .add_unit(&actor, &unit("省水利厅"), Some(&unit("省政府")))
        .await
        .unwrap();
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
        done: text("已召开专题会议，起草实施方案初稿。"),
        next_steps: Some(text("征求有关部门意见。")),
        percent: Percent::new(percent).unwrap(),
        problems: Some(text("用地指标紧张。")),
        evidence: None,
    }
}

fn code<T: std::fmt::Debug>(r: Result<T, StoreError>) -> &'static str {
    r.unwrap_err().code()
}

async fn event_count(db: &TestDb) -> i64 {
    db.raw.int("SELECT COUNT(*) FROM audit_events").await
}

/// A task of kind `task` (not a theme) by its position in the document.
fn nth_task(ingested: &Ingested, n: usize) -> Task {
    ingested
        .tasks
        .iter()
        .filter(|t| t.kind == TaskKind::Task)
        .nth(n)
        .cloned()
        .unwrap()
}

async fn ingest_stores_the_tree_as_drafts(db: TestDb) {
    let ingested = ingest(&db.store).await;
    assert_eq!(ingested.tasks.len(), 4);
    assert!(ingested.tasks.iter().all(|t| t.status == Status::Draft));
    assert_eq!(ingested.meeting.body.as_deref(), Some("省委常委会"));
    assert_eq!(ingested.meeting.held_on.as_deref(), Some("2026-03-05"));
    assert_eq!(ingested.document.source, COMMUNIQUE);
    assert_eq!(
        ingested.document.name.as_deref(),
        Some("省委常委会会议通稿.txt")
    );
    assert!(ingested.document.extraction_json.contains("\"t1\""));

    // The tree survives: children point at the stored theme.
    let theme = &ingested.tasks[0];
    assert_eq!(theme.kind, TaskKind::Theme);
    assert_eq!(ingested.tasks[1].parent, Some(theme.id));
    assert_eq!(ingested.tasks[1].due_text.as_deref(), Some("6月底前"));
    // Spans index the stored source.
    for t in &ingested.tasks {
        assert_eq!(t.span.slice(&ingested.document.source), t.text.as_str());
    }
    // One event per record: document, meeting, four tasks.
    assert_eq!(event_count(&db).await, 6);
    assert!(db.store.verify().await.unwrap().is_ok());
    db.finish().await;
}

async fn a_bad_extraction_writes_nothing(db: TestDb) {
    let source = luoshi_extract::decode(COMMUNIQUE.as_bytes()).unwrap();
    let mut extraction = luoshi_extract::extract(&source);
    extraction.tasks[2].span = [10, 100_000];
    let err = db
        .store
        .ingest(
            &office(),
            NewDocument {
                name: None,
                source: &source,
                extraction: &extraction,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "extraction_invalid");
    assert!(err.to_string().contains("超出原文"), "{err}");
    assert_eq!(event_count(&db).await, 0);
    assert_eq!(db.raw.int("SELECT COUNT(*) FROM documents").await, 0);
    db.finish().await;
}

async fn units_form_a_hierarchy(db: TestDb) {
    add_units(&db.store).await;
    let units = db.store.units().await.unwrap();
    assert_eq!(units.len(), 4);
    assert_eq!(units[1].name.as_str(), "省发展改革委");
    assert_eq!(units[1].parent.as_ref().unwrap().name.as_str(), "省政府");
    assert_eq!(
        code(db.store.add_unit(&office(), &unit("省科技厅"), None).await),
        "duplicate"
    );
    let err = db
        .store
        .add_unit(&office(), &unit("省教育厅"), Some(&unit("不存在的单位")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    assert_eq!(err.to_string(), "未找到单位“不存在的单位”。");
    assert!(db.store.verify().await.unwrap().is_ok());
    db.finish().await;
}

/// Departments are renamed and regrouped (机构改革); their tasks follow.
async fn units_are_renamed_and_moved(db: TestDb) {
    add_units(&db.store).await;
    let s = &db.store;
    let ingested = ingest(s).await;
    let t = nth_task(&ingested, 0);
    s.assign(
        &office(),
        t.id,
        t.version,
        &assignment("省科技厅", &[], "2026-06-30"),
    )
    .await
    .unwrap();
    let before = s.unit(&unit("省科技厅")).await.unwrap();
    let renamed = s
        .change_unit(
            &office(),
            &unit("省科技厅"),
            before.version,
            Some(&unit("省科学技术厅")),
            None,
        )
        .await
        .unwrap();
    assert_eq!(renamed.id, before.id);
    assert_eq!(renamed.name.as_str(), "省科学技术厅");
    let task = s.task(t.id).await.unwrap();
    assert_eq!(task.assignment.unwrap().lead.name.as_str(), "省科学技术厅");
    // The old name is gone; a stale version and a taken name are refused.
    assert_eq!(code(s.unit(&unit("省科技厅")).await), "not_found");
    assert_eq!(
        code(
            s.change_unit(
                &office(),
                &unit("省科学技术厅"),
                before.version,
                None,
                Some(None)
            )
            .await
        ),
        "stale_version"
    );
    assert_eq!(
        code(
            s.change_unit(
                &office(),
                &unit("省科学技术厅"),
                renamed.version,
                Some(&unit("省水利厅")),
                None
            )
            .await
        ),
        "duplicate"
    );
    // Moving a unit under its own sub-unit is a cycle.
    let gov = s.unit(&unit("省政府")).await.unwrap();
    assert_eq!(
        code(
            s.change_unit(
                &office(),
                &unit("省政府"),
                gov.version,
                None,
                Some(Some(&unit("省水利厅")))
            )
            .await
        ),
        "unit_cycle"
    );
    let moved = s
        .change_unit(
            &office(),
            &unit("省科学技术厅"),
            renamed.version,
            None,
            Some(Some(&unit("省发展改革委"))),
        )
        .await
        .unwrap();
    assert_eq!(moved.parent.unwrap().name.as_str(), "省发展改革委");
    let top = s
        .change_unit(
            &office(),
            &unit("省科学技术厅"),
            moved.version,
            None,
            Some(None),
        )
        .await
        .unwrap();
    assert!(top.parent.is_none());
    assert!(s.verify().await.unwrap().is_ok());
    db.finish().await;
}

async fn the_full_life_cycle(db: TestDb) {
    add_units(&db.store).await;
    let ingested = ingest(&db.store).await;
    let task = nth_task(&ingested, 0);
    let s = &db.store;

    // Draft: nothing but assignment is allowed.
    assert_eq!(
        code(s.add_report(&office(), task.id, &report(10)).await),
        "task_not_assigned"
    );
    assert_eq!(
        code(s.close_task(&office(), task.id, task.version).await),
        "no_completion_request"
    );

    let t = s
        .assign(
            &office(),
            task.id,
            task.version,
            &assignment("省发展改革委", &["省科技厅"], "2026-06-30"),
        )
        .await
        .unwrap();
    assert_eq!(t.status, Status::Assigned);
    let a = t.assignment.as_ref().unwrap();
    assert_eq!(a.lead.name.as_str(), "省发展改革委");
    assert_eq!(a.co_units[0].name.as_str(), "省科技厅");
    assert_eq!(a.deadline, day("2026-06-30"));
    assert_eq!(t.version, Version(task.version.0 + 1));

    // Completion cannot be requested before any progress.
    assert_eq!(
        code(
            s.request_close(&office(), t.id, t.version, &text("方案已印发"))
                .await
        ),
        "illegal_transition"
    );

    // The first report starts the work; a co-unit may report too.
    db.clock.advance_days(20);
    let r1 = s
        .add_report(&person("李四"), t.id, &report(30))
        .await
        .unwrap();
    assert_eq!(r1.review, ReviewState::Submitted);
    assert_eq!(r1.unit.as_ref().unwrap().name.as_str(), "省发展改革委");
    let t = s.task(t.id).await.unwrap();
    assert_eq!(t.status, Status::InProgress);
    let mut by_co = report(40);
    by_co.unit = Some(unit("省科技厅"));
    s.add_report(&person("赵六"), t.id, &by_co).await.unwrap();
    let mut by_stranger = report(40);
    by_stranger.unit = Some(unit("省水利厅"));
    assert_eq!(
        code(s.add_report(&person("钱七"), t.id, &by_stranger).await),
        "not_a_unit_of_task"
    );
    // Reports do not change an in-progress task.
    assert_eq!(s.task(t.id).await.unwrap().version, t.version);

    // Suspend and resume.
    let t = s
        .suspend(&office(), t.id, t.version, &text("等待上级政策明确"))
        .await
        .unwrap();
    assert_eq!(t.status.code(), "suspended");
    assert_eq!(
        code(s.add_report(&office(), t.id, &report(50)).await),
        "task_suspended"
    );
    let t = s.resume(&office(), t.id, t.version).await.unwrap();
    assert_eq!(t.status, Status::InProgress);
    assert_eq!(
        code(s.resume(&office(), t.id, t.version).await),
        "task_not_suspended"
    );

    // Request, return with a reason, request again, close.
    let t = s
        .request_close(
            &person("李四"),
            t.id,
            t.version,
            &text("实施方案已印发（文号略）"),
        )
        .await
        .unwrap();
    assert_eq!(t.status, Status::CompletionRequested);
    assert_eq!(
        code(s.add_report(&office(), t.id, &report(100)).await),
        "completion_pending"
    );
    let t = s
        .return_task(
            &office(),
            t.id,
            t.version,
            &text("佐证材料不全，请补充印发文件"),
        )
        .await
        .unwrap();
    assert_eq!(t.status, Status::InProgress);
    let t = s
        .request_close(
            &person("李四"),
            t.id,
            t.version,
            &text("已补充印发文件扫描件"),
        )
        .await
        .unwrap();
    let t = s.close_task(&office(), t.id, t.version).await.unwrap();
    assert_eq!(t.status, Status::Closed);
    for action in [
        s.add_report(&office(), t.id, &report(100))
            .await
            .map(|_| ()),
        s.suspend(&office(), t.id, t.version, &text("x"))
            .await
            .map(|_| ()),
        s.assign(
            &office(),
            t.id,
            t.version,
            &assignment("省科技厅", &[], "2026-12-31"),
        )
        .await
        .map(|_| ()),
    ] {
        assert_eq!(code(action), "task_closed");
    }

    // The timeline tells the story.
    let detail = s.task_detail(t.id).await.unwrap();
    let kinds: Vec<(ReportKind, ReviewState)> =
        detail.reports.iter().map(|r| (r.kind, r.review)).collect();
    assert_eq!(
        kinds,
        [
            (ReportKind::Progress, ReviewState::Submitted),
            (ReportKind::Progress, ReviewState::Submitted),
            (ReportKind::Completion, ReviewState::Returned),
            (ReportKind::Completion, ReviewState::Accepted),
        ]
    );
    assert_eq!(
        detail.reports[2].review_note.as_deref(),
        Some("佐证材料不全，请补充印发文件")
    );
    let actions: Vec<(&str, &str)> = detail
        .events
        .iter()
        .map(|e| (e.table.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("tasks", "create"),
            ("tasks", "assign"),
            ("task_co_units", "create"),
            ("progress_reports", "create"),
            ("tasks", "report"),
            ("progress_reports", "create"),
            ("tasks", "suspend"),
            ("tasks", "resume"),
            ("progress_reports", "create"),
            ("tasks", "request_close"),
            ("progress_reports", "return"),
            ("tasks", "return"),
            ("progress_reports", "create"),
            ("tasks", "request_close"),
            ("progress_reports", "accept"),
            ("tasks", "close"),
        ]
    );
    let suspend = detail
        .events
        .iter()
        .find(|e| e.action == "suspend")
        .unwrap();
    assert_eq!(suspend.note.as_deref(), Some("等待上级政策明确"));
    assert_eq!(suspend.actor, "督查室王五");
    assert!(
        suspend
            .before
            .as_deref()
            .unwrap()
            .contains("\"in_progress\"")
    );
    assert!(suspend.after.as_deref().unwrap().contains("\"suspended\""));

    let report = s.verify().await.unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(
        report.events,
        u64::try_from(event_count(&db).await).unwrap()
    );
    db.finish().await;
}

async fn illegal_actions_change_nothing(db: TestDb) {
    add_units(&db.store).await;
    let ingested = ingest(&db.store).await;
    let task = nth_task(&ingested, 1);
    let before = event_count(&db).await;
    assert!(
        db.store
            .add_report(&office(), task.id, &report(10))
            .await
            .is_err()
    );
    assert!(
        db.store
            .close_task(&office(), task.id, task.version)
            .await
            .is_err()
    );
    assert!(
        db.store
            .assign(
                &office(),
                task.id,
                task.version,
                &assignment("不存在", &[], "2026-06-30")
            )
            .await
            .is_err()
    );
    assert_eq!(
        code(
            db.store
                .assign(
                    &office(),
                    task.id,
                    task.version,
                    &assignment("省科技厅", &["省科技厅"], "2026-06-30")
                )
                .await
        ),
        "lead_also_co_unit"
    );
    assert_eq!(code(db.store.task(TaskId(9999)).await), "not_found");
    assert_eq!(event_count(&db).await, before);
    assert_eq!(db.store.task(task.id).await.unwrap(), task);
    db.finish().await;
}

async fn a_stale_version_is_a_conflict(db: TestDb) {
    add_units(&db.store).await;
    let ingested = ingest(&db.store).await;
    let seen = nth_task(&ingested, 0);
    // Two people open the same task; the first one assigns it.
    let first = db
        .store
        .assign(
            &office(),
            seen.id,
            seen.version,
            &assignment("省发展改革委", &[], "2026-06-30"),
        )
        .await
        .unwrap();
    let events = event_count(&db).await;
    // The second one still holds the old version.
    let err = db
        .store
        .assign(
            &office(),
            seen.id,
            seen.version,
            &assignment("省科技厅", &[], "2026-09-30"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "stale_version");
    assert!(err.to_string().contains("已被他人修改"), "{err}");
    assert_eq!(
        code(
            db.store
                .suspend(&office(), seen.id, seen.version, &text("x"))
                .await
        ),
        "stale_version"
    );
    // Nothing changed.
    assert_eq!(db.store.task(seen.id).await.unwrap(), first);
    assert_eq!(event_count(&db).await, events);
    // With the current version it works.
    let second = db
        .store
        .assign(
            &office(),
            first.id,
            first.version,
            &assignment("省科技厅", &[], "2026-09-30"),
        )
        .await
        .unwrap();
    assert_eq!(second.assignment.unwrap().lead.name.as_str(), "省科技厅");
    db.finish().await;
}

async fn reassigning_keeps_removed_co_units(db: TestDb) {
    add_units(&db.store).await;
    let ingested = ingest(&db.store).await;
    let t = nth_task(&ingested, 0);
    let s = &db.store;
    let t = s
        .assign(
            &office(),
            t.id,
            t.version,
            &assignment("省发展改革委", &["省科技厅", "省水利厅"], "2026-06-30"),
        )
        .await
        .unwrap();
    let t = s
        .assign(
            &office(),
            t.id,
            t.version,
            &assignment("省发展改革委", &["省水利厅"], "2026-06-30"),
        )
        .await
        .unwrap();
    let names: Vec<&str> = t
        .assignment
        .as_ref()
        .unwrap()
        .co_units
        .iter()
        .map(|u| u.name.as_str())
        .collect();
    assert_eq!(names, ["省水利厅"]);
    let t = s
        .assign(
            &office(),
            t.id,
            t.version,
            &assignment("省发展改革委", &["省科技厅"], "2026-06-30"),
        )
        .await
        .unwrap();
    let names: Vec<&str> = t
        .assignment
        .as_ref()
        .unwrap()
        .co_units
        .iter()
        .map(|u| u.name.as_str())
        .collect();
    assert_eq!(names, ["省科技厅"]);
    // Nothing was deleted: both rows remain, one removed.
    assert_eq!(db.raw.int("SELECT COUNT(*) FROM task_co_units").await, 2);
    assert_eq!(
        db.raw
            .int("SELECT COUNT(*) FROM task_co_units WHERE state = 'removed'")
            .await,
        1
    );
    // A removed co-unit no longer sees the task.
    let water = s
        .tasks(&TaskFilter {
            unit: Some(unit("省水利厅")),
            ..TaskFilter::default()
        })
        .await
        .unwrap();
    assert!(water.is_empty());
    assert!(s.verify().await.unwrap().is_ok());
    db.finish().await;
}

async fn lists_filter_by_unit_status_and_overdue(db: TestDb) {
    add_units(&db.store).await;
    let ingested = ingest(&db.store).await;
    let s = &db.store;
    let a = nth_task(&ingested, 0);
    let b = nth_task(&ingested, 1);
    let c = nth_task(&ingested, 2);
    let a = s
        .assign(
            &office(),
            a.id,
            a.version,
            &assignment("省发展改革委", &["省科技厅"], "2026-06-30"),
        )
        .await
        .unwrap();
    let b = s
        .assign(
            &office(),
            b.id,
            b.version,
            &assignment("省科技厅", &[], "2026-12-31"),
        )
        .await
        .unwrap();
    let c = s
        .assign(
            &office(),
            c.id,
            c.version,
            &assignment("省水利厅", &[], "2026-04-30"),
        )
        .await
        .unwrap();

    let ids = |tasks: Vec<Task>| tasks.into_iter().map(|t| t.id).collect::<Vec<_>>();
    let by_unit = |name: &str| TaskFilter {
        unit: Some(unit(name)),
        ..TaskFilter::default()
    };
    // The lead unit and the co-unit both see a.
    assert_eq!(
        ids(s.tasks(&by_unit("省发展改革委")).await.unwrap()),
        [a.id]
    );
    assert_eq!(
        ids(s.tasks(&by_unit("省科技厅")).await.unwrap()),
        [a.id, b.id]
    );
    assert_eq!(ids(s.tasks(&by_unit("省政府")).await.unwrap()), []);
    assert_eq!(code(s.tasks(&by_unit("不存在")).await), "not_found");

    // Overdue is derived from the day asked about.
    let overdue_on = |d: &str| TaskFilter {
        overdue_on: Some(day(d)),
        ..TaskFilter::default()
    };
    assert_eq!(ids(s.tasks(&overdue_on("2026-04-30")).await.unwrap()), []);
    assert_eq!(
        ids(s.tasks(&overdue_on("2026-05-01")).await.unwrap()),
        [c.id]
    );
    assert_eq!(
        ids(s.tasks(&overdue_on("2026-07-01")).await.unwrap()),
        [a.id, c.id]
    );
    assert_eq!(
        ids(s.tasks(&overdue_on("2027-01-01")).await.unwrap()),
        [a.id, b.id, c.id]
    );
    assert!(c.is_overdue(day("2026-05-01")));
    assert!(!c.is_overdue(day("2026-04-30")));

    // A task awaiting acceptance or suspended is not overdue; after a
    // return it is again.
    s.add_report(&office(), a.id, &report(90)).await.unwrap();
    let a = s.task(a.id).await.unwrap();
    let a = s
        .request_close(&office(), a.id, a.version, &text("已完成"))
        .await
        .unwrap();
    let c = s
        .suspend(&office(), c.id, c.version, &text("汛期暂停"))
        .await
        .unwrap();
    assert_eq!(ids(s.tasks(&overdue_on("2026-07-01")).await.unwrap()), []);
    let a = s
        .return_task(&office(), a.id, a.version, &text("材料不全"))
        .await
        .unwrap();
    assert_eq!(
        ids(s.tasks(&overdue_on("2026-07-01")).await.unwrap()),
        [a.id]
    );

    // Overdue is never stored: the row holds only the status.
    assert_eq!(
        db.raw
            .int("SELECT COUNT(*) FROM tasks WHERE status NOT IN ('draft','assigned','in_progress','completion_requested','closed','suspended')")
            .await,
        0
    );

    // Status filters, together with the unit.
    let filter = |status: &str, unit_name: Option<&str>| TaskFilter {
        status: Some(StatusFilter::parse(status).unwrap()),
        unit: unit_name.map(unit),
        ..TaskFilter::default()
    };
    assert_eq!(
        ids(s.tasks(&filter("suspended", None)).await.unwrap()),
        [c.id]
    );
    assert_eq!(
        ids(s
            .tasks(&filter("in_progress", Some("省科技厅")))
            .await
            .unwrap()),
        [a.id]
    );
    assert_eq!(
        ids(s
            .tasks(&filter("assigned", Some("省科技厅")))
            .await
            .unwrap()),
        [b.id]
    );
    // Only the theme is left unassigned.
    assert_eq!(s.tasks(&filter("draft", None)).await.unwrap().len(), 1);
    assert_eq!(s.tasks(&filter("open", None)).await.unwrap().len(), 4);
    assert_eq!(
        StatusFilter::parse("late").unwrap_err().code(),
        "value_unknown_status"
    );

    // Counts by lead unit and status.
    let counts: Vec<(Option<String>, &str, i64)> = s
        .counts_by_unit_status()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.unit.map(|u| u.name.to_string()), c.status, c.count))
        .collect();
    assert!(counts.contains(&(None, "draft", 1)), "{counts:?}");
    assert!(counts.contains(&(Some("省发展改革委".into()), "in_progress", 1)));
    assert!(counts.contains(&(Some("省科技厅".into()), "assigned", 1)));
    assert!(counts.contains(&(Some("省水利厅".into()), "suspended", 1)));
    assert_eq!(counts.iter().map(|c| c.2).sum::<i64>(), 4);
    db.finish().await;
}

/// Runs a cycle that touches every audited table.
async fn some_history(db: &TestDb) -> Ingested {
    add_units(&db.store).await;
    let ingested = ingest(&db.store).await;
    let t = nth_task(&ingested, 0);
    let t = db
        .store
        .assign(
            &office(),
            t.id,
            t.version,
            &assignment("省发展改革委", &["省科技厅"], "2026-06-30"),
        )
        .await
        .unwrap();
    db.store
        .add_report(&office(), t.id, &report(50))
        .await
        .unwrap();
    let report = db.store.verify().await.unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    ingested
}

async fn verify_reports_a_row_edited_behind_its_back(db: TestDb) {
    let ingested = some_history(&db).await;
    let id = nth_task(&ingested, 1).id.0;
    db.raw
        .exec(&format!(
            "UPDATE tasks SET title = '改过的标题' WHERE id = {id}"
        ))
        .await
        .unwrap();
    let report = db.store.verify().await.unwrap();
    assert_eq!(
        report.problems,
        [Problem::RowAltered { table: "tasks", id }]
    );
    let p = &report.problems[0];
    assert_eq!(p.code(), "row_altered");
    assert_eq!((p.table(), p.id()), (Some("tasks"), Some(id)));
    assert!(p.to_string().contains("表 tasks 中 id 为"), "{p}");

    // Even a change that keeps the version is seen; so is one in another table.
    db.raw
        .exec("UPDATE progress_reports SET percent = 100")
        .await
        .unwrap();
    db.raw
        .exec("UPDATE documents SET source = source || '（补）'")
        .await
        .unwrap();
    let report = db.store.verify().await.unwrap();
    let tables: Vec<&str> = report.problems.iter().filter_map(Problem::table).collect();
    assert_eq!(tables, ["documents", "tasks", "progress_reports"]);
    db.finish().await;
}

/// The counts by unit and status follow every change of lead unit and
/// status, and a count edited behind the ledger's back is reported.
async fn kept_counts_follow_the_tasks(db: TestDb) {
    some_history(&db).await;
    let s = &db.store;
    let counted = |tasks: Vec<luoshi_core::Task>| {
        let mut by: BTreeMap<(Option<String>, &'static str), i64> = BTreeMap::new();
        for t in tasks {
            let unit = t.assignment.map(|a| a.lead.name.to_string());
            *by.entry((unit, t.status.code())).or_default() += 1;
        }
        by
    };
    let kept = |counts: Vec<luoshi_core::UnitStatusCount>| {
        counts
            .into_iter()
            .map(|c| ((c.unit.map(|u| u.name.to_string()), c.status), c.count))
            .collect::<BTreeMap<_, _>>()
    };
    let all = s.tasks(&TaskFilter::default()).await.unwrap();
    assert_eq!(
        kept(s.counts_by_unit_status().await.unwrap()),
        counted(all.clone())
    );
    // Move a task to another lead unit: both units' counts change.
    let t = all.iter().find(|t| t.assignment.is_some()).unwrap().clone();
    s.assign(
        &office(),
        t.id,
        t.version,
        &assignment("省水利厅", &[], "2026-09-30"),
    )
    .await
    .unwrap();
    let all = s.tasks(&TaskFilter::default()).await.unwrap();
    assert_eq!(kept(s.counts_by_unit_status().await.unwrap()), counted(all));
    assert!(s.verify().await.unwrap().is_ok());

    let water = db
        .raw
        .int("SELECT id FROM units WHERE name = '省水利厅'")
        .await;
    db.raw
        .exec(&format!(
            "UPDATE unit_task_counts SET closed = closed + 1 WHERE unit_key = {water}"
        ))
        .await
        .unwrap();
    let report = s.verify().await.unwrap();
    assert_eq!(report.problems, [Problem::CountsDiffer { unit: water }]);
    assert_eq!(report.problems[0].code(), "task_counts_differ");
    db.finish().await;
}

async fn verify_reports_inserted_and_deleted_rows(db: TestDb) {
    some_history(&db).await;
    db.raw
        .exec("INSERT INTO units (id, version, name, parent_id, created_at) VALUES (100, 1, '影子单位', NULL, 0)")
        .await
        .unwrap();
    // The water bureau has no tasks or children, so it can be deleted.
    let water = db
        .raw
        .int("SELECT id FROM units WHERE name = '省水利厅'")
        .await;
    db.raw
        .exec(&format!("DELETE FROM units WHERE id = {water}"))
        .await
        .unwrap();
    let co_unit = db.raw.int("SELECT MIN(id) FROM task_co_units").await;
    db.raw
        .exec(&format!("DELETE FROM task_co_units WHERE id = {co_unit}"))
        .await
        .unwrap();
    let report = db.store.verify().await.unwrap();
    let mut problems = report.problems.clone();
    problems.sort_by_key(|p| (p.code(), p.table().map(str::to_owned), p.id()));
    assert_eq!(
        problems,
        [
            Problem::RowMissing {
                table: "task_co_units",
                id: co_unit
            },
            Problem::RowMissing {
                table: "units",
                id: water
            },
            Problem::RowUnrecorded {
                table: "units",
                id: 100
            },
        ]
    );
    db.finish().await;
}

async fn audit_rows_are_never_deleted(db: TestDb) {
    some_history(&db).await;
    let events = event_count(&db).await;
    // The database itself refuses to change or remove an event.
    assert!(db.raw.exec("DELETE FROM audit_events").await.is_err());
    assert!(
        db.raw
            .exec("DELETE FROM audit_events WHERE id = 1")
            .await
            .is_err()
    );
    assert!(
        db.raw
            .exec("UPDATE audit_events SET actor = '他人'")
            .await
            .is_err()
    );
    assert_eq!(event_count(&db).await, events);

    // Every operation only appends.
    let mut last = events;
    for name in ["省教育厅", "省财政厅"] {
        db.store
            .add_unit(&office(), &unit(name), None)
            .await
            .unwrap();
        let now = event_count(&db).await;
        assert_eq!(now, last + 1);
        last = now;
    }
    assert_eq!(db.raw.int("SELECT MIN(id) FROM audit_events").await, 1);
    assert_eq!(db.raw.int("SELECT MAX(id) FROM audit_events").await, last);
    db.finish().await;
}

async fn verify_reports_a_tampered_trail(db: TestDb) {
    some_history(&db).await;
    // Someone with full database rights switches the guard off.
    match db.engine {
        helpers::Engine::Sqlite => {
            db.raw
                .exec("DROP TRIGGER audit_events_no_update")
                .await
                .unwrap();
            db.raw
                .exec("DROP TRIGGER audit_events_no_delete")
                .await
                .unwrap();
        }
        helpers::Engine::Postgres => {
            db.raw
                .exec("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change")
                .await
                .unwrap();
        }
    }
    db.raw
        .exec("UPDATE audit_events SET actor = '他人' WHERE id = 2")
        .await
        .unwrap();
    db.raw
        .exec("DELETE FROM audit_events WHERE id = 5")
        .await
        .unwrap();
    let report = db.store.verify().await.unwrap();
    let codes: Vec<(&str, String)> = report
        .problems
        .iter()
        .map(|p| (p.code(), p.to_string()))
        .collect();
    assert!(
        report.problems.contains(&Problem::EventAltered {
            event: luoshi_core::EventId(2)
        }),
        "{codes:?}"
    );
    assert!(report.problems.contains(&Problem::ChainBroken {
        event: luoshi_core::EventId(6)
    }));
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.code() == "audit_event_out_of_sequence")
    );
    db.finish().await;
}

async fn the_store_reopens_and_keeps_its_trail(db: TestDb) {
    some_history(&db).await;
    // Opening again applies no migration twice and sees the same ledger.
    let clock = Arc::new(ManualClock::at_noon(helpers::start_day()));
    let again = Store::open(&db.url, clock).await.unwrap();
    assert_eq!(again.units().await.unwrap().len(), 4);
    again
        .add_unit(&office(), &unit("省教育厅"), None)
        .await
        .unwrap();
    assert!(again.verify().await.unwrap().is_ok());
    assert!(db.store.verify().await.unwrap().is_ok());
    assert_eq!(
        db.raw.int("SELECT COUNT(*) FROM schema_migrations").await,
        db.raw
            .int("SELECT COUNT(DISTINCT version) FROM schema_migrations")
            .await
    );
    assert_eq!(
        db.raw
            .int("SELECT MAX(version) FROM schema_migrations")
            .await,
        luoshi_core::SCHEMA_VERSION
    );
    again.close().await;
    db.finish().await;
}

async fn concurrent_writers_keep_one_chain(db: TestDb) {
    add_units(&db.store).await;
    let ingested = ingest(&db.store).await;
    let t = nth_task(&ingested, 0);
    db.store
        .assign(
            &office(),
            t.id,
            t.version,
            &assignment("省发展改革委", &["省科技厅"], "2026-06-30"),
        )
        .await
        .unwrap();
    // Reports and new units from many writers at once, interleaved.
    let mut writers = tokio::task::JoinSet::new();
    for i in 0..12 {
        let store = db.store.clone();
        writers.spawn(async move {
            if i % 3 == 0 {
                store
                    .add_unit(
                        &person("管理员"),
                        &unit(&format!("新单位{i}")),
                        Some(&unit("省政府")),
                    )
                    .await
                    .map(|_| ())
            } else {
                store
                    .add_report(&person("李四"), t.id, &report(i))
                    .await
                    .map(|_| ())
            }
        });
    }
    while let Some(done) = writers.join_next().await {
        done.unwrap().unwrap();
    }
    let detail = db.store.task_detail(t.id).await.unwrap();
    assert_eq!(detail.reports.len(), 8);
    assert_eq!(detail.task.status, Status::InProgress);
    let report = db.store.verify().await.unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(
        report.events,
        u64::try_from(event_count(&db).await).unwrap()
    );
    db.finish().await;
}

/// `dev seed` on small numbers: the requested counts, every row in the
/// trail, the same ledger for the same seed, an empty database only, and
/// ordinary writes still work after it.
async fn seed_builds_a_verified_ledger(db: TestDb) {
    let plan = luoshi_core::SeedPlan {
        units: 20,
        tasks: 300,
        reports: 1000,
        seed: 7,
    };
    let s = &db.store;
    let summary = s.seed(&person("种子"), &plan).await.unwrap();
    assert_eq!(
        (summary.units, summary.tasks, summary.reports),
        (20, 300, 1000)
    );
    assert_eq!(db.raw.int("SELECT COUNT(*) FROM units").await, 20);
    assert_eq!(db.raw.int("SELECT COUNT(*) FROM tasks").await, 300);
    assert_eq!(
        db.raw.int("SELECT COUNT(*) FROM progress_reports").await,
        1000
    );
    let events = i64::try_from(summary.events).unwrap();
    assert_eq!(
        db.raw.int("SELECT COUNT(*) FROM audit_events").await,
        events
    );
    let report = s.verify().await.unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);

    // Some of everything the interface shows.
    let today = helpers::start_day();
    let overdue = s
        .tasks(&TaskFilter {
            overdue_on: Some(today),
            ..TaskFilter::default()
        })
        .await
        .unwrap();
    assert!(!overdue.is_empty());
    let page = s
        .tasks(&TaskFilter {
            overdue_on: Some(today),
            limit: Some(3),
            ..TaskFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(page, overdue[..3]);
    let next = s
        .tasks(&TaskFilter {
            overdue_on: Some(today),
            after: Some(page[2].id),
            limit: Some(3),
            ..TaskFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(next, overdue[3..6]);
    let counts = s.counts_by_unit_status().await.unwrap();
    for status in ["draft", "assigned", "in_progress", "closed", "suspended"] {
        assert!(counts.iter().any(|c| c.status == status), "{status}");
    }

    // The same seed, the same ledger (the clock is the same too).
    let other = TestDb::open(db.engine).await;
    other.store.seed(&person("种子"), &plan).await.unwrap();
    assert_eq!(other.store.verify().await.unwrap().head, report.head);
    other.finish().await;

    // Only into an empty database.
    assert!(s.seed(&person("种子"), &plan).await.is_err());
    // Ordinary writes go on after it, on the same chain.
    s.add_unit(&person("管理员"), &unit("新设单位"), None)
        .await
        .unwrap();
    assert!(s.verify().await.unwrap().is_ok());
    db.finish().await;
}

async fn lists_search_in_either_script_sort_and_skip(db: TestDb) {
    let s = &db.store;
    let ingested = ingest(s).await;
    let all = s.tasks(&TaskFilter::default()).await.unwrap();
    let target = &ingested.tasks[1];
    let needle: String = target.title.as_str().chars().take(4).collect();
    let search = |q: String| TaskFilter {
        q: Some(q),
        ..TaskFilter::default()
    };
    let found = s.tasks(&search(needle.clone())).await.unwrap();
    assert!(found.iter().any(|t| t.id == target.id), "{needle}");
    assert!(found.len() < all.len());
    let traditional = hanconv::s2t(&needle);
    assert_eq!(s.tasks(&search(traditional)).await.unwrap(), found);
    assert!(s.tasks(&search("100%_\\".into())).await.unwrap().is_empty());

    let newest_first = s
        .tasks(&TaskFilter {
            sort: TaskSort::IdDesc,
            ..TaskFilter::default()
        })
        .await
        .unwrap();
    let mut reversed = all.clone();
    reversed.reverse();
    assert_eq!(newest_first, reversed);
    let second_page = s
        .tasks(&TaskFilter {
            sort: TaskSort::IdDesc,
            limit: Some(2),
            offset: Some(2),
            ..TaskFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(second_page, reversed[2..4]);
    let skipped = s
        .tasks(&TaskFilter {
            offset: Some(1),
            ..TaskFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(skipped, all[1..]);
    for sort in [
        TaskSort::Deadline,
        TaskSort::DeadlineDesc,
        TaskSort::Status,
        TaskSort::Updated,
        TaskSort::UpdatedDesc,
    ] {
        let sorted = s
            .tasks(&TaskFilter {
                sort,
                ..TaskFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(sorted.len(), all.len(), "{sort:?}");
    }
    let docs = s.documents(None, 10).await.unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].id, ingested.document.id);
    assert_eq!(docs[0].title, ingested.meeting.title);
    assert!(s.documents(Some(docs[0].id), 10).await.unwrap().is_empty());
    db.finish().await;
}

/// The rows `task_readers` must hold, recomputed from the tasks and
/// co-units: each lead unit and active co-unit for its task and for the
/// task's parent when that is a theme.
const READERS_EXPECTED: &str = "SELECT r.unit_id, x.id AS task_id, r.via
     FROM (SELECT lead_unit_id AS unit_id, id AS via FROM tasks WHERE lead_unit_id IS NOT NULL
           UNION SELECT unit_id, task_id FROM task_co_units WHERE state = 'active') r
     JOIN (SELECT id, id AS via FROM tasks
           UNION SELECT p.id, c.id FROM tasks c JOIN tasks p ON p.id = c.parent_id
           WHERE p.kind = 'theme') x ON x.via = r.via";

/// How many rows of `task_readers` are missing or extra.
async fn readers_differ(raw: &helpers::Raw) -> i64 {
    let kept = "SELECT unit_id, task_id, via FROM task_readers";
    raw.int(&format!(
        "SELECT COUNT(*) FROM ({kept} EXCEPT {READERS_EXPECTED}) a"
    ))
    .await
        + raw
            .int(&format!(
                "SELECT COUNT(*) FROM ({READERS_EXPECTED} EXCEPT {kept}) b"
            ))
            .await
}

/// The visibility rule computed from whole tasks: what
/// `TaskFilter::visible_units` must return.
fn visible_by_rule(all: &[Task], units: &[luoshi_core::UnitId]) -> Vec<TaskId> {
    let direct = |t: &Task| {
        t.assignment.as_ref().is_some_and(|a| {
            units.contains(&a.lead.id) || a.co_units.iter().any(|c| units.contains(&c.id))
        })
    };
    all.iter()
        .filter(|t| {
            direct(t)
                || (t.kind == TaskKind::Theme
                    && all.iter().any(|c| c.parent == Some(t.id) && direct(c)))
        })
        .map(|t| t.id)
        .collect()
}

async fn readers_follow_the_units_of_each_task(db: TestDb) {
    let plan = luoshi_core::SeedPlan {
        units: 12,
        tasks: 240,
        reports: 50,
        seed: 5,
    };
    let s = &db.store;
    s.seed(&person("种子"), &plan).await.unwrap();
    assert!(db.raw.int("SELECT COUNT(*) FROM task_readers").await > 240);
    assert_eq!(readers_differ(&db.raw).await, 0);

    // Re-assign tasks to other leads, adding, dropping and restoring
    // co-units.
    let units = s.units().await.unwrap();
    let all = s.tasks(&TaskFilter::default()).await.unwrap();
    // Drafts among them: a lead unit where there was none.
    let assigned: Vec<&Task> = all
        .iter()
        .filter(|t| t.kind == TaskKind::Task)
        .filter(|t| {
            matches!(
                t.status,
                Status::Draft | Status::Assigned | Status::InProgress
            )
        })
        .take(12)
        .collect();
    assert_eq!(assigned.len(), 12);
    for (i, t) in assigned.iter().enumerate() {
        let lead = &units[1 + i % (units.len() - 1)].name;
        let co: Vec<luoshi_core::UnitName> = units[1..]
            .iter()
            .map(|u| u.name.clone())
            .filter(|n| n != lead)
            .skip(i % 3)
            .take(i % 3)
            .collect();
        let a = NewAssignment {
            lead: lead.clone(),
            co_units: co,
            owner: None,
            deadline: day("2026-12-31"),
        };
        let t = s.assign(&office(), t.id, t.version, &a).await.unwrap();
        // Again without co-units, then with the first ones back.
        let bare = NewAssignment {
            co_units: Vec::new(),
            ..a.clone()
        };
        let t = s.assign(&office(), t.id, t.version, &bare).await.unwrap();
        if i % 2 == 0 {
            s.assign(&office(), t.id, t.version, &a).await.unwrap();
        }
        assert_eq!(readers_differ(&db.raw).await, 0, "after task {}", t.id);
    }

    // The lists a scoped reader gets follow the rule exactly, whole and
    // paged in each order.
    let all = s.tasks(&TaskFilter::default()).await.unwrap();
    let ids: Vec<luoshi_core::UnitId> = units.iter().map(|u| u.id).collect();
    for set in [
        vec![ids[1]],
        vec![ids[2], ids[5]],
        ids[3..9].to_vec(),
        vec![ids[0]],
        Vec::new(),
    ] {
        let expected = visible_by_rule(&all, &set);
        let scoped = |sort: TaskSort, limit: Option<u32>| TaskFilter {
            visible_units: Some(set.clone()),
            sort,
            limit,
            ..TaskFilter::default()
        };
        let got: Vec<TaskId> = s
            .tasks(&scoped(TaskSort::Id, None))
            .await
            .unwrap()
            .iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(got, expected, "units {set:?}");
        for sort in [TaskSort::Deadline, TaskSort::DeadlineDesc, TaskSort::Status] {
            let whole = s.tasks(&scoped(sort, None)).await.unwrap();
            let page = s.tasks(&scoped(sort, Some(7))).await.unwrap();
            assert_eq!(page[..], whole[..whole.len().min(7)], "{sort:?}");
            let mut sorted: Vec<TaskId> = whole.iter().map(|t| t.id).collect();
            sorted.sort_unstable();
            assert_eq!(sorted, expected, "{sort:?} {set:?}");
        }
        for t in all.iter().take(60) {
            assert_eq!(
                s.task_visible(t.id, &set).await.unwrap(),
                expected.contains(&t.id),
                "task {} units {set:?}",
                t.id
            );
        }
    }

    // A restored copy has the same rows: restore's inserts fill them.
    let dir = std::env::temp_dir().join(format!(
        "luoshi_readers_backup_{}_{:?}",
        std::process::id(),
        db.engine
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("backup.db");
    let _ = std::fs::remove_file(&path);
    s.backup(&path).await.unwrap();
    let target = TestDb::open(db.engine).await;
    target.store.restore(&path).await.unwrap();
    assert_eq!(readers_differ(&target.raw).await, 0);
    assert_eq!(
        target.raw.int("SELECT COUNT(*) FROM task_readers").await,
        db.raw.int("SELECT COUNT(*) FROM task_readers").await
    );
    target.finish().await;
    let _ = std::fs::remove_dir_all(&dir);
    db.finish().await;
}

engine_tests!(
    lists_search_in_either_script_sort_and_skip,
    seed_builds_a_verified_ledger,
    concurrent_writers_keep_one_chain,
    ingest_stores_the_tree_as_drafts,
    a_bad_extraction_writes_nothing,
    units_form_a_hierarchy,
    units_are_renamed_and_moved,
    the_full_life_cycle,
    illegal_actions_change_nothing,
    a_stale_version_is_a_conflict,
    reassigning_keeps_removed_co_units,
    lists_filter_by_unit_status_and_overdue,
    verify_reports_a_row_edited_behind_its_back,
    verify_reports_inserted_and_deleted_rows,
    kept_counts_follow_the_tasks,
    audit_rows_are_never_deleted,
    verify_reports_a_tampered_trail,
    the_store_reopens_and_keeps_its_trail,
    readers_follow_the_units_of_each_task,
);

#[tokio::test]
async fn an_unknown_url_scheme_is_a_clear_error() {
    let clock = Arc::new(ManualClock::at_noon(helpers::start_day()));
    let err = Store::open("mysql://root:secret@localhost/luoshi", clock)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "database_url_unsupported");
    assert!(err.to_string().contains("sqlite://"), "{err}");
    assert!(!err.to_string().contains("secret"));
}
