-- The SIP domain an account's phones register under (<extension>@<domain>), which is also
-- the digest realm of its users' credentials; one per account, unique across accounts.
CREATE TABLE sip_domains (
    account_id TEXT   NOT NULL PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    domain     TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX sip_domains_domain_uq ON sip_domains (domain);

-- A user's SIP credentials: only the digests of the password (HA1 = H(username:realm:
-- password), RFC 2617 with MD5 and RFC 8760 with SHA-256), never the password. username
-- and realm are the extension and domain they were issued for; deleting the user deletes
-- them, and changing the extension or the domain revokes them.
CREATE TABLE sip_credentials (
    account_id TEXT   NOT NULL,
    user_id    TEXT   NOT NULL,
    username   TEXT   NOT NULL,
    realm      TEXT   NOT NULL,
    ha1_md5    TEXT   NOT NULL,
    ha1_sha256 TEXT   NOT NULL,
    issued_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, user_id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
