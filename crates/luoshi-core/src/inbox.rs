//! The unread-notification count of the page header ("通知 (3)"): one
//! count over the partial index `notifications_unread` (migration 14),
//! which holds only the unread rows, so it stays cheap however long the
//! read history grows.

use crate::db::Arg;
use crate::error::StoreError;
use crate::store::Store;
use crate::value::UnitId;

impl Store {
    /// How many notifications to `units` (`None`: every unit) are unread.
    pub async fn unread_notification_count(
        &self,
        units: Option<&[UnitId]>,
    ) -> Result<u64, StoreError> {
        let mut sql = "SELECT COUNT(*) AS n FROM notifications WHERE read_at IS NULL".to_owned();
        let mut values: Vec<Arg> = Vec::new();
        if let Some(units) = units {
            if units.is_empty() {
                return Ok(0);
            }
            let marks: Vec<String> = units
                .iter()
                .map(|u| {
                    values.push(Arg::from(u.0));
                    format!("${}", values.len())
                })
                .collect();
            sql.push_str(&format!(" AND unit_id IN ({})", marks.join(", ")));
        }
        let mut tx = self.pool().read().await?;
        let row = tx.fetch_optional(&sql, values).await?;
        tx.commit().await?;
        let n = match row {
            Some(r) => r.int("n")?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
