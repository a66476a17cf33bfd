-- Plan usage (R11) and the start of the free-extension search, kept by the database as users
-- change, so adding a user costs the same in an account of ten users as in one of a million.
--   users_in_use     users not deactivated
--   seats_in_use     of them, those with Panel Access
--   extension_floor  every extension from extension_min up to (not including) this one is
--                    taken; a search for the lowest free extension may start here
ALTER TABLE accounts ADD COLUMN users_in_use INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN seats_in_use INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN extension_floor INTEGER NOT NULL DEFAULT 0;

UPDATE accounts SET
    users_in_use = (SELECT COUNT(*) FROM users u
                    WHERE u.account_id = accounts.id AND u.status <> 'inactive'),
    seats_in_use = (SELECT COUNT(*) FROM users u
                    WHERE u.account_id = accounts.id AND u.status <> 'inactive' AND u.panel_access);

CREATE TRIGGER users_usage_after_insert AFTER INSERT ON users
WHEN NEW.status <> 'inactive'
BEGIN
    UPDATE accounts
    SET users_in_use = users_in_use + 1,
        seats_in_use = seats_in_use + (CASE WHEN NEW.panel_access THEN 1 ELSE 0 END)
    WHERE id = NEW.account_id;
END;

CREATE TRIGGER users_usage_after_delete AFTER DELETE ON users
BEGIN
    UPDATE accounts
    SET users_in_use = users_in_use - (CASE WHEN OLD.status <> 'inactive' THEN 1 ELSE 0 END),
        seats_in_use = seats_in_use
            - (CASE WHEN OLD.status <> 'inactive' AND OLD.panel_access THEN 1 ELSE 0 END),
        extension_floor = MIN(extension_floor, OLD.extension)
    WHERE id = OLD.account_id;
END;

CREATE TRIGGER users_usage_after_update AFTER UPDATE OF status, panel_access, extension ON users
WHEN OLD.status IS NOT NEW.status OR OLD.panel_access IS NOT NEW.panel_access
     OR OLD.extension IS NOT NEW.extension
BEGIN
    UPDATE accounts
    SET users_in_use = users_in_use
            - (CASE WHEN OLD.status <> 'inactive' THEN 1 ELSE 0 END)
            + (CASE WHEN NEW.status <> 'inactive' THEN 1 ELSE 0 END),
        seats_in_use = seats_in_use
            - (CASE WHEN OLD.status <> 'inactive' AND OLD.panel_access THEN 1 ELSE 0 END)
            + (CASE WHEN NEW.status <> 'inactive' AND NEW.panel_access THEN 1 ELSE 0 END),
        extension_floor = (CASE WHEN OLD.extension <> NEW.extension
                                THEN MIN(extension_floor, OLD.extension)
                                ELSE extension_floor END)
    WHERE id = NEW.account_id;
END;


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
