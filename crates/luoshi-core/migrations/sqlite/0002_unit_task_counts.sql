-- Task counts by lead unit and status, one row per unit with a column per
-- status, kept current by triggers on `tasks` in the writing transaction.
-- Counting 100k tasks on every dashboard request read ~10k grouped rows;
-- this table answers with one row per unit. It is derived data: backups
-- carry it, restore rebuilds it from the tasks it inserts, and `audit
-- verify` recomputes it and reports a unit whose counts differ.

CREATE TABLE unit_task_counts (
    -- The lead unit's id; 0 for tasks without one (themes, drafts).
    unit_key             INTEGER PRIMARY KEY,
    draft                INTEGER NOT NULL DEFAULT 0,
    assigned             INTEGER NOT NULL DEFAULT 0,
    in_progress          INTEGER NOT NULL DEFAULT 0,
    completion_requested INTEGER NOT NULL DEFAULT 0,
    closed               INTEGER NOT NULL DEFAULT 0,
    suspended            INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO unit_task_counts
    (unit_key, draft, assigned, in_progress, completion_requested, closed, suspended)
SELECT COALESCE(lead_unit_id, 0),
       SUM(status = 'draft'), SUM(status = 'assigned'), SUM(status = 'in_progress'),
       SUM(status = 'completion_requested'), SUM(status = 'closed'), SUM(status = 'suspended')
FROM tasks
GROUP BY COALESCE(lead_unit_id, 0);

CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks
BEGIN
    INSERT OR IGNORE INTO unit_task_counts (unit_key) VALUES (COALESCE(NEW.lead_unit_id, 0));
    UPDATE unit_task_counts SET
        draft = draft + (NEW.status = 'draft'),
        assigned = assigned + (NEW.status = 'assigned'),
        in_progress = in_progress + (NEW.status = 'in_progress'),
        completion_requested = completion_requested + (NEW.status = 'completion_requested'),
        closed = closed + (NEW.status = 'closed'),
        suspended = suspended + (NEW.status = 'suspended')
    WHERE unit_key = COALESCE(NEW.lead_unit_id, 0);
END;

CREATE TRIGGER tasks_count_update AFTER UPDATE OF lead_unit_id, status ON tasks
WHEN OLD.lead_unit_id IS NOT NEW.lead_unit_id OR OLD.status <> NEW.status
BEGIN
    UPDATE unit_task_counts SET
        draft = draft - (OLD.status = 'draft'),
        assigned = assigned - (OLD.status = 'assigned'),
        in_progress = in_progress - (OLD.status = 'in_progress'),
        completion_requested = completion_requested - (OLD.status = 'completion_requested'),
        closed = closed - (OLD.status = 'closed'),
        suspended = suspended - (OLD.status = 'suspended')
    WHERE unit_key = COALESCE(OLD.lead_unit_id, 0);
    INSERT OR IGNORE INTO unit_task_counts (unit_key) VALUES (COALESCE(NEW.lead_unit_id, 0));
    UPDATE unit_task_counts SET
        draft = draft + (NEW.status = 'draft'),
        assigned = assigned + (NEW.status = 'assigned'),
        in_progress = in_progress + (NEW.status = 'in_progress'),
        completion_requested = completion_requested + (NEW.status = 'completion_requested'),
        closed = closed + (NEW.status = 'closed'),
        suspended = suspended + (NEW.status = 'suspended')
    WHERE unit_key = COALESCE(NEW.lead_unit_id, 0);
END;

-- Tasks are never deleted by luoshi; a row deleted behind its back still
-- leaves the counts true (and `audit verify` reports the deletion).
CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks
BEGIN
    UPDATE unit_task_counts SET
        draft = draft - (OLD.status = 'draft'),
        assigned = assigned - (OLD.status = 'assigned'),
        in_progress = in_progress - (OLD.status = 'in_progress'),
        completion_requested = completion_requested - (OLD.status = 'completion_requested'),
        closed = closed - (OLD.status = 'closed'),
        suspended = suspended - (OLD.status = 'suspended')
    WHERE unit_key = COALESCE(OLD.lead_unit_id, 0);
END;
