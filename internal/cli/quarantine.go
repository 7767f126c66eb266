package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
)

func (a *app) quarantineCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "quarantine",
		Short: "Review messages held by content screening (list, show, release, reject)",
		Long: `Messages that content screening finds suspicious are quarantined: stored,
sealed, and not delivered. A reviewer (ApproveAccess in policy) inspects them
and releases them to the recipient or rejects them; the sender may never
release its own message. Everything is audited.`,
	}
	cmd.AddCommand(a.quarantineList(), a.quarantineShow(), a.quarantineDecide("release"), a.quarantineDecide("reject"))
	return cmd
}

type quarantineJSON struct {
	ID         string     `json:"id"`
	Sender     string     `json:"sender"`
	Recipient  string     `json:"recipient"`
	Subject    string     `json:"subject"`
	Score      float64    `json:"score"`
	Categories []string   `json:"categories"`
	Spans      []spanJSON `json:"spans"`
	Reason     string     `json:"reason,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	RequestID  string     `json:"access_request_id"`
}

type spanJSON struct {
	Category string `json:"category"`
	Start    int64  `json:"start"`
	End      int64  `json:"end"`
	Text     string `json:"text,omitempty"`
}

func toQuarantineJSON(m *airlockv1.QuarantinedMessage) quarantineJSON {
	q := quarantineJSON{ID: m.GetId(), Sender: m.GetSender(), Recipient: m.GetRecipient(), Subject: m.GetSubject(),
		Score: m.GetScore(), Categories: m.GetCategories(), Reason: m.GetReason(), CreatedAt: m.GetCreatedAt().AsTime(),
		RequestID: m.GetAccessRequestId(), Spans: []spanJSON{}}
	for _, s := range m.GetSpans() {
		q.Spans = append(q.Spans, spanJSON{Category: s.GetCategory(), Start: s.GetStart(), End: s.GetEnd(), Text: s.GetText()})
	}
	return q
}

func spansText(q quarantineJSON) string {
	var parts []string
	for _, s := range q.Spans {
		if s.Text != "" {
			parts = append(parts, fmt.Sprintf("%s %q", s.Category, printable(s.Text, false)))
		} else {
			parts = append(parts, s.Category)
		}
	}
	return strings.Join(parts, "; ")
}

func (a *app) quarantineList() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List quarantined messages with their categories and triggering spans",
		Args:  cobra.NoArgs,
		RunE: cf.run(func(ctx context.Context, c *client.Client, _ []string) error {
			resp, err := c.Quarantine.ListQuarantine(ctx, connect.NewRequest(&airlockv1.ListQuarantineRequest{}))
			if err != nil {
				return err
			}
			header := []string{"ID", "FROM", "TO", "SUBJECT", "SCORE", "CATEGORIES", "SPANS"}
			return emitTable(a, header, resp.Msg.GetMessages(), func(m *airlockv1.QuarantinedMessage) (quarantineJSON, []string) {
				q := toQuarantineJSON(m)
				return q, []string{q.ID, shortSPIFFE(q.Sender), shortSPIFFE(q.Recipient), printable(q.Subject, false),
					fmt.Sprintf("%.2f", q.Score), strings.Join(q.Categories, ","), spansText(q)}
			})
		}),
	}
	cf.register(cmd)
	return cmd
}

func shortSPIFFE(id string) string {
	if i := strings.Index(id, "://"); i >= 0 {
		if j := strings.Index(id[i+3:], "/"); j >= 0 {
			return id[i+3+j+1:]
		}
	}
	return id
}

func (a *app) quarantineShow() *cobra.Command {
	var cf connFlags
	var original bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a quarantined message, decrypted for the reviewer (audited)",
		Long: `Show a quarantined message, decrypted for the reviewer, with its screening
findings and whether the sender's signature verifies. The inspection is
audited (message.inspected).

With --original, show the original body of a message whose body the hub
redacted (screening "redact"), in whatever state it is: delivered, acked or
quarantined. Only the reviewers see it; the recipient got the redacted body.`,
		Example: `  airlock quarantine show 0193a1b2-…
  airlock quarantine show 0193a1b2-… --original --output json`,
		Args: cobra.ExactArgs(1),
		RunE: cf.run(func(ctx context.Context, c *client.Client, args []string) error {
			if original {
				return a.showOriginal(ctx, c, args[0])
			}
			resp, err := c.Quarantine.ShowQuarantined(ctx, connect.NewRequest(&airlockv1.ShowQuarantinedRequest{Id: args[0]}))
			if err != nil {
				return err
			}
			q := toQuarantineJSON(resp.Msg.GetMessage())
			msg, verr := c.VerifyDelivery(resp.Msg.GetDelivery())
			out := map[string]any{"message": q, "body": string(resp.Msg.GetDelivery().GetEnvelope().GetBody()),
				"signature_verified": verr == nil}
			return a.emit(out, func(w io.Writer) error {
				fmt.Fprintf(w, "id:         %s\nfrom:       %s\nto:         %s\nsubject:    %s\nscore:      %.2f\ncategories: %s\nspans:      %s\n",
					q.ID, q.Sender, q.Recipient, printable(q.Subject, false), q.Score, strings.Join(q.Categories, ", "), spansText(q))
				fmt.Fprintf(w, "signature:  %s\n\n", verifiedText(msg, verr))
				_, err := fmt.Fprintln(w, printable(string(resp.Msg.GetDelivery().GetEnvelope().GetBody()), true))
				return err
			})
		}),
	}
	cmd.Flags().BoolVar(&original, "original", false, "show the original body of a message the hub redacted")
	cf.register(cmd)
	return cmd
}

// showOriginal prints the original of a redacted message and whether the
// sender's signature verifies over it.
func (a *app) showOriginal(ctx context.Context, c *client.Client, id string) error {
	resp, err := c.Quarantine.ShowOriginal(ctx, connect.NewRequest(&airlockv1.ShowOriginalRequest{Id: id}))
	if err != nil {
		return err
	}
	d := resp.Msg.GetDelivery()
	e := d.GetEnvelope()
	msg, verr := c.VerifyDelivery(d)
	out := map[string]any{"id": e.GetId(), "sender": e.GetSender(), "recipient": e.GetRecipient(),
		"subject": e.GetSubject(), "original_body": string(e.GetBody()), "signature_verified": verr == nil}
	return a.emit(out, func(w io.Writer) error {
		fmt.Fprintf(w, "id:         %s\nfrom:       %s\nto:         %s\nsubject:    %s\n",
			e.GetId(), e.GetSender(), e.GetRecipient(), printable(e.GetSubject(), false))
		fmt.Fprintf(w, "signature:  %s\n\noriginal body (the recipient got it redacted):\n", verifiedText(msg, verr))
		_, err := fmt.Fprintln(w, printable(string(e.GetBody()), true))
		return err
	})
}

func verifiedText(_ client.Message, err error) string {
	if err != nil {
		return "NOT verified: " + err.Error()
	}
	return "verified (the sender's certificate chains to this hub and the signature matches)"
}

func (a *app) quarantineDecide(verb string) *cobra.Command {
	var cf connFlags
	var comment string
	short := "Release a quarantined message: it is delivered to its recipient"
	if verb == "reject" {
		short = "Reject a quarantined message: it is never delivered and its content is destroyed"
	}
	cmd := &cobra.Command{
		Use:   verb + " ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: cf.run(func(ctx context.Context, c *client.Client, args []string) error {
			var state string
			if verb == "release" {
				resp, err := c.Quarantine.Release(ctx, connect.NewRequest(&airlockv1.ReleaseRequest{Id: args[0], Comment: comment}))
				if err != nil {
					return err
				}
				state = resp.Msg.GetState()
			} else {
				resp, err := c.Quarantine.RejectQuarantined(ctx, connect.NewRequest(&airlockv1.RejectQuarantinedRequest{Id: args[0], Comment: comment}))
				if err != nil {
					return err
				}
				state = resp.Msg.GetState()
				if state == "denied" {
					state = "rejected"
				}
			}
			return a.emit(map[string]string{"id": args[0], "state": state}, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "%s: %s\n", args[0], state)
				return err
			})
		}),
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&comment, "comment", "", "a note for the audit log")
	return cmd
}
