-- Text search in list order. The users list is ordered by name (then id); a term many users
-- contain (a family name) used to be answered by walking the list and testing every user,
-- which took longer the bigger the account. Now every user has a number that grows with
-- (account, name, id), `search_rank`, and the trigram index uses it as its rowid: the index
-- hands out the matches of a term already in list order, and a page stops at its last user.
-- The index keeps no positions or columns (detail=none): a search asks for rows holding every
-- three-character sequence of a term and tests them exactly, and the index is half the size.
--
-- The numbers leave gaps so that a new or renamed user takes a free number
-- between its neighbours; when a gap runs out, the store spreads the numbers around it again
-- (crates/store/src/search_order.rs). PostgreSQL answers the same searches from its trigram
-- indexes and has no such column.
DROP TRIGGER users_search_after_insert;
DROP TRIGGER users_search_after_delete;
DROP TRIGGER users_search_after_update;
DROP TABLE user_search_text;

ALTER TABLE users ADD COLUMN search_rank INTEGER;
-- Users 2^24 apart, and 2^40 more between accounts (closer only if an install is so big
-- that these would not fit in 62 bits).
UPDATE users SET search_rank = ranked.n * sizes.spacing + ranked.a * sizes.account_gap
FROM (SELECT rowid AS r, row_number() OVER (ORDER BY account_id, name, id) AS n,
             dense_rank() OVER (ORDER BY account_id) AS a
      FROM users) AS ranked,
     (SELECT MIN(16777216, 2305843009213693952 / (COUNT(*) + 1)) AS spacing,
             MIN(1099511627776, 2305843009213693952 / (COUNT(DISTINCT account_id) + 1))
                 AS account_gap
      FROM users) AS sizes
WHERE users.rowid = ranked.r;
CREATE UNIQUE INDEX users_search_rank_uq ON users (search_rank);

CREATE TRIGGER users_search_rank_required BEFORE INSERT ON users
WHEN NEW.search_rank IS NULL
BEGIN
    SELECT RAISE(ABORT, 'users.search_rank is required');
END;

CREATE VIRTUAL TABLE user_search_text USING fts5(
    name, email_key, mobile,
    content = 'users', content_rowid = 'search_rank', tokenize = 'trigram', detail = 'none'
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

-- Only users with a deactivation scheduled are looked up by it: the index holds just those,
-- and adding a user no longer writes to it.
DROP INDEX users_deactivate_at_idx;
CREATE INDEX users_deactivate_at_idx ON users (deactivate_at) WHERE deactivate_at IS NOT NULL;
