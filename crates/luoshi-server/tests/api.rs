//! The API over real HTTP on loopback, on SQLite and on PostgreSQL: the
//! whole cycle, two clients changing one task, the error shape in three
//! languages.

#![allow(clippy::unwrap_used)]

mod helpers;

use base64::Engine as _;
use helpers::{COMMUNIQUE, TestServer, assert_error_shape};
use luoshi_core::Role;
use serde_json::{Value, json};

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn version(v: &Value) -> i64 {
    v["version"].as_i64().unwrap()
}

async fn ingest(s: &TestServer) -> Value {
    s.ok_post(
        "/api/v1/documents",
        &json!({"name": "省委常委会会议通稿.txt", "text": COMMUNIQUE}),
        201,
    )
    .await
}

async fn add_units(s: &TestServer) {
    for name in ["省科技厅", "省发展改革委", "省水利厅"] {
        let u = s
            .ok_post_as(&s.admin_token, "/api/v1/units", &json!({"name": name}), 201)
            .await;
        assert_eq!(u["name"], name);
        assert_eq!(version(&u), 1);
    }
}

async fn the_whole_cycle(s: TestServer) {
    // Preview: nothing stored.
    let preview = s
        .ok_post("/api/v1/extract", &json!({"text": COMMUNIQUE}), 200)
        .await;
    assert_eq!(preview["meeting"]["body"], "省委常委会");
    let n_tasks = preview["tasks"].as_array().unwrap().len();
    assert!(n_tasks >= 4, "{preview}");
    let as_file = base64::engine::general_purpose::STANDARD.encode(COMMUNIQUE);
    let preview_b64 = s
        .ok_post("/api/v1/extract", &json!({"content_base64": as_file}), 200)
        .await;
    assert_eq!(preview_b64["tasks"], preview["tasks"]);
    let empty = s.ok_get("/api/v1/tasks").await;
    assert_eq!(empty["items"], json!([]));

    // Ingest.
    let ingested = ingest(&s).await;
    let doc = id(&ingested["document"]);
    let tasks = ingested["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), n_tasks);
    assert!(
        tasks
            .iter()
            .all(|t| t["status"] == "draft" && version(t) == 1)
    );
    let task = tasks
        .iter()
        .find(|t| t["title"].as_str().unwrap().contains("产业升级"))
        .unwrap()
        .clone();
    let tid = id(&task);
    let docs = s.ok_get("/api/v1/documents").await;
    assert_eq!(docs["items"][0]["id"], doc);
    assert_eq!(docs["items"][0]["name"], "省委常委会会议通稿.txt");
    let stored = s.ok_get(&format!("/api/v1/documents/{doc}")).await;
    assert_eq!(stored["source"], COMMUNIQUE);
    assert_eq!(stored["extraction"]["tasks"], preview["tasks"]);
    assert_eq!(stored["meeting"]["chair"], preview["meeting"]["chair"]);

    add_units(&s).await;
    let units = s.ok_get("/api/v1/units").await;
    assert_eq!(units.as_array().unwrap().len(), 3);
    let one = s
        .ok_get(&format!(
            "/api/v1/units/{}",
            "%E7%9C%81%E6%B0%B4%E5%88%A9%E5%8E%85"
        ))
        .await;
    assert_eq!(one["name"], "省水利厅");

    // Assign, report, request completion, get returned, close.
    let (_, staff) = s
        .account("kjt-staff", Role::UnitStaff, Some("省科技厅"))
        .await;
    let (_, lead) = s
        .account("fgw-lead", Role::UnitLead, Some("省发展改革委"))
        .await;
    let assigned = s
        .ok_post(
            &format!("/api/v1/tasks/{tid}/assign"),
            &json!({"expected_version": 1, "lead": "省发展改革委", "co_units": ["省科技厅"],
                    "owner": "李四", "deadline": "2026-06-30"}),
            200,
        )
        .await;
    assert_eq!(assigned["status"], "assigned");
    assert_eq!(assigned["assignment"]["lead"]["name"], "省发展改革委");
    assert_eq!(assigned["assignment"]["co_units"][0]["name"], "省科技厅");
    assert_eq!(version(&assigned), 2);
    let report = s
        .ok_post_as(
            &staff,
            &format!("/api/v1/tasks/{tid}/reports"),
            &json!({"done": "起草实施方案初稿", "next_steps": "征求意见", "percent": 40,
                    "unit": "省科技厅"}),
            201,
        )
        .await;
    assert_eq!(report["percent"], 40);
    assert_eq!(report["unit"]["name"], "省科技厅");
    assert_eq!(report["period"], "2026年3月");
    assert_eq!(report["reported_by"], "kjt-staff");
    let current = s.ok_get(&format!("/api/v1/tasks/{tid}")).await;
    assert_eq!(current["task"]["status"], "in_progress");
    let v = version(&current["task"]);
    let requested = s
        .ok_post_as(
            &lead,
            &format!("/api/v1/tasks/{tid}/request-close"),
            &json!({"expected_version": v, "evidence": "省政府已印发实施方案"}),
            200,
        )
        .await;
    assert_eq!(requested["status"], "completion_requested");
    let returned = s
        .ok_post(
            &format!("/api/v1/tasks/{tid}/return"),
            &json!({"expected_version": version(&requested), "reason": "缺少印发文号"}),
            200,
        )
        .await;
    assert_eq!(returned["status"], "in_progress");
    let again = s
        .ok_post_as(
            &lead,
            &format!("/api/v1/tasks/{tid}/request-close"),
            &json!({"expected_version": version(&returned), "evidence": "文号：某政发〔2026〕1号"}),
            200,
        )
        .await;
    let closed = s
        .ok_post(
            &format!("/api/v1/tasks/{tid}/close"),
            &json!({"expected_version": version(&again)}),
            200,
        )
        .await;
    assert_eq!(closed["status"], "closed");
    // A closed task refuses more work: 409 with the life-cycle code.
    let late = s
        .post_as(
            &staff,
            &format!("/api/v1/tasks/{tid}/reports"),
            &json!({"done": "补充", "percent": 100}),
        )
        .await;
    assert_eq!(late.status.as_u16(), 409);
    assert_eq!(late.error_code(), "task_closed");

    // The timeline.
    let detail = s.ok_get(&format!("/api/v1/tasks/{tid}")).await;
    let reports = detail["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 3);
    assert_eq!(reports[1]["review"], "returned");
    assert_eq!(reports[1]["review_note"], "缺少印发文号");
    assert_eq!(reports[2]["review"], "accepted");
    let actions: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "create",
        "assign",
        "report",
        "request_close",
        "return",
        "close",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }

    // Suspend and resume another task.
    let other = id(&tasks[0]);
    let a2 = s
        .ok_post(
            &format!("/api/v1/tasks/{other}/assign"),
            &json!({"expected_version": 1, "lead": "省水利厅", "deadline": "2026-03-01"}),
            200,
        )
        .await;
    let suspended = s
        .ok_post(
            &format!("/api/v1/tasks/{other}/suspend"),
            &json!({"expected_version": version(&a2), "reason": "等待上级批复"}),
            200,
        )
        .await;
    assert_eq!(suspended["status"], "suspended");
    let resumed = s
        .ok_post(
            &format!("/api/v1/tasks/{other}/resume"),
            &json!({"expected_version": version(&suspended)}),
            200,
        )
        .await;
    assert_eq!(resumed["status"], "assigned");
    assert_eq!(resumed["overdue"], true);

    // Lists: filters, search in either script, sort, paging.
    let by_unit = s
        .ok_get("/api/v1/tasks?unit=%E7%9C%81%E7%A7%91%E6%8A%80%E5%8E%85")
        .await;
    let ids: Vec<i64> = by_unit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert_eq!(ids, vec![tid]);
    let overdue = s.ok_get("/api/v1/tasks?overdue=true").await;
    assert_eq!(overdue["items"].as_array().unwrap().len(), 1);
    assert_eq!(id(&overdue["items"][0]), other);
    let closed_list = s.ok_get("/api/v1/tasks?status=closed").await;
    assert_eq!(id(&closed_list["items"][0]), tid);
    // 產業升級 in Traditional finds the Simplified task.
    let q = "%E7%94%A2%E6%A5%AD%E5%8D%87%E7%B4%9A";
    let found = s.ok_get(&format!("/api/v1/tasks?q={q}")).await;
    let ids: Vec<i64> = found["items"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(ids, vec![tid]);
    let all = s.ok_get(&format!("/api/v1/tasks?document={doc}")).await;
    let all_ids: Vec<i64> = all["items"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(all_ids.len(), n_tasks);
    let desc = s.ok_get("/api/v1/tasks?sort=-id").await;
    let mut desc_ids: Vec<i64> = desc["items"].as_array().unwrap().iter().map(id).collect();
    desc_ids.reverse();
    assert_eq!(desc_ids, all_ids);
    let by_deadline = s.ok_get("/api/v1/tasks?sort=deadline&limit=1").await;
    assert_eq!(id(&by_deadline["items"][0]), other);
    let first = s.ok_get("/api/v1/tasks?limit=2").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = s
        .ok_get(&format!("/api/v1/tasks?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(id(&second["items"][0]), all_ids[2]);
    let page2 = s.ok_get("/api/v1/tasks?limit=2&page=2&sort=id").await;
    assert_eq!(page2["items"], second["items"]);
    assert_eq!(
        page2["next_page"],
        if n_tasks > 4 { json!(3) } else { Value::Null }
    );
    let last = s
        .ok_get(&format!(
            "/api/v1/tasks?limit=200&cursor={}",
            all_ids[n_tasks - 1]
        ))
        .await;
    assert_eq!(last["items"], json!([]));
    assert_eq!(last["next_cursor"], Value::Null);

    // Counts and the Excel export of exactly the filtered list.
    let counts = s.ok_get("/api/v1/counts").await;
    let closed_count = counts
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "closed")
        .unwrap();
    assert_eq!(closed_count["unit"]["name"], "省发展改革委");
    assert_eq!(closed_count["count"], 1);
    let xlsx = s.get("/api/v1/tasks/export?status=closed").await;
    assert!(xlsx.headers.get("content-disposition").is_some());
    assert_eq!(xlsx.status.as_u16(), 200);
    assert!(xlsx.content_type.contains("spreadsheetml"));
    assert_eq!(&xlsx.bytes[..2], b"PK");
    s.finish().await;
}

async fn two_clients_one_task(s: TestServer) {
    let ingested = ingest(&s).await;
    add_units(&s).await;
    let tid = id(&ingested["tasks"][1]);
    let path = format!("/api/v1/tasks/{tid}/assign");
    let read = s.ok_get(&format!("/api/v1/tasks/{tid}")).await;
    let v = version(&read["task"]);
    let a = json!({"expected_version": v, "lead": "省科技厅", "deadline": "2026-06-30"});
    let b = json!({"expected_version": v, "lead": "省水利厅", "deadline": "2026-09-30"});
    let (ra, rb) = tokio::join!(s.post(&path, &a), s.post(&path, &b));
    let mut statuses = [ra.status.as_u16(), rb.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{} / {}", ra.body, rb.body);
    let (winner, loser) = if ra.status.as_u16() == 200 {
        (ra, rb)
    } else {
        (rb, ra)
    };
    assert_eq!(loser.error_code(), "stale_version");
    assert_eq!(loser.field(), Some("expected_version"));
    let after = s.ok_get(&format!("/api/v1/tasks/{tid}")).await;
    assert_eq!(after["task"], winner.body, "the loser changed nothing");
    assert_eq!(version(&after["task"]), v + 1);
    let assigns = after["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "assign")
        .count();
    assert_eq!(assigns, 1);
    // Retrying with the version read is still stale; with the new one it works.
    let stale = s.post(&path, &a).await;
    assert_eq!(stale.status.as_u16(), 409);
    let fresh = json!({"expected_version": v + 1, "lead": "省科技厅", "deadline": "2026-06-30"});
    s.ok_post(&path, &fresh, 200).await;
    s.finish().await;
}

async fn errors_speak_the_clients_language(s: TestServer) {
    let zh = s.get("/api/v1/tasks/999").await;
    assert_eq!(zh.status.as_u16(), 404);
    assert_eq!(zh.error_code(), "not_found");
    assert!(
        zh.body["message"].as_str().unwrap().contains("任务"),
        "{}",
        zh.body
    );
    let en = s
        .send(
            s.request(reqwest::Method::GET, "/api/v1/tasks/999", &s.office_token)
                .header("accept-language", "en-GB,en;q=0.9,zh;q=0.1"),
        )
        .await;
    assert_eq!(en.error_code(), "not_found");
    assert_eq!(en.body["message"], "The record does not exist.");
    let hant = s
        .send(
            s.request(reqwest::Method::POST, "/api/v1/units", &s.admin_token)
                .header("accept-language", "zh-TW")
                .json(&json!({"name": "省水利厅", "parent": "不存在的单位"})),
        )
        .await;
    assert_eq!(hant.status.as_u16(), 422);
    assert_eq!(hant.error_code(), "unknown_unit");
    assert_eq!(hant.field(), Some("parent"));
    assert!(
        hant.body["message"].as_str().unwrap().contains("單位"),
        "{}",
        hant.body
    );
    // No credentials: 401, in the client's language too.
    let anonymous = s
        .send(
            s.client
                .post(s.url("/api/v1/units"))
                .header("accept-language", "en")
                .json(&json!({"name": "省水利厅"})),
        )
        .await;
    assert_eq!(anonymous.status.as_u16(), 401);
    assert_eq!(anonymous.error_code(), "unauthenticated");
    assert!(
        anonymous.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Log in")
    );
    assert!(anonymous.headers.get("www-authenticate").is_some());
    s.ok_post_as(
        &s.admin_token,
        "/api/v1/units",
        &json!({"name": "省水利厅"}),
        201,
    )
    .await;
    let dup = s
        .post_as(
            &s.admin_token,
            "/api/v1/units",
            &json!({"name": "省水利厅"}),
        )
        .await;
    assert_eq!((dup.status.as_u16(), dup.error_code()), (409, "duplicate"));
    s.finish().await;
}

async fn requests_are_refused_by_field(s: TestServer) {
    ingest(&s).await;
    add_units(&s).await;
    let cases: Vec<(&str, Value, u16, &str, Option<&str>)> = vec![
        (
            "/api/v1/tasks/1/assign",
            json!({"expected_version": 1, "lead": "省科技厅", "deadline": "2026-02-30"}),
            422,
            "value_bad_date",
            Some("deadline"),
        ),
        (
            "/api/v1/tasks/1/assign",
            json!({"expected_version": 1, "lead": "无此单位", "deadline": "2026-06-30"}),
            422,
            "unknown_unit",
            Some("lead"),
        ),
        (
            "/api/v1/tasks/1/assign",
            json!({"expected_version": 1, "lead": "省科技厅", "co_units": ["省科技厅"], "deadline": "2026-06-30"}),
            422,
            "lead_also_co_unit",
            Some("co_units"),
        ),
        (
            "/api/v1/tasks/1/assign",
            json!({"expected_version": "1", "lead": "省科技厅", "deadline": "2026-06-30"}),
            422,
            "invalid_type",
            Some("expected_version"),
        ),
        (
            "/api/v1/tasks/1/assign",
            json!({"expected_version": 1, "lead": "省科技厅", "deadline": "2026-06-30", "extra": true}),
            422,
            "unknown_field",
            Some("extra"),
        ),
        (
            "/api/v1/tasks/1/assign",
            json!({"lead": "省科技厅", "deadline": "2026-06-30"}),
            422,
            "missing_field",
            Some("expected_version"),
        ),
        (
            "/api/v1/tasks/1/assign",
            json!({"expected_version": 1, "lead": "省".repeat(65), "deadline": "2026-06-30"}),
            422,
            "value_too_long",
            Some("lead"),
        ),
        (
            "/api/v1/tasks/1/assign",
            json!({"expected_version": 1, "lead": "省科技厅", "co_units": [1], "deadline": "2026-06-30"}),
            422,
            "invalid_type",
            Some("co_units[0]"),
        ),
        (
            "/api/v1/tasks/abc/close",
            json!({"expected_version": 1}),
            422,
            "value_bad_id",
            Some("id"),
        ),
        (
            "/api/v1/tasks/99999/close",
            json!({"expected_version": 1}),
            404,
            "not_found",
            None,
        ),
        (
            "/api/v1/tasks/1/close",
            json!({"expected_version": 1}),
            409,
            "no_completion_request",
            None,
        ),
        (
            "/api/v1/documents",
            json!({"text": ""}),
            422,
            "input_empty",
            Some("text"),
        ),
        (
            "/api/v1/documents",
            json!({}),
            422,
            "source_missing",
            Some("text"),
        ),
        (
            "/api/v1/documents",
            json!({"content_base64": "!!!"}),
            422,
            "bad_base64",
            Some("content_base64"),
        ),
        (
            "/api/v1/extract",
            json!({"text": "x", "content_base64": "eA=="}),
            422,
            "source_ambiguous",
            Some("content_base64"),
        ),
    ];
    for (path, body, status, code, field) in cases {
        let r = s.post(path, &body).await;
        assert_eq!(r.status.as_u16(), status, "{path} {body}: {}", r.body);
        assert_eq!(r.error_code(), code, "{path} {body}");
        assert_eq!(r.field(), field, "{path} {body}");
    }
    // Reports come from a unit of the task.
    s.ok_post(
        "/api/v1/tasks/2/assign",
        &json!({"expected_version": 1, "lead": "省科技厅", "deadline": "2026-06-30"}),
        200,
    )
    .await;
    let (_, staff) = s
        .account("kjt-staff", Role::UnitStaff, Some("省科技厅"))
        .await;
    let reports: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (
            json!({"done": "x", "percent": 101}),
            422,
            "value_percent_out_of_range",
            Some("percent"),
        ),
        (
            json!({"done": "x".repeat(10_001), "percent": 1}),
            422,
            "value_too_long",
            Some("done"),
        ),
        (
            json!({"done": "  ", "percent": 1}),
            422,
            "value_empty",
            Some("done"),
        ),
        (
            json!({"done": "x", "percent": 1, "unit": "省水利厅"}),
            422,
            "not_a_unit_of_task",
            Some("unit"),
        ),
    ];
    for (body, status, code, field) in reports {
        let r = s.post_as(&staff, "/api/v1/tasks/2/reports", &body).await;
        assert_eq!(r.status.as_u16(), status, "{body}: {}", r.body);
        assert_eq!(r.error_code(), code, "{body}");
        assert_eq!(r.field(), field, "{body}");
    }
    let gets: Vec<(&str, u16, &str, Option<&str>)> = vec![
        ("/api/v1/tasks?limit=0", 422, "invalid_value", Some("limit")),
        (
            "/api/v1/tasks?limit=201",
            422,
            "invalid_value",
            Some("limit"),
        ),
        ("/api/v1/tasks?limit=x", 422, "invalid_value", Some("limit")),
        (
            "/api/v1/tasks?status=done",
            422,
            "value_unknown_status",
            Some("status"),
        ),
        ("/api/v1/tasks?sort=title", 422, "bad_sort", Some("sort")),
        (
            "/api/v1/tasks?sort=deadline&cursor=3",
            422,
            "cursor_needs_id_sort",
            Some("cursor"),
        ),
        (
            "/api/v1/tasks?cursor=3&page=2",
            422,
            "cursor_and_page",
            Some("page"),
        ),
        (
            "/api/v1/tasks?cursor=abc",
            422,
            "bad_cursor",
            Some("cursor"),
        ),
        ("/api/v1/tasks?page=0", 422, "invalid_value", Some("page")),
        (
            "/api/v1/tasks?page=4294967295&limit=200",
            422,
            "invalid_value",
            Some("page"),
        ),
        (
            "/api/v1/tasks?unit=%E6%97%A0",
            422,
            "unknown_unit",
            Some("unit"),
        ),
        (
            "/api/v1/tasks?colour=red",
            422,
            "unknown_field",
            Some("colour"),
        ),
        (
            "/api/v1/tasks?overdue=yes",
            422,
            "invalid_value",
            Some("overdue"),
        ),
        (
            "/api/v1/tasks?document=-1",
            422,
            "value_bad_id",
            Some("document"),
        ),
        (
            "/api/v1/tasks/export?limit=5",
            422,
            "unknown_field",
            Some("limit"),
        ),
        ("/api/v1/documents/0", 422, "value_bad_id", Some("id")),
        ("/api/v1/documents/7", 404, "not_found", None),
        ("/api/v1/units/%E6%97%A0", 404, "not_found", None),
        ("/api/v1/nothing", 404, "route_not_found", None),
    ];
    for (path, status, code, field) in gets {
        let r = s.get(path).await;
        assert_eq!(r.status.as_u16(), status, "{path}: {}", r.body);
        assert_eq!(r.error_code(), code, "{path}");
        assert_eq!(r.field(), field, "{path}");
    }
    let wrong_method = s
        .send(s.request(reqwest::Method::DELETE, "/api/v1/tasks/1", &s.office_token))
        .await;
    assert_eq!(
        (wrong_method.status.as_u16(), wrong_method.error_code()),
        (405, "method_not_allowed")
    );
    let not_json = s
        .send(
            s.request(reqwest::Method::POST, "/api/v1/units", &s.admin_token)
                .body("{\"name\": \"x\"}"),
        )
        .await;
    assert_eq!(
        (not_json.status.as_u16(), not_json.error_code()),
        (415, "unsupported_media_type")
    );
    let malformed = s
        .send(
            s.request(reqwest::Method::POST, "/api/v1/units", &s.admin_token)
                .header("content-type", "application/json")
                .body("{\"name\": "),
        )
        .await;
    assert_eq!(
        (malformed.status.as_u16(), malformed.error_code()),
        (400, "malformed_json")
    );
    let huge = s
        .send(
            s.request(reqwest::Method::POST, "/api/v1/extract", &s.office_token)
                .header("content-type", "application/json")
                .body(format!("{{\"text\": \"{}\"}}", "要".repeat(3_000_000))),
        )
        .await;
    assert_eq!(
        (huge.status.as_u16(), huge.error_code()),
        (413, "body_too_large")
    );
    assert_error_shape(&huge);
    s.finish().await;
}

/// A return with a new date (and the card past it), one report for several
/// tasks of a unit (all or nothing), a unit's reminder address.
async fn returns_combined_reports_and_contacts(s: TestServer) {
    add_units(&s).await;
    let ingested = ingest(&s).await;
    let tasks: Vec<i64> = ingested["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "task")
        .map(id)
        .take(3)
        .collect();
    assert_eq!(tasks.len(), 3);
    for (t, lead) in tasks.iter().zip(["省科技厅", "省科技厅", "省水利厅"]) {
        s.ok_post(
            &format!("/api/v1/tasks/{t}/assign"),
            &json!({"expected_version": 1, "lead": lead, "deadline": "2026-12-31"}),
            200,
        )
        .await;
    }
    let (t0, t1, t2) = (tasks[0], tasks[1], tasks[2]);
    let (_, staff) = s
        .account("kjt-staff", Role::UnitStaff, Some("省科技厅"))
        .await;
    let reports_of = |t: i64| {
        let store = s.store.clone();
        async move {
            luoshi_core::Ledger::task_detail(&store, luoshi_core::TaskId(t))
                .await
                .unwrap()
                .reports
                .len()
        }
    };

    // Combined report: the unit's two tasks in one go.
    let both = s
        .ok_post_as(
            &staff,
            "/api/v1/reports/combined",
            &json!({"tasks": [t0, t1], "done": "两项任务一并推进", "percent": 30,
                    "next_steps": "继续推进"}),
            201,
        )
        .await;
    let both = both.as_array().unwrap();
    assert_eq!(both.len(), 2);
    assert!(both.iter().all(|r| r["unit"]["name"] == "省科技厅"));
    assert_eq!(both[0]["task"], t0);
    assert_eq!(both[1]["task"], t1);
    assert_eq!((reports_of(t0).await, reports_of(t2).await), (1, 0));
    // Another unit's task among them: refused as hidden, nothing stored.
    let r = s
        .post_as(
            &staff,
            "/api/v1/reports/combined",
            &json!({"tasks": [t0, t2], "done": "越权", "percent": 30}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.body);
    assert_error_shape(&r);
    // Naming a unit that is not on them: the ledger's refusal, nothing
    // stored.
    let r = s
        .post_as(
            &staff,
            "/api/v1/reports/combined",
            &json!({"tasks": [t0, t1], "unit": "省水利厅", "done": "合并", "percent": 30}),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.error_code()),
        (422, "not_a_unit_of_task")
    );
    assert_eq!((reports_of(t0).await, reports_of(t2).await), (1, 0));
    // One task is not a combined report; ids must be positive.
    let r = s
        .post_as(
            &staff,
            "/api/v1/reports/combined",
            &json!({"tasks": [t0, t0], "done": "一项", "percent": 30}),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.error_code(), r.field()),
        (422, "batch_too_small", Some("tasks"))
    );
    let r = s
        .post_as(
            &staff,
            "/api/v1/reports/combined",
            &json!({"tasks": [t0, -3], "done": "坏编号", "percent": 30}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.field()), (422, Some("tasks[1]")));
    assert_eq!(reports_of(t0).await, 1);

    // Return with a new date.
    let current = s.ok_get(&format!("/api/v1/tasks/{t0}")).await;
    let (_, kjt_lead) = s
        .account("kjt-lead", Role::UnitLead, Some("省科技厅"))
        .await;
    let requested = s
        .ok_post_as(
            &kjt_lead,
            &format!("/api/v1/tasks/{t0}/request-close"),
            &json!({"expected_version": version(&current["task"]), "evidence": "验收材料"}),
            200,
        )
        .await;
    let v = version(&requested);
    for (date, code) in [
        ("2026-02-30", "value_bad_date"),
        ("2026-03-09", "return_date_in_past"),
    ] {
        let r = s
            .post(
                &format!("/api/v1/tasks/{t0}/return"),
                &json!({"expected_version": v, "reason": "材料不全", "new_date": date}),
            )
            .await;
        assert_eq!(
            (r.status.as_u16(), r.error_code(), r.field()),
            (422, code, Some("new_date")),
            "{date}"
        );
    }
    let returned = s
        .ok_post(
            &format!("/api/v1/tasks/{t0}/return"),
            &json!({"expected_version": v, "reason": "材料不全", "new_date": "2026-04-30"}),
            200,
        )
        .await;
    assert_eq!(returned["status"], "in_progress");
    assert_eq!(
        s.store.return_date(luoshi_core::TaskId(t0)).await.unwrap(),
        Some(luoshi_core::Date::parse("2026-04-30").unwrap())
    );
    let rules = luoshi_core::WarningRules::default();
    let a = s
        .store
        .assess(luoshi_core::Date::parse("2026-05-01").unwrap(), &rules)
        .await
        .unwrap();
    let card = a
        .raised
        .iter()
        .find(|c| c.task.0 == t0)
        .expect("a card for the returned task");
    assert_eq!(card.tier, "red");
    assert!(
        card.reasons.iter().any(|r| r.code == "return_date_passed"),
        "{:?}",
        card.reasons
    );
    let cards = s.ok_get(&format!("/api/v1/cards?task={t0}")).await;
    assert!(cards.to_string().contains("return_date_passed"), "{cards}");

    // A unit's reminder address: administrators set it.
    let path = "/api/v1/units/省科技厅/contact";
    let put =
        |token: &str, body: Value| s.send(s.request(reqwest::Method::PUT, path, token).json(&body));
    let r = put(&s.admin_token, json!({"email": " kjt@example.org "})).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"unit": "省科技厅", "email": "kjt@example.org"})
    );
    let r = put(&s.admin_token, json!({"email": "不是邮箱"})).await;
    assert_eq!(
        (r.status.as_u16(), r.error_code(), r.field()),
        (422, "value_bad_email", Some("email"))
    );
    let r = put(&s.office_token, json!({"email": "kjt@example.org"})).await;
    assert_eq!(r.status.as_u16(), 403);
    let r = s
        .send(
            s.request(
                reqwest::Method::PUT,
                "/api/v1/units/没有的单位/contact",
                &s.admin_token,
            )
            .json(&json!({"email": "x@example.org"})),
        )
        .await;
    assert_eq!(r.status.as_u16(), 404);
    assert_error_shape(&r);
    s.finish().await;
}

engine_tests!(
    the_whole_cycle,
    returns_combined_reports_and_contacts,
    two_clients_one_task,
    errors_speak_the_clients_language,
    requests_are_refused_by_field,
);
