-- Local runtime connections: the installation token, the registered key, the
-- nodes, the leadership lease and failed pushes (SPEC §6).
ALTER TABLE runtimes ADD COLUMN created_by UUID REFERENCES users (id);
ALTER TABLE runtimes ADD COLUMN token_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE runtimes ADD COLUMN token_expires_at TIMESTAMPTZ;
ALTER TABLE runtimes ADD COLUMN token_used_at TIMESTAMPTZ;
ALTER TABLE runtimes ADD COLUMN public_key TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX runtimes_token_hash ON runtimes (token_hash) WHERE token_hash <> '';
ALTER TABLE runtime_shares ADD COLUMN associated_at TIMESTAMPTZ;

CREATE TABLE runtime_nodes (
    id              UUID PRIMARY KEY,
    runtime_id      UUID NOT NULL REFERENCES runtimes (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    hostname        TEXT NOT NULL DEFAULT '',
    ip_addresses    TEXT NOT NULL DEFAULT '[]',
    version         TEXT NOT NULL DEFAULT '',
    reported_status TEXT NOT NULL DEFAULT '',
    connected       INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL,
    last_ping_at    TIMESTAMPTZ,
    reported_at     TIMESTAMPTZ,
    disconnected_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX runtime_nodes_name ON runtime_nodes (runtime_id, name);

CREATE TABLE runtime_leases (
    runtime_id UUID PRIMARY KEY REFERENCES runtimes (id) ON DELETE CASCADE,
    node_id    UUID NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE runtime_failures (
    id           UUID PRIMARY KEY,
    runtime_id   UUID NOT NULL REFERENCES runtimes (id) ON DELETE CASCADE,
    occurred_at  TIMESTAMPTZ NOT NULL,
    message_type TEXT NOT NULL,
    failure      TEXT NOT NULL
);
CREATE INDEX runtime_failures_runtime ON runtime_failures (runtime_id, occurred_at);
