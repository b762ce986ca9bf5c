//! Authentication machinery shared by [`crate::caller`] and the account
//! handlers: the settings of sessions, the session cookie, the short-lived
//! principal cache and the login rate limiter.
//!
//! * **Cookie.** `luoshi_session=<64 hex digits>; HttpOnly; SameSite=Strict;
//!   Path=/; Max-Age=<session lifetime>` and `Secure` when the server is
//!   configured as behind TLS ([`Settings::secure_cookies`]). The database
//!   keeps only the secret's SHA-256 (luoshi-core).
//! * **Principal cache.** Resolving a credential costs two indexed queries
//!   in luoshi-core (the session or token row, then the user) plus the
//!   recursive unit query for a scoped role. The load bar (thousands of
//!   requests a second) cannot pay that on every request, so a resolved
//!   credential is kept in memory for [`CACHE_TTL`] (5 s), keyed by the
//!   SHA-256 of the secret (the secret itself is never kept as a key). The
//!   entry holds the principal, the session's CSRF token and expiry, and
//!   the principal's visible units. Logging out removes the entry; revoking
//!   a token, changing or resetting a password and changing a user clear
//!   the whole cache of this process. Another process serving the same
//!   database (several app servers) sees such a change within 5 s.
//! * **Login limiter.** At most [`Settings::login_attempts_per_minute`]
//!   login attempts per client IP in a fixed one-minute window, in a
//!   `Mutex<HashMap>` pruned when it grows; the excess is 429 with
//!   `Retry-After`. The per-account lock-out (five failures) lives in
//!   luoshi-core. Behind a reverse proxy every client shares the proxy's
//!   address (X-Forwarded-For is not trusted).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use luoshi_core::{PersonName, Principal, Timestamp, UnitId};
use sha2::{Digest, Sha256};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "luoshi_session";

/// The header a cookie-authenticated unsafe request must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How long a resolved credential is trusted without asking the database.
pub const CACHE_TTL: Duration = Duration::from_secs(5);

/// Entries the cache may hold before expired ones are pruned.
const CACHE_PRUNE_AT: usize = 10_000;

/// Client addresses the limiter may track before old windows are pruned.
const LIMITER_PRUNE_AT: usize = 4_096;

/// The login limiter's window.
const WINDOW: Duration = Duration::from_secs(60);

/// Default session lifetime: a working day.
pub const DEFAULT_SESSION_TTL_SECS: i64 = 8 * 60 * 60;

/// Default login attempts per client address and minute.
pub const DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE: u32 = 10;

/// The settings of the HTTP application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Request body limit in bytes.
    pub max_body_bytes: usize,
    /// Mark the session cookie `Secure` (the server is reached over TLS,
    /// usually through a reverse proxy).
    pub secure_cookies: bool,
    /// Session lifetime in seconds.
    pub session_ttl_secs: i64,
    /// Login attempts per client address and minute.
    pub login_attempts_per_minute: u32,
    /// Reminders (催办) and the daily assessment.
    pub scheduler: crate::scheduler::SchedulerConfig,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_body_bytes: crate::DEFAULT_MAX_BODY_BYTES,
            secure_cookies: false,
            session_ttl_secs: DEFAULT_SESSION_TTL_SECS,
            login_attempts_per_minute: DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE,
            scheduler: crate::scheduler::SchedulerConfig::default(),
        }
    }
}

/// How a request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `Authorization: Bearer <secret>`.
    Token(String),
    /// The session cookie.
    Session(String),
}

impl Credential {
    pub fn secret(&self) -> &str {
        match self {
            Credential::Token(s) | Credential::Session(s) => s,
        }
    }

    /// The cache key: SHA-256 of a kind byte and the secret.
    pub fn key(&self) -> [u8; 32] {
        let (kind, secret) = match self {
            Credential::Token(s) => (b't', s),
            Credential::Session(s) => (b's', s),
        };
        let mut h = Sha256::new();
        h.update([kind]);
        h.update(secret.as_bytes());
        h.finalize().into()
    }
}

/// A credential resolved to a principal.
#[derive(Debug)]
pub struct Resolved {
    pub principal: Principal,
    /// What the audit trail records for this principal's writes.
    pub actor: PersonName,
    /// The session's anti-CSRF token (sessions only).
    pub csrf: Option<String>,
    /// When the session ends, on the store's clock (sessions only).
    pub session_expires: Option<Timestamp>,
    /// The units the principal may see (`None`: all).
    pub visible: Option<Arc<[UnitId]>>,
}

impl Resolved {
    /// Whether the principal may see the tasks of unit `id`.
    pub fn sees_unit(&self, id: UnitId) -> bool {
        self.visible.as_ref().is_none_or(|v| v.contains(&id))
    }
}

/// A cache entry: when it was resolved, and to what.
type Entry = (Instant, Arc<Resolved>);

/// Resolved credentials of the last few seconds.
#[derive(Debug, Default)]
pub struct PrincipalCache {
    map: Mutex<HashMap<[u8; 32], Entry>>,
}

impl PrincipalCache {
    pub fn get(&self, key: &[u8; 32]) -> Option<Arc<Resolved>> {
        let map = self.map.lock().ok()?;
        map.get(key)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, r)| r.clone())
    }

    pub fn insert(&self, key: [u8; 32], resolved: Arc<Resolved>) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= CACHE_PRUNE_AT {
                map.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
                if map.len() >= CACHE_PRUNE_AT {
                    map.clear();
                }
            }
            map.insert(key, (Instant::now(), resolved));
        }
    }

    pub fn remove(&self, key: &[u8; 32]) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(key);
        }
    }

    /// Forgets everything: after a change that may alter any principal.
    pub fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            map.clear();
        }
    }
}

/// Login attempts per client address in fixed one-minute windows.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    map: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl LoginLimiter {
    /// Counts an attempt from `ip`; `Err(seconds)` when it is over `limit`
    /// in the current window (the seconds until the window ends).
    pub fn attempt(&self, ip: IpAddr, limit: u32) -> Result<(), u64> {
        let Ok(mut map) = self.map.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        if map.len() >= LIMITER_PRUNE_AT {
            map.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = map.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            let left = WINDOW.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// Whether a secret has the shape of the ones luoshi-core issues (64
/// lowercase hex digits): anything else is refused without a query.
pub fn plausible_secret(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.trim() == name).then(|| v.trim().trim_matches('"'))
    })
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(secret: &str, settings: &Settings) -> String {
    let secure = if settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{SESSION_COOKIE}={secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        settings.session_ttl_secs.max(0)
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_cookie(settings: &Settings) -> String {
    let secure = if settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name() {
        assert_eq!(
            cookie("a=1; luoshi_session=abc; b=2", SESSION_COOKIE),
            Some("abc")
        );
        assert_eq!(cookie("luoshi_session_x=1", SESSION_COOKIE), None);
        assert_eq!(cookie("", SESSION_COOKIE), None);
        assert_eq!(cookie(";;=;", SESSION_COOKIE), None);
    }

    #[test]
    fn secrets_are_checked_for_shape_and_compared_evenly() {
        assert!(plausible_secret(&"a".repeat(64)));
        assert!(!plausible_secret(&"A".repeat(64)));
        assert!(!plausible_secret("abc"));
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }

    #[test]
    fn the_limiter_allows_the_limit_then_refuses() {
        let l = LoginLimiter::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(l.attempt(ip, 3).is_ok());
        }
        let wait = l.attempt(ip, 3).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(l.attempt("10.0.0.1".parse().unwrap(), 3).is_ok());
    }

    #[test]
    fn the_session_cookie_has_its_attributes() {
        let mut s = Settings::default();
        let c = session_cookie("abc", &s);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Path=/"));
        assert!(!c.contains("Secure"));
        s.secure_cookies = true;
        assert!(session_cookie("abc", &s).ends_with("; Secure"));
        assert!(cleared_cookie(&s).contains("Max-Age=0"));
    }
}
