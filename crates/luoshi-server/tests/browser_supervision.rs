//! The supervision pages in a real headless Chromium (Debian's `chromium`
//! and `chromium-driver` over WebDriver, as `browser.rs`): the office
//! reads 督办, clears a red card with a reason, reads the notifications,
//! files a problem typed in Traditional script after the similar-problem
//! check, records an indicator value, reads the evaluation and the
//! printable status report; the same pages at 390 px wide; a unit's staff
//! member sees only the unit's cards and marks a notification read.
//!
//! Screenshots go to `target/screenshots/supervision-NN-….png` to be
//! looked at. Never skipped: when the browser is missing the helper
//! installs it or fails saying how.

#![allow(clippy::unwrap_used)]

mod helpers;

use fantoccini::{Client, Locator};
use helpers::browser::{click, fill, h1, login, logout, open_browser, path, shot};
use helpers::{COMMUNIQUE, Engine, PASSWORD, TestServer};
use luoshi_core::{CardFilter, Date, Role, TaskId, WarningRules};
use serde_json::json;

async fn source(c: &Client) -> String {
    c.source().await.unwrap()
}

async fn no_sideways_scroll(c: &Client, what: &str) {
    let width: serde_json::Value = c
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await
        .unwrap();
    assert!(
        width.as_i64().unwrap() <= 400,
        "{what}: no sideways scrolling at 390 px: {width}"
    );
}

async fn supervision_pages_in_a_real_browser(engine: Engine) {
    let s = TestServer::start(engine).await;
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
    let document = doc["document"]["id"].as_i64().unwrap();
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
    let (_, staff) = s.account("shuili", Role::UnitStaff, Some("省水利厅")).await;
    s.ok_post_as(
        &staff,
        &format!("/api/v1/tasks/{}/reports", ids[3]),
        &json!({"period": "2026-03", "done": "完成用地指标摸底。", "percent": 20}),
        201,
    )
    .await;
    for (task, text, cause, class) in [
        (
            ids[1],
            "审批时限超标，企业办事来回跑多次",
            "执行不力",
            "审批效率",
        ),
        (
            ids[2],
            "专项资金拨付滞后，项目无法按期开工",
            "资源不足",
            "资金拨付",
        ),
    ] {
        s.ok_post(
            "/api/v1/problems",
            &json!({"description": text, "found_by": "督查", "root_cause": cause,
                    "deadline": "2026-05-31", "task": task, "class": class}),
            201,
        )
        .await;
    }
    let mut indicator = 0;
    for (task, name, target, value) in [
        (ids[1], "新增省级重点实验室", 10, 3),
        (ids[2], "技改投资增长", 12, 7),
    ] {
        let i = s
            .ok_post(
                &format!("/api/v1/tasks/{task}/indicators"),
                &json!({"name": name, "measure": if task == ids[1] { "家" } else { "%" }, "year": 2026, "annual_target": target}),
                201,
            )
            .await;
        indicator = i["id"].as_i64().unwrap();
        s.ok_post(
            &format!("/api/v1/indicators/{indicator}/values"),
            &json!({"period": "2026-05", "value": value}),
            200,
        )
        .await;
    }
    // 2026-07-01: both June deadlines passed.
    s.clock.advance_days(113);
    let day = Date::parse("2026-07-01").unwrap();
    let rules = WarningRules::default();
    s.store.assess(day, &rules).await.unwrap();
    s.store
        .record_reminders(Date::parse("2026-06-30").unwrap(), 3, &[], &rules)
        .await
        .unwrap();
    let card = s
        .store
        .cards(&CardFilter {
            task: Some(TaskId(ids[2])),
            open: true,
            ..CardFilter::default()
        })
        .await
        .unwrap()[0]
        .id
        .0;

    let (driver, c) = open_browser().await;
    let base = s.base.clone();
    login(&c, &base, "office", PASSWORD).await;

    // 督办 at 1280.
    c.goto(&format!("{base}/supervision")).await.unwrap();
    assert_eq!(h1(&c).await, "督办");
    shot(&c, "supervision-01-supervision").await;
    c.find(Locator::Css(&format!("form[action='/cards/{card}/clear']")))
        .await
        .unwrap();
    c.execute(
        "document.querySelectorAll('details.clear').forEach(d => d.open = true);",
        vec![],
    )
    .await
    .unwrap();
    fill(
        &c,
        &format!("clear-{card}"),
        "已约谈省财政厅，整改计划已报送",
    )
    .await;
    click(&c, &format!("form[action='/cards/{card}/clear'] button")).await;
    assert_eq!(path(&c).await, "/supervision?done=card_cleared");
    assert!(source(&c).await.contains("预警已解除"));
    shot(&c, "supervision-02-card-cleared").await;

    c.goto(&format!("{base}/notifications")).await.unwrap();
    assert!(h1(&c).await.starts_with("消息提醒"));
    shot(&c, "supervision-03-notifications").await;

    c.goto(&format!("{base}/problems")).await.unwrap();
    assert_eq!(h1(&c).await, "问题清单");
    shot(&c, "supervision-04-problems").await;
    click(&c, "a[href='/problems/new']").await;
    assert_eq!(h1(&c).await, "登记问题");
    fill(&c, "n-description", "審批時限超標，企業辦事來回跑多次").await;
    c.find(Locator::Id("n-cause"))
        .await
        .unwrap()
        .select_by_value("mechanism")
        .await
        .unwrap();
    fill(&c, "n-unit", "省水利厅").await;
    c.execute(
        "document.getElementById('n-deadline').value = '2026-09-30';",
        vec![],
    )
    .await
    .unwrap();
    fill(&c, "n-class", "审批效率").await;
    click(&c, "button[value='check']").await;
    let html = source(&c).await;
    assert!(html.contains("已有相似问题"));
    assert!(html.contains("审批时限超标，企业办事来回跑多次"));
    shot(&c, "supervision-05-problem-similar").await;
    click(&c, "button[value='save']").await;
    assert!(path(&c).await.ends_with("?done=problem_filed"));
    shot(&c, "supervision-06-problem").await;

    c.goto(&format!("{base}/indicators")).await.unwrap();
    assert_eq!(h1(&c).await, "指标");
    fill(&c, &format!("v-value-{indicator}"), "9").await;
    click(
        &c,
        &format!("form[action='/indicators/{indicator}/values'] button"),
    )
    .await;
    assert_eq!(path(&c).await, "/indicators?done=indicator_recorded");
    shot(&c, "supervision-07-indicators").await;

    c.goto(&format!("{base}/evaluation?period=2026-06"))
        .await
        .unwrap();
    assert_eq!(h1(&c).await, "考核排名");
    shot(&c, "supervision-08-evaluation").await;

    c.goto(&format!("{base}/status-report")).await.unwrap();
    click(&c, &format!("a[href='/status-report?document={document}']")).await;
    assert!(h1(&c).await.contains("贯彻落实情况的汇报"));
    shot(&c, "supervision-09-status-report").await;
    // Printed: no navigation, no forms.
    let hidden: serde_json::Value = c
        .execute(
            "return [...document.styleSheets].some(s => [...s.cssRules].some(r => r.media && r.media.mediaText === 'print'));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(hidden.as_bool(), Some(true), "print rules are there");

    // A phone, 390 px wide.
    c.set_window_size(390, 844).await.unwrap();
    for (n, page) in [
        ("10", "/supervision".to_owned()),
        ("11", "/problems".to_owned()),
        ("12", "/indicators".to_owned()),
        ("13", "/evaluation?period=2026-06".to_owned()),
        ("14", format!("/status-report?document={document}")),
        ("15", "/notifications".to_owned()),
    ] {
        c.goto(&format!("{base}{page}")).await.unwrap();
        h1(&c).await;
        let name = page
            .trim_start_matches('/')
            .split(['?', '/'])
            .next()
            .unwrap()
            .to_owned();
        shot(&c, &format!("supervision-{n}-{name}-390")).await;
        no_sideways_scroll(&c, &page).await;
    }
    c.set_window_size(1280, 800).await.unwrap();
    logout(&c).await;

    // The unit's staff: its own unit only; a notification marked read.
    login(&c, &base, "shuili", PASSWORD).await;
    c.goto(&format!("{base}/supervision")).await.unwrap();
    h1(&c).await;
    let html = source(&c).await;
    assert!(html.contains(&format!("href=\"/tasks/{}\"", ids[1])));
    assert!(!html.contains(&format!("href=\"/tasks/{}\"", ids[2])));
    assert!(!html.contains("省财政厅"));
    shot(&c, "supervision-16-unit").await;
    c.goto(&format!("{base}/notifications")).await.unwrap();
    h1(&c).await;
    click(&c, "form[action$='/read'] button").await;
    assert_eq!(path(&c).await, "/notifications?done=notification_read");
    shot(&c, "supervision-17-unit-notifications").await;
    c.goto(&format!("{base}/problems")).await.unwrap();
    h1(&c).await;
    assert!(!source(&c).await.contains("专项资金拨付滞后"));
    shot(&c, "supervision-18-unit-problems").await;
    // English.
    click(&c, "nav.langs a[lang='en']").await;
    assert_eq!(h1(&c).await, "Problems");
    shot(&c, "supervision-19-problems-en").await;
    // Traditional script.
    click(&c, "nav.langs a[lang='zh-Hant']").await;
    assert_eq!(h1(&c).await, "問題清單");
    c.goto(&format!("{base}/supervision")).await.unwrap();
    assert_eq!(h1(&c).await, "督辦");
    shot(&c, "supervision-20-supervision-hant").await;

    c.close().await.unwrap();
    drop(driver);
    s.finish().await;
}

engine_cases!(supervision_pages_in_a_real_browser,);
