//! The unread-notification count of the page header ("通知 (3)"): one
//! count over the partial index `notifications_unread` (migration 14),
//! which holds only the unread rows, so it stays cheap however long the
//! read history grows.

use crate::error::StoreError;
use crate::store::Store;
use crate::value::UnitId;

impl Store {
    /// How many notifications to `units` (`None`: every unit) are unread:
    /// [`Store::count_notifications`] of the unread ones.
    pub async fn unread_notification_count(
        &self,
        units: Option<&[UnitId]>,
    ) -> Result<u64, StoreError> {
        self.count_notifications(units, true).await
    }
}
