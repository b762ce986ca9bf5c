-- The unread-notification count every page header shows ("通知 (3)"):
-- only the unread rows, by recipient unit, so counting walks the unread
-- notifications and never the read history. An index only: no table or
-- column changes, so snapshots and backups are unaffected.
CREATE INDEX notifications_unread ON notifications (unit_id) WHERE read_at IS NULL;
