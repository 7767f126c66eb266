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

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
)

// accessJSON is the --output json form of an access request.
type accessJSON struct {
	ID              string     `json:"id"`
	State           string     `json:"state"`
	Kind            string     `json:"kind"`
	Requester       string     `json:"requester"`
	Action          string     `json:"action"`
	Resource        string     `json:"resource"`
	Reason          string     `json:"reason"`
	DurationSeconds int64      `json:"duration_seconds"`
	Approvals       int32      `json:"approvals"`
	ApprovalsNeeded int32      `json:"approvals_needed"`
	CreatedAt       time.Time  `json:"created_at"`
	ExpiresAt       time.Time  `json:"expires_at"`
	DecidedAt       *time.Time `json:"decided_at,omitempty"`
	GrantID         string     `json:"grant_id,omitempty"`
}

func toAccessJSON(r *airlockv1.AccessRequest) accessJSON {
	return accessJSON{ID: r.GetId(), State: r.GetState(), Kind: r.GetKind(), Requester: r.GetRequester(),
		Action: r.GetAction(), Resource: r.GetResource(), Reason: r.GetReason(), DurationSeconds: r.GetDurationSeconds(),
		Approvals: r.GetApprovals(), ApprovalsNeeded: r.GetApprovalsNeeded(), CreatedAt: r.GetCreatedAt().AsTime(),
		ExpiresAt: r.GetExpiresAt().AsTime(), DecidedAt: optionalTime(r.GetDecidedAt()), GrantID: r.GetGrantId()}
}

// summary is the text form of a request's state, e.g.
// "state: pending (approvals 0/2; expires 2025-06-02T09:30:00Z)".
func (j accessJSON) summary() string {
	s := fmt.Sprintf("state: %s (approvals %d/%d", j.State, j.Approvals, j.ApprovalsNeeded)
	switch {
	case j.State == "pending":
		s += "; expires " + j.ExpiresAt.Format(time.RFC3339)
	case j.GrantID != "":
		s += "; grant " + j.GrantID
	}
	return s + ")"
}

func (a *app) accessCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "access",
		Short: "Just-in-time access: request, list, approve, deny",
		Long: `An agent asks for access it does not have (access request, with its own
--identity); reviewers allowed to ApproveAccess by policy approve or deny it.
Approval creates a grant for the requested duration. A requester can never
review its own request; pending requests expire (by default after 24h).`,
	}
	cmd.AddCommand(a.accessRequest(), a.accessList(),
		a.accessDecide("approve", "Approve an access request (creates a grant once enough reviewers approve)"),
		a.accessDecide("deny", "Deny an access request (final)"))
	return cmd
}

func (a *app) accessRequest() *cobra.Command {
	var cf connFlags
	var action, resource, reason string
	var duration time.Duration
	cmd := &cobra.Command{
		Use:   "request --action NAME --resource UID --duration 30m --reason TEXT",
		Short: "Ask for access you do not have; prints the request ID",
		Long: `Ask for a time-bound grant of one action on one resource, as the identity in
--identity (or $` + envIdentity + `). Prints the request ID on the first line, then its
state; reviewers see it in ` + "`airlock access list --pending`" + `.`,
		Example: `  airlock access request --identity ./s1 --action SendMessage --resource 'Agent::"f1"' \
      --duration 30m --reason "quarterly invoice"
  ID=$(airlock access request --action SendMessage --resource 'Agent::"f1"' --reason "…" | head -1)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := accessRequestMsg(action, resource, reason, duration)
			if err != nil {
				return err
			}
			return cf.with(cmd.Context(), func(c *client.Client) error {
				resp, err := c.Access.RequestAccess(cmd.Context(), connect.NewRequest(req))
				if err != nil {
					return err
				}
				return a.printAccess(resp.Msg.GetRequest())
			})
		},
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&action, "action", "", "the action wanted, e.g. SendMessage (required)")
	cmd.Flags().StringVar(&resource, "resource", "", `on what, e.g. 'Agent::"f1"' (required)`)
	cmd.Flags().DurationVar(&duration, "duration", time.Hour, "how long the access is needed (the hub caps it)")
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the reviewers and the audit log (required)")
	return cmd
}

// accessRequestMsg checks the flags of access request locally.
func accessRequestMsg(action, resource, reason string, d time.Duration) (*airlockv1.RequestAccessRequest, error) {
	act, err := actionFlag(action)
	if err != nil {
		return nil, err
	}
	r, err := entityFlag("--resource", resource)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, errors.New(`--reason is required: reviewers decide on it, e.g. --reason "quarterly invoice"`)
	}
	if d < time.Second {
		return nil, fmt.Errorf("--duration %s: want a positive duration of at least 1s, e.g. --duration 30m", d)
	}
	return &airlockv1.RequestAccessRequest{Action: act, Resource: r, Reason: reason,
		DurationSeconds: int64(d / time.Second)}, nil
}

// printAccess prints one request: its ID alone on the first line, so
// scripts can take it with `head -1`, then its state.
func (a *app) printAccess(r *airlockv1.AccessRequest) error {
	j := toAccessJSON(r)
	return a.emit(j, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "%s\n%s\n", j.ID, j.summary())
		return err
	})
}

func (a *app) accessList() *cobra.Command {
	var cf connFlags
	var pending bool
	cmd := &cobra.Command{
		Use:     "list [--pending]",
		Aliases: []string{"ls"},
		Short:   "List access requests",
		Example: "  airlock access list --pending\n  airlock access list -o json",
		Args:    cobra.NoArgs,
		RunE: cf.run(func(ctx context.Context, c *client.Client, _ []string) error {
			resp, err := c.Access.ListAccessRequests(ctx,
				connect.NewRequest(&airlockv1.ListAccessRequestsRequest{PendingOnly: pending}))
			if err != nil {
				return err
			}
			header := []string{"ID", "REQUESTER", "ACTION", "RESOURCE", "STATE", "APPROVALS", "EXPIRES"}
			return emitTable(a, header, resp.Msg.GetRequests(), func(r *airlockv1.AccessRequest) (accessJSON, []string) {
				j := toAccessJSON(r)
				return j, []string{j.ID, j.Requester, j.Action, j.Resource, j.State,
					fmt.Sprintf("%d/%d", j.Approvals, j.ApprovalsNeeded), j.ExpiresAt.Format(time.RFC3339)}
			})
		}),
	}
	cf.register(cmd)
	cmd.Flags().BoolVar(&pending, "pending", false, "only requests still waiting for a decision")
	return cmd
}

func (a *app) accessDecide(verb, short string) *cobra.Command {
	var cf connFlags
	var comment string
	cmd := &cobra.Command{
		Use:     verb + " ID [--comment TEXT]",
		Short:   short,
		Example: fmt.Sprintf("  airlock access list --pending\n  airlock access %s ID --comment \"checked with the finance team\"", verb),
		Args:    cobra.ExactArgs(1),
		RunE: cf.run(func(ctx context.Context, c *client.Client, args []string) error {
			r, err := decideAccess(ctx, c, verb, args[0], comment)
			if err != nil {
				return err
			}
			return a.printAccess(r)
		}),
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&comment, "comment", "", "a note for the requester and the audit log")
	return cmd
}

// decideAccess approves or denies request id and returns it as it is now.
func decideAccess(ctx context.Context, c *client.Client, verb, id, comment string) (*airlockv1.AccessRequest, error) {
	if verb == "approve" {
		resp, err := c.Access.ApproveAccess(ctx, connect.NewRequest(&airlockv1.ApproveAccessRequest{Id: id, Comment: comment}))
		if err != nil {
			return nil, err
		}
		return resp.Msg.GetRequest(), nil
	}
	resp, err := c.Access.DenyAccess(ctx, connect.NewRequest(&airlockv1.DenyAccessRequest{Id: id, Comment: comment}))
	if err != nil {
		return nil, err
	}
	return resp.Msg.GetRequest(), nil
}
