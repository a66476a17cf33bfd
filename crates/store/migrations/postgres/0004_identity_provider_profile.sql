-- What an identity provider keeps about users and departments.
--
-- users.idp_managed: provisioned or linked over SCIM; the fields the account's identity
-- provider owns are read-only elsewhere (R6). Users with an external id already were.
-- users.given_name / family_name: the name's parts as the identity provider sent them.
-- users.primary_phone: which number it marked primary ('mobile', 'alternate', or 'neither').
-- users.email_primary: whether it marked the email primary.
-- departments.external_id: the identity provider's id of the group a department is.
-- departments.updated_at: when its settings, members or managers last changed.
ALTER TABLE users ADD COLUMN idp_managed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN given_name TEXT;
ALTER TABLE users ADD COLUMN family_name TEXT;
ALTER TABLE users ADD COLUMN primary_phone TEXT CHECK (primary_phone IN ('mobile', 'alternate', 'neither'));
ALTER TABLE users ADD COLUMN email_primary BOOLEAN;
UPDATE users SET idp_managed = TRUE WHERE external_id IS NOT NULL;

ALTER TABLE departments ADD COLUMN external_id TEXT;
ALTER TABLE departments ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE departments SET updated_at = created_at;
CREATE UNIQUE INDEX departments_account_external_id_uq ON departments (account_id, external_id);
