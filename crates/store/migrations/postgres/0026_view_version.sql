-- A user as an account's views show them (REST, SCIM, dashboard) is kept rendered in
-- process between requests (web::views), and is valid only while the account's
-- view_version is what it was read at. The triggers below move it in the same transaction
-- as any change to what a user's view shows, so no write path can forget it; a cached
-- view is served only after reading it (one indexed row) with the rights version.
ALTER TABLE accounts ADD COLUMN view_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION view_follow_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET view_version = view_version + 1 WHERE id = NEW.account_id;
    RETURN NULL;
END
$$;

-- Rows added or removed: once per statement (an import or a deletion may touch many).
CREATE FUNCTION view_follow_came() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET view_version = view_version + 1
    WHERE id IN (SELECT DISTINCT account_id FROM came);
    RETURN NULL;
END
$$;

CREATE FUNCTION view_follow_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET view_version = view_version + 1
    WHERE id IN (SELECT DISTINCT account_id FROM gone);
    RETURN NULL;
END
$$;

-- Every column a view shows (not the search order, the password or the lookup keys).
CREATE TRIGGER users_view_update
AFTER UPDATE OF name, email, mobile, alternate_mobile, extension, role_id, panel_access,
    receive_calls, call_hours, time_zone, availability, voicemail, status, external_id,
    has_signed_in, deactivate_at, version, created_at, updated_at, idp_managed, given_name,
    family_name, primary_phone, email_primary, alternate_work, idp_username, idp_attributes,
    manager_id
ON users FOR EACH ROW EXECUTE FUNCTION view_follow_row();
CREATE TRIGGER users_view_insert AFTER INSERT ON users REFERENCING NEW TABLE AS came
FOR EACH STATEMENT EXECUTE FUNCTION view_follow_came();
CREATE TRIGGER users_view_delete AFTER DELETE ON users REFERENCING OLD TABLE AS gone
FOR EACH STATEMENT EXECUTE FUNCTION view_follow_gone();

CREATE TRIGGER user_tags_view_insert AFTER INSERT ON user_tags REFERENCING NEW TABLE AS came
FOR EACH STATEMENT EXECUTE FUNCTION view_follow_came();
CREATE TRIGGER user_tags_view_update AFTER UPDATE ON user_tags
FOR EACH ROW EXECUTE FUNCTION view_follow_row();
CREATE TRIGGER user_tags_view_delete AFTER DELETE ON user_tags REFERENCING OLD TABLE AS gone
FOR EACH STATEMENT EXECUTE FUNCTION view_follow_gone();

-- Membership (not a member's place in the ring order).
CREATE TRIGGER department_members_view_insert AFTER INSERT ON department_members
REFERENCING NEW TABLE AS came FOR EACH STATEMENT EXECUTE FUNCTION view_follow_came();
CREATE TRIGGER department_members_view_update
AFTER UPDATE OF department_id, user_id ON department_members
FOR EACH ROW EXECUTE FUNCTION view_follow_row();
CREATE TRIGGER department_members_view_delete AFTER DELETE ON department_members
REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION view_follow_gone();

-- A department's name (not its ring rotation, which moves with every call).
CREATE TRIGGER departments_view_update AFTER UPDATE OF name ON departments
FOR EACH ROW EXECUTE FUNCTION view_follow_row();
CREATE TRIGGER departments_view_delete AFTER DELETE ON departments
REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION view_follow_gone();

CREATE TRIGGER roles_view_update AFTER UPDATE OF name ON roles
FOR EACH ROW EXECUTE FUNCTION view_follow_row();
CREATE TRIGGER roles_view_delete AFTER DELETE ON roles
REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION view_follow_gone();

-- Invites and email changes: a view shows the latest of each.
CREATE TRIGGER invites_view_insert AFTER INSERT ON invites REFERENCING NEW TABLE AS came
FOR EACH STATEMENT EXECUTE FUNCTION view_follow_came();
CREATE TRIGGER invites_view_update AFTER UPDATE ON invites
FOR EACH ROW EXECUTE FUNCTION view_follow_row();
CREATE TRIGGER invites_view_delete AFTER DELETE ON invites REFERENCING OLD TABLE AS gone
FOR EACH STATEMENT EXECUTE FUNCTION view_follow_gone();

CREATE TRIGGER email_changes_view_insert AFTER INSERT ON email_changes
REFERENCING NEW TABLE AS came FOR EACH STATEMENT EXECUTE FUNCTION view_follow_came();
CREATE TRIGGER email_changes_view_update AFTER UPDATE ON email_changes
FOR EACH ROW EXECUTE FUNCTION view_follow_row();
CREATE TRIGGER email_changes_view_delete AFTER DELETE ON email_changes
REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION view_follow_gone();
