package server_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/policy"
)

// TestApprovalGatedSend: a send that policy allows only with approval is
// held, not delivered; the sender may not approve it; an admin's approval
// delivers it, a denial drops it.
func TestApprovalGatedSend(t *testing.T) {
	h := startHub(t, "")
	ctx := context.Background()
	req := &airlockv1.ApplyPolicyRequest{}
	for _, f := range policy.StarterFiles() {
		req.Files = append(req.Files, &airlockv1.PolicyFile{Name: f.Name, Text: f.Text})
	}
	req.Files = append(req.Files, &airlockv1.PolicyFile{Name: "support.cedar", Text: `
@id("support-needs-approval")
@approval("1")
permit (principal in Segment::"support", action == Action::"SendMessage", resource is Agent);`})
	if _, err := h.admin.Policy.ApplyPolicy(ctx, connect.NewRequest(req)); err != nil {
		t.Fatal(err)
	}
	sup := h.agentIn(t, "sup1", "support")
	a2 := h.agent(t, "a2")

	send := func(body string) *airlockv1.SendResponse {
		r, err := sup.NewSendRequest(client.SendOptions{To: "a2", Subject: "s", Body: []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := sup.Messaging.Send(ctx, connect.NewRequest(r))
		if err != nil {
			t.Fatalf("send: %v", err)
		}
		if resp.Msg.GetState() != "held" || resp.Msg.GetAccessRequestId() == "" {
			t.Fatalf("approval-gated send: %+v, want held with an access request", resp.Msg)
		}
		return resp.Msg
	}
	held := send("needs a human")
	if ms := fetchAll(t, a2); len(ms) != 0 {
		t.Fatalf("a held message was delivered: %+v", ms)
	}
	_, err := sup.Access.ApproveAccess(ctx, connect.NewRequest(&airlockv1.ApproveAccessRequest{Id: held.GetAccessRequestId()}))
	wantCode(t, err, connect.CodePermissionDenied, "own request")
	if _, err := h.admin.Access.ApproveAccess(ctx, connect.NewRequest(&airlockv1.ApproveAccessRequest{Id: held.GetAccessRequestId()})); err != nil {
		t.Fatalf("approve: %v", err)
	}
	ms := fetchAll(t, a2)
	if len(ms) != 1 || ms[0].ID != held.GetId() || string(ms[0].Body) != "needs a human" || !ms[0].Verified {
		t.Fatalf("after approval a2 got %+v, want the held message", ms)
	}

	dropped := send("will be denied")
	if _, err := h.admin.Access.DenyAccess(ctx, connect.NewRequest(&airlockv1.DenyAccessRequest{Id: dropped.GetAccessRequestId()})); err != nil {
		t.Fatalf("deny: %v", err)
	}
	later, err := a2.Fetch(ctx, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range later {
		if m.ID == dropped.GetId() {
			t.Fatal("a denied message was delivered")
		}
	}
	resp, err := h.admin.Audit.ListEvents(ctx, connect.NewRequest(&airlockv1.ListEventsRequest{Type: "message.dropped"}))
	if err != nil || len(resp.Msg.GetEvents()) != 1 {
		t.Fatalf("message.dropped events: %+v, %v", resp, err)
	}
}
