//! A newcomer's first start, followed in a real headless Chromium: the
//! binary as the README starts it (`luoshi serve`, then `luoshi serve
//! --demo`), on a fresh SQLite file in an empty folder, on loopback.
//!
//! Without the demo: the first administrator's one-time password is
//! printed once; the browser is sent to the login page, then made to change
//! the password, and lands on the empty ledger, which says where to begin
//! (and, once something is filtered, only that nothing matches).
//! With the demo: the printed accounts log in with the demo password; the
//! office sees the whole ledger, its dashboard and a task; 省水利厅's staff
//! sees only its unit's tasks. Screenshots under `target/screenshots/`.

#![allow(clippy::unwrap_used)]

mod helpers;

use std::process::Child;

use fantoccini::Locator;
use helpers::browser::{click, fill, h1, login, logout, open_browser, path, shot};
use helpers::serve::{address, luoshi, start_with_preamble, temp_dir};

/// Stops the server the way Ctrl-C would and checks it exits cleanly.
fn stop(mut child: Child) {
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(child.wait().unwrap().success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newcomer_starts_luoshi_and_signs_in_from_the_browser() {
    let dir = temp_dir("first-browser");
    let mut cmd = luoshi(&dir);
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    let (child, line, preamble) = start_with_preamble(cmd);
    let base = format!("http://{}", address(&line));
    let printed = preamble.concat();
    let otp = printed
        .split("一次性密码：")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no one-time password in {printed:?}"))
        .to_owned();

    let (_driver, c) = open_browser().await;
    c.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(h1(&c).await, "登录");
    assert!(path(&c).await.starts_with("/login"));
    shot(&c, "first-start-01-login").await;
    fill(&c, "login", "admin").await;
    fill(&c, "password", &otp).await;
    click(&c, "main form button[type=submit]").await;
    assert_eq!(h1(&c).await, "修改密码");
    shot(&c, "first-start-02-password").await;
    fill(&c, "old_password", &otp).await;
    fill(&c, "new_password", "our office passphrase").await;
    fill(&c, "confirm", "our office passphrase").await;
    click(&c, "main form button[type=submit]").await;
    assert_eq!(h1(&c).await, "任务台账");
    // The empty ledger says where to begin: the administrator sets up
    // units and accounts.
    let start = c
        .find(Locator::Css(".empty.start"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(start.contains("台账中还没有任务"), "{start}");
    assert!(
        c.find(Locator::Css(".empty.start a[href='/admin']"))
            .await
            .is_ok()
    );
    shot(&c, "first-start-03-empty-ledger").await;
    c.goto(&format!("{base}/ledger?status=closed"))
        .await
        .unwrap();
    h1(&c).await;
    assert!(c.find(Locator::Css(".empty.start")).await.is_err());
    assert!(c.find(Locator::Css("p.empty")).await.is_ok());
    // The administrator's own page: the unit tree and the users.
    c.goto(&format!("{base}/admin")).await.unwrap();
    assert!(h1(&c).await.contains("单位"));
    shot(&c, "first-start-04-admin").await;
    // The old one-time password no longer opens a session.
    logout(&c).await;
    fill(&c, "login", "admin").await;
    fill(&c, "password", &otp).await;
    click(&c, "main form button[type=submit]").await;
    assert_eq!(h1(&c).await, "登录");
    c.close().await.unwrap();
    stop(child);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_ledger_can_be_clicked_through() {
    let dir = temp_dir("demo-browser");
    let mut cmd = luoshi(&dir);
    cmd.args(["serve", "--demo", "--listen", "127.0.0.1:0"]);
    let (child, line, preamble) = start_with_preamble(cmd);
    let base = format!("http://{}", address(&line));
    let printed = preamble.concat();
    for account in ["duchashi", "shuili", "lingdao", "luoshi-demo-2026"] {
        assert!(printed.contains(account), "{account} not in {printed}");
    }

    let (_driver, c) = open_browser().await;
    login(&c, &base, "duchashi", "luoshi-demo-2026").await;
    c.goto(&format!("{base}/ledger")).await.unwrap();
    assert_eq!(h1(&c).await, "任务台账");
    let office_rows = c
        .find_all(Locator::Css("table.ledger tbody tr"))
        .await
        .unwrap()
        .len();
    assert!(office_rows > 10, "{office_rows} rows");
    shot(&c, "demo-01-ledger-office").await;
    c.goto(&format!("{base}/dashboard")).await.unwrap();
    assert_eq!(h1(&c).await, "总览");
    let svg = c.find_all(Locator::Css("svg")).await.unwrap();
    assert!(!svg.is_empty(), "the dashboard draws its charts");
    shot(&c, "demo-02-dashboard").await;
    c.goto(&format!("{base}/ledger")).await.unwrap();
    click(&c, "table.ledger tbody tr a[href^='/tasks/']").await;
    assert!(path(&c).await.starts_with("/tasks/"));
    shot(&c, "demo-03-task").await;
    c.goto(&format!("{base}/review")).await.unwrap();
    assert_eq!(h1(&c).await, "审核");
    shot(&c, "demo-04-review").await;
    logout(&c).await;

    login(&c, &base, "shuili", "luoshi-demo-2026").await;
    c.goto(&format!("{base}/ledger")).await.unwrap();
    let all = c
        .find_all(Locator::Css("table.ledger tbody tr"))
        .await
        .unwrap();
    assert!(!all.is_empty() && all.len() < office_rows);
    // Tasks, not the themes above them (which have no unit).
    let rows = c
        .find_all(Locator::Css("table.ledger tbody tr:not(.theme)"))
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let text = row.text().await.unwrap();
        assert!(text.contains("省水利厅"), "another unit's row: {text}");
    }
    shot(&c, "demo-05-ledger-unit").await;
    c.close().await.unwrap();
    stop(child);
    let _ = std::fs::remove_dir_all(dir);
}
