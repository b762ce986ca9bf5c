-- The ledger (台账): documents, meetings, units, tasks with their
-- assignment, co-units, progress reports, and the hash-chained audit trail.
-- Every audited table has `id` and `version`; nothing is ever deleted.
-- Times are epoch milliseconds (INTEGER), days are ISO-8601 TEXT.

CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    version     INTEGER NOT NULL,
    name        TEXT,
    kind        TEXT NOT NULL CHECK (kind IN ('text', 'html', 'docx')),
    encoding    TEXT NOT NULL,
    script      TEXT NOT NULL,
    source      TEXT NOT NULL,
    extraction  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL
) STRICT;

CREATE TABLE meetings (
    id          INTEGER PRIMARY KEY,
    version     INTEGER NOT NULL,
    document_id INTEGER NOT NULL UNIQUE REFERENCES documents (id),
    title       TEXT,
    held_on     TEXT,
    body        TEXT,
    chair       TEXT
) STRICT;

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    version     INTEGER NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    parent_id   INTEGER REFERENCES units (id),
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX units_parent ON units (parent_id);

CREATE TABLE tasks (
    id             INTEGER PRIMARY KEY,
    version        INTEGER NOT NULL,
    document_id    INTEGER NOT NULL REFERENCES documents (id),
    parent_id      INTEGER REFERENCES tasks (id),
    ordinal        INTEGER NOT NULL,
    source_ref     TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('theme', 'task')),
    cue            TEXT NOT NULL,
    title          TEXT NOT NULL,
    text           TEXT NOT NULL,
    span_start     INTEGER NOT NULL,
    span_end       INTEGER NOT NULL,
    due_text       TEXT,
    status         TEXT NOT NULL CHECK (status IN
                     ('draft', 'assigned', 'in_progress', 'completion_requested', 'closed', 'suspended')),
    suspended_from TEXT CHECK (suspended_from IN ('assigned', 'in_progress')),
    lead_unit_id   INTEGER REFERENCES units (id),
    owner          TEXT,
    deadline       TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (document_id, ordinal)
) STRICT;
-- One unit's tasks by status, and counts by unit and status.
CREATE INDEX tasks_lead_status ON tasks (lead_unit_id, status);
CREATE INDEX tasks_status ON tasks (status);
CREATE INDEX tasks_parent ON tasks (parent_id);
-- The overdue list: open tasks by deadline.
CREATE INDEX tasks_open_deadline ON tasks (deadline) WHERE status IN ('assigned', 'in_progress');

CREATE TABLE task_co_units (
    id          INTEGER PRIMARY KEY,
    version     INTEGER NOT NULL,
    task_id     INTEGER NOT NULL REFERENCES tasks (id),
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    state       TEXT NOT NULL CHECK (state IN ('active', 'removed')),
    UNIQUE (task_id, unit_id)
) STRICT;
CREATE INDEX task_co_units_unit ON task_co_units (unit_id, task_id) WHERE state = 'active';

CREATE TABLE progress_reports (
    id           INTEGER PRIMARY KEY,
    version      INTEGER NOT NULL,
    task_id      INTEGER NOT NULL REFERENCES tasks (id),
    unit_id      INTEGER REFERENCES units (id),
    kind         TEXT NOT NULL CHECK (kind IN ('progress', 'completion')),
    period       TEXT NOT NULL,
    done         TEXT NOT NULL,
    next_steps   TEXT,
    percent      INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    problems     TEXT,
    evidence     TEXT,
    review_state TEXT NOT NULL CHECK (review_state IN ('submitted', 'accepted', 'returned')),
    review_note  TEXT,
    reviewed_by  TEXT,
    reviewed_at  INTEGER,
    reported_by  TEXT NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;
-- One task's timeline.
CREATE INDEX progress_reports_task ON progress_reports (task_id, id);

-- The audit trail (留痕). Append-only: the triggers below refuse UPDATE and
-- DELETE, and the hash chain shows any change made around them.
CREATE TABLE audit_events (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    entity_table TEXT NOT NULL,
    entity_id    INTEGER NOT NULL,
    task_id      INTEGER,
    action       TEXT NOT NULL,
    note         TEXT,
    before_state TEXT,
    after_state  TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE
) STRICT;
CREATE INDEX audit_events_entity ON audit_events (entity_table, entity_id, id);
CREATE INDEX audit_events_task ON audit_events (task_id, id) WHERE task_id IS NOT NULL;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
