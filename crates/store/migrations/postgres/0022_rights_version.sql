-- What an API or SCIM token may do, kept in process between requests (service::token_cache),
-- is valid only while the account's rights_version is what it was read at. The triggers
-- below move it in the same transaction as any change to what a token's rights derive
-- from, so no write path can forget it; every request reads it with its data.
ALTER TABLE accounts ADD COLUMN rights_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION rights_follow_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE accounts SET rights_version = rights_version + 1 WHERE id = OLD.account_id;
    ELSE
        UPDATE accounts SET rights_version = rights_version + 1 WHERE id = NEW.account_id;
    END IF;
    RETURN NULL;
END
$$;

-- A token revoked, expiring, bound to another role or user, renamed (its name is the
-- audit log's actor), rescoped or deleted.
CREATE TRIGGER api_tokens_rights
AFTER UPDATE OF revoked_at, expires_at, role_id, user_id, name, kind, scopes OR DELETE
ON api_tokens FOR EACH ROW EXECUTE FUNCTION rights_follow_row();

-- A token's user deactivated, reactivated or given another role.
CREATE TRIGGER users_rights AFTER UPDATE OF status, role_id ON users FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.role_id IS DISTINCT FROM NEW.role_id)
EXECUTE FUNCTION rights_follow_row();

-- Users deleted: once per statement (an account's users may go in one).
CREATE FUNCTION users_rights_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET rights_version = rights_version + 1
    WHERE id IN (SELECT DISTINCT account_id FROM gone_users);
    RETURN NULL;
END
$$;

CREATE TRIGGER users_rights_delete AFTER DELETE ON users
REFERENCING OLD TABLE AS gone_users
FOR EACH STATEMENT EXECUTE FUNCTION users_rights_gone();

-- A role's permissions changed, or the role deleted.
CREATE TRIGGER roles_rights AFTER UPDATE OF permissions, builtin OR DELETE ON roles
FOR EACH ROW EXECUTE FUNCTION rights_follow_row();

-- Ownership passed on (the owner's administrator token acts as the owner).
CREATE FUNCTION accounts_rights_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.rights_version := OLD.rights_version + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER accounts_rights_owner BEFORE UPDATE OF owner_id ON accounts FOR EACH ROW
WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id)
EXECUTE FUNCTION accounts_rights_owner();
