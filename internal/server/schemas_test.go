package server_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/server"
	"github.com/airlock-hub/airlock/internal/store"
)

const invoiceType = "application/vnd.acme.invoice+json"

func readSchema(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "schemas", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func registerSchema(t *testing.T, c *client.Client, typ, file string) (*airlockv1.RegisterSchemaResponse, error) {
	t.Helper()
	resp, err := c.Schemas.RegisterSchema(context.Background(), connect.NewRequest(&airlockv1.RegisterSchemaRequest{
		Type: typ, Document: readSchema(t, file)}))
	if err != nil {
		return nil, err
	}
	return resp.Msg, nil
}

func sendInvoice(c *client.Client, contentType, body string) error {
	_, _, err := c.Send(context.Background(), client.SendOptions{To: "a2", Subject: "invoice", ContentType: contentType, Body: []byte(body)})
	return err
}

// TestSchemaEnforcement registers a schema through the API and checks
// that messages naming it by content type are validated, that bad schemas
// are refused, that versions and audit events are recorded, and that the
// schema still applies after a restart.
func TestSchemaEnforcement(t *testing.T) {
	h := startHub(t, "")
	ctx := context.Background()
	a1, a2 := h.agent(t, "a1"), h.agent(t, "a2")

	reg, err := registerSchema(t, h.admin, invoiceType, "invoice.schema.json")
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	if reg.GetType() != invoiceType || reg.GetVersion() != 1 || !reg.GetCreated() || len(reg.GetDigest()) != 64 {
		t.Fatalf("register: got %+v, want %s version 1, created, with a digest", reg, invoiceType)
	}

	if err := sendInvoice(a1, invoiceType, `{"number":"INV-1","amount":10}`); err != nil {
		t.Fatalf("conforming message: %v", err)
	}
	if ms := fetchAll(t, a2); len(ms) != 1 || string(ms[0].Body) != `{"number":"INV-1","amount":10}` {
		t.Fatalf("conforming message: got %+v, want it delivered", ms)
	} else if _, err := a2.Ack(ctx, ms[0].ID); err != nil {
		t.Fatal(err)
	}
	err = sendInvoice(a1, invoiceType+"; version=1", `{"number":"INV-2","amount":-1}`)
	wantCode(t, err, connect.CodeInvalidArgument, "/amount")
	err = sendInvoice(a1, invoiceType, `{"number":"INV-3","amount":1,"note":"x"}`)
	wantCode(t, err, connect.CodeInvalidArgument, "schema")
	if ms, err := a2.Fetch(ctx, 10, 0); err != nil || len(ms) != 0 {
		t.Fatalf("non-conforming messages were delivered: %+v %v", ms, err)
	}
	// A type with no schema is not validated.
	if err := sendInvoice(a1, "application/json", `{"amount":-1}`); err != nil {
		t.Fatalf("message without a schema: %v", err)
	}

	for _, tc := range []struct {
		name, typ, file, want string
	}{
		{"remote ref", invoiceType, "remote-ref.schema.json", "schemas.example.test"},
		{"invalid schema", invoiceType, "invalid.schema.json", "not a valid JSON Schema"},
		{"not a JSON media type", "invoice", "invoice.schema.json", "JSON media type"},
		{"media type with parameters", invoiceType + "; version=3", "invoice.schema.json", "must not contain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := registerSchema(t, h.admin, tc.typ, tc.file)
			wantCode(t, err, connect.CodeInvalidArgument, tc.want)
		})
	}
	_, err = registerSchema(t, a1, "application/vnd.a1+json", "invoice.schema.json")
	wantCode(t, err, connect.CodePermissionDenied, "")

	again, err := registerSchema(t, h.admin, strings.ToUpper(invoiceType), "invoice.schema.json")
	if err != nil || again.GetVersion() != 1 || again.GetCreated() {
		t.Fatalf("re-register the same document: got %+v, %v; want version 1, not created", again, err)
	}
	v2, err := registerSchema(t, h.admin, invoiceType, "invoice-v2.schema.json")
	if err != nil || v2.GetVersion() != 2 || !v2.GetCreated() || v2.GetDigest() == reg.GetDigest() {
		t.Fatalf("register a changed document: got %+v, %v; want version 2 with a new digest", v2, err)
	}
	// Version 2 requires a currency; version 1 can still be named.
	wantCode(t, sendInvoice(a1, invoiceType, `{"number":"INV-4","amount":1}`), connect.CodeInvalidArgument, "currency")
	if err := sendInvoice(a1, invoiceType+"; version=1", `{"number":"INV-5","amount":1}`); err != nil {
		t.Fatalf("message pinned to version 1: %v", err)
	}

	events := schemaEvents(t, h.srv)
	if len(events) != 2 {
		t.Fatalf("got %d schema.registered events, want 2 (one per version): %+v", len(events), events)
	}
	if e := events[1]; e.Target != invoiceType || e.Actor == "" || e.Detail != "v2 sha256:"+v2.GetDigest() {
		t.Fatalf("audit event %+v: want target %s, the admin as actor, detail v2 sha256:<digest>", e, invoiceType)
	}
	checkListAndGet(t, h.admin, v2.GetDigest())

	// A restart on the same data directory loads the stored schemas.
	h2 := restartHub(t, h)
	b1 := h2.agent(t, "b1") // a2 is known; the message needs no fetch
	wantCode(t, sendInvoice(b1, invoiceType, `{"number":"INV-6","amount":1}`), connect.CodeInvalidArgument, "currency")
	if err := sendInvoice(b1, invoiceType, `{"number":"INV-7","amount":1,"currency":"EUR"}`); err != nil {
		t.Fatalf("after restart, a conforming message: %v", err)
	}
}

func schemaEvents(t *testing.T, srv *server.Server) []store.Event {
	t.Helper()
	var evs []store.Event
	err := srv.Hub().Store.View(context.Background(), func(tx store.Tx) error {
		var err error
		evs, err = tx.Events(store.EventFilter{Type: "schema.registered"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func checkListAndGet(t *testing.T, admin *client.Client, v2Digest string) {
	t.Helper()
	ctx := context.Background()
	list, err := admin.Schemas.ListSchemas(ctx, connect.NewRequest(&airlockv1.ListSchemasRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if got := list.Msg.GetSchemas(); len(got) != 2 || got[0].GetVersion() != 1 || got[1].GetVersion() != 2 || got[1].GetActor() == "" {
		t.Fatalf("list: got %+v, want versions 1 and 2 with their actor", got)
	}
	latest, err := admin.Schemas.GetSchema(ctx, connect.NewRequest(&airlockv1.GetSchemaRequest{Type: invoiceType}))
	if err != nil || latest.Msg.GetSchema().GetDigest() != v2Digest || string(latest.Msg.GetDocument()) != string(readSchema(t, "invoice-v2.schema.json")) {
		t.Fatalf("get latest: got %+v, %v; want version 2's document", latest, err)
	}
	v1, err := admin.Schemas.GetSchema(ctx, connect.NewRequest(&airlockv1.GetSchemaRequest{Type: invoiceType, Version: 1}))
	if err != nil || string(v1.Msg.GetDocument()) != string(readSchema(t, "invoice.schema.json")) {
		t.Fatalf("get version 1: got %+v, %v", v1, err)
	}
	_, err = admin.Schemas.GetSchema(ctx, connect.NewRequest(&airlockv1.GetSchemaRequest{Type: invoiceType, Version: 3}))
	wantCode(t, err, connect.CodeNotFound, "v3")
}

// restartHub closes h's server and starts a new one with the same Config
// (so the same data directory and store).
func restartHub(t *testing.T, h *hub) *hub {
	t.Helper()
	if err := h.srv.Close(); err != nil {
		t.Fatalf("close hub: %v", err)
	}
	srv := &server.Server{
		Config:          h.srv.Config,
		Log:             slog.New(slog.NewTextHandler(io.Discard, nil)),
		APIListener:     listen(t),
		EnrollListener:  listen(t),
		MetricsListener: listen(t),
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("restart hub: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close hub: %v", err)
		}
	})
	h2 := &hub{srv: srv}
	h2.admin = h2.humanClient(t, "admin", []string{"admin"})
	return h2
}
