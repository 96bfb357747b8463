-- Member tenants are listed by name, page by page. Keeping the tenant's
-- normalized name beside its membership lets a page be read from one index,
-- however large the organization.
ALTER TABLE org_tenants ADD COLUMN name_norm TEXT NOT NULL DEFAULT '';
UPDATE org_tenants SET name_norm = (SELECT t.name_norm FROM tenants t WHERE t.id = org_tenants.tenant_id);
CREATE INDEX org_tenants_organization_name ON org_tenants (organization_id, name_norm, tenant_id);
