-- Local runtime connections: the installation token, the registered key, the
-- nodes, the leadership lease and failed pushes (SPEC §6).
ALTER TABLE runtimes ADD COLUMN created_by TEXT REFERENCES users (id);
ALTER TABLE runtimes ADD COLUMN token_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE runtimes ADD COLUMN token_expires_at TIMESTAMP;
ALTER TABLE runtimes ADD COLUMN token_used_at TIMESTAMP;
ALTER TABLE runtimes ADD COLUMN public_key TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX runtimes_token_hash ON runtimes (token_hash) WHERE token_hash <> '';
ALTER TABLE runtime_shares ADD COLUMN associated_at TIMESTAMP;

CREATE TABLE runtime_nodes (
    id              TEXT PRIMARY KEY,
    runtime_id      TEXT NOT NULL REFERENCES runtimes (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    hostname        TEXT NOT NULL DEFAULT '',
    ip_addresses    TEXT NOT NULL DEFAULT '[]',
    version         TEXT NOT NULL DEFAULT '',
    reported_status TEXT NOT NULL DEFAULT '',
    connected       INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    last_ping_at    TIMESTAMP,
    reported_at     TIMESTAMP,
    disconnected_at TIMESTAMP
);
CREATE UNIQUE INDEX runtime_nodes_name ON runtime_nodes (runtime_id, name);

CREATE TABLE runtime_leases (
    runtime_id TEXT PRIMARY KEY REFERENCES runtimes (id) ON DELETE CASCADE,
    node_id    TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE runtime_failures (
    id           TEXT PRIMARY KEY,
    runtime_id   TEXT NOT NULL REFERENCES runtimes (id) ON DELETE CASCADE,
    occurred_at  TIMESTAMP NOT NULL,
    message_type TEXT NOT NULL,
    failure      TEXT NOT NULL
);
CREATE INDEX runtime_failures_runtime ON runtime_failures (runtime_id, occurred_at);
