//! Reading requests: JSON bodies, query strings and path ids, each refused
//! in the one error shape and naming the field at fault.
//!
//! * Not JSON at all (syntax, truncation, trailing bytes) → 400
//!   `malformed_json`.
//! * Valid JSON of the wrong shape → 422 naming the field by its path:
//!   `unknown_field` (every request type denies unknown fields),
//!   `missing_field`, `invalid_type`, `invalid_value`.
//! * Over the body limit → 413 `body_too_large`; not `application/json`
//!   → 415.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body of type `T`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| {
                let v = v.trim().to_ascii_lowercase();
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求体须为 JSON，并带有 Content-Type: application/json。",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "请求体太大，超过了服务器允许的大小。",
                )
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "body_unreadable",
                    "无法读取请求体。",
                )
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body, naming the field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => data_error(&path, &inner.to_string()),
            _ => malformed(&inner),
        }
    })?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "malformed_json",
        format!(
            "请求体不是有效的 JSON（第 {} 行第 {} 列附近）。",
            e.line(),
            e.column()
        ),
    )
}

/// The first `name` between backticks in a serde message.
fn quoted(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() || path == "." || path == "?" {
        name.to_owned()
    } else if path.ends_with(name) {
        path.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// A value of the right syntax but the wrong shape, by serde's message.
fn data_error(path: &str, message: &str) -> ApiError {
    let unprocessable = |code: &'static str, text: String, field: Option<String>| {
        let e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, text);
        match field {
            Some(f) => e.with_field(f),
            None => e,
        }
    };
    let field = (!path.is_empty() && path != "." && path != "?").then(|| path.to_owned());
    if message.starts_with("unknown field") {
        let name = quoted(message).unwrap_or("?");
        let field = join(path, name);
        return unprocessable(
            "unknown_field",
            format!("请求中有本接口不认识的字段“{field}”。"),
            Some(field),
        );
    }
    if message.starts_with("missing field") {
        let name = quoted(message).unwrap_or("?");
        let field = join(path, name);
        return unprocessable(
            "missing_field",
            format!("缺少必填字段“{field}”。"),
            Some(field),
        );
    }
    let shown = field.clone().unwrap_or_else(|| "请求体".to_owned());
    if message.starts_with("invalid type") {
        return unprocessable(
            "invalid_type",
            format!("字段“{shown}”的类型不对（{}）。", expected(message)),
            field,
        );
    }
    unprocessable(
        "invalid_value",
        format!("字段“{shown}”的值无效（{}）。", expected(message)),
        field,
    )
}

/// What serde expected, in the words of the API (`expected a string` →
/// 应为字符串).
fn expected(message: &str) -> &'static str {
    let wanted = message.rsplit("expected ").next().unwrap_or("");
    if wanted.contains("string") || wanted.contains("str") {
        "应为字符串"
    } else if wanted.contains("bool") {
        "应为 true 或 false"
    } else if wanted.contains("i64") || wanted.contains("u32") || wanted.contains("integer") {
        "应为整数且不超出范围"
    } else if wanted.contains("sequence") {
        "应为数组"
    } else if wanted.contains("struct") || wanted.contains("map") {
        "应为对象"
    } else {
        "取值不符合要求"
    }
}

/// A query string of type `T` (every query type denies unknown parameters).
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                let mut err = data_error(&path, &message);
                // A query parameter is a string on the wire: "wrong type"
                // there means "not a number" or "not true/false".
                if err.code == "invalid_type" {
                    err.code = "invalid_value".into();
                }
                err.message = err.message.replace("字段", "查询参数");
                err
            })
    }
}

/// The `{id}` of a path, as a string to be parsed by the handler into the
/// right id type (so a bad id is a 422 naming `id`, not a bare 400).
#[derive(Debug)]
pub struct PathParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|p| PathParam(p.0))
            .map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_path",
                    "地址中的参数无效（编码有误）。",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: i64,
    }

    fn err(json: &str) -> ApiError {
        parse_json::<Body>(json.as_bytes()).unwrap_err()
    }

    #[test]
    fn json_errors_name_the_field() {
        let e = err("{\"name\": 1}");
        assert_eq!((e.status.as_u16(), &*e.code), (422, "invalid_type"));
        assert_eq!(e.field.as_deref(), Some("name"));
        let e = err("{\"name\": \"a\", \"x\": 1}");
        assert_eq!((&*e.code, e.field.as_deref()), ("unknown_field", Some("x")));
        let e = err("{\"name\": \"a\", \"inner\": {\"n\": 1, \"y\": 2}}");
        assert_eq!(e.field.as_deref(), Some("inner.y"));
        let e = err("{\"name\": \"a\", \"inner\": {}}");
        assert_eq!(
            (&*e.code, e.field.as_deref()),
            ("missing_field", Some("inner.n"))
        );
        let e = err("{}");
        assert_eq!(
            (&*e.code, e.field.as_deref()),
            ("missing_field", Some("name"))
        );
        let e = err("{\"name\": \"a\", \"inner\": {\"n\": 1e400}}");
        assert_eq!(e.status.as_u16(), 400);
        for bad in [
            "",
            "{",
            "{\"name\": \"a\"} x",
            "nul",
            "{\"name\": \"a\",",
            "\u{feff}{}",
        ] {
            assert_eq!(err(bad).status.as_u16(), 400, "{bad}");
        }
        assert_eq!(err("[]").status.as_u16(), 422);
        assert!(err(&"[".repeat(10_000)).status.is_client_error());
    }
}
