// Package policy authorizes every action in the hub with Cedar
// (github.com/cedar-policy/cedar-go).
//
// Policies are .cedar files validated against the schema shipped with the
// hub (schema.cedarschema). An Engine holds the active, validated policy set
// and decides requests: default deny, forbid wins, any evaluation error
// denies, a permit annotated @approval("N") asks for N human approvals, and
// an active time-bound grant acts as a built-in permit.
//
// LoadCases and RunCases run a table of expected decisions offline, for
// `airlock policy test`.
package policy
