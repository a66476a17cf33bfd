-- A membership carries its user's name (kept in step when the user is renamed), so that a
-- department's members are listed in name order from one index: a page reads the users it
-- shows, not every member to sort them.
ALTER TABLE department_members ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
UPDATE department_members SET user_name = (
    SELECT u.name FROM users u
    WHERE u.account_id = department_members.account_id AND u.id = department_members.user_id);
CREATE INDEX department_members_name_idx
    ON department_members (department_id, user_name, user_id, account_id);
