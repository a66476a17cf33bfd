-- The head of each account's audit chain, kept on the account row and moved in the same
-- transaction as every event, so that deleting the newest events is caught by verification.
ALTER TABLE accounts ADD COLUMN audit_head_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN audit_head_hash TEXT;
UPDATE accounts SET
    audit_head_seq = COALESCE((SELECT MAX(seq) FROM audit_events e WHERE e.account_id = accounts.id), 0),
    audit_head_hash = (SELECT hash FROM audit_events e WHERE e.account_id = accounts.id ORDER BY seq DESC LIMIT 1);
