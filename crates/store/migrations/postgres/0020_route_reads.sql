-- What the call route reads on every call (service::sip::route_cache).
--
-- A department's members in ring order: from this index alone, in order (no table row and
-- no sort per member).
CREATE INDEX department_members_order_idx
    ON department_members (account_id, department_id, position, user_id);

-- Two counters per department, moved by the triggers below in the same transaction as the
-- change, so no write path can forget them: members_version when a member joins, leaves or
-- moves, or a member's routing fields change; phones_version when a member's phone
-- registration changes (or goes with their credentials). The route keeps a department's
-- members between calls and uses them only while both counters are what it read them at.
ALTER TABLE departments ADD COLUMN members_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE departments ADD COLUMN phones_version BIGINT NOT NULL DEFAULT 0;

-- Memberships change many rows at once (a department's members set in one go): once per
-- statement, from the rows it changed.
CREATE FUNCTION department_members_route_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE departments SET members_version = members_version + 1
    WHERE id IN (SELECT DISTINCT department_id FROM changed_members);
    RETURN NULL;
END
$$;

CREATE TRIGGER department_members_route_insert AFTER INSERT ON department_members
REFERENCING NEW TABLE AS changed_members
FOR EACH STATEMENT EXECUTE FUNCTION department_members_route_follow();

CREATE TRIGGER department_members_route_delete AFTER DELETE ON department_members
REFERENCING OLD TABLE AS changed_members
FOR EACH STATEMENT EXECUTE FUNCTION department_members_route_follow();

CREATE TRIGGER department_members_route_update_old AFTER UPDATE ON department_members
REFERENCING OLD TABLE AS changed_members
FOR EACH STATEMENT EXECUTE FUNCTION department_members_route_follow();

CREATE TRIGGER department_members_route_update_new AFTER UPDATE ON department_members
REFERENCING NEW TABLE AS changed_members
FOR EACH STATEMENT EXECUTE FUNCTION department_members_route_follow();

CREATE FUNCTION users_route_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE departments SET members_version = members_version + 1
    WHERE id IN (SELECT department_id FROM department_members
                 WHERE user_id = NEW.id AND account_id = NEW.account_id);
    RETURN NULL;
END
$$;

CREATE TRIGGER users_route
AFTER UPDATE OF extension, mobile, status, receive_calls, call_hours, time_zone, availability,
    voicemail ON users
FOR EACH ROW
WHEN (OLD.extension IS DISTINCT FROM NEW.extension OR OLD.mobile IS DISTINCT FROM NEW.mobile
    OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.receive_calls IS DISTINCT FROM NEW.receive_calls
    OR OLD.call_hours IS DISTINCT FROM NEW.call_hours
    OR OLD.time_zone IS DISTINCT FROM NEW.time_zone
    OR OLD.availability IS DISTINCT FROM NEW.availability
    OR OLD.voicemail IS DISTINCT FROM NEW.voicemail)
EXECUTE FUNCTION users_route_follow();

CREATE FUNCTION sip_credentials_route_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    acct TEXT;
    usr  TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        acct := OLD.account_id;
        usr := OLD.user_id;
    ELSE
        acct := NEW.account_id;
        usr := NEW.user_id;
    END IF;
    UPDATE departments SET phones_version = phones_version + 1
    WHERE id IN (SELECT department_id FROM department_members
                 WHERE user_id = usr AND account_id = acct);
    RETURN NULL;
END
$$;

CREATE TRIGGER sip_credentials_route_insert AFTER INSERT ON sip_credentials
FOR EACH ROW WHEN (NEW.contact IS NOT NULL)
EXECUTE FUNCTION sip_credentials_route_follow();

CREATE TRIGGER sip_credentials_route_delete AFTER DELETE ON sip_credentials
FOR EACH ROW WHEN (OLD.contact IS NOT NULL)
EXECUTE FUNCTION sip_credentials_route_follow();

CREATE TRIGGER sip_credentials_route_update AFTER UPDATE ON sip_credentials
FOR EACH ROW
WHEN (OLD.contact IS DISTINCT FROM NEW.contact OR OLD.received IS DISTINCT FROM NEW.received
    OR OLD.registered_until IS DISTINCT FROM NEW.registered_until)
EXECUTE FUNCTION sip_credentials_route_follow();
