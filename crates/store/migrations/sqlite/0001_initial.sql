-- Switchboard schema, SQLite dialect. Kept in lockstep with ../postgres/0001_initial.sql
-- (the schema-parity test compares tables, columns and indexes).
-- Times are microseconds since the Unix epoch (UTC); ids are UUID text.

CREATE TABLE accounts (
    id                  TEXT    NOT NULL PRIMARY KEY,
    name                TEXT    NOT NULL,
    plan                TEXT    NOT NULL CHECK (plan IN ('free', 'pro')),
    seat_limit          INTEGER NOT NULL CHECK (seat_limit >= 0),
    extension_min       INTEGER NOT NULL CHECK (extension_min >= 1),
    extension_max       INTEGER NOT NULL CHECK (extension_max >= extension_min AND extension_max <= 999999999),
    default_time_zone   TEXT    NOT NULL,
    sso_enabled         BOOLEAN NOT NULL DEFAULT FALSE,
    sso_managed_fields  TEXT    NOT NULL DEFAULT '[]',
    owner_id            TEXT,
    created_at          INTEGER NOT NULL
);

CREATE TABLE roles (
    id           TEXT    NOT NULL PRIMARY KEY,
    account_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    name_key     TEXT    NOT NULL,
    builtin      TEXT    CHECK (builtin IN ('administrator', 'manager', 'basic')),
    permissions  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX roles_account_id_uq ON roles (account_id, id);
CREATE UNIQUE INDEX roles_account_name_key_uq ON roles (account_id, name_key);
CREATE UNIQUE INDEX roles_account_builtin_uq ON roles (account_id, builtin);

CREATE TABLE users (
    id                TEXT    NOT NULL PRIMARY KEY,
    account_id        TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name              TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    email             TEXT,
    email_key         TEXT,
    mobile            TEXT,
    alternate_mobile  TEXT,
    extension         INTEGER NOT NULL CHECK (extension >= 1),
    role_id           TEXT    NOT NULL,
    panel_access      BOOLEAN NOT NULL,
    receive_calls     BOOLEAN NOT NULL,
    call_hours        TEXT    NOT NULL DEFAULT '{}',
    time_zone         TEXT    NOT NULL,
    availability      TEXT    NOT NULL CHECK (availability IN ('available', 'busy', 'away', 'offline')),
    voicemail         BOOLEAN NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('pending_invite', 'active', 'inactive')),
    external_id       TEXT,
    password_hash     TEXT,
    has_signed_in     BOOLEAN NOT NULL DEFAULT FALSE,
    deactivate_at     INTEGER,
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    CHECK (email IS NOT NULL OR mobile IS NOT NULL),
    CHECK ((email IS NULL) = (email_key IS NULL)),
    FOREIGN KEY (account_id, role_id) REFERENCES roles (account_id, id)
);
CREATE UNIQUE INDEX users_account_id_uq ON users (account_id, id);
CREATE UNIQUE INDEX users_account_email_key_uq ON users (account_id, email_key);
CREATE UNIQUE INDEX users_account_mobile_uq ON users (account_id, mobile);
CREATE UNIQUE INDEX users_account_extension_uq ON users (account_id, extension);
CREATE UNIQUE INDEX users_account_external_id_uq ON users (account_id, external_id);
CREATE INDEX users_account_name_idx ON users (account_id, name, id);
CREATE INDEX users_account_role_idx ON users (account_id, role_id);
CREATE INDEX users_account_status_idx ON users (account_id, status);
CREATE INDEX users_deactivate_at_idx ON users (deactivate_at);

CREATE TABLE user_tags (
    account_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    tag         TEXT NOT NULL,
    PRIMARY KEY (user_id, tag),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE INDEX user_tags_account_tag_idx ON user_tags (account_id, tag);

CREATE TABLE departments (
    id              TEXT    NOT NULL PRIMARY KEY,
    account_id      TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    name_key        TEXT    NOT NULL,
    routing_method  TEXT    NOT NULL CHECK (routing_method IN ('ring_all', 'sequential', 'round_robin', 'longest_idle')),
    ring_time_secs  INTEGER NOT NULL CHECK (ring_time_secs BETWEEN 5 AND 300),
    business_hours  TEXT    NOT NULL DEFAULT '{}',
    time_zone       TEXT    NOT NULL,
    fallback        TEXT    NOT NULL DEFAULT '{"kind":"voicemail"}',
    rotation        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX departments_account_id_uq ON departments (account_id, id);
CREATE UNIQUE INDEX departments_account_name_key_uq ON departments (account_id, name_key);

CREATE TABLE department_members (
    account_id     TEXT    NOT NULL,
    department_id  TEXT    NOT NULL,
    user_id        TEXT    NOT NULL,
    position       INTEGER NOT NULL,
    PRIMARY KEY (department_id, user_id),
    FOREIGN KEY (account_id, department_id) REFERENCES departments (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE INDEX department_members_user_idx ON department_members (account_id, user_id);

-- Managing a department blocks deleting the manager (R8): no cascade from users.
CREATE TABLE department_managers (
    account_id     TEXT NOT NULL,
    department_id  TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    PRIMARY KEY (department_id, user_id),
    FOREIGN KEY (account_id, department_id) REFERENCES departments (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id)
);
CREATE INDEX department_managers_user_idx ON department_managers (account_id, user_id);

CREATE TABLE numbers (
    id          TEXT    NOT NULL PRIMARY KEY,
    account_id  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    number      TEXT    NOT NULL,
    label       TEXT    NOT NULL DEFAULT '',
    owner_id    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, owner_id) REFERENCES users (account_id, id)
);
CREATE UNIQUE INDEX numbers_account_number_uq ON numbers (account_id, number);
CREATE INDEX numbers_owner_idx ON numbers (account_id, owner_id);

CREATE TABLE workflows (
    id          TEXT    NOT NULL PRIMARY KEY,
    account_id  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('automation', 'ivr', 'integration')),
    owner_id    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, owner_id) REFERENCES users (account_id, id)
);
CREATE INDEX workflows_owner_idx ON workflows (account_id, owner_id);

CREATE TABLE invites (
    id          TEXT    NOT NULL PRIMARY KEY,
    account_id  TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    token_hash  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    revoked_at  INTEGER,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX invites_token_hash_uq ON invites (token_hash);
CREATE INDEX invites_user_idx ON invites (account_id, user_id);

CREATE TABLE email_changes (
    id          TEXT    NOT NULL PRIMARY KEY,
    account_id  TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    new_email   TEXT    NOT NULL,
    token_hash  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    revoked_at  INTEGER,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX email_changes_token_hash_uq ON email_changes (token_hash);
CREATE INDEX email_changes_user_idx ON email_changes (account_id, user_id);

CREATE TABLE sessions (
    id          TEXT    NOT NULL PRIMARY KEY,
    account_id  TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    token_hash  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX sessions_token_hash_uq ON sessions (token_hash);
CREATE INDEX sessions_user_idx ON sessions (account_id, user_id);

CREATE TABLE api_tokens (
    id            TEXT    NOT NULL PRIMARY KEY,
    account_id    TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id       TEXT    REFERENCES users (id) ON DELETE SET NULL,
    name          TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('api', 'scim')),
    role_id       TEXT,
    token_hash    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE UNIQUE INDEX api_tokens_token_hash_uq ON api_tokens (token_hash);
CREATE INDEX api_tokens_account_idx ON api_tokens (account_id, user_id);

-- Append-only, hash-chained per account (R12). No foreign keys: events outlive users.
CREATE TABLE audit_events (
    account_id   TEXT    NOT NULL,
    seq          INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    actor_kind   TEXT    NOT NULL,
    actor_id     TEXT,
    actor_name   TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    target_type  TEXT    NOT NULL,
    target_id    TEXT,
    target_name  TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    before_json  TEXT,
    after_json   TEXT,
    prev_hash    TEXT    NOT NULL,
    hash         TEXT    NOT NULL,
    PRIMARY KEY (account_id, seq)
);
CREATE INDEX audit_events_target_idx ON audit_events (account_id, target_id);
CREATE INDEX audit_events_action_idx ON audit_events (account_id, action);

CREATE TABLE outbox (
    id               TEXT    NOT NULL PRIMARY KEY,
    account_id       TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    to_addr          TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    sent_at          INTEGER,
    last_error       TEXT,
    locked_until     INTEGER
);
CREATE INDEX outbox_due_idx ON outbox (sent_at, next_attempt_at);
CREATE INDEX outbox_account_idx ON outbox (account_id, created_at);

-- Finished calls. They keep the answering user's name and extension as they were (R9).
CREATE TABLE call_records (
    id              TEXT    NOT NULL PRIMARY KEY,
    account_id      TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    engine_call_id  TEXT    NOT NULL,
    direction       TEXT    NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    caller          TEXT    NOT NULL,
    number          TEXT    NOT NULL,
    department_id   TEXT,
    user_id         TEXT,
    user_name       TEXT,
    user_extension  INTEGER,
    started_at      INTEGER NOT NULL,
    ended_at        INTEGER NOT NULL,
    outcome         TEXT    NOT NULL CHECK (outcome IN ('answered', 'missed', 'voicemail', 'abandoned'))
);
CREATE UNIQUE INDEX call_records_engine_uq ON call_records (account_id, engine_call_id);
CREATE INDEX call_records_user_idx ON call_records (account_id, user_id, started_at);
