//! The one error shape of the API, `{code, message, field?}`, for every
//! error the server gives: the ledger's refusals, bad requests, unknown
//! routes and methods, over-large bodies.
//!
//! Handlers build an [`ApiError`] with the Chinese (zh-Hans) message. The
//! [`localize`] middleware then renders it in the language the client's
//! `Accept-Language` prefers: English from the small catalogue [`english`]
//! (keyed by the stable code), Traditional Chinese by converting the
//! Simplified message (hanconv, OpenCC's dictionaries), Simplified otherwise.

use std::borrow::Cow;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use luoshi_core::{Conflict, Entity, Invalid, StoreError, ValueError};
use serde::Serialize;
use utoipa::ToSchema;

/// What every error response carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable snake_case English code (the key of the message catalogue).
    pub code: String,
    /// For people: Chinese by default, English or Traditional Chinese by
    /// `Accept-Language`.
    pub message: String,
    /// The request field (JSON path, query parameter, path parameter or
    /// header) the error is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error on its way to becoming a response.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: Cow<'static, str>,
    /// zh-Hans.
    pub message: String,
    pub field: Option<String>,
    /// Headers the response carries (Retry-After, WWW-Authenticate).
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            field: None,
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Adds `Retry-After: seconds`.
    pub fn retry_after(self, seconds: u64) -> Self {
        self.with_header(header::RETRY_AFTER, HeaderValue::from(seconds))
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 422 for an invalid value of a request field.
    pub fn invalid(field: &str, e: &ValueError) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()).with_field(field)
    }

    pub fn not_found_route() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "route_not_found",
            "没有这个接口。接口说明见 /api/openapi.json。",
        )
    }

    pub fn method_not_allowed() -> Self {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "该接口不支持此请求方法。接口说明见 /api/openapi.json。",
        )
    }

    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "服务器内部错误，请稍后重试；如反复出现，请联系管理员查看服务器日志。",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let status = match &e {
            StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
            StoreError::Conflict(Conflict::Stale { .. } | Conflict::Duplicate { .. }) => {
                StatusCode::CONFLICT
            }
            // The request was well formed but the task's current status
            // does not allow it: a conflict with the state of the resource.
            StoreError::Invalid(Invalid::Lifecycle(_)) => StatusCode::CONFLICT,
            StoreError::Invalid(Invalid::Value(ValueError::AccountLocked { .. })) => {
                StatusCode::LOCKED
            }
            StoreError::Invalid(Invalid::Value(_)) => StatusCode::UNPROCESSABLE_ENTITY,
            StoreError::Forbidden { .. } => StatusCode::FORBIDDEN,
            StoreError::Backup(_) | StoreError::Other { .. } => {
                // The cause goes to the log, never to the client.
                eprintln!("luoshi serve: storage error: {e}");
                return ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "storage_error",
                    "数据库操作失败，请稍后重试；如反复出现，请联系管理员查看服务器日志。",
                );
            }
        };
        let field = match &e {
            StoreError::Invalid(Invalid::Value(ValueError::NotAUnitOfTask { .. })) => Some("unit"),
            StoreError::Invalid(Invalid::Value(ValueError::LeadAlsoCoUnit { .. })) => {
                Some("co_units")
            }
            StoreError::Conflict(Conflict::Stale { .. }) => Some("expected_version"),
            StoreError::Invalid(Invalid::Value(ValueError::ReturnDateInPast { .. })) => {
                Some("new_date")
            }
            _ => None,
        };
        let mut out = ApiError::new(status, e.code(), e.to_string());
        out.field = field.map(str::to_owned);
        out
    }
}

/// A unit that a request field names but that does not exist is an invalid
/// value of that field (422), not a missing resource (404).
pub fn unknown_unit_in(field: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound {
            entity: Entity::Unit,
            key,
        } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_unit",
            format!("没有名为“{key}”的单位，请先新增该单位或检查名称。"),
        )
        .with_field(field),
        other => other.into(),
    }
}

/// Carried in the response so that [`localize`] can re-render the body.
#[derive(Debug, Clone)]
struct Rendered(ApiError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code.to_string(),
            message: self.message.clone(),
            field: self.field.clone(),
        };
        let mut response = (self.status, json_bytes(&body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        for (name, value) in &self.headers {
            response.headers_mut().insert(name.clone(), value.clone());
        }
        response.extensions_mut().insert(Rendered(self));
        response
    }
}

fn json_bytes(body: &ErrorBody) -> Vec<u8> {
    serde_json::to_vec(body)
        .unwrap_or_else(|_| br#"{"code":"internal_error","message":"internal error"}"#.to_vec())
}

/// The languages error messages come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Hans,
    Hant,
    En,
}

/// The language an `Accept-Language` header prefers among the three the
/// server speaks (highest q wins; the first listed among equals);
/// Simplified Chinese when it names none of them.
pub fn preferred_lang(header: Option<&str>) -> Lang {
    let Some(header) = header else {
        return Lang::Hans;
    };
    let mut best: Option<(f32, Lang)> = None;
    for part in header.split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let lang = if tag == "en" || tag.starts_with("en-") {
            Lang::En
        } else if ["zh-hant", "zh-tw", "zh-hk", "zh-mo"]
            .iter()
            .any(|t| tag == *t || tag.starts_with(&format!("{t}-")))
        {
            Lang::Hant
        } else if tag == "zh" || tag.starts_with("zh-") || tag == "*" {
            Lang::Hans
        } else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::Hans, |(_, l)| l)
}

/// Renders error responses in the language the request prefers.
pub async fn localize(request: Request, next: Next) -> Response {
    let lang = preferred_lang(
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut response = next.run(request).await;
    if lang == Lang::Hans {
        return response;
    }
    let Some(Rendered(error)) = response.extensions_mut().remove::<Rendered>() else {
        return response;
    };
    let message = match lang {
        Lang::En => english_message(&error),
        Lang::Hant => hanconv::s2t(&error.message),
        Lang::Hans => error.message.clone(),
    };
    let body = ErrorBody {
        code: error.code.to_string(),
        message,
        field: error.field.clone(),
    };
    let mut out = (error.status, json_bytes(&body)).into_response();
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = response.headers().get(&name) {
            out.headers_mut().insert(name, value.clone());
        }
    }
    out
}

fn english_message(e: &ApiError) -> String {
    let text = english(&e.code).unwrap_or("The request could not be carried out.");
    match &e.field {
        Some(field) => format!("{text} (field: {field})"),
        None => text.to_owned(),
    }
}

/// Every code the server can answer with, for the catalogue test.
pub const CODES: &[&str] = &[
    // the API's own
    "malformed_json",
    "unsupported_media_type",
    "body_too_large",
    "body_unreadable",
    "unknown_field",
    "missing_field",
    "invalid_type",
    "invalid_value",
    "value_too_long",
    "bad_path",
    "route_not_found",
    "method_not_allowed",
    "unauthenticated",
    "credentials_invalid",
    "csrf_failed",
    "password_change_required",
    "forbidden",
    "lead_unit_only",
    "other_unit",
    "bad_credentials",
    "account_locked",
    "account_disabled",
    "too_many_requests",
    "bad_login",
    "weak_password",
    "unknown_role",
    "unit_required",
    "wrong_password",
    "password_unchanged",
    "last_admin",
    "report_already_reviewed",
    "report_is_completion_request",
    "bad_base64",
    "source_missing",
    "source_ambiguous",
    "unknown_unit",
    "bad_sort",
    "cursor_needs_id_sort",
    "cursor_and_page",
    "bad_cursor",
    "internal_error",
    "storage_error",
    "xlsx_write_failed",
    // the ledger's
    "not_found",
    "stale_version",
    "duplicate",
    "value_empty",
    "value_control_character",
    "value_bad_date",
    "value_bad_email",
    "value_percent_out_of_range",
    "value_bad_id",
    "value_unknown_status",
    "extraction_invalid",
    "not_a_unit_of_task",
    "lead_also_co_unit",
    "task_closed",
    "task_suspended",
    "task_not_assigned",
    "no_completion_request",
    "completion_pending",
    "task_not_suspended",
    "illegal_transition",
    // the problem list, indicators, evaluation
    "value_bad_choice",
    "problem_closed",
    "value_bad_number",
    "bad_evaluation_period",
    "bad_evaluation_rules",
    "batch_too_small",
    // supervision: a return with a new date
    "return_date_in_past",
    // decoding an uploaded document
    "input_too_large",
    "input_empty",
    "input_binary",
    "input_undecodable",
    "input_pdf",
    "input_doc",
    "input_rtf",
    "input_encrypted",
    "input_bad_docx",
    // supervision
    "bad_cycle",
    "card_already_cleared",
    "card_superseded",
    "docx_write_failed",
    // web: assign, administration, tokens
    "nothing_selected",
    "too_many_tasks",
    "token_not_found",
    // the pages' own
    "payload_too_large",
    "job_not_found",
    // the status report and supervision notices
    "report_bad_range",
    "notice_nothing_due",
    "notice_task_not_open",
    "notice_bad_reply_by",
];

/// The English text of a code.
pub fn english(code: &str) -> Option<&'static str> {
    Some(match code {
        "malformed_json" => "The request body is not valid JSON.",
        "unsupported_media_type" => {
            "The request body must be JSON (Content-Type: application/json)."
        }
        "body_too_large" => "The request body is larger than the server accepts.",
        "body_unreadable" => "The request body could not be read.",
        "unknown_field" => "The request contains a field this endpoint does not know.",
        "missing_field" => "A required field is missing.",
        "invalid_type" => "A field has the wrong type.",
        "invalid_value" => "A field has an invalid value.",
        "value_too_long" => "A value is too long.",
        "bad_path" => "The address is not valid.",
        "route_not_found" => "There is no such endpoint; see /api/openapi.json.",
        "method_not_allowed" => "This endpoint does not accept this method; see /api/openapi.json.",
        "unauthenticated" => {
            "Log in first (POST /api/v1/session) or give an API token (Authorization: Bearer)."
        }
        "credentials_invalid" => {
            "The session has ended or the API token is invalid or revoked; log in again."
        }
        "csrf_failed" => {
            "Missing or wrong X-CSRF-Token header: a change made with the session cookie must echo the csrf_token returned at login."
        }
        "password_change_required" => {
            "Change your initial password first (POST /api/v1/me/password)."
        }
        "forbidden" => "You are not allowed to do this, or the record does not exist.",
        "lead_unit_only" => "Only the lead unit may request completion of a task.",
        "other_unit" => "You cannot report for a unit that is not yours.",
        "bad_credentials" => "Wrong login or password.",
        "account_locked" => {
            "Too many failed attempts: the account is locked for a while; try later or ask an administrator."
        }
        "account_disabled" => "The account is disabled; ask an administrator.",
        "too_many_requests" => "Too many login attempts from this address; wait and try again.",
        "bad_login" => "Invalid login: 2 to 32 characters, ASCII letters, digits and . _ - only.",
        "weak_password" => {
            "The password is too weak: at least 10 characters, not only digits, no control characters."
        }
        "unknown_role" => "Unknown role; use admin, office, unit_lead, unit_staff or leadership.",
        "unit_required" => "This role needs a unit.",
        "wrong_password" => "The current password is wrong.",
        "password_unchanged" => "The new password must differ from the current one.",
        "last_admin" => "The last active administrator cannot be disabled or given another role.",
        "report_already_reviewed" => "The report has already been reviewed.",
        "report_is_completion_request" => {
            "A completion request is reviewed by closing or returning its task."
        }
        "bad_base64" => "content_base64 is not valid base64.",
        "source_missing" => "Give the document as text or as content_base64.",
        "source_ambiguous" => "Give the document either as text or as content_base64, not both.",
        "unknown_unit" => "No unit has this name.",
        "bad_sort" => {
            "Unknown sort order; use id, deadline, status or updated, with - for descending."
        }
        "cursor_needs_id_sort" => {
            "A cursor pages only the list sorted by id; use page for other orders."
        }
        "cursor_and_page" => "Give either cursor or page, not both.",
        "bad_cursor" => "The cursor is not valid; use next_cursor from the previous page.",
        "internal_error" => "Internal server error; please try again later.",
        "storage_error" => "The database operation failed; please try again later.",
        "xlsx_write_failed" => "The Excel file could not be produced.",
        "not_found" => "The record does not exist.",
        "stale_version" => {
            "Someone else changed the record since you read it; reload and try again."
        }
        "duplicate" => "A record with this name already exists.",
        "value_empty" => "A value must not be empty.",
        "value_control_character" => "A value contains control characters.",
        "value_bad_date" => "Invalid date; use YYYY-MM-DD with a real day.",
        "value_bad_email" => "Invalid e-mail address.",
        "value_percent_out_of_range" => "The percentage must be an integer from 0 to 100.",
        "value_bad_id" => "Invalid id; it must be a positive integer.",
        "value_unknown_status" => "Unknown task status.",
        "extraction_invalid" => "The document's extraction does not fit its text.",
        "not_a_unit_of_task" => "This unit is neither the lead unit nor a co-unit of the task.",
        "lead_also_co_unit" => "The lead unit cannot also be a co-unit.",
        "task_closed" => "The task is closed.",
        "task_suspended" => "The task is suspended; resume it first.",
        "task_not_assigned" => "The task has not been assigned yet.",
        "no_completion_request" => "The task has no completion request awaiting review.",
        "completion_pending" => "A completion request is under review; return it first.",
        "task_not_suspended" => "The task is not suspended.",
        "illegal_transition" => "The task's current status does not allow this action.",
        "value_bad_choice" => "The value is not one of the allowed choices.",
        "problem_closed" => "The problem is closed (销号) and can no longer change.",
        "value_bad_number" => "Invalid number, e.g. 12.5.",
        "bad_evaluation_period" => {
            "Invalid evaluation period; use 2026-11 (month), 2026-Q4 (quarter) or 2026 (year)."
        }
        "bad_evaluation_rules" => "The evaluation rules are not valid.",
        "batch_too_small" => "A combined report needs at least two different tasks.",
        "return_date_in_past" => {
            "The new date for a returned completion request is before today; give today or a later date."
        }
        "input_too_large" => "The document is too large.",
        "input_empty" => "The document is empty.",
        "input_binary" => "The file is not a text document.",
        "input_undecodable" => "The text encoding of the document could not be recognised.",
        "input_pdf" => "PDF files are not supported yet; copy the text or save it as .docx.",
        "input_doc" => "Legacy .doc files are not supported; save it as .docx.",
        "input_rtf" => "RTF files are not supported; save it as .docx or .txt.",
        "input_encrypted" => "The document is encrypted.",
        "input_bad_docx" => "The .docx file is damaged.",
        "bad_cycle" => "The reporting cycle is not valid.",
        "card_already_cleared" => "The warning card has already been cleared.",
        "card_superseded" => "The warning card was replaced by a more severe one.",
        "docx_write_failed" => "The Word file could not be produced.",
        "nothing_selected" => "Tick the tasks to assign first.",
        "too_many_tasks" => "Too many tasks at once; submit them in smaller batches.",
        "token_not_found" => "No such token: you can only revoke your own API tokens.",
        "payload_too_large" => "The form or upload is too large; shorten it or split the file.",
        "job_not_found" => {
            "This job was not found: it may have expired (an hour after it ended) or belong to another user. Upload the file again."
        }
        "report_bad_range" => "The start of the range is after its end.",
        "notice_nothing_due" => "The unit leads no overdue or carded task; no notice is needed.",
        "notice_task_not_open" => {
            "The task is not assigned or already closed; no notice can be issued."
        }
        "notice_bad_reply_by" => "The reply deadline is before the day of issue.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_english_and_traditional_text() {
        for code in CODES {
            assert!(english(code).is_some(), "{code} has no English text");
        }
        // Traditional Chinese is converted from the Simplified message.
        assert_eq!(
            hanconv::s2t("预警已被更严重的预警取代"),
            "預警已被更嚴重的預警取代"
        );
        assert!(!hanconv::s2t("数据库操作失败").is_empty());
    }

    #[test]
    fn accept_language_picks_the_preferred_of_three() {
        assert_eq!(preferred_lang(None), Lang::Hans);
        assert_eq!(preferred_lang(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(preferred_lang(Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::Hans);
        assert_eq!(preferred_lang(Some("zh-TW")), Lang::Hant);
        assert_eq!(
            preferred_lang(Some("zh-Hant-HK;q=0.5, en;q=0.4")),
            Lang::Hant
        );
        assert_eq!(preferred_lang(Some("fr, en;q=0.1")), Lang::En);
        assert_eq!(preferred_lang(Some("en;q=0, de")), Lang::Hans);
        assert_eq!(preferred_lang(Some(";;;,q=,")), Lang::Hans);
    }
}
