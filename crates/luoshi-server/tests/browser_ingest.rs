//! 新建 (ingest) in a real headless Chromium: the office pastes the test
//! communiqué, hovers a task and sees its sentence highlighted in the
//! source, renames one task, drops one, adds one from a selection in the
//! source, confirms and lands on the document's ledger; then imports an
//! Excel 台账 and watches the job page. Every page is saved under
//! `target/screenshots/ingest-*.png`, at 1280×800 and at 390 px wide.

#![allow(clippy::unwrap_used)]

mod helpers;

use fantoccini::Locator;
use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use helpers::browser::{click, fill, h1, login, open_browser, path, shot};
use helpers::{COMMUNIQUE, Engine, PASSWORD, TestServer};
use luoshi_core::{DocumentId, TaskId, TaskKind, xlsx};
use serde_json::json;

async fn js(c: &fantoccini::Client, script: &str) -> serde_json::Value {
    c.execute(script, vec![]).await.unwrap()
}

/// Pastes the communiqué into the form and extracts it.
async fn paste(c: &fantoccini::Client, base: &str) {
    c.goto(&format!("{base}/ingest")).await.unwrap();
    c.execute(
        "document.getElementById('i-text').value = arguments[0];",
        vec![json!(COMMUNIQUE)],
    )
    .await
    .unwrap();
}

async fn no_sideways_scroll(c: &fantoccini::Client, what: &str) {
    let width = js(
        c,
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
    )
    .await;
    assert!(
        width.as_i64().unwrap() <= 0,
        "no sideways scrolling at 390 px on {what}: {width}"
    );
}

async fn the_office_reviews_and_stores_a_communique_in_a_real_browser(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (driver, c) = open_browser().await;
    let base = s.base.clone();
    login(&c, &base, "office", PASSWORD).await;

    paste(&c, &base).await;
    assert_eq!(h1(&c).await, "新建：录入会议通稿");
    shot(&c, "ingest-01-paste").await;
    click(&c, "form.ingest-new button[type=submit]").await;
    assert_eq!(h1(&c).await, "核对提取结果");
    shot(&c, "ingest-02-review").await;

    // Hovering a task lights its sentence in the source, and only it.
    let task = c.find(Locator::Id("task-t2")).await.unwrap();
    c.perform_actions(
        MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
            element: task,
            duration: None,
            x: 0.0,
            y: 0.0,
        }),
    )
    .await
    .unwrap();
    let lit = js(
        &c,
        "return Array.from(document.querySelectorAll('#source .hl')).map(e => e.textContent).join('');",
    )
    .await;
    assert_eq!(lit, "要推动产业升级，6月底前出台实施方案。");
    shot(&c, "ingest-03-highlight").await;
    // Moving to another task moves the light.
    let other = c.find(Locator::Id("task-t4")).await.unwrap();
    c.perform_actions(
        MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
            element: other,
            duration: None,
            x: 0.0,
            y: 0.0,
        }),
    )
    .await
    .unwrap();
    let lit = js(
        &c,
        "return Array.from(document.querySelectorAll('#source .hl')).map(e => e.textContent).join('');",
    )
    .await;
    assert!(lit.as_str().unwrap().contains("加强水利建设"), "{lit}");

    // Rename one task, then drop another (the rename goes with the post).
    fill(&c, "title-t2", "推动产业转型升级").await;
    click(&c, "button[value='drop:t3']").await;
    assert_eq!(h1(&c).await, "核对提取结果");
    let renamed = c
        .find(Locator::Id("title-t2"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(renamed.as_deref(), Some("推动产业转型升级"));
    assert!(
        c.find(Locator::Id("title-t3")).await.is_err(),
        "t3 is dropped"
    );
    shot(&c, "ingest-04-dropped").await;

    // Select a clause in the source: the add form fills itself.
    let picked = js(
        &c,
        r"
        const want = '加快建设实验室体系';
        for (const el of document.querySelectorAll('#source [data-o]')) {
          const i = el.textContent.indexOf(want);
          if (i < 0) continue;
          const node = el.firstChild;
          const r = document.createRange();
          r.setStart(node, i);
          r.setEnd(node, i + want.length);
          const sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(r);
          document.getElementById('source').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
          return [document.getElementById('add-text').value,
                  document.getElementById('add-start').value,
                  document.getElementById('add-end').value];
        }
        return null;",
    )
    .await;
    let chars: Vec<char> = COMMUNIQUE.chars().collect();
    let start = COMMUNIQUE[..COMMUNIQUE.find("加快建设实验室体系").unwrap()]
        .chars()
        .count();
    assert_eq!(
        picked,
        json!([
            "加快建设实验室体系",
            start.to_string(),
            (start + 9).to_string()
        ])
    );
    assert_eq!(
        chars[start..start + 9].iter().collect::<String>(),
        "加快建设实验室体系"
    );
    c.execute(
        "document.getElementById('add-parent').value = 't1';",
        vec![],
    )
    .await
    .unwrap();
    click(&c, "#add-button").await;
    let body = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("已添加任务"), "{body}");
    shot(&c, "ingest-05-added").await;

    click(&c, "#confirm").await;
    let here = path(&c).await;
    assert!(
        here.starts_with("/ledger?document=") && here.ends_with("&done=ingested"),
        "{here}"
    );
    let body = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("文件已入库"), "{body}");
    shot(&c, "ingest-06-ledger").await;
    let document = here
        .trim_start_matches("/ledger?document=")
        .trim_end_matches("&done=ingested")
        .to_owned();
    let tasks = s
        .ok_get(&format!("/api/v1/tasks?document={document}"))
        .await;
    let titles: Vec<&str> = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "打造科技创新高地",
            "加快建设实验室体系",
            "推动产业转型升级",
            "加强水利建设"
        ]
    );

    // A phone, 390 px wide.
    c.set_window_size(390, 844).await.unwrap();
    paste(&c, &base).await;
    shot(&c, "ingest-07-paste-390").await;
    no_sideways_scroll(&c, "the paste page").await;
    click(&c, "form.ingest-new button[type=submit]").await;
    shot(&c, "ingest-08-review-390").await;
    no_sideways_scroll(&c, "the review").await;
    c.set_window_size(1280, 800).await.unwrap();

    // The review in English and in Traditional Chinese.
    for (tag, name, heading) in [
        ("en", "ingest-13-review-en", "Check the extracted tasks"),
        ("zh-Hant", "ingest-14-review-hant", "覈對提取結果"),
    ] {
        c.goto(&format!("{base}/lang?to={tag}&back=/ingest"))
            .await
            .unwrap();
        paste(&c, &base).await;
        click(&c, "form.ingest-new button[type=submit]").await;
        assert_eq!(h1(&c).await, heading);
        shot(&c, name).await;
    }
    c.goto(&format!("{base}/lang?to=zh-Hans&back=/ingest"))
        .await
        .unwrap();

    // The Excel import and its job page.
    let rows: Vec<xlsx::SheetRow> = (0..300)
        .map(|i| xlsx::SheetRow {
            kind: if i % 20 == 0 {
                TaskKind::Theme
            } else {
                TaskKind::Task
            },
            number: if i % 20 == 0 {
                format!("{}、", xlsx::chinese_numeral(i / 20 + 1))
            } else {
                (i % 20).to_string()
            },
            title: format!("第{}项工作", i + 1),
            lead: String::new(),
            co_units: String::new(),
            owner: String::new(),
            deadline: None,
            progress: String::new(),
            status: "待交办".to_owned(),
            task: TaskId(i64::try_from(i).unwrap() + 1),
            document: DocumentId(1),
        })
        .collect();
    let file = std::env::temp_dir().join(format!("luoshi-ingest-{}.xlsx", std::process::id()));
    std::fs::write(&file, xlsx::write(&rows, "任务台账").unwrap()).unwrap();
    c.goto(&format!("{base}/ingest/import")).await.unwrap();
    c.find(Locator::Id("x-file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    shot(&c, "ingest-09-import").await;
    click(&c, "form.ingest-new button[type=submit]").await;
    assert!(path(&c).await.starts_with("/ingest/jobs/"));
    shot(&c, "ingest-10-job").await;
    let start = std::time::Instant::now();
    loop {
        // The page reloads itself every second: read it between reloads.
        let body = match c.find(Locator::Css("main")).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if body.contains("导入完成") {
            assert!(body.contains("已处理 300 / 300 行"), "{body}");
            break;
        }
        assert!(
            start.elapsed().as_secs() < 60,
            "the import finishes: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    shot(&c, "ingest-11-job-done").await;
    c.set_window_size(390, 844).await.unwrap();
    shot(&c, "ingest-12-job-done-390").await;
    no_sideways_scroll(&c, "the job page").await;
    std::fs::remove_file(&file).ok();

    c.close().await.unwrap();
    drop(driver);
    s.finish().await;
}

engine_cases!(the_office_reviews_and_stores_a_communique_in_a_real_browser,);
