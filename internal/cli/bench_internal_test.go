package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProfiled checks --cpuprofile writes a profile that go tool pprof can
// read (gzip-compressed protobuf), passes fn's error through, and names
// the flag when the file cannot be created.
func TestProfiled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.prof")
	ran := false
	if err := profiled(path, func() error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("profiled: ran %v, err %v; want ran, nil", ran, err)
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("profile: %d bytes, %v; want a gzip stream", len(b), err)
	}
	errRun := errors.New("run failed")
	if err := profiled("", func() error { return errRun }); !errors.Is(err, errRun) {
		t.Errorf("without a profile: got %v, want %v", err, errRun)
	}
	err = profiled(filepath.Join(t.TempDir(), "missing", "cpu.prof"), func() error { t.Error("ran without a profile"); return nil })
	if err == nil || !strings.Contains(err.Error(), "--cpuprofile") {
		t.Errorf("unwritable path: got %v, want an error naming --cpuprofile", err)
	}
}
