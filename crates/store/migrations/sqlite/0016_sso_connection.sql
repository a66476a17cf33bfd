-- An account's single sign-on connection (OpenID Connect), at most one per account.
-- slug: the account's own sign-in link, /sign-in/<slug>, unique across accounts.
-- client_secret_sealed: the client secret encrypted with the server's secret key; it is
-- never returned. email_domains: a JSON array of the domains whose addresses are sent to
-- this provider from the sign-in page.
CREATE TABLE sso_connections (
    account_id           TEXT    NOT NULL PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    slug                 TEXT    NOT NULL,
    display_name         TEXT    NOT NULL,
    issuer               TEXT    NOT NULL,
    client_id            TEXT    NOT NULL,
    client_secret_sealed TEXT    NOT NULL,
    scopes               TEXT    NOT NULL,
    claim                TEXT    NOT NULL,
    match_field          TEXT    NOT NULL,
    email_domains        TEXT    NOT NULL DEFAULT '[]',
    password_sign_in     BOOLEAN NOT NULL,
    jit                  BOOLEAN NOT NULL,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL
);
CREATE UNIQUE INDEX sso_connections_slug_uq ON sso_connections (slug);

-- Which connection an email domain belongs to: one account per domain, so the sign-in page
-- never offers a company's addresses to another company's provider. Kept in step with
-- sso_connections.email_domains in the same transaction.
CREATE TABLE sso_domains (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    domain     TEXT NOT NULL,
    PRIMARY KEY (account_id, domain)
);
CREATE UNIQUE INDEX sso_domains_domain_uq ON sso_domains (domain);

-- The provider's subject a user signed in as the first time; later sign-ins match by it.
CREATE TABLE sso_identities (
    account_id TEXT   NOT NULL,
    user_id    TEXT   NOT NULL,
    issuer     TEXT   NOT NULL,
    subject    TEXT   NOT NULL,
    linked_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, user_id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX sso_identities_subject_uq ON sso_identities (account_id, issuer, subject);

-- Sign-ins sent to a provider and not yet back: the state (hashed), the issuer they went
-- to, the nonce and the PKCE verifier, until the callback uses them once or they expire.
CREATE TABLE sso_requests (
    state_hash    TEXT   NOT NULL PRIMARY KEY,
    account_id    TEXT   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    issuer        TEXT   NOT NULL,
    nonce         TEXT   NOT NULL,
    code_verifier TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX sso_requests_expires_idx ON sso_requests (expires_at);

-- Sessions started through the provider: signing out of one can end the provider's too.
ALTER TABLE sessions ADD COLUMN via_sso BOOLEAN NOT NULL DEFAULT FALSE;
