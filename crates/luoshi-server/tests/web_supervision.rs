//! The supervision pages (督办, notifications, problems, indicators,
//! evaluation, status report) over HTTP, as a browser without JavaScript
//! uses them: cookies, forms, redirects. An office user and a unit's
//! staff walk the same pages: the staff member sees only the unit's
//! cards, reports due, problems, indicators, notifications and ranking
//! rows, and is refused what the API refuses; every form needs its CSRF
//! token; a problem typed in Traditional script finds its Simplified twin
//! before it is saved. Each test runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used)]

mod helpers;

use helpers::visitor::{Visitor, unescape};
use helpers::{COMMUNIQUE, Engine, TestServer};

/// The catalogue prefixes of these pages: never shown as they are.
const KEYS: &[&str] = &["sup.", "prob.", "notif.", "eval.", "ind.", "sr."];
use luoshi_core::{
    CardFilter, CardId, Date, NotificationFilter, ProblemFilter, ProblemStatus, Role, TaskId,
    WarningRules,
};
use reqwest::StatusCode;
use serde_json::json;

/// Two units with one assigned task each; staff of the first; on
/// 2026-07-01 (a day after both deadlines) a card on each task, a
/// notification for each unit, a problem each, an indicator each.
struct Fixture {
    task_a: i64,
    task_c: i64,
    title_a: String,
    title_c: String,
    document: i64,
    card_a: i64,
    card_c: i64,
    note_a: i64,
    note_c: i64,
    problem_a: i64,
    problem_c: i64,
}

const PROBLEM_A: &str = "审批时限超标，企业办事来回跑多次";
const PROBLEM_A_HANT: &str = "審批時限超標，企業辦事來回跑多次";
const PROBLEM_C: &str = "专项资金拨付滞后，项目无法按期开工";

async fn fixture(s: &TestServer) -> Fixture {
    for unit in ["甲单位", "丙单位"] {
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
    let task_a = doc["tasks"][1]["id"].as_i64().unwrap();
    let task_c = doc["tasks"][2]["id"].as_i64().unwrap();
    let title_a = doc["tasks"][1]["title"].as_str().unwrap().to_owned();
    let title_c = doc["tasks"][2]["title"].as_str().unwrap().to_owned();
    for (task, lead) in [(task_a, "甲单位"), (task_c, "丙单位")] {
        s.ok_post(
            &format!("/api/v1/tasks/{task}/assign"),
            &json!({"expected_version": 1, "lead": lead, "deadline": "2026-06-30", "owner": "李四"}),
            200,
        )
        .await;
    }
    s.account("a-staff", Role::UnitStaff, Some("甲单位")).await;
    let mut problems = Vec::new();
    for (task, text, cause, class) in [
        (task_a, PROBLEM_A, "执行不力", "审批效率"),
        (task_c, PROBLEM_C, "资源不足", "资金拨付"),
    ] {
        let p = s
            .ok_post(
                "/api/v1/problems",
                &json!({"description": text, "found_by": "督查", "root_cause": cause,
                        "deadline": "2026-05-31", "task": task, "class": class}),
                201,
            )
            .await;
        problems.push(p["problem"]["id"].as_i64().unwrap());
    }
    for (task, name) in [(task_a, "新增实验室"), (task_c, "新增用地指标")] {
        let i = s
            .ok_post(
                &format!("/api/v1/tasks/{task}/indicators"),
                &json!({"name": name, "measure": "家", "year": 2026, "annual_target": 10}),
                201,
            )
            .await;
        s.ok_post(
            &format!("/api/v1/indicators/{}/values", i["id"]),
            &json!({"period": "2026-05", "value": 3}),
            200,
        )
        .await;
    }
    let day = Date::parse("2026-07-01").unwrap();
    s.clock.advance_days(113);
    assert_eq!(s.store.clock().today(), day);
    let rules = WarningRules::default();
    s.store.assess(day, &rules).await.unwrap();
    s.store
        .record_reminders(Date::parse("2026-06-30").unwrap(), 3, &[], &rules)
        .await
        .unwrap();
    let card = |task: i64| {
        let store = s.store.clone();
        async move {
            store
                .cards(&CardFilter {
                    task: Some(TaskId(task)),
                    open: true,
                    ..CardFilter::default()
                })
                .await
                .unwrap()[0]
                .id
                .0
        }
    };
    let notes = s
        .store
        .notifications(&NotificationFilter::default())
        .await
        .unwrap();
    let note = |task: i64| notes.iter().find(|n| n.task.0 == task).unwrap().id;
    Fixture {
        task_a,
        task_c,
        title_a,
        title_c,
        document: doc["document"]["id"].as_i64().unwrap(),
        card_a: card(task_a).await,
        card_c: card(task_c).await,
        note_a: note(task_a),
        note_c: note(task_c),
        problem_a: problems[0],
        problem_c: problems[1],
    }
}

async fn card_open(s: &TestServer, id: i64) -> bool {
    s.store.card(CardId(id)).await.unwrap().is_open()
}

async fn the_office_supervises_through_the_pages(engine: Engine) {
    let s = TestServer::start(engine).await;
    let f = fixture(&s).await;
    let mut v = Visitor::checking(&s, KEYS);
    v.login_as("office").await;

    // 督办: reports missed, both cards, the per-unit view, the links.
    let p = v.get("/supervision").await;
    assert_eq!(p.status, StatusCode::OK);
    for needle in [
        f.title_a.as_str(),
        f.title_c.as_str(),
        "甲单位",
        "丙单位",
        "红牌",
        "应报未报",
        "href=\"/notifications\"",
        "href=\"/status-report\"",
        "href=\"/evaluation\"",
        "href=\"/indicators\"",
    ] {
        assert!(p.html.contains(needle), "{needle} missing");
    }
    assert!(
        p.html
            .contains(&format!("action=\"/cards/{}/clear\"", f.card_c))
    );
    let csrf = p.csrf();
    // Filtered by unit.
    let p = v.get("/supervision?unit=%E4%B8%99%E5%8D%95%E4%BD%8D").await;
    assert!(p.html.contains(&f.title_c) && !p.html.contains(&f.title_a));
    let p = v
        .get("/supervision?unit=%E6%97%A0%E6%AD%A4%E5%8D%95%E4%BD%8D")
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("notice error"));

    // Clearing a card: no CSRF token, no reason, then done.
    let path = format!("/cards/{}/clear", f.card_c);
    let p = v
        .post(&path, &[("version", "1"), ("reason", "已约谈")])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(card_open(&s, f.card_c).await);
    let p = v
        .post(&path, &[("csrf", &csrf), ("version", "1"), ("reason", " ")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("notice error"), "{}", p.html);
    assert!(card_open(&s, f.card_c).await);
    let p = v
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("reason", "已约谈，单位已提交整改计划"),
                ("back", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert_eq!(p.location, "/supervision?done=card_cleared");
    assert!(!card_open(&s, f.card_c).await);
    let p = v.get(&p.location).await;
    assert!(p.html.contains("预警已解除"));
    assert!(
        !p.html
            .contains(&format!("action=\"/cards/{}/clear\"", f.card_c))
    );
    // Cleared twice: a conflict, said plainly.
    let p = v
        .post(
            &path,
            &[("csrf", &csrf), ("version", "2"), ("reason", "再次解除")],
        )
        .await;
    assert!(p.status.is_client_error(), "{}", p.status);
    assert!(p.html.contains("notice error"));
    // The task page's partial lists the cleared card with its reason.
    let partial = {
        let caller_page = v.get("/supervision").await;
        assert_eq!(caller_page.status, StatusCode::OK);
        s.store
            .cards(&CardFilter {
                task: Some(TaskId(f.task_c)),
                ..CardFilter::default()
            })
            .await
            .unwrap()
    };
    assert_eq!(
        partial[0].clear_reason.as_deref(),
        Some("已约谈，单位已提交整改计划")
    );

    // Notifications: every unit's; the office marks none read.
    let p = v.get("/notifications").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("甲单位") && p.html.contains("丙单位"));
    assert!(
        !p.html.contains("/read\""),
        "no mark-read form for the office"
    );
    let p = v
        .post(
            &format!("/notifications/{}/read", f.note_a),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);

    // The problem list and its filters.
    let p = v.get("/problems").await;
    assert!(p.html.contains(PROBLEM_A) && p.html.contains(PROBLEM_C));
    assert!(p.html.contains("href=\"/problems/new\""));
    let p = v.get("/problems?root_cause=resources").await;
    assert!(!p.html.contains(PROBLEM_A) && p.html.contains(PROBLEM_C));
    let p = v.get("/problems?found_by=self_check").await;
    assert!(!p.html.contains(PROBLEM_A) && !p.html.contains(PROBLEM_C));
    let p = v
        .get("/problems?unit=%E7%94%B2%E5%8D%95%E4%BD%8D&status=open")
        .await;
    assert!(p.html.contains(PROBLEM_A) && !p.html.contains(PROBLEM_C));
    let p = v
        .get("/problems?class=%E8%B5%84%E9%87%91%E6%8B%A8%E4%BB%98")
        .await;
    assert!(!p.html.contains(PROBLEM_A) && p.html.contains(PROBLEM_C));
    let p = v.get("/problems?status=nonsense").await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Filing: the Traditional text finds its Simplified twin first.
    let p = v.get("/problems/new").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        !p.html.contains("value=\"save\""),
        "no save before the check"
    );
    let before = s
        .store
        .problems(&ProblemFilter::default())
        .await
        .unwrap()
        .len();
    let fields = |step: &'static str, deadline: &'static str| {
        vec![
            ("description", PROBLEM_A_HANT),
            ("found_by", "self_check"),
            ("root_cause", "mechanism"),
            ("unit", "甲单位"),
            ("deadline", deadline),
            ("class", "审批效率"),
            ("step", step),
        ]
    };
    let mut bad = fields("check", "2026-13-01");
    bad.push(("csrf", &csrf));
    let p = v.post("/problems/new", &bad).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("notice error") && p.html.contains(PROBLEM_A_HANT));
    let p = v
        .post("/problems/new", &fields("check", "2026-09-30"))
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "no CSRF token");
    let mut check = fields("check", "2026-09-30");
    check.push(("csrf", &csrf));
    let p = v.post("/problems/new", &check).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("已有相似问题"));
    assert!(
        p.html.contains(PROBLEM_A),
        "the Simplified twin is suggested"
    );
    assert!(
        p.html
            .contains(&format!("href=\"/problems/{}\"", f.problem_a))
    );
    assert!(p.html.contains("value=\"save\""));
    assert!(
        p.html.contains(PROBLEM_A_HANT),
        "the form keeps what was typed"
    );
    let after_check = s.store.problems(&ProblemFilter::default()).await.unwrap();
    assert_eq!(after_check.len(), before, "checking saves nothing");
    let mut save = fields("save", "2026-09-30");
    save.push(("csrf", &csrf));
    let p = v.post("/problems/new", &save).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let filed: i64 = p
        .location
        .strip_prefix("/problems/")
        .unwrap()
        .strip_suffix("?done=problem_filed")
        .unwrap()
        .parse()
        .unwrap();
    let p = v.get(&p.location).await;
    assert!(p.html.contains("问题已登记") && p.html.contains(PROBLEM_A_HANT));
    assert!(p.html.contains(PROBLEM_A), "its twin is listed as similar");

    // Its life cycle: rectify, class, close.
    let p = v
        .post(
            &format!("/problems/{filed}/rectify"),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("measures", "推行一窗受理"),
            ],
        )
        .await;
    assert_eq!(
        p.location,
        format!("/problems/{filed}?done=problem_rectified")
    );
    let p = v
        .post(
            &format!("/problems/{filed}/class"),
            &[("csrf", &csrf), ("version", "2"), ("class", "审批效率")],
        )
        .await;
    assert_eq!(
        p.location,
        format!("/problems/{filed}?done=problem_classified")
    );
    // A stale version: refused, said plainly.
    let p = v
        .post(
            &format!("/problems/{filed}/close"),
            &[("csrf", &csrf), ("version", "1"), ("evidence", "台账")],
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.html.contains("notice error"));
    // The class closes together: the two 审批效率 problems, not the other.
    let p = v.get("/problems").await;
    assert!(p.html.contains("action=\"/problems/classes/close\""));
    let p = v
        .post(
            "/problems/classes/close",
            &[("class", "审批效率"), ("evidence", "整改报告")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "no CSRF token");
    let p = v
        .post(
            "/problems/classes/close",
            &[
                ("csrf", &csrf),
                ("class", "审批效率"),
                ("evidence", "整改报告"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert!(p.location.ends_with("done=class_closed"));
    for (id, closed) in [(f.problem_a, true), (filed, true), (f.problem_c, false)] {
        let status = s.store.problem(id).await.unwrap().status;
        assert_eq!(status == ProblemStatus::Closed, closed, "problem {id}");
    }
    // One problem closed alone.
    let p = v
        .post(
            &format!("/problems/{}/close", f.problem_c),
            &[("csrf", &csrf), ("version", "1"), ("evidence", " ")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    let p = v
        .post(
            &format!("/problems/{}/close", f.problem_c),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("evidence", "资金已拨付"),
            ],
        )
        .await;
    assert_eq!(
        p.location,
        format!("/problems/{}?done=problem_closed", f.problem_c)
    );
    let p = v.get(&p.location).await;
    assert!(p.html.contains("已销号") && !p.html.contains("/close\""));

    // Indicators: both, progress against time, a value recorded.
    let p = v.get("/indicators").await;
    assert!(p.html.contains("新增实验室") && p.html.contains("新增用地指标"));
    assert!(p.html.contains("30%"), "3 of 10 reached");
    assert!(p.html.contains("滞后"), "behind half a year elapsed");
    let ind = s
        .store
        .indicators(Some(TaskId(f.task_a)), None)
        .await
        .unwrap()[0]
        .id;
    let p = v
        .post(
            &format!("/indicators/{ind}/values"),
            &[("csrf", &csrf), ("period", "2026-06"), ("value", "abc")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    let p = v
        .post(
            &format!("/indicators/{ind}/values"),
            &[("csrf", &csrf), ("period", "2026-06"), ("value", "8")],
        )
        .await;
    assert_eq!(p.location, "/indicators?done=indicator_recorded");
    let p = v.get(&format!("/indicators?task={}", f.task_a)).await;
    assert!(p.html.contains("80%") && !p.html.contains("新增用地指标"));
    let p = v
        .post(
            "/indicators/new",
            &[
                ("csrf", &csrf),
                ("task", &f.task_c.to_string()),
                ("name", "用地报批件数"),
                ("measure", "件"),
                ("year", "2026"),
                ("target", "40"),
            ],
        )
        .await;
    assert_eq!(p.location, "/indicators?done=indicator_added");
    // Past 50 indicators the list comes in pages: 3 above and 50 more.
    for n in 1..=50 {
        s.ok_post(
            &format!("/api/v1/tasks/{}/indicators", f.task_c),
            &json!({"name": format!("分页指标{n:02}"), "measure": "件", "year": 2026, "annual_target": 10}),
            201,
        )
        .await;
    }
    let p = v.get("/indicators").await;
    assert!(p.html.contains("第 1 / 2 页，共 53 项"), "{}", p.html);
    assert!(p.html.contains("分页指标47") && !p.html.contains("分页指标48"));
    assert!(p.html.contains("href=\"/indicators?page=2\" rel=\"next\""));
    for path in ["/indicators?page=2", "/indicators?page=99"] {
        let p = v.get(path).await;
        assert!(p.html.contains("第 2 / 2 页"), "{path}");
        assert!(p.html.contains("分页指标48") && !p.html.contains("分页指标47"));
        assert!(p.html.contains("href=\"/indicators?page=1\" rel=\"prev\""));
    }

    // Evaluation: both units, the burden beside the score, the export.
    let p = v.get("/evaluation?period=2026-06").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("甲单位") && p.html.contains("丙单位"));
    assert!(p.html.contains("应报") && p.html.contains("报送负担"));
    assert!(
        p.html
            .contains("href=\"/api/v1/evaluation/export?period=2026-06\"")
    );
    let p = v.get("/evaluation?period=2026-13").await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("notice error"));
    let x = v
        .client
        .get(s.url("/api/v1/evaluation/export?period=2026-06"));
    let cookie = v
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let r = x.header("cookie", cookie).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the export link works by cookie"
    );
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));

    // The status report: choose the document, then the printable page.
    let p = v.get("/status-report").await;
    assert!(
        p.html
            .contains(&format!("href=\"/status-report?document={}\"", f.document))
    );
    let p = v
        .get(&format!("/status-report?document={}", f.document))
        .await;
    assert_eq!(p.status, StatusCode::OK);
    for needle in [
        "贯彻落实情况的汇报",
        f.title_a.as_str(),
        f.title_c.as_str(),
        "逾期事项",
        PROBLEM_C,
        "新增实验室",
        &format!("/api/v1/documents/{}/status-report.docx", f.document),
    ] {
        assert!(p.html.contains(needle), "{needle} missing");
    }
    let p = v
        .get(&format!(
            "/status-report?document={}&from=2026-99-01",
            f.document
        ))
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    let p = v.get("/status-report?document=999").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);

    // Every other form without its CSRF token: refused, nothing written.
    let ind_c = s
        .store
        .indicators(Some(TaskId(f.task_c)), None)
        .await
        .unwrap()[0]
        .clone();
    for (path, form) in [
        (
            format!("/problems/{}/rectify", f.problem_c),
            vec![("version", "2"), ("measures", "x")],
        ),
        (
            format!("/problems/{}/class", f.problem_c),
            vec![("version", "2"), ("class", "x")],
        ),
        (
            format!("/indicators/{}/values", ind_c.id),
            vec![("period", "2026-06"), ("value", "5")],
        ),
        (
            "/indicators/new".to_owned(),
            vec![
                ("task", "2"),
                ("name", "x"),
                ("year", "2026"),
                ("target", "1"),
            ],
        ),
        ("/notifications/read-all".to_owned(), vec![]),
    ] {
        let p = v.post(&path, &form).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        s.store
            .indicators(Some(TaskId(f.task_c)), None)
            .await
            .unwrap()[0]
            .values,
        ind_c.values
    );

    // Bad ids and values: a plain 4xx page, never a 5xx (the visitor
    // checks), nothing written.
    for path in [
        "/problems/abc",
        "/problems/-1",
        "/problems/99999999999999999999",
        "/indicators?task=abc",
        "/evaluation?period=%00",
        "/status-report?document=abc",
        "/supervision?unit=%20%20",
    ] {
        let p = v.get(path).await;
        assert!(
            p.status.is_client_error() || p.status == StatusCode::OK,
            "{path}: {}",
            p.status
        );
    }
    for (path, form) in [
        (
            "/cards/abc/clear",
            vec![("csrf", csrf.as_str()), ("version", "1"), ("reason", "x")],
        ),
        (
            "/cards/1/clear",
            vec![("csrf", csrf.as_str()), ("version", "x"), ("reason", "x")],
        ),
        (
            "/cards/999/clear",
            vec![("csrf", csrf.as_str()), ("version", "1"), ("reason", "x")],
        ),
        ("/notifications/abc/read", vec![("csrf", csrf.as_str())]),
        (
            "/indicators/abc/values",
            vec![
                ("csrf", csrf.as_str()),
                ("period", "2026-06"),
                ("value", "1"),
            ],
        ),
        (
            "/indicators/999/values",
            vec![
                ("csrf", csrf.as_str()),
                ("period", "2026-06"),
                ("value", "1"),
            ],
        ),
        (
            "/indicators/new",
            vec![
                ("csrf", csrf.as_str()),
                ("task", "999"),
                ("name", "x"),
                ("year", "2026"),
                ("target", "1"),
            ],
        ),
        (
            "/indicators/new",
            vec![
                ("csrf", csrf.as_str()),
                ("task", "1"),
                ("name", "x"),
                ("year", "twenty"),
                ("target", "1"),
            ],
        ),
        (
            "/problems/new",
            vec![("csrf", csrf.as_str()), ("step", "save")],
        ),
        (
            "/problems/new",
            vec![
                ("csrf", csrf.as_str()),
                ("description", "x"),
                ("found_by", "督查"),
                ("root_cause", "其他"),
                ("deadline", "2026-09-30"),
                ("task", "999"),
                ("step", "save"),
            ],
        ),
        (
            "/problems/new",
            vec![
                ("csrf", csrf.as_str()),
                ("description", "x"),
                ("found_by", "督查"),
                ("root_cause", "其他"),
                ("deadline", "2026-09-30"),
                ("unit", "无此单位"),
                ("step", "save"),
            ],
        ),
        (
            "/problems/classes/close",
            vec![("csrf", csrf.as_str()), ("class", ""), ("evidence", "x")],
        ),
        (
            "/problems/abc/rectify",
            vec![("csrf", csrf.as_str()), ("version", "1"), ("measures", "x")],
        ),
    ] {
        let p = v.post(path, &form).await;
        assert!(p.status.is_client_error(), "{path}: {}", p.status);
        assert!(
            p.html.contains("notice error") || p.html.contains("出错"),
            "{path}: {}",
            p.html
        );
    }
    assert_eq!(
        s.store
            .problems(&ProblemFilter::default())
            .await
            .unwrap()
            .len(),
        3,
        "nothing filed by the bad forms"
    );

    // The other languages.
    v.lang = Some("en");
    let p = v.get("/supervision").await;
    assert!(p.html.contains("Reports due and missed") && p.html.contains("Red card"));
    let p = v.get("/problems").await;
    assert!(p.html.contains("Root cause"));
    v.lang = Some("zh-TW");
    let p = v.get("/supervision").await;
    assert!(
        p.html.contains("應報未報") || p.html.contains("督辦"),
        "{}",
        &p.html[..600]
    );
    s.finish().await;
}

async fn a_units_staff_sees_only_its_own_unit(engine: Engine) {
    let s = TestServer::start(engine).await;
    let f = fixture(&s).await;
    let mut v = Visitor::checking(&s, KEYS);
    v.login_as("a-staff").await;

    let p = v.get("/supervision").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains(&f.title_a), "its own task");
    assert!(!p.html.contains(&f.title_c), "not the other unit's task");
    assert!(!p.html.contains("丙单位"));
    assert!(!p.html.contains("/clear\""), "no clearing form");
    let csrf = p.csrf();
    for card in [f.card_a, f.card_c] {
        let p = v
            .post(
                &format!("/cards/{card}/clear"),
                &[("csrf", &csrf), ("version", "1"), ("reason", "自行解除")],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert!(card_open(&s, card).await);
    }

    // Notifications: its unit's only; it marks its own read, not others'.
    let p = v.get("/notifications").await;
    assert!(p.html.contains("甲单位") && !p.html.contains("丙单位"));
    assert!(
        p.html
            .contains(&format!("action=\"/notifications/{}/read\"", f.note_a))
    );
    let p = v
        .post(&format!("/notifications/{}/read", f.note_a), &[])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "no CSRF token");
    let p = v
        .post(
            &format!("/notifications/{}/read", f.note_a),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.location, "/notifications?done=notification_read");
    let p = v
        .post(
            &format!("/notifications/{}/read", f.note_c),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(!p.html.contains(&f.title_c));
    let unread = s
        .store
        .notifications(&NotificationFilter {
            unread: true,
            ..NotificationFilter::default()
        })
        .await
        .unwrap();
    assert!(unread.iter().any(|n| n.id == f.note_c));
    assert!(!unread.iter().any(|n| n.id == f.note_a));
    let p = v.get("/notifications?unread=1").await;
    assert!(
        p.html.contains("未读 1 条"),
        "the other reminder of its task"
    );
    assert!(
        !p.html
            .contains(&format!("action=\"/notifications/{}/read\"", f.note_a))
    );
    // All of its unit's marked read at once; the other unit's stay unread.
    let p = v.post("/notifications/read-all", &[("csrf", &csrf)]).await;
    assert_eq!(p.location, "/notifications?done=notifications_read");
    let p = v.get("/notifications?unread=1").await;
    assert!(p.html.contains("暂无提醒") && p.html.contains("未读 0 条"));
    let unread = s
        .store
        .notifications(&NotificationFilter {
            unread: true,
            ..NotificationFilter::default()
        })
        .await
        .unwrap();
    assert!(!unread.is_empty() && unread.iter().all(|n| n.unit.name.as_str() == "丙单位"));

    // Problems: its own only; it rectifies its own, nothing else.
    let p = v.get("/problems").await;
    assert!(p.html.contains(PROBLEM_A) && !p.html.contains(PROBLEM_C));
    assert!(!p.html.contains("/problems/new") && !p.html.contains("classes/close"));
    let p = v.get(&format!("/problems/{}", f.problem_c)).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(!p.html.contains(PROBLEM_C));
    let p = v.get("/problems/999").await;
    assert_eq!(
        p.status,
        StatusCode::FORBIDDEN,
        "the same as another unit's"
    );
    let p = v.get("/problems/new").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = v
        .post(
            "/problems/new",
            &[
                ("csrf", &csrf),
                ("description", "本单位自查问题"),
                ("found_by", "self_check"),
                ("root_cause", "other"),
                ("deadline", "2026-09-30"),
                ("step", "save"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = v.get(&format!("/problems/{}", f.problem_a)).await;
    assert!(p.html.contains("/rectify\"") && !p.html.contains("/close\""));
    let p = v
        .post(
            &format!("/problems/{}/rectify", f.problem_c),
            &[("csrf", &csrf), ("version", "1"), ("measures", "越权整改")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = v
        .post(
            &format!("/problems/{}/rectify", f.problem_a),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("measures", "压缩审批环节"),
            ],
        )
        .await;
    assert_eq!(
        p.location,
        format!("/problems/{}?done=problem_rectified", f.problem_a)
    );
    for (path, form) in [
        (
            format!("/problems/{}/close", f.problem_a),
            vec![("csrf", csrf.as_str()), ("version", "2"), ("evidence", "x")],
        ),
        (
            format!("/problems/{}/class", f.problem_a),
            vec![("csrf", csrf.as_str()), ("version", "2"), ("class", "x")],
        ),
        (
            "/problems/classes/close".to_owned(),
            vec![
                ("csrf", csrf.as_str()),
                ("class", "资金拨付"),
                ("evidence", "x"),
            ],
        ),
    ] {
        let p = v.post(&path, &form).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        s.store.problem(f.problem_c).await.unwrap().status,
        ProblemStatus::Open
    );

    // Indicators: its own task's only; no forms; another task refused.
    let p = v.get("/indicators").await;
    assert!(p.html.contains("新增实验室") && !p.html.contains("新增用地指标"));
    assert!(!p.html.contains("/values\""));
    let p = v.get(&format!("/indicators?task={}", f.task_c)).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);

    // Evaluation: its own row; no export. The status report: refused.
    let p = v.get("/evaluation?period=2026-06").await;
    assert!(p.html.contains("甲单位") && !p.html.contains("丙单位"));
    assert!(!p.html.contains("/export"));
    let p = v
        .get(&format!("/status-report?document={}", f.document))
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = v.get("/status-report").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    s.finish().await;
}

async fn a_card_shows_its_tier_reason_and_task_to_its_unit(engine: Engine) {
    let s = TestServer::start(engine).await;
    let f = fixture(&s).await;
    let cards = s
        .store
        .cards(&CardFilter {
            task: Some(TaskId(f.task_a)),
            ..CardFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].tier, "red");
    let mut v = Visitor::checking(&s, KEYS);
    v.login_as("a-staff").await;
    let p = v.get("/supervision").await;
    assert!(p.html.contains("tier-red"));
    assert!(p.html.contains(&cards[0].reasons[0].text));
    assert!(p.html.contains(&format!("href=\"/tasks/{}\"", f.task_a)));
    assert!(!p.html.contains(&format!("href=\"/tasks/{}\"", f.task_c)));
    s.finish().await;
}

/// The text of every paragraph (table cells included) of a .docx, in order.
fn docx_paragraphs(bytes: &[u8]) -> Vec<String> {
    use std::io::Read as _;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml.split("</w:p>")
        .map(|p| {
            let mut text = String::new();
            for run in p.split("<w:t").skip(1) {
                // `<w:t>` or `<w:t xml:space="preserve">`, not `<w:tbl…>`.
                let Some(rest) = run.strip_prefix('>').or_else(|| {
                    run.starts_with(' ')
                        .then(|| run.split_once('>').map(|(_, r)| r))
                        .flatten()
                }) else {
                    continue;
                };
                text.push_str(rest.split("</w:t>").next().unwrap_or(""));
            }
            unescape(&text)
        })
        .filter(|t| !t.trim().is_empty())
        .collect()
}

/// A page's text: tags dropped, entities undone.
fn page_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
}

/// The printable status report is the .docx's outline: every heading,
/// paragraph, caption and table cell of the Word file stands on the page,
/// in the same order, numbers included — in every page language, and for a
/// date range too; a task's title links to the task.
async fn the_status_report_page_says_what_the_docx_says(engine: Engine) {
    let s = TestServer::start(engine).await;
    let f = fixture(&s).await;
    for (lang, range) in [
        (None, ""),
        (Some("en"), ""),
        (Some("zh-Hant"), ""),
        (None, "&from=2026-03-01&to=2026-06-30"),
    ] {
        let mut v = Visitor::checking(&s, KEYS);
        v.lang = lang;
        v.login_as("office").await;
        let p = v
            .get(&format!("/status-report?document={}{range}", f.document))
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        let paper = {
            let from = p.html.find("<article class=\"sr-paper\"").unwrap();
            let to = p.html[from..].find("</article>").unwrap() + from;
            page_text(&p.html[from..to])
        };
        let query = if range.is_empty() {
            String::new()
        } else {
            format!("?{}", &range[1..])
        };
        let docx = s
            .get(&format!(
                "/api/v1/documents/{}/status-report.docx{query}",
                f.document
            ))
            .await;
        assert_eq!(docx.status, StatusCode::OK);
        let paragraphs = docx_paragraphs(&docx.bytes);
        assert!(paragraphs.len() > 10, "{paragraphs:?}");
        let mut at = 0;
        for para in &paragraphs {
            let found = paper[at..]
                .find(para.as_str())
                .unwrap_or_else(|| panic!("{lang:?}: not on the page (in order): {para}\n{paper}"));
            at += found + para.len();
        }
        // The headings and figures the file has, named.
        for needle in [
            "贯彻落实情况的汇报",
            "一、总体进展",
            "二、各项任务推进情况",
            "逾期事项",
            PROBLEM_C,
            "新增实验室",
            f.title_a.as_str(),
        ] {
            assert!(paper.contains(needle), "{lang:?} {needle}");
            assert!(paragraphs.iter().any(|p| p.contains(needle)), "{needle}");
        }
        // Each task's number and title link to its page.
        assert!(
            p.html
                .contains(&format!("<a href=\"/tasks/{}\">", f.task_a)),
            "{lang:?}: task A is linked"
        );
        // The page around the report follows the language.
        if lang == Some("en") {
            assert!(p.html.contains("Word"), "the English toolbar");
        }
    }
    s.finish().await;
}

/// The header of every page shows the unread notifications of the units
/// the user sees ("通知 (2)"), linking to the notification centre; reading
/// one lowers it; a unit's staff counts only its unit's.
async fn the_header_counts_unread_notifications(engine: Engine) {
    let s = TestServer::start(engine).await;
    let f = fixture(&s).await;
    let all = s
        .store
        .notifications(&NotificationFilter {
            unread: true,
            ..NotificationFilter::default()
        })
        .await
        .unwrap();
    let of_a = all
        .iter()
        .filter(|n| n.unit.name.as_str() == "甲单位")
        .count();
    assert!(of_a >= 1 && all.len() > of_a, "{all:?}");
    let badge = |html: &str| {
        let at = html
            .find("class=\"inbox")
            .expect("the header's notification link");
        let rest = &html[at..];
        let text = &rest[rest.find('>').unwrap() + 1..rest.find("</a>").unwrap()];
        assert!(rest.contains("href=\"/notifications\""));
        text.to_owned()
    };

    let mut office = Visitor::checking(&s, KEYS);
    office.login_as("office").await;
    for path in [
        "/ledger",
        "/dashboard",
        "/supervision",
        "/problems",
        "/password",
    ] {
        let p = office.get(path).await;
        assert_eq!(badge(&p.html), format!("通知 ({})", all.len()), "{path}");
    }
    let mut staff = Visitor::checking(&s, KEYS);
    staff.login_as("a-staff").await;
    let p = staff.get(&format!("/tasks/{}", f.task_a)).await;
    assert_eq!(badge(&p.html), format!("通知 ({of_a})"));
    // Reading one of the unit's notifications lowers both counts.
    let csrf = p.csrf();
    let r = staff
        .post(
            &format!("/notifications/{}/read", f.note_a),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let p = staff.follow(&r).await;
    let expected = if of_a == 1 {
        "通知".to_owned()
    } else {
        format!("通知 ({})", of_a - 1)
    };
    assert_eq!(badge(&p.html), expected);
    let p = office.get("/ledger").await;
    assert_eq!(badge(&p.html), format!("通知 ({})", all.len() - 1));
    // In English and Traditional Chinese.
    office.lang = Some("en");
    let p = office.get("/ledger").await;
    assert_eq!(badge(&p.html), format!("Notifications ({})", all.len() - 1));
    // Nobody signed in: no count.
    let mut anon = Visitor::new(&s);
    assert!(!anon.get("/login").await.html.contains("class=\"inbox"));
    let _ = f.note_c;
    s.finish().await;
}

/// The Chinese labels of the stored codes the pages show: statuses, card
/// tiers, how a problem was found, root causes, problem statuses,
/// reporting cycles, notification kinds, timeline events, roles.
fn code_labels() -> Vec<&'static str> {
    let prefixes = [
        "status.",
        "sup.tier.",
        "prob.found_by.",
        "prob.cause.",
        "prob.status.",
        "assign.cycle.",
        "sup.cycle.",
        "notif.kind.",
        "event.",
        "role.",
    ];
    let (_, zh) = luoshi_server::web::i18n::SOURCES[0];
    luoshi_server::web::i18n::parse(zh)
        .into_iter()
        .filter(|(k, _)| prefixes.iter().any(|p| k.starts_with(p)))
        .filter(|(k, _)| !k.ends_with(".keep"))
        .map(|(_, v)| v)
        .collect()
}

/// In English, every label that is a stored code reads in English on
/// every page (the report body of the status report is Chinese by design);
/// only stored free text — titles, names, reasons, descriptions — stays as
/// written.
async fn english_pages_translate_stored_codes(engine: Engine) {
    let s = TestServer::start(engine).await;
    let f = fixture(&s).await;
    s.ok_post(
        &format!("/api/v1/tasks/{}/cycle", f.task_c),
        &json!({"kind": "quarterly"}),
        200,
    )
    .await;
    // Everything stored as free text, longest first, to cut out of a page.
    let mut stored: Vec<String> = Vec::new();
    let tasks = s.ok_get("/api/v1/tasks?limit=100").await;
    for t in tasks["items"].as_array().unwrap() {
        for k in ["title", "text"] {
            if let Some(x) = t[k].as_str() {
                stored.push(x.to_owned());
            }
        }
    }
    for c in s.store.cards(&CardFilter::default()).await.unwrap() {
        stored.extend(c.reasons.iter().map(|r| r.text.clone()));
        stored.extend(c.clear_reason.clone());
    }
    for n in s
        .store
        .notifications(&NotificationFilter::default())
        .await
        .unwrap()
    {
        stored.push(n.text.clone());
    }
    stored.extend(
        [
            PROBLEM_A,
            PROBLEM_C,
            "审批效率",
            "资金拨付",
            "新增实验室",
            "新增用地指标",
            "甲单位",
            "丙单位",
            "省委常委会会议通稿",
            "李四",
            "office姓名",
            "a-staff姓名",
            "省委常委会",
            "张三",
            "家",
        ]
        .map(str::to_owned),
    );
    stored.sort_by_key(|x| std::cmp::Reverse(x.chars().count()));
    let labels = code_labels();
    assert!(labels.contains(&"红牌") && labels.contains(&"执行不力"));

    let check = |who: &str, path: &str, html: &str| {
        let mut main = html[html.find("<main").unwrap()..].to_owned();
        if let Some(from) = main.find("<article class=\"sr-paper\"") {
            let to = main[from..].find("</article>").unwrap() + from;
            main.replace_range(from..to, "");
        }
        let mut text = page_text(&main);
        for x in &stored {
            text = text.replace(x.as_str(), " ");
        }
        for l in &labels {
            assert!(
                !text.contains(l),
                "{who} {path}: the code label {l} shows untranslated in:\n{text}"
            );
        }
    };
    let mut office = Visitor::checking(&s, KEYS);
    office.lang = Some("en");
    office.login_as("office").await;
    for path in [
        "/ledger".to_owned(),
        "/dashboard".to_owned(),
        "/review".to_owned(),
        "/assign".to_owned(),
        "/supervision".to_owned(),
        "/notifications".to_owned(),
        "/problems".to_owned(),
        "/problems/new".to_owned(),
        format!("/problems/{}", f.problem_a),
        "/indicators".to_owned(),
        "/evaluation?period=2026-06".to_owned(),
        format!("/status-report?document={}", f.document),
        format!("/tasks/{}", f.task_a),
        format!("/tasks/{}", f.task_c),
        "/ingest".to_owned(),
        "/tokens".to_owned(),
    ] {
        let p = office.get(&path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}");
        check("office", &path, &p.html);
        if path == format!("/tasks/{}", f.task_c) {
            // The card's tier and the reporting cycle, in English.
            assert!(p.html.contains("Red card") || p.html.contains("Yellow card"));
            assert!(p.html.contains("Quarterly"), "the cycle in English");
        }
    }
    let mut staff = Visitor::checking(&s, KEYS);
    staff.lang = Some("en");
    staff.login_as("a-staff").await;
    for path in [
        "/ledger".to_owned(),
        "/supervision".to_owned(),
        "/notifications".to_owned(),
        format!("/tasks/{}", f.task_a),
        format!("/problems/{}", f.problem_a),
    ] {
        let p = staff.get(&path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}");
        check("staff", &path, &p.html);
    }
    s.finish().await;
}

engine_cases!(
    english_pages_translate_stored_codes,
    the_status_report_page_says_what_the_docx_says,
    the_header_counts_unread_notifications,
    the_office_supervises_through_the_pages,
    a_units_staff_sees_only_its_own_unit,
    a_card_shows_its_tier_reason_and_task_to_its_unit,
);
