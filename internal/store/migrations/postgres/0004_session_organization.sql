-- The organization chosen in a web session (SPEC §1: current organization).
ALTER TABLE sessions ADD COLUMN organization_id UUID;
