// Package runtime is both ends of a local runtime connection (SPEC §6): the
// hub, which accepts nodes' WebSockets on the platform, proves them by their
// Ed25519 key, keeps their leadership lease and pushes shares and revocation;
// and the agent, the node process (`tenantry runtime`) that registers, connects
// and serves its health.
package runtime

import (
	"crypto/ed25519"
	"encoding/json"
	"time"
)

// Message is one WebSocket frame of the protocol: JSON with a type.
//
//	platform → node: challenge, welcome, tenants, leadership, revoked, error
//	node → platform: hello, report
type Message struct {
	Type string `json:"type"`

	// challenge
	Nonce     []byte    `json:"nonce,omitempty"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`

	// hello
	RuntimeID string `json:"runtimeId,omitempty"`
	Node      string `json:"node,omitempty"`
	Signature []byte `json:"signature,omitempty"`

	// welcome, tenants
	NodeID  string   `json:"nodeId,omitempty"`
	Tenants []Tenant `json:"tenants,omitempty"`
	// welcome, leadership
	Leader *bool `json:"leader,omitempty"`

	// report
	Report *Report `json:"report,omitempty"`

	// error, revoked
	Reason string `json:"reason,omitempty"`
}

// Tenant is a tenant shared with a runtime, as nodes learn it.
type Tenant struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Report is what a node says about itself.
type Report struct {
	Hostname    string   `json:"hostname"`
	IPAddresses []string `json:"ipAddresses"`
	Version     string   `json:"version"`
	Status      string   `json:"status"`
}

// Message types.
const (
	TypeChallenge  = "challenge"
	TypeHello      = "hello"
	TypeWelcome    = "welcome"
	TypeTenants    = "tenants"
	TypeLeadership = "leadership"
	TypeRevoked    = "revoked"
	TypeReport     = "report"
	TypeError      = "error"
)

// Close codes the platform uses.
const (
	CloseRevoked      = 4001 // the connection was deleted
	CloseUnauthorized = 4003 // the node did not prove itself
)

// signedPayload is what a node signs to answer a challenge: the nonce bound to
// the runtime and node it claims to be.
func signedPayload(nonce []byte, runtimeID, node string) []byte {
	b := []byte("tenantry runtime connect\x00")
	b = append(b, nonce...)
	b = append(b, 0)
	b = append(b, runtimeID...)
	b = append(b, 0)
	return append(b, node...)
}

// Sign answers a challenge.
func Sign(key ed25519.PrivateKey, nonce []byte, runtimeID, node string) []byte {
	return ed25519.Sign(key, signedPayload(nonce, runtimeID, node))
}

func verify(pub ed25519.PublicKey, nonce []byte, runtimeID, node string, sig []byte) bool {
	return len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, signedPayload(nonce, runtimeID, node), sig)
}

func encodeMsg(m Message) []byte {
	b, _ := json.Marshal(m)
	return b
}

func boolPtr(b bool) *bool { return &b }
