//! Who is acting on a request: the one extractor every handler takes,
//! [`Caller`].
//!
//! PHASE 1 — DEVELOPMENT MECHANISM, NOT AUTHENTICATION. The actor is taken
//! on trust from the `X-Luoshi-Actor` header (UTF-8, a person's name as the
//! audit trail records it), `api` when absent. Phase 2 replaces the body of
//! [`Caller::from_request_parts`] with the session cookie / bearer token
//! lookup that yields an accounts `Principal` (user, role, unit), and fills
//! in the three hooks below ([`Caller::scope`], [`Caller::may_see`],
//! [`Caller::require`]); handlers already call them, so nothing else in the
//! server has to change. Do not read the actor anywhere else.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use luoshi_core::{PersonName, Task, TaskFilter};

use crate::error::ApiError;

/// The development header naming the actor (phase 1 only).
pub const ACTOR_HEADER: &str = "x-luoshi-actor";

/// The actor when the header is absent (phase 1 only).
pub const DEFAULT_ACTOR: &str = "api";

/// What a request may do, named for the permission checks of phase 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read tasks, documents, units and counts.
    Read,
    /// Ingest documents.
    Ingest,
    /// Add units.
    ManageUnits,
    /// Assign tasks.
    Assign,
    /// File progress reports and request completion.
    Report,
    /// Close, return, suspend and resume tasks (the supervision office).
    Supervise,
}

/// The person acting on a request.
#[derive(Debug, Clone)]
pub struct Caller {
    actor: PersonName,
}

impl Caller {
    /// The name the audit trail records for this request's writes.
    pub fn actor(&self) -> &PersonName {
        &self.actor
    }

    /// Narrows a task query to what the caller may see. Phase 1: everything;
    /// phase 2 sets the filter's visible units from the principal. Every list,
    /// search, count and export goes through here.
    pub fn scope(&self, _filter: &mut TaskFilter) {}

    /// Whether the caller may see this task. Phase 1: yes; phase 2 answers
    /// from the principal's units (and a task it may not see is reported as
    /// not found, so that ids reveal nothing).
    pub fn may_see(&self, _task: &Task) -> bool {
        true
    }

    /// Refuses what the caller's role does not allow. Phase 1: allows all;
    /// phase 2 returns 403 with an audit event.
    pub fn require(&self, _permission: Permission) -> Result<(), ApiError> {
        Ok(())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let bad = |message: String| {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_actor", message)
                .with_field("X-Luoshi-Actor")
        };
        let name = match parts.headers.get(ACTOR_HEADER) {
            None => DEFAULT_ACTOR,
            Some(value) => std::str::from_utf8(value.as_bytes())
                .map_err(|_| bad("请求头 X-Luoshi-Actor 须为 UTF-8 编码的姓名。".to_owned()))?,
        };
        let actor =
            PersonName::parse(name).map_err(|e| bad(format!("请求头 X-Luoshi-Actor 无效：{e}")))?;
        Ok(Caller { actor })
    }
}
