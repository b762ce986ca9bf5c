//! 单位与用户 (administration: unit tree, users, roles) and one's own API
//! tokens.

use std::sync::Arc;

use axum::Router;

use crate::routes::AppState;

/// The routes of this area.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
}
