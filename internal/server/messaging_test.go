package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/server"
)

const secret = "the launch code is PLAINTEXT-7731"

// rawDB returns the bytes of the hub's SQLite files.
func rawDB(t *testing.T, h *hub) []byte {
	t.Helper()
	var all []byte
	for _, f := range []string{"airlock.db", "airlock.db-wal"} {
		b, err := os.ReadFile(filepath.Join(h.srv.Config.DataDir, f))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func fetchAll(t *testing.T, c *client.Client) []client.Message {
	t.Helper()
	ms, err := c.Fetch(context.Background(), 100, 2*time.Second)
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	return ms
}

// TestMessagingDoneWhen is the messaging issue's "done when" through the
// API: a1 sends, a2 receives with a verified sender and subject, ack makes
// it go away for good, the database holds no plaintext, key rotation keeps
// old and new messages readable, and shredding a2's keyset makes its stored
// messages unreadable.
func TestMessagingDoneWhen(t *testing.T) {
	h := startHub(t, "", func(c *server.Config) { c.Messaging.Lease = time.Second })
	ctx := context.Background()
	a1, a2 := h.agent(t, "a1"), h.agent(t, "a2")

	id, state, err := a1.Send(ctx, client.SendOptions{To: "a2", Subject: "hello", Body: []byte(secret), ContentType: "text/plain"})
	if err != nil || state != client.StateReady {
		t.Fatalf("send: %q %q %v", id, state, err)
	}
	ms := fetchAll(t, a2)
	if len(ms) != 1 || ms[0].ID != id || !ms[0].Verified || ms[0].From != "spiffe://airlock.local/agent/a1" ||
		ms[0].Subject != "hello" || string(ms[0].Body) != secret {
		t.Fatalf("a2 received %+v, want a1's verified message", ms)
	}
	if _, err := a2.Ack(ctx, id); err != nil {
		t.Fatalf("ack: %v", err)
	}
	time.Sleep(1500 * time.Millisecond) // longer than the lease: an unacked message would be back
	if again, err := a2.Fetch(ctx, 10, 0); err != nil || len(again) != 0 {
		t.Fatalf("after ack: %d messages (%v), want none", len(again), err)
	}
	if bytes.Contains(rawDB(t, h), []byte("PLAINTEXT-7731")) {
		t.Fatal("the database holds the plaintext body")
	}

	// Rotation: the old message and a new one both stay readable.
	oldID, _, err := a1.Send(ctx, client.SendOptions{To: "a2", Subject: "old", Body: []byte("before rotation")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.admin.Keys.RotateKeys(ctx, connect.NewRequest(&airlockv1.RotateKeysRequest{All: true})); err != nil {
		t.Fatalf("rotate: %v", err)
	}
	rot, err := h.admin.Audit.ListEvents(ctx, connect.NewRequest(&airlockv1.ListEventsRequest{Type: "keys.rotated"}))
	if err != nil || len(rot.Msg.GetEvents()) == 0 || rot.Msg.GetEvents()[0].GetActor() != "spiffe://airlock.local/human/admin" {
		t.Fatalf("key rotation is not audited: %+v %v", rot, err)
	}
	newID, _, err := a1.Send(ctx, client.SendOptions{To: "a2", Subject: "new", Body: []byte("after rotation")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range fetchAll(t, a2) {
		got[m.ID] = string(m.Body)
	}
	if got[oldID] != "before rotation" || got[newID] != "after rotation" {
		t.Fatalf("after rotation: %v", got)
	}

	// Shredding a2's keyset makes its stored messages unreadable.
	if _, err := h.admin.Admin.DeleteAgent(ctx, connect.NewRequest(&airlockv1.DeleteAgentRequest{Name: "a2", Shred: true})); err != nil {
		t.Fatalf("delete --shred: %v", err)
	}
	st, err := h.admin.Keys.KeyStatus(ctx, connect.NewRequest(&airlockv1.KeyStatusRequest{Agent: "a2"}))
	if err != nil || len(st.Msg.GetKeys()) != 1 || !st.Msg.GetKeys()[0].GetShredded() {
		t.Fatalf("key status after shred: %+v, %v", st, err)
	}
	if _, err := h.srv.Hub().Keys.Open(ctx, "agent/a2", []byte("x"), nil); err == nil {
		t.Fatal("the shredded keyset still opens data")
	}
	if raw := rawDB(t, h); bytes.Contains(raw, []byte("before rotation")) || bytes.Contains(raw, []byte("after rotation")) {
		t.Fatal("the database holds plaintext after shredding")
	}
}

func TestMessagingBadInput(t *testing.T) {
	h := startHub(t, "", func(c *server.Config) { c.Messaging.QuotaMessages = 3 })
	ctx := context.Background()
	a1, a2 := h.agent(t, "a1"), h.agent(t, "a2")
	h.agent(t, "a3")
	send := func(o client.SendOptions) error {
		_, _, err := a1.Send(ctx, o)
		return err
	}
	wantCode(t, send(client.SendOptions{To: "nobody", Body: []byte("x")}), connect.CodeNotFound, "does not exist")
	if _, err := h.admin.Admin.SuspendAgent(ctx, connect.NewRequest(&airlockv1.SuspendAgentRequest{Name: "a3"})); err != nil {
		t.Fatal(err)
	}
	wantCode(t, send(client.SendOptions{To: "a3", Body: []byte("x")}), connect.CodeFailedPrecondition, "suspended")
	wantCode(t, send(client.SendOptions{To: "a2", Body: make([]byte, 1<<20+1)}), connect.CodeInvalidArgument, "body")
	wantCode(t, send(client.SendOptions{To: "a2", ContentType: "text/plain", Body: []byte{0xff, 0xfe}}), connect.CodeInvalidArgument, "UTF-8")

	// A forged sender field or a bad signature never gets through.
	req, err := a1.NewSendRequest(client.SendOptions{To: "a2", Subject: "s", Body: []byte("hi")})
	if err != nil {
		t.Fatal(err)
	}
	req.Signature[len(req.Signature)-1] ^= 1
	_, err = a1.Messaging.Send(ctx, connect.NewRequest(req))
	wantCode(t, err, connect.CodeInvalidArgument, "signature")
	req, _ = a1.NewSendRequest(client.SendOptions{To: "a2", Subject: "s", Body: []byte("hi")})
	req.Signature = nil
	_, err = a1.Messaging.Send(ctx, connect.NewRequest(req))
	wantCode(t, err, connect.CodeInvalidArgument, "signature")

	// Replaying a captured envelope is refused, never delivered twice.
	req, _ = a1.NewSendRequest(client.SendOptions{To: "a2", Subject: "once", Body: []byte("hi")})
	if _, err := a1.Messaging.Send(ctx, connect.NewRequest(req)); err != nil {
		t.Fatal(err)
	}
	_, err = a1.Messaging.Send(ctx, connect.NewRequest(req))
	wantCode(t, err, connect.CodeAlreadyExists, "")

	// Ack of someone else's message and of an unknown ID.
	_, err = a1.Ack(ctx, req.GetId())
	wantCode(t, err, connect.CodeNotFound, "")
	_, err = a2.Ack(ctx, "01a21e6b-0000-7000-8000-000000000000")
	wantCode(t, err, connect.CodeNotFound, "")

	// A flood over the mailbox quota is refused with a clear message.
	var last error
	for i := 0; i < 5 && last == nil; i++ {
		last = send(client.SendOptions{To: "a2", Body: []byte("flood")})
	}
	wantCode(t, last, connect.CodeResourceExhausted, "quota")
	if got := len(fetchAll(t, a2)); got != 3 {
		t.Fatalf("a2 holds %d messages, want the quota of 3", got)
	}
}

// TestTamperedMessageIsDataLoss: a flipped byte in a stored body is
// reported as DataLoss and never delivered as valid.
func TestTamperedMessageIsDataLoss(t *testing.T) {
	h := startHub(t, "")
	ctx := context.Background()
	a1, a2 := h.agent(t, "a1"), h.agent(t, "a2")
	id, _, err := a1.Send(ctx, client.SendOptions{To: "a2", Subject: "s", Body: []byte("payload")})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(h.srv.Config.DataDir, "airlock.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var body []byte
	if err := db.QueryRow(`SELECT body FROM messages WHERE id = ?`, id).Scan(&body); err != nil {
		t.Fatal(err)
	}
	body[len(body)/2] ^= 1
	if _, err := db.Exec(`UPDATE messages SET body = ? WHERE id = ?`, body, id); err != nil {
		t.Fatal(err)
	}
	_, _, err = a2.GetMessage(ctx, id)
	wantCode(t, err, connect.CodeDataLoss, "")
	if ms := fetchAll(t, a2); len(ms) != 0 {
		t.Fatalf("a tampered message was delivered: %+v", ms)
	}
	resp, err := h.admin.Audit.ListEvents(ctx, connect.NewRequest(&airlockv1.ListEventsRequest{Type: "message.corrupt"}))
	if err != nil || len(resp.Msg.GetEvents()) == 0 || !strings.Contains(resp.Msg.GetEvents()[0].GetDetail()+resp.Msg.GetEvents()[0].GetTarget(), id) {
		t.Fatalf("no message.corrupt audit event naming %s: %+v %v", id, resp, err)
	}
}
