package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/client"
)

// topicJSON is the --output json form of a topic.
type topicJSON struct {
	Name      string    `json:"name"`
	Segment   string    `json:"segment"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
}

func toTopicJSON(t client.Topic) topicJSON {
	return topicJSON{Name: t.Name, Segment: t.Segment, Created: t.Created, CreatedBy: t.CreatedBy}
}

func (a *app) topicCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "topic",
		Short: "Create and list topics (publish/subscribe)",
		Long: `A topic fans each published message out to every durable subscription it
has: each subscription keeps its own cursor, leases and acknowledgements, with
the delivery guarantees of a mailbox. A topic belongs to a policy segment; the
starter policy lets the agents of that segment publish and subscribe.`,
	}
	cmd.AddCommand(a.topicCreate(), a.topicList())
	return cmd
}

func (a *app) topicCreate() *cobra.Command {
	var cf connFlags
	var segment string
	cmd := &cobra.Command{
		Use:     "create NAME [--segment S]",
		Short:   "Create a topic (administrators)",
		Example: `  airlock topic create orders --segment finance`,
		Args:    cobra.ExactArgs(1),
		RunE: cf.run(func(ctx context.Context, c *client.Client, args []string) error {
			t, err := c.CreateTopic(ctx, args[0], segment)
			if err != nil {
				return err
			}
			return a.emit(toTopicJSON(t), func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "created topic %s in segment %s\n", t.Name, t.Segment)
				return err
			})
		}),
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&segment, "segment", "default", "policy segment of the topic")
	return cmd
}

func (a *app) topicList() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List topics (administrators)",
		Args:  cobra.NoArgs,
		RunE: cf.run(func(ctx context.Context, c *client.Client, _ []string) error {
			ts, err := c.ListTopics(ctx)
			if err != nil {
				return err
			}
			header := []string{"NAME", "SEGMENT", "CREATED", "CREATED BY"}
			return emitTable(a, header, ts, func(t client.Topic) (topicJSON, []string) {
				return toTopicJSON(t), []string{t.Name, t.Segment, t.Created.Local().Format(time.RFC3339), shortID(c, t.CreatedBy)}
			})
		}),
	}
	cf.register(cmd)
	return cmd
}

// publishJSON is the --output json form of a publish.
type publishJSON struct {
	ID            string `json:"id"`
	Subscriptions int    `json:"subscriptions"`
}

func (a *app) publishCommand() *cobra.Command {
	var cf connFlags
	var mf messageFlags
	cmd := &cobra.Command{
		Use:   "publish TOPIC [--subject S] (--body TEXT | --file F | stdin)",
		Short: "Publish a signed message to every subscription of a topic",
		Long: `Publish a message to TOPIC. The envelope is signed with this identity's key
for "topic:TOPIC"; the hub checks the signature, authorizes Publish on the
topic, and stores a sealed copy in every subscription the topic has now.
Prints the message ID. The body is read as for airlock send.`,
		Example: `  airlock publish orders --subject "order 42" --body "paid"
  airlock publish orders --content-type application/json --file order.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := mf.options(cmd)
			if err != nil {
				return err
			}
			return cf.with(cmd.Context(), func(c *client.Client) error {
				id, n, err := c.Publish(cmd.Context(), args[0], o)
				if err != nil {
					return err
				}
				return a.emit(publishJSON{ID: id, Subscriptions: n}, func(w io.Writer) error {
					if n == 0 {
						fmt.Fprintln(a.errOut, "note: the topic has no subscriptions; nobody will receive this message")
					}
					_, err := fmt.Fprintln(w, id)
					return err
				})
			})
		},
	}
	cf.register(cmd)
	mf.register(cmd)
	return cmd
}

func (a *app) subscribeCommand() *cobra.Command {
	var cf connFlags
	var sub string
	var wait time.Duration
	var limit int
	var ack, dead bool
	cmd := &cobra.Command{
		Use:   "subscribe TOPIC --subscription NAME [--wait[=30s]] [--limit N] [--ack] [--dead-letter]",
		Short: "Create a durable subscription if needed and fetch its messages",
		Long: `Subscribe to TOPIC under the durable subscription NAME (created on first use,
owned by this identity), then fetch (lease) its messages, oldest first, and list
them like airlock inbox. A subscription receives the messages published after it
was created. Messages not acknowledged (--ack) before their lease ends are
delivered again, and dead-lettered after messaging.max_attempts deliveries.
--dead-letter lists those (without creating the subscription);
` + "`airlock subscribe requeue TOPIC --subscription NAME ID…`" + ` moves them back.`,
		Example: `  airlock subscribe orders --subscription billing --wait --ack
  airlock subscribe orders --subscription audit -o json
  airlock subscribe orders --subscription billing --dead-letter`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := waitArg(cmd, args[1:], &wait); err != nil {
				return err
			}
			return cf.with(cmd.Context(), func(c *client.Client) error {
				if dead {
					return a.subscriptionDeadLetters(cmd, c, args[0], sub, limit)
				}
				if err := c.Subscribe(cmd.Context(), args[0], sub); err != nil {
					return err
				}
				return a.fetchSubscription(cmd, c, args[0], sub, limit, wait, ack)
			})
		},
	}
	cf.register(cmd)
	f := cmd.Flags()
	f.StringVar(&sub, "subscription", "", "subscription name (required)")
	f.DurationVar(&wait, "wait", 0, "wait up to this long for a message (bare --wait: 30s)")
	f.Lookup("wait").NoOptDefVal = "30s"
	f.IntVar(&limit, "limit", 0, "at most N messages (0: the hub's default)")
	f.BoolVar(&ack, "ack", false, "acknowledge the messages shown")
	f.BoolVar(&dead, "dead-letter", false, "list the subscription's dead-letter queue instead")
	_ = cmd.MarkFlagRequired("subscription")
	cmd.MarkFlagsMutuallyExclusive("dead-letter", "ack")
	cmd.MarkFlagsMutuallyExclusive("dead-letter", "wait")
	cmd.AddCommand(a.subscribeRequeue())
	return cmd
}

func (a *app) subscriptionDeadLetters(cmd *cobra.Command, c *client.Client, topic, sub string, limit int) error {
	dls, err := c.SubscriptionDeadLetters(cmd.Context(), topic, sub, limit)
	if err != nil {
		return err
	}
	if len(dls) == 0 && a.output == "text" {
		fmt.Fprintf(a.errOut, "no dead letters in subscription %s\n", sub)
	}
	return a.printDeadLetters(c, dls)
}

func (a *app) subscribeRequeue() *cobra.Command {
	var cf connFlags
	var sub string
	cmd := &cobra.Command{
		Use:   "requeue TOPIC --subscription NAME ID...",
		Short: "Move dead-lettered messages back to a subscription",
		Long: `Move dead-lettered messages of this identity's subscription NAME of TOPIC
(listed by airlock subscribe TOPIC --subscription NAME --dead-letter) back to it,
with a fresh set of delivery attempts. IDs are the message IDs as listed. All or
nothing: an ID that is not a message of the subscription, or not dead-lettered,
fails the command and nothing moves.`,
		Example: `  airlock subscribe orders --subscription billing --dead-letter
  airlock subscribe requeue orders --subscription billing 0190f1b2-7c1e-7000-8000-00000000002a
  airlock subscribe requeue orders --subscription billing ID1 ID2 -o json`,
		Args: cobra.MinimumNArgs(2),
		RunE: cf.run(func(ctx context.Context, c *client.Client, args []string) error {
			n, err := c.RequeueSubscription(ctx, args[0], sub, args[1:]...)
			if err != nil {
				return err
			}
			return a.printRequeued(n, len(args)-1)
		}),
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&sub, "subscription", "", "subscription name (required)")
	_ = cmd.MarkFlagRequired("subscription")
	return cmd
}

func (a *app) fetchSubscription(cmd *cobra.Command, c *client.Client, topic, sub string, limit int, wait time.Duration, ack bool) error {
	ms, verr := c.FetchSubscription(cmd.Context(), topic, sub, limit, wait)
	if verr != nil && !errors.Is(verr, client.ErrUnverified) {
		return verr
	}
	if err := a.printMessages(c, ms); err != nil {
		return err
	}
	if ack && len(ms) > 0 {
		if _, err := c.AckSubscription(cmd.Context(), topic, sub, messageIDs(ms)...); err != nil {
			return err
		}
	}
	if a.output == "text" {
		switch {
		case len(ms) == 0:
			fmt.Fprintln(a.errOut, "no messages")
		case !ack:
			fmt.Fprintf(a.errOut, "%d message(s) leased to subscription %s until %s: use --ack, or they are delivered again\n",
				len(ms), sub, ms[0].LeaseExpires.Local().Format(time.Kitchen))
		}
	}
	return verr
}
