package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/gen/airlock/v1/airlockv1connect"
)

// eventJSON is the --output json and export form of an audit event.
type eventJSON struct {
	Seq       int64     `json:"seq"`
	Time      time.Time `json:"time"`
	Node      string    `json:"node"`
	Type      string    `json:"type"`
	Outcome   string    `json:"outcome"`
	Actor     string    `json:"actor"`
	Target    string    `json:"target"`
	RequestID string    `json:"request_id"`
	Reasons   []string  `json:"reasons"`
	Detail    string    `json:"detail"`
}

func toEventJSON(e *airlockv1.Event) eventJSON {
	reasons := e.GetReasons()
	if reasons == nil {
		reasons = []string{}
	}
	return eventJSON{Seq: e.GetSeq(), Time: e.GetTime().AsTime(), Node: e.GetNode(), Type: e.GetType(),
		Outcome: e.GetOutcome(), Actor: e.GetActor(), Target: e.GetTarget(), RequestID: e.GetRequestId(),
		Reasons: reasons, Detail: e.GetDetail()}
}

func (a *app) auditCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read, prove and verify the tamper-evident audit log",
		Long: `The audit log records every security-relevant action in a Merkle tree with
signed checkpoints. Any edit, deletion, reordering or rollback of the record is
detected by ` + "`airlock audit verify`" + `; single events can be proven to someone
holding only the public key (` + "`audit prove`, `audit check-proof`, `audit key`" + `).`,
	}
	cmd.AddCommand(a.auditTail(), a.auditQuery(), a.auditExport(), a.auditVerify(), a.auditProve(),
		a.auditCheckProof(), a.auditKey(), a.auditCheckpoint())
	return cmd
}

func (a *app) printEvents(events []*airlockv1.Event) error {
	header := []string{"SEQ", "TIME", "TYPE", "OUTCOME", "ACTOR", "TARGET", "DETAIL"}
	return emitTable(a, header, events, func(e *airlockv1.Event) (eventJSON, []string) {
		j := toEventJSON(e)
		return j, []string{fmt.Sprint(j.Seq), j.Time.Format(time.RFC3339), j.Type, j.Outcome,
			dash(j.Actor), dash(j.Target), j.Detail}
	})
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *app) auditTail() *cobra.Command {
	var cf connFlags
	var n int
	var follow bool
	cmd := &cobra.Command{
		Use:   "tail [-n 20] [--follow]",
		Short: "Show the latest audit events (and keep following with --follow)",
		Args:  cobra.NoArgs,
		RunE: cf.run(func(ctx context.Context, c *client.Client, _ []string) error {
			resp, err := c.Audit.ListEvents(ctx, connect.NewRequest(&airlockv1.ListEventsRequest{Last: int32(n)}))
			if err != nil {
				return err
			}
			if err := a.printEvents(resp.Msg.GetEvents()); err != nil || !follow {
				return err
			}
			return a.follow(ctx, c.Audit, lastSeq(resp.Msg.GetEvents()))
		}),
	}
	cf.register(cmd)
	cmd.Flags().IntVarP(&n, "lines", "n", 20, "number of events to show")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new events until interrupted")
	return cmd
}

func lastSeq(es []*airlockv1.Event) int64 {
	if len(es) == 0 {
		return 0
	}
	return es[len(es)-1].GetSeq()
}

// follow polls for events after seq once a second until ctx is done.
func (a *app) follow(ctx context.Context, ac airlockv1connect.AuditServiceClient, seq int64) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		resp, err := ac.ListEvents(ctx, connect.NewRequest(&airlockv1.ListEventsRequest{AfterSeq: seq}))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		for _, e := range resp.Msg.GetEvents() {
			if err := a.printEventLine(e); err != nil {
				return err
			}
			seq = e.GetSeq()
		}
	}
}

func (a *app) printEventLine(e *airlockv1.Event) error {
	j := toEventJSON(e)
	if a.output == "json" {
		b, _ := json.Marshal(j)
		_, err := fmt.Fprintln(a.out, string(b))
		return err
	}
	_, err := fmt.Fprintf(a.out, "%d  %s  %s  %s  %s  %s  %s\n", j.Seq, j.Time.Format(time.RFC3339), j.Type,
		j.Outcome, dash(j.Actor), dash(j.Target), j.Detail)
	return err
}

// queryFlags select events.
type queryFlags struct {
	actor, typ, outcome string
	since               time.Duration
	limit               int
}

func (q *queryFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&q.actor, "actor", "", "only events by this SPIFFE ID")
	cmd.Flags().StringVar(&q.typ, "type", "", "only events of this type, e.g. agent.revoked")
	cmd.Flags().StringVar(&q.outcome, "outcome", "", "only success or failure")
	cmd.Flags().DurationVar(&q.since, "since", 0, "only events newer than this, e.g. 1h")
}

func (q *queryFlags) request(after int64, limit int) *airlockv1.ListEventsRequest {
	r := &airlockv1.ListEventsRequest{AfterSeq: after, Actor: q.actor, Type: q.typ, Outcome: q.outcome, Limit: int32(limit)}
	if q.since > 0 {
		r.Since = timestamppb.New(time.Now().Add(-q.since))
	}
	return r
}

func (a *app) auditQuery() *cobra.Command {
	var cf connFlags
	var q queryFlags
	var limit int
	cmd := &cobra.Command{
		Use:     "query [--actor ID] [--type T] [--since 1h] [--outcome failure]",
		Short:   "Search the audit log",
		Example: "  airlock audit query --type agent.revoked --since 24h\n  airlock audit query --outcome failure -o json",
		Args:    cobra.NoArgs,
		RunE: cf.run(func(ctx context.Context, c *client.Client, _ []string) error {
			resp, err := c.Audit.ListEvents(ctx, connect.NewRequest(q.request(0, limit)))
			if err != nil {
				return err
			}
			return a.printEvents(resp.Msg.GetEvents())
		}),
	}
	cf.register(cmd)
	q.register(cmd)
	cmd.Flags().IntVar(&limit, "limit", 1000, "at most this many events (1 to 10000)")
	return cmd
}

func (a *app) auditExport() *cobra.Command {
	var cf connFlags
	var q queryFlags
	var format string
	cmd := &cobra.Command{
		Use:   "export --format jsonl [--since 24h]",
		Short: "Write audit events as JSON lines, for SIEM ingestion",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "jsonl" {
				return fmt.Errorf("--format must be jsonl")
			}
			ctx := cmd.Context()
			return cf.with(ctx, func(c *client.Client) error {
				enc := json.NewEncoder(a.out)
				for after := int64(0); ; {
					resp, err := c.Audit.ListEvents(ctx, connect.NewRequest(q.request(after, 10000)))
					if err != nil {
						return err
					}
					for _, e := range resp.Msg.GetEvents() {
						if err := enc.Encode(toEventJSON(e)); err != nil {
							return err
						}
					}
					if len(resp.Msg.GetEvents()) < 10000 {
						return nil
					}
					after = lastSeq(resp.Msg.GetEvents())
				}
			})
		},
	}
	cf.register(cmd)
	q.register(cmd)
	cmd.Flags().StringVar(&format, "format", "jsonl", "output format (jsonl)")
	return cmd
}
