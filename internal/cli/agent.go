package cli

import (
	"fmt"
	"io"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

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

func (a *app) printAgent(ag *airlockv1.Agent) error {
	j := toAgentJSON(ag)
	return a.emit(j, func(w io.Writer) error {
		return printTable(w, []string{"NAME", "SEGMENT", "STATUS", "SPIFFE ID"},
			[][]string{{j.Name, j.Segment, j.Status, j.SPIFFEID}})
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
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			resp, err := c.Admin.CreateAgent(cmd.Context(), connect.NewRequest(&airlockv1.CreateAgentRequest{Name: args[0], Segment: segment}))
			if err != nil {
				return err
			}
			return a.printAgent(resp.Msg.GetAgent())
		},
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cf.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			resp, err := c.Admin.ListAgents(cmd.Context(), connect.NewRequest(&airlockv1.ListAgentsRequest{}))
			if err != nil {
				return err
			}
			out := make([]agentJSON, 0, len(resp.Msg.GetAgents()))
			rows := make([][]string, 0, len(out))
			for _, ag := range resp.Msg.GetAgents() {
				j := toAgentJSON(ag)
				out = append(out, j)
				rows = append(rows, []string{j.Name, j.Segment, j.Status, j.SPIFFEID})
			}
			return a.emit(out, func(w io.Writer) error {
				return printTable(w, []string{"NAME", "SEGMENT", "STATUS", "SPIFFE ID"}, rows)
			})
		},
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
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			resp, err := c.Admin.GetAgent(cmd.Context(), connect.NewRequest(&airlockv1.GetAgentRequest{Name: args[0]}))
			if err != nil {
				return err
			}
			return a.printAgent(resp.Msg.GetAgent())
		},
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
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			ag, err := setStatus(cmd, c.Admin, verb, args[0])
			if err != nil {
				return err
			}
			return a.printAgent(ag)
		},
	}
	cf.register(cmd)
	return cmd
}

func setStatus(cmd *cobra.Command, admin airlockv1connect.AdminServiceClient, verb, name string) (*airlockv1.Agent, error) {
	ctx := cmd.Context()
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
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			req := &airlockv1.DeleteAgentRequest{Name: args[0], Shred: shred}
			resp, err := c.Admin.DeleteAgent(cmd.Context(), connect.NewRequest(req))
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
		},
	}
	cf.register(cmd)
	cmd.Flags().BoolVar(&shred, "shred", false, "also destroy the agent's keyset: its stored messages become unreadable")
	return cmd
}
