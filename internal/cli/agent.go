package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/gen/airlock/v1/airlockv1connect"
)

// agentJSON is the --output json form of an agent.
type agentJSON struct {
	Name      string    `json:"name"`
	SPIFFEID  string    `json:"spiffe_id"`
	Segment   string    `json:"segment"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toAgentJSON(a *airlockv1.Agent) agentJSON {
	return agentJSON{
		Name: a.GetName(), SPIFFEID: a.GetSpiffeId(), Segment: a.GetSegment(), Status: a.GetStatus(),
		CreatedAt: a.GetCreatedAt().AsTime(), UpdatedAt: a.GetUpdatedAt().AsTime(),
	}
}

func (a *app) agentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Manage agents (create, list, show, suspend, resume, revoke, delete)",
	}
	cmd.AddCommand(a.agentCreate(), a.agentList(), a.agentShow(),
		a.agentStatus("suspend", "Suspend an agent: its connections are refused until resumed"),
		a.agentStatus("resume", "Resume a suspended agent"),
		a.agentStatus("revoke", "Revoke an agent permanently: its certificates and tokens stop working at once"),
		a.agentDelete())
	return cmd
}

var agentHeader = []string{"NAME", "SEGMENT", "STATUS", "SPIFFE ID"}

func (j agentJSON) row() []string {
	return []string{j.Name, j.Segment, j.Status, j.SPIFFEID}
}

func (a *app) printAgent(ag *airlockv1.Agent) error {
	j := toAgentJSON(ag)
	return a.emit(j, func(w io.Writer) error {
		return printTable(w, agentHeader, [][]string{j.row()})
	})
}

func (a *app) agentCreate() *cobra.Command {
	var cf connFlags
	var segment string
	cmd := &cobra.Command{
		Use:     "create NAME",
		Short:   "Register an agent (name: [a-z0-9-]{1,63})",
		Example: "  airlock agent create billing --segment finance",
		Args:    cobra.ExactArgs(1),
		RunE: cf.run(func(ctx context.Context, c *client.Client, args []string) error {
			resp, err := c.Admin.CreateAgent(ctx, connect.NewRequest(&airlockv1.CreateAgentRequest{Name: args[0], Segment: segment}))
			if err != nil {
				return err
			}
			return a.printAgent(resp.Msg.GetAgent())
		}),
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&segment, "segment", "", `segment the agent belongs to (default "default")`)
	return cmd
}

func (a *app) agentList() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List agents",
		Args:    cobra.NoArgs,
		RunE: cf.run(func(ctx context.Context, c *client.Client, _ []string) error {
			resp, err := c.Admin.ListAgents(ctx, connect.NewRequest(&airlockv1.ListAgentsRequest{}))
			if err != nil {
				return err
			}
			return emitTable(a, agentHeader, resp.Msg.GetAgents(), func(ag *airlockv1.Agent) (agentJSON, []string) {
				j := toAgentJSON(ag)
				return j, j.row()
			})
		}),
	}
	cf.register(cmd)
	return cmd
}

func (a *app) agentShow() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show one agent",
		Args:  cobra.ExactArgs(1),
		RunE: cf.run(func(ctx context.Context, c *client.Client, args []string) error {
			resp, err := c.Admin.GetAgent(ctx, connect.NewRequest(&airlockv1.GetAgentRequest{Name: args[0]}))
			if err != nil {
				return err
			}
			return a.printAgent(resp.Msg.GetAgent())
		}),
	}
	cf.register(cmd)
	return cmd
}

func (a *app) agentStatus(verb, short string) *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:   verb + " NAME",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: cf.run(func(ctx context.Context, c *client.Client, args []string) error {
			ag, err := setStatus(ctx, c.Admin, verb, args[0])
			if err != nil {
				return err
			}
			return a.printAgent(ag)
		}),
	}
	cf.register(cmd)
	return cmd
}

func setStatus(ctx context.Context, admin airlockv1connect.AdminServiceClient, verb, name string) (*airlockv1.Agent, error) {
	switch verb {
	case "suspend":
		resp, err := admin.SuspendAgent(ctx, connect.NewRequest(&airlockv1.SuspendAgentRequest{Name: name}))
		if err != nil {
			return nil, err
		}
		return resp.Msg.GetAgent(), nil
	case "resume":
		resp, err := admin.ResumeAgent(ctx, connect.NewRequest(&airlockv1.ResumeAgentRequest{Name: name}))
		if err != nil {
			return nil, err
		}
		return resp.Msg.GetAgent(), nil
	}
	resp, err := admin.RevokeAgent(ctx, connect.NewRequest(&airlockv1.RevokeAgentRequest{Name: name}))
	if err != nil {
		return nil, err
	}
	return resp.Msg.GetAgent(), nil
}

func (a *app) agentDelete() *cobra.Command {
	var cf connFlags
	var shred bool
	cmd := &cobra.Command{
		Use:   "delete NAME [--shred]",
		Short: "Delete an agent for good; --shred also destroys its stored messages",
		Long: `Revoke an agent for good. With --shred the hub also destroys the agent's
keyset, so its stored messages become unreadable for everyone, including
admins and anyone holding a copy of the database. There is no confirmation
prompt and no undo; the deletion and the shredding are audited.`,
		Example: "  airlock agent delete a2 --shred",
		Args:    cobra.ExactArgs(1),
		RunE: cf.run(func(ctx context.Context, c *client.Client, args []string) error {
			req := &airlockv1.DeleteAgentRequest{Name: args[0], Shred: shred}
			resp, err := c.Admin.DeleteAgent(ctx, connect.NewRequest(req))
			if err != nil {
				return err
			}
			j := toAgentJSON(resp.Msg.GetAgent())
			out := struct {
				Agent    agentJSON `json:"agent"`
				Shredded bool      `json:"shredded"`
			}{j, resp.Msg.GetShredded()}
			return a.emit(out, func(w io.Writer) error {
				fmt.Fprintf(w, "agent %s deleted (status %s)\n", args[0], j.Status)
				if out.Shredded {
					_, err := fmt.Fprintln(w, "keyset shredded: its stored messages can no longer be read by anyone")
					return err
				}
				_, err := fmt.Fprintln(w, "stored messages kept (use --shred to make them unreadable)")
				return err
			})
		}),
	}
	cf.register(cmd)
	cmd.Flags().BoolVar(&shred, "shred", false, "also destroy the agent's keyset: its stored messages become unreadable")
	return cmd
}
