package server_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	_ "modernc.org/sqlite"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/audit"
)

// TestAuditDoneWhen is the audit issue's "done when": after enrolling and
// revoking agents, the log shows each action with actor and outcome and
// verifies; an inclusion proof checks out offline with only the public key;
// after one row is edited in the SQLite file, verify names the index.
func TestAuditDoneWhen(t *testing.T) {
	h := startHub(t, "")
	ctx := context.Background()
	h.agent(t, "a1")
	h.agent(t, "a2")
	if _, err := h.admin.Admin.RevokeAgent(ctx, connect.NewRequest(&airlockv1.RevokeAgentRequest{Name: "a1"})); err != nil {
		t.Fatal(err)
	}
	resp, err := h.admin.Audit.ListEvents(ctx, connect.NewRequest(&airlockv1.ListEventsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]*airlockv1.Event{}
	for _, e := range resp.Msg.GetEvents() {
		seen[e.GetType()+" "+e.GetTarget()] = e
	}
	for _, want := range []string{"agent.created spiffe://airlock.local/agent/a1", "token.created spiffe://airlock.local/agent/a1",
		"token.used spiffe://airlock.local/agent/a1", "agent.enrolled spiffe://airlock.local/agent/a1",
		"agent.revoked spiffe://airlock.local/agent/a1"} {
		e, ok := seen[want]
		if !ok {
			t.Fatalf("no %q event in the log", want)
		}
		if e.GetOutcome() != "success" {
			t.Errorf("%s: outcome %q", want, e.GetOutcome())
		}
	}
	if got := seen["agent.revoked spiffe://airlock.local/agent/a1"].GetActor(); got != "spiffe://airlock.local/human/admin" {
		t.Errorf("revocation actor: got %q, want the admin", got)
	}
	if v := verify(t, h, nil); !v.GetOk() {
		t.Fatalf("intact log does not verify: %+v", v)
	}

	// A proof checks out offline with only the public key.
	key, err := h.admin.Audit.GetPublicKey(ctx, connect.NewRequest(&airlockv1.GetPublicKeyRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	revoked := seen["agent.revoked spiffe://airlock.local/agent/a1"].GetSeq()
	pr, err := h.admin.Audit.GetProof(ctx, connect.NewRequest(&airlockv1.GetProofRequest{Seq: revoked}))
	if err != nil {
		t.Fatalf("prove: %v", err)
	}
	p, err := audit.ParseProof([]byte(pr.Msg.GetProofJson()))
	if err != nil {
		t.Fatal(err)
	}
	ev, _, err := audit.CheckProof(p, key.Msg.GetVerifierKey())
	if err != nil || ev.Seq != revoked || ev.Type != "agent.revoked" {
		t.Fatalf("check proof: %+v, %v", ev, err)
	}

	// Edit one row in the SQLite file behind the hub's back.
	db, err := sql.Open("sqlite", filepath.Join(h.srv.Config.DataDir, "airlock.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit_events SET actor = 'spiffe://airlock.local/human/someone-else' WHERE seq = ?`, revoked); err != nil {
		t.Fatal(err)
	}
	v := verify(t, h, nil)
	if v.GetOk() || v.GetBadSeq() != revoked || v.GetBadIndex() != revoked-1 || !strings.Contains(v.GetReason(), "edited") {
		t.Fatalf("tampered log: got %+v, want event %d named as edited", v, revoked)
	}
}

func verify(t *testing.T, h *hub, external []byte) *airlockv1.VerifyResponse {
	t.Helper()
	stream, err := h.admin.Audit.Verify(context.Background(), connect.NewRequest(&airlockv1.VerifyRequest{ExternalCheckpoint: external}))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var last *airlockv1.VerifyResponse
	for stream.Receive() {
		last = stream.Msg()
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if last == nil || !last.GetFinished() {
		t.Fatal("verify stream ended without a result")
	}
	return last
}

func TestAuditNeedsAdminAndIsAudited(t *testing.T) {
	h := startHub(t, "")
	a := h.agent(t, "a1")
	ctx := context.Background()
	_, err := a.Audit.ListEvents(ctx, connect.NewRequest(&airlockv1.ListEventsRequest{}))
	wantCode(t, err, connect.CodePermissionDenied, "permission denied")
	resp, err := h.admin.Audit.ListEvents(ctx, connect.NewRequest(&airlockv1.ListEventsRequest{Type: "audit.read"}))
	if err != nil {
		t.Fatal(err)
	}
	var denied, allowed bool
	for _, e := range resp.Msg.GetEvents() {
		denied = denied || (e.GetActor() == "spiffe://airlock.local/agent/a1" && e.GetOutcome() == "failure")
		allowed = allowed || (e.GetActor() == "spiffe://airlock.local/human/admin" && e.GetOutcome() == "success")
	}
	if !denied || !allowed {
		t.Fatalf("audit.read events: denied read recorded %v, admin read recorded %v", denied, allowed)
	}
	_, err = h.admin.Audit.ListEvents(ctx, connect.NewRequest(&airlockv1.ListEventsRequest{Limit: 20000}))
	wantCode(t, err, connect.CodeInvalidArgument, "limit")
	_, err = h.admin.Audit.ListEvents(ctx, connect.NewRequest(&airlockv1.ListEventsRequest{Outcome: "maybe"}))
	wantCode(t, err, connect.CodeInvalidArgument, "outcome")
}

// TestRefusalsAreAudited: a revoked agent's attempts are recorded, with the
// identity it presented.
func TestRefusalsAreAudited(t *testing.T) {
	h := startHub(t, "")
	a := h.agent(t, "a1")
	ctx := context.Background()
	if _, err := a.WhoAmI(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.admin.Admin.SuspendAgent(ctx, connect.NewRequest(&airlockv1.SuspendAgentRequest{Name: "a1"})); err != nil {
		t.Fatal(err)
	}
	_, _ = a.WhoAmI(ctx)                         // refused on the open connection
	_, _ = h.connect(t, a.Current()).WhoAmI(ctx) // refused at the handshake
	want := map[string]bool{"request refused": false, "handshake refused": false}
	deadline := time.Now().Add(5 * time.Second) // refusals are written asynchronously
	for time.Now().Before(deadline) && !(want["request refused"] && want["handshake refused"]) {
		resp, err := h.admin.Audit.ListEvents(ctx, connect.NewRequest(&airlockv1.ListEventsRequest{Type: "auth.failed"}))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.Msg.GetEvents() {
			for k := range want {
				if strings.HasPrefix(e.GetDetail(), k) && e.GetActor() == "spiffe://airlock.local/agent/a1" && e.GetOutcome() == "failure" {
					want[k] = true
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	for k, ok := range want {
		if !ok {
			t.Errorf("no auth.failed event %q for a1", k)
		}
	}
}
