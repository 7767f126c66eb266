package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/client"
)

func (a *app) enrollCommand() *cobra.Command {
	var server, token, fingerprint, out string
	cmd := &cobra.Command{
		Use:   "enroll --token TOKEN --out DIR",
		Short: "Enroll this machine as an agent with a join token",
		Long: `Generate a private key locally (it never leaves this machine), send a CSR with
the join token, and write the issued identity to DIR: key.pem (0600), cert.pem,
bundle.pem and identity.json. The hub's CA is pinned by its SHA-256 fingerprint
(--ca-fingerprint or $AIRLOCK_CA_FINGERPRINT); nothing is trusted on first use.
The token may also come from $AIRLOCK_JOIN_TOKEN, or from stdin with --token -.`,
		Example: "  airlock enroll --server https://127.0.0.1:8444 --token alj1.… --out ./a1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			server = firstNonEmpty(server, os.Getenv(envEnrollServer))
			if server == "" {
				return errors.New("--server (or " + envEnrollServer + ") is required: the hub's enrollment address")
			}
			tok, err := readToken(cmd.InOrStdin(), firstNonEmpty(token, os.Getenv("AIRLOCK_JOIN_TOKEN")))
			if err != nil {
				return err
			}
			if out == "" {
				return errors.New("--out DIR is required")
			}
			id, err := client.Enroll(cmd.Context(), client.EnrollOptions{
				Server: normalizeURL(server), Token: tok, CAFingerprint: firstNonEmpty(fingerprint, os.Getenv(envFingerprint)),
			})
			if err != nil {
				return err
			}
			if err := id.Save(out); err != nil {
				return err
			}
			abs, _ := filepath.Abs(out)
			return a.emit(identityJSON(id, abs), func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "enrolled %s (expires %s)\nidentity written to %s\n",
					id.ID, id.NotAfter().Format(time.RFC3339), abs)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&server, "server", "", "enrollment URL (default $"+envEnrollServer+")")
	cmd.Flags().StringVar(&token, "token", "", "join token, or - to read it from stdin")
	cmd.Flags().StringVar(&fingerprint, "ca-fingerprint", "", "pinned hub CA, sha256:HEX (default $"+envFingerprint+")")
	cmd.Flags().StringVar(&out, "out", "", "directory to write the identity to")
	return cmd
}

func readToken(stdin io.Reader, tok string) (string, error) {
	if tok == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 4096))
		if err != nil {
			return "", fmt.Errorf("read token from stdin: %w", err)
		}
		tok = string(b)
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return "", errors.New("--token is required (from `airlock token create --agent NAME`)")
	}
	return tok, nil
}

func identityJSON(id *client.Identity, dir string) map[string]any {
	m := map[string]any{"spiffe_id": id.ID.String(), "expires_at": id.NotAfter().UTC(), "server": id.Server}
	if dir != "" {
		m["dir"] = dir
	}
	return m
}
