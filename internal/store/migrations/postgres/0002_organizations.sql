-- Organizations, their licences, administrators and member tenants;
-- invitations; the email outbox; one-time account links; runtime shares.

CREATE TABLE organizations (
    id                     UUID PRIMARY KEY,
    name                   TEXT NOT NULL,
    licence_id             TEXT NOT NULL,
    licence_text           TEXT NOT NULL,
    licensee               TEXT NOT NULL,
    limit_tenants          INTEGER NOT NULL,
    limit_administrators   INTEGER NOT NULL,
    limit_runtimes         INTEGER NOT NULL,
    limit_users            INTEGER NOT NULL,
    licence_issued_at      TIMESTAMPTZ NOT NULL,
    licence_not_before     TIMESTAMPTZ NOT NULL,
    licence_expires_at     TIMESTAMPTZ NOT NULL,
    licence_development    BOOLEAN NOT NULL DEFAULT FALSE,
    expiry_notice_days     INTEGER,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);

-- Every licence ID ever used, so that a licence backs one organization only,
-- even after that organization is deleted.
CREATE TABLE licences_used (
    licence_id      TEXT PRIMARY KEY,
    organization_id UUID NOT NULL,
    issued_at       TIMESTAMPTZ NOT NULL,
    used_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE org_admins (
    organization_id UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         UUID NOT NULL REFERENCES users (id),
    added_at        TIMESTAMPTZ NOT NULL,
    added_by        UUID REFERENCES users (id),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX org_admins_user ON org_admins (user_id);

-- A top-level tenant belongs to at most one organization: the primary key.
CREATE TABLE org_tenants (
    tenant_id       UUID PRIMARY KEY REFERENCES tenants (id),
    organization_id UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    added_at        TIMESTAMPTZ NOT NULL,
    added_by        UUID REFERENCES users (id)
);
CREATE INDEX org_tenants_organization ON org_tenants (organization_id, added_at, tenant_id);

CREATE TABLE invitations (
    id              UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('tenant', 'user')),
    tenant_id       UUID REFERENCES tenants (id),
    user_id         UUID REFERENCES users (id),
    status          TEXT NOT NULL CHECK (status IN ('invited', 'accepted', 'rejected', 'cancelled', 'expired', 'acknowledged')),
    invited_by      UUID REFERENCES users (id),
    invited_at      TIMESTAMPTZ NOT NULL,
    last_sent_at    TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    completed_by    UUID REFERENCES users (id),
    completed_at    TIMESTAMPTZ,
    CHECK ((kind = 'tenant' AND tenant_id IS NOT NULL AND user_id IS NULL) OR (kind = 'user' AND user_id IS NOT NULL AND tenant_id IS NULL))
);
-- One live row per (organization, target).
CREATE UNIQUE INDEX invitations_live_tenant ON invitations (organization_id, tenant_id)
    WHERE kind = 'tenant' AND status IN ('invited', 'rejected', 'expired');
CREATE UNIQUE INDEX invitations_live_user ON invitations (organization_id, user_id)
    WHERE kind = 'user' AND status IN ('invited', 'rejected', 'expired');
CREATE INDEX invitations_tenant ON invitations (tenant_id, status);
CREATE INDEX invitations_user ON invitations (user_id, status);
CREATE INDEX invitations_org_created ON invitations (organization_id, invited_at);
CREATE INDEX invitations_expiry ON invitations (expires_at) WHERE status = 'invited';

CREATE TABLE outbox (
    id              UUID PRIMARY KEY,
    message_id      TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_failed ON outbox (created_at) WHERE status = 'failed';

CREATE TABLE user_tokens (
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('setup', 'reset')),
    token_hash TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE UNIQUE INDEX user_tokens_hash ON user_tokens (token_hash);
CREATE INDEX user_tokens_user ON user_tokens (user_id, kind);

CREATE TABLE runtimes (
    id              UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    developer_name  TEXT NOT NULL,
    name_norm       TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX runtimes_org_name ON runtimes (organization_id, name_norm);

CREATE TABLE runtime_shares (
    runtime_id UUID NOT NULL REFERENCES runtimes (id) ON DELETE CASCADE,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    PRIMARY KEY (runtime_id, tenant_id)
);
CREATE INDEX runtime_shares_tenant ON runtime_shares (tenant_id);
