//! The permission matrix: every operation of the OpenAPI document × every
//! kind of caller × a record of the caller's own unit and one of another
//! unit, with the status each must get. An operation the document lists
//! without a row here fails the test (and a row without an operation too),
//! so a new endpoint cannot ship without deciding who may call it.
//!
//! Writes that are allowed are sent with a stale `expected_version`, so
//! they answer 409 and change nothing: the matrix tests the decision, not
//! the life cycle, and its cells do not depend on each other's order.

#![allow(clippy::unwrap_used)]

mod helpers;

use std::collections::BTreeSet;

use helpers::{COMMUNIQUE, Engine, PASSWORD, TestServer};
use luoshi_core::{
    Accounts, CardFilter, Date, Login, NewUser, NotificationFilter, Password, PersonName, Role,
    TaskId, WarningRules,
};
use reqwest::Method;
use serde_json::{Value, json};

/// The callers, in the order of the status columns.
const CALLERS: [&str; 7] = [
    "anonymous",
    "pending", // must still change its password
    "admin",
    "office",
    "unit_lead",  // of unit A
    "unit_staff", // of unit A
    "leadership",
];

type Row = (&'static str, &'static str, [u16; 7], [u16; 7]);

/// (method, path, statuses on the own unit's record, on another unit's).
/// Columns: anonymous, pending, admin, office, unit_lead, unit_staff, leadership.
#[rustfmt::skip]
const MATRIX: &[Row] = &[
    ("POST", "/api/v1/extract", [401, 403, 403, 200, 403, 403, 403], [401, 403, 403, 200, 403, 403, 403]),
    ("POST", "/api/v1/documents", [401, 403, 403, 201, 403, 403, 403], [401, 403, 403, 201, 403, 403, 403]),
    ("GET", "/api/v1/documents", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/documents/{id}", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 403, 403, 200]),
    ("GET", "/api/v1/tasks", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/tasks/export", [401, 403, 200, 200, 200, 403, 200], [401, 403, 200, 200, 200, 403, 200]),
    ("GET", "/api/v1/tasks/{id}", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 403, 403, 200]),
    ("POST", "/api/v1/tasks/{id}/assign", [401, 403, 403, 409, 403, 403, 403], [401, 403, 403, 409, 403, 403, 403]),
    ("POST", "/api/v1/tasks/{id}/reports", [401, 403, 403, 403, 201, 201, 403], [401, 403, 403, 403, 403, 403, 403]),
    ("POST", "/api/v1/tasks/{id}/request-close", [401, 403, 403, 403, 409, 409, 403], [401, 403, 403, 403, 403, 403, 403]),
    ("POST", "/api/v1/tasks/{id}/close", [401, 403, 403, 409, 403, 403, 403], [401, 403, 403, 409, 403, 403, 403]),
    ("POST", "/api/v1/tasks/{id}/return", [401, 403, 403, 409, 403, 403, 403], [401, 403, 403, 409, 403, 403, 403]),
    ("POST", "/api/v1/tasks/{id}/suspend", [401, 403, 403, 409, 403, 403, 403], [401, 403, 403, 409, 403, 403, 403]),
    ("POST", "/api/v1/tasks/{id}/resume", [401, 403, 403, 409, 403, 403, 403], [401, 403, 403, 409, 403, 403, 403]),
    ("GET", "/api/v1/counts", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/units", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 200, 200, 200]),
    ("POST", "/api/v1/units", [401, 403, 409, 403, 403, 403, 403], [401, 403, 409, 403, 403, 403, 403]),
    ("GET", "/api/v1/units/{name}", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 200, 200, 200]),
    ("POST", "/api/v1/reports/{id}/accept", [401, 403, 403, 409, 403, 403, 403], [401, 403, 403, 409, 403, 403, 403]),
    ("POST", "/api/v1/reports/{id}/return", [401, 403, 403, 409, 403, 403, 403], [401, 403, 403, 409, 403, 403, 403]),
    ("POST", "/api/v1/session", [401, 401, 401, 401, 401, 401, 401], [401, 401, 401, 401, 401, 401, 401]),
    ("DELETE", "/api/v1/session", [401, 204, 204, 204, 204, 204, 204], [401, 204, 204, 204, 204, 204, 204]),
    ("GET", "/api/v1/me", [401, 200, 200, 200, 200, 200, 200], [401, 200, 200, 200, 200, 200, 200]),
    ("POST", "/api/v1/me/password", [401, 422, 422, 422, 422, 422, 422], [401, 422, 422, 422, 422, 422, 422]),
    ("GET", "/api/v1/me/tokens", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 200, 200, 200]),
    ("POST", "/api/v1/me/tokens", [401, 403, 201, 201, 201, 201, 201], [401, 403, 201, 201, 201, 201, 201]),
    // Own: a spare token of the caller; other: another user's token (only
    // an administrator may revoke it; others are told it does not exist).
    ("DELETE", "/api/v1/me/tokens/{id}", [401, 403, 204, 204, 204, 204, 204], [401, 403, 204, 404, 404, 404, 404]),
    ("GET", "/api/v1/users", [401, 403, 200, 403, 403, 403, 403], [401, 403, 200, 403, 403, 403, 403]),
    ("POST", "/api/v1/users", [401, 403, 409, 403, 403, 403, 403], [401, 403, 409, 403, 403, 403, 403]),
    ("GET", "/api/v1/users/{id}", [401, 403, 200, 403, 403, 403, 403], [401, 403, 200, 403, 403, 403, 403]),
    ("PATCH", "/api/v1/users/{id}", [401, 403, 409, 403, 403, 403, 403], [401, 403, 409, 403, 403, 403, 403]),
    ("POST", "/api/v1/users/{id}/password", [401, 403, 200, 403, 403, 403, 403], [401, 403, 200, 403, 403, 403, 403]),
    // The problem list: the office files, classifies and closes; a unit
    // sees and rectifies its own units' problems only.
    ("GET", "/api/v1/problems", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 200, 200, 200]),
    ("POST", "/api/v1/problems", [401, 403, 403, 201, 403, 403, 403], [401, 403, 403, 201, 403, 403, 403]),
    ("POST", "/api/v1/problems/similar", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/problems/{id}", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 403, 403, 200]),
    ("POST", "/api/v1/problems/{id}/rectify", [401, 403, 403, 409, 409, 409, 403], [401, 403, 403, 409, 403, 403, 403]),
    ("POST", "/api/v1/problems/{id}/close", [401, 403, 403, 409, 403, 403, 403], [401, 403, 403, 409, 403, 403, 403]),
    ("POST", "/api/v1/problems/{id}/class", [401, 403, 403, 409, 403, 403, 403], [401, 403, 403, 409, 403, 403, 403]),
    ("GET", "/api/v1/tasks/{id}/indicators", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 403, 403, 200]),
    ("POST", "/api/v1/tasks/{id}/indicators", [401, 403, 403, 201, 403, 403, 403], [401, 403, 403, 201, 403, 403, 403]),
    ("POST", "/api/v1/indicators/{id}/values", [401, 403, 403, 200, 403, 403, 403], [401, 403, 403, 200, 403, 403, 403]),
    ("GET", "/api/v1/evaluation", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/evaluation/export", [401, 403, 200, 200, 403, 403, 200], [401, 403, 200, 200, 403, 403, 200]),
    ("GET", "/api/v1/tasks/{id}/cycle", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 403, 403, 200]),
    ("POST", "/api/v1/tasks/{id}/cycle", [401, 403, 403, 409, 403, 403, 403], [401, 403, 403, 409, 403, 403, 403]),
    ("GET", "/api/v1/reports-due", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/cards", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 200, 200, 200]),
    ("POST", "/api/v1/cards/{id}/clear", [401, 403, 403, 409, 403, 403, 403], [401, 403, 403, 409, 403, 403, 403]),
    ("GET", "/api/v1/me/notifications", [401, 403, 200, 200, 200, 200, 200], [401, 403, 200, 200, 200, 200, 200]),
    // Notifications are the units': only their people mark them read;
    // another unit's is not found.
    ("POST", "/api/v1/me/notifications/{id}/read", [401, 403, 403, 403, 200, 200, 403], [401, 403, 403, 403, 404, 404, 403]),
    ("GET", "/api/v1/documents/{id}/status-report.docx", [401, 403, 200, 200, 403, 403, 200], [401, 403, 200, 200, 403, 403, 200]),
    ("GET", "/api/v1/scheduler", [401, 403, 200, 200, 403, 403, 200], [401, 403, 200, 200, 403, 403, 200]),
    // The status report by scope and supervision notices: roles that see
    // every unit; a unit's people neither read the whole report nor issue
    // notices (each notice takes a number of the office's register).
    ("GET", "/api/v1/status-report.docx", [401, 403, 200, 200, 403, 403, 200], [401, 403, 200, 200, 403, 403, 200]),
    ("GET", "/api/v1/tasks/{id}/notice.docx", [401, 403, 200, 200, 403, 403, 200], [401, 403, 200, 200, 403, 403, 200]),
    ("GET", "/api/v1/units/{name}/notice.docx", [401, 403, 200, 200, 403, 403, 200], [401, 403, 200, 200, 403, 403, 200]),
    // A combined report names the same task twice (one task: refused as
    // too small after the checks, so nothing is written): a unit may
    // report on its own unit's task only.
    ("POST", "/api/v1/reports/combined", [401, 403, 403, 403, 422, 422, 403], [401, 403, 403, 403, 403, 403, 403]),
    // A unit's reminder address: administrators only.
    ("PUT", "/api/v1/units/{name}/contact", [401, 403, 200, 403, 403, 403, 403], [401, 403, 200, 403, 403, 403, 403]),
];

/// The records a cell is about: of unit A (the unit roles' own) and of
/// unit C (another).
struct Fixture {
    tokens: Vec<String>,
    spare_tokens: Vec<i64>,
    other_token: i64,
    task: [i64; 2],
    document: [i64; 2],
    report: [i64; 2],
    card: [i64; 2],
    notification: [i64; 2],
    user: i64,
    problem: [i64; 2],
    indicator: [i64; 2],
}

async fn fixture(s: &TestServer) -> Fixture {
    for unit in ["甲单位", "丙单位"] {
        s.ok_post_as(&s.admin_token, "/api/v1/units", &json!({"name": unit}), 201)
            .await;
    }
    let mut task = [0; 2];
    let mut document = [0; 2];
    for (i, lead) in ["甲单位", "丙单位"].into_iter().enumerate() {
        let doc = s
            .ok_post("/api/v1/documents", &json!({"text": COMMUNIQUE}), 201)
            .await;
        document[i] = doc["document"]["id"].as_i64().unwrap();
        task[i] = doc["tasks"][1]["id"].as_i64().unwrap();
        s.ok_post(
            &format!("/api/v1/tasks/{}/assign", task[i]),
            &json!({"expected_version": 1, "lead": lead, "deadline": "2026-06-30"}),
            200,
        )
        .await;
    }
    let (_, a_reporter) = s
        .account("a-reporter", Role::UnitStaff, Some("甲单位"))
        .await;
    let (user, c_reporter) = s
        .account("c-reporter", Role::UnitStaff, Some("丙单位"))
        .await;
    let mut problem = [0; 2];
    let mut indicator = [0; 2];
    for (i, unit) in ["甲单位", "丙单位"].into_iter().enumerate() {
        let p = s
            .ok_post(
                "/api/v1/problems",
                &json!({"description": format!("{unit}的问题"), "unit": unit, "found_by": "督查",
                        "root_cause": "其他", "deadline": "2026-06-30"}),
                201,
            )
            .await;
        problem[i] = p["problem"]["id"].as_i64().unwrap();
        let ind = s
            .ok_post(
                &format!("/api/v1/tasks/{}/indicators", task[i]),
                &json!({"name": "指标", "measure": "家", "year": 2026, "annual_target": 10}),
                201,
            )
            .await;
        indicator[i] = ind["id"].as_i64().unwrap();
    }
    let mut report = [0; 2];
    for (i, token) in [&a_reporter, &c_reporter].into_iter().enumerate() {
        let r = s
            .ok_post_as(
                token,
                &format!("/api/v1/tasks/{}/reports", task[i]),
                &json!({"done": "进展", "percent": 10}),
                201,
            )
            .await;
        report[i] = r["id"].as_i64().unwrap();
    }
    // The pending caller: a token, but its one-time password unchanged.
    let admin = s.store.authenticate("admin", PASSWORD).await.unwrap();
    s.store
        .create_user(
            &admin,
            &NewUser {
                login: Login::parse("pending").unwrap(),
                name: PersonName::parse("待改密").unwrap(),
                role: Role::Office,
                unit: None,
                password: Password::parse("one-time-password-9").unwrap(),
            },
        )
        .await
        .unwrap();
    let pending = s
        .store
        .authenticate("pending", "one-time-password-9")
        .await
        .unwrap();
    let pending_token = s.store.create_token(&pending, "tests").await.unwrap().1;
    let (_, lead) = s.account("a-lead", Role::UnitLead, Some("甲单位")).await;
    let (_, staff) = s.account("a-staff", Role::UnitStaff, Some("甲单位")).await;
    let (_, leader) = s.account("leader", Role::Leadership, None).await;
    let tokens = vec![
        String::new(),
        pending_token,
        s.admin_token.clone(),
        s.office_token.clone(),
        lead,
        staff,
        leader,
    ];
    // A spare token per caller to revoke as its own; one of c-reporter's as
    // another user's.
    let mut spare_tokens = vec![0];
    for token in &tokens[1..] {
        let me = s.ok_get_as(token, "/api/v1/me").await;
        let login = me["user"]["login"].as_str().unwrap().to_owned();
        let password = if login == "pending" {
            "one-time-password-9"
        } else {
            PASSWORD
        };
        let principal = s.store.authenticate(&login, password).await.unwrap();
        spare_tokens.push(
            s.store
                .create_token(&principal, "spare")
                .await
                .unwrap()
                .0
                .id,
        );
    }
    let c = s.store.authenticate("c-reporter", PASSWORD).await.unwrap();
    let other_token = s.store.create_token(&c, "other").await.unwrap().0.id;
    // A card and a notification on each task: the deadline (2026-06-30)
    // as the scheduler sees it.
    let rules = WarningRules::default();
    s.store
        .assess(Date::parse("2026-07-01").unwrap(), &rules)
        .await
        .unwrap();
    s.store
        .record_reminders(Date::parse("2026-06-30").unwrap(), 3, &[], &rules)
        .await
        .unwrap();
    let mut card = [0; 2];
    let mut notification = [0; 2];
    let notes = s
        .store
        .notifications(&NotificationFilter::default())
        .await
        .unwrap();
    for i in 0..2 {
        card[i] = s
            .store
            .cards(&CardFilter {
                task: Some(TaskId(task[i])),
                ..CardFilter::default()
            })
            .await
            .unwrap()[0]
            .id
            .0;
        notification[i] = notes.iter().find(|n| n.task.0 == task[i]).unwrap().id;
    }
    Fixture {
        tokens,
        spare_tokens,
        other_token,
        task,
        document,
        report,
        card,
        notification,
        user,
        problem,
        indicator,
    }
}

/// The concrete path of a cell.
fn path_of(template: &str, f: &Fixture, caller: usize, other: bool) -> String {
    let i = usize::from(other);
    let id = if template.starts_with("/api/v1/tasks/{id}") {
        f.task[i].to_string()
    } else if template.starts_with("/api/v1/documents/{id}") {
        f.document[i].to_string()
    } else if template.starts_with("/api/v1/reports/{id}") {
        f.report[i].to_string()
    } else if template.starts_with("/api/v1/problems/{id}") {
        f.problem[i].to_string()
    } else if template.starts_with("/api/v1/indicators/{id}") {
        f.indicator[i].to_string()
    } else if template.starts_with("/api/v1/cards/{id}") {
        f.card[i].to_string()
    } else if template.starts_with("/api/v1/me/notifications/{id}") {
        f.notification[i].to_string()
    } else if template.starts_with("/api/v1/users/{id}") {
        f.user.to_string()
    } else if template.starts_with("/api/v1/me/tokens/{id}") {
        if other {
            f.other_token.to_string()
        } else {
            f.spare_tokens[caller].to_string()
        }
    } else if template.starts_with("/api/v1/units/{name}") {
        let name = if other { "丙单位" } else { "甲单位" };
        form_urlencoded::byte_serialize(name.as_bytes()).collect()
    } else {
        String::new()
    };
    match template.find('{') {
        Some(start) => {
            let end = template[start..].find('}').unwrap() + start + 1;
            format!("{}{id}{}", &template[..start], &template[end..])
        }
        None => template.to_owned(),
    }
}

/// A body that passes validation; versions are stale on purpose.
fn body_of(method: &str, template: &str) -> Option<Value> {
    const STALE: i64 = 999_999;
    let body = match (method, template) {
        ("POST", "/api/v1/extract" | "/api/v1/documents") => json!({"text": COMMUNIQUE}),
        ("POST", "/api/v1/tasks/{id}/assign") => {
            json!({"expected_version": STALE, "lead": "甲单位", "deadline": "2026-06-30"})
        }
        ("POST", "/api/v1/tasks/{id}/reports") => json!({"done": "进展", "percent": 20}),
        ("POST", "/api/v1/tasks/{id}/request-close") => {
            json!({"expected_version": STALE, "evidence": "佐证"})
        }
        ("POST", "/api/v1/tasks/{id}/close" | "/api/v1/tasks/{id}/resume") => {
            json!({"expected_version": STALE})
        }
        ("POST", "/api/v1/tasks/{id}/return" | "/api/v1/tasks/{id}/suspend") => {
            json!({"expected_version": STALE, "reason": "理由"})
        }
        ("POST", "/api/v1/units") => json!({"name": "甲单位"}),
        ("POST", "/api/v1/reports/{id}/accept" | "/api/v1/reports/{id}/return") => {
            json!({"expected_version": STALE, "note": "意见"})
        }
        ("POST", "/api/v1/session") => json!({"login": "nobody", "password": "not a password"}),
        ("POST", "/api/v1/me/password") => {
            json!({"old_password": "whatever", "new_password": "short"})
        }
        ("POST", "/api/v1/me/tokens") => json!({"name": "矩阵"}),
        ("POST", "/api/v1/users") => {
            json!({"login": "office", "name": "重名", "role": "office"})
        }
        ("PATCH", "/api/v1/users/{id}") => json!({"expected_version": STALE, "name": "改名"}),
        ("POST", "/api/v1/problems") => json!({"description": "矩阵问题", "unit": "甲单位",
            "found_by": "督查", "root_cause": "其他", "deadline": "2026-06-30"}),
        ("POST", "/api/v1/problems/similar") => json!({"text": "甲单位的问题"}),
        ("POST", "/api/v1/problems/{id}/rectify") => {
            json!({"expected_version": STALE, "measures": "整改措施"})
        }
        ("POST", "/api/v1/problems/{id}/close") => {
            json!({"expected_version": STALE, "evidence": "佐证"})
        }
        ("POST", "/api/v1/problems/{id}/class") => {
            json!({"expected_version": STALE, "class": "类别"})
        }
        ("POST", "/api/v1/tasks/{id}/indicators") => {
            json!({"name": "指标", "measure": "家", "year": 2026, "annual_target": 10})
        }
        ("POST", "/api/v1/indicators/{id}/values") => json!({"period": "2026-03", "value": 3}),
        ("POST", "/api/v1/tasks/{id}/cycle") => {
            json!({"expected_version": STALE, "kind": "monthly"})
        }
        ("POST", "/api/v1/cards/{id}/clear") => {
            json!({"expected_version": STALE, "reason": "理由"})
        }
        ("PUT", "/api/v1/units/{name}/contact") => json!({"email": "duban@example.org"}),
        _ => return None,
    };
    Some(body)
}

async fn every_caller_at_every_endpoint(engine: Engine) {
    // Enough logins a minute for the matrix's row of them.
    let s = TestServer::start_set_up(
        engine,
        luoshi_server::Settings {
            login_attempts_per_minute: 100,
            ..luoshi_server::Settings::default()
        },
    )
    .await;
    let doc = s.get("/api/openapi.json").await.body;
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let tabled: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let missing: Vec<_> = documented.difference(&tabled).collect();
    assert!(
        missing.is_empty(),
        "endpoints without a row in MATRIX: {missing:?}"
    );
    let stale: Vec<_> = tabled.difference(&documented).collect();
    assert!(
        stale.is_empty(),
        "rows of MATRIX for no endpoint: {stale:?}"
    );

    let f = fixture(&s).await;
    let hidden = s.get_as(&f.tokens[5], "/api/v1/tasks/987654").await;
    let mut failures = Vec::new();
    for (method, template, own, other) in MATRIX {
        for (is_other, expected) in [(false, own), (true, other)] {
            for (caller, want) in expected.iter().enumerate() {
                let path = path_of(template, &f, caller, is_other);
                let method_ = Method::from_bytes(method.as_bytes()).unwrap();
                let mut req = s.client.request(method_, s.url(&path));
                if caller > 0 {
                    req = req.bearer_auth(&f.tokens[caller]);
                }
                let body = if *template == "/api/v1/reports/combined" {
                    let t = f.task[usize::from(is_other)];
                    Some(json!({"tasks": [t, t], "done": "合并进展", "percent": 20}))
                } else {
                    body_of(method, template)
                };
                if let Some(body) = body {
                    req = req.json(&body);
                }
                let r = s.send(req).await;
                let cell = format!(
                    "{method} {path} as {} ({}): {}",
                    CALLERS[caller],
                    if is_other { "other unit" } else { "own unit" },
                    r.body
                );
                if r.status.as_u16() != *want {
                    failures.push(format!("expected {want}, got {}: {cell}", r.status));
                    continue;
                }
                if r.status.as_u16() >= 400 {
                    helpers::assert_error_shape(&r);
                }
                // Another unit's task looks exactly like none where the
                // caller's role would be allowed on its own unit's (a
                // refusal by role is the same for every task).
                let scoped = (4..=5).contains(&caller);
                if scoped
                    && is_other
                    && *want == 403
                    && own[caller] != 403
                    && template.starts_with("/api/v1/tasks/{id}")
                    && r.body != hidden.body
                {
                    failures.push(format!("not the body of a missing task: {cell}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_every_caller_at_every_endpoint() {
    every_caller_at_every_endpoint(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_every_caller_at_every_endpoint() {
    every_caller_at_every_endpoint(Engine::Postgres).await;
}

#[test]
fn the_matrix_names_each_operation_once() {
    let mut seen = BTreeSet::new();
    for (m, p, _, _) in MATRIX {
        assert!(seen.insert((*m, *p)), "{m} {p} twice");
    }
}
