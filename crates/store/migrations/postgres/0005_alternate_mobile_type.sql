-- users.alternate_work: the identity provider sent the alternate mobile as a work number
-- (SCIM phoneNumbers type "work", as Microsoft Entra maps it) rather than "other".
ALTER TABLE users ADD COLUMN alternate_work BOOLEAN NOT NULL DEFAULT FALSE;
