package identity_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/store"
)

func TestCreateAgent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tests := []struct {
		name, segment string
		wantSegment   string
		wantErr       error
	}{
		{name: "billing", wantSegment: "default"},
		{name: "a", segment: "finance", wantSegment: "finance"},
		{name: "agent-7", segment: "default", wantSegment: "default"},
		{name: strings.Repeat("x", 63), wantSegment: "default"},
		{name: "Billing", wantErr: identity.ErrInvalid},
		{name: strings.Repeat("x", 64), wantErr: identity.ErrInvalid},
		{name: "", wantErr: identity.ErrInvalid},
		{name: "my_agent", wantErr: identity.ErrInvalid},
		{name: "a/b", wantErr: identity.ErrInvalid},
		{name: "ok-name", segment: "Bad_Segment", wantErr: identity.ErrInvalid},
		{name: "billing", wantErr: store.ErrExists}, // created by the first case
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.segment, func(t *testing.T) {
			before := e.lastSeq(t)
			p, err := e.svc.CreateAgent(ctx, hub, tt.name, tt.segment)
			after := e.events(t, store.EventFilter{AfterSeq: before})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want errors.Is %v", err, tt.wantErr)
				}
				if len(after) != 0 {
					t.Errorf("failed create recorded %d events, want 0: %+v", len(after), after)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateAgent: %v", err)
			}
			if got, want := p.Segment, tt.wantSegment; got != want {
				t.Errorf("returned segment = %q, want %q", got, want)
			}
			stored := e.principal(t, store.KindAgent, tt.name)
			if got, want := stored.Segment, tt.wantSegment; got != want {
				t.Errorf("stored segment = %q, want %q", got, want)
			}
			if got, want := stored.Status, store.StatusActive; got != want {
				t.Errorf("stored status = %q, want %q", got, want)
			}
			if len(after) != 1 {
				t.Fatalf("got %d events, want 1 agent.created: %+v", len(after), after)
			}
			ev := after[0]
			want := store.Event{Seq: ev.Seq, Time: epoch, Node: "node-1", Type: "agent.created", Outcome: store.OutcomeSuccess,
				Actor: hub.ID, Target: "spiffe://example.org/agent/" + tt.name, RequestID: hub.RequestID, Detail: "segment " + tt.wantSegment}
			if !ev.Time.Equal(want.Time) || ev.Node != want.Node || ev.Type != want.Type || ev.Outcome != want.Outcome ||
				ev.Actor != want.Actor || ev.Target != want.Target || ev.RequestID != want.RequestID || ev.Detail != want.Detail {
				t.Errorf("event = %+v, want %+v", ev, want)
			}
		})
	}
}

func TestAgentAndAgents(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, n := range []string{"zeta", "alpha", "mid"} {
		e.agent(t, n)
	}
	ps, err := e.svc.Agents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	if got, want := strings.Join(names, ","), "alpha,mid,zeta"; got != want {
		t.Errorf("Agents = %s, want %s", got, want)
	}
	if _, err := e.svc.Agent(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Agent(nobody) err = %v, want store.ErrNotFound", err)
	}
	p, err := e.svc.Agent(ctx, "mid")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Name, "mid"; got != want {
		t.Errorf("Agent(mid).Name = %q, want %q", got, want)
	}
}

func TestSetAgentStatus(t *testing.T) {
	type step struct {
		to      store.Status
		wantErr error  // nil means the change succeeds
		event   string // event type of a successful change
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"suspend and resume", []step{
			{to: store.StatusSuspended, event: "agent.suspended"},
			{to: store.StatusActive, event: "agent.resumed"},
		}},
		{"revoke active", []step{
			{to: store.StatusRevoked, event: "agent.revoked"},
		}},
		{"revoke suspended", []step{
			{to: store.StatusSuspended, event: "agent.suspended"},
			{to: store.StatusRevoked, event: "agent.revoked"},
		}},
		{"revoked is permanent", []step{
			{to: store.StatusRevoked, event: "agent.revoked"},
			{to: store.StatusActive, wantErr: store.ErrConflict},
			{to: store.StatusSuspended, wantErr: store.ErrConflict},
			{to: store.StatusRevoked, wantErr: store.ErrConflict},
		}},
		{"same state", []step{
			{to: store.StatusActive, wantErr: store.ErrConflict},
			{to: store.StatusSuspended, event: "agent.suspended"},
			{to: store.StatusSuspended, wantErr: store.ErrConflict},
		}},
		{"unknown status", []step{
			{to: "deleted", wantErr: identity.ErrInvalid},
			{to: "", wantErr: identity.ErrInvalid},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.agent(t, "a1")
			want := store.StatusActive
			for i, s := range tt.steps {
				e.clock.Add(time.Minute)
				before := e.lastSeq(t)
				p, err := e.svc.SetAgentStatus(context.Background(), hub, "a1", s.to)
				evs := e.events(t, store.EventFilter{AfterSeq: before})
				if s.wantErr != nil {
					if !errors.Is(err, s.wantErr) {
						t.Fatalf("step %d (→%s): err = %v, want errors.Is %v", i, s.to, err, s.wantErr)
					}
					if len(evs) != 0 {
						t.Errorf("step %d (→%s): failed change recorded events %+v", i, s.to, evs)
					}
				} else {
					if err != nil {
						t.Fatalf("step %d (→%s): %v", i, s.to, err)
					}
					want = s.to
					if got := p.Status; got != want {
						t.Errorf("step %d: returned status = %s, want %s", i, got, want)
					}
					if len(evs) != 1 {
						t.Fatalf("step %d: got %d events, want 1: %+v", i, len(evs), evs)
					}
					if got, wantTyp := evs[0].Type, s.event; got != wantTyp {
						t.Errorf("step %d: event type = %q, want %q", i, got, wantTyp)
					}
					if got, wantTarget := evs[0].Target, "spiffe://example.org/agent/a1"; got != wantTarget {
						t.Errorf("step %d: event target = %q, want %q", i, got, wantTarget)
					}
					if evs[0].Outcome != store.OutcomeSuccess || evs[0].Actor != hub.ID {
						t.Errorf("step %d: event = %+v, want success by %s", i, evs[0], hub.ID)
					}
				}
				stored := e.principal(t, store.KindAgent, "a1")
				if got := stored.Status; got != want {
					t.Errorf("step %d: stored status = %s, want %s", i, got, want)
				}
				if s.wantErr == nil && !stored.Updated.Equal(e.clock.Now()) {
					t.Errorf("step %d: stored Updated = %s, want %s", i, stored.Updated, e.clock.Now())
				}
			}
		})
	}
}

func TestSetAgentStatusUnknownAgent(t *testing.T) {
	e := newEnv(t)
	before := e.lastSeq(t)
	_, err := e.svc.SetAgentStatus(context.Background(), hub, "ghost", store.StatusSuspended)
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("err = %v, want store.ErrNotFound", err)
	}
	if evs := e.events(t, store.EventFilter{AfterSeq: before}); len(evs) != 0 {
		t.Errorf("events = %+v, want none", evs)
	}
}

// TestPrincipalCache checks that Principal serves from its cache, yet sees
// changes made through the Service at once.
func TestPrincipalCache(t *testing.T) {
	e := newEnv(t)
	e.svc.CacheTTL = time.Hour // a stale entry would outlive the test
	ctx := context.Background()
	e.agent(t, "a1")
	status := func() store.Status {
		t.Helper()
		p, err := e.svc.Principal(ctx, store.KindAgent, "a1")
		if err != nil {
			t.Fatalf("Principal: %v", err)
		}
		return p.Status
	}
	if got, want := status(), store.StatusActive; got != want {
		t.Fatalf("status = %s, want %s", got, want)
	}
	for _, to := range []store.Status{store.StatusSuspended, store.StatusActive, store.StatusRevoked} {
		e.setStatus(t, "a1", to)
		if got := status(); got != to {
			t.Errorf("after SetAgentStatus(%s): Principal status = %s, want %s", to, got, to)
		}
	}

	// A change behind the Service's back (another hub node) is not seen
	// within CacheTTL: this shows the cache is really in use.
	e.agent(t, "a2")
	if _, err := e.svc.Principal(ctx, store.KindAgent, "a2"); err != nil {
		t.Fatal(err)
	}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		return tx.SetPrincipalStatus(store.KindAgent, "a2", store.StatusSuspended, epoch)
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Principal(ctx, store.KindAgent, "a2")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Status, store.StatusActive; got != want {
		t.Errorf("cached status = %s, want %s (the cached value)", got, want)
	}

	if _, err := e.svc.Principal(ctx, store.KindAgent, "ghost"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Principal(ghost) err = %v, want store.ErrNotFound", err)
	}
}

// TestPrincipalCacheRace checks that a lookup which read the store before a
// status change, but finished after it, does not leave the old status in the
// cache.
func TestPrincipalCacheRace(t *testing.T) {
	e := newEnv(t)
	hs := &hookStore{Store: e.st}
	e.svc.Store = hs
	e.svc.CacheTTL = time.Hour
	ctx := context.Background()
	e.agent(t, "a1")

	read, resume := make(chan struct{}), make(chan struct{})
	hs.afterView = func() {
		hs.mu.Lock()
		hs.afterView = nil // only the first lookup is held up
		hs.mu.Unlock()
		close(read)
		<-resume
	}
	done := make(chan store.Principal)
	go func() {
		p, err := e.svc.Principal(ctx, store.KindAgent, "a1")
		if err != nil {
			t.Error(err)
		}
		done <- p
	}()
	<-read // the lookup has read "active" and not yet cached it
	e.setStatus(t, "a1", store.StatusRevoked)
	close(resume)
	if got, want := (<-done).Status, store.StatusActive; got != want {
		t.Errorf("racing lookup status = %s, want %s (it read before the change)", got, want)
	}
	p, err := e.svc.Principal(ctx, store.KindAgent, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Status, store.StatusRevoked; got != want {
		t.Errorf("status after revocation = %s, want %s: a racing lookup cached the old status", got, want)
	}
}

func TestCreateToken(t *testing.T) {
	tests := []struct {
		name    string
		ttl     time.Duration
		wantTTL time.Duration
		wantErr error
	}{
		{"default", 0, 10 * time.Minute, nil},
		{"one minute", time.Minute, time.Minute, nil},
		{"one day", 24 * time.Hour, 24 * time.Hour, nil},
		{"30s", 30 * time.Second, 0, identity.ErrInvalid},
		{"negative", -time.Hour, 0, identity.ErrInvalid},
		{"25h", 25 * time.Hour, 0, identity.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.agent(t, "a1")
			before := e.lastSeq(t)
			text, expires, err := e.svc.CreateToken(context.Background(), hub, "a1", tt.ttl)
			evs := e.events(t, store.EventFilter{AfterSeq: before})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want errors.Is %v", err, tt.wantErr)
				}
				if text != "" || len(evs) != 0 {
					t.Errorf("refused token: text %q, events %+v; want none", text, evs)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateToken: %v", err)
			}
			if got, want := expires, epoch.Add(tt.wantTTL); !got.Equal(want) {
				t.Errorf("expires = %s, want %s", got, want)
			}
			tok := e.storedToken(t, text)
			if got, want := tok.Expires, epoch.Add(tt.wantTTL); !got.Equal(want) {
				t.Errorf("stored expires = %s, want %s", got, want)
			}
			if got, want := tok.Agent, "a1"; got != want {
				t.Errorf("stored agent = %q, want %q", got, want)
			}
			if !tok.Used.IsZero() {
				t.Errorf("new token is used at %s", tok.Used)
			}
			if len(evs) != 1 || evs[0].Type != "token.created" || evs[0].Target != "spiffe://example.org/agent/a1" {
				t.Errorf("events = %+v, want one token.created for a1", evs)
			}
		})
	}
}

func TestCreateTokenRefused(t *testing.T) {
	tests := []struct {
		name    string
		status  store.Status // "" leaves the agent active
		agent   string
		wantErr error
	}{
		{"unknown agent", "", "ghost", store.ErrNotFound},
		{"suspended agent", store.StatusSuspended, "a1", store.ErrConflict},
		{"revoked agent", store.StatusRevoked, "a1", store.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.agent(t, "a1")
			if tt.status != "" {
				e.setStatus(t, "a1", tt.status)
			}
			before := e.lastSeq(t)
			text, _, err := e.svc.CreateToken(context.Background(), hub, tt.agent, 0)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want errors.Is %v", err, tt.wantErr)
			}
			if text != "" {
				t.Errorf("refused CreateToken returned text %q", text)
			}
			if evs := e.events(t, store.EventFilter{AfterSeq: before}); len(evs) != 0 {
				t.Errorf("events = %+v, want none", evs)
			}
		})
	}
}

// TestCreateTokenStoresOnlyHash checks the join_tokens row holds the hash of
// the secret, and that neither the token text nor its secret, in any
// encoding, is anywhere in the database files.
func TestCreateTokenStoresOnlyHash(t *testing.T) {
	e := newEnv(t)
	e.agent(t, "a1")
	text := e.token(t, "a1")
	id, secret, err := identity.ParseJoinToken(text)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(secret)
	tok := e.storedToken(t, text)
	if got, want := tok.ID, id; got != want {
		t.Errorf("stored id = %q, want %q", got, want)
	}
	if !bytes.Equal(tok.Hash, sum[:]) {
		t.Errorf("stored hash = %x, want sha256(secret) = %x", tok.Hash, sum)
	}
	// Enrolling and a failed attempt must not leak it either.
	if _, err := e.svc.Enroll(context.Background(), identity.Actor{}, text, csrDER(t, newKey(t))); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Enroll(context.Background(), identity.Actor{}, text, csrDER(t, newKey(t))); err == nil {
		t.Fatal("second Enroll succeeded")
	}
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}

	var files []byte
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		data, err := os.ReadFile(e.path + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		files = append(files, data...)
	}
	// The id and the hash are stored: this shows the scan sees the data.
	if !bytes.Contains(files, []byte(id)) || !bytes.Contains(files, sum[:]) {
		t.Fatal("token id or hash not found in the database files; the scan is not seeing stored data")
	}
	secretText := text[strings.LastIndexByte(text, '.')+1:]
	for what, needle := range map[string][]byte{
		"token text":         []byte(text),
		"secret (base64url)": []byte(secretText),
		"secret (raw)":       secret,
	} {
		if bytes.Contains(files, needle) {
			t.Errorf("database files contain the %s", what)
		}
	}
}
