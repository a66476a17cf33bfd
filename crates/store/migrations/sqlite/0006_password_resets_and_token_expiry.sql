-- Password reset links ("Forgot your password?"): single-use and short-lived; like invites,
-- only the SHA-256 of the link's token is stored. A newer link revokes the older ones.
CREATE TABLE password_resets (
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
CREATE UNIQUE INDEX password_resets_token_hash_uq ON password_resets (token_hash);
CREATE INDEX password_resets_user_idx ON password_resets (account_id, user_id);

-- api_tokens.expires_at: when given, the token stops working at that time.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
