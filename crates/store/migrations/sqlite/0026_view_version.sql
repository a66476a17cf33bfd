-- A user as an account's views show them (REST, SCIM, dashboard) is kept rendered in
-- process between requests (web::views), and is valid only while the account's
-- view_version is what it was read at. The triggers below move it in the same transaction
-- as any change to what a user's view shows, so no write path can forget it; a cached
-- view is served only after reading it (one indexed row) with the rights version.
ALTER TABLE accounts ADD COLUMN view_version INTEGER NOT NULL DEFAULT 0;

-- Every column a view shows (not the search order, the password or the lookup keys).
CREATE TRIGGER users_view_after_update
AFTER UPDATE OF name, email, mobile, alternate_mobile, extension, role_id, panel_access,
    receive_calls, call_hours, time_zone, availability, voicemail, status, external_id,
    has_signed_in, deactivate_at, version, created_at, updated_at, idp_managed, given_name,
    family_name, primary_phone, email_primary, alternate_work, idp_username, idp_attributes,
    manager_id
ON users
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = NEW.account_id;
END;

-- A user added or deleted: moved by the usage counters' triggers (migration 0007), now one
-- update of the account row each instead of two (an add's path is the creates' bound).
DROP TRIGGER users_usage_after_insert;
CREATE TRIGGER users_usage_after_insert AFTER INSERT ON users
BEGIN
    UPDATE accounts
    SET users_in_use = users_in_use + (CASE WHEN NEW.status <> 'inactive' THEN 1 ELSE 0 END),
        seats_in_use = seats_in_use
            + (CASE WHEN NEW.status <> 'inactive' AND NEW.panel_access THEN 1 ELSE 0 END),
        view_version = view_version + 1
    WHERE id = NEW.account_id;
END;

DROP TRIGGER users_usage_after_delete;
CREATE TRIGGER users_usage_after_delete AFTER DELETE ON users
BEGIN
    UPDATE accounts
    SET users_in_use = users_in_use - (CASE WHEN OLD.status <> 'inactive' THEN 1 ELSE 0 END),
        seats_in_use = seats_in_use
            - (CASE WHEN OLD.status <> 'inactive' AND OLD.panel_access THEN 1 ELSE 0 END),
        extension_floor = MIN(extension_floor, OLD.extension),
        view_version = view_version + 1
    WHERE id = OLD.account_id;
END;

CREATE TRIGGER user_tags_view_after_insert AFTER INSERT ON user_tags
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER user_tags_view_after_update AFTER UPDATE ON user_tags
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER user_tags_view_after_delete AFTER DELETE ON user_tags
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = OLD.account_id;
END;

-- Membership (not a member's place in the ring order).
CREATE TRIGGER department_members_view_after_insert AFTER INSERT ON department_members
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER department_members_view_after_update
AFTER UPDATE OF department_id, user_id ON department_members
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER department_members_view_after_delete AFTER DELETE ON department_members
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = OLD.account_id;
END;

-- A department's name (not its ring rotation, which moves with every call).
CREATE TRIGGER departments_view_after_update AFTER UPDATE OF name ON departments
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER departments_view_after_delete AFTER DELETE ON departments
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = OLD.account_id;
END;

CREATE TRIGGER roles_view_after_update AFTER UPDATE OF name ON roles
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER roles_view_after_delete AFTER DELETE ON roles
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = OLD.account_id;
END;

-- Invites and email changes: a view shows the latest of each.
CREATE TRIGGER invites_view_after_insert AFTER INSERT ON invites
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER invites_view_after_update AFTER UPDATE ON invites
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER invites_view_after_delete AFTER DELETE ON invites
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = OLD.account_id;
END;

CREATE TRIGGER email_changes_view_after_insert AFTER INSERT ON email_changes
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER email_changes_view_after_update AFTER UPDATE ON email_changes
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER email_changes_view_after_delete AFTER DELETE ON email_changes
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = OLD.account_id;
END;
