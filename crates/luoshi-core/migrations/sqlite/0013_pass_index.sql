-- The daily supervision pass (`Store::supervise_day`) reads the tasks being
-- worked on in chunks of 5,000 ids: `WHERE id > ? AND status IN
-- ('assigned', 'in_progress') AND lead_unit_id IS NOT NULL ORDER BY id
-- LIMIT 5000`. Without this index SQLite took every open task after `?`
-- from `tasks_status` (two status ranges), computed the per-task subqueries
-- for all of them and sorted them in a temporary B-tree before the LIMIT:
-- each chunk paid for the rest of the ledger. This partial index lists
-- exactly those tasks in id order, with the columns the pass reads, so a
-- chunk is a range read of the index that stops after 5,000 entries and
-- never touches the (wide) task rows. Index only: no table changes.
CREATE INDEX tasks_worked ON tasks (id, status, lead_unit_id, deadline, created_at)
    WHERE status IN ('assigned', 'in_progress') AND lead_unit_id IS NOT NULL;
