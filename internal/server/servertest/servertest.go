// Package servertest runs a real hub in-process for tests of the packages
// above internal/server: TLS listeners on 127.0.0.1:0, SQLite in a
// temporary directory, and an admin identity issued in-process.
//
//	srv := servertest.Start(t, func(c *server.Config) { c.Messaging.Lease = time.Second })
//	admin := servertest.Admin(t, srv)
package servertest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/airlock-hub/airlock/client"
	"github.com/airlock-hub/airlock/internal/server"
)

// Start starts a hub with the default configuration, tweaked by tweak,
// its data in t.TempDir(); it is closed when the test ends.
func Start(t testing.TB, tweak ...func(*server.Config)) *server.Server {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.DataDir = t.TempDir()
	for _, f := range tweak {
		f(&cfg)
	}
	srv := &server.Server{Config: cfg, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		APIListener: Listen(t), EnrollListener: Listen(t), MetricsListener: Listen(t)}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("start hub: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close hub: %v", err)
		}
	})
	return srv
}

// Listen returns a TCP listener on a free port of 127.0.0.1.
func Listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Admin issues an identity for the human "admin" (role admin) of srv,
// pointed at its agent API.
func Admin(t testing.TB, srv *server.Server) *client.Identity {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	svid, err := srv.Hub().Identities.IssueHuman(context.Background(), "admin", []string{"admin"}, key.Public())
	if err != nil {
		t.Fatalf("issue admin: %v", err)
	}
	return &client.Identity{Key: key, Chain: svid.Chain, Bundle: srv.Hub().CA.Roots(), ID: svid.ID,
		Server: "https://" + srv.APIAddr()}
}
