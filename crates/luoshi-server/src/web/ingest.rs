//! 新建 (ingest): paste or upload a communiqué, review the extracted tree
//! beside its source, correct it, store it.

use std::sync::Arc;

use axum::Router;

use crate::routes::AppState;

/// The routes of this area.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
}
