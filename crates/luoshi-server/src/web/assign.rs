//! 交办 (assign): set lead unit, co-units, responsible person, deadline and
//! reporting cycle for many tasks at once.

use std::sync::Arc;

use axum::Router;

use crate::routes::AppState;

/// The routes of this area.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
}
