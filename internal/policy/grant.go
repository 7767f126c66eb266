package policy

import (
	"strings"
	"time"

	"github.com/cedar-policy/cedar-go/types"

	"github.com/airlock-hub/airlock/internal/store"
)

// GrantActive reports whether g is in force at t: created, not expired,
// not revoked. An expired grant needs no clean-up to stop working.
func GrantActive(g store.Grant, t time.Time) bool {
	if t.Before(g.Created) || !t.Before(g.Expires) {
		return false
	}
	return g.Revoked.IsZero() || t.Before(g.Revoked)
}

// grantMatches reports whether g, active at t, covers the request.
// Principal and resource must be equal UIDs (after normalising spaces);
// the action may be written bare or as Action::"name".
func grantMatches(g store.Grant, principal, action, resource string, t time.Time) bool {
	if !GrantActive(g, t) {
		return false
	}
	a := g.Action
	if strings.Contains(a, "::") {
		_, id, err := parseUID(a)
		if err != nil {
			return false
		}
		a = id
	}
	return a == action && sameUID(g.Principal, principal) && sameUID(g.Resource, resource)
}

func sameUID(stored, want string) bool {
	if stored == want {
		return true
	}
	typ, id, err := parseUID(stored)
	return err == nil && types.NewEntityUID(types.EntityType(typ), types.String(id)).String() == want
}

// grantRecords is context.grants: the principal's active grants.
func grantRecords(gs []store.Grant, principal string, t time.Time) types.Set {
	var vs []types.Value
	for _, g := range gs {
		if !GrantActive(g, t) || !sameUID(g.Principal, principal) {
			continue
		}
		action := g.Action
		if _, id, err := parseUID(action); err == nil {
			action = id
		}
		vs = append(vs, types.NewRecord(types.RecordMap{
			"action":   types.String(action),
			"resource": types.String(g.Resource),
		}))
	}
	return types.NewSet(vs...)
}
