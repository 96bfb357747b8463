package tenantry

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Runtime is a local runtime connection: an organization's self-hosted
// engine, its credentials and its nodes (SPEC §6).
type Runtime struct {
	ID             string
	OrganizationID string
	Name           string
	CreatedAt      time.Time
	CreatedBy      *User
	// PublicKey is the registered Ed25519 key (base64); empty until a node
	// registers.
	PublicKey      string
	TokenExpiresAt time.Time
	TokenUsedAt    time.Time
}

// RuntimeShare is a tenant that may use a runtime.
type RuntimeShare struct {
	Tenant       Tenant
	AssociatedAt time.Time
}

// NodeStatus is a node's or a connection's status on the wire (lower case,
// SPEC §9).
type NodeStatus string

const (
	StatusLeader  NodeStatus = "leader"
	StatusOnline  NodeStatus = "online"
	StatusOffline NodeStatus = "offline"
	StatusUnknown NodeStatus = "unknown"
)

// RuntimeNode is one process of a runtime.
type RuntimeNode struct {
	ID             string
	RuntimeID      string
	Name           string
	Hostname       string
	IPAddresses    []string
	Version        string
	ReportedStatus string // what the node says of itself: "healthy", …
	Connected      bool
	CreatedAt      time.Time
	LastPingAt     time.Time
	ReportedAt     time.Time
	DisconnectedAt time.Time
	// Session is the connection that last connected as this node; a
	// connection's own copy holds its own session.
	Session string
}

// Runtime timings (SPEC §6).
const (
	InstallationTokenTTL  = 24 * time.Hour
	LeaseTTL              = 15 * time.Second
	DefaultHealthWindow   = 2 * time.Minute
	NodeForgottenAfter    = 24 * time.Hour
	ChallengeTTL          = 10 * time.Second
	DefaultReportInterval = 30 * time.Second
	PingInterval          = 5 * time.Second
	FailureRetention      = 30 * 24 * time.Hour
)

// Status is the node's status at now: leader while it holds the lease,
// online when it reported healthy within the window, offline after a clean
// disconnect, else unknown.
func (n RuntimeNode) Status(leader bool, now time.Time, window time.Duration) NodeStatus {
	switch {
	case n.Connected && leader:
		return StatusLeader
	case n.Connected && n.ReportedStatus == "healthy" && !n.ReportedAt.IsZero() && now.Sub(n.ReportedAt) <= window:
		return StatusOnline
	case !n.Connected && !n.DisconnectedAt.IsZero():
		return StatusOffline
	}
	return StatusUnknown
}

// ConnectionStatus is a runtime's status from its nodes' statuses: online if
// any is leader or online, offline if all are offline, else unknown.
func ConnectionStatus(statuses []NodeStatus) NodeStatus {
	if len(statuses) == 0 {
		return StatusUnknown
	}
	allOffline := true
	for _, s := range statuses {
		if s == StatusLeader || s == StatusOnline {
			return StatusOnline
		}
		if s != StatusOffline {
			allOffline = false
		}
	}
	if allOffline {
		return StatusOffline
	}
	return StatusUnknown
}

// ValidateRuntimeName checks a connection's name: 1–100 printable characters.
func ValidateRuntimeName(name string) error {
	if strings.TrimSpace(name) == "" {
		return errors.New("a name is required")
	}
	if utf8.RuneCountInString(name) > 100 || !printable(name) {
		return errors.New("names are at most 100 printable characters")
	}
	return nil
}

// ValidateNodeName checks a node's name (hostname + listen address by
// default): 1–200 printable characters.
func ValidateNodeName(name string) error {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 200 || !printable(name) {
		return errors.New("a node name is 1 to 200 printable characters")
	}
	return nil
}
