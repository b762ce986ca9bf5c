-- Supervision notices (督办通知): one row per notice issued, so that each
-- year's numbers (督〔2026〕N号) are never reused. Audited (a notice issued
-- is an event of the trail); nothing is deleted.
CREATE TABLE notices (
    id          INTEGER PRIMARY KEY,
    version     INTEGER NOT NULL,
    year        INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    -- The addressee: the task's lead unit, or the unit named.
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    -- The task of a notice about one task; NULL for a notice to a unit.
    task_id     INTEGER REFERENCES tasks (id),
    -- The tasks the notice names, ids joined by commas.
    task_ids    TEXT NOT NULL,
    issued_on   TEXT NOT NULL,
    reply_by    TEXT NOT NULL,
    office      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    UNIQUE (year, number)
) STRICT;
CREATE INDEX notices_unit ON notices (unit_id, id);
CREATE INDEX notices_task ON notices (task_id, id);
