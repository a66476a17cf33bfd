-- Text search in list order: on SQLite this migration gives every user a number that grows
-- with (account, name, id) and makes it the trigram index's rowid, so the matches of a
-- common term come out of the index in list order. PostgreSQL serves the same searches from
-- the trigram indexes of migration 0008 and needs no such number.

-- Only users with a deactivation scheduled are looked up by it: the index holds just those,
-- and adding a user no longer writes to it.
DROP INDEX users_deactivate_at_idx;
CREATE INDEX users_deactivate_at_idx ON users (deactivate_at) WHERE deactivate_at IS NOT NULL;
