package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/internal/server"
)

func defaultDevDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ".airlock-dev"
	}
	return filepath.Join(home, ".airlock", "dev")
}

func (a *app) devCommand() *cobra.Command {
	var f serverFlags
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run a local hub with embedded defaults (creates its CA on first start)",
		Long: `Run a single-node hub for development: SQLite in the data directory (or
--store postgres://…), a CA created on first start, and an admin identity
re-issued at every start. It prints the environment to use the CLI:

  export AIRLOCK_SERVER=…          agent API (mutual TLS)
  export AIRLOCK_ENROLL_SERVER=…   enrollment listener
  export AIRLOCK_IDENTITY=…        the admin identity directory
  export AIRLOCK_CA_FINGERPRINT=…  the CA to pin when enrolling

Not for production: use ` + "`airlock init`" + ` and ` + "`airlock serve --config`" + `.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := server.DefaultConfig()
			cfg.Log.Format = "text"
			f.apply(&cfg)
			tuneRuntime()
			srv := &server.Server{Config: cfg, Log: newLogger(cfg.Log, a.errOut)}
			return runUntilDone(cmd.Context(), srv, func() error {
				dir, err := issueAdmin(cmd.Context(), srv.Hub(), cfg, "https://"+srv.APIAddr())
				if err != nil {
					return err
				}
				fmt.Fprintf(a.errOut, "\nAirlock dev hub is running (data in %s). In another terminal:\n\n", cfg.DataDir)
				printExports(a.out, srv.APIAddr(), srv.EnrollAddr(), dir, srv.Hub().CA.Fingerprint())
				fmt.Fprintf(a.errOut, "\nthen: airlock agent create a1 && airlock token create --agent a1\n\n")
				return nil
			})
		},
	}
	f.register(cmd, defaultDevDir())
	return cmd
}
