//! The unread-notification count of the page header ("通知 (3)"): one
//! count over the partial index `notifications_unread` (migration 14),
//! which holds only the unread rows, so it stays cheap however long the
//! read history grows.

use crate::db::{Arg, bind_list};
use crate::error::StoreError;
use crate::store::Store;
use crate::value::UnitId;

/// The header counts unread notifications up to this many; beyond it, it
/// says "99+" (an office that sees every unit may have tens of thousands,
/// and counting them all on every page cost 2-3 ms at 100,000 tasks).
pub const UNREAD_BADGE_CAP: u64 = 100;

impl Store {
    /// How many notifications to `units` (`None`: every unit) are unread,
    /// counted up to [`UNREAD_BADGE_CAP`] (the exact count is
    /// [`Store::count_notifications`]).
    pub async fn unread_notification_count(
        &self,
        units: Option<&[UnitId]>,
    ) -> Result<u64, StoreError> {
        let mut values: Vec<Arg> = Vec::new();
        let scope = match units {
            None => String::new(),
            Some([]) => return Ok(0),
            Some(units) => format!(
                " AND unit_id IN ({})",
                bind_list(&mut values, units.iter().map(|u| u.0))
            ),
        };
        let mut tx = self.pool().read().await?;
        let row = tx
            .fetch_optional(
                &format!(
                    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM notifications
                     WHERE read_at IS NULL{scope} LIMIT {UNREAD_BADGE_CAP}) u"
                ),
                values,
            )
            .await?;
        tx.commit().await?;
        let n = match row {
            Some(r) => r.int("n")?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::args;

    /// The header's count stops at the cap; the exact count does not, and a
    /// scoped count sees its units only.
    #[tokio::test]
    async fn the_badge_count_stops_at_its_cap() {
        let plan = crate::SeedPlan {
            units: 10,
            tasks: 20,
            reports: 0,
            seed: 3,
        };
        let (store, dir) = crate::store::seeded_test_store("inbox", &plan).await;
        let mut tx = store.pool().write().await.unwrap();
        let task = tx
            .fetch_all("SELECT MIN(id) AS id FROM tasks", Vec::new())
            .await
            .unwrap()[0]
            .int("id")
            .unwrap();
        let units: Vec<i64> = tx
            .fetch_all("SELECT id FROM units ORDER BY id LIMIT 2", Vec::new())
            .await
            .unwrap()
            .iter()
            .map(|r| r.int("id").unwrap())
            .collect();
        for i in 0..150 {
            // Three for the second unit, the rest for the first.
            let unit = if i < 3 { units[1] } else { units[0] };
            tx.execute(
                "INSERT INTO notifications (unit_id, task_id, kind, due_on, text, created_at)
                 VALUES ($1, $2, 'due', '2026-01-01', '请报送进展', 0)",
                args![unit, task],
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        assert_eq!(
            store.unread_notification_count(None).await.unwrap(),
            UNREAD_BADGE_CAP
        );
        assert_eq!(store.count_notifications(None, true).await.unwrap(), 150);
        let second = [UnitId(units[1])];
        assert_eq!(
            store
                .unread_notification_count(Some(&second))
                .await
                .unwrap(),
            3
        );
        assert_eq!(store.unread_notification_count(Some(&[])).await.unwrap(), 0);
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
