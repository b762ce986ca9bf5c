-- Reminders (催办) sent by the scheduler inside `luoshi serve`, the in-app
-- notification centre, and where to reach a unit by e-mail.
--
-- These are system records, not the ledger's: the scheduler writes them
-- many thousand a day, and what they say is derived from the ledger (a
-- report due, a deadline). They are not in the audit chain; they are in
-- backups. Nothing is deleted: a notification is marked read (read_at),
-- a reminder keeps its delivery state.

-- One row per reminder and channel. The UNIQUE key is what makes the
-- scheduler idempotent: a reminder is recorded before it is delivered and
-- a second tick (or a second process) cannot record it again.
CREATE TABLE reminders (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks (id),
    -- report_before | report_due | report_missed |
    -- deadline_before | deadline_due | deadline_missed
    kind        TEXT NOT NULL,
    -- The report due date or the deadline the reminder is about.
    due_on      TEXT NOT NULL,
    -- inapp | webhook | email
    channel     TEXT NOT NULL,
    unit_id     INTEGER REFERENCES units (id),
    text        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    -- NULL while not yet delivered (an external channel that failed is
    -- retried on the next tick).
    sent_at     INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    UNIQUE (task_id, kind, due_on, channel)
) STRICT;
CREATE INDEX reminders_due ON reminders (due_on);
CREATE INDEX reminders_unsent ON reminders (sent_at) WHERE sent_at IS NULL;

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    task_id     INTEGER NOT NULL REFERENCES tasks (id),
    kind        TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    read_at     INTEGER,
    read_by     TEXT
) STRICT;
CREATE INDEX notifications_unit ON notifications (unit_id, id);

CREATE TABLE unit_contacts (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL UNIQUE REFERENCES units (id),
    email       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
