-- Substring search (REST `q=`, SCIM co/sw/ew/eq on names, emails and mobiles) through a
-- trigram index, so a search that matches a handful of users costs the same in an account
-- of ten thousand as in one of a million.
--
-- user_search_text indexes every three-character sequence of each user's name, email key
-- and mobile (case-insensitive). It reads its text from `users` by rowid ("external
-- content") and is kept in step by the triggers below; a search asks it for candidate
-- rowids and then tests the users themselves, so the index only ever narrows a search.
CREATE VIRTUAL TABLE user_search_text USING fts5(
    name, email_key, mobile,
    content = 'users', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO user_search_text (user_search_text) VALUES ('rebuild');

CREATE TRIGGER users_search_after_insert AFTER INSERT ON users
BEGIN
    INSERT INTO user_search_text (rowid, name, email_key, mobile)
    VALUES (NEW.rowid, NEW.name, NEW.email_key, NEW.mobile);
END;

CREATE TRIGGER users_search_after_delete AFTER DELETE ON users
BEGIN
    INSERT INTO user_search_text (user_search_text, rowid, name, email_key, mobile)
    VALUES ('delete', OLD.rowid, OLD.name, OLD.email_key, OLD.mobile);
END;

CREATE TRIGGER users_search_after_update AFTER UPDATE OF name, email_key, mobile ON users
BEGIN
    INSERT INTO user_search_text (user_search_text, rowid, name, email_key, mobile)
    VALUES ('delete', OLD.rowid, OLD.name, OLD.email_key, OLD.mobile);
    INSERT INTO user_search_text (rowid, name, email_key, mobile)
    VALUES (NEW.rowid, NEW.name, NEW.email_key, NEW.mobile);
END;
