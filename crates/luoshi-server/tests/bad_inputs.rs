//! Bad inputs at every endpoint the OpenAPI document lists: malformed JSON,
//! wrong types, unknown fields, huge strings, over-large bodies, bad ids,
//! bad query parameters — first a fixed table for every operation, then
//! proptest's random ones. No answer may be a 5xx, and every error must
//! be in the one shape `{code, message, field?}`.

#![allow(clippy::unwrap_used)]

mod helpers;

use helpers::{COMMUNIQUE, Engine, Reply, TestServer, assert_error_shape};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// A small body limit keeps the over-large bodies cheap.
const LIMIT: usize = 64 * 1024;

#[derive(Debug, Clone)]
struct Operation {
    method: Method,
    /// With `{…}` parameters.
    path: String,
    /// Property names and types of the JSON body (empty without a body).
    body: Vec<(String, String)>,
    query: Vec<String>,
}

fn operations(doc: &Value) -> Vec<Operation> {
    let schemas = &doc["components"]["schemas"];
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .map(|r| {
                    let name = r.rsplit('/').next().unwrap();
                    schemas[name]["properties"]
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| {
                            let ty = match &v["type"] {
                                Value::String(t) => t.clone(),
                                Value::Array(ts) => ts[0].as_str().unwrap_or("string").to_owned(),
                                _ => "string".to_owned(),
                            };
                            (k.clone(), ty)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let query = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "query")
                        .map(|p| p["name"].as_str().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            ops.push(Operation {
                method,
                path: path.clone(),
                body,
                query,
            });
        }
    }
    ops
}

/// A plausible body, so that a mutation of one field is what gets tested.
fn base_body(op: &Operation) -> Map<String, Value> {
    op.body
        .iter()
        .map(|(k, ty)| {
            let v = match (k.as_str(), ty.as_str()) {
                ("deadline", _) => json!("2026-06-30"),
                ("lead" | "name" | "unit", _) => json!("省科技厅"),
                ("content_base64", _) => Value::Null,
                ("text", _) => json!(COMMUNIQUE),
                (_, "integer") => json!(1),
                (_, "array") => json!([]),
                _ => json!("内容"),
            };
            (k.clone(), v)
        })
        .collect()
}

fn with_path(path: &str, param: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |e| start + e + 1);
        out.push_str(param);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[derive(Debug, Clone)]
enum Body {
    None,
    Json(Value),
    Raw(Vec<u8>),
}

/// Extra accounts, so that what the requests do to ids 1, 2, … (reset a
/// password, revoke a token) does not lock the suite out.
struct Scratch {
    /// An office account that sends token revocations.
    office: String,
    /// An administrator (not user 1) that sends user administration.
    admin: String,
}

/// Who sends: an administrator to the user and unit administration, a
/// scratch account to token revocation, the office to everything else.
fn token_for<'a>(s: &'a TestServer, scratch: &'a Scratch, method: &Method, path: &str) -> &'a str {
    if path.starts_with("/api/v1/users") || (path == "/api/v1/units" && method == Method::POST) {
        &scratch.admin
    } else if path.starts_with("/api/v1/me/tokens/") {
        &scratch.office
    } else {
        &s.office_token
    }
}

async fn send(
    s: &TestServer,
    token: &str,
    method: Method,
    path: &str,
    query: &str,
    body: Body,
) -> Reply {
    let url = if query.is_empty() {
        s.url(path)
    } else {
        format!("{}?{query}", s.url(path))
    };
    let req = s.client.request(method, url).bearer_auth(token);
    let req = match body {
        Body::None => req,
        Body::Json(v) => req.json(&v),
        Body::Raw(b) => req.header("content-type", "application/json").body(b),
    };
    s.send(req).await
}

fn check(r: &Reply, what: &str) {
    assert!(
        !r.status.is_server_error(),
        "{what}: {} {}",
        r.status,
        String::from_utf8_lossy(&r.bytes[..r.bytes.len().min(400)])
    );
    if r.status.as_u16() >= 400 {
        assert_error_shape(r);
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The fixed table: for every operation, every kind of bad input.
async fn table(s: &TestServer, scratch: &Scratch, ops: &[Operation]) -> usize {
    let ids = [
        "1",
        "0",
        "-1",
        "abc",
        "1.5",
        "99999999999999999999",
        "%FF",
        "%E7%9C%81",
        "%20",
        &"9".repeat(500),
    ];
    let mut sent = 0;
    for op in ops {
        let path = with_path(&op.path, "1");
        let token = token_for(s, scratch, &op.method, &op.path);
        let has_body =
            op.method == Method::POST || op.method == Method::PATCH || op.method == Method::PUT;
        let base = Value::Object(base_body(op));
        let mut cases: Vec<(String, String, Body)> = Vec::new();
        for id in ids {
            let body = if has_body {
                Body::Json(base.clone())
            } else {
                Body::None
            };
            cases.push((with_path(&op.path, id), String::new(), body));
        }
        if has_body {
            for raw in [
                &b""[..],
                b"{",
                b"nul",
                b"{\"a\":1,}",
                b"[]",
                b"\"text\"",
                b"42",
                b"null",
                b"{} {}",
                b"\xff\xfe\x00",
                b"{\"expected_version\": 1e999}",
            ] {
                cases.push((path.clone(), String::new(), Body::Raw(raw.to_vec())));
            }
            cases.push((
                path.clone(),
                String::new(),
                Body::Raw("[".repeat(5000).into_bytes()),
            ));
            cases.push((
                path.clone(),
                String::new(),
                Body::Raw(vec![b' '; LIMIT + 1]),
            ));
            cases.push((path.clone(), String::new(), Body::None));
            let mut unknown = base_body(op);
            unknown.insert("unknown_field".into(), json!(1));
            cases.push((
                path.clone(),
                String::new(),
                Body::Json(Value::Object(unknown)),
            ));
            for (field, _) in &op.body {
                for wrong in [
                    json!(null),
                    json!(true),
                    json!(-1),
                    json!(i64::MAX),
                    json!(1.5),
                    json!("x"),
                    json!(""),
                    json!([1, "a"]),
                    json!({"a": 1}),
                    json!("要".repeat(12_000)),
                    json!("\u{0}\u{7}"),
                ] {
                    let mut b = base_body(op);
                    b.insert(field.clone(), wrong);
                    cases.push((path.clone(), String::new(), Body::Json(Value::Object(b))));
                }
            }
        }
        cases.push((
            path.clone(),
            "unknown=1".into(),
            if has_body {
                Body::Json(base.clone())
            } else {
                Body::None
            },
        ));
        for q in &op.query {
            for v in [
                "",
                "-1",
                "0",
                "abc",
                "true",
                "4294967296",
                "%FF",
                &"要".repeat(300),
            ] {
                cases.push((path.clone(), format!("{q}={}", enc(v)), Body::None));
            }
            cases.push((path.clone(), format!("{q}=1&{q}=2"), Body::None));
        }
        for (p, q, b) in cases {
            let what = format!("{} {p}?{q} {b:?}", op.method);
            let what: String = what.chars().take(300).collect();
            let r = send(s, token, op.method.clone(), &p, &q, b).await;
            check(&r, &what);
            sent += 1;
        }
        // The wrong method is a 405 in the error shape (PUT, or PATCH for
        // the one PUT endpoint, whose path takes nothing else).
        let wrong = if op.method == Method::PUT {
            Method::PATCH
        } else {
            Method::PUT
        };
        let r = send(s, token, wrong, &path, "", Body::None).await;
        assert_eq!(r.status.as_u16(), 405, "{} {path}", op.method);
        assert_error_shape(&r);
    }
    sent
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::String),
        "[0-9-]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Field(usize, Value),
    Whole(Value),
    Bytes(Vec<u8>),
    PathParam(String),
    Query(usize, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), json_value()).prop_map(|(i, v)| Mutation::Field(i, v)),
        json_value().prop_map(Mutation::Whole),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(Mutation::Bytes),
        ".{0,30}".prop_map(Mutation::PathParam),
        (any::<usize>(), ".{0,60}").prop_map(|(i, v)| Mutation::Query(i, v)),
    ]
}

fn random_inputs(
    rt: &tokio::runtime::Runtime,
    s: &TestServer,
    scratch: &Scratch,
    ops: &[Operation],
) {
    let mut runner = TestRunner::new(Config {
        cases: 1500,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (0..ops.len(), mutation());
    runner
        .run(&strategy, |(i, m)| {
            let op = &ops[i];
            let mut path = with_path(&op.path, "1");
            let mut query = String::new();
            let token = token_for(s, scratch, &op.method, &op.path);
            let has_body =
                op.method == Method::POST || op.method == Method::PATCH || op.method == Method::PUT;
            let mut body = if has_body {
                Body::Json(Value::Object(base_body(op)))
            } else {
                Body::None
            };
            match &m {
                Mutation::Field(f, v) if !op.body.is_empty() => {
                    let mut b = base_body(op);
                    b.insert(op.body[f % op.body.len()].0.clone(), v.clone());
                    body = Body::Json(Value::Object(b));
                }
                Mutation::Whole(v) if has_body => body = Body::Json(v.clone()),
                Mutation::Bytes(bytes) if has_body => body = Body::Raw(bytes.clone()),
                Mutation::PathParam(p) if op.path.contains('{') => {
                    path = with_path(&op.path, &enc(p));
                }
                Mutation::Query(q, v) if !op.query.is_empty() => {
                    query = format!("{}={}", op.query[q % op.query.len()], enc(v));
                }
                _ => query = format!("x{}=1", i),
            }
            let r = rt.block_on(send(s, token, op.method.clone(), &path, &query, body));
            check(&r, &format!("{} {path}?{query} {m:?}", op.method));
            Ok(())
        })
        .unwrap();
}

fn bad_inputs_at_every_endpoint(engine: Engine) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let s = rt.block_on(TestServer::start_with_limit(engine, LIMIT));
    let doc = rt.block_on(s.get("/api/openapi.json")).body;
    assert_eq!(doc["openapi"].as_str().unwrap(), "3.1.0");
    let ops = operations(&doc);
    assert!(ops.len() >= 30, "{} operations", ops.len());
    // Something to find, so that valid-looking requests reach the ledger.
    let scratch = rt.block_on(async {
        s.ok_post("/api/v1/documents", &json!({"text": COMMUNIQUE}), 201)
            .await;
        s.ok_post_as(
            &s.admin_token,
            "/api/v1/units",
            &json!({"name": "省科技厅"}),
            201,
        )
        .await;
        Scratch {
            office: s
                .account("scratch", luoshi_core::Role::Office, None)
                .await
                .1,
            admin: s.account("admin2", luoshi_core::Role::Admin, None).await.1,
        }
    });
    let sent = rt.block_on(table(&s, &scratch, &ops));
    assert!(sent > 500, "{sent}");
    random_inputs(&rt, &s, &scratch, &ops);
    // Still serving, and the ledger is sound.
    // (A random reset may have sent the office back to changing its password.)
    let tasks = rt.block_on(s.get("/api/v1/tasks"));
    assert!(
        tasks.status.as_u16() == 200 || tasks.error_code() == "password_change_required",
        "{}",
        tasks.body
    );
    let report = rt.block_on(luoshi_core::Ledger::verify(&s.store)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    rt.block_on(s.finish());
}

#[test]
fn sqlite_bad_inputs_at_every_endpoint() {
    bad_inputs_at_every_endpoint(Engine::Sqlite);
}

#[test]
fn postgres_bad_inputs_at_every_endpoint() {
    bad_inputs_at_every_endpoint(Engine::Postgres);
}
