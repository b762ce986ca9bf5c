-- Supervision (督办): each assigned task's reporting cycle, and the warning
-- cards (预警, 红黄牌) the rules raise. Both are audited tables; nothing is
-- deleted: a card is cleared with a reason, or superseded by a more severe
-- one (superseded_by), never removed.
--
-- New tables rather than new columns on tasks: `audit verify` compares each
-- current row's canonical snapshot with the trail, so a column added to an
-- audited table would make every existing row look altered.

CREATE TABLE report_cycles (
    id        INTEGER PRIMARY KEY,
    version   INTEGER NOT NULL,
    task_id   INTEGER NOT NULL UNIQUE REFERENCES tasks (id),
    kind      TEXT NOT NULL CHECK (kind IN ('weekly', 'fortnightly', 'monthly', 'quarterly', 'dates')),
    -- Explicit due dates (kind 'dates'), comma-separated ISO days; else ''.
    dates     TEXT NOT NULL,
    -- The day reporting starts (normally the day of assignment).
    starts_on TEXT NOT NULL
) STRICT;

CREATE TABLE cards (
    id            INTEGER PRIMARY KEY,
    version       INTEGER NOT NULL,
    task_id       INTEGER NOT NULL REFERENCES tasks (id),
    -- The task's lead unit when the card was raised.
    unit_id       INTEGER REFERENCES units (id),
    -- The tier's code, name and position in the rules in force.
    tier          TEXT NOT NULL,
    tier_label    TEXT NOT NULL,
    tier_rank     INTEGER NOT NULL,
    -- JSON array of {code, text}.
    reasons       TEXT NOT NULL,
    raised_on     TEXT NOT NULL,
    raised_at     INTEGER NOT NULL,
    cleared_at    INTEGER,
    cleared_by    TEXT,
    clear_reason  TEXT,
    superseded_by INTEGER REFERENCES cards (id)
) STRICT;
CREATE INDEX cards_task ON cards (task_id, id);
CREATE INDEX cards_unit_open ON cards (unit_id, id) WHERE cleared_at IS NULL AND superseded_by IS NULL;
