//! Accounts over real HTTP, on SQLite and PostgreSQL: the first start, the
//! whole cycle as users of different roles, what a unit user of another
//! unit can learn (nothing), CSRF, tokens, the login limiter, the
//! lock-out, the cookie's attributes, user administration.

#![allow(clippy::unwrap_used)]

mod helpers;

use helpers::{Browser, COMMUNIQUE, Engine, PASSWORD, TestServer};
use luoshi_core::Role;
use reqwest::Method;
use serde_json::{Value, json};

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn version(v: &Value) -> i64 {
    v["version"].as_i64().unwrap()
}

/// Creates a user through the API and makes its first login: the
/// one-time password works, everything but /me and the password change is
/// refused until it is changed. Returns the session after the change.
async fn new_user(s: &TestServer, login: &str, role: &str, unit: Option<&str>) -> Browser {
    let created = s
        .ok_post_as(
            &s.admin_token,
            "/api/v1/users",
            &json!({"login": login, "name": "张三", "role": role, "unit": unit}),
            201,
        )
        .await;
    assert_eq!(created["user"]["must_change_password"], true);
    let otp = created["one_time_password"].as_str().unwrap();
    let b = s.login(login, otp).await;
    let blocked = s.send(s.browser(&b, Method::GET, "/api/v1/tasks")).await;
    assert_eq!(blocked.status.as_u16(), 403);
    assert_eq!(blocked.error_code(), "password_change_required");
    let me = s.send(s.browser(&b, Method::GET, "/api/v1/me")).await;
    assert_eq!(me.status.as_u16(), 200);
    assert_eq!(me.body["user"]["must_change_password"], true);
    let changed = s
        .send(
            s.browser(&b, Method::POST, "/api/v1/me/password")
                .json(&json!({"old_password": otp, "new_password": PASSWORD})),
        )
        .await;
    assert_eq!(changed.status.as_u16(), 204, "{}", changed.body);
    let open = s.send(s.browser(&b, Method::GET, "/api/v1/tasks")).await;
    assert_eq!(open.status.as_u16(), 200, "{}", open.body);
    b
}

async fn the_first_start_makes_the_administrator_change_its_password(engine: Engine) {
    let s = TestServer::start_with(engine, luoshi_server::Settings::default()).await;
    let (login, otp) = s.first_admin.clone().unwrap();
    assert_eq!(login, "admin");
    assert_eq!(otp.chars().count(), 20);
    let b = s.login(&login, &otp).await;
    assert_eq!(b.login_body["user"]["role"], "admin");
    assert_eq!(b.login_body["user"]["must_change_password"], true);
    for path in ["/api/v1/users", "/api/v1/tasks", "/api/v1/me/tokens"] {
        let r = s.send(s.browser(&b, Method::GET, path)).await;
        assert_eq!(r.status.as_u16(), 403, "{path}");
        assert_eq!(r.error_code(), "password_change_required");
    }
    // The new password must be acceptable, and the old one right.
    let weak = s
        .send(
            s.browser(&b, Method::POST, "/api/v1/me/password")
                .json(&json!({"old_password": otp, "new_password": "12345"})),
        )
        .await;
    assert_eq!(
        (weak.status.as_u16(), weak.field()),
        (422, Some("new_password"))
    );
    let wrong = s
        .send(
            s.browser(&b, Method::POST, "/api/v1/me/password")
                .json(&json!({"old_password": "not it at all", "new_password": PASSWORD})),
        )
        .await;
    assert_eq!(wrong.status.as_u16(), 422);
    assert_eq!(wrong.error_code(), "wrong_password");
    assert_eq!(wrong.field(), Some("old_password"));
    let ok = s
        .send(
            s.browser(&b, Method::POST, "/api/v1/me/password")
                .json(&json!({"old_password": otp, "new_password": PASSWORD})),
        )
        .await;
    assert_eq!(ok.status.as_u16(), 204, "{}", ok.body);
    let users = s.send(s.browser(&b, Method::GET, "/api/v1/users")).await;
    assert_eq!(users.status.as_u16(), 200, "{}", users.body);
    assert_eq!(users.body[0]["login"], "admin");
    assert_eq!(users.body[0]["must_change_password"], false);
    // The one-time password is spent.
    let again = s
        .send(
            s.client
                .post(s.url("/api/v1/session"))
                .json(&json!({"login": "admin", "password": otp})),
        )
        .await;
    assert_eq!(again.status.as_u16(), 401);
    assert_eq!(again.error_code(), "bad_credentials");
    // Logging out ends the session: the cookie no longer works.
    let out = s
        .send(s.browser(&b, Method::DELETE, "/api/v1/session"))
        .await;
    assert_eq!(out.status.as_u16(), 204);
    let cleared = out.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let after = s.send(s.browser(&b, Method::GET, "/api/v1/me")).await;
    assert_eq!(after.status.as_u16(), 401);
    assert_eq!(after.error_code(), "credentials_invalid");
    s.finish().await;
}

async fn the_cycle_as_office_units_and_leadership(s: TestServer) {
    for unit in ["省科技厅", "省发展改革委", "省水利厅"] {
        s.ok_post_as(&s.admin_token, "/api/v1/units", &json!({"name": unit}), 201)
            .await;
    }
    let a_staff = new_user(&s, "kjt-staff", "unit_staff", Some("省科技厅")).await;
    let a_lead = new_user(&s, "kjt-lead", "unit_lead", Some("省科技厅")).await;
    let b_staff = new_user(&s, "fgw-staff", "unit_staff", Some("省发展改革委")).await;
    let leader = new_user(&s, "leader", "leadership", None).await;
    let office = new_user(&s, "dcs", "office", None).await;
    let as_ = |b: &Browser, m: Method, p: &str| s.browser(b, m, p);

    // The office ingests and assigns to two units: A leads, B co-operates.
    let ingested = s
        .send(
            as_(&office, Method::POST, "/api/v1/documents")
                .json(&json!({"name": "通稿.txt", "text": COMMUNIQUE})),
        )
        .await;
    assert_eq!(ingested.status.as_u16(), 201, "{}", ingested.body);
    let tasks = ingested.body["tasks"].as_array().unwrap();
    let task = tasks
        .iter()
        .find(|t| t["title"].as_str().unwrap().contains("产业升级"))
        .unwrap();
    let tid = id(task);
    let assigned = s
        .send(
            as_(
                &office,
                Method::POST,
                &format!("/api/v1/tasks/{tid}/assign"),
            )
            .json(&json!({
                "expected_version": version(task), "lead": "省科技厅",
                "co_units": ["省发展改革委"], "deadline": "2026-06-30"})),
        )
        .await;
    assert_eq!(assigned.status.as_u16(), 200, "{}", assigned.body);

    // A's staff reports (for A by default); B's staff reports as co-unit.
    let report = s
        .send(
            as_(
                &a_staff,
                Method::POST,
                &format!("/api/v1/tasks/{tid}/reports"),
            )
            .json(&json!({"done": "起草方案", "percent": 30})),
        )
        .await;
    assert_eq!(report.status.as_u16(), 201, "{}", report.body);
    assert_eq!(report.body["unit"]["name"], "省科技厅");
    assert_eq!(report.body["reported_by"], "kjt-staff");
    let co_report = s
        .send(
            as_(
                &b_staff,
                Method::POST,
                &format!("/api/v1/tasks/{tid}/reports"),
            )
            .json(&json!({"done": "提供数据", "percent": 30})),
        )
        .await;
    assert_eq!(co_report.status.as_u16(), 201, "{}", co_report.body);
    assert_eq!(co_report.body["unit"]["name"], "省发展改革委");
    // Nobody reports in another unit's name.
    let impostor = s
        .send(
            as_(
                &b_staff,
                Method::POST,
                &format!("/api/v1/tasks/{tid}/reports"),
            )
            .json(&json!({"done": "冒名", "percent": 90, "unit": "省科技厅"})),
        )
        .await;
    assert_eq!(impostor.status.as_u16(), 403);
    assert_eq!(impostor.error_code(), "other_unit");

    // The office returns the report, A reports again, the office accepts.
    let rid = id(&report.body);
    let unit_review = s
        .send(
            as_(
                &a_lead,
                Method::POST,
                &format!("/api/v1/reports/{rid}/accept"),
            )
            .json(&json!({"expected_version": version(&report.body)})),
        )
        .await;
    assert_eq!(unit_review.status.as_u16(), 403);
    let no_reason = s
        .send(
            as_(
                &office,
                Method::POST,
                &format!("/api/v1/reports/{rid}/return"),
            )
            .json(&json!({"expected_version": version(&report.body)})),
        )
        .await;
    assert_eq!(
        (no_reason.status.as_u16(), no_reason.field()),
        (422, Some("note"))
    );
    let returned = s
        .send(
            as_(
                &office,
                Method::POST,
                &format!("/api/v1/reports/{rid}/return"),
            )
            .json(&json!({"expected_version": version(&report.body), "note": "请补充时间表"})),
        )
        .await;
    assert_eq!(returned.status.as_u16(), 200, "{}", returned.body);
    assert_eq!(returned.body["review"], "returned");
    let twice = s
        .send(
            as_(
                &office,
                Method::POST,
                &format!("/api/v1/reports/{rid}/accept"),
            )
            .json(&json!({"expected_version": version(&returned.body)})),
        )
        .await;
    assert_eq!(twice.status.as_u16(), 409);
    let again = s
        .send(
            as_(
                &a_staff,
                Method::POST,
                &format!("/api/v1/tasks/{tid}/reports"),
            )
            .json(&json!({"done": "起草方案，附时间表", "percent": 60})),
        )
        .await;
    assert_eq!(again.status.as_u16(), 201);
    let accepted = s
        .send(
            as_(
                &office,
                Method::POST,
                &format!("/api/v1/reports/{}/accept", id(&again.body)),
            )
            .json(&json!({"expected_version": version(&again.body), "note": "同意"})),
        )
        .await;
    assert_eq!(accepted.status.as_u16(), 200, "{}", accepted.body);
    assert_eq!(accepted.body["review"], "accepted");
    assert_eq!(accepted.body["reviewed_by"], "dcs");

    // Only the lead unit requests completion; the office closes.
    let current = s
        .send(as_(&a_lead, Method::GET, &format!("/api/v1/tasks/{tid}")))
        .await;
    let v = version(&current.body["task"]);
    let by_co_unit = s
        .send(
            as_(
                &b_staff,
                Method::POST,
                &format!("/api/v1/tasks/{tid}/request-close"),
            )
            .json(&json!({"expected_version": v, "evidence": "已完成"})),
        )
        .await;
    assert_eq!(by_co_unit.status.as_u16(), 403);
    assert_eq!(by_co_unit.error_code(), "lead_unit_only");
    let requested = s
        .send(
            as_(
                &a_lead,
                Method::POST,
                &format!("/api/v1/tasks/{tid}/request-close"),
            )
            .json(&json!({"expected_version": v, "evidence": "方案已印发"})),
        )
        .await;
    assert_eq!(requested.status.as_u16(), 200, "{}", requested.body);
    let by_unit = s
        .send(
            as_(&a_lead, Method::POST, &format!("/api/v1/tasks/{tid}/close"))
                .json(&json!({"expected_version": version(&requested.body)})),
        )
        .await;
    assert_eq!(by_unit.status.as_u16(), 403);
    assert_eq!(by_unit.error_code(), "forbidden");
    let closed = s
        .send(
            as_(&office, Method::POST, &format!("/api/v1/tasks/{tid}/close"))
                .json(&json!({"expected_version": version(&requested.body)})),
        )
        .await;
    assert_eq!(closed.status.as_u16(), 200, "{}", closed.body);
    assert_eq!(closed.body["status"], "closed");

    // Leadership reads everything and can write nothing.
    for path in [
        "/api/v1/tasks".to_owned(),
        format!("/api/v1/tasks/{tid}"),
        "/api/v1/counts".to_owned(),
        "/api/v1/documents".to_owned(),
        format!("/api/v1/documents/{}", id(&ingested.body["document"])),
        "/api/v1/tasks/export".to_owned(),
        "/api/v1/units".to_owned(),
    ] {
        let r = s.send(as_(&leader, Method::GET, &path)).await;
        assert_eq!(r.status.as_u16(), 200, "{path}: {}", r.body);
    }
    let all = s.send(as_(&leader, Method::GET, "/api/v1/tasks")).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), tasks.len());
    let other = id(&tasks[0]);
    for (path, body) in [
        ("/api/v1/documents".to_owned(), json!({"text": COMMUNIQUE})),
        (
            format!("/api/v1/tasks/{other}/assign"),
            json!({"expected_version": 1, "lead": "省水利厅", "deadline": "2026-06-30"}),
        ),
        (
            format!("/api/v1/tasks/{tid}/reports"),
            json!({"done": "x", "percent": 1}),
        ),
        (
            format!("/api/v1/tasks/{other}/suspend"),
            json!({"expected_version": 1, "reason": "x"}),
        ),
        ("/api/v1/units".to_owned(), json!({"name": "新单位"})),
        (
            "/api/v1/users".to_owned(),
            json!({"login": "x1", "name": "x", "role": "office"}),
        ),
    ] {
        let r = s.send(as_(&leader, Method::POST, &path).json(&body)).await;
        assert_eq!(r.status.as_u16(), 403, "{path}: {}", r.body);
        assert_eq!(r.error_code(), "forbidden");
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .starts_with("您没有权限"),
            "{}",
            r.body
        );
    }
    // Every refusal is in the audit trail, and the trail verifies.
    let detail = s.ok_get(&format!("/api/v1/tasks/{tid}")).await;
    let denied = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "denied")
        .count();
    assert!(denied >= 2, "{denied} denials on the task");
    let report = luoshi_core::Ledger::verify(&s.store).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    s.finish().await;
}

async fn another_units_staff_learns_nothing(s: TestServer) {
    for unit in ["省科技厅", "省发展改革委"] {
        s.ok_post_as(&s.admin_token, "/api/v1/units", &json!({"name": unit}), 201)
            .await;
    }
    // Document 1 is all A's; document 2 has a task of B.
    let doc1 = s
        .ok_post(
            "/api/v1/documents",
            &json!({"name": "甲.txt", "text": COMMUNIQUE}),
            201,
        )
        .await;
    let doc2 = s
        .ok_post(
            "/api/v1/documents",
            &json!({"name": "乙.txt", "text": COMMUNIQUE}),
            201,
        )
        .await;
    let a_task = &doc1["tasks"][1];
    let a_id = id(a_task);
    let a_title = a_task["title"].as_str().unwrap().to_owned();
    s.ok_post(
        &format!("/api/v1/tasks/{a_id}/assign"),
        &json!({"expected_version": 1, "lead": "省科技厅", "deadline": "2026-06-30"}),
        200,
    )
    .await;
    let b_id = id(&doc2["tasks"][2]);
    s.ok_post(
        &format!("/api/v1/tasks/{b_id}/assign"),
        &json!({"expected_version": 1, "lead": "省发展改革委", "deadline": "2026-06-30"}),
        200,
    )
    .await;
    let (_, b_staff) = s
        .account("fgw-staff", Role::UnitStaff, Some("省发展改革委"))
        .await;
    let (_, b_lead) = s
        .account("fgw-lead", Role::UnitLead, Some("省发展改革委"))
        .await;
    let leaks = |r: &helpers::Reply| String::from_utf8_lossy(&r.bytes).contains(&a_title);

    // By id: the same 403 as a task that does not exist.
    let by_id = s.get_as(&b_staff, &format!("/api/v1/tasks/{a_id}")).await;
    let missing = s.get_as(&b_staff, "/api/v1/tasks/987654").await;
    assert_eq!(by_id.status.as_u16(), 403);
    assert_eq!(by_id.body, missing.body);
    assert_eq!(missing.status.as_u16(), 403);
    assert!(!leaks(&by_id));
    // The office, who sees all units, gets the honest 404.
    assert_eq!(s.get("/api/v1/tasks/987654").await.status.as_u16(), 404);
    // Writes are refused alike, before anything is written.
    for (path, body) in [
        (
            format!("/api/v1/tasks/{a_id}/reports"),
            json!({"done": "x", "percent": 1}),
        ),
        (
            format!("/api/v1/tasks/{a_id}/request-close"),
            json!({"expected_version": 2, "evidence": "x"}),
        ),
        (
            "/api/v1/tasks/987654/reports".to_owned(),
            json!({"done": "x", "percent": 1}),
        ),
    ] {
        let r = s.post_as(&b_staff, &path, &body).await;
        assert_eq!((r.status.as_u16(), &r.body), (403, &missing.body), "{path}");
    }
    // By list, by search, by unit filter.
    let list = s.ok_get_as(&b_staff, "/api/v1/tasks").await;
    // B's task and its theme (visible through its child), nothing of document 1.
    let items = list["items"].as_array().unwrap();
    assert!(items.iter().any(|t| id(t) == b_id), "{list}");
    let doc1_id = id(&doc1["document"]);
    for t in items {
        assert!(id(t) == b_id || t["kind"] == "theme", "{t}");
        assert_ne!(t["document"].as_i64().unwrap(), doc1_id, "{t}");
    }
    let q: String = form_urlencoded::byte_serialize(a_title.as_bytes()).collect();
    let searched = s.get_as(&b_staff, &format!("/api/v1/tasks?q={q}")).await;
    assert_eq!(searched.status.as_u16(), 200);
    assert!(!leaks(&searched), "{}", searched.body);
    let unit: String = form_urlencoded::byte_serialize("省科技厅".as_bytes()).collect();
    let filtered = s
        .ok_get_as(&b_staff, &format!("/api/v1/tasks?unit={unit}"))
        .await;
    assert_eq!(filtered["items"], json!([]));
    // By counts: only B's row.
    let counts = s.ok_get_as(&b_staff, "/api/v1/counts").await;
    let units: Vec<&str> = counts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["unit"]["name"].as_str().unwrap_or("(none)"))
        .collect();
    assert_eq!(units, vec!["省发展改革委"], "{counts}");
    let all_counts = s.ok_get("/api/v1/counts").await;
    assert!(all_counts.as_array().unwrap().len() > 1);
    // By export: staff may not export; B's lead exports B's tasks only.
    let staff_export = s.get_as(&b_staff, "/api/v1/tasks/export").await;
    assert_eq!(staff_export.status.as_u16(), 403);
    let export = s.get_as(&b_lead, "/api/v1/tasks/export").await;
    assert_eq!(export.status.as_u16(), 200);
    let sheet = xlsx_text(&export.bytes);
    assert!(!sheet.contains(&a_title), "A's task in B's export");
    // By document: document 1 is invisible, document 2 visible.
    let docs = s.ok_get_as(&b_staff, "/api/v1/documents").await;
    let doc_ids: Vec<i64> = docs["items"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(doc_ids, vec![id(&doc2["document"])]);
    let doc = s
        .get_as(
            &b_staff,
            &format!("/api/v1/documents/{}", id(&doc1["document"])),
        )
        .await;
    assert_eq!(doc.status.as_u16(), 403);
    assert!(!leaks(&doc));
    let no_doc = s.get_as(&b_staff, "/api/v1/documents/4242").await;
    assert_eq!(no_doc.body, doc.body);
    assert_eq!(
        s.get_as(
            &b_staff,
            &format!("/api/v1/documents/{}", id(&doc2["document"]))
        )
        .await
        .status
        .as_u16(),
        200
    );
    // The probes are recorded as denials on A's task.
    let detail = s.ok_get(&format!("/api/v1/tasks/{a_id}")).await;
    assert!(
        detail["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "denied" && e["actor"] == "fgw-staff")
    );
    s.finish().await;
}

/// What the Excel 台账 holds, as read back by luoshi-core.
fn xlsx_text(bytes: &[u8]) -> String {
    format!("{:?}", luoshi_core::xlsx::read(bytes))
}

async fn csrf_tokens_and_cookies(s: TestServer) {
    let b = s.login("office", PASSWORD).await;
    for attribute in [
        "luoshi_session=",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        "Max-Age=28800",
    ] {
        assert!(
            b.set_cookie.contains(attribute),
            "{attribute}: {}",
            b.set_cookie
        );
    }
    assert!(!b.set_cookie.contains("Secure"), "{}", b.set_cookie);
    // A write by cookie without the CSRF header, or with a wrong one: 403.
    let body = json!({"text": COMMUNIQUE});
    let missing = s
        .send(
            s.client
                .post(s.url("/api/v1/documents"))
                .header("cookie", &b.cookie)
                .json(&body),
        )
        .await;
    assert_eq!(
        (missing.status.as_u16(), missing.error_code()),
        (403, "csrf_failed")
    );
    let wrong = s
        .send(
            s.client
                .post(s.url("/api/v1/documents"))
                .header("cookie", &b.cookie)
                .header("x-csrf-token", "0".repeat(64))
                .json(&body),
        )
        .await;
    assert_eq!(
        (wrong.status.as_u16(), wrong.error_code()),
        (403, "csrf_failed")
    );
    // Reads need none; writes with it pass.
    let read = s.send(s.browser(&b, Method::GET, "/api/v1/tasks")).await;
    assert_eq!(read.status.as_u16(), 200);
    let write = s
        .send(s.browser(&b, Method::POST, "/api/v1/documents").json(&body))
        .await;
    assert_eq!(write.status.as_u16(), 201, "{}", write.body);
    let me = s.send(s.browser(&b, Method::GET, "/api/v1/me")).await;
    assert_eq!(me.body["csrf_token"].as_str(), Some(b.csrf.as_str()));
    assert_eq!(me.body["authenticated_by"], "session");

    // Tokens: created once with the secret, used without CSRF, revoked → 401.
    let created = s
        .send(
            s.browser(&b, Method::POST, "/api/v1/me/tokens")
                .json(&json!({"name": "夜间同步脚本"})),
        )
        .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.body);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    let token_id = id(&created.body["token"]);
    assert!(secret.starts_with(created.body["token"]["prefix"].as_str().unwrap()));
    let by_token = s.post_as(&secret, "/api/v1/documents", &body).await;
    assert_eq!(by_token.status.as_u16(), 201);
    let me = s.ok_get_as(&secret, "/api/v1/me").await;
    assert_eq!(me["authenticated_by"], "token");
    assert_eq!(me["csrf_token"], Value::Null);
    let listed = s.ok_get_as(&secret, "/api/v1/me/tokens").await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("secret").is_none())
    );
    // Another user cannot revoke it (nor learn it exists).
    let (_, other) = s.account("other-office", Role::Office, None).await;
    let foreign = s
        .send(s.request(
            Method::DELETE,
            &format!("/api/v1/me/tokens/{token_id}"),
            &other,
        ))
        .await;
    assert_eq!(foreign.status.as_u16(), 404);
    let revoked = s
        .send(s.browser(&b, Method::DELETE, &format!("/api/v1/me/tokens/{token_id}")))
        .await;
    assert_eq!(revoked.status.as_u16(), 204);
    let after = s.get_as(&secret, "/api/v1/tasks").await;
    assert_eq!(
        (after.status.as_u16(), after.error_code()),
        (401, "credentials_invalid")
    );
    let listed = s
        .send(s.browser(&b, Method::GET, "/api/v1/me/tokens"))
        .await;
    let kept = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| id(t) == token_id)
        .unwrap();
    assert!(kept["revoked_at"].is_string(), "revoked, never deleted");
    // Garbage credentials: 401 without touching the database.
    for header in [
        &b"Bearer"[..],
        b"Bearer x",
        b"Basic YWRtaW46YWRtaW4=",
        b"Bearer \xff\xfe",
    ] {
        let value = reqwest::header::HeaderValue::from_bytes(header).unwrap();
        let r = s
            .send(
                s.client
                    .get(s.url("/api/v1/tasks"))
                    .header("authorization", value),
            )
            .await;
        let header = String::from_utf8_lossy(header);
        assert_eq!(r.status.as_u16(), 401, "{header}");
    }
    let r = s
        .send(
            s.client
                .get(s.url("/api/v1/tasks"))
                .header("cookie", "luoshi_session=deadbeef"),
        )
        .await;
    assert_eq!(r.status.as_u16(), 401);
    // Sessions end after their lifetime on the store's clock.
    s.clock.advance_millis((8 * 3600 + 10) * 1000);
    let expired = s.send(s.browser(&b, Method::GET, "/api/v1/me")).await;
    assert_eq!(expired.status.as_u16(), 401);
    s.finish().await;
}

async fn logins_are_limited_and_accounts_lock(s: TestServer) {
    let attempt = |login: &'static str, password: &'static str| {
        s.send(
            s.client
                .post(s.url("/api/v1/session"))
                .json(&json!({"login": login, "password": password})),
        )
    };
    // Five wrong passwords lock the account: 423, even for the right one.
    for n in 1..=5 {
        let r = attempt("office", "wrong password!").await;
        let expected = if n < 5 { 401 } else { 423 };
        assert_eq!(r.status.as_u16(), expected, "attempt {n}: {}", r.body);
    }
    let locked = attempt("office", PASSWORD).await;
    assert_eq!(
        (locked.status.as_u16(), locked.error_code()),
        (423, "account_locked")
    );
    assert!(locked.headers.get("retry-after").is_some());
    // The eleventh attempt within a minute from this address: 429.
    for _ in 0..4 {
        attempt("nobody", "whatever it is").await;
    }
    let limited = attempt("nobody", "whatever it is").await;
    assert_eq!(limited.status.as_u16(), 429, "{}", limited.body);
    assert_eq!(limited.error_code(), "too_many_requests");
    let wait: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    // An administrator's reset lifts the lock and forces a new password.
    let users = s.ok_get_as(&s.admin_token, "/api/v1/users").await;
    let office = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == "office")
        .unwrap();
    assert!(office["locked_until"].is_string(), "{office}");
    let reset = s
        .ok_post_as(
            &s.admin_token,
            &format!("/api/v1/users/{}/password", id(office)),
            &json!(null),
            200,
        )
        .await;
    assert_eq!(reset["user"]["locked_until"], Value::Null);
    assert_eq!(reset["user"]["must_change_password"], true);
    // The office's token now has to change its password first.
    let blocked = s.get("/api/v1/tasks").await;
    assert_eq!(blocked.error_code(), "password_change_required");
    s.finish().await;
}

async fn administrators_manage_users(s: TestServer) {
    s.ok_post_as(
        &s.admin_token,
        "/api/v1/units",
        &json!({"name": "省科技厅"}),
        201,
    )
    .await;
    let cases = [
        (
            json!({"login": "a b", "name": "x", "role": "office"}),
            422,
            "login",
        ),
        (
            json!({"login": "zs", "name": "张三", "role": "root"}),
            422,
            "role",
        ),
        (
            json!({"login": "zs", "name": "张三", "role": "unit_staff"}),
            422,
            "unit",
        ),
        (
            json!({"login": "zs", "name": "张三", "role": "unit_staff", "unit": "无此单位"}),
            422,
            "unit",
        ),
        (
            json!({"login": "office", "name": "张三", "role": "office"}),
            409,
            "",
        ),
    ];
    for (body, status, field) in cases {
        let r = s.post_as(&s.admin_token, "/api/v1/users", &body).await;
        assert_eq!(r.status.as_u16(), status, "{body}: {}", r.body);
        if !field.is_empty() {
            assert_eq!(r.field(), Some(field), "{body}");
        }
    }
    let created = s
        .ok_post_as(
            &s.admin_token,
            "/api/v1/users",
            &json!({"login": "ZS", "name": "张三", "role": "unit_staff", "unit": "省科技厅"}),
            201,
        )
        .await;
    let user = &created["user"];
    assert_eq!(user["login"], "zs");
    assert_eq!(user["unit"]["name"], "省科技厅");
    let uid = id(user);
    let path = format!("/api/v1/users/{uid}");
    let patch = |body: Value| s.send(s.request(Method::PATCH, &path, &s.admin_token).json(&body));
    let changed = patch(json!({"expected_version": version(user), "role": "unit_lead"})).await;
    assert_eq!(changed.status.as_u16(), 200, "{}", changed.body);
    assert_eq!(changed.body["role"], "unit_lead");
    let stale = patch(json!({"expected_version": version(user), "name": "李四"})).await;
    assert_eq!(
        (stale.status.as_u16(), stale.field()),
        (409, Some("expected_version"))
    );
    let no_unit = patch(json!({"expected_version": version(&changed.body), "unit": null})).await;
    assert_eq!(
        (no_unit.status.as_u16(), no_unit.error_code()),
        (422, "unit_required")
    );
    let disabled =
        patch(json!({"expected_version": version(&changed.body), "active": false})).await;
    assert_eq!(disabled.status.as_u16(), 200);
    assert_eq!(disabled.body["active"], false);
    let one = s.ok_get_as(&s.admin_token, &path).await;
    assert_eq!(one["active"], false);
    // The last administrator cannot be disabled.
    let me = s.ok_get_as(&s.admin_token, "/api/v1/me").await;
    let last = s
        .send(
            s.request(
                Method::PATCH,
                &format!("/api/v1/users/{}", id(&me["user"])),
                &s.admin_token,
            )
            .json(&json!({"expected_version": version(&me["user"]), "active": false})),
        )
        .await;
    assert_eq!(
        (last.status.as_u16(), last.error_code()),
        (422, "last_admin")
    );
    // Nobody else manages users.
    let r = s.get("/api/v1/users").await;
    assert_eq!((r.status.as_u16(), r.error_code()), (403, "forbidden"));
    assert!(r.body["message"].as_str().unwrap().contains("管理用户"));
    s.finish().await;
}

async fn first_start(s: TestServer) {
    let engine = s.engine;
    s.finish().await;
    the_first_start_makes_the_administrator_change_its_password(engine).await;
}

engine_tests!(
    first_start,
    the_cycle_as_office_units_and_leadership,
    another_units_staff_learns_nothing,
    csrf_tokens_and_cookies,
    logins_are_limited_and_accounts_lock,
    administrators_manage_users,
);
