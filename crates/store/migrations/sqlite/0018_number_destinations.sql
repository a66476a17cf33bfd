-- A number's destination: the department or the user its incoming calls go to (at most one
-- of the two; neither = not routed). Both are foreign keys within the account, without
-- cascade, so a department or user cannot be deleted while a number routes to it (R8).
--
-- SQLite cannot add a table constraint to an existing table, so the table is rebuilt with
-- the same columns plus the two new ones (nothing references numbers).
CREATE TABLE numbers_new (
    id                         TEXT    NOT NULL PRIMARY KEY,
    account_id                 TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    number                     TEXT    NOT NULL,
    label                      TEXT    NOT NULL DEFAULT '',
    owner_id                   TEXT    NOT NULL,
    created_at                 INTEGER NOT NULL,
    destination_department_id  TEXT,
    destination_user_id        TEXT,
    FOREIGN KEY (account_id, owner_id) REFERENCES users (account_id, id),
    CONSTRAINT numbers_one_destination_ck
        CHECK (destination_department_id IS NULL OR destination_user_id IS NULL),
    CONSTRAINT numbers_destination_department_fk FOREIGN KEY (account_id, destination_department_id)
        REFERENCES departments (account_id, id),
    CONSTRAINT numbers_destination_user_fk FOREIGN KEY (account_id, destination_user_id)
        REFERENCES users (account_id, id)
);
INSERT INTO numbers_new (id, account_id, number, label, owner_id, created_at)
    SELECT id, account_id, number, label, owner_id, created_at FROM numbers;
DROP TABLE numbers;
ALTER TABLE numbers_new RENAME TO numbers;
-- The call route's lookup, on every incoming call: one probe of this index.
CREATE UNIQUE INDEX numbers_account_number_uq ON numbers (account_id, number);
CREATE INDEX numbers_owner_idx ON numbers (account_id, owner_id);
CREATE INDEX numbers_destination_department_idx ON numbers (account_id, destination_department_id);
CREATE INDEX numbers_destination_user_idx ON numbers (account_id, destination_user_id);
