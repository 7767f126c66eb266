package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/server"
)

// deadLetterJSON is the part of a listed dead letter the tests read.
type deadLetterJSON struct {
	ID       string `json:"id"`
	Body     string `json:"body"`
	Verified bool   `json:"verified"`
	Error    string `json:"error"`
}

// TestSubscriptionDeadLetterCLI: with one delivery attempt, a message the
// subscriber does not acknowledge lands in the subscription's dead-letter
// queue; `subscribe --dead-letter` lists it, `subscribe requeue` moves it
// back and it is delivered and acknowledged; another agent can do
// neither, and an unknown ID moves nothing.
func TestSubscriptionDeadLetterCLI(t *testing.T) {
	startHub(t, func(c *server.Config) { c.Messaging.Lease, c.Messaging.MaxAttempts = time.Second, 1 })
	pub, sub, other := enrollAgent(t, "pub"), enrollAgent(t, "sub"), enrollAgent(t, "other")
	mustRun(t, "topic", "create", "orders")
	mustRun(t, "subscribe", "orders", "--subscription", "billing", "--identity", sub)
	mustRun(t, "subscribe", "orders", "--subscription", "audit", "--identity", other)
	id := strings.TrimSpace(mustRun(t, "publish", "orders", "--subject", "poison", "--body", "never acked", "--identity", pub))
	if out := mustRun(t, "subscribe", "orders", "--subscription", "billing", "--wait", "5s", "--identity", sub, "-o", "json"); !strings.Contains(out, id) {
		t.Fatalf("first delivery: %s, want %s", out, id)
	}
	time.Sleep(1200 * time.Millisecond) // past the only lease

	listDead := func() []deadLetterJSON {
		t.Helper()
		out := mustRun(t, "subscribe", "orders", "--subscription", "billing", "--dead-letter", "--identity", sub, "-o", "json")
		var dls []deadLetterJSON
		if err := json.Unmarshal([]byte(out), &dls); err != nil {
			t.Fatalf("--dead-letter -o json: %s: %v", out, err)
		}
		return dls
	}
	if out := mustRun(t, "subscribe", "orders", "--subscription", "billing", "--identity", sub, "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("after max attempts: %s, want no messages", out)
	}
	if dls := listDead(); len(dls) != 1 || dls[0].ID != id || !dls[0].Verified || dls[0].Body != "never acked" || dls[0].Error != "" {
		t.Fatalf("dead letters: %+v, want %s, verified", dls, id)
	}
	if out := mustRun(t, "subscribe", "orders", "--subscription", "billing", "--dead-letter", "--identity", sub); !strings.Contains(out, id) || !strings.Contains(out, "VERIFIED") {
		t.Errorf("--dead-letter text:\n%s", out)
	}
	for _, args := range [][]string{
		{"subscribe", "orders", "--subscription", "billing", "--dead-letter", "--identity", other},
		{"subscribe", "requeue", "orders", "--subscription", "billing", id, "--identity", other},
		{"subscribe", "requeue", "orders", "--subscription", "billing", "0190f1b2-7c1e-7000-8000-000000000000", "--identity", sub},
	} {
		if _, errOut, code := run(t, args...); code == 0 || !strings.Contains(errOut, "not_found") {
			t.Errorf("airlock %s: exit %d, %s; want not_found", strings.Join(args, " "), code, errOut)
		}
	}
	if dls := listDead(); len(dls) != 1 {
		t.Fatalf("after refused requeues: %d dead letters, want 1", len(dls))
	}
	out := mustRun(t, "subscribe", "requeue", "orders", "--subscription", "billing", id, "--identity", sub, "-o", "json")
	var res map[string]int
	if err := json.Unmarshal([]byte(out), &res); err != nil || res["requeued"] != 1 {
		t.Fatalf("requeue -o json: %s (%v), want requeued 1", out, err)
	}
	if dls := listDead(); len(dls) != 0 {
		t.Fatalf("after requeue: %+v, want none", dls)
	}
	if out := mustRun(t, "subscribe", "orders", "--subscription", "billing", "--wait", "5s", "--ack", "--identity", sub, "-o", "json"); !strings.Contains(out, id) {
		t.Fatalf("after requeue: %s, want %s delivered again", out, id)
	}
	time.Sleep(1200 * time.Millisecond)
	if dls := listDead(); len(dls) != 0 {
		t.Errorf("after the ack: %+v, want no dead letters", dls)
	}
}

// TestSubscribeDeadLetterFlags: --dead-letter excludes --ack and --wait,
// and requeue needs --subscription and at least one ID.
func TestSubscribeDeadLetterFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"subscribe", "t", "--subscription", "s", "--dead-letter", "--ack"}, "none of the others can be"},
		{[]string{"subscribe", "t", "--subscription", "s", "--dead-letter", "--wait"}, "none of the others can be"},
		{[]string{"subscribe", "requeue", "t", "some-id"}, `"subscription" not set`},
		{[]string{"subscribe", "requeue", "t", "--subscription", "s"}, "requires at least 2 arg"},
	} {
		if _, errOut, code := run(t, tc.args...); code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("airlock %s: exit %d, %q; want %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}
