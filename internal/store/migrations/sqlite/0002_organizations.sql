-- Organizations, their licences, administrators and member tenants;
-- invitations; the email outbox; one-time account links; runtime shares.

CREATE TABLE organizations (
    id                     TEXT PRIMARY KEY,
    name                   TEXT NOT NULL,
    licence_id             TEXT NOT NULL,
    licence_text           TEXT NOT NULL,
    licensee               TEXT NOT NULL,
    limit_tenants          INTEGER NOT NULL,
    limit_administrators   INTEGER NOT NULL,
    limit_runtimes         INTEGER NOT NULL,
    limit_users            INTEGER NOT NULL,
    licence_issued_at      TIMESTAMP NOT NULL,
    licence_not_before     TIMESTAMP NOT NULL,
    licence_expires_at     TIMESTAMP NOT NULL,
    licence_development    INTEGER NOT NULL DEFAULT 0,
    expiry_notice_days     INTEGER,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL
);

-- Every licence ID ever used, so that a licence backs one organization only,
-- even after that organization is deleted.
CREATE TABLE licences_used (
    licence_id      TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    issued_at       TIMESTAMP NOT NULL,
    used_at         TIMESTAMP NOT NULL
);

CREATE TABLE org_admins (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id),
    added_at        TIMESTAMP NOT NULL,
    added_by        TEXT REFERENCES users (id),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX org_admins_user ON org_admins (user_id);

-- A top-level tenant belongs to at most one organization: the primary key.
CREATE TABLE org_tenants (
    tenant_id       TEXT PRIMARY KEY REFERENCES tenants (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    added_at        TIMESTAMP NOT NULL,
    added_by        TEXT REFERENCES users (id)
);
CREATE INDEX org_tenants_organization ON org_tenants (organization_id, added_at, tenant_id);

CREATE TABLE invitations (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('tenant', 'user')),
    tenant_id       TEXT REFERENCES tenants (id),
    user_id         TEXT REFERENCES users (id),
    status          TEXT NOT NULL CHECK (status IN ('invited', 'accepted', 'rejected', 'cancelled', 'expired', 'acknowledged')),
    invited_by      TEXT REFERENCES users (id),
    invited_at      TIMESTAMP NOT NULL,
    last_sent_at    TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    completed_by    TEXT REFERENCES users (id),
    completed_at    TIMESTAMP,
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
    id              TEXT PRIMARY KEY,
    message_id      TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_failed ON outbox (created_at) WHERE status = 'failed';

CREATE TABLE user_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('setup', 'reset')),
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE UNIQUE INDEX user_tokens_hash ON user_tokens (token_hash);
CREATE INDEX user_tokens_user ON user_tokens (user_id, kind);

CREATE TABLE runtimes (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    developer_name  TEXT NOT NULL,
    name_norm       TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX runtimes_org_name ON runtimes (organization_id, name_norm);

CREATE TABLE runtime_shares (
    runtime_id TEXT NOT NULL REFERENCES runtimes (id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    PRIMARY KEY (runtime_id, tenant_id)
);
CREATE INDEX runtime_shares_tenant ON runtime_shares (tenant_id);
