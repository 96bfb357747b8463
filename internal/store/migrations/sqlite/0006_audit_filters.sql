-- The audit log is read newest first within an organization, often filtered
-- by action, actor or target: one index for each, each ending in the ID the
-- pages are cut on.
CREATE INDEX audit_events_org_action ON audit_events (organization_id, action, id);
CREATE INDEX audit_events_org_actor ON audit_events (organization_id, actor_id, id);
CREATE INDEX audit_events_org_target ON audit_events (organization_id, target_id, id);
