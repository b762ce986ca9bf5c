//! The ledger the report tests build on: a communiqué ingested into a
//! real SQLite file, its tasks assigned and reported on, a problem with
//! rectification measures and an indicator with a value, then 120 days on
//! and the warning rules run (so tasks are overdue and carry red cards).

#![allow(clippy::unwrap_used, dead_code)]

use std::sync::Arc;

use luoshi_core::{
    Date, DocumentName, FoundBy, Ledger, ManualClock, NewAssignment, NewDocument, NewIndicator,
    NewNotice, NewProblem, NewReport, Notice, NoticeTarget, Percent, Period, PersonName, RootCause,
    Store, TaskKind, Text, UnitName, WarningRules,
};

pub const COMMUNIQUE: &str = "2026年3月5日，省委常委会召开会议，省委书记张三主持。会议指出，要打造科技创新高地，加快建设实验室体系。\
要推动产业升级，6月底前出台实施方案。要强化要素保障，年底前完成用地指标调剂。\
会议强调，必须加强水利建设，汛期前完成病险水库除险加固。";

pub fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

pub async fn ledger(dir: &std::path::Path) -> (Store, luoshi_core::DocumentId) {
    let clock = Arc::new(ManualClock::at_noon(day("2026-03-10")));
    let url = format!("sqlite://{}", dir.join("luoshi.db").display());
    let store = Store::open(&url, clock.clone()).await.unwrap();
    let actor = PersonName::parse("督查室王五").unwrap();
    let source = luoshi_extract::decode(COMMUNIQUE.as_bytes()).unwrap();
    let extraction = luoshi_extract::extract(&source);
    let name = DocumentName::parse("省委常委会会议通稿.txt").unwrap();
    let ingested = store
        .ingest(
            &actor,
            NewDocument {
                name: Some(&name),
                source: &source,
                extraction: &extraction,
            },
        )
        .await
        .unwrap();
    for (t, lead) in ingested
        .tasks
        .iter()
        .filter(|t| t.kind == TaskKind::Task)
        .zip(["省科技厅", "省发展改革委", "省水利厅"])
    {
        let lead = UnitName::parse(lead).unwrap();
        if store.unit(&lead).await.is_err() {
            store.add_unit(&actor, &lead, None).await.unwrap();
        }
        let t = store
            .assign(
                &actor,
                t.id,
                t.version,
                &NewAssignment {
                    lead,
                    co_units: vec![],
                    owner: None,
                    deadline: day("2026-06-30"),
                },
            )
            .await
            .unwrap();
        store
            .add_report(
                &actor,
                t.id,
                &NewReport {
                    unit: None,
                    period: Period::parse("2026年3月").unwrap(),
                    done: Text::parse("已召开专题会议，起草实施方案初稿。").unwrap(),
                    next_steps: Some(Text::parse("征求有关部门意见后报批。").unwrap()),
                    percent: Percent::new(30).unwrap(),
                    problems: None,
                    evidence: None,
                },
            )
            .await
            .unwrap();
    }
    // A problem with rectification measures, and an indicator with a value.
    let first = ingested
        .tasks
        .iter()
        .find(|t| t.kind == TaskKind::Task)
        .unwrap()
        .id;
    let filed = store
        .add_problem(
            &actor,
            &NewProblem {
                task: Some(first),
                report: None,
                unit: None,
                description: Text::parse("实验室建设用地尚未落实。").unwrap(),
                found_by: FoundBy::Inspection,
                root_cause: RootCause::Resources,
                class: None,
                deadline: day("2026-05-31"),
            },
        )
        .await
        .unwrap();
    store
        .rectify_problem(
            &actor,
            filed.problem.id,
            filed.problem.version,
            &Text::parse("协调自然资源厅调剂用地指标").unwrap(),
            None,
        )
        .await
        .unwrap();
    let ind = store
        .add_indicator(
            &actor,
            &NewIndicator {
                task: first,
                name: Text::parse("新建省级实验室").unwrap(),
                measure: "家".to_owned(),
                year: 2026,
                annual_target: 10.0,
            },
        )
        .await
        .unwrap();
    store
        .record_indicator(&actor, ind.id, day("2026-03-31"), 3.0)
        .await
        .unwrap();
    clock.advance_days(120);
    store
        .assess(clock.today_for_tests(), &WarningRules::default())
        .await
        .unwrap();
    (store, ingested.document.id)
}

pub trait Today {
    fn today_for_tests(&self) -> Date;
}

impl Today for ManualClock {
    fn today_for_tests(&self) -> Date {
        luoshi_core::Clock::today(self)
    }
}

/// A supervision notice to 省水利厅 for its overdue and carded tasks,
/// issued on 2026-07-08 by the provincial party committee's office.
pub async fn unit_notice(store: &Store) -> Notice {
    store
        .issue_notice(
            &PersonName::parse("督查室王五").unwrap(),
            &NewNotice {
                target: NoticeTarget::Unit(UnitName::parse("省水利厅").unwrap()),
                issued_on: day("2026-07-08"),
                reply_by: None,
                office: Some("省委督查室".to_owned()),
            },
        )
        .await
        .unwrap()
}
