package identity

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// Principal kinds, as returned by ParsePrincipal. They match the first path
// segment of the SPIFFE ID.
const (
	KindAgent = "agent"
	KindHuman = "human"
	KindHub   = "hub"
)

// Sentinel errors callers test with errors.Is.
var (
	// ErrInvalidName reports a principal name that breaks NameRule.
	ErrInvalidName = errors.New("invalid name")
	// ErrForeignTrustDomain reports a SPIFFE ID outside the hub's trust domain.
	ErrForeignTrustDomain = errors.New("spiffe id is in another trust domain")
	// ErrUnknownPrincipal reports a SPIFFE ID whose path names no principal.
	ErrUnknownPrincipal = errors.New("spiffe id names no known principal")
)

// NameRule describes valid agent and human names.
const NameRule = "1 to 63 characters, each a lowercase letter a-z, a digit 0-9 or '-'"

var namePattern = regexp.MustCompile(`^[a-z0-9-]{1,63}$`)

// ValidName reports whether name is a valid agent or human name ([a-z0-9-]{1,63}).
func ValidName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("%w %s: must be %s", ErrInvalidName, quoteShort(name), NameRule)
	}
	return nil
}

// AgentID returns spiffe://TD/agent/NAME.
func AgentID(td spiffeid.TrustDomain, name string) (spiffeid.ID, error) {
	return principalID(td, KindAgent, name)
}

// HumanID returns spiffe://TD/human/NAME.
func HumanID(td spiffeid.TrustDomain, name string) (spiffeid.ID, error) {
	return principalID(td, KindHuman, name)
}

// HubID returns spiffe://TD/hub, the hub's own identity.
func HubID(td spiffeid.TrustDomain) (spiffeid.ID, error) {
	id, err := spiffeid.FromSegments(td, KindHub)
	if err != nil {
		return spiffeid.ID{}, fmt.Errorf("hub id: %w", err)
	}
	return id, nil
}

func principalID(td spiffeid.TrustDomain, kind, name string) (spiffeid.ID, error) {
	if err := ValidName(name); err != nil {
		return spiffeid.ID{}, fmt.Errorf("%s id: %w", kind, err)
	}
	id, err := spiffeid.FromSegments(td, kind, name)
	if err != nil {
		return spiffeid.ID{}, fmt.Errorf("%s id: %w", kind, err)
	}
	return id, nil
}

// ParsePrincipal splits a SPIFFE ID of trust domain td into its kind
// (KindAgent, KindHuman or KindHub) and name (empty for the hub). It fails
// with ErrForeignTrustDomain for another trust domain and with
// ErrUnknownPrincipal for any other path shape or an invalid name.
func ParsePrincipal(id spiffeid.ID, td spiffeid.TrustDomain) (kind, name string, err error) {
	if td.IsZero() || !id.MemberOf(td) {
		return "", "", fmt.Errorf("%w: %q is not in %q", ErrForeignTrustDomain, id.String(), td.String())
	}
	segments := strings.Split(strings.TrimPrefix(id.Path(), "/"), "/")
	switch {
	case len(segments) == 1 && segments[0] == KindHub:
		return KindHub, "", nil
	case len(segments) == 2 && (segments[0] == KindAgent || segments[0] == KindHuman):
		if err := ValidName(segments[1]); err != nil {
			return "", "", fmt.Errorf("%w: %q: %w", ErrUnknownPrincipal, id.String(), err)
		}
		return segments[0], segments[1], nil
	}
	return "", "", fmt.Errorf("%w: %q: want /agent/NAME, /human/NAME or /hub", ErrUnknownPrincipal, id.String())
}

// quoteShort quotes s for an error message, truncating long input.
func quoteShort(s string) string {
	const limit = 80
	if len(s) > limit {
		return fmt.Sprintf("%q… (%d bytes)", s[:limit], len(s))
	}
	return fmt.Sprintf("%q", s)
}
