package cli_test

import (
	"path/filepath"
	"testing"

	"github.com/airlock-hub/airlock/internal/server"
	"github.com/airlock-hub/airlock/internal/server/servertest"
)

// startHub runs a hub in-process with cfg tweaked, writes an admin
// identity and sets the CLI's environment for it, as airlock dev does.
// Unlike startDev, it can shorten leases and attempts.
func startHub(t *testing.T, tweak func(*server.Config)) {
	t.Helper()
	srv := servertest.Start(t, tweak)
	dir := filepath.Join(t.TempDir(), "admin")
	id := servertest.Admin(t, srv)
	if err := id.Save(dir); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AIRLOCK_SERVER", id.Server)
	t.Setenv("AIRLOCK_ENROLL_SERVER", "https://"+srv.EnrollAddr())
	t.Setenv("AIRLOCK_IDENTITY", dir)
	t.Setenv("AIRLOCK_CA_FINGERPRINT", srv.Hub().CA.Fingerprint())
}
