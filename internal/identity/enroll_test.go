package identity_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/store"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

var agentActor = identity.Actor{RequestID: "enroll-1"}

// checkEnrolled verifies svid with go-spiffe against the env's CA and
// checks it names agent.
func (e *env) checkEnrolled(t *testing.T, svid *identity.SVID, agent string) {
	t.Helper()
	want := spiffeid.RequireFromString("spiffe://example.org/agent/" + agent)
	if svid.ID != want {
		t.Errorf("SVID ID = %s, want %s", svid.ID, want)
	}
	got, _, err := x509svid.Verify(svid.Chain, e.ca.X509Bundle(), x509svid.WithTime(e.clock.Now()))
	if err != nil {
		t.Fatalf("x509svid.Verify: %v", err)
	}
	if got != want {
		t.Errorf("verified ID = %s, want %s", got, want)
	}
	if uris := svid.Leaf().URIs; len(uris) != 1 || uris[0].String() != want.String() {
		t.Errorf("leaf URI SANs = %v, want exactly [%s]", uris, want)
	}
	if got, want := svid.Serial, identity.SerialHex(svid.Leaf()); got != want {
		t.Errorf("Serial = %s, want %s", got, want)
	}
}

func TestEnroll(t *testing.T) {
	e := newEnv(t)
	e.agent(t, "a1")
	text := e.token(t, "a1")
	e.clock.Add(time.Minute)
	before := e.lastSeq(t)

	svid, err := e.svc.Enroll(context.Background(), agentActor, text, csrDER(t, newKey(t)))
	if err != nil {
		t.Fatalf("Enroll: %v", err)
	}
	e.checkEnrolled(t, svid, "a1")
	if got, want := svid.NotAfter, e.clock.Now().Add(identity.DefaultSVIDTTL); !got.Equal(want) {
		t.Errorf("NotAfter = %s, want now+%s = %s", got, identity.DefaultSVIDTTL, want)
	}
	if got, want := e.storedToken(t, text).Used, e.clock.Now(); !got.Equal(want) {
		t.Errorf("token used at %s, want %s", got, want)
	}
	if got, want := e.certCount(t, store.KindAgent, "a1"), 1; got != want {
		t.Errorf("recorded certificates = %d, want %d", got, want)
	}
	evs := e.events(t, store.EventFilter{AfterSeq: before})
	var types []string
	for _, ev := range evs {
		types = append(types, ev.Type+"/"+string(ev.Outcome))
	}
	if got, want := strings.Join(types, ","), "token.used/success,agent.enrolled/success"; got != want {
		t.Fatalf("events = %s, want %s", got, want)
	}
	if got, want := evs[1].Detail, "serial "+svid.Serial; got != want {
		t.Errorf("enrolled event detail = %q, want %q", got, want)
	}
	if got, want := evs[1].Target, svid.ID.String(); got != want {
		t.Errorf("enrolled event target = %q, want %q", got, want)
	}
	if got, want := evs[1].RequestID, agentActor.RequestID; got != want {
		t.Errorf("enrolled event request id = %q, want %q", got, want)
	}
}

func TestEnrollSVIDTTL(t *testing.T) {
	e := newEnv(t)
	e.svc.SVIDTTL = 5 * time.Minute
	e.agent(t, "a1")
	svid, err := e.svc.Enroll(context.Background(), agentActor, e.token(t, "a1"), csrDER(t, newKey(t)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := svid.NotAfter, epoch.Add(5*time.Minute); !got.Equal(want) {
		t.Errorf("NotAfter = %s, want %s", got, want)
	}
}

// otherToken returns text with its id or secret replaced by a freshly
// generated token's, so it is well-formed but not issued.
func otherToken(t *testing.T, text string, part int) string {
	t.Helper()
	fresh, _, _, err := identity.NewJoinToken()
	if err != nil {
		t.Fatal(err)
	}
	a, b := strings.Split(text, "."), strings.Split(fresh, ".")
	a[part] = b[part]
	return strings.Join(a, ".")
}

func TestEnrollFailures(t *testing.T) {
	tests := []struct {
		name string
		// setup returns the token text and CSR to enroll with; the env has
		// an active agent a1 and text is a fresh token for it.
		setup     func(t *testing.T, e *env, text string) (string, []byte)
		wantErr   error
		wantMsg   string
		audited   bool // an agent.enrolled failure event must be recorded
		wantTrgt  string
		reusableA bool // the token works afterwards (it was not consumed)
	}{
		{
			name: "reused",
			setup: func(t *testing.T, e *env, text string) (string, []byte) {
				if _, err := e.svc.Enroll(context.Background(), agentActor, text, csrDER(t, newKey(t))); err != nil {
					t.Fatal(err)
				}
				return text, csrDER(t, newKey(t))
			},
			wantErr: identity.ErrUnauthenticated, wantMsg: "already used", audited: true, wantTrgt: "spiffe://example.org/agent/a1",
		},
		{
			name: "expired",
			setup: func(t *testing.T, e *env, text string) (string, []byte) {
				e.clock.Add(identity.DefaultTokenTTL + time.Second)
				return text, csrDER(t, newKey(t))
			},
			wantErr: identity.ErrUnauthenticated, wantMsg: "expired", audited: true, wantTrgt: "spiffe://example.org/agent/a1",
		},
		{
			name: "unknown id",
			setup: func(t *testing.T, e *env, text string) (string, []byte) {
				return otherToken(t, text, 1), csrDER(t, newKey(t))
			},
			wantErr: identity.ErrUnauthenticated, wantMsg: "not recognised", audited: true, reusableA: true,
		},
		{
			name: "wrong secret",
			setup: func(t *testing.T, e *env, text string) (string, []byte) {
				return otherToken(t, text, 2), csrDER(t, newKey(t))
			},
			wantErr: identity.ErrUnauthenticated, wantMsg: "not recognised", audited: true, reusableA: true,
		},
		{
			name: "malformed token",
			setup: func(t *testing.T, e *env, text string) (string, []byte) {
				return text[:len(text)-1], csrDER(t, newKey(t))
			},
			wantErr: identity.ErrInvalid, wantMsg: "join token", reusableA: true,
		},
		{
			name: "empty token",
			setup: func(t *testing.T, e *env, text string) (string, []byte) {
				return "", csrDER(t, newKey(t))
			},
			wantErr: identity.ErrInvalid, wantMsg: "join token", reusableA: true,
		},
		{
			name: "garbage csr",
			setup: func(t *testing.T, e *env, text string) (string, []byte) {
				return text, readTestdata(t, "csr-garbage.der")
			},
			wantErr: identity.ErrInvalid, wantMsg: "csr", reusableA: true,
		},
		{
			name: "badly signed csr",
			setup: func(t *testing.T, e *env, text string) (string, []byte) {
				return text, readTestdata(t, "csr-bad-signature.der")
			},
			wantErr: identity.ErrInvalid, wantMsg: "csr", reusableA: true,
		},
		{
			name: "rsa 1024 csr",
			setup: func(t *testing.T, e *env, text string) (string, []byte) {
				return text, readTestdata(t, "csr-rsa-1024.der")
			},
			wantErr: identity.ErrInvalid, wantMsg: "RSA", reusableA: true,
		},
		{
			name: "p224 csr",
			setup: func(t *testing.T, e *env, text string) (string, []byte) {
				return text, readTestdata(t, "csr-p224.der")
			},
			wantErr: identity.ErrInvalid, wantMsg: "P-224", reusableA: true,
		},
		{
			name: "revoked agent",
			setup: func(t *testing.T, e *env, text string) (string, []byte) {
				e.setStatus(t, "a1", store.StatusRevoked)
				return text, csrDER(t, newKey(t))
			},
			wantErr: identity.ErrDenied, wantMsg: "revoked", audited: true, wantTrgt: "spiffe://example.org/agent/a1",
		},
		{
			name: "suspended agent",
			setup: func(t *testing.T, e *env, text string) (string, []byte) {
				e.setStatus(t, "a1", store.StatusSuspended)
				return text, csrDER(t, newKey(t))
			},
			wantErr: identity.ErrDenied, wantMsg: "suspended", audited: true, wantTrgt: "spiffe://example.org/agent/a1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.agent(t, "a1")
			text := e.token(t, "a1")
			tok, csr := tt.setup(t, e, text)
			usedBefore := e.storedToken(t, text).Used
			certsBefore := e.certCount(t, store.KindAgent, "a1")
			before := e.lastSeq(t)

			svid, err := e.svc.Enroll(context.Background(), agentActor, tok, csr)
			checkErr(t, err, tt.wantErr, tt.wantMsg)
			if svid != nil {
				t.Errorf("failed Enroll returned an SVID for %s", svid.ID)
			}
			if got := e.storedToken(t, text).Used; !got.Equal(usedBefore) {
				t.Errorf("token used = %s, want %s (unchanged)", got, usedBefore)
			}
			if got, want := e.certCount(t, store.KindAgent, "a1"), certsBefore; got != want {
				t.Errorf("recorded certificates = %d, want %d", got, want)
			}
			evs := e.events(t, store.EventFilter{AfterSeq: before})
			var want []string
			if tt.audited {
				want = []string{"agent.enrolled/failure"}
			}
			var got []string
			for _, ev := range evs {
				got = append(got, ev.Type+"/"+string(ev.Outcome))
			}
			// Input that does not parse need not be audited, but nothing
			// else may be recorded for it.
			if g := strings.Join(got, ","); g != strings.Join(want, ",") && (tt.audited || g != "agent.enrolled/failure") {
				t.Fatalf("events = %v, want %v", got, want)
			}
			if tt.audited {
				if got, want := evs[0].Target, tt.wantTrgt; got != want {
					t.Errorf("failure event target = %q, want %q", got, want)
				}
				if got, want := evs[0].RequestID, agentActor.RequestID; got != want {
					t.Errorf("failure event request id = %q, want %q", got, want)
				}
				if !strings.Contains(evs[0].Detail, tt.wantMsg) {
					t.Errorf("failure event detail = %q, want it to mention %q", evs[0].Detail, tt.wantMsg)
				}
			}
			if tt.reusableA {
				svid, err := e.svc.Enroll(context.Background(), agentActor, text, csrDER(t, newKey(t)))
				if err != nil {
					t.Fatalf("Enroll with the untouched token: %v", err)
				}
				e.checkEnrolled(t, svid, "a1")
			}
		})
	}
}

// TestEnrollRevokedKeepsTokenUnused checks a token made before revocation
// is not consumed by a refused enroll, stays refused, and the agent never
// gets a certificate.
func TestEnrollRevokedKeepsTokenUnused(t *testing.T) {
	e := newEnv(t)
	e.agent(t, "a1")
	text := e.token(t, "a1")
	e.setStatus(t, "a1", store.StatusRevoked)
	for i := range 2 {
		_, err := e.svc.Enroll(context.Background(), agentActor, text, csrDER(t, newKey(t)))
		checkErr(t, err, identity.ErrDenied, "revoked")
		if used := e.storedToken(t, text).Used; !used.IsZero() {
			t.Errorf("attempt %d: token used at %s, want unused", i, used)
		}
	}
	if n := e.certCount(t, store.KindAgent, "a1"); n != 0 {
		t.Errorf("revoked agent has %d certificates, want 0", n)
	}
}

// TestEnrollIdentityFromToken checks the SVID names the token's agent,
// whatever the CSR asks for.
func TestEnrollIdentityFromToken(t *testing.T) {
	e := newEnv(t)
	e.agent(t, "a1")
	e.agent(t, "a2")
	tests := []struct {
		name string
		uris []string
	}{
		{"asks for a1", []string{"spiffe://example.org/agent/a1"}},
		{"asks for admin", []string{"spiffe://example.org/human/admin"}},
		{"asks for hub", []string{"spiffe://example.org/hub"}},
		{"asks for two", []string{"spiffe://example.org/agent/a1", "spiffe://other.example/agent/a2"}},
		{"asks for nothing", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svid, err := e.svc.Enroll(context.Background(), agentActor, e.token(t, "a2"), csrDER(t, newKey(t), tt.uris...))
			if err != nil {
				t.Fatalf("Enroll: %v", err)
			}
			e.checkEnrolled(t, svid, "a2")
		})
	}
	if n := e.certCount(t, store.KindAgent, "a1"); n != 0 {
		t.Errorf("a1 has %d certificates, want 0", n)
	}
}

// TestEnrollAtomicIssuance forces issuance to fail inside the transaction
// (the intermediate CA has expired) and checks nothing of the enrollment
// is kept: the token can still be used once the clock is right again.
func TestEnrollAtomicIssuance(t *testing.T) {
	// The intermediate expires 5 minutes after epoch.
	start := epoch.Add(-identity.IntermediateTTL + 5*time.Minute)
	ca, err := identity.NewCA(td, start)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWithCA(t, ca)
	e.agent(t, "a1")
	text, _, err := e.svc.CreateToken(context.Background(), hub, "a1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Set(ca.Intermediate().NotAfter.Add(time.Second))
	before := e.lastSeq(t)

	_, err = e.svc.Enroll(context.Background(), agentActor, text, csrDER(t, newKey(t)))
	if err == nil || !strings.Contains(err.Error(), "intermediate ca expired") {
		t.Fatalf("err = %v, want issuance failure (intermediate ca expired)", err)
	}
	if used := e.storedToken(t, text).Used; !used.IsZero() {
		t.Errorf("token used at %s after failed issuance, want unused", used)
	}
	if n := e.certCount(t, store.KindAgent, "a1"); n != 0 {
		t.Errorf("recorded certificates = %d, want 0", n)
	}
	evs := e.events(t, store.EventFilter{AfterSeq: before})
	if len(evs) != 1 || evs[0].Type != "agent.enrolled" || evs[0].Outcome != store.OutcomeFailure {
		t.Fatalf("events = %+v, want one agent.enrolled failure (no token.used, no success)", evs)
	}

	e.clock.Set(epoch.Add(time.Minute))
	svid, err := e.svc.Enroll(context.Background(), agentActor, text, csrDER(t, newKey(t)))
	if err != nil {
		t.Fatalf("Enroll after failed issuance: %v", err)
	}
	e.checkEnrolled(t, svid, "a1")
}

// TestEnrollAtomicAudit fails the final audit append and checks the token
// use and the certificate roll back with it.
func TestEnrollAtomicAudit(t *testing.T) {
	e := newEnv(t)
	e.agent(t, "a1")
	text := e.token(t, "a1")
	hs := &hookStore{Store: e.st, failAppend: func(ev store.Event) bool {
		return ev.Type == "agent.enrolled" && ev.Outcome == store.OutcomeSuccess
	}}
	e.svc.Store = hs
	_, err := e.svc.Enroll(context.Background(), agentActor, text, csrDER(t, newKey(t)))
	if !errors.Is(err, errInjected) {
		t.Fatalf("err = %v, want the injected failure", err)
	}
	if used := e.storedToken(t, text).Used; !used.IsZero() {
		t.Errorf("token used at %s, want unused", used)
	}
	if n := e.certCount(t, store.KindAgent, "a1"); n != 0 {
		t.Errorf("recorded certificates = %d, want 0", n)
	}
	if evs := e.events(t, store.EventFilter{Type: "token.used"}); len(evs) != 0 {
		t.Errorf("token.used events = %+v, want none", evs)
	}
}

func TestEnrollConcurrent(t *testing.T) {
	const n = 8
	e := newEnv(t)
	e.agent(t, "a1")
	text := e.token(t, "a1")
	csrs := make([][]byte, n)
	for i := range csrs {
		csrs[i] = csrDER(t, newKey(t))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = e.svc.Enroll(context.Background(), agentActor, text, csrs[i])
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, identity.ErrUnauthenticated) || !strings.Contains(err.Error(), "already used"):
			t.Errorf("goroutine %d: err = %v, want ErrUnauthenticated, already used", i, err)
		}
	}
	if ok != 1 {
		t.Errorf("successful enrollments = %d, want 1", ok)
	}
	if got := e.certCount(t, store.KindAgent, "a1"); got != 1 {
		t.Errorf("recorded certificates = %d, want 1", got)
	}
	if got := len(e.events(t, store.EventFilter{Type: "agent.enrolled", Outcome: store.OutcomeFailure})); got != n-1 {
		t.Errorf("failure events = %d, want %d", got, n-1)
	}
}

func TestRenew(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.agent(t, "a1")
	first, err := e.svc.Enroll(ctx, agentActor, e.token(t, "a1"), csrDER(t, newKey(t)))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(30 * time.Minute)
	before := e.lastSeq(t)
	svid, err := e.svc.Renew(ctx, identity.Actor{ID: first.ID.String()}, store.KindAgent, "a1", csrDER(t, newKey(t)))
	if err != nil {
		t.Fatalf("Renew: %v", err)
	}
	e.checkEnrolled(t, svid, "a1")
	if svid.Serial == first.Serial {
		t.Errorf("renewed serial = first serial %s, want a new one", svid.Serial)
	}
	if got, want := svid.NotAfter, e.clock.Now().Add(identity.DefaultSVIDTTL); !got.Equal(want) {
		t.Errorf("NotAfter = %s, want %s", got, want)
	}
	if got, want := e.certCount(t, store.KindAgent, "a1"), 2; got != want {
		t.Errorf("recorded certificates = %d, want %d", got, want)
	}
	evs := e.events(t, store.EventFilter{AfterSeq: before})
	if len(evs) != 1 || evs[0].Type != "svid.renewed" || evs[0].Detail != "serial "+svid.Serial || evs[0].Actor != first.ID.String() {
		t.Errorf("events = %+v, want one svid.renewed by %s for serial %s", evs, first.ID, svid.Serial)
	}
}

func TestRenewRefused(t *testing.T) {
	tests := []struct {
		name    string
		status  store.Status // "" leaves a1 active
		agent   string
		csr     func(t *testing.T) []byte
		wantErr error
		wantMsg string
	}{
		{"suspended", store.StatusSuspended, "a1", nil, identity.ErrUnauthenticated, "suspended"},
		{"revoked", store.StatusRevoked, "a1", nil, identity.ErrUnauthenticated, "revoked"},
		{"unknown agent", "", "ghost", nil, identity.ErrUnauthenticated, "ghost"},
		{"garbage csr", "", "a1", func(t *testing.T) []byte { return readTestdata(t, "csr-garbage.der") }, identity.ErrInvalid, "csr"},
		{"rsa 1024 csr", "", "a1", func(t *testing.T) []byte { return readTestdata(t, "csr-rsa-1024.der") }, identity.ErrInvalid, "RSA"},
		{"empty csr", "", "a1", func(t *testing.T) []byte { return nil }, identity.ErrInvalid, "csr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.agent(t, "a1")
			if tt.status != "" {
				e.setStatus(t, "a1", tt.status)
			}
			csr := csrDER(t, newKey(t))
			if tt.csr != nil {
				csr = tt.csr(t)
			}
			before := e.lastSeq(t)
			svid, err := e.svc.Renew(context.Background(), agentActor, store.KindAgent, tt.agent, csr)
			checkErr(t, err, tt.wantErr, tt.wantMsg)
			if svid != nil {
				t.Errorf("refused Renew returned an SVID")
			}
			if n := e.certCount(t, store.KindAgent, tt.agent); n != 0 {
				t.Errorf("recorded certificates = %d, want 0", n)
			}
			if evs := e.events(t, store.EventFilter{AfterSeq: before}); len(evs) != 0 {
				t.Errorf("events = %+v, want none", evs)
			}
		})
	}
}

func TestIssueHuman(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	first, err := e.svc.IssueHuman(ctx, "admin", []string{"admin"}, key.Public())
	if err != nil {
		t.Fatalf("IssueHuman: %v", err)
	}
	wantID := spiffeid.RequireFromString("spiffe://example.org/human/admin")
	if first.ID != wantID {
		t.Errorf("ID = %s, want %s", first.ID, wantID)
	}
	if _, _, err := x509svid.Verify(first.Chain, e.ca.X509Bundle(), x509svid.WithTime(epoch)); err != nil {
		t.Errorf("x509svid.Verify: %v", err)
	}
	if got, want := first.NotAfter, epoch.Add(identity.DefaultHumanSVIDTTL); !got.Equal(want) {
		t.Errorf("NotAfter = %s, want %s", got, want)
	}

	// A second call reuses the human; its roles are not replaced.
	second, err := e.svc.IssueHuman(ctx, "admin", []string{"viewer"}, key.Public())
	if err != nil {
		t.Fatalf("second IssueHuman: %v", err)
	}
	if second.Serial == first.Serial {
		t.Errorf("second serial = first serial %s", second.Serial)
	}
	if got, want := len(e.events(t, store.EventFilter{Type: "human.created"})), 1; got != want {
		t.Errorf("human.created events = %d, want %d", got, want)
	}
	if got, want := len(e.events(t, store.EventFilter{Type: "svid.issued"})), 2; got != want {
		t.Errorf("svid.issued events = %d, want %d", got, want)
	}
	if got, want := e.certCount(t, store.KindHuman, "admin"), 2; got != want {
		t.Errorf("recorded certificates = %d, want %d", got, want)
	}
	p, err := e.svc.Principal(ctx, store.KindHuman, "admin")
	if err != nil {
		t.Fatalf("Principal: %v", err)
	}
	if got, want := strings.Join(p.Roles, ","), "admin"; got != want {
		t.Errorf("roles = %q, want %q", got, want)
	}
	if got, want := p.Status, store.StatusActive; got != want {
		t.Errorf("status = %s, want %s", got, want)
	}

	// The human can renew like an agent.
	renewed, err := e.svc.Renew(ctx, identity.Actor{ID: wantID.String()}, store.KindHuman, "admin", csrDER(t, newKey(t)))
	if err != nil {
		t.Fatalf("Renew human: %v", err)
	}
	if renewed.ID != wantID {
		t.Errorf("renewed ID = %s, want %s", renewed.ID, wantID)
	}
}

func TestIssueHumanRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key := newKey(t)
	if _, err := e.svc.IssueHuman(ctx, "Admin", []string{"admin"}, key.Public()); !errors.Is(err, identity.ErrInvalid) {
		t.Errorf("invalid name: err = %v, want ErrInvalid", err)
	}
	if _, err := e.svc.IssueHuman(ctx, "alice", nil, key.Public()); err != nil {
		t.Fatal(err)
	}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		return tx.SetPrincipalStatus(store.KindHuman, "alice", store.StatusSuspended, epoch)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.IssueHuman(ctx, "alice", nil, key.Public()); !errors.Is(err, identity.ErrDenied) {
		t.Errorf("suspended human: err = %v, want ErrDenied", err)
	}
	if got, want := e.certCount(t, store.KindHuman, "alice"), 1; got != want {
		t.Errorf("recorded certificates = %d, want %d", got, want)
	}
}

// TestEventsHoldNoSecrets runs successful and failed enrollments and checks
// no audit event holds a token's text or secret.
func TestEventsHoldNoSecrets(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.agent(t, "a1")
	var texts []string
	used := e.token(t, "a1")
	texts = append(texts, used)
	if _, err := e.svc.Enroll(ctx, agentActor, used, csrDER(t, newKey(t))); err != nil {
		t.Fatal(err)
	}
	attempts := []string{
		used,                   // reuse
		otherToken(t, used, 2), // wrong secret
		otherToken(t, used, 1), // unknown id
		used[:len(used)-2],     // malformed
	}
	expired := e.token(t, "a1")
	e.clock.Add(time.Hour)
	attempts = append(attempts, expired)
	revoked := e.token(t, "a1")
	e.setStatus(t, "a1", store.StatusRevoked)
	attempts = append(attempts, revoked)
	for _, a := range attempts {
		if _, err := e.svc.Enroll(ctx, agentActor, a, csrDER(t, newKey(t))); err == nil {
			t.Fatalf("Enroll(%d-char token) succeeded, want failure", len(a))
		}
	}
	texts = append(texts, attempts...)

	evs := e.events(t, store.EventFilter{})
	if got := len(e.events(t, store.EventFilter{Type: "agent.enrolled", Outcome: store.OutcomeFailure})); got < 5 {
		t.Fatalf("failure events = %d, want at least 5", got)
	}
	for _, text := range texts {
		// 40 characters: the malformed attempt's secret is cut short.
		needles := []string{text[strings.LastIndexByte(text, '.')+1:][:40]}
		if _, raw, err := identity.ParseJoinToken(text); err == nil {
			needles = append(needles, string(raw))
		}
		for _, ev := range evs {
			fields := append([]string{ev.Detail, ev.Target, ev.Actor, ev.RequestID}, ev.Reasons...)
			for _, f := range fields {
				for _, needle := range needles {
					if strings.Contains(f, needle) {
						t.Errorf("event %d (%s) holds a token secret: %q", ev.Seq, ev.Type, f)
					}
				}
			}
		}
	}
}
