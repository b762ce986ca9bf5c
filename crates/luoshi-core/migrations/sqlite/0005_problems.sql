-- The problem list (问题清单), indicators (指标) and combined progress
-- reports (减负: one report for several tasks). All audited tables; nothing
-- is deleted: a problem is closed (销号) with evidence, an indicator's
-- value for a period is corrected as a new version.
--
-- New tables rather than new columns: `audit verify` compares each current
-- row's canonical snapshot with the trail, so a column added to an audited
-- table would make every existing row look altered.

CREATE TABLE problems (
    id            INTEGER PRIMARY KEY,
    version       INTEGER NOT NULL,
    -- The task and report it was raised from, when it was.
    task_id       INTEGER REFERENCES tasks (id),
    report_id     INTEGER REFERENCES progress_reports (id),
    -- The unit responsible for rectification.
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    description   TEXT NOT NULL,
    found_by      TEXT NOT NULL CHECK (found_by IN ('inspection', 'self_check', 'research', 'public')),
    root_cause    TEXT NOT NULL CHECK (root_cause IN ('mechanism', 'institution', 'execution', 'resources', 'other')),
    -- 问题类别: a name shared by similar problems; '' when none.
    class         TEXT NOT NULL,
    deadline      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'rectifying', 'closed')),
    -- 整改措施 and 佐证材料, as last given.
    measures      TEXT,
    evidence      TEXT,
    created_at    INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    closed_at     INTEGER,
    closed_by     TEXT
) STRICT;
CREATE INDEX problems_unit ON problems (unit_id, id);
CREATE INDEX problems_class ON problems (class, id);

CREATE TABLE indicators (
    id              INTEGER PRIMARY KEY,
    version         INTEGER NOT NULL,
    task_id         INTEGER NOT NULL REFERENCES tasks (id),
    name            TEXT NOT NULL,
    measure         TEXT NOT NULL,
    year            INTEGER NOT NULL,
    -- Decimal text (12.5), so snapshots are the same on both engines.
    annual_target   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    created_by      TEXT NOT NULL
) STRICT;
CREATE INDEX indicators_task ON indicators (task_id, id);

CREATE TABLE indicator_values (
    id            INTEGER PRIMARY KEY,
    version       INTEGER NOT NULL,
    indicator_id  INTEGER NOT NULL REFERENCES indicators (id),
    -- The period's last day: the value is cumulative up to it.
    period_end    TEXT NOT NULL,
    value         TEXT NOT NULL,
    recorded_at   INTEGER NOT NULL,
    recorded_by   TEXT NOT NULL,
    UNIQUE (indicator_id, period_end)
) STRICT;

CREATE TABLE report_batches (
    id          INTEGER PRIMARY KEY,
    version     INTEGER NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    -- Comma-separated ids of the progress reports filed together.
    report_ids  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL
) STRICT;
CREATE INDEX report_batches_unit ON report_batches (unit_id, created_at);
