package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/cli"
)

// TestMain lets the test binary act as the airlock binary, so tests can
// run `airlock dev` as a real subprocess.
func TestMain(m *testing.M) {
	if os.Getenv("AIRLOCK_TEST_AS_CLI") == "1" {
		ctx, stop := signalContext()
		code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// devHub runs `airlock dev` in a subprocess on free ports and sets the
// exports it prints in the test's environment.
type devHub struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	env    map[string]string
}

func startDev(t *testing.T, extra ...string) *devHub {
	t.Helper()
	args := append([]string{"dev", "--data", t.TempDir(), "--listen", "127.0.0.1:0",
		"--enroll-listen", "127.0.0.1:0", "--metrics-listen", "off"}, extra...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "AIRLOCK_TEST_AS_CLI=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d := &devHub{cmd: cmd, stderr: &bytes.Buffer{}, env: map[string]string{}}
	cmd.Stderr = d.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for len(d.env) < 4 && sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		if ok {
			d.env[k] = v
			t.Setenv(k, v)
		}
	}
	if len(d.env) < 4 {
		t.Fatalf("airlock dev printed %d export lines, want 4; stderr:\n%s", len(d.env), d.stderr)
	}
	return d
}

// stop sends SIGTERM and waits for a clean exit.
func (d *devHub) stop(t *testing.T) {
	t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("airlock dev exited with %v after SIGTERM; stderr:\n%s", err, d.stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("airlock dev did not stop within 15s of SIGTERM")
	}
	if !strings.Contains(d.stderr.String(), "shutting down") {
		t.Errorf("no shutdown log line; stderr:\n%s", d.stderr)
	}
}

// run executes the CLI in-process.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cli.Run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := run(t, args...)
	if code != 0 {
		t.Fatalf("airlock %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// TestDevFlow is the README's quick start, run as a user would.
func TestDevFlow(t *testing.T) {
	d := startDev(t)
	dir := t.TempDir()
	mustRun(t, "agent", "create", "a1")
	mustRun(t, "agent", "create", "a2", "--segment", "finance")

	var tok struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "token", "create", "--agent", "a1", "-o", "json")), &tok); err != nil || tok.Token == "" {
		t.Fatalf("token create -o json: %+v, %v", tok, err)
	}
	if d := time.Until(tok.ExpiresAt); d < 9*time.Minute || d > 10*time.Minute {
		t.Errorf("default token ttl: expires in %s, want 10m", d)
	}
	a1, a2 := filepath.Join(dir, "a1"), filepath.Join(dir, "a2")
	mustRun(t, "enroll", "--token", tok.Token, "--out", a1)
	mustRun(t, "enroll", "--token", strings.TrimSpace(mustRun(t, "token", "create", "--agent", "a2")), "--out", a2)
	checkIdentityDir(t, a1)

	var me struct {
		SPIFFEID  string    `json:"spiffe_id"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "whoami", "--identity", a1, "-o", "json")), &me); err != nil ||
		me.SPIFFEID != "spiffe://airlock.local/agent/a1" || me.ExpiresAt.IsZero() {
		t.Fatalf("whoami -o json: %+v, %v", me, err)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, "agent", "list", "-o", "json")), &list); err != nil || len(list) != 2 {
		t.Fatalf("agent list -o json: want an array of 2, got %v (%v)", list, err)
	}

	mustRun(t, "agent", "revoke", "a1")
	_, errOut, code := run(t, "whoami", "--identity", a1)
	if code == 0 || !strings.Contains(errOut, "unauthenticated: the hub refused this identity") {
		t.Fatalf("whoami after revoke: exit %d, stderr %q", code, errOut)
	}
	mustRun(t, "whoami", "--identity", a2)
	_, errOut, code = run(t, "enroll", "--token", tok.Token, "--out", filepath.Join(dir, "again"))
	if code == 0 || !strings.Contains(errOut, "unauthenticated") {
		t.Fatalf("reused token: exit %d, stderr %q", code, errOut)
	}
	d.stop(t)
}

func checkIdentityDir(t *testing.T, dir string) {
	t.Helper()
	for name, mode := range map[string]os.FileMode{"key.pem": 0o600, "cert.pem": 0o644, "bundle.pem": 0o644, "identity.json": 0o644} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode().Perm(), mode)
		}
	}
	var md map[string]any
	b, _ := os.ReadFile(filepath.Join(dir, "identity.json"))
	if err := json.Unmarshal(b, &md); err != nil || md["server"] == "" || md["spiffe_id"] == nil || md["expires_at"] == nil {
		t.Errorf("identity.json: %s (%v)", b, err)
	}
}

// TestErrors: mistakes get a non-zero exit and a message on stderr that
// says what to do.
func TestErrors(t *testing.T) {
	startDev(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"agent", "create", "Bad_Name"}, "invalid_argument"},
		{[]string{"agent", "show", "nobody"}, "not_found"},
		{[]string{"token", "create"}, "--agent is required"},
		{[]string{"token", "create", "--agent", "nobody", "--ttl", "48h"}, "out of range"},
		{[]string{"whoami", "--identity", "/nonexistent"}, "enroll first"},
		{[]string{"agent", "list", "-o", "yaml"}, "--output must be text or json"},
		{[]string{"enroll", "--out", "x"}, "--token is required"},
		{[]string{"enroll", "--token", "t", "--out", "x", "--ca-fingerprint", "sha256:zz"}, "fingerprint"},
		{[]string{"serve", "--data", t.TempDir()}, "airlock init"},
		{[]string{"nosuchcommand"}, "unknown command"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, code := run(t, tc.args...)
			if code == 0 {
				t.Fatalf("exit 0, want failure; stdout %q", out)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Fatalf("stderr %q does not mention %q", errOut, tc.want)
			}
		})
	}
}

func TestInitThenServeConfig(t *testing.T) {
	dir := t.TempDir()
	out := mustRun(t, "init", "--data", dir, "--trust-domain", "example.org", "-o", "json")
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil || res["created_ca"] != true ||
		!strings.HasPrefix(res["ca_fingerprint"].(string), "sha256:") {
		t.Fatalf("init -o json: %s (%v)", out, err)
	}
	again := mustRun(t, "init", "--data", dir, "--trust-domain", "example.org", "-o", "json")
	if !strings.Contains(again, `"created_ca": false`) || !strings.Contains(again, res["ca_fingerprint"].(string)) {
		t.Fatalf("second init must keep the CA: %s", again)
	}
	_, errOut, code := run(t, "init", "--data", dir, "--trust-domain", "other.org")
	if code == 0 || !strings.Contains(errOut, "example.org") {
		t.Fatalf("init with another trust domain: exit %d, %q", code, errOut)
	}
	fi, err := os.Stat(filepath.Join(dir, "kek.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("kek.json: %v, %v", fi, err)
	}
}

func TestHelpEverywhere(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"agent", "--help"}, {"agent", "create", "--help"}, {"token", "create", "--help"},
		{"enroll", "--help"}, {"whoami", "--help"}, {"dev", "--help"}, {"serve", "--help"}, {"init", "--help"}} {
		out := mustRun(t, args...)
		if !strings.Contains(out, "Usage:") {
			t.Errorf("airlock %s: no usage text", strings.Join(args, " "))
		}
	}
	if out := mustRun(t, "completion", "bash"); !strings.Contains(out, "bash completion") {
		t.Error("completion bash: no script")
	}
}
