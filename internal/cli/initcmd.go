package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/internal/server"
)

func (a *app) initCommand() *cobra.Command {
	var f serverFlags
	var configPath string
	cmd := &cobra.Command{
		Use:   "init --data DIR [--trust-domain TD]",
		Short: "Create the data directory, key-encryption key, CA and admin identity",
		Long: `Prepare a hub: create the data directory, a key-encryption key (DIR/kek.json,
mode 0600), a root and intermediate CA (ECDSA P-256, private keys wrapped by the
KEK, kept in the store) and an admin identity in DIR/admin. Running it again
keeps the CA and issues a fresh admin certificate.`,
		Example: "  airlock init --data /var/lib/airlock --trust-domain example.org",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config(configPath)
			if err != nil {
				return err
			}
			if cfg.DataDir == "" {
				return fmt.Errorf("--data DIR is required")
			}
			hub, err := server.OpenHub(cmd.Context(), cfg, true)
			if err != nil {
				return err
			}
			defer hub.Close()
			api := firstNonEmpty(cfg.AdvertiseAddress, cfg.Listen)
			dir, err := issueAdmin(cmd.Context(), hub, cfg, "https://"+api)
			if err != nil {
				return err
			}
			out := map[string]any{"data_dir": cfg.DataDir, "trust_domain": cfg.TrustDomain, "created_ca": hub.CreatedCA,
				"ca_fingerprint": hub.CA.Fingerprint(), "admin_identity": dir}
			return a.emit(out, func(w io.Writer) error {
				verb := "kept existing"
				if hub.CreatedCA {
					verb = "created"
				}
				fmt.Fprintf(w, "%s CA for trust domain %s\nadmin identity written to %s\n\n", verb, cfg.TrustDomain, dir)
				printExports(w, api, cfg.EnrollListen, dir, hub.CA.Fingerprint())
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (YAML)")
	f.register(cmd, "")
	return cmd
}
