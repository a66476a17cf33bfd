-- Call history and engine tokens.
--
-- api_tokens.scopes: space-separated. `api` = the REST API within the token's role;
-- `calls:ingest` = may report finished calls (POST /api/v1/calls), for the telephony
-- engine. Existing tokens keep the REST API.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'api';

-- Call lists newest first, by department, and per-user reports over a period.
CREATE INDEX call_records_time_idx ON call_records (account_id, started_at, id);
CREATE INDEX call_records_department_idx ON call_records (account_id, department_id, started_at);
