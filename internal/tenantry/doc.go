// Package tenantry is the domain of Tenantry: the types the product is made of
// (users, tenants, memberships, API keys, audit events), the error codes every
// layer speaks, and the pure rules that decide what is valid. It does no I/O:
// no net/http, no database/sql. Everything here is table-tested.
package tenantry
