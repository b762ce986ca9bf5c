//! The assign (交办), administration (单位与用户) and API-token pages in a
//! real headless Chromium: the office assigns tasks to two units in bulk
//! (one batch ticked by hand and keyboard, one with "select all"), the
//! administrator adds a unit under another and a user with a one-time
//! password, creates an API token and revokes it after confirming. Every
//! page is saved under `target/screenshots/admin-*.png` at 1280 px and at
//! 390 px to be looked at; at 390 px nothing may scroll sideways.

#![allow(clippy::unwrap_used)]

mod helpers;

use fantoccini::{Client, Locator};
use helpers::browser::{click, fill, h1, login, logout, open_browser, path, shot};
use helpers::{COMMUNIQUE, Engine, PASSWORD, TestServer};
use luoshi_core::{Accounts, Ledger, TaskId, UnitName};
use serde_json::json;

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn value(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Looks at the page 390 px wide: a screenshot, and no sideways scrolling.
async fn phone(c: &Client, url: &str, name: &str) {
    c.set_window_size(390, 844).await.unwrap();
    c.goto(url).await.unwrap();
    h1(c).await;
    shot(c, name).await;
    let width: serde_json::Value = c
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await
        .unwrap();
    assert!(
        width.as_i64().unwrap() <= 400,
        "{name}: no sideways scrolling at 390 px: {width}"
    );
    c.set_window_size(1280, 800).await.unwrap();
}

async fn office_assigns_in_bulk_and_the_administrator_manages_units_users_and_tokens(
    engine: Engine,
) {
    let s = TestServer::start(engine).await;
    for unit in ["省水利厅", "省财政厅", "省发展改革委"] {
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
    let doc_id = doc["document"]["id"].as_i64().unwrap();
    let ids: Vec<i64> = doc["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();

    let (driver, c) = open_browser().await;
    let base = s.base.clone();

    // The office opens 交办 from the document, as the ingest page links.
    login(&c, &base, "office", PASSWORD).await;
    c.goto(&format!("{base}/assign?document={doc_id}"))
        .await
        .unwrap();
    assert_eq!(h1(&c).await, "交办任务");
    shot(&c, "admin-01-assign").await;

    // First batch: two tasks, one ticked with the keyboard, to 省水利厅.
    c.find(Locator::Id(&format!("pick-{}", ids[1])))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id(&format!("pick-{}", ids[2])))
        .await
        .unwrap()
        .send_keys(" ")
        .await
        .unwrap();
    fill(&c, "lead", "省水利厅").await;
    fill(&c, "co-0", "省财政厅").await;
    fill(&c, "owner", "李四").await;
    c.execute(
        "document.getElementById('deadline').value = '2026-06-30';",
        vec![],
    )
    .await
    .unwrap();
    c.find(Locator::Css("#cycle option[value=monthly]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shot(&c, "admin-02-assign-filled").await;
    click(&c, "#assign-submit").await;
    assert!(path(&c).await.contains("&r="), "{}", path(&c).await);
    assert_eq!(text(&c, "#assign-result-h").await, "已交办 2 项");
    shot(&c, "admin-03-assign-result").await;

    // Second batch: the drafts left, all ticked at once, to 省财政厅.
    c.goto(&format!("{base}/assign?document={doc_id}&status=draft"))
        .await
        .unwrap();
    h1(&c).await;
    click(&c, "button[name=select][value=all]").await;
    let ticked: serde_json::Value = c
        .execute(
            "return document.querySelectorAll('input[name=task]:checked').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(ticked.as_i64(), Some(2), "the theme and the fourth task");
    fill(&c, "lead", "省财政厅").await;
    fill(&c, "co-0", "省发展改革委").await;
    c.execute(
        "document.getElementById('deadline').value = '2026-12-31';",
        vec![],
    )
    .await
    .unwrap();
    click(&c, "#assign-submit").await;
    assert_eq!(text(&c, "#assign-result-h").await, "已交办 2 项");
    for (id, lead) in [
        (ids[1], "省水利厅"),
        (ids[2], "省水利厅"),
        (ids[0], "省财政厅"),
        (ids[3], "省财政厅"),
    ] {
        let task = s.store.task(TaskId(id)).await.unwrap();
        assert_eq!(task.assignment.unwrap().lead.name.as_str(), lead, "{id}");
    }
    assert_eq!(
        s.store
            .cycle(TaskId(ids[1]))
            .await
            .unwrap()
            .unwrap()
            .cycle
            .code(),
        "monthly"
    );
    phone(
        &c,
        &format!("{base}/assign?document={doc_id}&status=assigned"),
        "admin-04-assign-390",
    )
    .await;
    logout(&c).await;

    // The administrator: a unit under another, then a user in it.
    login(&c, &base, "admin", PASSWORD).await;
    c.goto(&format!("{base}/admin")).await.unwrap();
    assert_eq!(h1(&c).await, "单位与用户");
    shot(&c, "admin-05-admin").await;
    fill(&c, "unit_name", "河湖管理处").await;
    fill(&c, "unit_parent", "省水利厅").await;
    click(&c, "#unit-add button[type=submit]").await;
    assert_eq!(path(&c).await, "/admin?done=unit_added");
    assert!(text(&c, ".notice.ok").await.contains("单位已新增"));
    let unit = s
        .store
        .unit(&UnitName::parse("河湖管理处").unwrap())
        .await
        .unwrap();
    assert_eq!(unit.parent.unwrap().name.as_str(), "省水利厅");
    shot(&c, "admin-06-unit-added").await;
    // Its "adjust" link opens the rename and move form for it.
    c.find(Locator::XPath(
        "//li[span[@class='unit-name' and text()='河湖管理处']]//a[1]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    assert_eq!(text(&c, "#unit-edit h3").await, "调整单位：河湖管理处");
    fill(&c, "new_name", "河湖管理处（河长办）").await;
    shot(&c, "admin-06b-unit-edit").await;
    click(&c, "#unit-edit form:first-of-type button[type=submit]").await;
    assert_eq!(path(&c).await, "/admin?done=unit_renamed");
    assert!(
        text(&c, ".unit-tree")
            .await
            .contains("河湖管理处（河长办）")
    );

    fill(&c, "new_login", "hehu").await;
    fill(&c, "new_user_name", "王河湖").await;
    c.find(Locator::Css("#new_role option[value=unit_staff]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&c, "new_unit", "河湖管理处（河长办）").await;
    click(&c, "#user-add button[type=submit]").await;
    assert_eq!(text(&c, "#secret-h").await, "已新增用户 hehu（王河湖）");
    let otp = value(&c, "secret-value").await;
    assert!(otp.len() >= 10, "{otp}");
    shot(&c, "admin-07-user-created").await;
    phone(&c, &format!("{base}/admin"), "admin-08-admin-390").await;

    // The administrator's own tokens: create one, then revoke it.
    c.goto(&format!("{base}/tokens")).await.unwrap();
    assert_eq!(h1(&c).await, "我的 API 令牌");
    fill(&c, "token_name", "浏览器测试令牌").await;
    click(&c, "form[action='/tokens'] button[type=submit]").await;
    let secret = value(&c, "secret-value").await;
    assert_eq!(secret.len(), 64);
    assert_eq!(s.get_as(&secret, "/api/v1/me").await.status.as_u16(), 200);
    shot(&c, "admin-09-token-created").await;
    c.find(Locator::XPath(
        "//tr[td[contains(., '浏览器测试令牌')]]//a[contains(@class, 'revoke')]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    assert_eq!(text(&c, "#confirm-h").await, "确定撤销这个令牌吗？");
    shot(&c, "admin-10-token-confirm").await;
    click(&c, "#confirm-revoke").await;
    assert_eq!(path(&c).await, "/tokens?done=token_revoked");
    assert_eq!(s.get_as(&secret, "/api/v1/me").await.status.as_u16(), 401);
    shot(&c, "admin-11-token-revoked").await;
    phone(&c, &format!("{base}/tokens"), "admin-12-tokens-390").await;
    // In English and Traditional Chinese the same page still fits.
    c.goto(&format!("{base}/lang?to=en&back=/admin"))
        .await
        .unwrap();
    assert_eq!(h1(&c).await, "Units and users");
    shot(&c, "admin-13-admin-en").await;
    phone(&c, &format!("{base}/tokens"), "admin-14-tokens-en-390").await;
    c.goto(&format!("{base}/lang?to=zh-Hant&back=/tokens"))
        .await
        .unwrap();
    assert_eq!(h1(&c).await, "我的 API 令牌");
    shot(&c, "admin-15-tokens-hant").await;
    c.goto(&format!("{base}/lang?to=zh-Hans&back=/tokens"))
        .await
        .unwrap();
    h1(&c).await;
    logout(&c).await;

    // The new user logs in with the one-time password and must change it.
    login(&c, &base, "hehu", &otp).await;
    assert_eq!(path(&c).await, "/password");
    let user = s
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.login.as_str() == "hehu")
        .unwrap();
    assert_eq!(user.unit.unwrap().name.as_str(), "河湖管理处（河长办）");

    c.close().await.unwrap();
    drop(driver);
    s.finish().await;
}

engine_cases!(office_assigns_in_bulk_and_the_administrator_manages_units_users_and_tokens,);
