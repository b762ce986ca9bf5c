-- The daily supervision pass (`Store::supervise_day`) reads the tasks being
-- worked on in chunks of 5,000 ids: `WHERE id > $1 AND status IN
-- ('assigned', 'in_progress') AND lead_unit_id IS NOT NULL ORDER BY id
-- LIMIT 5000`. This partial index lists exactly those tasks in id order,
-- with the columns the pass reads, so a chunk is one range read of the
-- index that stops after 5,000 entries. Index only: no table changes.
CREATE INDEX tasks_worked ON tasks (id) INCLUDE (status, lead_unit_id, deadline, created_at)
    WHERE status IN ('assigned', 'in_progress') AND lead_unit_id IS NOT NULL;
