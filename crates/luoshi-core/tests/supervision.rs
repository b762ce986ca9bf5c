//! Supervision on both engines: reporting cycles, reports due and missed,
//! warning cards raised once, escalated, cleared, the audit trail and
//! backups carrying it all, with a clock moved through the months.

#![allow(clippy::unwrap_used)]

mod helpers;

use helpers::{COMMUNIQUE, TestDb, day, office, person, text, unit};
use luoshi_core::{
    CardFilter, Cycle, DocumentName, DueFilter, Ingested, Ledger, NewAssignment, NewDocument,
    NewReport, Percent, Period, Store, StoreError, Task, TaskKind, Version, WarningRules,
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

/// Ingests the communiqué, adds units and assigns its three tasks on the
/// start day (2026-03-10), all due 2026-12-31.
async fn assigned(store: &Store) -> Vec<Task> {
    let ingested = ingest(store).await;
    let actor = person("管理员");
    for u in ["省发展改革委", "省科技厅", "省水利厅"] {
        store.add_unit(&actor, &unit(u), None).await.unwrap();
    }
    let leads = ["省科技厅", "省发展改革委", "省水利厅"];
    let mut out = Vec::new();
    for (t, lead) in ingested
        .tasks
        .iter()
        .filter(|t| t.kind == TaskKind::Task)
        .zip(leads)
    {
        let a = NewAssignment {
            lead: unit(lead),
            co_units: vec![],
            owner: Some(person("李四")),
            deadline: day("2026-12-31"),
        };
        out.push(store.assign(&office(), t.id, t.version, &a).await.unwrap());
    }
    assert_eq!(out.len(), 3);
    out
}

fn report(percent: i64) -> NewReport {
    NewReport {
        unit: None,
        period: Period::parse("2026年4月").unwrap(),
        done: text("已完成阶段工作。"),
        next_steps: Some(text("继续推进。")),
        percent: Percent::new(percent).unwrap(),
        problems: None,
        evidence: None,
    }
}

fn code<T: std::fmt::Debug>(r: Result<T, StoreError>) -> &'static str {
    r.unwrap_err().code()
}

async fn cycles_are_set_versioned_and_audited(db: TestDb) {
    let tasks = assigned(&db.store).await;
    let t = &tasks[0];
    assert_eq!(db.store.cycle(t.id).await.unwrap(), None);
    let c = db
        .store
        .set_cycle(&office(), t.id, None, &Cycle::Monthly, None)
        .await
        .unwrap();
    assert_eq!(c.version, Version(1));
    assert_eq!(c.starts_on, day("2026-03-10"), "the day it was assigned");
    // Setting it again needs the version read.
    let q = Cycle::parse("dates", &[day("2026-06-30"), day("2026-03-31")]).unwrap();
    assert_eq!(
        code(db.store.set_cycle(&office(), t.id, None, &q, None).await),
        "stale_version"
    );
    let c = db
        .store
        .set_cycle(&office(), t.id, Some(Version(1)), &q, None)
        .await
        .unwrap();
    assert_eq!(c.version, Version(2));
    let read = db.store.cycle(t.id).await.unwrap().unwrap();
    assert_eq!(read.cycle, q);
    assert_eq!(read.version, Version(2));
    // A draft (the theme was never assigned) gets no cycle.
    let theme = db
        .store
        .tasks(&Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.kind == TaskKind::Theme)
        .unwrap();
    assert_eq!(
        code(
            db.store
                .set_cycle(&office(), theme.id, None, &Cycle::Weekly, None)
                .await
        ),
        "task_not_assigned"
    );
    let detail = db.store.task_detail(t.id).await.unwrap();
    assert_eq!(
        detail
            .events
            .iter()
            .filter(|e| e.table == "report_cycles")
            .count(),
        2
    );
    assert!(db.store.verify().await.unwrap().is_ok());
    db.finish().await;
}

async fn reports_fall_due_and_are_missed_through_the_months(db: TestDb) {
    let tasks = assigned(&db.store).await;
    let rules = WarningRules::default();
    let (a, b, c) = (&tasks[0], &tasks[1], &tasks[2]);
    db.store
        .set_cycle(&office(), a.id, None, &Cycle::Monthly, None)
        .await
        .unwrap();
    db.store
        .set_cycle(&office(), b.id, None, &Cycle::Quarterly, None)
        .await
        .unwrap();
    // c follows the default (monthly).
    // 1 April: a's and c's April 5 reports are due within the week; b's
    // quarterly one too (5 April).
    db.clock.advance_days(22);
    assert_eq!(db.store.clock().today(), day("2026-04-01"));
    let due = db
        .store
        .reports_due(&DueFilter::on(day("2026-04-01")), &rules)
        .await
        .unwrap();
    assert_eq!(due.len(), 3);
    assert!(due.iter().all(|d| d.next_due == Some(day("2026-04-05"))));
    assert!(due.iter().all(|d| d.missed.is_empty()));
    // a reports on 2 April.
    db.clock.advance_days(1);
    db.store
        .add_report(&office(), a.id, &report(20))
        .await
        .unwrap();
    // 10 May: a missed May 5, c missed April 5 and May 5; b's next is 5 July.
    let may10 = day("2026-05-10");
    let due = db
        .store
        .reports_due(&DueFilter::on(may10), &rules)
        .await
        .unwrap();
    let by = |id| due.iter().find(|d| d.task == id);
    assert_eq!(by(a.id).unwrap().missed, vec![day("2026-05-05")]);
    assert_eq!(by(a.id).unwrap().last_report, Some(day("2026-04-02")));
    assert_eq!(
        by(c.id).unwrap().missed,
        vec![day("2026-04-05"), day("2026-05-05")]
    );
    assert_eq!(by(c.id).unwrap().next_due, Some(day("2026-06-05")));
    // b missed 5 April.
    assert_eq!(by(b.id).unwrap().missed, vec![day("2026-04-05")]);
    // Filter by unit and page.
    let mut f = DueFilter::on(may10);
    f.unit = Some(unit("省水利厅"));
    let only = db.store.reports_due(&f, &rules).await.unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].task, c.id);
    let mut f = DueFilter::on(may10);
    f.limit = Some(1);
    let page1 = db.store.reports_due(&f, &rules).await.unwrap();
    assert_eq!(page1.len(), 1);
    f.after = Some(page1[0].task);
    let page2 = db.store.reports_due(&f, &rules).await.unwrap();
    assert_eq!(page2.len(), 1);
    assert!(page2[0].task > page1[0].task);
    // A reader of one unit sees only its task.
    let water = db.store.unit(&unit("省水利厅")).await.unwrap();
    let mut f = DueFilter::on(may10);
    f.visible_units = Some(vec![water.id]);
    let seen = db.store.reports_due(&f, &rules).await.unwrap();
    assert_eq!(seen.iter().map(|d| d.task).collect::<Vec<_>>(), vec![c.id]);
    // The whole list in one lean query (what the pages page through):
    // the same rows as reports_due, for every scope.
    let mut by_unit = DueFilter::on(may10);
    by_unit.unit = Some(unit("省水利厅"));
    for f in [DueFilter::on(may10), by_unit, f] {
        let full = db.store.reports_due(&f, &rules).await.unwrap();
        let (head, lean) = db.store.reports_due_all(&f, &rules).await.unwrap();
        assert_eq!(full, lean);
        assert_eq!(head, db.store.audit_head().await.unwrap());
    }
    // The overview numbers without decoding a task: every task of kind
    // task, the three assigned ones in progress or assigned, none overdue
    // before their deadline, then all three overdue after it.
    let all = db
        .store
        .tasks(&luoshi_core::TaskFilter::default())
        .await
        .unwrap();
    let n = all.iter().filter(|t| t.kind == TaskKind::Task).count() as u64;
    let totals = db.store.status_totals(None, may10).await.unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!(totals[0].0, None);
    assert_eq!((totals[0].1.tasks, totals[0].1.assigned), (n, 3));
    assert_eq!(totals[0].1.overdue, 0);
    let doc = all[0].document;
    let later = db
        .store
        .status_totals(Some(&[doc]), day("2027-01-05"))
        .await
        .unwrap();
    assert_eq!(later[0].0, Some(doc));
    assert_eq!(later[0].1.overdue, 3);
    db.finish().await;
}

async fn cards_are_raised_once_escalate_and_clear(db: TestDb) {
    let tasks = assigned(&db.store).await;
    let rules = WarningRules::default();
    let (a, b, c) = (&tasks[0], &tasks[1], &tasks[2]);
    // Deadline 2026-12-31, assigned 2026-03-10: 296 days.
    // a reports 30% early on, b 90%, c nothing.
    db.clock.advance_days(20);
    db.store
        .add_report(&office(), a.id, &report(30))
        .await
        .unwrap();
    db.store
        .add_report(&office(), b.id, &report(90))
        .await
        .unwrap();
    // 1 April: nothing due yet missed, nobody behind by 10 points.
    let first = db.store.assess(day("2026-04-01"), &rules).await.unwrap();
    assert_eq!(first.judged, 3);
    assert!(first.raised.is_empty(), "{:?}", first.raised);

    // 6 April: c missed the April report → yellow, once.
    db.clock.advance_days(7);
    let apr6 = day("2026-04-06");
    let r = db.store.assess(apr6, &rules).await.unwrap();
    assert_eq!(r.raised.len(), 1);
    assert_eq!(r.raised[0].task, c.id);
    assert_eq!(r.raised[0].tier, "yellow");
    assert_eq!(r.raised[0].reasons[0].code, "reports_missed");
    let again = db.store.assess(apr6, &rules).await.unwrap();
    assert!(again.raised.is_empty(), "idempotent on the same day");

    // 6 May: c missed a second report → red, superseding the yellow.
    // a and b reported on 30 March, so they missed 5 May: yellow each.
    db.clock.advance_days(30);
    let may6 = day("2026-05-06");
    let r = db.store.assess(may6, &rules).await.unwrap();
    let of = |id| r.raised.iter().find(|x| x.task == id).unwrap();
    assert_eq!(of(c.id).tier, "red");
    let yellow = of(c.id).supersedes.unwrap();
    assert_eq!(of(a.id).tier, "yellow");
    assert_eq!(of(b.id).tier, "yellow");
    assert_eq!(r.raised.len(), 3);
    assert!(
        db.store
            .assess(may6, &rules)
            .await
            .unwrap()
            .raised
            .is_empty()
    );
    let old = db.store.card(yellow).await.unwrap();
    assert!(!old.is_open());
    assert_eq!(old.superseded_by, Some(of(c.id).card));
    assert_eq!(old.version, Version(2));

    // Lists: by task, unit, open.
    let all = db.store.cards(&CardFilter::default()).await.unwrap();
    assert_eq!(all.len(), 4, "nothing deleted");
    let open = db
        .store
        .cards(&CardFilter {
            open: true,
            ..CardFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 3);
    // The outline of the open cards: the most severe first, then the
    // newest, counted by unit and tier; a page loads them by id in that
    // order.
    let outline = db
        .store
        .card_outline(&CardFilter {
            open: true,
            ..CardFilter::default()
        })
        .await
        .unwrap();
    let mut severe = open.clone();
    severe.sort_by_key(|c| (std::cmp::Reverse(c.tier_rank), std::cmp::Reverse(c.id.0)));
    let severe_ids: Vec<_> = severe.iter().map(|c| c.id).collect();
    assert_eq!(outline.severe_first, severe_ids);
    let counted: u64 = outline.by_unit.iter().map(|(_, _, n)| n).sum();
    assert_eq!(
        counted,
        open.iter().filter(|c| c.unit.is_some()).count() as u64
    );
    for (u, tier, n) in &outline.by_unit {
        let expected = open
            .iter()
            .filter(|c| c.unit.as_ref().map(|x| x.id) == Some(u.id) && &c.tier == tier)
            .count() as u64;
        assert_eq!(*n, expected, "{} {tier}", u.name);
    }
    assert_eq!(db.store.cards_by_ids(&severe_ids).await.unwrap(), severe);
    let mut newest: Vec<_> = open.iter().map(|c| c.id).collect();
    newest.sort_by_key(|c| std::cmp::Reverse(c.0));
    assert_eq!(outline.newest, newest);
    let water = db
        .store
        .cards(&CardFilter {
            unit: Some(unit("省水利厅")),
            ..CardFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(water.len(), 2);
    assert!(water.iter().all(|card| card.task == c.id));
    assert_eq!(water[1].tier_label, "红牌");
    assert_eq!(water[1].task_title, c.title);

    // Clearing: needs the version, a reason, an open card.
    let red = water[1].clone();
    let reason = text("已约谈单位负责人，明确整改时限。");
    assert_eq!(
        code(
            db.store
                .clear_card(&office(), red.id, Version(9), &reason)
                .await
        ),
        "stale_version"
    );
    assert_eq!(
        code(
            db.store
                .clear_card(&office(), yellow, Version(2), &reason)
                .await
        ),
        "card_superseded"
    );
    let cleared = db
        .store
        .clear_card(&office(), red.id, red.version, &reason)
        .await
        .unwrap();
    assert!(!cleared.is_open());
    assert_eq!(cleared.cleared_by, Some(office()));
    assert_eq!(cleared.clear_reason.as_deref(), Some(reason.as_str()));
    assert_eq!(
        code(
            db.store
                .clear_card(&office(), red.id, cleared.version, &reason)
                .await
        ),
        "card_already_cleared"
    );
    // A cleared card is not raised again for the same reasons …
    db.clock.advance_days(1);
    assert!(
        db.store
            .assess(day("2026-05-07"), &rules)
            .await
            .unwrap()
            .raised
            .is_empty()
    );
    // … but a new reason raises a new one: on 1 January the deadline has
    // passed for all three.
    let jan = day("2027-01-01");
    let r = db.store.assess(jan, &rules).await.unwrap();
    assert_eq!(r.raised.len(), 3);
    assert!(r.raised.iter().all(|x| x.tier == "red"));
    assert!(
        r.raised
            .iter()
            .all(|x| x.reasons.iter().any(|r| r.code == "deadline_passed"))
    );

    // A closed task is not judged.
    let t = db.store.task(a.id).await.unwrap();
    let t = db
        .store
        .request_close(&office(), t.id, t.version, &text("已完成。"))
        .await
        .unwrap();
    db.store
        .close_task(&office(), t.id, t.version)
        .await
        .unwrap();
    let r = db.store.assess(day("2027-01-02"), &rules).await.unwrap();
    assert_eq!(r.judged, 2);

    let v = db.store.verify().await.unwrap();
    assert!(v.is_ok(), "{:?}", v.problems);

    // Backup → restore carries the cycles and cards, and still verifies.
    db.store
        .set_cycle(&office(), b.id, None, &Cycle::Weekly, None)
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "luoshi_supervision_{}_{:?}",
        std::process::id(),
        db.engine
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("backup-{}.db", helpers::start_day()));
    let _ = std::fs::remove_file(&file);
    let copied = db.store.backup(&file).await.unwrap();
    let count = |t: &str| {
        copied
            .tables
            .iter()
            .find(|(name, _)| name == t)
            .map(|(_, n)| *n)
    };
    assert_eq!(count("cards"), Some(7));
    assert_eq!(count("report_cycles"), Some(1));
    let fresh = TestDb::open(db.engine).await;
    fresh.store.restore(&file).await.unwrap();
    let v = fresh.store.verify().await.unwrap();
    assert!(v.is_ok(), "{:?}", v.problems);
    assert_eq!(
        fresh.store.cards(&CardFilter::default()).await.unwrap(),
        db.store.cards(&CardFilter::default()).await.unwrap()
    );
    assert_eq!(
        fresh.store.cycle(b.id).await.unwrap(),
        db.store.cycle(b.id).await.unwrap()
    );
    // The restored ledger goes on raising cards with fresh ids.
    let r = fresh.store.assess(day("2027-03-01"), &rules).await;
    assert!(r.is_ok());
    let _ = std::fs::remove_dir_all(&dir);
    fresh.finish().await;
    db.finish().await;
}

async fn cards_tampered_with_are_caught(db: TestDb) {
    let _ = assigned(&db.store).await;
    let r = db
        .store
        .assess(day("2026-06-01"), &WarningRules::default())
        .await
        .unwrap();
    assert!(!r.raised.is_empty());
    db.raw
        .exec("UPDATE cards SET tier = 'yellow', tier_label = '黄牌'")
        .await
        .unwrap();
    let v = db.store.verify().await.unwrap();
    assert!(
        v.problems
            .iter()
            .any(|p| p.code() == "row_altered" && p.table() == Some("cards")),
        "{:?}",
        v.problems
    );
    db.finish().await;
}

async fn three_tiers_from_rules(db: TestDb) {
    let tasks = assigned(&db.store).await;
    let rules = WarningRules::from_json(
        r#"{"tiers": [
            {"code": "blue", "label": "蓝牌", "behind_points": 5},
            {"code": "orange", "label": "橙牌", "behind_points": 15, "missed_reports": 1},
            {"code": "red", "label": "红牌", "behind_points": 30, "missed_reports": 2, "deadline_passed": true}
        ], "default_cycle": null}"#,
    )
    .unwrap();
    // 296 days; on 2026-03-30 (20 days, 6 points) nobody has reported.
    let r = db.store.assess(day("2026-03-30"), &rules).await.unwrap();
    assert_eq!(r.raised.len(), 3);
    assert!(r.raised.iter().all(|x| x.tier == "blue"));
    // With no cycle, missing reports do not count; 50 days = 16 points.
    db.store
        .add_report(&office(), tasks[0].id, &report(10))
        .await
        .unwrap();
    let r = db.store.assess(day("2026-04-29"), &rules).await.unwrap();
    assert_eq!(r.raised.len(), 2, "{:?}", r.raised);
    assert!(r.raised.iter().all(|x| x.tier == "orange"));
    db.finish().await;
}

async fn the_status_report_data_follows_the_document(db: TestDb) {
    let tasks = assigned(&db.store).await;
    db.store
        .add_report(&office(), tasks[0].id, &report(40))
        .await
        .unwrap();
    db.store
        .assess(day("2026-06-01"), &WarningRules::default())
        .await
        .unwrap();
    let doc = tasks[0].document;
    let data = db
        .store
        .status_data(doc, None, None, day("2027-01-05"))
        .await
        .unwrap();
    assert_eq!(data.totals.tasks, 3);
    assert_eq!(data.totals.assigned, 3);
    assert_eq!(data.totals.in_progress, 1);
    assert_eq!(data.totals.overdue, 3);
    assert_eq!(data.totals.completion_rate(), 0.0);
    assert_eq!(data.overdue_by_unit.len(), 3);
    let lines: usize = data.themes.iter().map(|s| s.tasks.len()).sum();
    assert_eq!(lines, 3);
    assert!(data.themes.iter().any(|s| s.theme.is_some()));
    assert!(!data.cards.is_empty());
    let a = data
        .themes
        .iter()
        .flat_map(|s| &s.tasks)
        .find(|l| l.task.id == tasks[0].id)
        .unwrap();
    assert_eq!(a.latest.as_ref().unwrap().percent.value(), 40);
    // A range before the report leaves it out.
    let data = db
        .store
        .status_data(doc, None, Some(day("2026-03-09")), day("2026-03-09"))
        .await
        .unwrap();
    assert!(
        data.themes
            .iter()
            .flat_map(|s| &s.tasks)
            .all(|l| l.latest.is_none())
    );
    assert!(data.cards.is_empty());
    db.finish().await;
}

/// Assigning with a cycle is one transaction: both or neither.
async fn assign_with_cycle_writes_both_or_neither(db: TestDb) {
    let ingested = ingest(&db.store).await;
    let actor = person("管理员");
    for u in ["省科技厅", "省水利厅"] {
        db.store.add_unit(&actor, &unit(u), None).await.unwrap();
    }
    let t = ingested
        .tasks
        .iter()
        .find(|t| t.kind == TaskKind::Task)
        .unwrap();
    let a = NewAssignment {
        lead: unit("省科技厅"),
        co_units: vec![unit("省水利厅")],
        owner: Some(person("李四")),
        deadline: day("2026-12-31"),
    };
    let done = db
        .store
        .assign_with_cycle(&office(), t.id, t.version, &a, Some(&Cycle::Monthly))
        .await
        .unwrap();
    assert_eq!(
        done.assignment.as_ref().unwrap().lead.name.as_str(),
        "省科技厅"
    );
    let c = db.store.cycle(t.id).await.unwrap().unwrap();
    assert_eq!((c.cycle, c.version), (Cycle::Monthly, Version(1)));
    assert_eq!(
        c.starts_on,
        day("2026-03-10"),
        "the day of the assign event"
    );
    // Again over the cycle it has now, without naming its version.
    let again = db
        .store
        .assign_with_cycle(&office(), t.id, done.version, &a, Some(&Cycle::Weekly))
        .await
        .unwrap();
    let c = db.store.cycle(t.id).await.unwrap().unwrap();
    assert_eq!((c.cycle, c.version), (Cycle::Weekly, Version(2)));
    // A stale task version: neither the assignment nor the cycle changes.
    let other = NewAssignment {
        lead: unit("省水利厅"),
        co_units: vec![],
        ..a.clone()
    };
    let stale = db
        .store
        .assign_with_cycle(
            &office(),
            t.id,
            done.version,
            &other,
            Some(&Cycle::Quarterly),
        )
        .await;
    assert_eq!(code(stale), "stale_version");
    let now = db.store.task(t.id).await.unwrap();
    assert_eq!(now.version, again.version);
    assert_eq!(now.assignment.unwrap().lead.name.as_str(), "省科技厅");
    assert_eq!(
        db.store.cycle(t.id).await.unwrap().unwrap().cycle,
        Cycle::Weekly
    );
    // Without a cycle it is a plain assignment.
    db.store
        .assign_with_cycle(&office(), t.id, again.version, &other, None)
        .await
        .unwrap();
    assert_eq!(
        db.store.cycle(t.id).await.unwrap().unwrap().cycle,
        Cycle::Weekly
    );
    assert!(db.store.verify().await.unwrap().is_ok());
}

async fn a_returned_completion_request_past_its_new_date_is_red(db: TestDb) {
    let tasks = assigned(&db.store).await;
    let rules = WarningRules::default();
    let a = &tasks[0];
    // 30 March: a reports, then asks for completion.
    db.clock.advance_days(20);
    db.store
        .add_report(&office(), a.id, &report(60))
        .await
        .unwrap();
    let a = db.store.task(a.id).await.unwrap();
    let a = db
        .store
        .request_close(&office(), a.id, a.version, &text("验收材料"))
        .await
        .unwrap();
    // A new date before today is refused and changes nothing.
    assert_eq!(
        code(
            db.store
                .return_task_until(
                    &office(),
                    a.id,
                    a.version,
                    &text("材料不全"),
                    Some(day("2026-03-29")),
                )
                .await
        ),
        "return_date_in_past"
    );
    assert_eq!(db.store.task(a.id).await.unwrap().version, a.version);
    assert_eq!(db.store.return_date(a.id).await.unwrap(), None);

    // Returned with a new date of 20 April.
    let a = db
        .store
        .return_task_until(
            &office(),
            a.id,
            a.version,
            &text("材料不全，请补充"),
            Some(day("2026-04-20")),
        )
        .await
        .unwrap();
    assert_eq!(a.status, luoshi_core::Status::InProgress);
    assert_eq!(
        db.store.return_date(a.id).await.unwrap(),
        Some(day("2026-04-20"))
    );
    let detail = db.store.task_detail(a.id).await.unwrap();
    assert_eq!(
        detail
            .events
            .iter()
            .filter(|e| e.table == "return_dates")
            .count(),
        1,
        "audited"
    );
    // On the new date nothing; the day after, red for that reason alone
    // (the completion report at 100% is the latest: not behind, nothing
    // missed).
    let of_a = |r: &luoshi_core::Assessment| {
        r.raised
            .iter()
            .filter(|x| x.task == a.id)
            .cloned()
            .collect::<Vec<_>>()
    };
    let on = db.store.assess(day("2026-04-20"), &rules).await.unwrap();
    assert!(of_a(&on).is_empty(), "{:?}", of_a(&on));
    let after = db.store.assess(day("2026-04-21"), &rules).await.unwrap();
    let raised = of_a(&after);
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].tier, "red");
    assert_eq!(raised[0].reasons.len(), 1);
    assert_eq!(raised[0].reasons[0].code, "return_date_passed");
    assert!(raised[0].reasons[0].text.contains("2026-04-20"));
    let again = db.store.assess(day("2026-04-21"), &rules).await.unwrap();
    assert!(of_a(&again).is_empty(), "raised once");

    // Completion requested again: the date no longer stands; a second
    // return without a date leaves none.
    db.clock.advance_days(25);
    let a = db
        .store
        .request_close(&office(), a.id, a.version, &text("补充后的验收材料"))
        .await
        .unwrap();
    assert_eq!(db.store.return_date(a.id).await.unwrap(), None);
    let a = db
        .store
        .return_task(&office(), a.id, a.version, &text("仍不完整"))
        .await
        .unwrap();
    assert_eq!(db.store.return_date(a.id).await.unwrap(), None);
    assert!(db.store.verify().await.unwrap().is_ok());
    db.finish().await;
}

engine_tests!(
    assign_with_cycle_writes_both_or_neither,
    cycles_are_set_versioned_and_audited,
    reports_fall_due_and_are_missed_through_the_months,
    cards_are_raised_once_escalate_and_clear,
    cards_tampered_with_are_caught,
    three_tiers_from_rules,
    the_status_report_data_follows_the_document,
    a_returned_completion_request_past_its_new_date_is_red,
);
