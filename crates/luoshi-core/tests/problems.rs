//! The problem list, indicators, combined reports and unit evaluation on
//! both engines: filed, suggested across scripts, rectified, closed by
//! class, every change in a trail that verifies, carried by backup →
//! restore; the evaluation ranking with its consequences and the burden.

#![allow(clippy::unwrap_used)]

mod helpers;

use helpers::{COMMUNIQUE, TestDb, day, office, person, text, unit};
use luoshi_core::{
    DocumentName, EvalPeriod, EvaluationRules, FoundBy, Ledger, NewAssignment, NewDocument,
    NewIndicator, NewProblem, NewReport, Percent, Period, ProblemFilter, ProblemStatus, RootCause,
    Store, StoreError, Task, TaskKind, Version, WarningRules,
};

/// Ingests the communiqué, adds units and assigns its three tasks on the
/// start day (2026-03-10), all due 2026-12-31.
async fn assigned(store: &Store) -> Vec<Task> {
    let source = luoshi_extract::decode(COMMUNIQUE.as_bytes()).unwrap();
    let extraction = luoshi_extract::extract(&source);
    let name = DocumentName::parse("省委常委会会议通稿.txt").unwrap();
    let ingested = store
        .ingest(
            &office(),
            NewDocument {
                name: Some(&name),
                source: &source,
                extraction: &extraction,
            },
        )
        .await
        .unwrap();
    let actor = person("管理员");
    for u in ["省发展改革委", "省科技厅", "省水利厅"] {
        store.add_unit(&actor, &unit(u), None).await.unwrap();
    }
    let leads = ["省科技厅", "省科技厅", "省水利厅"];
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
        problems: Some(text("污水处理设施建设滞后。")),
        evidence: None,
    }
}

fn problem(description: &str, unit_name: Option<&str>) -> NewProblem {
    NewProblem {
        task: None,
        report: None,
        unit: unit_name.map(unit),
        description: text(description),
        found_by: FoundBy::Inspection,
        root_cause: RootCause::Mechanism,
        class: None,
        deadline: day("2026-06-30"),
    }
}

/// Moves the test's clock forward to noon of `to`.
fn move_to(db: &TestDb, to: &str) {
    use luoshi_core::Clock;
    let now = db.clock.today();
    db.clock
        .advance_days(day(to).days_since_epoch() - now.days_since_epoch());
}

fn code<T: std::fmt::Debug>(r: Result<T, StoreError>) -> &'static str {
    r.unwrap_err().code()
}

async fn problems_are_filed_suggested_rectified_and_closed(db: TestDb) {
    let tasks = assigned(&db.store).await;
    let s = &db.store;
    let first = s
        .add_problem(
            &office(),
            &problem(
                "部分市县污水处理设施建设滞后，运行管理机制不健全",
                Some("省水利厅"),
            ),
        )
        .await
        .unwrap();
    assert!(first.similar.is_empty());
    let p1 = first.problem;
    assert_eq!(p1.status, ProblemStatus::Open);
    assert_eq!(p1.unit.name.as_str(), "省水利厅");
    // Raised from a report: task and unit come from it.
    let r = s
        .add_report(&office(), tasks[0].id, &report(20))
        .await
        .unwrap();
    let mut from_report = problem("农村公路养护资金不到位", None);
    from_report.report = Some(r.id);
    from_report.found_by = FoundBy::SelfCheck;
    from_report.root_cause = RootCause::Resources;
    let p2 = s
        .add_problem(&office(), &from_report)
        .await
        .unwrap()
        .problem;
    assert_eq!(p2.task, Some(tasks[0].id));
    assert_eq!(p2.unit.name.as_str(), "省科技厅");
    // Filed in Traditional script, it finds its Simplified twin.
    let twin = s
        .add_problem(
            &office(),
            &problem(
                "部分市縣污水處理設施建設滯後，運維機制缺失",
                Some("省科技厅"),
            ),
        )
        .await
        .unwrap();
    assert_eq!(twin.similar.len(), 1, "{:?}", twin.similar);
    assert_eq!(twin.similar[0].problem.id, p1.id);
    assert!(twin.similar[0].similarity > 0.5);
    let p3 = twin.problem;
    let asked = s
        .similar_problems("污水处理设施建设滞后", None, None)
        .await
        .unwrap();
    assert_eq!(asked.len(), 2);
    // A unit sees only its own units' problems' suggestions.
    let water = s.unit(&unit("省水利厅")).await.unwrap().id;
    let only = s
        .similar_problems("污水处理设施建设滞后", None, Some(vec![water]))
        .await
        .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(
        s.problems(&ProblemFilter {
            visible_units: Some(vec![water]),
            ..ProblemFilter::default()
        })
        .await
        .unwrap()
        .len(),
        1
    );
    // No unit, no problem; nothing is stored.
    assert_eq!(
        code(s.add_problem(&office(), &problem("无主问题", None)).await),
        "value_empty"
    );
    // Classes link the twins; rectify, then close the class at once.
    let p1 = s
        .set_problem_class(&office(), p1.id, p1.version, Some("污水设施"))
        .await
        .unwrap();
    let p3 = s
        .set_problem_class(&office(), p3.id, p3.version, Some("污水设施"))
        .await
        .unwrap();
    assert_eq!(
        code(
            s.rectify_problem(&office(), p1.id, Version(1), &text("x"), None)
                .await
        ),
        "stale_version"
    );
    let p1 = s
        .rectify_problem(
            &person("水利厅张三"),
            p1.id,
            p1.version,
            &text("制定运维管理办法"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(p1.status, ProblemStatus::Rectifying);
    let closed = s
        .close_problem_class(&office(), "污水设施", &text("验收报告"))
        .await
        .unwrap();
    assert_eq!(closed.len(), 2);
    assert!(closed.iter().all(|p| p.status == ProblemStatus::Closed));
    assert_eq!(closed[0].measures.as_deref(), Some("制定运维管理办法"));
    let p3 = s.problem(p3.id).await.unwrap();
    assert_eq!(p3.evidence.as_deref(), Some("验收报告"));
    assert_eq!(
        code(
            s.close_problem(&office(), p3.id, p3.version, &text("again"))
                .await
        ),
        "problem_closed"
    );
    let p2 = s
        .close_problem(&office(), p2.id, p2.version, &text("资金已拨付"))
        .await
        .unwrap();
    assert!(p2.closed_at.is_some());
    assert_eq!(
        s.problems(&ProblemFilter {
            status: Some(ProblemStatus::Closed),
            ..ProblemFilter::default()
        })
        .await
        .unwrap()
        .len(),
        3
    );
    // A page of the list and the totals of every page, in SQL.
    let all = s.problems(&ProblemFilter::default()).await.unwrap();
    let today = s.clock().today();
    let (page, counts) = s
        .problem_page(
            &luoshi_core::ProblemQuery {
                offset: 1,
                limit: 2,
                ..luoshi_core::ProblemQuery::default()
            },
            today,
        )
        .await
        .unwrap();
    assert_eq!(page, all[1..3.min(all.len())].to_vec());
    assert_eq!(counts.total, all.len() as u64);
    assert_eq!(
        counts.open,
        all.iter()
            .filter(|p| p.status != ProblemStatus::Closed)
            .count() as u64
    );
    assert_eq!(
        counts.overdue,
        all.iter().filter(|p| p.is_overdue(today)).count() as u64
    );
    let classes = s.problem_classes(None).await.unwrap();
    let mut names: Vec<String> = all.iter().filter_map(|p| p.class.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(
        classes.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        names
    );
    let tasks: Vec<_> = all.iter().filter_map(|p| p.task).collect();
    assert_eq!(
        s.problems_of_tasks(&tasks, None).await.unwrap().len(),
        all.iter().filter(|p| p.task.is_some()).count()
    );
    let v = s.verify().await.unwrap();
    assert!(v.is_ok(), "{:?}", v.problems);
    // Tampering is caught.
    db.raw
        .exec("UPDATE problems SET status = 'open' WHERE id = 1")
        .await
        .unwrap();
    let v = s.verify().await.unwrap();
    assert!(
        v.problems
            .iter()
            .any(|p| p.code() == "row_altered" && p.table() == Some("problems")),
        "{:?}",
        v.problems
    );
    db.finish().await;
}

async fn indicators_track_the_year(db: TestDb) {
    let tasks = assigned(&db.store).await;
    let s = &db.store;
    let ind = s
        .add_indicator(
            &office(),
            &NewIndicator {
                task: tasks[0].id,
                name: text("新增高新技术企业数"),
                measure: "家".to_owned(),
                year: 2026,
                annual_target: 200.0,
            },
        )
        .await
        .unwrap();
    assert_eq!(ind.values.len(), 0);
    assert_eq!(ind.progress.reached, 0.0);
    move_to(&db, "2026-07-02");
    s.record_indicator(&office(), ind.id, day("2026-03-31"), 30.0)
        .await
        .unwrap();
    s.record_indicator(&office(), ind.id, day("2026-06-30"), 70.0)
        .await
        .unwrap();
    // A correction is a new version of the same period's value.
    let ind = s
        .record_indicator(&office(), ind.id, day("2026-06-30"), 80.0)
        .await
        .unwrap();
    assert_eq!(ind.values.len(), 2);
    assert_eq!(ind.values[1].version, Version(2));
    assert_eq!(ind.progress.reached, 40.0);
    assert_eq!(ind.progress.elapsed, 50.1);
    assert_eq!(
        s.indicators(Some(tasks[0].id), None).await.unwrap().len(),
        1
    );
    let water = s.unit(&unit("省水利厅")).await.unwrap().id;
    assert!(
        s.indicators(None, Some(vec![water]))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        code(
            s.record_indicator(&office(), 99, day("2026-06-30"), 1.0)
                .await
        ),
        "not_found"
    );
    let v = s.verify().await.unwrap();
    assert!(v.is_ok(), "{:?}", v.problems);
    db.finish().await;
}

async fn one_report_covers_several_tasks(db: TestDb) {
    let tasks = assigned(&db.store).await;
    let s = &db.store;
    let filed = s
        .add_shared_report(
            &person("科技厅李四"),
            &unit("省科技厅"),
            &[tasks[0].id, tasks[1].id, tasks[0].id],
            &report(30),
        )
        .await
        .unwrap();
    assert_eq!(filed.len(), 2);
    assert!(filed.iter().all(|r| r.done.as_str() == "已完成阶段工作。"));
    // The water office does not lead the science tasks: nothing stored.
    assert_eq!(
        code(
            s.add_shared_report(
                &office(),
                &unit("省水利厅"),
                &[tasks[2].id, tasks[0].id],
                &report(30)
            )
            .await
        ),
        "not_a_unit_of_task"
    );
    assert_eq!(s.task(tasks[2].id).await.unwrap().version, tasks[2].version);
    assert_eq!(
        code(
            s.add_shared_report(&office(), &unit("省科技厅"), &[tasks[0].id], &report(30))
                .await
        ),
        "batch_too_small"
    );
    let v = s.verify().await.unwrap();
    assert!(v.is_ok(), "{:?}", v.problems);
    db.finish().await;
}

async fn units_are_scored_and_ranked(db: TestDb) {
    let tasks = assigned(&db.store).await;
    let s = &db.store;
    // Science leads two tasks and reports for both at once in April; water
    // never reports and collects cards.
    move_to(&db, "2026-04-03");
    s.add_shared_report(
        &office(),
        &unit("省科技厅"),
        &[tasks[0].id, tasks[1].id],
        &report(30),
    )
    .await
    .unwrap();
    let returned = s
        .add_report(&office(), tasks[1].id, &report(35))
        .await
        .unwrap();
    s.review_report(
        &office(),
        returned.id,
        returned.version,
        false,
        Some(&text("材料不全")),
    )
    .await
    .unwrap();
    move_to(&db, "2026-05-20");
    let rules = WarningRules::default();
    s.assess(day("2026-04-07"), &rules).await.unwrap();
    s.assess(day("2026-04-20"), &rules).await.unwrap();
    let period = EvalPeriod::parse("2026-04").unwrap();
    let e = s
        .evaluate(period, &EvaluationRules::default(), &rules)
        .await
        .unwrap();
    assert_eq!(e.units.len(), 2, "{:?}", e.units);
    let first = &e.units[0];
    assert_eq!(first.rank, 1);
    assert_eq!(first.unit.name.as_str(), "省科技厅");
    // Two tasks due 2026-04-05 (monthly default): both reported on time.
    assert_eq!(first.facts.reports_due, 2);
    assert_eq!(first.facts.reports_on_time, 2);
    assert_eq!(first.facts.returned_reports, 1);
    // Three reports filed, the shared one counted once.
    assert_eq!(first.facts.reports_filed, 2);
    assert_eq!(first.score.score, 99.5);
    assert_eq!(first.score.fields_asked, 12);
    let water = &e.units[1];
    assert_eq!(water.rank, 2);
    assert_eq!(water.facts.reports_due, 1);
    assert_eq!(water.facts.reports_on_time, 0);
    assert!(!water.facts.cards.is_empty(), "{:?}", water.facts);
    // Half the weight lost on reporting; one yellow card is no letter yet.
    assert_eq!(water.score.score, 50.0);
    assert_eq!(water.facts.cards, vec![("yellow".to_owned(), 1)]);
    assert!(water.score.consequences.is_empty());
    // An office that writes a letter for every yellow card.
    let strict = EvaluationRules::from_json(r#"{"cards_per_letter": 1}"#).unwrap();
    let e = s.evaluate(period, &strict, &rules).await.unwrap();
    let water = &e.units[1];
    assert_eq!(water.score.score, 49.0);
    assert_eq!(water.score.consequences[0].code, "supervision_letter");
    db.finish().await;
}

async fn backups_carry_the_new_tables(db: TestDb) {
    let tasks = assigned(&db.store).await;
    let s = &db.store;
    s.add_problem(
        &office(),
        &problem("污水处理设施建设滞后", Some("省水利厅")),
    )
    .await
    .unwrap();
    let ind = s
        .add_indicator(
            &office(),
            &NewIndicator {
                task: tasks[0].id,
                name: text("研发投入"),
                measure: "亿元".to_owned(),
                year: 2026,
                annual_target: 12.5,
            },
        )
        .await
        .unwrap();
    s.record_indicator(&office(), ind.id, day("2026-03-31"), 3.25)
        .await
        .unwrap();
    s.add_shared_report(
        &office(),
        &unit("省科技厅"),
        &[tasks[0].id, tasks[1].id],
        &report(10),
    )
    .await
    .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "luoshi_problems_{}_{:?}",
        std::process::id(),
        db.engine
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("backup.db");
    let _ = std::fs::remove_file(&file);
    let copied = s.backup(&file).await.unwrap();
    let count = |t: &str| {
        copied
            .tables
            .iter()
            .find(|(name, _)| name == t)
            .map(|(_, n)| *n)
    };
    assert_eq!(count("problems"), Some(1));
    assert_eq!(count("indicators"), Some(1));
    assert_eq!(count("indicator_values"), Some(1));
    assert_eq!(count("report_batches"), Some(1));
    let fresh = TestDb::open(db.engine).await;
    fresh.store.restore(&file).await.unwrap();
    let v = fresh.store.verify().await.unwrap();
    assert!(v.is_ok(), "{:?}", v.problems);
    assert_eq!(
        fresh
            .store
            .problems(&ProblemFilter::default())
            .await
            .unwrap(),
        s.problems(&ProblemFilter::default()).await.unwrap()
    );
    assert_eq!(
        fresh.store.indicator(ind.id).await.unwrap().values,
        s.indicator(ind.id).await.unwrap().values
    );
    // The restored ledger goes on with fresh ids.
    let next = fresh
        .store
        .add_problem(
            &office(),
            &problem("污水處理設施建設滯後", Some("省水利厅")),
        )
        .await
        .unwrap();
    assert_eq!(next.problem.id, 2);
    assert_eq!(next.similar.len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
    fresh.finish().await;
    db.finish().await;
}

engine_tests!(
    problems_are_filed_suggested_rectified_and_closed,
    indicators_track_the_year,
    one_report_covers_several_tasks,
    units_are_scored_and_ranked,
    backups_carry_the_new_tables,
);
