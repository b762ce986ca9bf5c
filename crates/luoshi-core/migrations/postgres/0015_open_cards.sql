-- The open warning cards (not cleared, not superseded) of the 督办 page
-- and the dashboard, the most severe first (`ORDER BY tier_rank DESC,
-- id DESC`) with the unit and tier each is counted under: one walk of
-- this partial index gives a page its order, totals and per-unit counts
-- without reading a card row or a task. An index only: no table or
-- column changes, so snapshots and backups are unaffected.
CREATE INDEX cards_open_rank ON cards (tier_rank, id, unit_id, tier)
    WHERE cleared_at IS NULL AND superseded_by IS NULL;
