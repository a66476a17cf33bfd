-- A department's members in ring order, led by the department: an index led by the
-- account made SQLite's planner read every membership of the account for a question about
-- one user ("which departments is this user in?"), ignoring the (user_id, account_id)
-- index; led by the department it is only ever chosen for one department's members.
DROP INDEX department_members_order_idx;
CREATE INDEX department_members_order_idx
    ON department_members (department_id, position, user_id, account_id);
