package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/airlock-hub/airlock/internal/server"
)

// TestKeysTopic: keys rotate, status and rewrap --topic act on that
// topic's keyset alone; an unknown topic fails, and --topic excludes
// --agent and --all.
func TestKeysTopic(t *testing.T) {
	startHub(t, func(*server.Config) {})
	pub, sub := enrollAgent(t, "pub"), enrollAgent(t, "sub")
	for _, topic := range []string{"orders", "news"} {
		mustRun(t, "topic", "create", topic)
		mustRun(t, "subscribe", topic, "--subscription", "s", "--identity", sub)
		mustRun(t, "publish", topic, "--body", "hello "+topic, "--identity", pub)
	}
	type keyJSON struct {
		Owner    string `json:"owner"`
		Keys     int    `json:"keys"`
		Messages int    `json:"messages"`
	}
	keys := func(args ...string) []keyJSON {
		t.Helper()
		out := mustRun(t, append([]string{"keys"}, append(args, "-o", "json")...)...)
		var ks []keyJSON
		if err := json.Unmarshal([]byte(out), &ks); err != nil {
			t.Fatalf("keys %s: %s: %v", strings.Join(args, " "), out, err)
		}
		return ks
	}
	if ks := keys("rotate", "--topic", "orders"); len(ks) != 1 || ks[0] != (keyJSON{"topic/orders", 2, 1}) {
		t.Fatalf("rotate --topic orders: %+v, want topic/orders with 2 keys, 1 message", ks)
	}
	if ks := keys("status", "--topic", "news"); len(ks) != 1 || ks[0] != (keyJSON{"topic/news", 1, 1}) {
		t.Errorf("status --topic news after rotating orders: %+v, want 1 key", ks)
	}
	if out := mustRun(t, "keys", "rewrap", "--topic", "orders", "-o", "json"); !strings.Contains(out, `"total": 1`) {
		t.Errorf("rewrap --topic orders: %s, want 1 message", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "rotate", "--topic", "missing"}, "not_found"},
		{[]string{"keys", "rotate", "--topic", "orders", "--all"}, "none of the others can be"},
		{[]string{"keys", "rewrap", "--topic", "orders", "--agent", "pub"}, "none of the others can be"},
		{[]string{"keys", "status", "--topic", "orders", "--agent", "pub"}, "none of the others can be"},
		{[]string{"keys", "rotate"}, "at least one of the flags"},
	} {
		if _, errOut, code := run(t, tc.args...); code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("airlock %s: exit %d, %q; want %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}
