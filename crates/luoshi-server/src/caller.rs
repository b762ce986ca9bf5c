//! Who is acting on a request: the extractor every protected handler
//! takes, [`Caller`] (and [`SelfCaller`] for the three things a user who
//! must change their password may still do).
//!
//! Resolution, once per request:
//!
//! 1. `Authorization: Bearer <secret>` → an API token; otherwise the
//!    `luoshi_session` cookie → a session; neither → 401 `unauthenticated`.
//!    A secret not of the issued shape, unknown, expired, ended or revoked,
//!    or of a disabled user → 401 `credentials_invalid`.
//! 2. The principal comes from the in-memory cache ([`crate::auth`], 5 s,
//!    keyed by the secret's SHA-256) or, on a miss, from luoshi-core
//!    (`session` / `principal_by_token`, then `visible_units` for a scoped
//!    role), and is cached.
//! 3. A cookie-authenticated unsafe method (POST, PUT, PATCH, DELETE) must
//!    echo the session's CSRF token in `X-CSRF-Token` → else 403
//!    `csrf_failed`. Bearer tokens need none (a browser never sends them
//!    on its own).
//! 4. [`Caller`] refuses a principal that must change its password: 403
//!    `password_change_required`; [`SelfCaller`] lets it through.
//!
//! Authorisation is asked by the handlers through [`Caller::require`]
//! (a role permission, `Role::may` in luoshi-core), [`Caller::scope`]
//! (lists, searches, counts, exports narrowed to the visible units),
//! [`Caller::check_task`] (reading one task) and [`Caller::task_to_act_on`]
//! (writing to one). Every refusal is a 403 and an audit event
//! (`record_denial`). A task a scoped principal may not see and a task that
//! does not exist give it the same 403 body, so ids reveal nothing.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use luoshi_core::{
    Accounts, DocumentId, Ledger, Permission, PersonName, Principal, StoreError, Task, TaskFilter,
    TaskId, TaskKind, UnitId,
};

use crate::auth::{CSRF_HEADER, Credential, Resolved, SESSION_COOKIE, cookie, plausible_secret};
use crate::error::ApiError;
use crate::routes::AppState;

/// The authenticated person acting on a request.
#[derive(Debug, Clone)]
pub struct Caller {
    state: Arc<AppState>,
    resolved: Arc<Resolved>,
    credential: Credential,
    /// `METHOD /path`, for the audit note of a refusal.
    request: String,
}

/// A [`Caller`] that may still have to change its password: for `GET
/// /me`, `POST /me/password` and `DELETE /session` only.
#[derive(Debug, Clone)]
pub struct SelfCaller(pub Caller);

fn unauthenticated(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message).with_header(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"luoshi\""),
    )
}

fn credentials_invalid() -> ApiError {
    unauthenticated(
        "credentials_invalid",
        "登录已失效，或访问令牌无效、已撤销，请重新登录或更换令牌。",
    )
}

/// The 403 a scoped principal gets for a task it may not see or that does
/// not exist: the same body either way.
pub fn hidden_task() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "该任务不存在，或您无权访问该任务。",
    )
}

/// The 403 for a document, likewise.
pub fn hidden_document() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "该文件不存在，或您无权访问该文件。",
    )
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn credential(parts: &Parts) -> Result<Credential, ApiError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| credentials_invalid())?;
        let (scheme, secret) = value
            .trim()
            .split_once(' ')
            .ok_or_else(credentials_invalid)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(credentials_invalid());
        }
        return Ok(Credential::Token(secret.trim().to_owned()));
    }
    let session = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| cookie(v, SESSION_COOKIE));
    match session {
        Some(secret) => Ok(Credential::Session(secret.to_owned())),
        None => Err(unauthenticated(
            "unauthenticated",
            "请先登录（POST /api/v1/session），或在 Authorization 请求头中提供访问令牌（Bearer）。",
        )),
    }
}

/// The principal of a credential: from the cache, else from the store.
async fn resolve(state: &AppState, cred: &Credential) -> Result<Arc<Resolved>, ApiError> {
    if !plausible_secret(cred.secret()) {
        return Err(credentials_invalid());
    }
    let key = cred.key();
    let now = state.store.clock().now();
    if let Some(hit) = state.cache.get(&key) {
        if hit.session_expires.is_none_or(|end| end > now) {
            return Ok(hit);
        }
        state.cache.remove(&key);
        return Err(credentials_invalid());
    }
    let (principal, csrf, session_expires) = match cred {
        Credential::Token(secret) => match state.store.principal_by_token(secret).await? {
            Some(p) => (p, None, None),
            None => return Err(credentials_invalid()),
        },
        Credential::Session(secret) => match state.store.session(secret).await? {
            Some(s) => (s.principal, Some(s.csrf), Some(s.expires_at)),
            None => return Err(credentials_invalid()),
        },
    };
    let visible = state
        .store
        .visible_units(&principal)
        .await?
        .map(Arc::<[UnitId]>::from);
    let resolved = Arc::new(Resolved {
        actor: principal.actor(),
        principal,
        csrf,
        session_expires,
        visible,
    });
    state.cache.insert(key, resolved.clone());
    Ok(resolved)
}

impl Caller {
    async fn authenticate(parts: &Parts, state: &Arc<AppState>) -> Result<Caller, ApiError> {
        let credential = credential(parts)?;
        let resolved = resolve(state, &credential).await?;
        if matches!(credential, Credential::Session(_)) && is_unsafe(&parts.method) {
            let echoed = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::trim);
            let expected = resolved.csrf.as_deref().unwrap_or("");
            if !echoed.is_some_and(|e| crate::auth::same_secret(e, expected)) || expected.is_empty()
            {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf_failed",
                    "缺少或错误的 X-CSRF-Token 请求头：通过 Cookie 登录后，修改类请求须带上登录时返回的 csrf_token。",
                )
                .with_field("X-CSRF-Token"));
            }
        }
        Ok(Caller {
            state: state.clone(),
            resolved,
            credential,
            request: format!("{} {}", parts.method, parts.uri.path()),
        })
    }

    pub fn principal(&self) -> &Principal {
        &self.resolved.principal
    }

    /// The name the audit trail records for this request's writes: the login.
    pub fn actor(&self) -> &PersonName {
        &self.resolved.actor
    }

    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// The session's CSRF token when the caller came by cookie.
    pub fn csrf(&self) -> Option<&str> {
        match self.credential {
            Credential::Session(_) => self.resolved.csrf.as_deref(),
            Credential::Token(_) => None,
        }
    }

    /// The units whose tasks the caller may see; `None` for all.
    pub fn visible_units(&self) -> Option<&[UnitId]> {
        self.resolved.visible.as_deref()
    }

    /// Whether the caller sees every unit.
    pub fn sees_all(&self) -> bool {
        self.resolved.visible.is_none()
    }

    pub fn sees_unit(&self, id: UnitId) -> bool {
        self.resolved.sees_unit(id)
    }

    /// Narrows a task query to what the caller may see. Every list,
    /// search and export goes through here.
    pub fn scope(&self, filter: &mut TaskFilter) {
        filter.visible_units = self.resolved.visible.as_ref().map(|v| v.to_vec());
    }

    /// Records a refusal in the audit trail (a failure to record is logged:
    /// the refusal stands either way) and returns `error`.
    pub async fn refuse(
        &self,
        what: &str,
        table: &str,
        id: Option<i64>,
        error: ApiError,
    ) -> ApiError {
        let note = format!("{what}（{}）", self.request);
        if let Err(e) = self
            .state
            .store
            .record_denial(self.principal(), &note, table, id)
            .await
        {
            eprintln!("luoshi serve: cannot record a denial: {e}");
        }
        error
    }

    /// Refuses what the caller's role does not allow: 403 `forbidden`
    /// naming the action, and a denial event.
    pub async fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.principal().may(permission) {
            return Ok(());
        }
        let error: ApiError = StoreError::Forbidden {
            what: permission.label(),
        }
        .into();
        Err(self
            .refuse(&format!("无权{}", permission.label()), "", None, error)
            .await)
    }

    /// Whether the caller may see `task`: its lead unit or an active
    /// co-unit is visible, or it is a theme with such a child (asked of the
    /// store, themes having no unit of their own).
    pub async fn may_see(&self, task: &Task) -> Result<bool, ApiError> {
        let Some(units) = self.visible_units() else {
            return Ok(true);
        };
        if self.acts_on(task) {
            return Ok(true);
        }
        if task.kind == TaskKind::Theme {
            return Ok(self.state.store.task_visible(task.id, units).await?);
        }
        Ok(false)
    }

    /// Whether one of the caller's units leads or co-operates on `task`.
    fn acts_on(&self, task: &Task) -> bool {
        task.assignment.as_ref().is_some_and(|a| {
            self.sees_unit(a.lead.id) || a.co_units.iter().any(|c| self.sees_unit(c.id))
        })
    }

    /// The refusal of a task the caller may not see (or that does not
    /// exist): 403 with the same body, and a denial event.
    pub async fn deny_task(&self, what: &str, id: TaskId, exists: bool) -> ApiError {
        if exists {
            self.refuse(what, "tasks", Some(id.0), hidden_task()).await
        } else {
            self.refuse(
                &format!("{what}（任务 {id} 不存在）"),
                "tasks",
                None,
                hidden_task(),
            )
            .await
        }
    }

    /// Reading one task: the result of loading it, checked. A scoped caller
    /// gets the same 403 for a missing task as for another unit's; a
    /// caller who sees all units gets the 404.
    pub async fn check_task<T>(
        &self,
        id: TaskId,
        loaded: Result<T, StoreError>,
        task: impl Fn(&T) -> &Task,
    ) -> Result<T, ApiError> {
        match loaded {
            Ok(t) => {
                if self.may_see(task(&t)).await? {
                    Ok(t)
                } else {
                    Err(self.deny_task("查看任务", id, true).await)
                }
            }
            Err(StoreError::NotFound { .. }) if !self.sees_all() => {
                Err(self.deny_task("查看任务", id, false).await)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Before writing to task `id`: for a scoped caller, the task, which
    /// one of its units must lead or co-operate on (else the hidden 403);
    /// `None` for a caller who sees all units (the write itself answers
    /// 404 for a missing task).
    pub async fn task_to_act_on(&self, id: TaskId, what: &str) -> Result<Option<Task>, ApiError> {
        if self.sees_all() {
            return Ok(None);
        }
        match self.state.store.task(id).await {
            Ok(task) if self.acts_on(&task) => Ok(Some(task)),
            Ok(_) => Err(self.deny_task(what, id, true).await),
            Err(StoreError::NotFound { .. }) => Err(self.deny_task(what, id, false).await),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether a scoped caller may see document `id`: one of its tasks is
    /// visible. Always true for a caller who sees all units.
    pub async fn may_see_document(&self, id: DocumentId) -> Result<bool, ApiError> {
        if self.sees_all() {
            return Ok(true);
        }
        let mut filter = TaskFilter {
            document: Some(id),
            limit: Some(1),
            ..TaskFilter::default()
        };
        self.scope(&mut filter);
        Ok(!self.state.store.tasks(&filter).await?.is_empty())
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        let caller = Caller::authenticate(parts, state).await?;
        if caller.principal().must_change_password {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "password_change_required",
                "请先修改初始密码（POST /api/v1/me/password），然后才能使用其他功能。",
            ));
        }
        Ok(caller)
    }
}

impl FromRequestParts<Arc<AppState>> for SelfCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        Caller::authenticate(parts, state).await.map(SelfCaller)
    }
}
