-- What an API or SCIM token may do, kept in process between requests (service::token_cache),
-- is valid only while the account's rights_version is what it was read at. The triggers
-- below move it in the same transaction as any change to what a token's rights derive
-- from, so no write path can forget it; every request reads it with its data.
ALTER TABLE accounts ADD COLUMN rights_version INTEGER NOT NULL DEFAULT 0;

-- A token revoked, expiring, bound to another role or user, renamed (its name is the
-- audit log's actor), rescoped or deleted.
CREATE TRIGGER api_tokens_rights_after_update
AFTER UPDATE OF revoked_at, expires_at, role_id, user_id, name, kind, scopes ON api_tokens
BEGIN
    UPDATE accounts SET rights_version = rights_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER api_tokens_rights_after_delete AFTER DELETE ON api_tokens
BEGIN
    UPDATE accounts SET rights_version = rights_version + 1 WHERE id = OLD.account_id;
END;

-- A token's user deactivated, reactivated, given another role, or deleted.
CREATE TRIGGER users_rights_after_update AFTER UPDATE OF status, role_id ON users
WHEN OLD.status IS NOT NEW.status OR OLD.role_id IS NOT NEW.role_id
BEGIN
    UPDATE accounts SET rights_version = rights_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER users_rights_after_delete AFTER DELETE ON users
BEGIN
    UPDATE accounts SET rights_version = rights_version + 1 WHERE id = OLD.account_id;
END;

-- A role's permissions changed, or the role deleted.
CREATE TRIGGER roles_rights_after_update AFTER UPDATE OF permissions, builtin ON roles
BEGIN
    UPDATE accounts SET rights_version = rights_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER roles_rights_after_delete AFTER DELETE ON roles
BEGIN
    UPDATE accounts SET rights_version = rights_version + 1 WHERE id = OLD.account_id;
END;

-- Ownership passed on (the owner's administrator token acts as the owner).
CREATE TRIGGER accounts_rights_after_owner AFTER UPDATE OF owner_id ON accounts
WHEN OLD.owner_id IS NOT NEW.owner_id
BEGIN
    UPDATE accounts SET rights_version = rights_version + 1 WHERE id = NEW.id;
END;
