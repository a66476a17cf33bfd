-- A number's destination: the department or the user its incoming calls go to (at most one
-- of the two; neither = not routed). Both are foreign keys within the account, without
-- cascade, so a department or user cannot be deleted while a number routes to it (R8).
-- The call route finds a number by numbers_account_number_uq (account_id, number).
ALTER TABLE numbers
    ADD COLUMN destination_department_id TEXT,
    ADD COLUMN destination_user_id TEXT,
    ADD CONSTRAINT numbers_one_destination_ck
        CHECK (destination_department_id IS NULL OR destination_user_id IS NULL),
    ADD CONSTRAINT numbers_destination_department_fk FOREIGN KEY (account_id, destination_department_id)
        REFERENCES departments (account_id, id),
    ADD CONSTRAINT numbers_destination_user_fk FOREIGN KEY (account_id, destination_user_id)
        REFERENCES users (account_id, id);
CREATE INDEX numbers_destination_department_idx ON numbers (account_id, destination_department_id);
CREATE INDEX numbers_destination_user_idx ON numbers (account_id, destination_user_id);
