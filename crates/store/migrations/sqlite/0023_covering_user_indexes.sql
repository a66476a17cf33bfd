-- What the single-user view and a users-list page read beside each user, answered from
-- the index alone: a user's departments (the membership's department), their latest
-- invite and their latest email change (in the order asked for, so no sort per user).
DROP INDEX department_members_user_idx;
CREATE INDEX department_members_user_idx
    ON department_members (user_id, account_id, department_id);
DROP INDEX invites_user_idx;
CREATE INDEX invites_user_idx ON invites (account_id, user_id, created_at, id);
DROP INDEX email_changes_user_idx;
CREATE INDEX email_changes_user_idx ON email_changes (account_id, user_id, created_at, id);
