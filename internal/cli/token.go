package cli

import (
	"fmt"
	"io"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
)

func (a *app) tokenCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage single-use join tokens"}
	cmd.AddCommand(a.tokenCreate())
	return cmd
}

func (a *app) tokenCreate() *cobra.Command {
	var cf connFlags
	var agent string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "create --agent NAME [--ttl 10m]",
		Short: "Create a single-use join token for an agent to enroll with",
		Long: `Create a single-use join token. The token is printed once: the hub stores
only its hash. It expires after --ttl (default 10m, at most 24h).`,
		Example: "  airlock token create --agent a1\n  airlock token create --agent a1 --ttl 1h -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if agent == "" {
				return fmt.Errorf("--agent is required")
			}
			return cf.with(cmd.Context(), func(c *client.Client) error {
				resp, err := c.Admin.CreateToken(cmd.Context(), connect.NewRequest(&airlockv1.CreateTokenRequest{
					Agent: agent, TtlSeconds: int64(ttl / time.Second),
				}))
				if err != nil {
					return err
				}
				exp := resp.Msg.GetExpiresAt().AsTime()
				out := map[string]any{"token": resp.Msg.GetToken(), "expires_at": exp, "agent": agent}
				return a.emit(out, func(w io.Writer) error {
					_, err := fmt.Fprintln(w, resp.Msg.GetToken())
					return err
				})
			})
		},
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&agent, "agent", "", "agent the token enrolls (required)")
	cmd.Flags().DurationVar(&ttl, "ttl", 10*time.Minute, "token lifetime (1m to 24h)")
	return cmd
}
