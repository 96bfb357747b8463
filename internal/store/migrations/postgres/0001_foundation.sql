-- Accounts, tenants, memberships, API keys, sign-in sessions and the audit log.

CREATE TABLE users (
    id            UUID PRIMARY KEY,
    email         TEXT NOT NULL,
    email_norm    TEXT NOT NULL,
    first_name    TEXT NOT NULL DEFAULT '',
    last_name     TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL CHECK (status IN ('active', 'pending', 'disabled')),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_email_norm ON users (email_norm);

CREATE TABLE tenants (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    name_norm  TEXT NOT NULL,
    summary    TEXT NOT NULL DEFAULT '',
    parent_id  UUID REFERENCES tenants (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX tenants_top_level_name ON tenants (name_norm) WHERE parent_id IS NULL;
CREATE UNIQUE INDEX tenants_subtenant_name ON tenants (parent_id, name_norm) WHERE parent_id IS NOT NULL;

CREATE TABLE memberships (
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    user_id      UUID NOT NULL REFERENCES users (id),
    role         TEXT NOT NULL CHECK (role IN ('administrator', 'standard')),
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);
CREATE INDEX memberships_tenant_joined ON memberships (tenant_id, created_at, user_id);

CREATE TABLE api_keys (
    id          UUID PRIMARY KEY,
    user_id     UUID NOT NULL,
    tenant_id   UUID NOT NULL,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX api_keys_user_name ON api_keys (user_id, name);
CREATE UNIQUE INDEX api_keys_secret_hash ON api_keys (secret_hash);
CREATE INDEX api_keys_membership ON api_keys (tenant_id, user_id);

CREATE TABLE sessions (
    id           UUID PRIMARY KEY,
    token_hash   TEXT NOT NULL,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id    UUID,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX sessions_token_hash ON sessions (token_hash);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE audit_events (
    id              UUID PRIMARY KEY,
    time            TIMESTAMPTZ NOT NULL,
    action          TEXT NOT NULL,
    actor_kind      TEXT NOT NULL,
    actor_id        TEXT,
    organization_id UUID,
    tenant_id       UUID,
    target_kind     TEXT,
    target_id       TEXT,
    request_id      TEXT,
    source_address  TEXT,
    details         JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_organization ON audit_events (organization_id, id);
CREATE INDEX audit_events_tenant ON audit_events (tenant_id, id);
CREATE INDEX audit_events_time ON audit_events (time);
