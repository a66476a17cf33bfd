-- Text search in list order: on SQLite this migration gives every user a number that grows
-- with (account, name, id) and makes it the trigram index's rowid, so the matches of a
-- common term come out of the index in list order. PostgreSQL serves the same searches from
-- the trigram indexes of migration 0008 and needs no change; this file keeps the two trees
-- in step.
SELECT 1;
