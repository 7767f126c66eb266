package client_test

import (
	"context"
	"net"
	"testing"

	"connectrpc.com/connect"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/server"
	"github.com/airlock-hub/airlock/internal/server/servertest"
)

// hub is a real hub on 127.0.0.1:0 (SQLite in a temp dir) with an admin
// client, as in internal/server's tests.
type hub struct {
	srv   *server.Server
	admin *client.Client
}

func startHub(t *testing.T) *hub {
	t.Helper()
	h := &hub{srv: servertest.Start(t)}
	h.admin = newClient(t, servertest.Admin(t, h.srv))
	return h
}

func listen(t *testing.T) net.Listener { return servertest.Listen(t) }

func (h *hub) apiURL() string { return "https://" + h.srv.APIAddr() }

// newClient returns a client for id without automatic renewal, closed when
// the test ends.
func newClient(t *testing.T, id *client.Identity) *client.Client {
	t.Helper()
	c, err := client.New(id, client.Options{NoRenew: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// token registers agent name and returns a join token for it.
func (h *hub) token(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := h.admin.Admin.CreateAgent(ctx, connect.NewRequest(&airlockv1.CreateAgentRequest{Name: name})); err != nil {
		t.Fatalf("create agent %s: %v", name, err)
	}
	resp, err := h.admin.Admin.CreateToken(ctx, connect.NewRequest(&airlockv1.CreateTokenRequest{Agent: name}))
	if err != nil {
		t.Fatalf("create token for %s: %v", name, err)
	}
	return resp.Msg.GetToken()
}

func (h *hub) enroll(token, fingerprint string) (*client.Identity, error) {
	return client.Enroll(context.Background(), client.EnrollOptions{
		Server: h.srv.EnrollAddr(), Token: token, CAFingerprint: fingerprint,
	})
}

// agent registers and enrolls agent name and saves its identity in a
// fresh directory, which it returns.
func (h *hub) agent(t *testing.T, name string) string {
	t.Helper()
	id, err := h.enroll(h.token(t, name), h.srv.Hub().CA.Fingerprint())
	if err != nil {
		t.Fatalf("enroll %s: %v", name, err)
	}
	dir := t.TempDir()
	if err := id.Save(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}
