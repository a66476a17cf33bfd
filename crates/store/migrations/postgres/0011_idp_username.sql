-- The identity provider's login for a user (SCIM userName, e.g. an Entra UPN), independent
-- of the email.
--
-- users.idp_username: kept exactly as the identity provider sent it.
-- users.idp_username_key: the same lower-cased; unique in the account, so lookups and the
-- uniqueness rule ignore case.
ALTER TABLE users ADD COLUMN idp_username TEXT;
ALTER TABLE users ADD COLUMN idp_username_key TEXT;
CREATE UNIQUE INDEX users_account_idp_username_key_uq ON users (account_id, idp_username_key);
