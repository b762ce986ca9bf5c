-- Task counts by lead unit and status, one row per unit with a column per
-- status, kept current by a trigger on `tasks` in the writing transaction.
-- Counting 100k tasks on every dashboard request read ~10k grouped rows;
-- this table answers with one row per unit. It is derived data: backups
-- carry it, restore rebuilds it from the tasks it inserts, and `audit
-- verify` recomputes it and reports a unit whose counts differ.

CREATE TABLE unit_task_counts (
    -- The lead unit's id; 0 for tasks without one (themes, drafts).
    unit_key             BIGINT PRIMARY KEY,
    draft                BIGINT NOT NULL DEFAULT 0,
    assigned             BIGINT NOT NULL DEFAULT 0,
    in_progress          BIGINT NOT NULL DEFAULT 0,
    completion_requested BIGINT NOT NULL DEFAULT 0,
    closed               BIGINT NOT NULL DEFAULT 0,
    suspended            BIGINT NOT NULL DEFAULT 0
);

INSERT INTO unit_task_counts
    (unit_key, draft, assigned, in_progress, completion_requested, closed, suspended)
SELECT COALESCE(lead_unit_id, 0),
       COUNT(*) FILTER (WHERE status = 'draft'),
       COUNT(*) FILTER (WHERE status = 'assigned'),
       COUNT(*) FILTER (WHERE status = 'in_progress'),
       COUNT(*) FILTER (WHERE status = 'completion_requested'),
       COUNT(*) FILTER (WHERE status = 'closed'),
       COUNT(*) FILTER (WHERE status = 'suspended')
FROM tasks
GROUP BY COALESCE(lead_unit_id, 0);

CREATE FUNCTION tasks_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE unit_task_counts SET
            draft = draft - (OLD.status = 'draft')::int,
            assigned = assigned - (OLD.status = 'assigned')::int,
            in_progress = in_progress - (OLD.status = 'in_progress')::int,
            completion_requested = completion_requested - (OLD.status = 'completion_requested')::int,
            closed = closed - (OLD.status = 'closed')::int,
            suspended = suspended - (OLD.status = 'suspended')::int
        WHERE unit_key = COALESCE(OLD.lead_unit_id, 0);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO unit_task_counts (unit_key) VALUES (COALESCE(NEW.lead_unit_id, 0))
            ON CONFLICT DO NOTHING;
        UPDATE unit_task_counts SET
            draft = draft + (NEW.status = 'draft')::int,
            assigned = assigned + (NEW.status = 'assigned')::int,
            in_progress = in_progress + (NEW.status = 'in_progress')::int,
            completion_requested = completion_requested + (NEW.status = 'completion_requested')::int,
            closed = closed + (NEW.status = 'closed')::int,
            suspended = suspended + (NEW.status = 'suspended')::int
        WHERE unit_key = COALESCE(NEW.lead_unit_id, 0);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tasks_count_insert_delete AFTER INSERT OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_count();
CREATE TRIGGER tasks_count_update AFTER UPDATE OF lead_unit_id, status ON tasks
    FOR EACH ROW
    WHEN (OLD.lead_unit_id IS DISTINCT FROM NEW.lead_unit_id OR OLD.status <> NEW.status)
    EXECUTE FUNCTION tasks_count();
