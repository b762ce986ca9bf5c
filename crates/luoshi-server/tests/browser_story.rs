//! The whole story in one real headless Chromium, as the users meet it:
//! the supervision office pastes a communiqué, corrects one task, stores
//! it and assigns tasks to two units; a staff member of one unit logs in,
//! sees only the unit's tasks and files a progress report; the office
//! returns it once, accepts the second, the unit asks for completion and
//! the office closes the task; the dashboard's numbers follow each step;
//! the dashboard reads in zh-Hant and English too. On SQLite and on
//! PostgreSQL; screenshots go to `target/screenshots/story-*.png` (and
//! `pg-story-*.png`).

#![allow(clippy::unwrap_used)]

mod helpers;

use fantoccini::{Client, Locator};
use helpers::browser::{click, fill, h1, login, logout, open_browser, path, shot};
use helpers::{COMMUNIQUE, Engine, PASSWORD, TestServer};
use luoshi_core::Role;
use serde_json::{Value, json};

/// The dashboard's by-unit row of `unit`: [name, total, closed, rate].
async fn unit_row(c: &Client, base: &str, unit: &str) -> Vec<String> {
    c.goto(&format!("{base}/dashboard")).await.unwrap();
    h1(c).await;
    let row: Value = c
        .execute(
            "for (const tr of document.querySelectorAll('table tr')) {
               const cells = Array.from(tr.querySelectorAll('td')).map(td => td.textContent.trim());
               if (cells.length >= 3 && cells[0] === arguments[0]) return cells;
             }
             return [];",
            vec![json!(unit)],
        )
        .await
        .unwrap();
    serde_json::from_value(row).unwrap()
}

async fn notice(c: &Client) -> String {
    c.find(Locator::Css(".notice.ok"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn tick(c: &Client, id: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(" ")
        .await
        .unwrap();
}

async fn from_a_pasted_communique_to_a_closed_task(engine: Engine) {
    let s = TestServer::start(engine).await;
    for unit in ["省水利厅", "省财政厅"] {
        s.ok_post_as(&s.admin_token, "/api/v1/units", &json!({"name": unit}), 201)
            .await;
    }
    s.account("duban", Role::Office, None).await;
    s.account("shuili", Role::UnitStaff, Some("省水利厅")).await;
    let (_driver, c) = open_browser().await;
    let base = s.base.clone();

    // The office pastes the communiqué and corrects one task's title.
    login(&c, &base, "duban", PASSWORD).await;
    c.goto(&format!("{base}/ingest")).await.unwrap();
    h1(&c).await;
    fill(&c, "i-name", "省委常委会会议通稿").await;
    fill(&c, "i-text", COMMUNIQUE).await;
    shot(&c, "story-01-paste").await;
    click(&c, "form.ingest-new button[type=submit]").await;
    assert!(h1(&c).await.starts_with("核对提取结果"));
    fill(&c, "title-t2", "推动产业转型升级").await;
    shot(&c, "story-02-review").await;
    click(&c, "#confirm").await;
    let here = path(&c).await;
    assert!(here.ends_with("&done=ingested"), "{here}");
    let document = here
        .trim_start_matches("/ledger?document=")
        .trim_end_matches("&done=ingested")
        .to_owned();
    shot(&c, "story-03-stored").await;
    let tasks = s
        .ok_get(&format!("/api/v1/tasks?document={document}"))
        .await;
    let find = |title: &str| -> i64 {
        tasks["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["title"].as_str().unwrap().contains(title))
            .unwrap_or_else(|| panic!("no task {title}: {tasks}"))["id"]
            .as_i64()
            .unwrap()
    };
    // The correction was stored.
    let mine = find("推动产业转型升级");
    let theirs = find("强化要素保障");
    let water = find("加强水利建设");

    // Assign: two tasks to 省水利厅, one to 省财政厅, in two bulk steps.
    for (picks, lead) in [(vec![mine, water], "省水利厅"), (vec![theirs], "省财政厅")] {
        c.goto(&format!("{base}/assign?document={document}"))
            .await
            .unwrap();
        h1(&c).await;
        for id in &picks {
            tick(&c, &format!("pick-{id}")).await;
        }
        fill(&c, "lead", lead).await;
        fill(&c, "owner", "李四").await;
        c.execute(
            "document.getElementById('deadline').value = '2026-12-31';",
            vec![],
        )
        .await
        .unwrap();
        shot(&c, &format!("story-04-assign-{}", picks.len())).await;
        click(&c, "#assign-submit").await;
        assert_eq!(
            c.find(Locator::Id("assign-result-h"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            format!("已交办 {} 项", picks.len())
        );
    }
    shot(&c, "story-05-assigned").await;
    assert_eq!(unit_row(&c, &base, "省水利厅").await[1..3], ["2", "0"]);
    assert_eq!(unit_row(&c, &base, "省财政厅").await[1..3], ["1", "0"]);
    shot(&c, "story-06-dashboard-before").await;
    logout(&c).await;

    // The unit's staff member sees only the unit's tasks and reports.
    login(&c, &base, "shuili", PASSWORD).await;
    c.goto(&format!("{base}/ledger")).await.unwrap();
    h1(&c).await;
    let source = c.source().await.unwrap();
    assert!(source.contains(&format!("href=\"/tasks/{mine}\"")));
    assert!(source.contains(&format!("href=\"/tasks/{water}\"")));
    assert!(!source.contains(&format!("href=\"/tasks/{theirs}\"")));
    shot(&c, "story-07-unit-ledger").await;
    let report = |percent: &'static str, done: &'static str| {
        let c = c.clone();
        let base = base.clone();
        async move {
            c.goto(&format!("{base}/tasks/{mine}")).await.unwrap();
            h1(&c).await;
            fill(&c, "r-percent", percent).await;
            fill(&c, "r-done", done).await;
            click(&c, "form[action$='/report'] button[type=submit]").await;
            assert_eq!(notice(&c).await, "进展反馈已提交。");
        }
    };
    report("30", "已起草实施方案。").await;
    shot(&c, "story-08-reported").await;
    logout(&c).await;

    // The office returns the report once, from the review queue.
    login(&c, &base, "duban", PASSWORD).await;
    c.goto(&format!("{base}/review")).await.unwrap();
    h1(&c).await;
    shot(&c, "story-09-review-queue").await;
    let note = c
        .find(Locator::Css("form.review textarea[name=note]"))
        .await
        .unwrap();
    note.send_keys("请补充方案征求意见情况。").await.unwrap();
    click(&c, "form.review button[value=return]").await;
    h1(&c).await;
    shot(&c, "story-10-returned").await;
    let detail = s.ok_get(&format!("/api/v1/tasks/{mine}")).await;
    assert!(
        detail.to_string().contains("请补充方案征求意见情况"),
        "{detail}"
    );
    logout(&c).await;

    // The unit reports again, then asks for completion after acceptance.
    login(&c, &base, "shuili", PASSWORD).await;
    report("100", "实施方案已征求意见并印发。").await;
    logout(&c).await;
    login(&c, &base, "duban", PASSWORD).await;
    c.goto(&format!("{base}/tasks/{mine}")).await.unwrap();
    h1(&c).await;
    click(&c, "form.review button[value=accept]").await;
    assert_eq!(
        path(&c).await,
        format!("/tasks/{mine}?done=report_accepted")
    );
    shot(&c, "story-11-accepted").await;
    logout(&c).await;
    login(&c, &base, "shuili", PASSWORD).await;
    c.goto(&format!("{base}/tasks/{mine}")).await.unwrap();
    h1(&c).await;
    fill(&c, "c-evidence", "省政府办公厅印发文件一份。").await;
    click(&c, "form[action$='/request-close'] button[type=submit]").await;
    h1(&c).await;
    shot(&c, "story-12-close-requested").await;
    logout(&c).await;

    // The office closes it: the dashboard counts one closed for 省水利厅.
    login(&c, &base, "duban", PASSWORD).await;
    c.goto(&format!("{base}/tasks/{mine}")).await.unwrap();
    h1(&c).await;
    click(&c, "form[action$='/close'] button[type=submit]").await;
    assert_eq!(path(&c).await, format!("/tasks/{mine}?done=closed"));
    shot(&c, "story-13-closed").await;
    let task = s.ok_get(&format!("/api/v1/tasks/{mine}")).await;
    assert_eq!(task["task"]["status"], "closed", "{task}");
    assert_eq!(unit_row(&c, &base, "省水利厅").await[1..3], ["2", "1"]);
    assert_eq!(unit_row(&c, &base, "省财政厅").await[1..3], ["1", "0"]);
    shot(&c, "story-14-dashboard-after").await;

    // The same dashboard in Traditional Chinese and in English.
    click(&c, "nav.langs a[lang='zh-Hant']").await;
    assert_eq!(h1(&c).await, "總覽");
    // Unit names may be shown as stored or in Traditional script.
    let mut row = unit_row(&c, &base, "省水利廳").await;
    if row.is_empty() {
        row = unit_row(&c, &base, "省水利厅").await;
    }
    assert_eq!(row[1..3], ["2", "1"]);
    shot(&c, "story-15-dashboard-hant").await;
    click(&c, "nav.langs a[lang='en']").await;
    assert_eq!(h1(&c).await, "Dashboard");
    shot(&c, "story-16-dashboard-en").await;

    c.close().await.unwrap();
    s.finish().await;
}

engine_cases!(from_a_pasted_communique_to_a_closed_task,);
