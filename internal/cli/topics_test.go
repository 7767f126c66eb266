package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestTopicFlow: an admin creates a topic, an agent subscribes, another
// publishes, and the subscriber receives and acknowledges it once.
func TestTopicFlow(t *testing.T) {
	startDev(t)
	dir := t.TempDir()
	pub, sub := filepath.Join(dir, "pub"), filepath.Join(dir, "sub")
	for name, out := range map[string]string{"pub": pub, "sub": sub} {
		mustRun(t, "agent", "create", name)
		mustRun(t, "enroll", "--token", strings.TrimSpace(mustRun(t, "token", "create", "--agent", name)), "--out", out)
	}
	mustRun(t, "topic", "create", "orders")
	if out := mustRun(t, "topic", "list"); !strings.Contains(out, "orders") || !strings.Contains(out, "default") {
		t.Fatalf("topic list:\n%s", out)
	}
	if out := mustRun(t, "subscribe", "orders", "--subscription", "billing", "--identity", sub, "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("first subscribe: %s, want no messages", out)
	}
	id := strings.TrimSpace(mustRun(t, "publish", "orders", "--subject", "order 42", "--body", "paid", "--identity", pub))
	var got []struct {
		ID       string `json:"id"`
		Subject  string `json:"subject"`
		Body     string `json:"body"`
		Verified bool   `json:"verified"`
	}
	out := mustRun(t, "subscribe", "orders", "--subscription", "billing", "--wait", "5s", "--ack", "--identity", sub, "-o", "json")
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 1 || got[0].ID != id ||
		got[0].Subject != "order 42" || got[0].Body != "paid" || !got[0].Verified {
		t.Fatalf("subscribe after publish: %s (%v), want message %s", out, err, id)
	}
	if out := mustRun(t, "subscribe", "orders", "--subscription", "billing", "--identity", sub, "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("after --ack: %s, want no messages", out)
	}
	if _, errOut, code := run(t, "topic", "create", "x", "--identity", pub); code == 0 || !strings.Contains(errOut, "permission_denied") {
		t.Fatalf("agent creating a topic: exit %d, %s", code, errOut)
	}
}
