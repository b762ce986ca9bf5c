//! End to end in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, driven over WebDriver by fantoccini): an office user
//! logs in with a one-time password, changes it, reads the ledger, opens a
//! task, the dashboard and the review queue; a unit's staff member logs in,
//! sees only the unit's tasks and files a progress report through the form;
//! the language switch turns the page into Traditional Chinese and English;
//! the pages are looked at 390 px wide too.
//!
//! Every page is saved as a PNG under `target/screenshots/` (the cargo
//! target directory) to be looked at. When chromium, its driver or the CJK
//! fonts are missing the test installs them with apt-get (Debian, as
//! root); when it cannot, it fails and says how to install them — it is
//! never skipped.

#![allow(clippy::unwrap_used)]

mod helpers;

use fantoccini::Locator;
use helpers::browser::{click, fill, h1, login, logout, open_browser, path, shot};
use helpers::{COMMUNIQUE, Engine, PASSWORD, TestServer};
use luoshi_core::{Accounts, Login, NewUser, Password, PersonName, Role};
use serde_json::json;

async fn office_and_unit_staff_work_in_a_real_browser(engine: Engine) {
    let s = TestServer::start(engine).await;
    // A small ledger: two units, one communiqué, three tasks assigned.
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
    let (mine, theirs) = (ids[1], ids[2]);
    for (task, lead, co) in [
        (ids[1], "省水利厅", vec!["省财政厅"]),
        (ids[2], "省财政厅", vec![]),
        (ids[3], "省水利厅", vec![]),
    ] {
        s.ok_post(
            &format!("/api/v1/tasks/{task}/assign"),
            &json!({"expected_version": 1, "lead": lead, "co_units": co, "deadline": "2026-06-30", "owner": "李四"}),
            200,
        )
        .await;
    }
    s.account("shuili", Role::UnitStaff, Some("省水利厅")).await;
    // An office user as the administrator creates one: a one-time password.
    let admin = s.store.authenticate("admin", PASSWORD).await.unwrap();
    s.store
        .create_user(
            &admin,
            &NewUser {
                login: Login::parse("zhang").unwrap(),
                name: PersonName::parse("张督查").unwrap(),
                role: Role::Office,
                unit: None,
                password: Password::parse("one-time-pass-7").unwrap(),
            },
        )
        .await
        .unwrap();

    let (driver, c) = open_browser().await;
    let base = s.base.clone();

    // The office: sent to the login page, then to the password page.
    c.goto(&format!("{base}/ledger")).await.unwrap();
    assert_eq!(h1(&c).await, "登录");
    assert!(path(&c).await.starts_with("/login?next="));
    shot(&c, "01-login").await;
    fill(&c, "login", "zhang").await;
    fill(&c, "password", "one-time-pass-7").await;
    click(&c, "main form button[type=submit]").await;
    assert_eq!(h1(&c).await, "修改密码");
    assert_eq!(path(&c).await, "/password");
    shot(&c, "02-password-forced").await;
    fill(&c, "old_password", "one-time-pass-7").await;
    fill(&c, "new_password", "a new password 1").await;
    fill(&c, "confirm", "a new password 1").await;
    click(&c, "main form button[type=submit]").await;
    assert_eq!(h1(&c).await, "任务台账");
    assert_eq!(path(&c).await, "/ledger?done=password_changed");
    let rows = c
        .find_all(Locator::Css("table.ledger tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), ids.len());
    shot(&c, "03-ledger-office").await;

    // A filter by unit, then a task.
    fill(&c, "f-unit", "省财政厅").await;
    click(&c, "form.filters button[type=submit]").await;
    h1(&c).await;
    let rows = c
        .find_all(Locator::Css("table.ledger tbody tr"))
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        2,
        "the task it leads and the one it co-operates on"
    );
    shot(&c, "04-ledger-filtered").await;
    click(&c, &format!("a[href='/tasks/{mine}']")).await;
    assert!(h1(&c).await.contains("推动产业升级"));
    shot(&c, "05-task-office").await;
    c.goto(&format!("{base}/dashboard")).await.unwrap();
    assert_eq!(h1(&c).await, "总览");
    shot(&c, "06-dashboard").await;
    c.goto(&format!("{base}/review")).await.unwrap();
    assert_eq!(h1(&c).await, "审核");
    shot(&c, "07-review").await;
    logout(&c).await;
    assert_eq!(path(&c).await, "/login?done=logged_out");

    // The unit's staff: only the unit's tasks; a report through the form.
    login(&c, &base, "shuili", PASSWORD).await;
    assert_eq!(path(&c).await, "/ledger");
    let source = c.source().await.unwrap();
    assert!(source.contains(&format!("href=\"/tasks/{mine}\"")));
    assert!(!source.contains(&format!("href=\"/tasks/{theirs}\"")));
    shot(&c, "08-ledger-unit").await;
    c.goto(&format!("{base}/tasks/{theirs}")).await.unwrap();
    assert_eq!(h1(&c).await, "出错了");
    shot(&c, "09-other-units-task").await;
    c.goto(&format!("{base}/tasks/{mine}")).await.unwrap();
    h1(&c).await;
    fill(&c, "r-percent", "40").await;
    fill(
        &c,
        "r-done",
        "完成产业升级实施方案初稿，已征求相关部门意见。",
    )
    .await;
    fill(&c, "r-next", "6月底前报省政府审定。").await;
    click(&c, "form[action$='/report'] button[type=submit]").await;
    h1(&c).await;
    assert_eq!(path(&c).await, format!("/tasks/{mine}?done=report_filed"));
    let notice = c
        .find(Locator::Css(".notice.ok"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(notice, "进展反馈已提交。");
    shot(&c, "10-task-reported").await;

    // Languages: the switch, then back.
    click(&c, "nav.langs a[lang='zh-Hant']").await;
    assert!(h1(&c).await.contains("任務"));
    assert_eq!(path(&c).await, format!("/tasks/{mine}?done=report_filed"));
    shot(&c, "11-task-hant").await;
    c.goto(&format!("{base}/ledger")).await.unwrap();
    assert_eq!(h1(&c).await, "任務臺賬");
    click(&c, "nav.langs a[lang='en']").await;
    assert_eq!(h1(&c).await, "Task ledger");
    shot(&c, "12-ledger-en").await;
    c.goto(&format!("{base}/dashboard")).await.unwrap();
    assert_eq!(h1(&c).await, "Dashboard");
    shot(&c, "13-dashboard-en").await;
    click(&c, "nav.langs a[lang='zh-Hans']").await;
    assert_eq!(h1(&c).await, "总览");

    // A phone, 390 px wide.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{base}/ledger")).await.unwrap();
    h1(&c).await;
    shot(&c, "14-ledger-390").await;
    c.goto(&format!("{base}/tasks/{mine}")).await.unwrap();
    h1(&c).await;
    shot(&c, "15-task-390").await;
    let width: serde_json::Value = c
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await
        .unwrap();
    assert!(
        width.as_i64().unwrap() <= 400,
        "no sideways scrolling at 390 px: {width}"
    );

    // The office reviews the report on the task page.
    c.set_window_size(1280, 800).await.unwrap();
    logout(&c).await;
    login(&c, &base, "zhang", "a new password 1").await;
    c.goto(&format!("{base}/tasks/{mine}")).await.unwrap();
    h1(&c).await;
    shot(&c, "16-task-review-office").await;
    click(&c, "form.review button[value=accept]").await;
    assert_eq!(
        path(&c).await,
        format!("/tasks/{mine}?done=report_accepted")
    );
    let accepted = c
        .find(Locator::Css(".timeline .r-accepted"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(accepted, "已通过");
    shot(&c, "17-task-report-accepted").await;

    c.close().await.unwrap();
    drop(driver);
    s.finish().await;
}

engine_cases!(office_and_unit_staff_work_in_a_real_browser,);
