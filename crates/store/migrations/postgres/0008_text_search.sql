-- Substring search (REST `q=`, SCIM co/sw/ew/eq on names, emails and mobiles) through
-- trigram indexes, so a search that matches a handful of users costs the same in an account
-- of ten thousand as in one of a million. pg_trgm ships with PostgreSQL and is a trusted
-- extension: the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX users_name_trgm_idx ON users USING gin (LOWER(name) gin_trgm_ops);
CREATE INDEX users_email_key_trgm_idx ON users USING gin (email_key gin_trgm_ops);
CREATE INDEX users_mobile_trgm_idx ON users USING gin (mobile gin_trgm_ops);
