package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/airlock-hub/airlock/internal/server"
)

// TestRedactedOriginalCLI: under secrets: redact the recipient's inbox
// shows the redacted body as verified, and only a reviewer gets the
// original with quarantine show --original, its signature verified.
func TestRedactedOriginalCLI(t *testing.T) {
	startHub(t, func(c *server.Config) { c.Screening.Secrets = "redact" })
	a1, a2 := enrollAgent(t, "a1"), enrollAgent(t, "a2")
	token := "ghp_" + strings.Repeat("Zq9", 12)
	body := "deploy with " + token + " today"
	id := strings.TrimSpace(mustRun(t, "send", "--to", "a2", "--subject", "deploy", "--body", body, "--identity", a1))

	var inbox []struct {
		ID       string `json:"id"`
		Body     string `json:"body"`
		Verified bool   `json:"verified"`
		Labels   struct {
			Redacted bool `json:"redacted"`
		} `json:"labels"`
	}
	out := mustRun(t, "inbox", "--wait", "5s", "--ack", "--identity", a2, "-o", "json")
	if err := json.Unmarshal([]byte(out), &inbox); err != nil {
		t.Fatalf("inbox -o json: %s: %v", out, err)
	}
	if len(inbox) != 1 || inbox[0].ID != id || !inbox[0].Verified || !inbox[0].Labels.Redacted ||
		strings.Contains(inbox[0].Body, token) || !strings.Contains(inbox[0].Body, "[REDACTED:github-token]") {
		t.Fatalf("inbox: %+v, want %s redacted and verified", inbox, id)
	}

	var shown struct {
		Original string `json:"original_body"`
		Verified bool   `json:"signature_verified"`
	}
	out = mustRun(t, "quarantine", "show", id, "--original", "-o", "json")
	if err := json.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatalf("show --original -o json: %s: %v", out, err)
	}
	if shown.Original != body || !shown.Verified {
		t.Fatalf("show --original: %+v, want the original with a verified signature", shown)
	}
	if out := mustRun(t, "quarantine", "show", id, "--original"); !strings.Contains(out, token) || !strings.Contains(out, "verified") {
		t.Errorf("show --original text:\n%s", out)
	}
	if _, errOut, code := run(t, "quarantine", "show", id, "--original", "--identity", a2); code == 0 || !strings.Contains(errOut, "permission_denied") {
		t.Errorf("the recipient asked for the original: exit %d, %s; want permission_denied", code, errOut)
	}
}
