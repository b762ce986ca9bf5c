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
    unit_id INTEGER NOT NULL,
    task_id INTEGER NOT NULL,
    via     INTEGER NOT NULL,
    PRIMARY KEY (unit_id, task_id, via)
) STRICT, WITHOUT ROWID;
CREATE INDEX task_readers_via ON task_readers (via);

INSERT OR IGNORE INTO task_readers (unit_id, task_id, via)
SELECT r.unit_id, x.id, r.via
FROM (SELECT lead_unit_id AS unit_id, id AS via FROM tasks WHERE lead_unit_id IS NOT NULL
      UNION ALL
      SELECT unit_id, task_id FROM task_co_units WHERE state = 'active') r
JOIN (SELECT id, id AS via FROM tasks
      UNION ALL
      SELECT p.id, c.id FROM tasks c JOIN tasks p ON p.id = c.parent_id WHERE p.kind = 'theme') x
  ON x.via = r.via;

-- The rows one task causes: its lead unit and active co-units, each for
-- the task itself and for its parent when that is a theme. Tasks are
-- inserted before their co-units (foreign keys), so an insert has only
-- its lead unit to add.
CREATE TRIGGER task_readers_insert AFTER INSERT ON tasks
WHEN NEW.lead_unit_id IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO task_readers (unit_id, task_id, via)
    VALUES (NEW.lead_unit_id, NEW.id, NEW.id);
    INSERT OR IGNORE INTO task_readers (unit_id, task_id, via)
    SELECT NEW.lead_unit_id, p.id, NEW.id FROM tasks p
    WHERE p.id = NEW.parent_id AND p.kind = 'theme';
END;

CREATE TRIGGER task_readers_update AFTER UPDATE OF lead_unit_id, parent_id, kind ON tasks
WHEN OLD.lead_unit_id IS NOT NEW.lead_unit_id OR OLD.parent_id IS NOT NEW.parent_id
  OR OLD.kind <> NEW.kind
BEGIN
    DELETE FROM task_readers WHERE via = OLD.id;
    INSERT OR IGNORE INTO task_readers (unit_id, task_id, via)
    SELECT u.unit_id, x.id, NEW.id
    FROM (SELECT NEW.lead_unit_id AS unit_id WHERE NEW.lead_unit_id IS NOT NULL
          UNION SELECT unit_id FROM task_co_units WHERE task_id = NEW.id AND state = 'active') u,
         (SELECT NEW.id AS id
          UNION SELECT p.id FROM tasks p WHERE p.id = NEW.parent_id AND p.kind = 'theme') x;
    -- A task that becomes or stops being a theme: its children's rows
    -- for it.
    DELETE FROM task_readers WHERE task_id = NEW.id AND via <> NEW.id AND NEW.kind <> 'theme';
    INSERT OR IGNORE INTO task_readers (unit_id, task_id, via)
    SELECT r.unit_id, NEW.id, r.via FROM tasks c JOIN task_readers r ON r.via = c.id AND r.task_id = c.id
    WHERE c.parent_id = NEW.id AND NEW.kind = 'theme';
END;

-- Tasks are never deleted by luoshi; a row deleted behind its back takes
-- its rows with it.
CREATE TRIGGER task_readers_delete AFTER DELETE ON tasks
BEGIN
    DELETE FROM task_readers WHERE via = OLD.id OR task_id = OLD.id;
END;

CREATE TRIGGER task_readers_co_insert AFTER INSERT ON task_co_units
WHEN NEW.state = 'active'
BEGIN
    INSERT OR IGNORE INTO task_readers (unit_id, task_id, via)
    VALUES (NEW.unit_id, NEW.task_id, NEW.task_id);
    INSERT OR IGNORE INTO task_readers (unit_id, task_id, via)
    SELECT NEW.unit_id, p.id, NEW.task_id FROM tasks c JOIN tasks p ON p.id = c.parent_id
    WHERE c.id = NEW.task_id AND p.kind = 'theme';
END;

-- A co-unit removed, restored or changed: the rows of its task (and of
-- the task it belonged to before) are written again from the task.
CREATE TRIGGER task_readers_co_update AFTER UPDATE OF state, unit_id, task_id ON task_co_units
BEGIN
    DELETE FROM task_readers WHERE via IN (OLD.task_id, NEW.task_id);
    INSERT OR IGNORE INTO task_readers (unit_id, task_id, via)
    SELECT u.unit_id, x.id, c.id
    FROM tasks c
    JOIN (SELECT id AS task_id, lead_unit_id AS unit_id FROM tasks
          WHERE id IN (OLD.task_id, NEW.task_id) AND lead_unit_id IS NOT NULL
          UNION SELECT task_id, unit_id FROM task_co_units
          WHERE task_id IN (OLD.task_id, NEW.task_id) AND state = 'active') u ON u.task_id = c.id
    JOIN (SELECT id, id AS via FROM tasks WHERE id IN (OLD.task_id, NEW.task_id)
          UNION SELECT p.id, c2.id FROM tasks c2 JOIN tasks p ON p.id = c2.parent_id
          WHERE c2.id IN (OLD.task_id, NEW.task_id) AND p.kind = 'theme') x ON x.via = c.id
    WHERE c.id IN (OLD.task_id, NEW.task_id);
END;

CREATE TRIGGER task_readers_co_delete AFTER DELETE ON task_co_units
BEGIN
    DELETE FROM task_readers WHERE via = OLD.task_id;
    INSERT OR IGNORE INTO task_readers (unit_id, task_id, via)
    SELECT u.unit_id, x.id, OLD.task_id
    FROM (SELECT lead_unit_id AS unit_id FROM tasks WHERE id = OLD.task_id AND lead_unit_id IS NOT NULL
          UNION SELECT unit_id FROM task_co_units WHERE task_id = OLD.task_id AND state = 'active') u,
         (SELECT OLD.task_id AS id
          UNION SELECT p.id FROM tasks c JOIN tasks p ON p.id = c.parent_id
          WHERE c.id = OLD.task_id AND p.kind = 'theme') x;
END;

-- The dashboard's tasks at risk (not closed, deadline in the next days):
-- a range of deadlines answered from the index alone, instead of a table
-- read per task in the range for its status.
CREATE INDEX tasks_deadline_status ON tasks (deadline, status);
