//! 督办 (supervision): warning cards, notifications, the problem list,
//! indicators, unit evaluation and the implementation status report.

use std::sync::Arc;

use axum::Router;

use crate::routes::AppState;

/// The routes of this area.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
}
