//! Every page in English and in Traditional Chinese, at 1280×800 and at
//! 390 px wide, in a real headless Chromium: each page opens with its
//! heading, nothing scrolls sideways on the phone, no catalogue key shows
//! as it is, and a screenshot of each is saved to be looked at
//! (`target/screenshots/lang-<lang>-<page>-<width>.png`). The data behind
//! the pages is the supervision fixture's: two units, assigned tasks past
//! their deadline, cards, notifications, problems, indicators, a report.

#![allow(clippy::unwrap_used)]

mod helpers;

use fantoccini::Client;
use helpers::browser::{h1, login, open_browser, shot};
use helpers::{COMMUNIQUE, Engine, PASSWORD, TestServer};
use luoshi_core::{Date, Role, WarningRules};
use serde_json::{Value, json};

/// The ids the pages need: (document, a task with a card, a problem).
async fn fixture(s: &TestServer) -> (i64, i64, i64) {
    for unit in ["省水利厅", "省财政厅"] {
        s.ok_post_as(&s.admin_token, "/api/v1/units", &json!({"name": unit}), 201)
            .await;
    }
    let doc = s
        .ok_post(
            "/api/v1/documents",
            &json!({"text": COMMUNIQUE, "name": "省委常委会会议通稿"}),
            201,
        )
        .await;
    let ids: Vec<i64> = doc["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    for (task, lead, deadline) in [
        (ids[1], "省水利厅", "2026-06-30"),
        (ids[2], "省财政厅", "2026-06-30"),
        (ids[3], "省水利厅", "2026-12-31"),
    ] {
        s.ok_post(
            &format!("/api/v1/tasks/{task}/assign"),
            &json!({"expected_version": 1, "lead": lead, "deadline": deadline, "owner": "李四"}),
            200,
        )
        .await;
    }
    s.ok_post(
        &format!("/api/v1/tasks/{}/cycle", ids[1]),
        &json!({"kind": "quarterly"}),
        200,
    )
    .await;
    let (_, staff) = s.account("shuili", Role::UnitStaff, Some("省水利厅")).await;
    s.ok_post_as(
        &staff,
        &format!("/api/v1/tasks/{}/reports", ids[3]),
        &json!({"period": "2026-03", "done": "完成用地指标摸底。", "percent": 20}),
        201,
    )
    .await;
    let p = s
        .ok_post(
            "/api/v1/problems",
            &json!({"description": "审批时限超标，企业办事来回跑多次", "found_by": "督查",
                    "root_cause": "执行不力", "deadline": "2026-05-31", "task": ids[1],
                    "class": "审批效率"}),
            201,
        )
        .await;
    let i = s
        .ok_post(
            &format!("/api/v1/tasks/{}/indicators", ids[1]),
            &json!({"name": "新增省级重点实验室", "measure": "家", "year": 2026, "annual_target": 10}),
            201,
        )
        .await;
    s.ok_post(
        &format!("/api/v1/indicators/{}/values", i["id"]),
        &json!({"period": "2026-05", "value": 3}),
        200,
    )
    .await;
    s.clock.advance_days(113);
    let day = Date::parse("2026-07-01").unwrap();
    let rules = WarningRules::default();
    s.store.assess(day, &rules).await.unwrap();
    s.store
        .record_reminders(Date::parse("2026-06-30").unwrap(), 3, &[], &rules)
        .await
        .unwrap();
    (
        doc["document"]["id"].as_i64().unwrap(),
        ids[1],
        p["problem"]["id"].as_i64().unwrap(),
    )
}

/// The widest element's right edge, when the page is wider than the window.
async fn sideways(c: &Client) -> Option<String> {
    let v: Value = c
        .execute(
            "const w = document.documentElement.clientWidth;
             if (document.documentElement.scrollWidth <= w) return null;
             let worst = null, right = w;
             for (const e of document.querySelectorAll('body *')) {
               const r = e.getBoundingClientRect().right;
               if (r > right) { right = r; worst = e; }
             }
             return worst ? worst.tagName + '.' + worst.className + ' ' + Math.round(right) : 'page';",
            vec![],
        )
        .await
        .unwrap();
    v.as_str().map(str::to_owned)
}

/// Catalogue keys standing as text in the page (`sup.col.task`), and
/// stored codes shown in brackets for want of a label (`变更（raise）`).
async fn raw_keys(c: &Client) -> Vec<String> {
    let v: Value = c
        .execute(
            "const text = document.body.innerText;
             return text.match(/\\b(nav|app|sr|sup|prob|notif|eval|ind|task|ledger|dash|review|assign|admin|ingest|status|event|role|lang|tokens|password|login)\\.[a-z_]+(\\.[a-z_]+)*\\b|（[a-z_]+）/g) || [];",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_in_english_and_traditional_chinese() {
    let s = TestServer::start(Engine::Sqlite).await;
    let (document, task, problem) = fixture(&s).await;
    let (_driver, c) = open_browser().await;
    let base = s.base.clone();
    let pages: Vec<(&str, String)> = vec![
        ("ledger", "/ledger".to_owned()),
        ("task", format!("/tasks/{task}")),
        ("dashboard", "/dashboard".to_owned()),
        ("review", "/review".to_owned()),
        ("ingest", "/ingest".to_owned()),
        ("import", "/ingest/import".to_owned()),
        ("assign", "/assign".to_owned()),
        ("supervision", "/supervision".to_owned()),
        ("notifications", "/notifications".to_owned()),
        ("problems", "/problems".to_owned()),
        ("problem-new", "/problems/new".to_owned()),
        ("problem", format!("/problems/{problem}")),
        ("indicators", "/indicators".to_owned()),
        ("evaluation", "/evaluation?period=2026-06".to_owned()),
        (
            "status-report",
            format!("/status-report?document={document}"),
        ),
        ("tokens", "/tokens".to_owned()),
        ("password", "/password".to_owned()),
    ];
    let mut problems = Vec::new();
    for (login_name, extra) in [("office", None), ("admin", Some(("admin", "/admin")))] {
        login(&c, &base, login_name, PASSWORD).await;
        for lang in ["en", "zh-Hant"] {
            c.goto(&format!("{base}/lang?to={lang}&back=/ledger"))
                .await
                .unwrap();
            h1(&c).await;
            let list: Vec<(&str, String)> = match extra {
                None => pages.clone(),
                Some((name, path)) => vec![(name, path.to_owned())],
            };
            for (width, height) in [(1280u32, 800u32), (390, 844)] {
                c.set_window_size(width, height).await.unwrap();
                for (name, path) in &list {
                    c.goto(&format!("{base}{path}")).await.unwrap();
                    let heading = h1(&c).await;
                    assert!(!heading.trim().is_empty(), "{lang} {path}: a heading");
                    let lang_attr = c
                        .execute("return document.documentElement.lang;", vec![])
                        .await
                        .unwrap();
                    assert_eq!(lang_attr, json!(lang), "{path}");
                    shot(&c, &format!("lang-{lang}-{name}-{width}")).await;
                    let keys = raw_keys(&c).await;
                    if !keys.is_empty() {
                        problems.push(format!("{lang} {path}: raw keys {keys:?}"));
                    }
                    if width == 390
                        && let Some(what) = sideways(&c).await
                    {
                        problems.push(format!("{lang} {path} at 390 px scrolls sideways: {what}"));
                    }
                }
            }
            c.set_window_size(1280, 800).await.unwrap();
        }
        c.goto(&format!("{base}/lang?to=zh-Hans&back=/ledger"))
            .await
            .unwrap();
        helpers::browser::logout(&c).await;
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    s.finish().await;
}
