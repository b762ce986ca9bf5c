-- Which units may read each task, kept by triggers in the writing
-- transaction: the rule of `store::visibility` as rows, so that a unit's
-- staff pages its tasks through an index instead of collecting every task
-- of its units and the themes above them on each request.
--
-- A unit reads a task when it is the task's lead unit or an active
-- co-unit; it reads a theme when it reads that way a child of the theme.
-- One row per (unit, task, via): `via` is the task whose lead or co-unit
-- the unit is — `task_id` itself, or a child of the theme `task_id` — so
-- that a change to one task's units rewrites exactly the rows it caused.
-- Derived data like `unit_task_counts`: not audited, not in backups'
-- table list; restore inserts tasks and co-units and these triggers fill
-- it; this migration fills it for an existing database.

CREATE TABLE task_readers (
    unit_id BIGINT NOT NULL,
    task_id BIGINT NOT NULL,
    via     BIGINT NOT NULL,
    PRIMARY KEY (unit_id, task_id, via)
);
CREATE INDEX task_readers_via ON task_readers (via);

-- Writes the rows that task `c` causes afresh.
CREATE FUNCTION task_readers_refresh(c BIGINT) RETURNS void LANGUAGE sql AS $$
    DELETE FROM task_readers WHERE via = c;
    INSERT INTO task_readers (unit_id, task_id, via)
    SELECT u.unit_id, x.id, c
    FROM (SELECT lead_unit_id AS unit_id FROM tasks WHERE id = c AND lead_unit_id IS NOT NULL
          UNION SELECT unit_id FROM task_co_units WHERE task_id = c AND state = 'active') u
    CROSS JOIN (SELECT id FROM tasks WHERE id = c
          UNION SELECT p.id FROM tasks t JOIN tasks p ON p.id = t.parent_id
          WHERE t.id = c AND p.kind = 'theme') x
    ON CONFLICT DO NOTHING;
$$;

INSERT INTO task_readers (unit_id, task_id, via)
SELECT r.unit_id, x.id, r.via
FROM (SELECT lead_unit_id AS unit_id, id AS via FROM tasks WHERE lead_unit_id IS NOT NULL
      UNION ALL
      SELECT unit_id, task_id FROM task_co_units WHERE state = 'active') r
JOIN (SELECT id, id AS via FROM tasks
      UNION ALL
      SELECT p.id, c.id FROM tasks c JOIN tasks p ON p.id = c.parent_id WHERE p.kind = 'theme') x
  ON x.via = r.via
ON CONFLICT DO NOTHING;
-- Statistics for the planner now, not when autovacuum gets to the new
-- table: without them a scoped page may be planned as if it were empty.
ANALYZE task_readers;

CREATE FUNCTION task_readers_of_task() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        -- Tasks are never deleted by luoshi; a row deleted behind its
        -- back takes its rows with it.
        DELETE FROM task_readers WHERE via = OLD.id OR task_id = OLD.id;
        RETURN NULL;
    END IF;
    PERFORM task_readers_refresh(NEW.id);
    IF TG_OP = 'UPDATE' AND OLD.kind IS DISTINCT FROM NEW.kind THEN
        -- A task that becomes or stops being a theme: its children's rows
        -- for it.
        DELETE FROM task_readers WHERE task_id = NEW.id AND via <> NEW.id;
        IF NEW.kind = 'theme' THEN
            INSERT INTO task_readers (unit_id, task_id, via)
            SELECT r.unit_id, NEW.id, r.via FROM tasks c
            JOIN task_readers r ON r.via = c.id AND r.task_id = c.id
            WHERE c.parent_id = NEW.id
            ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION task_readers_of_co_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM task_readers_refresh(OLD.task_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.task_id <> OLD.task_id) THEN
        PERFORM task_readers_refresh(NEW.task_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER task_readers_insert AFTER INSERT ON tasks
    FOR EACH ROW WHEN (NEW.lead_unit_id IS NOT NULL)
    EXECUTE FUNCTION task_readers_of_task();
CREATE TRIGGER task_readers_update AFTER UPDATE OF lead_unit_id, parent_id, kind ON tasks
    FOR EACH ROW
    WHEN (OLD.lead_unit_id IS DISTINCT FROM NEW.lead_unit_id
          OR OLD.parent_id IS DISTINCT FROM NEW.parent_id OR OLD.kind <> NEW.kind)
    EXECUTE FUNCTION task_readers_of_task();
CREATE TRIGGER task_readers_delete AFTER DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION task_readers_of_task();
CREATE TRIGGER task_readers_co_insert AFTER INSERT ON task_co_units
    FOR EACH ROW WHEN (NEW.state = 'active')
    EXECUTE FUNCTION task_readers_of_co_unit();
CREATE TRIGGER task_readers_co_update AFTER UPDATE OF state, unit_id, task_id ON task_co_units
    FOR EACH ROW EXECUTE FUNCTION task_readers_of_co_unit();
CREATE TRIGGER task_readers_co_delete AFTER DELETE ON task_co_units
    FOR EACH ROW EXECUTE FUNCTION task_readers_of_co_unit();

-- The dashboard's tasks at risk (not closed, deadline in the next days):
-- a range of deadlines answered from the index alone, instead of a table
-- read per task in the range for its status.
CREATE INDEX tasks_deadline_status ON tasks (deadline, status);
