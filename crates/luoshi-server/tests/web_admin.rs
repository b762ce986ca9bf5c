//! The assign (交办), administration (单位与用户) and API-token pages over
//! HTTP, as a browser without JavaScript uses them: every form, its
//! refusals, and the checks that matter — who may open the page at all, a
//! form without its CSRF token writes nothing, a stale task is a conflict
//! while the others go through, a user only ever sees their own tokens.
//! Each test runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used)]

mod helpers;

use helpers::visitor::Visitor;
use helpers::{COMMUNIQUE, Engine, PASSWORD, TestServer};

/// The catalogue prefixes of these pages: never shown as they are.
const KEYS: &[&str] = &["assign.", "admin.", "tokens."];
use luoshi_core::{Accounts, Ledger, Role, TaskId, UnitName};
use reqwest::StatusCode;
use serde_json::json;

/// Three units, the communiqué stored: drafts 1 (a theme), 2 and 3 (its
/// tasks) and 4 (a task of its own).
async fn ledger(s: &TestServer) -> (i64, Vec<i64>) {
    for unit in ["甲单位", "乙单位", "丙单位"] {
        s.ok_post_as(&s.admin_token, "/api/v1/units", &json!({"name": unit}), 201)
            .await;
    }
    let doc = s
        .ok_post("/api/v1/documents", &json!({"text": COMMUNIQUE}), 201)
        .await;
    let ids = doc["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    (doc["document"]["id"].as_i64().unwrap(), ids)
}

async fn only_the_office_assigns_and_only_the_administrator_administers(engine: Engine) {
    let s = TestServer::start(engine).await;
    ledger(&s).await;
    s.account("a-staff", Role::UnitStaff, Some("甲单位")).await;
    s.account("a-lead", Role::UnitLead, Some("甲单位")).await;
    s.account("boss", Role::Leadership, None).await;
    for (login, assign, admin) in [
        ("a-staff", false, false),
        ("a-lead", false, false),
        ("boss", false, false),
        ("office", true, false),
        ("admin", false, true),
    ] {
        let mut v = Visitor::checking(&s, KEYS);
        v.login(login, PASSWORD).await;
        let p = v.get("/assign").await;
        if assign {
            assert_eq!(p.status, StatusCode::OK, "{login}");
            assert!(p.html.contains("交办所选任务"));
        } else {
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{login} /assign");
            assert!(p.html.contains("您没有权限交办任务"), "{}", p.html);
            assert!(!p.html.contains("href=\"/assign\""), "no nav link");
        }
        let p = v.get("/admin").await;
        if admin {
            assert_eq!(p.status, StatusCode::OK, "{login}");
            assert!(p.html.contains("新增单位") && p.html.contains("新增用户"));
        } else {
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{login} /admin");
            assert!(p.html.contains("您没有权限管理用户"), "{}", p.html);
        }
        // The forms refuse as the pages do, writing nothing.
        let csrf = v.get("/tokens").await.csrf();
        if !assign {
            let p = v
                .post(
                    "/assign",
                    &[
                        ("csrf", &csrf),
                        ("task", "2:1"),
                        ("lead", "甲单位"),
                        ("deadline", "2026-06-30"),
                    ],
                )
                .await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{login}");
        }
        if !admin {
            let p = v
                .post("/admin/units", &[("csrf", &csrf), ("name", "黑单位")])
                .await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{login}");
            let p = v
                .post(
                    "/admin/users",
                    &[
                        ("csrf", &csrf),
                        ("login", "sneaky"),
                        ("name", "某人"),
                        ("role", "admin"),
                    ],
                )
                .await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{login}");
        }
    }
    assert!(
        s.store
            .unit(&UnitName::parse("黑单位").unwrap())
            .await
            .is_err()
    );
    assert!(
        s.store
            .users()
            .await
            .unwrap()
            .iter()
            .all(|u| u.login.as_str() != "sneaky")
    );
    assert_eq!(
        s.store.task(TaskId(2)).await.unwrap().status.code(),
        "draft"
    );
    s.finish().await;
}

async fn bulk_assign_reports_a_stale_task_as_a_conflict_and_assigns_the_rest(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (doc, ids) = ledger(&s).await;
    let (t1, t2, t3) = (ids[1], ids[2], ids[3]);
    let mut v = Visitor::checking(&s, KEYS);
    v.login("office", PASSWORD).await;

    // The ingest page links here with the document chosen.
    let p = v.get(&format!("/assign?document={doc}")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.html
            .contains(&format!("<option value=\"{doc}\" selected")),
        "document preselected"
    );
    assert!(p.html.contains("id=\"a-theme\""), "themes of the document");
    for id in [t1, t2, t3] {
        assert!(p.html.contains(&format!("value=\"{id}:1\"")), "task {id}");
    }
    let csrf = p.csrf();

    // Filtered by the theme: the theme and its tasks, not the fourth.
    let p = v
        .get(&format!("/assign?document={doc}&theme={}", ids[0]))
        .await;
    assert!(p.html.contains(&format!("value=\"{t2}:1\"")));
    assert!(!p.html.contains(&format!("value=\"{t3}:1\"")));

    // "Select all on this page" re-renders with every box ticked and the
    // typed values kept; nothing is written.
    let p = v
        .post(
            "/assign",
            &[
                ("csrf", &csrf),
                ("document", &doc.to_string()),
                ("select", "all"),
                ("lead", "甲单位"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.html.matches(" checked>").count(), ids.len());
    assert_eq!(p.input("lead"), "甲单位");

    // Somebody else changes the third task after the page was read.
    s.ok_post(
        &format!("/api/v1/tasks/{t3}/assign"),
        &json!({"expected_version": 1, "lead": "丙单位", "deadline": "2026-12-31"}),
        200,
    )
    .await;

    let (v1, v2, v3) = (format!("{t1}:1"), format!("{t2}:1"), format!("{t3}:1"));
    let form = [
        ("csrf", csrf.as_str()),
        ("document", &doc.to_string()),
        ("task", &v1),
        ("task", &v2),
        ("task", &v3),
        ("lead", "甲单位"),
        ("co", "乙单位"),
        ("co", ""),
        ("owner", "王五"),
        ("deadline", "2026-06-30"),
        ("cycle", "monthly"),
    ];
    let p = v.post("/assign", &form).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert!(
        p.location
            .starts_with(&format!("/assign?document={doc}&r="))
    );
    let p = v.follow(&p).await;
    assert!(p.html.contains("已交办 2 项，冲突 1 项"), "{}", p.html);
    assert!(
        p.html
            .contains(&format!("<a href=\"/tasks/{t3}\">任务 {t3}</a>"))
    );
    assert!(p.html.contains("已被他人修改"));

    for id in [t1, t2] {
        let task = s.store.task(TaskId(id)).await.unwrap();
        let a = task.assignment.unwrap();
        assert_eq!(task.status.code(), "assigned");
        assert_eq!(a.lead.name.as_str(), "甲单位");
        assert_eq!(a.co_units.len(), 1);
        assert_eq!(a.co_units[0].name.as_str(), "乙单位");
        assert_eq!(a.owner.unwrap().as_str(), "王五");
        assert_eq!(a.deadline.to_string(), "2026-06-30");
        let cycle = s.store.cycle(TaskId(id)).await.unwrap().unwrap();
        assert_eq!(cycle.cycle.code(), "monthly");
    }
    // The stale one kept what the other writer gave it.
    let task = s.store.task(TaskId(t3)).await.unwrap();
    assert_eq!(task.assignment.unwrap().lead.name.as_str(), "丙单位");
    assert!(s.store.cycle(TaskId(t3)).await.unwrap().is_none());
    s.finish().await;
}

/// A form, the status it gets, a text its page shows.
type Case<'a> = (Vec<(&'a str, String)>, StatusCode, &'a str);

async fn assign_refusals_write_nothing(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (_, ids) = ledger(&s).await;
    let mut v = Visitor::checking(&s, KEYS);
    v.login("office", PASSWORD).await;
    let csrf = v.get("/assign").await.csrf();
    let one = format!("{}:1", ids[1]);
    let base = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, String)> = vec![
            ("csrf", csrf.clone()),
            ("task", one.clone()),
            ("lead", "甲单位".into()),
            ("deadline", "2026-06-30".into()),
        ];
        for (k, val) in extra {
            f.retain(|(n, _)| n != k);
            f.push((k, (*val).to_owned()));
        }
        f
    };
    let cases: Vec<Case> = vec![
        // No CSRF token: refused before anything else.
        (
            base(&[])
                .into_iter()
                .filter(|(k, _)| *k != "csrf")
                .collect(),
            StatusCode::FORBIDDEN,
            "",
        ),
        (base(&[("csrf", "0000")]), StatusCode::FORBIDDEN, ""),
        (
            base(&[])
                .into_iter()
                .filter(|(k, _)| *k != "task")
                .collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "请先勾选要交办的任务",
        ),
        (
            base(&[("lead", "")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "请选择牵头单位",
        ),
        (
            base(&[("lead", "不存在的单位")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "没有名为“不存在的单位”的单位",
        ),
        (
            base(&[("co", "乙单位、不存在的单位")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "没有名为“不存在的单位”的单位",
        ),
        (
            base(&[("co", "甲单位")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "不能同时作为配合单位",
        ),
        (
            base(&[("deadline", "六月底")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            base(&[("deadline", "")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "请填写完成时限",
        ),
        (
            base(&[("cycle", "dates"), ("dates", "2026-02-30")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            base(&[("cycle", "hourly")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            base(&[("task", "abc:def")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "请先勾选要交办的任务",
        ),
    ];
    for (form, status, text) in cases {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let p = v.post("/assign", &pairs).await;
        assert_eq!(p.status, status, "{pairs:?}: {}", p.html);
        assert!(p.html.contains(text), "{pairs:?}: {}", p.html);
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            assert!(p.html.contains("notice error"));
            // The typed values are kept and the box stays ticked.
            if pairs.iter().any(|(k, _)| *k == "task") && !one.is_empty() {
                assert!(p.html.contains("交办所选任务"));
            }
        }
    }
    let task = s.store.task(TaskId(ids[1])).await.unwrap();
    assert_eq!(task.status.code(), "draft", "nothing was assigned");
    assert!(task.assignment.is_none());

    // A task whose status does not allow assigning is reported, not a 5xx.
    let p = v
        .post(
            "/assign",
            &[
                ("csrf", &csrf),
                ("task", &format!("{}:1", ids[1])),
                ("task", "99999:1"),
                ("lead", "甲单位"),
                ("deadline", "2026-06-30"),
                ("cycle", "dates"),
                ("dates", "2026-04-30、2026-05-31"),
            ],
        )
        .await;
    let p = v.follow(&p).await;
    assert!(p.html.contains("已交办 1 项"), "{}", p.html);
    assert!(p.html.contains("该任务不存在"));
    let cycle = s.store.cycle(TaskId(ids[1])).await.unwrap().unwrap();
    assert_eq!(cycle.cycle.code(), "dates");
    s.finish().await;
}

async fn the_administrator_manages_units_and_users_through_forms(engine: Engine) {
    let s = TestServer::start(engine).await;
    let mut v = Visitor::checking(&s, KEYS);
    v.login("admin", PASSWORD).await;
    let csrf = v.get("/admin").await.csrf();

    // Units: a top-level one, one under it, one refused.
    let p = v
        .post("/admin/units", &[("csrf", &csrf), ("name", "省政府")])
        .await;
    assert_eq!(p.location, "/admin?done=unit_added#units");
    let p = v
        .post(
            "/admin/units",
            &[("csrf", &csrf), ("name", "省水利厅"), ("parent", "省政府")],
        )
        .await;
    let p = v.follow(&p).await;
    assert!(p.html.contains("单位已新增"));
    assert!(p.html.contains("padding-left: 1em\" class=\"depth-1\""));
    let p = v
        .post(
            "/admin/units",
            &[("csrf", &csrf), ("name", "河湖处"), ("parent", "省财政厅")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("没有名为“省财政厅”的单位"));
    assert_eq!(p.input("unit_name"), "河湖处", "typed values kept");
    let p = v
        .post("/admin/units", &[("csrf", &csrf), ("name", "省政府")])
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    let p = v.post("/admin/units", &[("name", "无令牌单位")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "no CSRF");

    // Rename and move, with the version the edit form carries.
    let p = v.get("/admin?unit=省水利厅#unit-edit").await;
    assert!(p.html.contains("调整单位：省水利厅"));
    let version = {
        let at = p.html.find("name=\"version\" value=\"").unwrap() + 22;
        p.html[at..at + p.html[at..].find('"').unwrap()].to_owned()
    };
    let p = v
        .post(
            "/admin/units/change",
            &[
                ("csrf", &csrf),
                ("unit", "省水利厅"),
                ("version", &version),
                ("action", "rename"),
                ("new_name", "省水利厅（新）"),
            ],
        )
        .await;
    assert_eq!(p.location, "/admin?done=unit_renamed#units");
    // The same version again is stale now.
    let p = v
        .post(
            "/admin/units/change",
            &[
                ("csrf", &csrf),
                ("unit", "省水利厅（新）"),
                ("version", &version),
                ("action", "move"),
                ("parent", ""),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.html);
    // Moving a unit under its own sub-unit is refused.
    let gov = s
        .store
        .unit(&UnitName::parse("省政府").unwrap())
        .await
        .unwrap();
    let p = v
        .post(
            "/admin/units/change",
            &[
                ("csrf", &csrf),
                ("unit", "省政府"),
                ("version", &gov.version.0.to_string()),
                ("action", "move"),
                ("parent", "省水利厅（新）"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.html);
    let moved = s
        .store
        .unit(&UnitName::parse("省水利厅（新）").unwrap())
        .await
        .unwrap();
    let p = v
        .post(
            "/admin/units/change",
            &[
                ("csrf", &csrf),
                ("unit", "省水利厅（新）"),
                ("version", &moved.version.0.to_string()),
                ("action", "move"),
                ("parent", ""),
            ],
        )
        .await;
    assert_eq!(p.location, "/admin?done=unit_moved#units");
    let moved = s
        .store
        .unit(&UnitName::parse("省水利厅（新）").unwrap())
        .await
        .unwrap();
    assert!(moved.parent.is_none());

    // Users: the one-time password is shown once and works.
    let p = v
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("login", "zhangsan"),
                ("name", "张三"),
                ("role", "unit_staff"),
                ("unit", "省政府"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("已新增用户 zhangsan（张三）"));
    let otp = p.input("secret-value");
    assert!(otp.len() >= 10);
    assert!(!v.get("/admin").await.html.contains(&otp), "shown once");
    let mut z = Visitor::checking(&s, KEYS);
    z.login("zhangsan", &otp).await;
    assert_eq!(z.get("/ledger").await.location, "/password");

    // Refusals: a unit role without a unit, a taken login, a bad role.
    for (form, status) in [
        (
            vec![("login", "lisi"), ("name", "李四"), ("role", "unit_lead")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            vec![("login", "zhangsan"), ("name", "张三"), ("role", "office")],
            StatusCode::CONFLICT,
        ),
        (
            vec![("login", "lisi"), ("name", "李四"), ("role", "root")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            vec![("login", "李四"), ("name", "李四"), ("role", "office")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let mut f = vec![("csrf", csrf.as_str())];
        f.extend(form.iter().copied());
        let p = v.post("/admin/users", &f).await;
        assert_eq!(p.status, status, "{f:?}: {}", p.html);
        assert!(p.html.contains("notice error"));
    }

    // Change the role and unit, reset the password, disable, enable.
    let user = s
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.login.as_str() == "zhangsan")
        .unwrap();
    let p = v.get(&format!("/admin?user={}", user.id)).await;
    assert!(p.html.contains("编辑用户：zhangsan"));
    let path = format!("/admin/users/{}", user.id);
    let p = v
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("version", &user.version.0.to_string()),
                ("action", "change"),
                ("name", "张三丰"),
                ("role", "office"),
                ("unit", "省政府"),
            ],
        )
        .await;
    let p = v.follow(&p).await;
    assert!(p.html.contains("用户信息已保存"), "{}", p.html);
    let changed = s.store.user(user.id).await.unwrap();
    assert_eq!(changed.role, Role::Office);
    assert!(changed.unit.is_none(), "office keeps no unit");
    assert_eq!(changed.name.as_str(), "张三丰");
    // A stale version is a conflict.
    let p = v
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("version", &user.version.0.to_string()),
                ("action", "disable"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    let p = v
        .post(&format!("{path}/password"), &[("csrf", &csrf)])
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("已重置 zhangsan（张三丰）的密码"));
    let otp2 = p.input("secret-value");
    assert_ne!(otp, otp2);
    let p = v
        .post(
            &path,
            &[
                ("csrf", &csrf),
                (
                    "version",
                    &s.store.user(user.id).await.unwrap().version.0.to_string(),
                ),
                ("action", "disable"),
            ],
        )
        .await;
    let p = v.follow(&p).await;
    assert!(p.html.contains("账号已停用"));
    assert!(p.html.contains("u-disabled"));
    assert!(!s.store.user(user.id).await.unwrap().active);
    let p = z
        .post("/login", &[("login", "zhangsan"), ("password", &otp2)])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "a disabled account");
    let p = v
        .post(
            &path,
            &[
                ("csrf", &csrf),
                (
                    "version",
                    &s.store.user(user.id).await.unwrap().version.0.to_string(),
                ),
                ("action", "enable"),
            ],
        )
        .await;
    assert_eq!(
        p.location,
        format!("/admin?user={}&done=user_enabled#user-edit", user.id)
    );
    assert!(s.store.user(user.id).await.unwrap().active);

    // The last administrator cannot be disabled.
    let me = s
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.login.as_str() == "admin")
        .unwrap();
    let p = v
        .post(
            &format!("/admin/users/{}", me.id),
            &[
                ("csrf", &csrf),
                ("version", &me.version.0.to_string()),
                ("action", "disable"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.html);
    assert!(s.store.user(me.id).await.unwrap().active);
    s.finish().await;
}

async fn the_tokens_page_shows_and_revokes_only_ones_own_tokens(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.ok_post_as(
        &s.admin_token,
        "/api/v1/units",
        &json!({"name": "甲单位"}),
        201,
    )
    .await;
    s.account("a-staff", Role::UnitStaff, Some("甲单位")).await;
    // The office's token, which the unit user must never see.
    let office = s.store.authenticate("office", PASSWORD).await.unwrap();
    let (office_token, _) = s.store.create_token(&office, "督查室脚本").await.unwrap();

    let mut v = Visitor::checking(&s, KEYS);
    v.login("a-staff", PASSWORD).await;
    let p = v.get("/tokens").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("<td data-label=\"名称\">tests</td>"));
    assert!(!p.html.contains("督查室脚本"));
    let csrf = p.csrf();

    // Create: the secret is shown once, works as a bearer token.
    let p = v
        .post("/tokens", &[("csrf", &csrf), ("name", "统计脚本")])
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("已新建令牌“统计脚本”"));
    let secret = p.input("secret-value");
    assert_eq!(secret.len(), 64);
    let me = s.get_as(&secret, "/api/v1/me").await;
    assert_eq!(me.status.as_u16(), 200);
    assert!(!v.get("/tokens").await.html.contains(&secret));
    // A bad name is refused with the reason; no CSRF, no token.
    let p = v.post("/tokens", &[("csrf", &csrf), ("name", "")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("notice error"));
    let p = v.post("/tokens", &[("name", "无令牌")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let mine = s
        .store
        .tokens(
            s.store
                .authenticate("a-staff", PASSWORD)
                .await
                .unwrap()
                .user,
        )
        .await
        .unwrap();
    assert_eq!(mine.len(), 2);
    let new = mine.iter().find(|k| k.name == "统计脚本").unwrap();

    // Revoking asks first, then revokes.
    let p = v.get(&format!("/tokens?revoke={}", new.id)).await;
    assert!(p.html.contains("确定撤销这个令牌吗"));
    assert!(
        p.html
            .contains(&format!("action=\"/tokens/{}/revoke\"", new.id))
    );
    // Somebody else's token: not found, and it keeps working.
    let p = v.get(&format!("/tokens?revoke={}", office_token.id)).await;
    assert!(!p.html.contains("确定撤销这个令牌吗"));
    let p = v
        .post(
            &format!("/tokens/{}/revoke", office_token.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.html.contains("只能撤销自己的 API 令牌"));
    assert!(!p.html.contains("督查室脚本"));
    let office_tokens = s.store.tokens(office.user).await.unwrap();
    assert!(office_tokens.iter().all(|k| k.revoked_at.is_none()));
    let p = v.post(&format!("/tokens/{}/revoke", new.id), &[]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "no CSRF");
    let p = v
        .post(&format!("/tokens/{}/revoke", new.id), &[("csrf", &csrf)])
        .await;
    let p = v.follow(&p).await;
    assert!(p.html.contains("令牌已撤销"));
    assert!(p.html.contains("已撤销 "));
    assert_eq!(s.get_as(&secret, "/api/v1/me").await.status.as_u16(), 401);
    s.finish().await;
}

async fn the_pages_speak_traditional_chinese_and_english(engine: Engine) {
    let s = TestServer::start(engine).await;
    ledger(&s).await;
    for (login, path, hant, en) in [
        ("office", "/assign", "交辦任務", "Assign tasks"),
        ("admin", "/admin", "單位與用戶", "Units and users"),
        ("admin", "/tokens", "我的 API 令牌", "My API tokens"),
    ] {
        let mut v = Visitor::checking(&s, KEYS);
        v.login(login, PASSWORD).await;
        for (tag, title) in [("zh-Hant", hant), ("en", en)] {
            v.cookies.retain(|(k, _)| k != "luoshi_lang");
            v.cookies.push(("luoshi_lang".into(), tag.into()));
            let p = v.get(path).await;
            assert_eq!(p.status, StatusCode::OK);
            assert!(
                p.html.contains(&format!("<h1>{title}</h1>")),
                "{tag} {path}"
            );
            assert!(p.html.contains(&format!("lang=\"{tag}\"")));
        }
    }
    // A refusal reads in the page's language too.
    let mut v = Visitor::checking(&s, KEYS);
    v.login("office", PASSWORD).await;
    v.cookies.push(("luoshi_lang".into(), "en".into()));
    let csrf = v.get("/assign").await.csrf();
    let p = v
        .post("/assign", &[("csrf", &csrf), ("lead", "甲单位")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.html.contains("Tick the tasks to assign first."),
        "{}",
        p.html
    );
    s.finish().await;
}

async fn odd_input_never_breaks_a_page(engine: Engine) {
    let s = TestServer::start(engine).await;
    ledger(&s).await;
    let odd = [
        "",
        " ",
        "abc",
        "-1",
        "0",
        "99999999999999999999",
        "1:abc",
        "%00",
        "\u{0}",
        "<script>alert(1)</script>",
        "甲单位\n乙单位",
        &"长".repeat(300),
    ];
    for login in ["office", "admin"] {
        let mut v = Visitor::checking(&s, KEYS);
        v.login(login, PASSWORD).await;
        let csrf = v.get("/tokens").await.csrf();
        for x in odd {
            for path in [
                format!("/assign?document={x}"),
                format!("/assign?theme={x}&document=1"),
                format!("/assign?status={x}&unit={x}&page={x}"),
                format!("/assign?r={x}"),
                format!("/admin?unit={x}&user={x}&under={x}&done={x}"),
                format!("/tokens?revoke={x}&done={x}"),
            ] {
                let path = path.replace('\n', "%0A").replace('\u{0}', "%00");
                let p = v.get(&path).await;
                assert!(p.status.as_u16() < 500, "GET {path}: {}", p.status);
                assert!(!p.html.contains("<script>alert"), "escaped: {path}");
            }
            for (path, field) in [
                ("/assign", "task"),
                ("/assign", "lead"),
                ("/assign", "co"),
                ("/assign", "deadline"),
                ("/assign", "dates"),
                ("/admin/units", "name"),
                ("/admin/units", "parent"),
                ("/admin/units/change", "version"),
                ("/admin/users", "login"),
                ("/admin/users", "unit"),
                ("/tokens", "name"),
            ] {
                let form = [
                    ("csrf", csrf.as_str()),
                    ("task", "2:1"),
                    ("lead", "甲单位"),
                    ("deadline", "2026-06-30"),
                    ("cycle", "dates"),
                    ("unit", "甲单位"),
                    ("role", "unit_staff"),
                    ("name", "名称"),
                    ("login", "someone"),
                    ("version", "1"),
                    ("action", "move"),
                    (field, x),
                ];
                let p = v.post(path, &form).await;
                assert!(
                    p.status.as_u16() < 500,
                    "POST {path} {field}={x:.20}: {}",
                    p.status
                );
                assert!(!p.html.contains("<script>alert"), "escaped: {path}");
            }
            for path in [
                format!("/admin/users/{x}"),
                format!("/admin/users/{x}/password"),
                format!("/tokens/{x}/revoke"),
            ] {
                let path = path.replace('\n', "%0A").replace('\u{0}', "%00");
                // An empty or slashed id is another route (the site's 404).
                if x.trim().is_empty() || x.contains('<') {
                    continue;
                }
                let p = v.post(&path, &[("csrf", &csrf), ("version", x)]).await;
                assert!(p.status.as_u16() < 500, "POST {path}: {}", p.status);
            }
        }
    }
    s.finish().await;
}

engine_cases!(
    only_the_office_assigns_and_only_the_administrator_administers,
    bulk_assign_reports_a_stale_task_as_a_conflict_and_assigns_the_rest,
    assign_refusals_write_nothing,
    the_administrator_manages_units_and_users_through_forms,
    the_tokens_page_shows_and_revokes_only_ones_own_tokens,
    the_pages_speak_traditional_chinese_and_english,
    odd_input_never_breaks_a_page,
);
