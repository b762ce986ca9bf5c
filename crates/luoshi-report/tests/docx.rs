//! The status report and the supervision notice built from a real ledger
//! (SQLite file): every part of the .docx is well-formed XML, a reader
//! library (docx-rs's reader) reads it back with the official layout, and
//! the documents say what the ledger holds.

#![allow(clippy::unwrap_used)]

use std::io::{Cursor, Read};

mod helpers;

use helpers::{day, ledger};
use luoshi_core::{
    Ledger, NewNotice, NoticeTarget, PersonName, ReportQuery, ReportScope, StoreError, TaskKind,
    UnitName,
};

fn query(scope: ReportScope, d: &str) -> ReportQuery {
    ReportQuery {
        scope,
        from: None,
        to: None,
        day: day(d),
    }
}

/// The document read back by docx-rs's reader: its paragraphs' text, in
/// order, and its number of tables.
fn read_back(bytes: &[u8]) -> (docx_rs::Docx, Vec<String>, usize) {
    let docx = docx_rs::read_docx(bytes).expect("docx-rs reads the file back");
    let mut paragraphs = Vec::new();
    let mut tables = 0;
    for c in &docx.document.children {
        match c {
            docx_rs::DocumentChild::Paragraph(p) => paragraphs.push(p.raw_text()),
            docx_rs::DocumentChild::Table(_) => tables += 1,
            _ => {}
        }
    }
    (docx, paragraphs, tables)
}

fn parts(docx: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(docx)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let name = f.name().unwrap().into_owned();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (name, bytes)
        })
        .collect()
}

fn well_formed(name: &str, xml: &[u8]) {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut depth = 0i64;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{name} is not well-formed: {e}"),
        }
        buf.clear();
    }
    assert_eq!(depth, 0, "{name}: unclosed elements");
}

/// The text of every `w:t` in document.xml, concatenated.
fn text_of(xml: &[u8]) -> String {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut inside = false;
    let mut out = String::new();
    loop {
        match reader.read_event_into(&mut buf).unwrap() {
            quick_xml::events::Event::Start(e) if e.name().into_inner() == "w:t" => inside = true,
            quick_xml::events::Event::End(e) if e.name().into_inner() == "w:t" => {
                inside = false;
                out.push('\n');
            }
            quick_xml::events::Event::Text(t) if inside => {
                out.push_str(&t.xml10_content());
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

#[tokio::test]
async fn the_status_report_is_a_well_formed_official_docx() {
    let dir = std::env::temp_dir().join(format!("luoshi_report_docx_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (store, doc) = ledger(&dir).await;
    let data = store
        .status_report(&query(ReportScope::Document(doc), "2026-07-08"))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let bytes = luoshi_report::status_docx(&data).unwrap();
    let elapsed = started.elapsed();
    let parts = parts(&bytes);
    let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
    for needed in [
        "[Content_Types].xml",
        "word/document.xml",
        "word/fontTable.xml",
        "word/styles.xml",
    ] {
        assert!(names.contains(&needed), "{needed} missing: {names:?}");
    }
    assert!(
        names.iter().any(|n| n.starts_with("word/footer")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("word/media/")),
        "the chart: {names:?}"
    );
    for (name, bytes) in &parts {
        if name.ends_with(".xml") || name.ends_with(".rels") {
            well_formed(name, bytes);
        }
    }
    let document = &parts
        .iter()
        .find(|(n, _)| n == "word/document.xml")
        .unwrap()
        .1;
    let raw = String::from_utf8_lossy(document);
    // A4, official margins (twips), fonts and sizes.
    assert!(raw.contains(r#"w:w="11906""#) && raw.contains(r#"w:h="16838""#));
    assert!(raw.contains(r#"w:top="2098""#), "37 mm");
    assert!(raw.contains(r#"w:bottom="1984""#), "35 mm");
    assert!(raw.contains(r#"w:left="1587""#), "28 mm");
    assert!(raw.contains(r#"w:right="1474""#), "26 mm");
    assert!(raw.contains("方正小标宋简体") && raw.contains("黑体") && raw.contains("仿宋_GB2312"));
    assert!(raw.contains(r#"<w:sz w:val="44""#), "二号 title");
    let text = text_of(document);
    assert!(
        text.contains("关于2026年3月5日省委常委会会议精神贯彻落实情况的汇报"),
        "{text}"
    );
    assert!(text.contains("3项任务中，已交办3项"), "{text}");
    assert!(text.contains("一、总体进展"), "{text}");
    assert!(text.contains("打造科技创新高地"), "{text}");
    assert!(text.contains("牵头单位：省水利厅"), "{text}");
    assert!(
        text.contains("逾期事项") && text.contains("预警情况"),
        "{text}"
    );
    assert!(text.contains("红牌"), "{text}");
    assert!(text.contains("征求有关部门意见后报批"), "{text}");
    // Indicators, problems with their rectification, next steps.
    assert!(text.contains("三、重点指标完成情况"), "{text}");
    assert!(
        text.contains("新建省级实验室") && text.contains("10家"),
        "{text}"
    );
    assert!(text.contains("四、存在的问题及整改情况"), "{text}");
    assert!(text.contains("实验室建设用地尚未落实"), "{text}");
    assert!(
        text.contains("资源不足") && text.contains("整改措施：协调自然资源厅调剂用地指标"),
        "{text}"
    );
    assert!(text.contains("超过整改时限1个"), "{text}");
    assert!(text.contains("七、下一步工作举措"), "{text}");
    // Read back: headings in order, tables for indicators and overdue
    // items, A4 in the section properties.
    let (docx, paragraphs, tables) = read_back(&bytes);
    let headings: Vec<&String> = paragraphs
        .iter()
        .filter(|p| {
            ["一、", "二、", "三、", "四、", "五、", "六、", "七、"]
                .iter()
                .any(|h| p.starts_with(h))
        })
        .collect();
    assert_eq!(
        headings,
        [
            "一、总体进展",
            "二、各项任务推进情况",
            "三、重点指标完成情况",
            "四、存在的问题及整改情况",
            "五、逾期事项",
            "六、预警情况",
            "七、下一步工作举措"
        ]
    );
    assert!(
        paragraphs.iter().any(|p| p.starts_with("（一）")),
        "{paragraphs:?}"
    );
    assert_eq!(tables, 2, "indicators and overdue items");
    let page = serde_json::to_value(&docx.document.section_property.page_size).unwrap();
    assert_eq!(
        (page["w"].as_u64(), page["h"].as_u64()),
        (Some(11_906), Some(16_838)),
        "{page}"
    );
    let footer = parts
        .iter()
        .find(|(n, _)| n.starts_with("word/footer"))
        .unwrap();
    let footer = String::from_utf8_lossy(&footer.1);
    assert!(footer.contains("PAGE") && footer.contains("— "), "{footer}");
    let fonts = parts
        .iter()
        .find(|(n, _)| n == "word/fontTable.xml")
        .unwrap();
    assert!(String::from_utf8_lossy(&fonts.1).contains(r#"<w:altName w:val="FangSong"/>"#));
    // The issue's bar (200 ms for a 20-task document, store read
    // included) is measured in release by benches/status_report.rs; this
    // unoptimised build on a shared machine only guards against a gross
    // regression.
    assert!(elapsed.as_millis() < 1_000, "{elapsed:?}");
    if let Ok(path) = std::env::var("LUOSHI_REPORT_SAMPLE") {
        std::fs::write(path, &bytes).unwrap();
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_theme_and_the_whole_ledger_are_reported_too() {
    let dir = std::env::temp_dir().join(format!("luoshi_report_scope_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (store, doc) = ledger(&dir).await;
    let tasks = store
        .tasks(&luoshi_core::TaskFilter {
            document: Some(doc),
            ..Default::default()
        })
        .await
        .unwrap();
    let theme = tasks
        .iter()
        .find(|t| tasks.iter().any(|c| c.parent == Some(t.id)))
        .expect("the communiqué has a theme");
    let r = store
        .status_report(&query(ReportScope::Theme(theme.id), "2026-07-08"))
        .await
        .unwrap();
    let children = tasks.iter().filter(|t| t.parent == Some(theme.id)).count() as u64;
    assert_eq!(r.totals.tasks, children);
    assert!(r.totals.tasks < 4, "{:?}", r.totals);
    let text = luoshi_report::status_outline(&r);
    assert!(
        text.title
            .contains(theme.title.as_str().trim_end_matches('。')),
        "{}",
        text.title
    );
    luoshi_report::status_docx(&r).unwrap();
    // A task without children is not a theme.
    let leaf = tasks
        .iter()
        .find(|t| t.kind == TaskKind::Task && !tasks.iter().any(|c| c.parent == Some(t.id)))
        .unwrap();
    let e = store
        .status_report(&query(ReportScope::Theme(leaf.id), "2026-07-08"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "value_bad_choice");
    assert!(e.to_string().contains("不是主题"), "{e}");
    // The whole ledger, and a range that ends before any report: no
    // latest progress, the same tasks.
    let all = store
        .status_report(&query(ReportScope::Ledger, "2026-07-08"))
        .await
        .unwrap();
    assert_eq!(all.documents.len(), 1);
    let doc_totals = store
        .status_report(&query(ReportScope::Document(doc), "2026-07-08"))
        .await
        .unwrap()
        .totals;
    assert_eq!(all.totals, doc_totals);
    assert_eq!(all.totals.tasks, 3);
    assert_eq!(
        luoshi_report::title(&all),
        "关于各项部署任务贯彻落实情况的汇报"
    );
    let early = store
        .status_report(&ReportQuery {
            scope: ReportScope::Ledger,
            from: None,
            to: Some(day("2026-03-01")),
            day: day("2026-03-01"),
        })
        .await
        .unwrap();
    assert!(
        early
            .themes
            .iter()
            .flat_map(|s| &s.tasks)
            .all(|l| l.latest.is_none())
    );
    assert!(early.problems.is_empty() && early.cards.is_empty());
    assert_eq!(early.totals.overdue, 0);
    let outline = luoshi_report::status_outline(&early);
    assert_eq!(outline.subtitle, "（截至2026年3月1日）");
    // Unknown document.
    assert!(matches!(
        store
            .status_report(&query(
                ReportScope::Document(luoshi_core::DocumentId(999)),
                "2026-07-08"
            ))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_notice_takes_the_next_number_of_its_year_and_is_audited() {
    let dir = std::env::temp_dir().join(format!("luoshi_report_notice_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (store, doc) = ledger(&dir).await;
    let actor = PersonName::parse("督查室王五").unwrap();
    let tasks = store
        .tasks(&luoshi_core::TaskFilter {
            document: Some(doc),
            ..Default::default()
        })
        .await
        .unwrap();
    let assigned: Vec<_> = tasks.iter().filter(|t| t.assignment.is_some()).collect();
    let issue = |target: NoticeTarget, on: &str| NewNotice {
        target,
        issued_on: day(on),
        reply_by: None,
        office: None,
    };
    let before = store.verify().await.unwrap().events;
    let n1 = store
        .issue_notice(
            &actor,
            &issue(NoticeTarget::Task(assigned[0].id), "2026-07-08"),
        )
        .await
        .unwrap();
    assert_eq!((n1.year, n1.number), (2026, 1));
    assert_eq!(n1.reference(), "督〔2026〕1号");
    assert_eq!(n1.reply_by, day("2026-07-15"));
    assert_eq!(n1.items.len(), 1);
    assert_eq!(n1.items[0].days_overdue, 8);
    assert!(
        !n1.items[0].open_cards.is_empty(),
        "the red card of the deadline"
    );
    let unit = UnitName::parse("省水利厅").unwrap();
    let n2 = store
        .issue_notice(
            &actor,
            &issue(NoticeTarget::Unit(unit.clone()), "2026-07-08"),
        )
        .await
        .unwrap();
    assert_eq!(n2.number, 2);
    assert_eq!(n2.unit.name, unit);
    assert!(n2.task.is_none() && !n2.items.is_empty());
    // A new year starts again at 1.
    let n3 = store
        .issue_notice(
            &actor,
            &issue(NoticeTarget::Task(assigned[1].id), "2027-01-04"),
        )
        .await
        .unwrap();
    assert_eq!(n3.reference(), "督〔2027〕1号");
    let report = store.verify().await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.events, before + 3, "one audit event per notice");

    // Refusals store nothing and take no number.
    let draft = tasks
        .iter()
        .find(|t| t.assignment.is_none() && t.kind == TaskKind::Task);
    if let Some(d) = draft {
        let e = store
            .issue_notice(&actor, &issue(NoticeTarget::Task(d.id), "2026-07-08"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "notice_task_not_open");
    }
    store
        .add_unit(&actor, &UnitName::parse("省统计局").unwrap(), None)
        .await
        .unwrap();
    let e = store
        .issue_notice(
            &actor,
            &issue(
                NoticeTarget::Unit(UnitName::parse("省统计局").unwrap()),
                "2026-07-08",
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "notice_nothing_due");
    assert!(e.to_string().contains("无需发督办通知"), "{e}");
    let e = store
        .issue_notice(
            &actor,
            &NewNotice {
                reply_by: Some(day("2026-07-01")),
                ..issue(NoticeTarget::Task(assigned[0].id), "2026-07-08")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "notice_bad_reply_by");
    let e = store
        .issue_notice(
            &actor,
            &issue(
                NoticeTarget::Unit(UnitName::parse("不存在的单位").unwrap()),
                "2026-07-08",
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    let n4 = store
        .issue_notice(
            &actor,
            &issue(NoticeTarget::Task(assigned[0].id), "2026-07-09"),
        )
        .await
        .unwrap();
    assert_eq!(n4.number, 3, "refusals took no number");

    // The Word file.
    let bytes = luoshi_report::notice_docx(&n1).unwrap();
    for (name, xml) in &parts(&bytes) {
        if name.ends_with(".xml") || name.ends_with(".rels") {
            well_formed(name, xml);
        }
    }
    let (docx, paragraphs, tables) = read_back(&bytes);
    assert_eq!(tables, 1, "the red rule");
    assert_eq!(paragraphs[0], "督 办 通 知");
    assert!(
        paragraphs.contains(&"督〔2026〕1号".to_owned()),
        "{paragraphs:?}"
    );
    let title = luoshi_report::notice_title(&n1);
    assert!(
        title.starts_with("关于督促办理“") && title.ends_with("”的通知"),
        "{title}"
    );
    assert!(paragraphs.contains(&title), "{paragraphs:?}");
    let lead = assigned[0]
        .assignment
        .as_ref()
        .unwrap()
        .lead
        .name
        .to_string();
    assert!(paragraphs.contains(&format!("{lead}：")), "{paragraphs:?}");
    let all = paragraphs.join("\n");
    assert!(
        all.contains(&format!("原文：{}", assigned[0].text.as_str())),
        "{all}"
    );
    assert!(all.contains("完成时限：2026年6月30日"), "{all}");
    assert!(all.contains("已逾期8天"), "{all}");
    assert!(all.contains("红牌"), "{all}");
    assert!(
        all.contains("于2026年7月15日前将办理情况书面报送督查室"),
        "{all}"
    );
    assert_eq!(paragraphs.last().unwrap(), "2026年7月8日");
    let page = serde_json::to_value(&docx.document.section_property.page_size).unwrap();
    assert_eq!(
        (page["w"].as_u64(), page["h"].as_u64()),
        (Some(11_906), Some(16_838))
    );
    let raw = String::from_utf8_lossy(
        &parts(&bytes)
            .into_iter()
            .find(|(n, _)| n == "word/document.xml")
            .unwrap()
            .1,
    )
    .into_owned();
    assert!(
        raw.contains(r#"w:color w:val="FF0000""#) || raw.contains(r#"<w:color w:val="FF0000"/>"#),
        "red head"
    );
    assert!(raw.contains(r#"w:eastAsia="仿宋_GB2312""#), "body font");
    assert!(raw.contains(r#"<w:sz w:val="32""#), "三号 body");
    let unit_notice = luoshi_report::notice_docx(&n2).unwrap();
    let (_, p2, _) = read_back(&unit_notice);
    assert!(
        p2.iter().any(|p| p.contains("逾期及预警任务的通知")),
        "{p2:?}"
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn chinese_numbers_for_headings() {
    let n: Vec<String> = [1, 9, 10, 11, 20, 23, 99, 100]
        .iter()
        .map(|n| luoshi_report::chinese_number(*n))
        .collect();
    assert_eq!(
        n,
        ["一", "九", "十", "十一", "二十", "二十三", "九十九", "100"]
    );
}

#[tokio::test]
async fn a_seeded_ledger_gives_a_readable_report() {
    let dir = std::env::temp_dir().join(format!("luoshi_report_seeded_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("luoshi.db").display());
    let clock = std::sync::Arc::new(luoshi_core::ManualClock::at_noon(day("2026-07-08")));
    let store = luoshi_core::Store::open(&url, clock).await.unwrap();
    let actor = PersonName::parse("bench").unwrap();
    let seeded = store
        .seed(
            &actor,
            &luoshi_core::SeedPlan {
                units: 60,
                tasks: 3_000,
                reports: 6_000,
                seed: 7,
            },
        )
        .await
        .unwrap();
    store
        .assess(day("2026-07-08"), &luoshi_core::WarningRules::default())
        .await
        .unwrap();
    let r = store
        .status_report(&query(ReportScope::Ledger, "2026-07-08"))
        .await
        .unwrap();
    assert_eq!(r.documents.len() as u64, seeded.documents);
    let themes = r.themes.iter().filter(|s| s.theme.is_some()).count() as u64;
    assert_eq!(
        r.totals.tasks + themes,
        seeded.tasks,
        "every row is a theme or a task"
    );
    assert!(r.totals.overdue > 0 && !r.overdue_by_unit.is_empty());
    let outline = luoshi_report::status_outline(&r);
    // Long lists are cut, and say so.
    for b in &outline.blocks {
        match b {
            luoshi_report::Block::Table { rows, .. } => assert!(rows.len() <= 100),
            luoshi_report::Block::Paragraph(p) => assert!(p.chars().count() < 2_000, "{p}"),
            _ => {}
        }
    }
    let cut = outline
        .blocks
        .iter()
        .filter(|b| matches!(b, luoshi_report::Block::Paragraph(p) if p.contains("未列出")))
        .count();
    assert!(cut >= 1, "{outline:?}");
    let bytes = luoshi_report::status_docx(&r).unwrap();
    let (_, paragraphs, tables) = read_back(&bytes);
    assert!(tables >= 2, "{tables}");
    assert!(paragraphs.iter().any(|p| p == "二、各项任务推进情况"));
    assert!(bytes.len() < 2_000_000, "{} bytes", bytes.len());
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
