//! What the binary's integration tests share.

#![allow(dead_code, clippy::unwrap_used)]

pub mod serve;

/// The server crate's Chromium helpers, shared rather than copied.
#[path = "../../../luoshi-server/tests/helpers/browser.rs"]
pub mod browser;
