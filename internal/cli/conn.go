package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/client"
)

// connFlags are the flags of every command that talks to the agent API.
type connFlags struct {
	identity string
	server   string
}

func (f *connFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.identity, "identity", "", "identity directory (default $"+envIdentity+")")
	cmd.Flags().StringVar(&f.server, "server", "", "agent API URL (default $"+envServer+", then the identity's own)")
}

// connect opens a client from the identity directory. A certificate past
// half its lifetime is renewed first, so CLI identities stay usable.
func (f *connFlags) connect(ctx context.Context) (*client.Client, error) {
	dir := firstNonEmpty(f.identity, os.Getenv(envIdentity))
	if dir == "" {
		return nil, errors.New("no identity: pass --identity DIR or set " + envIdentity + " (airlock dev prints it)")
	}
	id, err := client.Load(dir)
	if err != nil {
		return nil, err
	}
	if s := firstNonEmpty(f.server, os.Getenv(envServer)); s != "" {
		id.Server = normalizeURL(s)
	}
	if time.Now().After(id.NotAfter()) {
		return nil, fmt.Errorf("the certificate in %s expired at %s: enroll again (admins: restart `airlock dev` or rerun `airlock init`)",
			dir, id.NotAfter().Format(time.RFC3339))
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := client.New(id, client.Options{Dir: dir, NoRenew: true, Log: quiet})
	if err != nil {
		return nil, err
	}
	if pastHalfLife(id, time.Now()) {
		if err := c.Renew(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "warning: could not renew certificate:", describe(err))
		}
	}
	return c, nil
}

// with connects, runs fn with the client and closes it. Commands that
// check their flags before connecting call it from their RunE.
func (f *connFlags) with(ctx context.Context, fn func(*client.Client) error) error {
	c, err := f.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}

// run returns a RunE that connects and calls fn with the command's
// context, the client and the arguments.
func (f *connFlags) run(fn func(ctx context.Context, c *client.Client, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		return f.with(ctx, func(c *client.Client) error { return fn(ctx, c, args) })
	}
}

func pastHalfLife(id *client.Identity, now time.Time) bool {
	leaf := id.Chain[0]
	return now.After(leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2))
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func normalizeURL(s string) string {
	if len(s) > 8 && (s[:8] == "https://" || s[:7] == "http://") {
		return s
	}
	return "https://" + s
}
