package cli

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/client"
)

func (a *app) whoamiCommand() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Ask the hub who this identity is, and when its certificate expires",
		Args:  cobra.NoArgs,
		RunE: cf.run(func(ctx context.Context, c *client.Client, _ []string) error {
			me, err := c.WhoAmI(ctx)
			if err != nil {
				return err
			}
			exp := me.GetExpiresAt().AsTime().UTC()
			out := map[string]any{"spiffe_id": me.GetSpiffeId(), "expires_at": exp, "kind": me.GetKind(),
				"name": me.GetName(), "segment": me.GetSegment(), "serial": me.GetSerial()}
			return a.emit(out, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "%s\nexpires %s (in %s)\n", me.GetSpiffeId(), exp.Format(time.RFC3339),
					time.Until(exp).Round(time.Second))
				return err
			})
		}),
	}
	cf.register(cmd)
	return cmd
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				v = bi.Main.Version
			}
			return a.emit(map[string]string{"version": v}, func(w io.Writer) error {
				_, err := fmt.Fprintln(w, "airlock", v)
				return err
			})
		},
	}
}
