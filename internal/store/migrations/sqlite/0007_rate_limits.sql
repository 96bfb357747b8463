-- Rate limits shared by every replica: one row per key (a hashed email or
-- address with its purpose), holding the key's theoretical arrival time in
-- microseconds since the epoch (GCRA). A row whose time has passed is a full
-- bucket and is swept.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tat BIGINT NOT NULL
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);
