-- Throttle counters (failed sign-ins, password reset requests, single sign-on starts),
-- shared by every process serving the database. key: a hash of what is counted (the
-- throttle, the client address and maybe an email), never the address or email itself.
-- expires_at: when the count stops mattering; older rows are deleted as new ones are
-- counted.
CREATE TABLE throttles (
    key           TEXT    NOT NULL PRIMARY KEY,
    failures      INTEGER NOT NULL,
    since         BIGINT  NOT NULL,
    blocked_until BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL
);
CREATE INDEX throttles_expires_idx ON throttles (expires_at);
