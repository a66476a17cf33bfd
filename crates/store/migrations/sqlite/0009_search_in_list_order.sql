-- Text search in list order. The users list is ordered by name (then id); a term many users
-- contain (a family name) used to be answered by walking the list and testing every user,
-- which took longer the bigger the account. Now every user has a number that grows with
-- (account, name, id), `search_rank`, and the trigram index uses it as its rowid: the index
-- hands out the matches of a term already in list order, and a page stops at its last user.
--
-- The numbers leave gaps (2^32 apart here) so that a new or renamed user takes a free number
-- between its neighbours; when a gap runs out, the store spreads the numbers around it again
-- (crates/store/src/search_order.rs). PostgreSQL answers the same searches from its trigram
-- indexes and has no such column.
DROP TRIGGER users_search_after_insert;
DROP TRIGGER users_search_after_delete;
DROP TRIGGER users_search_after_update;
DROP TABLE user_search_text;

ALTER TABLE users ADD COLUMN search_rank INTEGER;
UPDATE users SET search_rank = ranked.n * 4294967296
FROM (SELECT rowid AS r, row_number() OVER (ORDER BY account_id, name, id) AS n FROM users)
    AS ranked
WHERE users.rowid = ranked.r;
CREATE UNIQUE INDEX users_search_rank_uq ON users (search_rank);

CREATE TRIGGER users_search_rank_required BEFORE INSERT ON users
WHEN NEW.search_rank IS NULL
BEGIN
    SELECT RAISE(ABORT, 'users.search_rank is required');
END;

CREATE VIRTUAL TABLE user_search_text USING fts5(
    name, email_key, mobile,
    content = 'users', content_rowid = 'search_rank', tokenize = 'trigram'
);
INSERT INTO user_search_text (user_search_text) VALUES ('rebuild');

CREATE TRIGGER users_search_after_insert AFTER INSERT ON users
BEGIN
    INSERT INTO user_search_text (rowid, name, email_key, mobile)
    VALUES (NEW.search_rank, NEW.name, NEW.email_key, NEW.mobile);
END;

CREATE TRIGGER users_search_after_delete AFTER DELETE ON users
BEGIN
    INSERT INTO user_search_text (user_search_text, rowid, name, email_key, mobile)
    VALUES ('delete', OLD.search_rank, OLD.name, OLD.email_key, OLD.mobile);
END;

CREATE TRIGGER users_search_after_update AFTER UPDATE OF name, email_key, mobile, search_rank
ON users
BEGIN
    INSERT INTO user_search_text (user_search_text, rowid, name, email_key, mobile)
    VALUES ('delete', OLD.search_rank, OLD.name, OLD.email_key, OLD.mobile);
    INSERT INTO user_search_text (rowid, name, email_key, mobile)
    VALUES (NEW.search_rank, NEW.name, NEW.email_key, NEW.mobile);
END;
