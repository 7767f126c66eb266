package audit

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// recordSink remembers what it was given.
type recordSink struct {
	mu    sync.Mutex
	notes [][]byte
	err   error
}

func (r *recordSink) Publish(_ context.Context, note []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, note)
	return r.err
}

func (r *recordSink) sizes(t *testing.T, vkey string) []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int64
	for _, n := range r.notes {
		c, err := ParseCheckpoint(n, vkey)
		if err != nil {
			t.Fatalf("published note: %v", err)
		}
		out = append(out, c.Size)
	}
	return out
}

func latestSize(t *testing.T, st store.Store) int64 {
	t.Helper()
	var size int64
	err := st.View(context.Background(), func(tx store.Tx) error {
		c, err := tx.LatestCheckpoint()
		size = c.Size
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return size
}

func TestCheckpointerEveryN(t *testing.T) {
	noLeak(t)
	b := newSQLite(t)
	s := testSigner(t, b.st)
	sink := &recordSink{}
	cp := newCheckpointer(t, b.st, s, Config{Interval: time.Hour, EveryN: 10, Sinks: []Sink{sink}})
	cp.poll = 5 * time.Millisecond
	cp.Start()
	cp.Start() // no second goroutine
	appendEvents(t, b.st, 25, 25)
	deadline := time.Now().Add(10 * time.Second)
	for latestSize(t, b.st) != 25 {
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint at size 25 after 10s; latest %d", latestSize(t, b.st))
		}
		time.Sleep(5 * time.Millisecond)
	}
	appendEvents(t, b.st, 27, 10) // fewer than EveryN: signed only by Close
	if err := cp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := cp.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if got := sink.sizes(t, s.VerifierKey()); len(got) != 2 || got[0] != 25 || got[1] != 27 {
		t.Errorf("published sizes %v, want [25 27]", got)
	}
}

func TestCheckpointerInterval(t *testing.T) {
	noLeak(t)
	b := newSQLite(t)
	s := testSigner(t, b.st)
	cp := newCheckpointer(t, b.st, s, Config{Interval: time.Second, EveryN: 1000})
	cp.poll = 5 * time.Millisecond
	if _, err := cp.Checkpoint(context.Background()); err != nil { // the size is now known
		t.Fatal(err)
	}
	cp.Start()
	defer cp.Close()
	appendEvents(t, b.st, 3, 10)
	deadline := time.Now().Add(10 * time.Second)
	for latestSize(t, b.st) != 3 {
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint after the interval")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCheckpointerForced(t *testing.T) {
	b := newSQLite(t)
	s := testSigner(t, b.st)
	sink := &recordSink{err: errors.New("sink down")} // failures are only logged
	cp := newCheckpointer(t, b.st, s, Config{Sinks: []Sink{sink}})
	c1, err := cp.Checkpoint(context.Background())
	if err != nil || c1.Size != 1 {
		t.Fatalf("first checkpoint: %+v, %v", c1, err)
	}
	c2, err := cp.Checkpoint(context.Background())
	if err != nil || c2.Size != 1 || string(c2.Note) != string(c1.Note) {
		t.Fatalf("unchanged log: got %+v, %v; want the same checkpoint", c2, err)
	}
	if got := sink.sizes(t, s.VerifierKey()); len(got) != 1 {
		t.Errorf("published %v, want one checkpoint", got)
	}
}

func TestCheckpointerEmptyLog(t *testing.T) {
	b := newSQLite(t)
	s := loadTestdataSigner(t) // not stored: the log stays empty
	cp := newCheckpointer(t, b.st, s, DefaultConfig())
	if _, err := cp.Checkpoint(context.Background()); !errors.Is(err, ErrEmptyLog) {
		t.Errorf("got %v, want ErrEmptyLog", err)
	}
	if err := cp.Close(); err != nil {
		t.Errorf("Close on an empty log: %v", err)
	}
}

func TestCheckpointerRefusesAlteredLog(t *testing.T) {
	backends(t, func(t *testing.T, b *backend) {
		s := tamperLog(t, b)
		b.insertForged(t, 25)
		b.rewriteHashes(t)
		cp := newCheckpointer(t, b.st, s, DefaultConfig())
		_, err := cp.Checkpoint(context.Background())
		if err == nil || !strings.Contains(err.Error(), "no longer matches the checkpoint at size 50") {
			t.Fatalf("got %v, want a refusal", err)
		}
		if got := latestSize(t, b.st); got != 50 {
			t.Errorf("latest checkpoint %d, want 50", got)
		}
	})
}

func TestFileSink(t *testing.T) {
	b := newSQLite(t)
	s := testSigner(t, b.st)
	path := filepath.Join(t.TempDir(), "checkpoints")
	cp := newCheckpointer(t, b.st, s, Config{File: path})
	checkpointAt(t, b.st, cp, 5)
	last := checkpointAt(t, b.st, cp, 9)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if got := strings.Count(string(data), "\n\n"); got != 4 {
		t.Errorf("file has %d blank lines, want 4 (two notes, each followed by one)", got)
	}
	if got := LastNote(data); string(got) != string(last.Note) {
		t.Errorf("LastNote = %q, want %q", got, last.Note)
	}
	if LastNote(nil) != nil || LastNote([]byte("text\n")) != nil {
		t.Error("LastNote found a note in nothing")
	}
}

func TestWebhookSink(t *testing.T) {
	noLeak(t)
	var mu sync.Mutex
	var got []string
	status := http.StatusNoContent
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("%s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
		}
		got = append(got, string(body))
		w.WriteHeader(status)
	}))
	defer srv.Close()
	defer srv.Client().CloseIdleConnections()
	sink := &WebhookSink{URL: srv.URL + "/hook?token=secret", Client: srv.Client()}
	if err := sink.Publish(context.Background(), []byte("note\n")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	status = http.StatusInternalServerError
	mu.Unlock()
	err := sink.Publish(context.Background(), []byte("note\n"))
	if err == nil || !strings.Contains(err.Error(), "500") || strings.Contains(err.Error(), "secret") {
		t.Errorf("failing webhook: %v (want the status, not the token)", err)
	}
	if len(got) != 2 || got[0] != "note\n" {
		t.Errorf("server got %q", got)
	}
	if strings.Contains(sink.String(), "secret") {
		t.Errorf("String() = %q shows the token", sink.String())
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("default: %v", err)
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("zero: %v", err)
	}
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Interval: time.Millisecond}, "audit.interval"},
		{Config{EveryN: -1}, "audit.every_n"},
		{Config{Webhook: "http://example.org/hook"}, "audit.webhook"},
		{Config{Webhook: "https:///nohost"}, "audit.webhook"},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%+v: got %v, want an error about %s", tt.cfg, err, tt.want)
		}
		if _, err := NewCheckpointer(nil, nil, tt.cfg, nil); err == nil {
			t.Errorf("NewCheckpointer accepted %+v", tt.cfg)
		}
	}
}
