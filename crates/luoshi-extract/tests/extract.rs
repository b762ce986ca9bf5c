//! Integration tests of extraction: table-driven rules, the fixture sets
//! scored as the project's scorer does, the same document in every
//! encoding and form, and properties that hold for any input.

use luoshi_extract::{Extraction, SourceKind, TaskKind, clean_text, extract_bytes, extract_text};
use proptest::prelude::*;

/// (title, parent title) for every task, in order.
fn tree(e: &Extraction) -> Vec<(String, Option<String>)> {
    e.tasks
        .iter()
        .map(|t| {
            let parent = t
                .parent
                .as_ref()
                .and_then(|p| e.tasks.iter().find(|x| &x.id == p))
                .map(|p| p.title.clone());
            (t.title.clone(), parent)
        })
        .collect()
}

/// A table of (text, expected tree as "title" or "parent > title").
macro_rules! extraction_cases {
    ($($name:ident: $text:expr => [$($want:expr),* $(,)?];)*) => {$(
        #[test]
        fn $name() {
            let e = extract_text($text);
            let got: Vec<String> = tree(&e)
                .into_iter()
                .map(|(t, p)| match p { Some(p) => format!("{p} > {t}"), None => t })
                .collect();
            let want: Vec<&str> = vec![$($want),*];
            assert_eq!(got, want, "{}", $text);
        }
    )*};
}

extraction_cases! {
    theme_with_children:
        "会议指出，要守牢安全底线，防范风险。要健全监测体系，及时预警。要压实属地责任，层层落实。"
        => ["守牢安全底线", "守牢安全底线 > 健全监测体系", "守牢安全底线 > 压实属地责任"];
    traditional_same_tree:
        "會議指出，要守牢安全底線，防範風險。要健全監測體系，及時預警。要壓實屬地責任，層層落實。"
        => ["守牢安全底線", "守牢安全底線 > 健全監測體系", "守牢安全底線 > 壓實屬地責任"];
    assessment_then_tasks_flat:
        "会议认为，一年来全市经济运行稳中有进，成绩来之不易。全市上下要坚定信心，乘势而上。"
        => ["坚定信心"];
    pure_assessment:
        "会议认为，过去一年全省经济总量迈上新台阶，各项工作取得明显成效，这是全省上下共同奋斗的结果。"
        => [];
    noun_uses_of_yao:
        "会议传达了主要精神，强调这是重要指示，需要反复学习。只要坚持下去，就能成功。会议纪要已印发，工作要点明确。"
        => [];
    must_and_wubi:
        "会议强调，必须坚持人民至上，守牢底线。务必做到守土有责，守土尽责。"
        => ["坚持人民至上", "坚持人民至上 > 做到守土有责"];
    quoted_cue_is_not_a_cue:
        "会议强调，要严格落实“管行业必须管安全、管业务必须管安全”要求，压实责任。"
        => ["严格落实“管行业必须管安全、管业务必须管安全”要求"];
    jiyao_yeyao_one_task:
        "领导干部既要当改革促进派、也要当改革实干家，以钉钉子精神抓落实。"
        => ["当改革促进派"];
    numbered_yiyao:
        "会议强调，要抓好三项重点工作：一要稳增长，扩大有效投资；二要保民生，兜牢底线；三要防风险，守住安全。"
        => ["抓好三项重点工作", "抓好三项重点工作 > 稳增长", "抓好三项重点工作 > 保民生", "抓好三项重点工作 > 防风险"];
    numbered_yishi_measures:
        "会议要求，一是加强组织领导，明确责任；二是强化督促检查，确保落实。"
        => ["加强组织领导", "强化督促检查"];
    numbered_yishi_assessment:
        "会议认为，今年以来工作取得积极进展：一是经济稳中向好，二是民生持续改善。"
        => [];
    directing_frame_without_modal:
        "会议要求，加快推进重大项目建设，确保年底前全部开工。"
        => ["加快推进重大项目建设"];
    speaker_frames:
        "张伟要求，各有关部门要提高站位，抓好落实；要加强协调，形成合力。李明强调，班子成员要带头示范。"
        => ["提高站位", "加强协调", "带头示范"];
    key_is_to:
        "会议指出，做好今年工作，关键是要抓好落实，以钉钉子精神推进。"
        => ["抓好落实"];
    comma_chained_directives:
        "会议强调，要稳住农业基本盘，要守住耕地红线，要促进农民增收。"
        => ["稳住农业基本盘", "守住耕地红线", "促进农民增收"];
    plenary_frames:
        "全会强调，要坚定不移推动高质量发展，扩大内需。要深化改革开放，激发活力。全会号召，全市各级党组织要团结奋斗。"
        => ["坚定不移推动高质量发展", "坚定不移推动高质量发展 > 深化改革开放", "团结奋斗"];
    single_line_keeps_paragraphs:
        "会议指出，要抓好防汛，落实责任。要加强巡查，消除隐患。会议强调，要做好民生保障，兜牢底线。要稳定就业，扩大岗位。"
        => ["抓好防汛", "抓好防汛 > 加强巡查", "做好民生保障", "做好民生保障 > 稳定就业"];
    ascii_punctuation_and_pinyin:
        "会(huì)议指出,要加快项目建设,确保投产;要优化营商环境,提升服务."
        => ["加快项目建设", "优化营商环境"];
}

#[test]
fn actors_and_time_limits_prefill_assignment() {
    let e = extract_text(
        "2024年3月5日，市政府召开常务会议。会议要求，市发改委要牵头制定方案，6月底前报市政府；各县区要在年底前完成整改。",
    );
    let t = &e.tasks;
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].actors, vec!["市发改委"]);
    let due = t[0].due.as_ref().expect("due");
    assert_eq!(
        (due.text.as_str(), due.date.as_deref()),
        ("6月底前", Some("2024-06-30"))
    );
    assert_eq!(t[1].actors, vec!["各县区"]);
    assert_eq!(
        t[1].due.as_ref().and_then(|d| d.date.as_deref()),
        Some("2024-12-31")
    );
}

#[test]
fn themes_are_marked_and_tasks_link_to_their_sentence() {
    let src = "会议指出，要守牢安全底线，防范风险。要健全监测体系，及时预警。";
    let e = extract_text(src);
    assert_eq!(e.tasks[0].kind, TaskKind::Theme);
    assert_eq!(e.tasks[1].kind, TaskKind::Task);
    let chars: Vec<char> = src.chars().collect();
    let [a, b] = e.tasks[1].span;
    assert_eq!(
        chars[a..b].iter().collect::<String>(),
        "要健全监测体系，及时预警。"
    );
    assert_eq!(e.tasks[0].cue, "要");
}

#[test]
fn boilerplate_never_becomes_a_task() {
    let e = extract_text(
        "首页 > 要闻 > 正文\n本报讯（记者 王某）\n会议指出，要抓好落实。\n图为会议现场，要求全体人员参加。（记者 李四 摄）\n责任编辑：要某\n分享到：微信 微博\n相关新闻：省长要求要抓好春耕",
    );
    assert_eq!(tree(&e), vec![("抓好落实".to_string(), None)]);
}

#[test]
fn warnings_for_truncation_and_noise() {
    let e = extract_text("会议指出，要加(jiā)快推进乡村振兴，强化五级书记抓乡村振");
    let codes: Vec<&str> = e.warnings.iter().map(|w| w.code).collect();
    assert!(
        codes.contains(&"truncated") && codes.contains(&"pinyin_removed"),
        "{codes:?}"
    );
    assert_eq!(e.tasks.len(), 1);
    let e = extract_text("会议指出，要抓好落实。\n附表 责任单位");
    assert!(
        e.warnings.iter().all(|w| w.code != "truncated"),
        "{:?}",
        e.warnings
    );
    let e = extract_text("会议认为，成绩显著。");
    assert_eq!(
        e.warnings.iter().map(|w| w.code).collect::<Vec<_>>(),
        vec!["no_tasks"]
    );
}

// ---- the fixture sets, scored as ../shared/tools/score-extraction does ----

/// The scorer's normalisation: pinyin out, width folded, Simplified, only
/// letters, digits and ideographs kept.
fn norm(s: &str) -> String {
    let stripped = clean_text(SourceKind::Text, s);
    let simp = hanconv::t2s(&stripped);
    simp.chars().filter(|c| c.is_alphanumeric()).collect()
}

struct Score {
    gold: usize,
    pred: usize,
    matched: usize,
    parent_ok: usize,
}

fn score_dir(dir: &str) -> (Score, Vec<String>) {
    let mut total = Score {
        gold: 0,
        pred: 0,
        matched: 0,
        parent_ok: 0,
    };
    let mut report = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("fixture folder {dir}: {e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".gold.json"))
        .collect();
    entries.sort();
    assert!(!entries.is_empty(), "no gold files in {dir}");
    for gold_path in entries {
        let gold: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&gold_path).expect("gold"))
                .expect("gold json");
        let doc = gold_path.with_file_name(gold["doc"].as_str().expect("doc"));
        let bytes = std::fs::read(&doc).expect("doc");
        let e = extract_bytes(&bytes).unwrap_or_else(|err| panic!("{}: {err}", doc.display()));
        let texts: Vec<String> = e.tasks.iter().map(|t| norm(&t.text)).collect();
        let mut order: Vec<usize> = (0..e.tasks.len()).collect();
        order.sort_by_key(|&i| texts[i].chars().count());
        let gtasks = gold["tasks"].as_array().expect("tasks");
        let mut taken = vec![false; e.tasks.len()];
        let mut matched: Vec<(String, usize)> = Vec::new();
        for g in gtasks {
            let h = norm(g["headline"].as_str().expect("headline"));
            if let Some(&i) = order
                .iter()
                .find(|&&i| !taken[i] && !h.is_empty() && texts[i].contains(&h))
            {
                taken[i] = true;
                matched.push((g["id"].as_str().expect("id").to_string(), i));
            } else {
                report.push(format!("{}: missed {}", doc.display(), g["headline"]));
            }
        }
        for (i, t) in e.tasks.iter().enumerate() {
            if !taken[i] {
                report.push(format!("{}: extra {}", doc.display(), t.title));
            }
        }
        let gold_of = |pi: usize| matched.iter().find(|m| m.1 == pi).map(|m| m.0.clone());
        for (gid, pi) in &matched {
            let want = gtasks
                .iter()
                .find(|g| g["id"] == gid.as_str())
                .and_then(|g| g["parent"].as_str());
            // The nearest predicted ancestor that matched a gold task.
            let mut cur = e.tasks[*pi].parent.clone();
            let mut got = None;
            while let Some(p) = cur {
                let idx = e
                    .tasks
                    .iter()
                    .position(|t| t.id == p)
                    .expect("parent id exists");
                if let Some(g) = gold_of(idx) {
                    got = Some(g);
                    break;
                }
                cur = e.tasks[idx].parent.clone();
            }
            if got.as_deref() == want {
                total.parent_ok += 1;
            } else {
                report.push(format!(
                    "{}: parent of {gid} is {got:?}, want {want:?}",
                    doc.display()
                ));
            }
        }
        total.gold += gtasks.len();
        total.pred += e.tasks.len();
        total.matched += matched.len();
    }
    (total, report)
}

fn assert_scores(dir: &str, min_f1: f64, min_parent: f64) {
    let (s, report) = score_dir(dir);
    let p = s.matched as f64 / s.pred.max(1) as f64;
    let r = s.matched as f64 / s.gold.max(1) as f64;
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    let parent = s.parent_ok as f64 / s.matched.max(1) as f64;
    assert!(
        f1 >= min_f1 && parent >= min_parent,
        "{dir}: F1 {f1:.3} parent {parent:.3}\n{}",
        report.join("\n")
    );
}

#[test]
fn wild_fixtures_score() {
    assert_scores(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/wild"),
        0.95,
        0.95,
    );
}

#[test]
fn varied_fixtures_score() {
    assert_scores(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/varied"),
        0.95,
        0.95,
    );
}

#[test]
fn genre_fixtures_score() {
    assert_scores(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/genre"),
        0.95,
        0.95,
    );
}

// ---- one document, every form a user may hand in ----

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/genre/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

#[test]
fn same_task_count_in_every_encoding_and_form() {
    let text = fixture("01.txt");
    let base = extract_text(&text);
    assert!(base.tasks.len() > 5);
    let count = |bytes: &[u8]| extract_bytes(bytes).expect("decodes").tasks.len();

    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(text.as_bytes());
    let (gb, _, bad) = encoding_rs::GB18030.encode(&text);
    assert!(!bad);
    let mut utf16 = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>通稿</title><script>var a='要加强';</script></head><body><div class=\"nav\">首页 &gt; 要闻</div>{}</body></html>",
        text.lines()
            .map(|l| format!(
                "<p>{}</p>\n",
                l.replace('“', "&ldquo;").replace('”', "&rdquo;")
            ))
            .collect::<String>()
    );
    let pinyin: String = text.replace("会议", "会(huì)议").replace("要", "要(yào)");

    assert_eq!(count(text.as_bytes()), base.tasks.len(), "utf-8");
    assert_eq!(count(&bom), base.tasks.len(), "utf-8 with BOM");
    assert_eq!(count(&gb), base.tasks.len(), "gb18030");
    assert_eq!(count(&utf16), base.tasks.len(), "utf-16le");
    assert_eq!(count(html.as_bytes()), base.tasks.len(), "html");
    assert_eq!(count(pinyin.as_bytes()), base.tasks.len(), "pinyin");
}

#[test]
fn text_copied_from_a_pdf_with_hard_wraps_reads_like_the_original() {
    let text = fixture("01.txt");
    let base = extract_text(&text);
    // Wrap every paragraph at 32 characters, as a PDF copy does.
    let wrapped: String = text
        .lines()
        .map(|l| {
            let chars: Vec<char> = l.chars().collect();
            chars
                .chunks(32)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let e = extract_text(&wrapped);
    check_invariants(&wrapped, &e);
    let titles = |e: &Extraction| e.tasks.iter().map(|t| t.title.clone()).collect::<Vec<_>>();
    assert_eq!(titles(&e), titles(&base));
    assert!(e.tasks.iter().all(|t| !t.text.contains('\n')));
    assert_eq!(tree(&e), tree(&base));
}

#[test]
fn html_spans_point_into_the_page_as_given() {
    let html =
        "<html><body><p>会议指出，要抓好&ldquo;三农&rdquo;工作，确保丰收。</p></body></html>";
    let e = extract_bytes(html.as_bytes()).expect("html");
    let t = &e.tasks[0];
    let chars: Vec<char> = html.chars().collect();
    let piece: String = chars[t.span[0]..t.span[1]].iter().collect();
    assert_eq!(piece, "要抓好&ldquo;三农&rdquo;工作，确保丰收。");
    assert_eq!(t.text, "要抓好“三农”工作，确保丰收。");
    assert_eq!(clean_text(SourceKind::Html, &piece), t.text);
}

#[test]
fn random_bytes_are_refused_without_panic() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..200 {
        let bytes: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        assert!(extract_bytes(&bytes).is_err());
    }
}

// ---- properties ----

/// Text in the genre's alphabet: cue characters, punctuation of both
/// widths, quotes, parentheses, pinyin, newlines and some noise.
fn genre_text() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "要",
        "必须",
        "务必",
        "会议指出，",
        "会议要求",
        "一是",
        "二要",
        "，",
        "。",
        "；",
        "：",
        ",",
        ".",
        ";",
        "“",
        "”",
        "《",
        "》",
        "(",
        ")",
        "（",
        "）",
        "(huì)",
        "??",
        "？",
        "\n",
        " ",
        "　",
        "需要",
        "重要",
        "加强",
        "推动",
        "工作",
        "全省上下",
        "既要",
        "也要",
        "年底前",
        "6月底前",
        "7月12日",
        "昨天",
        "主持",
        "召开",
        "省委常委会",
        "會議",
        "並",
        "于",
        "&amp;",
        "<p>",
        "\u{FEFF}",
        "\u{FFFD}",
        "a",
        "1",
        "要求",
    ]);
    prop::collection::vec(atoms, 0..80).prop_map(|v| v.concat())
}

fn check_invariants(input: &str, e: &Extraction) {
    let chars: Vec<char> = input.chars().collect();
    for (i, t) in e.tasks.iter().enumerate() {
        assert_eq!(t.id, format!("t{}", i + 1));
        let [a, b] = t.span;
        assert!(
            a < b && b <= chars.len(),
            "span {a}..{b} of {}",
            chars.len()
        );
        let piece: String = chars[a..b].iter().collect();
        assert_eq!(
            clean_text(SourceKind::Text, &piece),
            t.text,
            "span text vs text"
        );
        assert!(!t.text.is_empty() && !t.title.is_empty());
        if let Some(p) = &t.parent {
            let pi = e
                .tasks
                .iter()
                .position(|x| &x.id == p)
                .expect("parent exists");
            assert!(pi < i, "parent comes first");
            assert_eq!(e.tasks[pi].kind, TaskKind::Theme);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn genre_like_text_never_breaks_the_contract(s in genre_text()) {
        let e = extract_text(&s);
        check_invariants(&s, &e);
    }

    #[test]
    fn any_string_never_breaks_the_contract(s in any::<String>()) {
        let e = extract_text(&s);
        check_invariants(&s, &e);
    }

    #[test]
    fn any_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(e) = extract_bytes(&b) {
            for t in &e.tasks {
                prop_assert!(t.span[0] < t.span[1]);
            }
        }
    }
}
