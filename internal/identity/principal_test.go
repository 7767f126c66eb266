package identity_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"billing", true},
		{"a", true},
		{"agent-7", true},
		{"0", true},
		{strings.Repeat("a", 63), true},
		{"", false},
		{strings.Repeat("a", 64), false},
		{"Billing", false},
		{"bill_ing", false},
		{"bill.ing", false},
		{"bill/ing", false},
		{"bill ing", false},
		{"bïlling", false},
		{"billing\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := identity.ValidName(tt.name)
			if got := err == nil; got != tt.ok {
				t.Fatalf("ValidName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
			}
			if err != nil {
				if !errors.Is(err, identity.ErrInvalidName) || !strings.Contains(err.Error(), identity.NameRule) {
					t.Errorf("error %q does not wrap ErrInvalidName and quote the rule", err)
				}
			}
		})
	}
}

func TestValidNameErrorTruncatesLongInput(t *testing.T) {
	err := identity.ValidName(strings.Repeat("X", 10000))
	if err == nil || len(err.Error()) > 300 {
		t.Errorf("error length = %d, want a short error", len(err.Error()))
	}
}

func TestPrincipalIDs(t *testing.T) {
	hub, err := identity.HubID(td)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		fn   func(spiffeid.TrustDomain, string) (spiffeid.ID, error)
		name string
		want string
	}{
		{identity.AgentID, "billing", "spiffe://example.org/agent/billing"},
		{identity.HumanID, "alice", "spiffe://example.org/human/alice"},
	}
	for _, tt := range tests {
		got, err := tt.fn(td, tt.name)
		if err != nil || got.String() != tt.want {
			t.Errorf("id(%q) = %v, %v; want %s", tt.name, got, err, tt.want)
		}
		if _, err := tt.fn(td, "Bad/Name"); !errors.Is(err, identity.ErrInvalidName) {
			t.Errorf("id(Bad/Name) err = %v, want ErrInvalidName", err)
		}
		if _, err := tt.fn(spiffeid.TrustDomain{}, tt.name); err == nil {
			t.Errorf("id with zero trust domain succeeded, want error")
		}
	}
	if got, want := hub.String(), "spiffe://example.org/hub"; got != want {
		t.Errorf("HubID = %s, want %s", got, want)
	}
}

func TestParsePrincipal(t *testing.T) {
	tests := []struct {
		id       string
		kind     string
		name     string
		sentinel error
	}{
		{"spiffe://example.org/agent/billing", identity.KindAgent, "billing", nil},
		{"spiffe://example.org/human/alice", identity.KindHuman, "alice", nil},
		{"spiffe://example.org/hub", identity.KindHub, "", nil},
		{"spiffe://other.example/agent/billing", "", "", identity.ErrForeignTrustDomain},
		{"spiffe://example.org.evil/agent/billing", "", "", identity.ErrForeignTrustDomain},
		{"spiffe://example.org", "", "", identity.ErrUnknownPrincipal},
		{"spiffe://example.org/agent", "", "", identity.ErrUnknownPrincipal},
		{"spiffe://example.org/agent/billing/extra", "", "", identity.ErrUnknownPrincipal},
		{"spiffe://example.org/robot/billing", "", "", identity.ErrUnknownPrincipal},
		{"spiffe://example.org/hub/x", "", "", identity.ErrUnknownPrincipal},
		{"spiffe://example.org/agent/Billing", "", "", identity.ErrUnknownPrincipal},
		{"spiffe://example.org/agent/bill.ing", "", "", identity.ErrUnknownPrincipal},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			kind, name, err := identity.ParsePrincipal(spiffeid.RequireFromString(tt.id), td)
			if !errors.Is(err, tt.sentinel) || (tt.sentinel == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.sentinel)
			}
			if kind != tt.kind || name != tt.name {
				t.Errorf("got (%q, %q), want (%q, %q)", kind, name, tt.kind, tt.name)
			}
		})
	}
}

func TestParsePrincipalZero(t *testing.T) {
	if _, _, err := identity.ParsePrincipal(spiffeid.ID{}, spiffeid.TrustDomain{}); err == nil {
		t.Error("ParsePrincipal(zero, zero) succeeded, want error")
	}
}
