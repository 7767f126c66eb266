package policy

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
	"github.com/airlock-hub/airlock/internal/store/sqlite"
)

// cacheablePolicies reads context.risk, context.granted, context.segment
// and context.request but never context.now, so its decisions are cached.
const cacheablePolicies = `
@id("peers")
permit (principal is Agent, action == Action::"SendMessage", resource is Agent)
when { principal.segment == resource.segment };

@id("self")
permit (principal, action in [Action::"WhoAmI", Action::"RenewIdentity"], resource)
when { principal == resource };

@id("no-quarantine")
forbid (principal in Segment::"quarantine", action, resource)
unless { context.granted };

@approval("2") @id("to-humans")
permit (principal is Agent, action == Action::"SendMessage", resource is Human)
when { context.risk < 50 };

@id("tools")
permit (principal is Agent, action == Action::"CallTool", resource)
when { context.request has method && context.request.method == "read" };

@id("overflow")
forbid (principal is Agent, action == Action::"CallTool", resource)
when { context.risk * 4611686018427387904 > 0 && false };

@id("admins")
permit (principal is Human, action, resource)
when { principal.roles.contains("admin") };

@id("segment-default")
permit (principal is Agent, action == Action::"ReadMailbox", resource)
when { context.segment == "default" };
`

func cacheEngine(t testing.TB, version int64, text string) *Engine {
	t.Helper()
	e := NewEngine()
	if err := e.Apply(version, []store.PolicyFile{{Name: "p.cedar", Text: text}}); err != nil {
		t.Fatal(err)
	}
	return e
}

// Cached and uncached decisions must be equal: each request is decided
// by the set directly (no cache), then twice by the engine (a miss that
// fills the cache, then a hit).
func TestDecisionCacheMatchesUncached(t *testing.T) {
	now := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	e := cacheEngine(t, 3, cacheablePolicies)
	a := e.cur.Load()
	if a.decisions == nil {
		t.Fatal("set without context.now is not cached")
	}
	s1, s2, q1 := Agent("s1", "sched"), Agent("s2", "sched"), Agent("q1", "quarantine")
	withOwner := s1
	withOwner.Owner, withOwner.Risk = "bob", 70
	grant := store.Grant{ID: "g", Principal: q1.String(), Action: "WhoAmI", Resource: q1.String(),
		Created: now.Add(-time.Minute), Expires: now.Add(time.Hour)}
	tool := Entity{Type: TypeTool, ID: "t"}
	reqs := []Request{
		{Principal: s1, Action: "SendMessage", Resource: s2},
		{Principal: s1, Action: `Action::"SendMessage"`, Resource: s2},
		{Principal: s1, Action: "SendMessage", Resource: Agent("f1", "finance")},
		{Principal: Agent("s1", "finance"), Action: "SendMessage", Resource: s2},
		{Principal: withOwner, Action: "WhoAmI", Resource: withOwner},
		{Principal: s1, Action: "WhoAmI", Resource: s1},
		{Principal: s1, Action: "WhoAmI", Resource: s2},
		{Principal: q1, Action: "WhoAmI", Resource: q1},
		{Principal: q1, Action: "WhoAmI", Resource: q1, Grants: []store.Grant{grant}},
		{Principal: s1, Action: "SendMessage", Resource: Human("carl")},
		{Principal: s1, Action: "SendMessage", Resource: Human("carl"), Risk: 60},
		{Principal: s1, Action: "CallTool", Resource: tool},
		{Principal: s1, Action: "CallTool", Resource: tool, Attrs: map[string]any{"method": "read"}},
		{Principal: s1, Action: "CallTool", Resource: tool, Risk: 4},
		{Principal: Human("ann", "admin"), Action: "ManagePolicy", Resource: HubEntity},
		{Principal: Human("ann"), Action: "ManagePolicy", Resource: HubEntity},
		{Principal: Human("ann", "ops", "admin"), Action: "ManagePolicy", Resource: HubEntity},
		{Principal: Human("ann", "ops\x00admin"), Action: "ManagePolicy", Resource: HubEntity},
		{Principal: Human("ann", ""), Action: "ManagePolicy", Resource: HubEntity},
		{Principal: Agent("d1", ""), Action: "ReadMailbox", Resource: Agent("d1", "")},
		{Principal: s1, Action: "ReadMailbox", Resource: s1},
		{Principal: s1, Action: "Launch", Resource: s2},
		{Principal: Entity{Type: "Robot", ID: "r"}, Action: "SendMessage", Resource: s2},
	}
	for i, req := range reqs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			req.Now = now
			want := a.set.decide(req, &entityCache{})
			want.Version = a.version
			for round := range 2 {
				if got := e.Decide(req); !reflect.DeepEqual(got, want) {
					t.Errorf("round %d: got %+v, want %+v", round, got, want)
				}
			}
		})
	}
	// Requests that differ in any keyed field must not share an entry.
	if e.Decide(Request{Principal: Human("ann", "admin"), Action: "ManagePolicy", Resource: HubEntity}).Effect != Allow ||
		e.Decide(Request{Principal: Human("ann", "admins"), Action: "ManagePolicy", Resource: HubEntity}).Effect != Deny {
		t.Error("roles are not part of the key")
	}
}

// A set that reads context.now is never cached: a time-window permit
// must follow Now on every call.
func TestDecisionCacheSkipsContextNow(t *testing.T) {
	e := cacheEngine(t, 1, `@id("window") permit (principal, action == Action::"WhoAmI", resource)
when { context.now >= 1700000000 && context.now < 1800000000 };`)
	if e.cur.Load().decisions != nil {
		t.Fatal("set reading context.now has a decision cache")
	}
	req := Request{Principal: Agent("s1", ""), Action: "WhoAmI", Resource: Agent("s1", "")}
	for i, tt := range []struct {
		now  int64
		want Effect
	}{{1600000000, Deny}, {1750000000, Allow}, {1750000000, Allow}, {1900000000, Deny}, {1750000000, Allow}} {
		req.Now = time.Unix(tt.now, 0)
		if got := e.Decide(req).Effect; got != tt.want {
			t.Errorf("call %d at %d: effect %v, want %v", i, tt.now, got, tt.want)
		}
	}
}

func TestContextFree(t *testing.T) {
	for _, tt := range []struct {
		text string
		want bool
	}{
		{`permit (principal, action, resource);`, true},
		{`permit (principal, action, resource) when { context.risk < 5 && context.granted };`, true},
		{`permit (principal, action, resource) when { context.request.now == 1 };`, true},
		{`permit (principal, action, resource) when { context.now > 1 };`, false},
		{`permit (principal, action, resource) when { context.risk > 1 && context.now > 1 };`, false},
		{`permit (principal, action, resource) when { context["now"] > 1 };`, false},
		{`permit (principal, action, resource) when { context has now };`, false},
		{`permit (principal, action, resource) when { context == {} };`, false},
		{`permit (principal, action, resource) when { context. now > 1 };`, false},
		{`permit (principal, action, resource) when { context };`, false},
		{`permit (principal, action, resource) when { context.nowish };`, true},
	} {
		if got := contextFree(tt.text, "now"); got != tt.want {
			t.Errorf("contextFree(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// Every policy text the cache decision is made on is the marshalled one;
// check that context.now survives marshalling as a detectable read.
func TestTimeIndependentOnParsedSets(t *testing.T) {
	for _, tt := range []struct {
		text string
		want bool
	}{
		{starterText, true},
		{cacheablePolicies, true},
		{testPolicies, false},
		{`@id("x") permit (principal, action, resource) when { context["now"] > 0 };`, false},
		{`@id("x") permit (principal, action, resource) when { context has now };`, false},
	} {
		s, _, err := Validate([]store.PolicyFile{{Name: "p.cedar", Text: tt.text}})
		if err != nil {
			t.Fatalf("%q: %v", tt.text, err)
		}
		if got := s.timeIndependent(); got != tt.want {
			t.Errorf("timeIndependent(%.60q…) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// Apply starts a new cache: a cached allow must not outlive its set.
func TestApplyInvalidatesDecisionCache(t *testing.T) {
	allow := `@id("self") permit (principal, action == Action::"WhoAmI", resource) when { principal == resource };`
	deny := `@id("other") permit (principal, action == Action::"ReadMailbox", resource);`
	e := cacheEngine(t, 1, allow)
	req := Request{Principal: Agent("s1", ""), Action: "WhoAmI", Resource: Agent("s1", "")}
	for range 2 {
		if d := e.Decide(req); d.Effect != Allow || d.Version != 1 {
			t.Fatalf("version 1: got %+v, want allow at version 1", d)
		}
	}
	if err := e.Apply(2, []store.PolicyFile{{Name: "p.cedar", Text: deny}}); err != nil {
		t.Fatal(err)
	}
	if d := e.Decide(req); d.Effect != Deny || d.Version != 2 {
		t.Errorf("after Apply: got %+v, want deny at version 2", d)
	}
}

// Past its limit the cache starts over and keeps answering correctly.
func TestDecisionCacheBounded(t *testing.T) {
	e := cacheEngine(t, 1, cacheablePolicies)
	c := e.cur.Load().decisions
	for i := range decisionCacheLimit + 10 {
		p := Agent(fmt.Sprintf("a%d", i), "sched")
		d := e.Decide(Request{Principal: p, Action: "WhoAmI", Resource: p})
		if d.Effect != Allow {
			t.Fatalf("request %d: got %+v, want allow", i, d)
		}
	}
	c.mu.RLock()
	n := len(c.m)
	c.mu.RUnlock()
	if n == 0 || n > decisionCacheLimit {
		t.Errorf("cache holds %d entries, want 1..%d", n, decisionCacheLimit)
	}
}

// Concurrent deciders and applies (run with -race): every decision must
// match its set version's answer.
func TestDecisionCacheConcurrent(t *testing.T) {
	allow := []store.PolicyFile{{Name: "a.cedar", Text: `@id("a") permit (principal, action == Action::"WhoAmI", resource);`}}
	deny := []store.PolicyFile{{Name: "b.cedar", Text: `@id("b") forbid (principal, action == Action::"WhoAmI", resource);`}}
	e := NewEngine()
	if err := e.Apply(1, allow); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	done := make(chan struct{})
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				p := Agent(fmt.Sprintf("a%d", (g*7+i)%50), "")
				d := e.Decide(Request{Principal: p, Action: "WhoAmI", Resource: p})
				want := Allow
				if d.Version%2 == 0 {
					want = Deny
				}
				if d.Effect != want {
					select {
					case errs <- fmt.Sprintf("version %d: %+v", d.Version, d):
					default:
					}
				}
			}
		}()
	}
	for v := int64(2); v <= 40; v++ {
		files := allow
		if v%2 == 0 {
			files = deny
		}
		if err := e.Apply(v, files); err != nil {
			t.Error(err)
		}
		time.Sleep(time.Millisecond)
	}
	close(done)
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}

// A cached deny is still a deny: Authorize reports every one to OnDeny.
func TestCachedDenyIsReported(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "airlock.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var denies []store.Event
	s := &Service{Store: st, Engine: cacheEngine(t, 1, cacheablePolicies), OnDeny: func(e store.Event) { denies = append(denies, e) }}
	caller := Agent("s1", "sched")
	for i := range 3 {
		if _, err := s.Authorize(t.Context(), Actor{ID: "spiffe://x/s1"}, caller, "WhoAmI", Agent("s2", "sched")); !errors.Is(err, ErrDenied) {
			t.Fatalf("call %d: err = %v, want ErrDenied", i, err)
		}
		if _, err := s.Authorize(t.Context(), Actor{ID: "spiffe://x/s1"}, caller, "WhoAmI", caller); err != nil {
			t.Fatalf("call %d: allowed WhoAmI: %v", i, err)
		}
	}
	if len(denies) != 3 {
		t.Fatalf("OnDeny saw %d denies, want 3", len(denies))
	}
	for _, e := range denies {
		if e.Type != "authz.denied" || !reflect.DeepEqual(e.Reasons, []string{ReasonDefaultDeny}) {
			t.Errorf("deny event %+v, want authz.denied by %s", e, ReasonDefaultDeny)
		}
	}
}
