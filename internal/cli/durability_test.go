package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/client"
)

// durabilityConfirmed is how many sends the hub must confirm before the
// durability test kills it.
const durabilityConfirmed = 300

// spawnDev runs `airlock dev --data dir` in a subprocess on free ports and
// returns once it has printed its exports, which it also sets in the
// test's environment. Unlike startDev it registers no cleanup: the caller
// decides how the process ends (kill, stop) and must reap it.
func spawnDev(t *testing.T, dir string) *devHub {
	t.Helper()
	cmd := exec.Command(os.Args[0], "dev", "--data", dir, "--listen", "127.0.0.1:0",
		"--enroll-listen", "127.0.0.1:0", "--metrics-listen", "off")
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
	sc := bufio.NewScanner(stdout)
	for len(d.env) < 4 && sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		if ok {
			d.env[k] = v
			t.Setenv(k, v)
		}
	}
	if len(d.env) < 4 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("airlock dev printed %d export lines, want 4; stderr:\n%s", len(d.env), d.stderr)
	}
	return d
}

// kill sends SIGKILL and reaps the process.
func (d *devHub) kill(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill airlock dev: %v", err)
	}
	err := d.cmd.Wait()
	if ws, ok := d.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("airlock dev did not die of SIGKILL: %v", err)
	}
}

// enrollAgent creates agent name in the default segment, enrolls it with
// the CLI and returns its identity directory.
func enrollAgent(t *testing.T, name string) string {
	t.Helper()
	mustRun(t, "agent", "create", name)
	dir := filepath.Join(t.TempDir(), name)
	token := strings.TrimSpace(mustRun(t, "token", "create", "--agent", name))
	mustRun(t, "enroll", "--token", token, "--out", dir)
	return dir
}

// openAgent returns a client for the identity in dir talking to server.
func openAgent(t *testing.T, dir, server string) *client.Client {
	t.Helper()
	id, err := client.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	id.Server = server
	c, err := client.New(id, client.Options{NoRenew: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// sendUntilKilled sends messages from c to "a2" on workers goroutines and
// kills hub once confirm sends have been confirmed, while others are in
// flight. It returns the IDs the hub confirmed and the number of sends
// that failed.
func sendUntilKilled(t *testing.T, c *client.Client, hub *devHub, workers, confirm int) (map[string]bool, int) {
	t.Helper()
	var (
		mu        sync.Mutex
		confirmed = map[string]bool{}
		failed    int
		wg        sync.WaitGroup
		killed    atomic.Bool
	)
	reached := make(chan struct{})
	var once sync.Once
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
				id, _, err := c.Send(sctx, client.SendOptions{To: "a2", Subject: fmt.Sprintf("w%d-%d", w, i),
					ContentType: "text/plain; charset=utf-8", Body: []byte(fmt.Sprintf("Durability check %d from worker %d: the nightly order batch was processed and archived. "+
						"Nothing else to report, see you tomorrow.", i, w))})
				scancel()
				mu.Lock()
				if err != nil {
					failed++
				} else {
					confirmed[id] = true
				}
				n := len(confirmed)
				mu.Unlock()
				if n >= confirm {
					once.Do(func() { close(reached) })
				}
				if killed.Load() {
					return
				}
			}
		}()
	}
	select {
	case <-reached:
	case <-ctx.Done():
		t.Fatalf("only %d sends confirmed before the deadline; stderr:\n%s", len(confirmed), hub.stderr)
	}
	killed.Store(true) // workers finish the send they are in, then stop
	hub.kill(t)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return confirmed, failed
}

// drain fetches and acks a2's mailbox until a fetch waiting 2s is empty.
// It returns how many times each ID was delivered.
func drain(t *testing.T, c *client.Client) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := map[string]int{}
	for {
		ms, err := c.Fetch(ctx, 500, 2*time.Second)
		if err != nil {
			t.Fatalf("fetch after restart (%d received so far): %v", len(got), err)
		}
		if len(ms) == 0 {
			return got
		}
		ids := make([]string, 0, len(ms))
		for _, m := range ms {
			if !m.Verified || !strings.HasSuffix(m.From, "/agent/a1") {
				t.Errorf("message %s: from %q, verified %v; want a verified message from a1", m.ID, m.From, m.Verified)
			}
			got[m.ID]++
			ids = append(ids, m.ID)
		}
		if _, err := c.Ack(ctx, ids...); err != nil {
			t.Fatalf("ack after restart: %v", err)
		}
	}
}

// TestDurabilityKill9 is issue 5's kill -9 test: every message whose send
// the hub confirmed before it was killed with SIGKILL mid-load is
// delivered after a restart on the same data directory.
func TestDurabilityKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("runs airlock dev twice as a subprocess")
	}
	data := t.TempDir()
	hub := spawnDev(t, data)
	alive := true
	t.Cleanup(func() {
		if alive {
			hub.cmd.Process.Kill()
			hub.cmd.Wait()
		}
	})
	a1 := openAgent(t, enrollAgent(t, "a1"), hub.env["AIRLOCK_SERVER"])
	a2dir := enrollAgent(t, "a2")

	start := time.Now()
	confirmed, failed := sendUntilKilled(t, a1, hub, 8, durabilityConfirmed)
	alive = false
	t.Logf("killed the hub after %s: %d sends confirmed, %d failed", time.Since(start).Round(time.Millisecond), len(confirmed), failed)
	if failed == 0 {
		t.Error("no send failed: the hub was not killed while sends were in flight")
	}

	hub = spawnDev(t, data)
	alive = true
	got := drain(t, openAgent(t, a2dir, hub.env["AIRLOCK_SERVER"]))
	dups, lost := 0, 0
	for _, n := range got {
		dups += n - 1
	}
	for id := range confirmed {
		if got[id] == 0 {
			lost++
			if lost <= 10 {
				t.Errorf("confirmed message %s was not delivered after the restart", id)
			}
		}
	}
	t.Logf("after restart: %d distinct messages delivered (%d confirmed, %d unconfirmed but committed), %d duplicate deliveries, %d lost",
		len(got), len(confirmed)-lost, len(got)-(len(confirmed)-lost), dups, lost)
	if lost > 0 {
		t.Errorf("%d of %d confirmed messages lost", lost, len(confirmed))
	}
	hub.stop(t)
	alive = false
}
