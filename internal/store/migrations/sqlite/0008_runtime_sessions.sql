-- Each connection of a node is a session of its own. The lease is held by a
-- session, not by a node name: two connections under one name (a reconnect
-- before the old socket is noticed, or two hosts given the same name) never
-- both lead, and the end of an old session does not mark the live one
-- disconnected.
ALTER TABLE runtime_leases ADD COLUMN session_id TEXT NOT NULL DEFAULT '';
ALTER TABLE runtime_nodes ADD COLUMN session_id TEXT NOT NULL DEFAULT '';

-- The node status last written to the audit log, and when: status changes
-- are audited at most once per node per minute, and a change held back by
-- that rule is written by the minute's sweep instead of being lost.
ALTER TABLE runtime_nodes ADD COLUMN audited_status TEXT NOT NULL DEFAULT '';
ALTER TABLE runtime_nodes ADD COLUMN audited_at TIMESTAMP;
-- Nodes known before this migration start from their present status, so the
-- first sweep does not write an event for every node ever seen.
UPDATE runtime_nodes SET audited_status = CASE WHEN connected = 1 THEN 'connected'
    WHEN disconnected_at IS NOT NULL THEN 'disconnected' ELSE 'lost' END;
