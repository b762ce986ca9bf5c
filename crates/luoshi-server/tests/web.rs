//! The pages over HTTP, as a browser without JavaScript uses them: cookies,
//! forms, redirects. Each page goes through the API's checks, so these
//! tests ask the questions that matter to a page: is a visitor sent to the
//! login, must a new account change its password first, does a form
//! without its CSRF token fail, does a unit's staff ever see another
//! unit's task, do the languages switch. Each test runs on SQLite and on
//! PostgreSQL (`sqlite::…`, `postgres::…`; `scripts/with-postgres.sh`).

#![allow(clippy::unwrap_used)]

mod helpers;

use helpers::visitor::Visitor;
use helpers::{COMMUNIQUE, Engine, PASSWORD, TestServer};
use luoshi_core::Role;
use reqwest::StatusCode;
use serde_json::json;

/// Two units with one assigned task each; staff of the first.
struct Fixture {
    task_a: i64,
    task_c: i64,
}

async fn fixture(s: &TestServer) -> Fixture {
    for unit in ["甲单位", "丙单位"] {
        s.ok_post_as(&s.admin_token, "/api/v1/units", &json!({"name": unit}), 201)
            .await;
    }
    let doc = s
        .ok_post("/api/v1/documents", &json!({"text": COMMUNIQUE}), 201)
        .await;
    let task_a = doc["tasks"][1]["id"].as_i64().unwrap();
    let task_c = doc["tasks"][2]["id"].as_i64().unwrap();
    for (task, lead) in [(task_a, "甲单位"), (task_c, "丙单位")] {
        s.ok_post(
            &format!("/api/v1/tasks/{task}/assign"),
            &json!({"expected_version": 1, "lead": lead, "deadline": "2026-06-30", "owner": "李四"}),
            200,
        )
        .await;
    }
    s.account("a-staff", Role::UnitStaff, Some("甲单位")).await;
    Fixture { task_a, task_c }
}

async fn a_visitor_logs_in_and_must_change_the_first_password(engine: Engine) {
    let s = TestServer::start_with(engine, luoshi_server::Settings::default()).await;
    let (login, otp) = s.first_admin.clone().unwrap();
    let mut v = Visitor::new(&s);

    let p = v.get("/ledger?q=水").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location, "/login?next=%2Fledger%3Fq%3D%25E6%25B0%25B4");
    let p = v.get("/").await;
    assert_eq!(p.location, "/ledger");

    let p = v.get("/login?next=//evil.example/").await;
    assert!(
        p.html.contains("name=\"next\" value=\"\""),
        "no foreign next"
    );
    let p = v
        .post(
            "/login",
            &[("login", "admin"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    assert!(p.html.contains("登录名或密码不正确"), "{}", p.html);
    assert!(p.html.contains("value=\"admin\""), "the login is kept");

    assert_eq!(v.login(&login, &otp).await, "/password");
    // Every other page sends the user back to the password page.
    let p = v.get("/ledger").await;
    assert_eq!(p.location, "/password");
    let p = v.get("/password").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("请先设置自己的密码"));
    assert!(!p.html.contains("href=\"/dashboard\""), "no navigation yet");
    let csrf = p.csrf();

    // No CSRF token: refused, nothing changed.
    let p = v
        .post(
            "/password",
            &[
                ("old_password", &otp),
                ("new_password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.html);
    let p = v
        .post(
            "/password",
            &[
                ("csrf", &csrf),
                ("old_password", &otp),
                ("new_password", PASSWORD),
                ("confirm", "something else"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("两次输入的新密码不一致"));
    let p = v
        .post(
            "/password",
            &[
                ("csrf", &csrf),
                ("old_password", &otp),
                ("new_password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("notice error"));
    let p = v
        .post(
            "/password",
            &[
                ("csrf", &csrf),
                ("old_password", &otp),
                ("new_password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(p.location, "/ledger?done=password_changed");
    let p = v.get("/ledger?done=password_changed").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("密码已修改"));
    assert!(p.html.contains("任务台账"));

    // Logging out needs the token too, and ends the session.
    let csrf = p.csrf();
    let p = v.post("/logout", &[]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = v.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(p.location, "/login?done=logged_out");
    let p = v.get("/ledger").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    s.finish().await;
}

async fn unit_staff_see_only_their_units_tasks_on_every_page(engine: Engine) {
    let s = TestServer::start(engine).await;
    let f = fixture(&s).await;
    let mut v = Visitor::new(&s);
    assert_eq!(v.login("a-staff", PASSWORD).await, "/ledger");

    let p = v.get("/ledger").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains(&format!("href=\"/tasks/{}\"", f.task_a)));
    assert!(!p.html.contains(&format!("href=\"/tasks/{}\"", f.task_c)));
    assert!(!p.html.contains("丙单位"), "{}", p.html);
    // A filter naming the other unit, a search, a document: still scoped.
    for q in [
        "/ledger?unit=丙单位",
        "/ledger?q=推动",
        "/ledger?document=1&status=open",
    ] {
        let p = v.get(q).await;
        assert!(!p.html.contains(&format!("/tasks/{}\"", f.task_c)), "{q}");
    }
    // Unit staff may not export; the link is not offered.
    assert!(!p.html.contains("/api/v1/tasks/export"));

    let p = v.get(&format!("/tasks/{}", f.task_c)).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.html.contains("该任务不存在，或您无权访问该任务"));
    let missing = v.get("/tasks/99999").await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert_eq!(
        main_of(&missing.html),
        main_of(&p.html),
        "a missing task and another unit's look the same"
    );

    let p = v.get(&format!("/tasks/{}", f.task_a)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("反馈进展"));
    assert!(!p.html.contains("同意销号"), "no office actions for a unit");
    let csrf = p.csrf();

    // A report for the other unit's task is refused and not stored.
    let p = v
        .post(
            &format!("/tasks/{}/report", f.task_c),
            &[
                ("csrf", &csrf),
                ("period", "2026年3月"),
                ("percent", "10"),
                ("done", "越权"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let other = s.ok_get(&format!("/api/v1/tasks/{}", f.task_c)).await;
    assert_eq!(other["reports"].as_array().unwrap().len(), 0);

    // A bad percent: the form comes back with what was typed.
    let p = v
        .post(
            &format!("/tasks/{}/report", f.task_a),
            &[
                ("csrf", &csrf),
                ("period", "2026年3月"),
                ("percent", "abc"),
                ("done", "完成一期"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("完成进度须为 0 到 100"));
    assert!(p.html.contains(">完成一期</textarea>"));

    let p = v
        .post(
            &format!("/tasks/{}/report", f.task_a),
            &[
                ("csrf", &csrf),
                ("period", "2026年3月"),
                ("percent", "40"),
                ("done", "完成渠系改造一期"),
                ("next_steps", "推进二期"),
            ],
        )
        .await;
    assert_eq!(
        p.location,
        format!("/tasks/{}?done=report_filed", f.task_a),
        "{}",
        p.html
    );
    let p = v.get(&p.location.clone()).await;
    assert!(p.html.contains("进展反馈已提交"));
    assert!(p.html.contains("完成渠系改造一期"));
    assert!(p.html.contains("待审核"));

    // The dashboard counts only the unit's own tasks.
    let p = v.get("/dashboard").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("甲单位") && !p.html.contains("丙单位"));
    assert!(p.html.contains("<svg"));
    // The review queue is the office's.
    let p = v.get("/review").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    s.finish().await;
}

async fn the_office_reviews_closes_and_exports_through_the_pages(engine: Engine) {
    let s = TestServer::start(engine).await;
    let f = fixture(&s).await;
    let mut staff = Visitor::new(&s);
    staff.login("a-staff", PASSWORD).await;
    let csrf = staff.get(&format!("/tasks/{}", f.task_a)).await.csrf();
    staff
        .post(
            &format!("/tasks/{}/report", f.task_a),
            &[
                ("csrf", &csrf),
                ("period", "2026年3月"),
                ("percent", "100"),
                ("done", "全部完成"),
            ],
        )
        .await;

    let mut office = Visitor::new(&s);
    office.login("office", PASSWORD).await;
    let p = office
        .get("/ledger?unit=甲单位&status=open&sort=-deadline")
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.html.contains(
            "href=\"/api/v1/tasks/export?unit=%E7%94%B2%E5%8D%95%E4%BD%8D&#38;status=open\""
        ),
        "the export link carries the filters: {}",
        p.html
    );
    let bad = office.get("/ledger?status=nonsense").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("notice error"));

    let p = office.get(&format!("/tasks/{}", f.task_a)).await;
    assert!(p.html.contains("审核通过"));
    let csrf = p.csrf();
    let report = s.ok_get(&format!("/api/v1/tasks/{}", f.task_a)).await["reports"][0].clone();
    let (rid, version) = (
        report["id"].as_i64().unwrap(),
        report["version"].as_i64().unwrap(),
    );
    let rid_path = format!("/reports/{rid}/review");
    let task_s = f.task_a.to_string();
    // Returning needs a reason.
    let p = office
        .post(
            &rid_path,
            &[
                ("csrf", &csrf),
                ("version", &version.to_string()),
                ("task", &task_s),
                ("decision", "return"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    let p = office
        .post(
            &rid_path,
            &[
                ("csrf", &csrf),
                ("version", &version.to_string()),
                ("task", &task_s),
                ("decision", "accept"),
            ],
        )
        .await;
    assert_eq!(
        p.location,
        format!("/tasks/{}?done=report_accepted", f.task_a)
    );

    // The unit requests completion; the office sees it in the queue and closes.
    let task = s.ok_get(&format!("/api/v1/tasks/{}", f.task_a)).await;
    let v = task["task"]["version"].as_i64().unwrap().to_string();
    let staff_csrf = csrf_of(&mut staff, f.task_a).await;
    let p = staff
        .post(
            &format!("/tasks/{}/request-close", f.task_a),
            &[
                ("csrf", &staff_csrf),
                ("version", &v),
                ("evidence", "验收报告"),
            ],
        )
        .await;
    assert_eq!(
        p.location,
        format!("/tasks/{}?done=close_requested", f.task_a)
    );
    let p = office.get("/review").await;
    assert!(p.html.contains(&format!("href=\"/tasks/{}\"", f.task_a)));
    let task = s.ok_get(&format!("/api/v1/tasks/{}", f.task_a)).await;
    let v = task["task"]["version"].as_i64().unwrap().to_string();
    // A stale version is refused with the reason on the page.
    let p = office
        .post(
            &format!("/tasks/{}/close", f.task_a),
            &[("csrf", &csrf), ("version", "1")],
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.html.contains("notice error"));
    let p = office
        .post(
            &format!("/tasks/{}/close", f.task_a),
            &[("csrf", &csrf), ("version", &v)],
        )
        .await;
    assert_eq!(p.location, format!("/tasks/{}?done=closed", f.task_a));
    let task = s.ok_get(&format!("/api/v1/tasks/{}", f.task_a)).await;
    assert_eq!(task["task"]["status"], "closed");
    let p = office.get("/dashboard").await;
    assert!(
        p.html.contains("50%（1/2）") || p.html.contains("100%（1/1）"),
        "{}",
        p.html
    );
    s.finish().await;
}

async fn theme_deadline_dashboard_and_review_pages_stay_scoped(engine: Engine) {
    let s = TestServer::start(engine).await;
    let f = fixture(&s).await;
    let doc = s.ok_get("/api/v1/tasks?document=1").await;
    let theme = doc["items"][0]["id"].as_i64().unwrap();
    let root = doc["items"][3]["id"].as_i64().unwrap();
    // The root task: 丙单位's, due in five days (at risk).
    s.ok_post(
        &format!("/api/v1/tasks/{root}/assign"),
        &json!({"expected_version": 1, "lead": "丙单位", "deadline": "2026-03-15", "owner": "王五"}),
        200,
    )
    .await;
    let link = |id: i64| format!("href=\"/tasks/{id}\"");

    let mut staff = Visitor::new(&s);
    staff.login("a-staff", PASSWORD).await;
    // By theme: the theme and 甲单位's task under it, not 丙单位's.
    let p = staff.get(&format!("/ledger?theme={theme}")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains(&link(f.task_a)) && p.html.contains(&link(theme)));
    assert!(!p.html.contains(&link(f.task_c)), "{}", p.html);
    assert!(p.html.contains("打造科技创新高地"), "the theme's title");
    // Another unit's task as the "theme": nothing, and not even its title.
    let p = staff.get(&format!("/ledger?theme={}", f.task_c)).await;
    assert!(!p.html.contains(&link(f.task_c)));
    assert!(!p.html.contains("推动产业升级"), "{}", p.html);
    // By deadline range: 丙单位's tasks stay out whatever the range.
    for q in [
        "/ledger?deadline_from=2026-06-01&deadline_to=2026-06-30",
        "/ledger?deadline_from=2026-01-01&sort=deadline",
        "/ledger?deadline_to=2026-03-31",
    ] {
        let p = staff.get(q).await;
        assert_eq!(p.status, StatusCode::OK, "{q}");
        assert!(
            !p.html.contains(&link(f.task_c)) && !p.html.contains(&link(root)),
            "{q}"
        );
    }
    let p = staff
        .get("/ledger?deadline_from=2026-06-01&deadline_to=2026-06-30")
        .await;
    assert!(p.html.contains(&link(f.task_a)));
    assert!(
        p.html.contains("value=\"2026-06-01\""),
        "the range is kept in the form"
    );
    // Bad input: a clear error, no 5xx.
    for q in [
        "/ledger?theme=abc",
        "/ledger?deadline_from=2026-13-01",
        "/ledger?deadline_from=2026-07-01&deadline_to=2026-06-01",
    ] {
        let p = staff.get(q).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert!(p.html.contains("notice error"), "{q}");
    }
    // The dashboard: 甲单位's one task under the theme, none at risk, no
    // trace of 丙单位.
    let p = staff.get("/dashboard").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("打造科技创新高地"));
    assert!(
        p.html.contains("<td>1</td><td>0</td><td>0%</td>"),
        "{}",
        p.html
    );
    assert!(
        p.html
            .contains("14 天内到期（未销号）</div><div class=\"tile-value\">0<")
    );
    assert!(!p.html.contains("丙单位") && !p.html.contains("加强水利建设"));
    assert!(p.html.contains("近 12 个月进展") && p.html.contains("2026-03"));
    assert_eq!(staff.get("/review").await.status, StatusCode::FORBIDDEN);
    // The office sees both tasks under the theme and the task at risk.
    let mut office = Visitor::new(&s);
    office.login("office", PASSWORD).await;
    let p = office.get("/dashboard").await;
    assert!(
        p.html.contains("<td>2</td><td>0</td><td>0%</td>"),
        "{}",
        p.html
    );
    assert!(
        p.html
            .contains("14 天内到期（未销号）</div><div class=\"tile-value\">1<")
    );
    assert!(
        p.html.contains(
            "/ledger?status=open&#38;deadline_from=2026-03-10&#38;deadline_to=2026-03-24"
        )
    );
    assert!(
        p.html.contains(&format!(
            "<th scope=\"row\">交办</th>{}<td>3</td></tr>",
            "<td>0</td>".repeat(11)
        )),
        "three assignments this month"
    );
    // The office's ledger by theme offers the export of exactly that.
    let p = office
        .get(&format!("/ledger?document=1&theme={theme}"))
        .await;
    assert!(p.html.contains(&link(f.task_c)));
    assert!(
        p.html.contains(&format!(
            "/api/v1/tasks/export?document=1&#38;theme={theme}"
        )),
        "{}",
        p.html
    );
    let x = s
        .get(&format!("/api/v1/tasks/export?document=1&theme={theme}"))
        .await;
    assert_eq!(x.status, StatusCode::OK);
    let bad = s.get("/api/v1/tasks?deadline_from=2026-02-30").await;
    assert_eq!(bad.error_code(), "value_bad_date");
    assert_eq!(bad.field(), Some("deadline_from"));

    // The review queue: a report filed by the unit waits there, with its
    // form; accepting it comes back to the queue.
    let csrf = staff.get(&format!("/tasks/{}", f.task_a)).await.csrf();
    staff
        .post(
            &format!("/tasks/{}/report", f.task_a),
            &[
                ("csrf", &csrf),
                ("period", "2026年3月"),
                ("percent", "30"),
                ("done", "完成实验室选址"),
                ("evidence", "选址批复文件"),
            ],
        )
        .await;
    let p = office.get("/review").await;
    assert!(p.html.contains("完成实验室选址") && p.html.contains(&link(f.task_a)));
    let report = s.ok_get(&format!("/api/v1/tasks/{}", f.task_a)).await["reports"][0].clone();
    let rid = report["id"].as_i64().unwrap();
    let p = office
        .post(
            &format!("/reports/{rid}/review"),
            &[
                ("csrf", &p.csrf()),
                ("version", &report["version"].as_i64().unwrap().to_string()),
                ("task", &f.task_a.to_string()),
                ("back", "review"),
                ("decision", "accept"),
            ],
        )
        .await;
    assert_eq!(p.location, "/review?done=report_accepted");
    let p = office.get(&p.location.clone()).await;
    assert!(p.html.contains("目前没有待审核的进展反馈"));
    // The task page shows the evidence and the next report due.
    let p = office.get(&format!("/tasks/{}", f.task_a)).await;
    assert!(p.html.contains("佐证材料") && p.html.contains("选址批复文件"));
    assert!(p.html.contains("下次反馈截止"), "{}", p.html);
    s.finish().await;
}

/// The pages of this area in a real headless Chromium, at 1280 px and at
/// 390 px: screenshots under `target/screenshots/pages-*.png` to be looked
/// at, and no sideways scrolling on a phone.
async fn ledger_dashboard_and_review_pages_in_a_browser(engine: Engine) {
    use helpers::browser::{h1, login, open_browser, shot};
    let s = TestServer::start(engine).await;
    let f = fixture(&s).await;
    let doc = s.ok_get("/api/v1/tasks?document=1").await;
    let theme = doc["items"][0]["id"].as_i64().unwrap();
    let root = doc["items"][3]["id"].as_i64().unwrap();
    s.ok_post(
        &format!("/api/v1/tasks/{root}/assign"),
        &json!({"expected_version": 1, "lead": "丙单位", "deadline": "2026-03-15", "owner": "王五"}),
        200,
    )
    .await;
    let a_token = s
        .account("a-staff2", Role::UnitStaff, Some("甲单位"))
        .await
        .1;
    let c_token = s
        .account("c-staff", Role::UnitStaff, Some("丙单位"))
        .await
        .1;
    for (token, task, text) in [
        (
            &a_token,
            f.task_a,
            "完成实验室选址，签订共建协议，启动一期工程招标。",
        ),
        (&c_token, f.task_c, "出台产业升级实施方案征求意见稿。"),
    ] {
        let r = s
            .post_as(
                token,
                &format!("/api/v1/tasks/{task}/reports"),
                &json!({"period": "2026年3月", "percent": 30, "done": text, "evidence": "会议纪要（2026年第3号）"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let (driver, c) = open_browser().await;
    let base = s.base.clone();
    login(&c, &base, "office", PASSWORD).await;
    let pages = [
        ("ledger-theme", format!("/ledger?document=1&theme={theme}")),
        (
            "ledger-range",
            "/ledger?deadline_from=2026-03-01&deadline_to=2026-06-30&sort=deadline".to_owned(),
        ),
        ("dashboard", "/dashboard".to_owned()),
        ("review", "/review".to_owned()),
        ("task", format!("/tasks/{}", f.task_a)),
    ];
    for (width, suffix) in [(1280, ""), (390, "-390")] {
        c.set_window_size(width, 844).await.unwrap();
        for (name, path) in &pages {
            c.goto(&format!("{base}{path}")).await.unwrap();
            assert!(!h1(&c).await.is_empty(), "{path}");
            shot(&c, &format!("pages-{name}{suffix}")).await;
            if width == 390 {
                let w: serde_json::Value = c
                    .execute("return document.documentElement.scrollWidth;", vec![])
                    .await
                    .unwrap();
                assert!(w.as_i64().unwrap() <= 400, "{path} scrolls sideways: {w}");
            }
        }
    }
    c.set_window_size(1280, 800).await.unwrap();
    c.close().await.unwrap();
    drop(driver);
    s.finish().await;
}

/// The page's content, without the header (which carries the session's token).
fn main_of(html: &str) -> &str {
    let start = html.find("<main").unwrap();
    let end = html.find("</main>").unwrap();
    &html[start..end]
}

async fn csrf_of(v: &mut Visitor<'_>, task: i64) -> String {
    v.get(&format!("/tasks/{task}")).await.csrf()
}

async fn the_language_follows_the_switch_then_the_browser(engine: Engine) {
    let s = TestServer::start(engine).await;
    let mut v = Visitor::new(&s);
    v.login("office", PASSWORD).await;
    let p = v.get("/ledger").await;
    assert!(p.html.contains("<html lang=\"zh-Hans\">") && p.html.contains("任务台账"));

    v.lang = Some("zh-TW,zh;q=0.8");
    let p = v.get("/ledger").await;
    assert!(p.html.contains("<html lang=\"zh-Hant\">") && p.html.contains("任務臺賬"));

    let p = v.get("/lang?to=en&back=%2Fdashboard").await;
    assert_eq!(p.location, "/dashboard");
    let p = v.get("/dashboard").await;
    assert!(
        p.html.contains("<html lang=\"en\">") && p.html.contains("Dashboard"),
        "{}",
        p.html
    );
    // Errors speak the page's language too.
    let p = v.get("/ledger?status=nonsense").await;
    assert!(p.html.contains("Task ledger"));

    let p = v.get("/lang?to=zh-Hans&back=https://evil.example/").await;
    assert_eq!(p.location, "/ledger", "only local pages");
    let p = v.get("/ledger").await;
    assert!(p.html.contains("任务台账"));
    let css = s.client.get(s.url("/static/app.css")).send().await.unwrap();
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(css.text().await.unwrap().contains("Noto Sans CJK SC"));
    s.finish().await;
}

engine_cases!(
    a_visitor_logs_in_and_must_change_the_first_password,
    unit_staff_see_only_their_units_tasks_on_every_page,
    the_office_reviews_closes_and_exports_through_the_pages,
    theme_deadline_dashboard_and_review_pages_stay_scoped,
    ledger_dashboard_and_review_pages_in_a_browser,
    the_language_follows_the_switch_then_the_browser,
);
