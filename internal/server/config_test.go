package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/server"
)

func TestExampleConfig(t *testing.T) {
	cfg, err := server.LoadConfig("../../docs/airlock.example.yaml")
	if err != nil {
		t.Fatalf("the documented example must load: %v", err)
	}
	if cfg.TrustDomain != "example.org" || cfg.SVIDTTL != time.Hour || cfg.Log.Format != "json" || cfg.Node != "hub-1" {
		t.Fatalf("example config decoded wrong: %+v", cfg)
	}
}

func TestDefaultConfigNeedsOnlyDataDir(t *testing.T) {
	cfg := server.DefaultConfig()
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "data_dir") {
		t.Fatalf("got %v, want an error naming data_dir", err)
	}
	cfg.DataDir = t.TempDir()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("defaults plus data_dir: %v", err)
	}
}

// TestBadConfigs: one broken file per case in testdata/config; each error
// names the field (or the line) that is wrong.
func TestBadConfigs(t *testing.T) {
	want := map[string]string{
		"unknown-key.yaml":      "field listen_addr not found",
		"bad-duration.yaml":     "forever",
		"bad-trust-domain.yaml": "trust_domain",
		"bad-listen.yaml":       "listen:",
		"ttl-too-short.yaml":    "svid_ttl",
		"bad-store.yaml":        "store",
		"not-yaml.yaml":         "parse config",
		"missing-data-dir.yaml": "data_dir",
		"bad-log-level.yaml":    "log.level",
		"bad-max-request.yaml":  "max_request_bytes",
		"bad-max-body.yaml":     "messaging.max_body_bytes",
		"bad-retention.yaml":    "messaging.retention",
		"bad-pattern.yaml":      `screening.patterns: "secret:acme-token": pattern can match more than 4096 bytes`,
	}
	files, err := filepath.Glob("testdata/config/*.yaml")
	if err != nil || len(files) != len(want) {
		t.Fatalf("testdata/config has %d files, the table %d: keep them in step", len(files), len(want))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := server.LoadConfig(f)
			if err == nil {
				t.Fatal("loaded, want an error")
			}
			if !strings.Contains(err.Error(), want[filepath.Base(f)]) {
				t.Fatalf("error %q does not mention %q", err, want[filepath.Base(f)])
			}
		})
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, p := range []string{"../../docs/airlock.example.yaml", "testdata/config/unknown-key.yaml", "testdata/config/not-yaml.yaml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := server.ParseConfig(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		_ = cfg.Validate() // must not panic; a valid result is checked below
		if cfg.Validate() == nil && cfg.DataDir == "" {
			t.Fatal("validated a config without data_dir")
		}
	})
}

// TestMaxBody: the body limit defaults to 1 MiB, shrinks with a smaller
// max_request_bytes, and can be raised with max_body_bytes when requests
// may be large enough to carry it.
func TestMaxBody(t *testing.T) {
	for _, tt := range []struct {
		yaml string
		want int
	}{
		{"data_dir: /tmp/x\n", 1 << 20},
		{"data_dir: /tmp/x\nmax_request_bytes: 524288\n", 512<<10 - 64<<10},
		{"data_dir: /tmp/x\nmax_request_bytes: 8388608\nmessaging:\n  max_body_bytes: 4194304\n", 4 << 20},
		{"data_dir: /tmp/x\nmessaging:\n  max_body_bytes: 1000\n", 1000},
	} {
		c, err := server.ParseConfig(strings.NewReader(tt.yaml))
		if err == nil {
			err = c.Validate()
		}
		if err != nil || c.MaxBody() != tt.want {
			t.Errorf("%q: MaxBody %d, %v; want %d", tt.yaml, c.MaxBody(), err, tt.want)
		}
	}
}
