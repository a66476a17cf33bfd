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
ALTER TABLE departments ADD COLUMN members_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE departments ADD COLUMN phones_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER department_members_route_after_insert AFTER INSERT ON department_members
BEGIN
    UPDATE departments SET members_version = members_version + 1 WHERE id = NEW.department_id;
END;

CREATE TRIGGER department_members_route_after_delete AFTER DELETE ON department_members
BEGIN
    UPDATE departments SET members_version = members_version + 1 WHERE id = OLD.department_id;
END;

CREATE TRIGGER department_members_route_after_update AFTER UPDATE ON department_members
BEGIN
    UPDATE departments SET members_version = members_version + 1
    WHERE id IN (OLD.department_id, NEW.department_id);
END;

CREATE TRIGGER users_route_after_update
AFTER UPDATE OF extension, mobile, status, receive_calls, call_hours, time_zone, availability,
    voicemail ON users
WHEN OLD.extension IS NOT NEW.extension OR OLD.mobile IS NOT NEW.mobile
    OR OLD.status IS NOT NEW.status OR OLD.receive_calls IS NOT NEW.receive_calls
    OR OLD.call_hours IS NOT NEW.call_hours OR OLD.time_zone IS NOT NEW.time_zone
    OR OLD.availability IS NOT NEW.availability OR OLD.voicemail IS NOT NEW.voicemail
BEGIN
    UPDATE departments SET members_version = members_version + 1
    WHERE id IN (SELECT department_id FROM department_members
                 WHERE user_id = NEW.id AND account_id = NEW.account_id);
END;

CREATE TRIGGER sip_credentials_route_after_insert AFTER INSERT ON sip_credentials
WHEN NEW.contact IS NOT NULL
BEGIN
    UPDATE departments SET phones_version = phones_version + 1
    WHERE id IN (SELECT department_id FROM department_members
                 WHERE user_id = NEW.user_id AND account_id = NEW.account_id);
END;

CREATE TRIGGER sip_credentials_route_after_delete AFTER DELETE ON sip_credentials
WHEN OLD.contact IS NOT NULL
BEGIN
    UPDATE departments SET phones_version = phones_version + 1
    WHERE id IN (SELECT department_id FROM department_members
                 WHERE user_id = OLD.user_id AND account_id = OLD.account_id);
END;

CREATE TRIGGER sip_credentials_route_after_update AFTER UPDATE ON sip_credentials
WHEN OLD.contact IS NOT NEW.contact OR OLD.received IS NOT NEW.received
    OR OLD.registered_until IS NOT NEW.registered_until
BEGIN
    UPDATE departments SET phones_version = phones_version + 1
    WHERE id IN (SELECT department_id FROM department_members
                 WHERE user_id = NEW.user_id AND account_id = NEW.account_id);
END;
