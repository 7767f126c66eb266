package policy

import (
	"fmt"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// Request is one authorization question: may Principal do Action on
// Resource, now?
type Request struct {
	Principal Entity
	// Action is a schema action name, "SendMessage", or its UID,
	// Action::"SendMessage".
	Action   string
	Resource Entity
	// Now is the time of the decision (context.now, and when grants are
	// checked for activity). Zero means time.Now().
	Now time.Time
	// Risk is the caller's current risk score (context.risk).
	Risk int64
	// Attrs are the request attributes (context.request): strings, bools,
	// integers, []string, or nested map[string]any.
	Attrs map[string]any
	// Grants are the principal's grants. Only those for this principal
	// that are active at Now count; the rest are ignored, so passing every
	// grant of the principal is fine.
	Grants []store.Grant
}

// Effect is the outcome of a decision.
type Effect int

const (
	Deny Effect = iota
	Allow
	// Approval: a permit allows the action once enough humans approve it.
	Approval
)

func (e Effect) String() string {
	switch e {
	case Allow:
		return "allow"
	case Approval:
		return "approval"
	}
	return "deny"
}

// MarshalText encodes the effect as "allow", "deny" or "approval".
func (e Effect) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// ParseEffect parses "allow", "deny" or "approval".
func ParseEffect(s string) (Effect, error) {
	switch s {
	case "allow":
		return Allow, nil
	case "deny":
		return Deny, nil
	case "approval":
		return Approval, nil
	}
	return Deny, fmt.Errorf("effect %q: want allow, deny or approval", s)
}

// Reasons that are not policy IDs.
const (
	// ReasonDefaultDeny: no permit and no grant matched.
	ReasonDefaultDeny = "default-deny"
	// ReasonNoPolicies: the engine has no policy set applied.
	ReasonNoPolicies = "no-policies"
	// ReasonInvalidRequest: the request could not be evaluated (unknown
	// action or entity type, unsupported attribute).
	ReasonInvalidRequest = "invalid-request"

	grantReasonPrefix = "grant:"
)

// Decision is the engine's answer, with what determined it.
type Decision struct {
	Effect Effect
	// Approvals is the number of approvals needed when Effect is Approval:
	// the largest @approval of the matching permits.
	Approvals int
	// Reasons name what determined the decision: the matching forbid
	// policies (deny), the matching permits or "grant:<id>" (allow), the
	// matching @approval permits (approval), the policies that failed to
	// evaluate (deny), or ReasonDefaultDeny / ReasonNoPolicies /
	// ReasonInvalidRequest.
	Reasons []string
	// Errors are evaluation errors, "<policy id>: message"; any error
	// makes the decision Deny.
	Errors []string
	// Version is the policy version that made the decision.
	Version int64
}

// Allowed reports whether the action may proceed now.
func (d Decision) Allowed() bool { return d.Effect == Allow }
