package tenantry

import "time"

// ActorKind says who made a change.
type ActorKind string

const (
	ActorUser     ActorKind = "user"
	ActorOperator ActorKind = "operator"
	ActorRuntime  ActorKind = "runtime"
	ActorSystem   ActorKind = "system"
)

// Audit actions. The names are stable: they are filters in the audit API.
const (
	ActionUserCreated         = "user.created"
	ActionUserUpdated         = "user.updated"
	ActionUserPasswordReset   = "user.password_reset"
	ActionUserDisabled        = "user.disabled"
	ActionUserSetUp           = "user.set_up"
	ActionUserSetupResent     = "user.setup_resent"
	ActionUserPasswordChanged = "user.password_changed"
	ActionTenantCreated       = "tenant.created"
	ActionTenantRenamed       = "tenant.renamed"
	ActionTenantUpdated       = "tenant.updated"
	ActionSubtenantCreated    = "tenant.subtenant_created"
	ActionMemberAdded         = "member.added"
	ActionMemberRoleChanged   = "member.role_changed"
	ActionMemberRemoved       = "member.removed"
	ActionAPIKeyCreated       = "api_key.created"
	ActionAPIKeyDeleted       = "api_key.deleted"
	ActionTenantSignedUp      = "tenant.signed_up"
)

// AuditEvent is an append-only record of a change, written in the change's
// transaction (SPEC §7).
type AuditEvent struct {
	ID             string
	Time           time.Time
	Action         string
	ActorKind      ActorKind
	ActorID        string // user or runtime ID; empty for operator and system
	OrganizationID string
	TenantID       string
	TargetKind     string // "user", "tenant", "api_key", ...
	TargetID       string
	RequestID      string
	SourceAddress  string
	Details        map[string]any
}

// Organization audit actions.
const (
	ActionOrgCreated            = "organization.created"
	ActionOrgDeleted            = "organization.deleted"
	ActionOrgLicenceReplaced    = "organization.licence_replaced"
	ActionOrgAdminAdded         = "administrator.added"
	ActionOrgAdminAddedOperator = "administrator.added_by_operator"
	ActionOrgAdminRemoved       = "administrator.removed"
	ActionOrgAdminLeft          = "administrator.left"
	ActionInvitationCreated     = "invitation.created"
	ActionInvitationResent      = "invitation.resent"
	ActionInvitationRefused     = "invitation.refused"
	ActionInvitationAccepted    = "invitation.accepted"
	ActionInvitationRejected    = "invitation.rejected"
	ActionInvitationCancelled   = "invitation.cancelled"
	ActionInvitationAcked       = "invitation.acknowledged"
	ActionInvitationExpired     = "invitation.expired"
	ActionOrgTenantJoined       = "tenant.joined"
	ActionOrgTenantCreated      = "tenant.created_in_organization"
	ActionOrgTenantRemoved      = "tenant.removed"
)

// Runtime audit actions.
const (
	ActionRuntimeCreated    = "runtime.created"
	ActionRuntimeUpdated    = "runtime.updated"
	ActionRuntimeDeleted    = "runtime.deleted"
	ActionRuntimeRegistered = "runtime.registered"
	ActionRuntimeRefused    = "runtime.refused"
	ActionRuntimeNodeStatus = "runtime.node_status"
)
