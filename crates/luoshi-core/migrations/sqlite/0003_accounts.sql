-- Accounts: users with a role and, for unit roles, a unit; API tokens;
-- sessions; the lock-out counter of failed logins.
--
-- users and api_tokens are audited like the ledger's tables (their secrets
-- enter the trail only as a digest). sessions and login_failures change on
-- every login and are deliberately not audited and not backed up.
-- Flags are 0/1 integers so that audit snapshots are identical on both engines.

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    version              INTEGER NOT NULL,
    login                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    role                 TEXT NOT NULL CHECK (role IN
                           ('admin', 'office', 'unit_lead', 'unit_staff', 'leadership')),
    unit_id              INTEGER REFERENCES units (id),
    password_hash        TEXT NOT NULL,
    must_change_password INTEGER NOT NULL CHECK (must_change_password IN (0, 1)),
    active               INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at           INTEGER NOT NULL
) STRICT;
CREATE INDEX users_unit ON users (unit_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    version      INTEGER NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    -- Not part of the audit snapshot: it changes on use.
    last_used_at INTEGER
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    csrf        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    ended_at    INTEGER
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id) WHERE ended_at IS NULL;

CREATE TABLE login_failures (
    user_id        INTEGER PRIMARY KEY REFERENCES users (id),
    failures       INTEGER NOT NULL,
    locked_until   INTEGER,
    last_failed_at INTEGER NOT NULL
) STRICT;
