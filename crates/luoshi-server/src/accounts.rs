//! The account handlers of `/api/v1`: logging in and out (`/session`), the
//! caller's own account (`/me`, its password and API tokens), and users for
//! administrators (`/users`). How a request is authenticated is in
//! [`crate::caller`]; cookies, the cache and the limiter in [`crate::auth`].

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use luoshi_core::{
    Accounts, AuthError, AuthFailure, Invalid, Login, NewUser, Password, Permission, PersonName,
    Role, StoreError, UnitName, UserChange, UserId, ValueError, Version, one_time_password,
};

use crate::auth::{Credential, cleared_cookie, session_cookie};
use crate::caller::{Caller, SelfCaller};
use crate::dto::{
    ChangePasswordRequest, LoginRequest, MeDto, NewTokenDto, NewTokenRequest, NewUserRequest,
    SessionDto, TokenDto, UserChangeRequest, UserDto, UserWithPasswordDto,
};
use crate::error::{ApiError, ErrorBody, unknown_unit_in};
use crate::request::{ApiJson, PathParam};
use crate::routes::{AppStateRef, json};

/// Every permission, for `GET /me`.
const PERMISSIONS: [Permission; 9] = [
    Permission::ManageUsers,
    Permission::ManageUnits,
    Permission::Ingest,
    Permission::Assign,
    Permission::Review,
    Permission::Suspend,
    Permission::Report,
    Permission::Export,
    Permission::ReadAll,
];

/// The client's address (the TCP peer), for the login limiter.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip()),
        ))
    }
}

/// A value error of a request field: 422 naming it.
fn in_field(field: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |e| {
        let named = matches!(e, StoreError::Invalid(Invalid::Value(_)));
        let out: ApiError = e.into();
        if named && out.field.is_none() {
            out.with_field(field)
        } else {
            out
        }
    }
}

fn value<T>(field: &str, r: Result<T, ValueError>) -> Result<T, ApiError> {
    r.map_err(|e| ApiError::invalid(field, &e))
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

// ----- session -------------------------------------------------------------------

/// Logs in with login and password: sets the session cookie (HttpOnly,
/// SameSite=Strict) and returns the CSRF token that unsafe requests made
/// with the cookie must echo in `X-CSRF-Token`. At most 10 attempts a
/// minute per client address (429 with Retry-After); five wrong passwords
/// in a row lock the account for 15 minutes (423 `account_locked`).
#[utoipa::path(
    post, path = "/api/v1/session", tag = "accounts",
    request_body = LoginRequest,
    security(()),
    responses(
        (status = 200, description = "Logged in; Set-Cookie carries the session", body = SessionDto),
        (status = 401, description = "Wrong login or password", body = ErrorBody),
        (status = 423, description = "Account locked after failed logins", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn login(
    State(state): AppStateRef,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    if let Err(wait) = state
        .limiter
        .attempt(ip, state.settings.login_attempts_per_minute)
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            format!("登录尝试过于频繁，请 {wait} 秒后再试。"),
        )
        .retry_after(wait));
    }
    let principal = match state.store.authenticate(&req.login, &req.password).await {
        Ok(p) => p,
        Err(AuthFailure::Store(e)) => return Err(e.into()),
        Err(AuthFailure::Auth(e)) => {
            let status = match e {
                AuthError::BadCredentials => StatusCode::UNAUTHORIZED,
                AuthError::Locked { .. } => StatusCode::LOCKED,
                AuthError::Disabled => StatusCode::FORBIDDEN,
            };
            let mut err = ApiError::new(status, e.code(), e.to_string());
            if let AuthError::Locked { until } = e {
                let now = state.store.clock().now();
                let secs = (until.millis() - now.millis()).max(1000) / 1000;
                err = err.retry_after(u64::try_from(secs).unwrap_or(1));
            }
            return Err(err);
        }
    };
    let (secret, session) = state
        .store
        .create_session(principal.user, state.settings.session_ttl_secs)
        .await?;
    let user = state.store.user(principal.user).await?;
    let body = SessionDto {
        user: (&user).into(),
        csrf_token: &session.csrf,
        expires_at: session.expires_at.to_string(),
    };
    Ok(with_cookie(
        json(StatusCode::OK, &body),
        &session_cookie(&secret, &state.settings),
    ))
}

/// Logs out: ends the session and clears the cookie. With a bearer token
/// there is no session to end (revoke the token instead).
#[utoipa::path(
    delete, path = "/api/v1/session", tag = "accounts",
    responses(
        (status = 204, description = "Logged out"),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn logout(
    State(state): AppStateRef,
    SelfCaller(caller): SelfCaller,
) -> Result<Response, ApiError> {
    match caller.credential() {
        Credential::Session(secret) => {
            state.store.end_session(secret).await?;
            state.cache.remove(&caller.credential().key());
            Ok(with_cookie(no_content(), &cleared_cookie(&state.settings)))
        }
        Credential::Token(_) => Ok(no_content()),
    }
}

// ----- me ------------------------------------------------------------------------

/// Who is calling: the account, its permissions, and the session's CSRF
/// token (for a page reloaded after login).
#[utoipa::path(
    get, path = "/api/v1/me", tag = "accounts",
    responses(
        (status = 200, description = "The caller", body = MeDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn me(
    State(state): AppStateRef,
    SelfCaller(caller): SelfCaller,
) -> Result<Response, ApiError> {
    let user = state.store.user(caller.principal().user).await?;
    let body = MeDto {
        user: (&user).into(),
        permissions: PERMISSIONS
            .into_iter()
            .filter(|p| caller.principal().may(*p))
            .map(Permission::code)
            .collect(),
        authenticated_by: match caller.credential() {
            Credential::Session(_) => "session",
            Credential::Token(_) => "token",
        },
        csrf_token: caller.csrf(),
    };
    Ok(json(StatusCode::OK, &body))
}

/// Changes the caller's own password (the first thing a new account does).
/// A wrong current password counts toward the lock-out.
#[utoipa::path(
    post, path = "/api/v1/me/password", tag = "accounts",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 423, description = "Locked after wrong passwords", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn change_password(
    State(state): AppStateRef,
    SelfCaller(caller): SelfCaller,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<Response, ApiError> {
    let new = value("new_password", Password::parse(&req.new_password))?;
    state
        .store
        .change_password(caller.principal().user, &req.old_password, &new)
        .await
        .map_err(|e| {
            let field = match &e {
                StoreError::Invalid(Invalid::Value(ValueError::PasswordUnchanged)) => {
                    "new_password"
                }
                _ => "old_password",
            };
            in_field(field)(e)
        })?;
    state.cache.clear();
    Ok(no_content())
}

/// The caller's API tokens, revoked ones included.
#[utoipa::path(
    get, path = "/api/v1/me/tokens", tag = "accounts",
    responses(
        (status = 200, description = "Tokens", body = Vec<TokenDto>),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn list_tokens(State(state): AppStateRef, caller: Caller) -> Result<Response, ApiError> {
    let tokens = state.store.tokens(caller.principal().user).await?;
    let dtos: Vec<TokenDto<'_>> = tokens.iter().map(Into::into).collect();
    Ok(json(StatusCode::OK, &dtos))
}

/// Creates an API token for scripts; its secret is in this answer only.
#[utoipa::path(
    post, path = "/api/v1/me/tokens", tag = "accounts",
    request_body = NewTokenRequest,
    responses(
        (status = 201, description = "The token and its secret", body = NewTokenDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn create_token(
    State(state): AppStateRef,
    caller: Caller,
    ApiJson(req): ApiJson<NewTokenRequest>,
) -> Result<Response, ApiError> {
    let (token, secret) = state
        .store
        .create_token(caller.principal(), &req.name)
        .await
        .map_err(in_field("name"))?;
    Ok(json(
        StatusCode::CREATED,
        &NewTokenDto {
            token: (&token).into(),
            secret: &secret,
        },
    ))
}

/// Revokes one of the caller's tokens (an administrator: any token). The
/// token is kept, marked revoked; using it afterwards is 401.
#[utoipa::path(
    delete, path = "/api/v1/me/tokens/{id}", tag = "accounts",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn revoke_token(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
) -> Result<Response, ApiError> {
    let id = positive_id(&id)?;
    state.store.revoke_token(caller.principal(), id).await?;
    state.cache.clear();
    Ok(no_content())
}

// ----- users ---------------------------------------------------------------------

fn positive_id(p: &PathParam) -> Result<i64, ApiError> {
    match p.0.trim().parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ApiError::invalid(
            "id",
            &ValueError::BadId {
                input: p.0.chars().take(40).collect(),
            },
        )),
    }
}

fn user_id(p: &PathParam) -> Result<UserId, ApiError> {
    positive_id(p).map(UserId)
}

/// All users, in the order they were created (administrators).
#[utoipa::path(
    get, path = "/api/v1/users", tag = "users",
    responses(
        (status = 200, description = "Users", body = Vec<UserDto>),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn list_users(State(state): AppStateRef, caller: Caller) -> Result<Response, ApiError> {
    caller.require(Permission::ManageUsers).await?;
    let users = state.store.users().await?;
    let dtos: Vec<UserDto<'_>> = users.iter().map(Into::into).collect();
    Ok(json(StatusCode::OK, &dtos))
}

/// A user (administrators).
#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn get_user(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageUsers).await?;
    let user = state.store.user(user_id(&id)?).await?;
    Ok(json(StatusCode::OK, &UserDto::from(&user)))
}

/// Creates a user with a one-time password, returned this once; the user
/// must change it at the first login (administrators).
#[utoipa::path(
    post, path = "/api/v1/users", tag = "users",
    request_body = NewUserRequest,
    responses(
        (status = 201, description = "The user and its one-time password", body = UserWithPasswordDto),
        (status = 409, description = "The login is taken", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn create_user(
    State(state): AppStateRef,
    caller: Caller,
    ApiJson(req): ApiJson<NewUserRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageUsers).await?;
    let password = one_time_password()?;
    let new = NewUser {
        login: value("login", Login::parse(&req.login))?,
        name: value("name", PersonName::parse(&req.name))?,
        role: value("role", Role::parse(&req.role))?,
        unit: req
            .unit
            .as_deref()
            .map(|u| value("unit", UnitName::parse(u)))
            .transpose()?,
        password: value("password", Password::parse(&password))?,
    };
    let user = state
        .store
        .create_user(caller.principal(), &new)
        .await
        .map_err(|e| match e {
            StoreError::NotFound { .. } => unknown_unit_in("unit")(e),
            e => in_field("unit")(e),
        })?;
    Ok(json(
        StatusCode::CREATED,
        &UserWithPasswordDto {
            user: (&user).into(),
            one_time_password: &password,
        },
    ))
}

/// Changes a user's name, role, unit or active flag (administrators).
/// Disabling ends the user's sessions; nobody is ever deleted.
#[utoipa::path(
    patch, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    request_body = UserChangeRequest,
    responses(
        (status = 200, description = "The user as changed", body = UserDto),
        (status = 409, description = "Stale version", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn update_user(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
    ApiJson(req): ApiJson<UserChangeRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageUsers).await?;
    let id = user_id(&id)?;
    let change = UserChange {
        name: req
            .name
            .as_deref()
            .map(|n| value("name", PersonName::parse(n)))
            .transpose()?,
        role: req
            .role
            .as_deref()
            .map(|r| value("role", Role::parse(r)))
            .transpose()?,
        unit: req
            .unit
            .as_ref()
            .map(|u| {
                u.as_deref()
                    .map(|u| value("unit", UnitName::parse(u)))
                    .transpose()
            })
            .transpose()?,
        active: req.active,
    };
    let field = if change.role.is_some() {
        "role"
    } else {
        "unit"
    };
    let user = state
        .store
        .update_user(
            caller.principal(),
            id,
            Version(req.expected_version),
            &change,
        )
        .await
        .map_err(|e| match e {
            StoreError::NotFound {
                entity: luoshi_core::Entity::Unit,
                ..
            } => unknown_unit_in("unit")(e),
            StoreError::Invalid(Invalid::Value(ValueError::LastAdmin)) => ApiError::from(e)
                .with_field(if req.active == Some(false) {
                    "active"
                } else {
                    "role"
                }),
            e => in_field(field)(e),
        })?;
    state.cache.clear();
    Ok(json(StatusCode::OK, &UserDto::from(&user)))
}

/// Resets a user's password to a new one-time password, returned this
/// once; ends the user's sessions and lifts a lock-out (administrators).
#[utoipa::path(
    post, path = "/api/v1/users/{id}/password", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The user and the new one-time password", body = UserWithPasswordDto),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
pub async fn reset_password(
    State(state): AppStateRef,
    caller: Caller,
    id: PathParam,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageUsers).await?;
    let id = user_id(&id)?;
    let password = one_time_password()?;
    let parsed = value("password", Password::parse(&password))?;
    state
        .store
        .reset_password(caller.principal(), id, &parsed)
        .await?;
    state.cache.clear();
    let user = state.store.user(id).await?;
    Ok(json(
        StatusCode::OK,
        &UserWithPasswordDto {
            user: (&user).into(),
            one_time_password: &password,
        },
    ))
}
