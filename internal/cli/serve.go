package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/client"
	"github.com/airlock-hub/airlock/internal/server"
)

// serverFlags override config fields from the command line.
type serverFlags struct {
	data, store, trustDomain            string
	listen, enrollListen, metricsListen string
}

func (f *serverFlags) register(cmd *cobra.Command, defaultData string) {
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", defaultData, "data directory (KEK, SQLite database, admin identity)")
	fl.StringVar(&f.store, "store", "", "store: empty for SQLite in --data, sqlite:PATH, or postgres://URL")
	fl.StringVar(&f.trustDomain, "trust-domain", "", `SPIFFE trust domain (default "airlock.local")`)
	fl.StringVar(&f.listen, "listen", "", "agent API address, mTLS (default 127.0.0.1:8443)")
	fl.StringVar(&f.enrollListen, "enroll-listen", "", "enrollment address (default 127.0.0.1:8444)")
	fl.StringVar(&f.metricsListen, "metrics-listen", "", `metrics address (default 127.0.0.1:9464; "off" disables)`)
}

// config loads the configuration file at path (the defaults when path is
// empty) and applies the flags over it.
func (f *serverFlags) config(path string) (server.Config, error) {
	cfg := server.DefaultConfig()
	if path != "" {
		var err error
		if cfg, err = server.LoadConfig(path); err != nil {
			return cfg, err
		}
	}
	f.apply(&cfg)
	return cfg, nil
}

// apply copies flags that were set onto cfg.
func (f *serverFlags) apply(cfg *server.Config) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cfg.DataDir, f.data)
	set(&cfg.Store, f.store)
	set(&cfg.TrustDomain, f.trustDomain)
	set(&cfg.Listen, f.listen)
	set(&cfg.EnrollListen, f.enrollListen)
	set(&cfg.MetricsListen, f.metricsListen)
}

func (a *app) serveCommand() *cobra.Command {
	var f serverFlags
	var configPath string
	cmd := &cobra.Command{
		Use:   "serve [--config airlock.yaml]",
		Short: "Run a hub node from a configuration file",
		Long: `Run a hub node. Settings come from --config (strict YAML: unknown keys are
errors; see docs/configuration.md), then from flags. The data directory must
have been prepared with ` + "`airlock init`" + `. Stops gracefully on SIGTERM or Ctrl-C.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config(configPath)
			if err != nil {
				return err
			}
			if err := cfg.Validate(); err != nil {
				return fmt.Errorf("invalid configuration:\n%w", err)
			}
			if _, err := os.Stat(cfg.KEKPath()); err != nil {
				return fmt.Errorf("no key-encryption key at %s: run `airlock init --data %s` first", cfg.KEKPath(), cfg.DataDir)
			}
			tuneRuntime()
			srv := &server.Server{Config: cfg, Log: newLogger(cfg.Log, a.errOut)}
			return runUntilDone(cmd.Context(), srv, nil)
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (YAML)")
	f.register(cmd, "")
	return cmd
}

// runUntilDone starts srv, calls started, and serves until ctx is done.
func runUntilDone(ctx context.Context, srv *server.Server, started func() error) error {
	if err := srv.Start(ctx); err != nil {
		return err
	}
	if started != nil {
		if err := started(); err != nil {
			srv.Close()
			return err
		}
	}
	<-ctx.Done()
	srv.Log.Info("shutting down")
	return srv.Close()
}

func newLogger(c server.LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// issueAdmin writes a fresh identity for the local admin to cfg.AdminDir(),
// pointing at apiURL.
func issueAdmin(ctx context.Context, hub *server.Hub, cfg server.Config, apiURL string) (string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", fmt.Errorf("admin key: %w", err)
	}
	svid, err := hub.Identities.IssueHuman(ctx, "admin", []string{"admin"}, key.Public())
	if err != nil {
		return "", err
	}
	id := &client.Identity{Key: key, Chain: svid.Chain, Bundle: hub.CA.Roots(), ID: svid.ID, Server: apiURL}
	dir, err := filepath.Abs(cfg.AdminDir())
	if err != nil {
		return "", err
	}
	return dir, id.Save(dir)
}

func printExports(w io.Writer, apiAddr, enrollAddr, adminDir, fingerprint string) {
	fmt.Fprintf(w, "export %s=https://%s\n", envServer, apiAddr)
	fmt.Fprintf(w, "export %s=https://%s\n", envEnrollServer, enrollAddr)
	fmt.Fprintf(w, "export %s=%s\n", envIdentity, adminDir)
	fmt.Fprintf(w, "export %s=%s\n", envFingerprint, fingerprint)
}
