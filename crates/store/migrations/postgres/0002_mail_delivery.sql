-- Mail delivery and invite expiry.
--
-- outbox.status: `pending` until delivered (`sent`) or given up on after the last retry
-- (`failed`; the row stays for admins to read, it is never deleted). A worker claims a
-- pending row by setting `locked_until` (a lease) and a fresh `claim_token`; only the
-- holder of that token may record the outcome.
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'sent', 'failed'));
ALTER TABLE outbox ADD COLUMN claim_token TEXT;
UPDATE outbox SET status = 'sent' WHERE sent_at IS NOT NULL;
DROP INDEX outbox_due_idx;
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);

-- When the scheduler noticed that an unused invite ran out (and audited it).
ALTER TABLE invites ADD COLUMN expired_at BIGINT;
CREATE INDEX invites_expiry_idx ON invites (expires_at);
