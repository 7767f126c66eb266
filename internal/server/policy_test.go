package server_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/policy"
)

func (h *hub) applyExamples(t *testing.T) int64 {
	t.Helper()
	files, err := policy.LoadPolicyFiles("../../examples/policies")
	if err != nil {
		t.Fatal(err)
	}
	req := &airlockv1.ApplyPolicyRequest{}
	for _, f := range files {
		req.Files = append(req.Files, &airlockv1.PolicyFile{Name: f.Name, Text: f.Text})
	}
	resp, err := h.admin.Policy.ApplyPolicy(context.Background(), connect.NewRequest(req))
	if err != nil {
		t.Fatalf("apply examples: %v", err)
	}
	return resp.Msg.GetVersion()
}

func (h *hub) agentIn(t *testing.T, name, segment string) *client.Client {
	t.Helper()
	ctx := context.Background()
	if _, err := h.admin.Admin.CreateAgent(ctx, connect.NewRequest(&airlockv1.CreateAgentRequest{Name: name, Segment: segment})); err != nil {
		t.Fatal(err)
	}
	id, err := h.enroll(t, h.token(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return h.connect(t, id)
}

func (h *hub) explain(t *testing.T, principal, action, resource string) *airlockv1.ExplainResponse {
	t.Helper()
	resp, err := h.admin.Policy.Explain(context.Background(), connect.NewRequest(&airlockv1.ExplainRequest{
		Principal: principal, Action: action, Resource: resource}))
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	return resp.Msg
}

// TestPolicyDoneWhen is the policy issue's "done when" through the API:
// s1 (scheduling) → f1 (finance) SendMessage is denied with the reason;
// s1 requests access, may not approve its own request, the admin approves;
// explain shows the grant; after it expires it is denied again; approving
// twice is refused.
func TestPolicyDoneWhen(t *testing.T) {
	h := startHub(t, "")
	ctx := context.Background()
	h.applyExamples(t)
	s1 := h.agentIn(t, "s1", "scheduling")
	h.agentIn(t, "f1", "finance")

	d := h.explain(t, `Agent::"s1"`, `Action::"SendMessage"`, `Agent::"f1"`)
	if d.GetDecision() != "deny" || strings.Join(d.GetReasons(), ",") != "scheduling-not-finance" {
		t.Fatalf("s1 → f1 before the grant: %v %v, want deny because of %s", d.GetDecision(), d.GetReasons(), "scheduling-not-finance")
	}
	req, err := s1.Access.RequestAccess(ctx, connect.NewRequest(&airlockv1.RequestAccessRequest{
		Action: "SendMessage", Resource: `Agent::"f1"`, DurationSeconds: 2, Reason: "quarterly invoice"}))
	if err != nil {
		t.Fatalf("request access: %v", err)
	}
	id := req.Msg.GetRequest().GetId()
	if req.Msg.GetRequest().GetState() != "pending" || id == "" {
		t.Fatalf("new request: %+v", req.Msg.GetRequest())
	}
	_, err = s1.Access.ApproveAccess(ctx, connect.NewRequest(&airlockv1.ApproveAccessRequest{Id: id}))
	wantCode(t, err, connect.CodePermissionDenied, "own request")

	ok, err := h.admin.Access.ApproveAccess(ctx, connect.NewRequest(&airlockv1.ApproveAccessRequest{Id: id, Comment: "fine"}))
	if err != nil || ok.Msg.GetRequest().GetState() != "approved" || ok.Msg.GetRequest().GetGrantId() == "" {
		t.Fatalf("admin approval: %+v, %v", ok, err)
	}
	grant := ok.Msg.GetRequest().GetGrantId()
	d = h.explain(t, `Agent::"s1"`, `SendMessage`, `Agent::"f1"`)
	if d.GetDecision() != "allow" || strings.Join(d.GetReasons(), ",") != "grant:"+grant {
		t.Fatalf("s1 → f1 with the grant: %v %v, want allow through grant:%s", d.GetDecision(), d.GetReasons(), grant)
	}
	_, err = h.admin.Access.ApproveAccess(ctx, connect.NewRequest(&airlockv1.ApproveAccessRequest{Id: id}))
	wantCode(t, err, connect.CodeFailedPrecondition, "already approved")

	time.Sleep(time.Until(ok.Msg.GetRequest().GetDecidedAt().AsTime().Add(2100 * time.Millisecond)))
	d = h.explain(t, `Agent::"s1"`, `SendMessage`, `Agent::"f1"`)
	if d.GetDecision() != "deny" {
		t.Fatalf("s1 → f1 after the grant expired: %v %v, want deny", d.GetDecision(), d.GetReasons())
	}
}

func TestPolicyApplyRejectsBadSets(t *testing.T) {
	h := startHub(t, "")
	ctx := context.Background()
	before := h.applyExamples(t)
	for name, text := range map[string]string{
		"syntax.cedar":  "permit (principal, action, resource",
		"unknown.cedar": `permit (principal is Robot, action, resource);`,
		"attr.cedar":    "permit (principal is Agent, action, resource) when { principal.colour == \"red\" };",
	} {
		_, err := h.admin.Policy.ApplyPolicy(ctx, connect.NewRequest(&airlockv1.ApplyPolicyRequest{
			Files: []*airlockv1.PolicyFile{{Name: name, Text: text}}}))
		wantCode(t, err, connect.CodeInvalidArgument, name+":1:")
	}
	_, err := h.admin.Policy.ApplyPolicy(ctx, connect.NewRequest(&airlockv1.ApplyPolicyRequest{}))
	wantCode(t, err, connect.CodeInvalidArgument, "no policies")
	got, err := h.admin.Policy.GetPolicy(ctx, connect.NewRequest(&airlockv1.GetPolicyRequest{}))
	if err != nil || got.Msg.GetPolicy().GetVersion() != before || !got.Msg.GetPolicy().GetActive() {
		t.Fatalf("after rejected applies the active version must stay %d: %+v, %v", before, got, err)
	}
	a := h.agentIn(t, "s1", "scheduling")
	_, err = a.Policy.ApplyPolicy(ctx, connect.NewRequest(&airlockv1.ApplyPolicyRequest{}))
	wantCode(t, err, connect.CodePermissionDenied, "ManagePolicy")
}

func TestGrantsAndConcurrentApproval(t *testing.T) {
	h := startHub(t, "")
	ctx := context.Background()
	h.applyExamples(t)
	s1 := h.agentIn(t, "s1", "scheduling")
	h.agentIn(t, "f1", "finance")
	for _, ttl := range []int64{-1, 0, 15 * 24 * 3600} {
		_, err := h.admin.Grants.CreateGrant(ctx, connect.NewRequest(&airlockv1.CreateGrantRequest{
			Principal: `Agent::"s1"`, Action: "SendMessage", Resource: `Agent::"f1"`, TtlSeconds: ttl, Reason: "r"}))
		wantCode(t, err, connect.CodeInvalidArgument, "ttl")
	}
	g, err := h.admin.Grants.CreateGrant(ctx, connect.NewRequest(&airlockv1.CreateGrantRequest{
		Principal: `Agent::"s1"`, Action: "SendMessage", Resource: `Agent::"f1"`, TtlSeconds: 3600, Reason: "incident 42"}))
	if err != nil {
		t.Fatal(err)
	}
	if d := h.explain(t, `Agent::"s1"`, "SendMessage", `Agent::"f1"`); d.GetDecision() != "allow" {
		t.Fatalf("with a grant: %v", d.GetDecision())
	}
	if _, err := h.admin.Grants.RevokeGrant(ctx, connect.NewRequest(&airlockv1.RevokeGrantRequest{Id: g.Msg.GetGrant().GetId()})); err != nil {
		t.Fatal(err)
	}
	if d := h.explain(t, `Agent::"s1"`, "SendMessage", `Agent::"f1"`); d.GetDecision() != "deny" {
		t.Fatalf("after revoking the grant: %v", d.GetDecision())
	}

	// Two admins approve one request at once: exactly one wins.
	admin2 := h.humanClient(t, "admin2", []string{"admin"})
	req, err := s1.Access.RequestAccess(ctx, connect.NewRequest(&airlockv1.RequestAccessRequest{
		Action: "SendMessage", Resource: `Agent::"f1"`, DurationSeconds: 600, Reason: "race"}))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, c := range []*client.Client{h.admin, admin2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Access.ApproveAccess(ctx, connect.NewRequest(&airlockv1.ApproveAccessRequest{Id: req.Msg.GetRequest().GetId()}))
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("concurrent approvals: %v / %v, want exactly one success", errs[0], errs[1])
	}
	grants, err := h.admin.Grants.ListGrants(ctx, connect.NewRequest(&airlockv1.ListGrantsRequest{Principal: `Agent::"s1"`}))
	if err != nil || len(grants.Msg.GetGrants()) != 1 {
		t.Fatalf("active grants after the race: %d (%v), want 1", len(grants.Msg.GetGrants()), err)
	}
	_, err = h.admin.Access.ApproveAccess(ctx, connect.NewRequest(&airlockv1.ApproveAccessRequest{Id: "ar-doesnotexist"}))
	wantCode(t, err, connect.CodeNotFound, "ar-doesnotexist")
	_, err = s1.Access.RequestAccess(ctx, connect.NewRequest(&airlockv1.RequestAccessRequest{
		Action: "SendMessage", Resource: `Agent::"f1"`, DurationSeconds: 600}))
	wantCode(t, err, connect.CodeInvalidArgument, "reason")
}

// TestDenialsAreAudited: a denied call leaves an authz.denied event naming
// the policies behind the decision.
func TestDenialsAreAudited(t *testing.T) {
	h := startHub(t, "")
	ctx := context.Background()
	a := h.agent(t, "a1")
	_, err := a.Admin.ListAgents(ctx, connect.NewRequest(&airlockv1.ListAgentsRequest{}))
	wantCode(t, err, connect.CodePermissionDenied, "default-deny")
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := h.admin.Audit.ListEvents(ctx, connect.NewRequest(&airlockv1.ListEventsRequest{Type: "authz.denied"}))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.Msg.GetEvents() {
			if e.GetActor() == "spiffe://airlock.local/agent/a1" && e.GetDetail() == "ManageAgents" &&
				strings.Join(e.GetReasons(), ",") == policy.ReasonDefaultDeny {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no authz.denied event for a1's ListAgents")
}
