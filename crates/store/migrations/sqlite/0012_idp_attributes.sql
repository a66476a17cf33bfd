-- Directory attributes an identity provider sends by default, kept and returned.
--
-- users.idp_attributes: title, preferredLanguage, locale, employeeNumber and the
-- directory's department, as a JSON object (NULL when none is set).
-- users.manager_id: the user's manager, another user of the same account (cleared when that
-- user is deleted).
ALTER TABLE users ADD COLUMN idp_attributes TEXT;
ALTER TABLE users ADD COLUMN manager_id TEXT;
CREATE INDEX users_account_manager_idx ON users (account_id, manager_id);
