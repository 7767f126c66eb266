package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
)

// keyJSON is the --output json form of an owner's keyset.
type keyJSON struct {
	Owner    string   `json:"owner"`
	Keys     int32    `json:"keys"`
	Primary  uint32   `json:"primary_key_id"`
	KeyIDs   []uint32 `json:"key_ids"`
	Messages int64    `json:"messages"`
	Shredded bool     `json:"shredded"`
}

func (a *app) keysCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the data keys that seal stored messages (rotate, status, rewrap)",
		Long: `Each agent's stored messages are sealed with its own keyset, and each topic's
(the copies in its subscriptions) with the topic's, wrapped by the hub's
key-encryption key. Rotation adds a new primary key (old messages stay
readable); rewrap re-seals stored messages under the newest keys. Needs the
ManageAgents permission on the hub.`,
	}
	cmd.AddCommand(a.keysRotate(), a.keysStatus(), a.keysRewrap())
	return cmd
}

// targetFlags select one agent's keyset (--agent), one topic's (--topic),
// or every one (--all).
type targetFlags struct {
	agent, topic string
	all          bool
}

func (t *targetFlags) register(cmd *cobra.Command, verb string) {
	t.registerOne(cmd, verb)
	cmd.Flags().BoolVar(&t.all, "all", false, verb+" every agent's and every topic's keys")
	cmd.MarkFlagsMutuallyExclusive("agent", "topic", "all")
	cmd.MarkFlagsOneRequired("agent", "topic", "all")
}

// registerOne adds --agent and --topic only, at most one of them.
func (t *targetFlags) registerOne(cmd *cobra.Command, verb string) {
	cmd.Flags().StringVar(&t.agent, "agent", "", verb+" this agent's keys")
	cmd.Flags().StringVar(&t.topic, "topic", "", verb+" this topic's keys (they seal its subscriptions' copies)")
	cmd.MarkFlagsMutuallyExclusive("agent", "topic")
}

func (a *app) printKeys(keys []*airlockv1.KeyInfo) error {
	header := []string{"OWNER", "KEYS", "PRIMARY", "MESSAGES", "SHREDDED"}
	return emitTable(a, header, keys, func(k *airlockv1.KeyInfo) (keyJSON, []string) {
		ids := k.GetKeyIds()
		if ids == nil {
			ids = []uint32{}
		}
		j := keyJSON{Owner: k.GetOwner(), Keys: k.GetKeys(), Primary: k.GetPrimaryKeyId(), KeyIDs: ids,
			Messages: k.GetMessages(), Shredded: k.GetShredded()}
		primary := strconv.FormatUint(uint64(j.Primary), 10)
		if j.Shredded {
			primary = "-"
		}
		return j, []string{j.Owner, strconv.Itoa(int(j.Keys)), primary,
			strconv.FormatInt(j.Messages, 10), yesNo(j.Shredded)}
	})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (a *app) keysRotate() *cobra.Command {
	var cf connFlags
	var t targetFlags
	cmd := &cobra.Command{
		Use:     "rotate (--agent A | --topic T | --all)",
		Short:   "Add a new primary data key; old messages stay readable",
		Example: "  airlock keys rotate --all\n  airlock keys rotate --agent billing\n  airlock keys rotate --topic orders",
		Args:    cobra.NoArgs,
		RunE: cf.run(func(ctx context.Context, c *client.Client, _ []string) error {
			req := &airlockv1.RotateKeysRequest{Agent: t.agent, Topic: t.topic, All: t.all}
			resp, err := c.Keys.RotateKeys(ctx, connect.NewRequest(req))
			if err != nil {
				return err
			}
			return a.printKeys(resp.Msg.GetKeys())
		}),
	}
	cf.register(cmd)
	t.register(cmd, "rotate")
	return cmd
}

func (a *app) keysStatus() *cobra.Command {
	var cf connFlags
	var t targetFlags
	cmd := &cobra.Command{
		Use:     "status [--agent A | --topic T]",
		Short:   "Show key versions and stored message counts (default: every agent and topic)",
		Example: "  airlock keys status\n  airlock keys status --topic orders -o json",
		Args:    cobra.NoArgs,
		RunE: cf.run(func(ctx context.Context, c *client.Client, _ []string) error {
			req := &airlockv1.KeyStatusRequest{Agent: t.agent, Topic: t.topic}
			resp, err := c.Keys.KeyStatus(ctx, connect.NewRequest(req))
			if err != nil {
				return err
			}
			return a.printKeys(resp.Msg.GetKeys())
		}),
	}
	cf.register(cmd)
	t.registerOne(cmd, "show")
	return cmd
}

func (a *app) keysRewrap() *cobra.Command {
	var cf connFlags
	var t targetFlags
	cmd := &cobra.Command{
		Use:   "rewrap (--agent A | --topic T | --all)",
		Short: "Re-seal stored messages under the newest keys",
		Long: `Re-encrypt stored message bodies and headers under each keyset's primary key,
so that older keys can later be retired. Shows a progress bar on a terminal.`,
		Example: "  airlock keys rotate --all && airlock keys rewrap --all\n  airlock keys rotate --topic orders && airlock keys rewrap --topic orders",
		Args:    cobra.NoArgs,
		RunE: cf.run(func(ctx context.Context, c *client.Client, _ []string) error {
			return a.rewrap(ctx, c, &t)
		}),
	}
	cf.register(cmd)
	t.register(cmd, "rewrap")
	return cmd
}

func (a *app) rewrap(ctx context.Context, c *client.Client, t *targetFlags) error {
	stream, err := c.Keys.Rewrap(ctx, connect.NewRequest(&airlockv1.RewrapRequest{Agent: t.agent, Topic: t.topic, All: t.all}))
	if err != nil {
		return err
	}
	defer stream.Close()
	res, err := lastProgress(stream, rewrapProgress{newProgress(a.errOut)}, errors.New("rewrap ended before it finished; run it again"))
	if err != nil {
		return err
	}
	out := map[string]int64{"rewrapped": res.GetDone(), "total": res.GetTotal()}
	return a.emit(out, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "rewrapped %d of %d stored messages under the newest keys\n", res.GetDone(), res.GetTotal())
		return err
	})
}

// rewrapProgress is the audit verify progress bar, labelled for rewrap.
type rewrapProgress struct{ *progress }

func (p rewrapProgress) update(done, total int64) {
	if !p.on || total == 0 {
		return
	}
	const width = 30
	done = min(max(done, 0), total)
	fmt.Fprintf(p.w, "\rrewrapping [%-*s] %3d%%  %d/%d messages", width, bar(int(done*width/total)), done*100/total, done, total)
}
