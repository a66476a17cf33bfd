-- Plan usage (R11) and the start of the free-extension search, kept by the database as users
-- change, so adding a user costs the same in an account of ten users as in one of a million.
--   users_in_use     users not deactivated
--   seats_in_use     of them, those with Panel Access
--   extension_floor  every extension from extension_min up to (not including) this one is
--                    taken; a search for the lowest free extension may start here
ALTER TABLE accounts ADD COLUMN users_in_use BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN seats_in_use BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN extension_floor BIGINT NOT NULL DEFAULT 0;

UPDATE accounts SET
    users_in_use = (SELECT COUNT(*) FROM users u
                    WHERE u.account_id = accounts.id AND u.status <> 'inactive'),
    seats_in_use = (SELECT COUNT(*) FROM users u
                    WHERE u.account_id = accounts.id AND u.status <> 'inactive' AND u.panel_access);

CREATE FUNCTION users_usage_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d_users BIGINT := 0;
    d_seats BIGINT := 0;
    freed   BIGINT := NULL;
    acct    TEXT;
BEGIN
    IF TG_OP = 'UPDATE' OR TG_OP = 'DELETE' THEN
        acct := OLD.account_id;
        IF OLD.status <> 'inactive' THEN
            d_users := d_users - 1;
            IF OLD.panel_access THEN d_seats := d_seats - 1; END IF;
        END IF;
        IF TG_OP = 'DELETE' THEN
            freed := OLD.extension;
        ELSIF OLD.extension <> NEW.extension THEN
            freed := OLD.extension;
        END IF;
    END IF;
    IF TG_OP = 'UPDATE' OR TG_OP = 'INSERT' THEN
        acct := NEW.account_id;
        IF NEW.status <> 'inactive' THEN
            d_users := d_users + 1;
            IF NEW.panel_access THEN d_seats := d_seats + 1; END IF;
        END IF;
    END IF;
    IF d_users <> 0 OR d_seats <> 0 OR freed IS NOT NULL THEN
        UPDATE accounts
        SET users_in_use = users_in_use + d_users,
            seats_in_use = seats_in_use + d_seats,
            extension_floor = LEAST(extension_floor, COALESCE(freed, extension_floor))
        WHERE id = acct;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_usage AFTER INSERT OR DELETE OR UPDATE OF status, panel_access, extension
ON users FOR EACH ROW EXECUTE FUNCTION users_usage_follow();


-- A department's members and managers are read by department (the primary key); these
-- indexes serve the other direction, a user's departments. Leading with the user id keeps
-- the planner from reading every membership of the account for a one-department question.
DROP INDEX department_members_user_idx;
CREATE INDEX department_members_user_idx ON department_members (user_id, account_id);
DROP INDEX department_managers_user_idx;
CREATE INDEX department_managers_user_idx ON department_managers (user_id, account_id);

-- When a user last answered a call (longest-idle routing, the ring plan): one index probe
-- per member, however many calls they have taken.
CREATE INDEX call_records_user_answered_idx ON call_records (account_id, user_id, outcome, ended_at);
