//! The problem list, indicators and evaluation over HTTP on SQLite and
//! PostgreSQL: a problem filed in Traditional script finds its Simplified
//! twin, a unit's staff see and rectify only their unit's problems, the
//! office closes; indicators report progress; the ranking shows a unit its
//! own row only, and exports to Excel for the office.

#![allow(clippy::unwrap_used)]

mod helpers;

use helpers::{COMMUNIQUE, TestServer, assert_error_shape};
use luoshi_core::Role;
use serde_json::json;

async fn problems_are_scoped_by_unit(s: TestServer) {
    for unit in ["甲单位", "丙单位"] {
        s.ok_post_as(&s.admin_token, "/api/v1/units", &json!({"name": unit}), 201)
            .await;
    }
    let doc = s
        .ok_post("/api/v1/documents", &json!({"text": COMMUNIQUE}), 201)
        .await;
    let task = doc["tasks"][1]["id"].as_i64().unwrap();
    s.ok_post(
        &format!("/api/v1/tasks/{task}/assign"),
        &json!({"expected_version": 1, "lead": "甲单位", "deadline": "2026-06-30"}),
        200,
    )
    .await;
    let (_, staff_a) = s.account("a-staff", Role::UnitStaff, Some("甲单位")).await;
    let (_, staff_c) = s.account("c-staff", Role::UnitStaff, Some("丙单位")).await;

    let a = s
        .ok_post(
            "/api/v1/problems",
            &json!({"description": "部分市县污水处理设施建设滞后", "task": task,
                    "found_by": "督查", "root_cause": "机制性缺陷", "deadline": "2026-06-30"}),
            201,
        )
        .await;
    assert_eq!(a["problem"]["unit"], "甲单位");
    assert_eq!(a["problem"]["status"], "open");
    let twin = s
        .ok_post(
            "/api/v1/problems",
            &json!({"description": "部分市縣污水處理設施建設滯後", "unit": "丙单位",
                    "found_by": "public", "root_cause": "execution", "deadline": "2026-06-30",
                    "class": "污水设施"}),
            201,
        )
        .await;
    assert_eq!(twin["similar"][0]["problem"]["id"], a["problem"]["id"]);
    let a_id = a["problem"]["id"].as_i64().unwrap();
    let c_id = twin["problem"]["id"].as_i64().unwrap();

    // Refusals by field.
    let r = s
        .post(
            "/api/v1/problems",
            &json!({"description": "x", "unit": "甲单位", "found_by": "天降",
                    "root_cause": "其他", "deadline": "2026-06-30"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.error_code(), "value_bad_choice");
    assert_eq!(r.field(), Some("found_by"));
    let r = s
        .post(
            "/api/v1/problems",
            &json!({"description": "x", "unit": "无此单位", "found_by": "督查",
                    "root_cause": "其他", "deadline": "2026-06-30"}),
        )
        .await;
    assert_eq!(r.error_code(), "unknown_unit");

    // A unit's staff see their unit's problems only, in lists, by id and
    // in suggestions.
    let list = s.ok_get_as(&staff_a, "/api/v1/problems").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], a_id);
    let r = s
        .get_as(&staff_a, &format!("/api/v1/problems/{c_id}"))
        .await;
    assert_eq!(r.status, 403);
    assert_error_shape(&r);
    let missing = s.get_as(&staff_a, "/api/v1/problems/987654").await;
    assert_eq!(r.body, missing.body);
    let similar = s
        .ok_post_as(
            &staff_c,
            "/api/v1/problems/similar",
            &json!({"text": "污水处理设施建设滞后"}),
            200,
        )
        .await;
    assert_eq!(similar.as_array().unwrap().len(), 1);
    assert_eq!(similar[0]["problem"]["id"], c_id);
    assert_eq!(
        s.ok_get("/api/v1/problems").await.as_array().unwrap().len(),
        2
    );

    // The unit rectifies its own; not another's.
    let r = s
        .post_as(
            &staff_a,
            &format!("/api/v1/problems/{c_id}/rectify"),
            &json!({"expected_version": 1, "measures": "整改"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let p = s
        .ok_post_as(
            &staff_a,
            &format!("/api/v1/problems/{a_id}/rectify"),
            &json!({"expected_version": 1, "measures": "制定运维办法", "evidence": "办法文件"}),
            200,
        )
        .await;
    assert_eq!(p["status"], "rectifying");
    // Closing is the office's.
    let r = s
        .post_as(
            &staff_a,
            &format!("/api/v1/problems/{a_id}/close"),
            &json!({"expected_version": 2, "evidence": "验收"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let p = s
        .ok_post(
            &format!("/api/v1/problems/{a_id}/close"),
            &json!({"expected_version": 2, "evidence": "验收报告"}),
            200,
        )
        .await;
    assert_eq!(p["status"], "closed");
    let r = s
        .post(
            &format!("/api/v1/problems/{a_id}/class"),
            &json!({"expected_version": 3, "class": "污水设施"}),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.error_code(), "problem_closed");

    // Indicators.
    let ind = s
        .ok_post(
            &format!("/api/v1/tasks/{task}/indicators"),
            &json!({"name": "新建污水管网", "measure": "公里", "year": 2026, "annual_target": "120"}),
            201,
        )
        .await;
    let ind = s
        .ok_post(
            &format!("/api/v1/indicators/{}/values", ind["id"]),
            &json!({"period": "2026-03", "value": 30}),
            200,
        )
        .await;
    assert_eq!(ind["values"][0]["period_end"], "2026-03-31");
    assert_eq!(ind["reached"], 25.0);
    let r = s
        .post(
            &format!("/api/v1/indicators/{}/values", ind["id"]),
            &json!({"period": "2026-03", "value": "很多"}),
        )
        .await;
    assert_eq!(r.error_code(), "value_bad_number");
    assert_eq!(r.field(), Some("value"));
    let list = s
        .ok_get_as(&staff_a, &format!("/api/v1/tasks/{task}/indicators"))
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        s.get_as(&staff_c, &format!("/api/v1/tasks/{task}/indicators"))
            .await
            .status,
        403
    );

    // Evaluation: the office sees every unit, a unit its own row.
    let all = s.ok_get("/api/v1/evaluation?period=2026-03").await;
    assert_eq!(all["from"], "2026-03-01");
    let own = s
        .ok_get_as(&staff_a, "/api/v1/evaluation?period=2026-03")
        .await;
    assert!(
        own["units"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["unit"] == "甲单位"),
        "{own}"
    );
    let r = s.get("/api/v1/evaluation?period=2026-13").await;
    assert_eq!(r.error_code(), "bad_evaluation_period");
    let x = s.get("/api/v1/evaluation/export?period=2026").await;
    assert_eq!(x.status, 200);
    assert!(x.bytes.starts_with(b"PK"));
    assert_eq!(
        s.get_as(&staff_a, "/api/v1/evaluation/export").await.status,
        403
    );
    s.finish().await;
}

engine_tests!(problems_are_scoped_by_unit);
