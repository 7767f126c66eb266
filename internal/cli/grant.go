package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
)

// grantJSON is the --output json form of a grant.
type grantJSON struct {
	ID        string     `json:"id"`
	Principal string     `json:"principal"`
	Action    string     `json:"action"`
	Resource  string     `json:"resource"`
	State     string     `json:"state"`
	Reason    string     `json:"reason"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	RequestID string     `json:"request_id,omitempty"`
}

func toGrantJSON(g *airlockv1.Grant) grantJSON {
	return grantJSON{ID: g.GetId(), Principal: g.GetPrincipal(), Action: g.GetAction(), Resource: g.GetResource(),
		State: g.GetState(), Reason: g.GetReason(), CreatedBy: g.GetCreatedBy(), CreatedAt: g.GetCreatedAt().AsTime(),
		ExpiresAt: g.GetExpiresAt().AsTime(), RevokedAt: optionalTime(g.GetRevokedAt()), RequestID: g.GetRequestId()}
}

// optionalTime is nil for an unset timestamp.
func optionalTime(ts *timestamppb.Timestamp) *time.Time {
	if ts == nil {
		return nil
	}
	t := ts.AsTime()
	return &t
}

var grantHeader = []string{"ID", "PRINCIPAL", "ACTION", "RESOURCE", "STATE", "EXPIRES", "REASON"}

func (j grantJSON) row() []string {
	return []string{j.ID, j.Principal, j.Action, j.Resource, j.State, j.ExpiresAt.Format(time.RFC3339), j.Reason}
}

func (a *app) printGrants(gs []*airlockv1.Grant, one bool) error {
	if one && len(gs) == 1 {
		j := toGrantJSON(gs[0])
		return a.emit(j, func(w io.Writer) error { return printTable(w, grantHeader, [][]string{j.row()}) })
	}
	return emitTable(a, grantHeader, gs, func(g *airlockv1.Grant) (grantJSON, []string) {
		j := toGrantJSON(g)
		return j, j.row()
	})
}

func (a *app) grantCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "grant",
		Short: "Manage time-bound grants (create, list, revoke)",
		Long: `A grant lets one principal do one action on one resource until it expires,
whatever the policies permit (a forbid still wins). Grants stop working on
their own when they expire; revoke ends one early.`,
	}
	cmd.AddCommand(a.grantCreate(), a.grantList(), a.grantRevoke())
	return cmd
}

func (a *app) grantCreate() *cobra.Command {
	var cf connFlags
	var principal, action, resource, reason string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "create --principal UID --action NAME --resource UID --ttl 2h --reason TEXT",
		Short: "Grant a principal one action on one resource for a limited time",
		Example: `  airlock grant create --principal 'Agent::"a1"' --action SendMessage --resource 'Agent::"b1"' \
      --ttl 2h --reason "incident 4711: a1 reports to b1"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := grantRequest(principal, action, resource, reason, ttl)
			if err != nil {
				return err
			}
			return cf.with(cmd.Context(), func(c *client.Client) error {
				resp, err := c.Grants.CreateGrant(cmd.Context(), connect.NewRequest(req))
				if err != nil {
					return err
				}
				return a.printGrants([]*airlockv1.Grant{resp.Msg.GetGrant()}, true)
			})
		},
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&principal, "principal", "", `who gets the grant, e.g. 'Agent::"a1"' (required)`)
	cmd.Flags().StringVar(&action, "action", "", "the action granted, e.g. SendMessage (required)")
	cmd.Flags().StringVar(&resource, "resource", "", `on what, e.g. 'Agent::"b1"' (required)`)
	cmd.Flags().DurationVar(&ttl, "ttl", time.Hour, "how long the grant lasts (the hub caps it, by default at 14 days)")
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the audit log (required)")
	return cmd
}

// grantRequest checks the flags of grant create locally.
func grantRequest(principal, action, resource, reason string, ttl time.Duration) (*airlockv1.CreateGrantRequest, error) {
	p, err := entityFlag("--principal", principal)
	if err != nil {
		return nil, err
	}
	act, err := actionFlag(action)
	if err != nil {
		return nil, err
	}
	r, err := entityFlag("--resource", resource)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, errors.New(`--reason is required: say why the grant is needed, e.g. --reason "incident 4711"`)
	}
	if ttl < time.Second {
		return nil, fmt.Errorf("--ttl %s: want a positive duration of at least 1s, e.g. --ttl 2h", ttl)
	}
	return &airlockv1.CreateGrantRequest{Principal: p, Action: act, Resource: r, Reason: reason,
		TtlSeconds: int64(ttl / time.Second)}, nil
}

func (a *app) grantList() *cobra.Command {
	var cf connFlags
	var principal string
	var all bool
	cmd := &cobra.Command{
		Use:     "list [--principal UID] [--all]",
		Aliases: []string{"ls"},
		Short:   "List active grants (with --all, expired and revoked ones too)",
		Example: "  airlock grant list\n  airlock grant list --principal 'Agent::\"a1\"' --all -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req := &airlockv1.ListGrantsRequest{All: all}
			if principal != "" {
				p, err := entityFlag("--principal", principal)
				if err != nil {
					return err
				}
				req.Principal = p
			}
			return cf.with(cmd.Context(), func(c *client.Client) error {
				resp, err := c.Grants.ListGrants(cmd.Context(), connect.NewRequest(req))
				if err != nil {
					return err
				}
				return a.printGrants(resp.Msg.GetGrants(), false)
			})
		},
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&principal, "principal", "", `only grants of this principal, e.g. 'Agent::"a1"'`)
	cmd.Flags().BoolVar(&all, "all", false, "include expired and revoked grants")
	return cmd
}

func (a *app) grantRevoke() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:     "revoke ID",
		Short:   "Revoke a grant now",
		Example: "  airlock grant list            # the ID is in the first column\n  airlock grant revoke ID",
		Args:    cobra.ExactArgs(1),
		RunE: cf.run(func(ctx context.Context, c *client.Client, args []string) error {
			resp, err := c.Grants.RevokeGrant(ctx, connect.NewRequest(&airlockv1.RevokeGrantRequest{Id: args[0]}))
			if err != nil {
				return err
			}
			return a.printGrants([]*airlockv1.Grant{resp.Msg.GetGrant()}, true)
		}),
	}
	cf.register(cmd)
	return cmd
}
