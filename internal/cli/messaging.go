package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/airlock-hub/airlock/client"
)

// maxBodyRead bounds a body read from a file or stdin; the hub enforces
// its own, smaller limit (1 MiB by default).
const maxBodyRead = 64 << 20

// messageFlags are the message flags that send and publish share.
type messageFlags struct {
	o          client.SendOptions
	headers    []string
	body, file string
}

func (m *messageFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&m.o.Subject, "subject", "", "subject line")
	f.StringVar(&m.o.ContentType, "content-type", "", "media type of the body, e.g. application/json")
	f.StringVar(&m.o.Thread, "thread", "", "ID of the thread's first message")
	f.StringVar(&m.o.ReplyTo, "reply-to", "", "ID of the message this one answers")
	f.StringArrayVar(&m.headers, "header", nil, "header KEY=VALUE (repeatable)")
	f.StringVar(&m.o.IdempotencyKey, "idempotency-key", "", "retries with the same key within 24h return the first message ID")
	f.StringVar(&m.body, "body", "", "message body text")
	f.StringVar(&m.file, "file", "", "read the body from this file (- for stdin)")
	cmd.MarkFlagsMutuallyExclusive("body", "file")
}

// options returns the send options with the body read and the headers
// parsed. A --body defaults the content type to plain text.
func (m *messageFlags) options(cmd *cobra.Command) (client.SendOptions, error) {
	var err error
	bodySet := cmd.Flags().Changed("body")
	if m.o.Body, err = readBody(cmd.InOrStdin(), m.body, bodySet, m.file); err != nil {
		return m.o, err
	}
	if bodySet && !cmd.Flags().Changed("content-type") {
		m.o.ContentType = "text/plain; charset=utf-8"
	}
	if m.o.Headers, err = parseHeaders(m.headers); err != nil {
		return m.o, err
	}
	return m.o, nil
}

// sendJSON is the --output json form of a send.
type sendJSON struct {
	ID              string `json:"id"`
	State           string `json:"state"`
	Duplicate       bool   `json:"duplicate"`
	AccessRequestID string `json:"access_request_id,omitempty"`
}

func (a *app) sendCommand() *cobra.Command {
	var cf connFlags
	var mf messageFlags
	cmd := &cobra.Command{
		Use:   "send --to AGENT [--subject S] (--body TEXT | --file F | stdin)",
		Short: "Send a signed message to an agent's mailbox",
		Long: `Send a message to AGENT (an agent name, or any SPIFFE ID). The envelope is
signed with this identity's key; the hub checks the signature, authorizes the
send and seals the body at rest. Prints the message ID; a send that policy
holds for approval is reported on stderr.

The body comes from --body, --file (- for stdin) or stdin. --body defaults the
content type to text/plain; charset=utf-8; files and stdin are opaque bytes
unless --content-type says otherwise. A content type for which a JSON Schema
is registered (airlock schema register) must conform to it, or the hub
rejects the message; ";version=N" pins a schema version.`,
		Example: `  airlock send --to billing --subject "invoice 42" --body "please pay"
  airlock send --to billing --content-type application/json --file req.json
  airlock send --to billing --content-type application/vnd.acme.invoice+json --file invoice.json
  echo hi | airlock send --to billing --idempotency-key job-7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := mf.options(cmd)
			if err != nil {
				return err
			}
			return cf.with(cmd.Context(), func(c *client.Client) error {
				return a.send(cmd, c, o)
			})
		},
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&mf.o.To, "to", "", "recipient: an agent name or a SPIFFE ID (required)")
	mf.register(cmd)
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

func (a *app) send(cmd *cobra.Command, c *client.Client, o client.SendOptions) error {
	req, err := c.NewSendRequest(o)
	if err != nil {
		return err
	}
	resp, err := c.Messaging.Send(cmd.Context(), connect.NewRequest(req))
	if err != nil {
		return err
	}
	r := resp.Msg
	j := sendJSON{ID: r.GetId(), State: r.GetState(), Duplicate: r.GetDuplicate(), AccessRequestID: r.GetAccessRequestId()}
	return a.emit(j, func(w io.Writer) error {
		if j.Duplicate {
			fmt.Fprintln(a.errOut, "note: a send with this idempotency key was already accepted; this is its ID")
		}
		switch j.State {
		case client.StateHeld:
			fmt.Fprintln(a.errOut, "held: the message is delivered once approved"+accessHint(j.AccessRequestID))
		case "quarantined":
			fmt.Fprintln(a.errOut, "quarantined by content screening: a reviewer must release it (airlock quarantine list)")
		}
		_, err := fmt.Fprintln(w, j.ID)
		return err
	})
}

func accessHint(id string) string {
	if id == "" {
		return ""
	}
	return " (airlock access approve " + id + ")"
}

// readBody returns the body from --body (when set, even empty), --file
// (- for stdin) or stdin. It refuses to wait on a terminal.
func readBody(stdin io.Reader, body string, bodySet bool, file string) ([]byte, error) {
	switch {
	case bodySet && file != "":
		return nil, errors.New("pass either --body or --file, not both")
	case bodySet:
		return []byte(body), nil
	case file != "" && file != "-":
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		defer f.Close()
		return readLimited(f, file)
	}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return nil, errors.New("no body: pass --body TEXT or --file F, or pipe it on stdin")
	}
	return readLimited(stdin, "stdin")
}

func readLimited(r io.Reader, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxBodyRead+1))
	if err != nil {
		return nil, fmt.Errorf("read body from %s: %w", name, err)
	}
	if len(b) > maxBodyRead {
		return nil, fmt.Errorf("body from %s is over %d MiB", name, maxBodyRead>>20)
	}
	return b, nil
}

// parseHeaders turns repeated --header KEY=VALUE flags into a map. Keys
// must be non-empty and unique; values may contain '=' and be empty.
func parseHeaders(flags []string) (map[string]string, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	h := make(map[string]string, len(flags))
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--header %q: want KEY=VALUE", f)
		}
		if _, dup := h[k]; dup {
			return nil, fmt.Errorf("--header %q: %s is given twice", f, k)
		}
		h[k] = v
	}
	return h, nil
}

// messageJSON is the --output json form of a message. Body holds the body
// when it is valid UTF-8; otherwise BodyBase64 holds it.
type messageJSON struct {
	ID          string            `json:"id"`
	From        string            `json:"from"`
	To          string            `json:"to"`
	Subject     string            `json:"subject"`
	ContentType string            `json:"content_type"`
	Thread      string            `json:"thread,omitempty"`
	ReplyTo     string            `json:"reply_to,omitempty"`
	Headers     map[string]string `json:"headers"`
	Body        *string           `json:"body,omitempty"`
	BodyBase64  string            `json:"body_base64,omitempty"`
	Size        int               `json:"size"`
	Created     time.Time         `json:"created"`
	Attempt     int               `json:"attempt"`
	Verified    bool              `json:"verified"`
	State       string            `json:"state,omitempty"`
	Error       string            `json:"error,omitempty"`
	Labels      labelsJSON        `json:"labels"`
}

// labelsJSON is what the hub's content screening found.
type labelsJSON struct {
	Verdict    string   `json:"verdict"`
	Score      float64  `json:"score"`
	Categories []string `json:"categories"`
	Redacted   bool     `json:"redacted,omitempty"`
}

func toMessageJSON(m client.Message) messageJSON {
	j := messageJSON{ID: m.ID, From: m.From, To: m.To, Subject: m.Subject, ContentType: m.ContentType,
		Thread: m.Thread, ReplyTo: m.ReplyTo, Headers: m.Headers, Size: len(m.Body), Created: m.Created,
		Attempt: m.Attempt, Verified: m.Verified,
		Labels: labelsJSON{Verdict: m.Labels.Verdict, Score: m.Labels.Score, Categories: m.Labels.Categories, Redacted: m.Labels.Redacted}}
	if j.Labels.Categories == nil {
		j.Labels.Categories = []string{}
	}
	if j.Headers == nil {
		j.Headers = map[string]string{}
	}
	if utf8.Valid(m.Body) {
		s := string(m.Body)
		j.Body = &s
	} else {
		j.BodyBase64 = base64.StdEncoding.EncodeToString(m.Body)
	}
	return j
}

// shortID drops "spiffe://TD/" from ids in the client's own trust domain.
func shortID(c *client.Client, id string) string {
	if s, ok := strings.CutPrefix(id, c.Current().ID.TrustDomain().IDString()+"/"); ok {
		return s
	}
	return id
}

// printable escapes control characters, so that a message cannot drive the
// terminal it is shown on. Newlines and tabs stay when keepLines is set.
func printable(s string, keepLines bool) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case unicode.IsControl(r) || r == utf8.RuneError:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (a *app) inboxCommand() *cobra.Command {
	var cf connFlags
	var wait time.Duration
	var limit int
	var ack, dead bool
	cmd := &cobra.Command{
		Use:   "inbox [--wait[=30s]] [--limit N] [--ack] [--dead-letter]",
		Short: "Fetch the messages of this identity's mailbox",
		Long: `Fetch (lease) messages of this identity's mailbox, oldest first, and list them.
Every message is checked: its sender's certificate against the hub's trust
bundle and its signature over the envelope; one that does not verify is not
shown (and not acknowledged) and the command exits non-zero.

Delivery is at least once: a message not acknowledged (--ack, airlock ack)
before its lease ends is delivered again, and dead-lettered after too many
attempts. --dead-letter lists those; ` + "`airlock inbox requeue ID…`" + ` moves them back.`,
		Example: `  airlock inbox --wait --ack
  airlock inbox --wait 10s -o json
  airlock inbox --dead-letter`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := waitArg(cmd, args, &wait); err != nil {
				return err
			}
			return cf.with(cmd.Context(), func(c *client.Client) error {
				if dead {
					dls, err := c.DeadLetters(cmd.Context(), limit)
					if err != nil {
						return err
					}
					return a.printDeadLetters(c, dls)
				}
				return a.inbox(cmd, c, limit, wait, ack)
			})
		},
	}
	cf.register(cmd)
	f := cmd.Flags()
	f.DurationVar(&wait, "wait", 0, "wait up to this long for a message (bare --wait: 30s)")
	f.Lookup("wait").NoOptDefVal = "30s"
	f.IntVar(&limit, "limit", 0, "at most N messages (0: the hub's default)")
	f.BoolVar(&ack, "ack", false, "acknowledge the messages shown")
	f.BoolVar(&dead, "dead-letter", false, "list the dead-letter queue instead")
	cmd.MarkFlagsMutuallyExclusive("dead-letter", "ack")
	cmd.MarkFlagsMutuallyExclusive("dead-letter", "wait")
	cmd.AddCommand(a.inboxRequeue())
	return cmd
}

// waitArg accepts `--wait 10s` as well as `--wait=10s` and a bare `--wait`:
// with a bare --wait, pflag leaves the duration as an argument.
func waitArg(cmd *cobra.Command, args []string, wait *time.Duration) error {
	if len(args) == 0 {
		return nil
	}
	if !cmd.Flags().Changed("wait") {
		return fmt.Errorf("unexpected argument %q", args[0])
	}
	d, err := time.ParseDuration(args[0])
	if err != nil || d < 0 {
		return fmt.Errorf("unexpected argument %q (--wait takes a duration such as 10s)", args[0])
	}
	*wait = d
	return nil
}

func (a *app) inbox(cmd *cobra.Command, c *client.Client, limit int, wait time.Duration, ack bool) error {
	ms, verr := c.Fetch(cmd.Context(), limit, wait)
	if verr != nil && !errors.Is(verr, client.ErrUnverified) {
		return verr
	}
	if err := a.printMessages(c, ms); err != nil {
		return err
	}
	if ack && len(ms) > 0 {
		if _, err := c.Ack(cmd.Context(), messageIDs(ms)...); err != nil {
			return err
		}
	}
	if !ack && len(ms) > 0 && a.output == "text" {
		fmt.Fprintf(a.errOut, "%d message(s) leased to you until %s: acknowledge with `airlock ack ID…` (or use --ack), or they are delivered again\n",
			len(ms), ms[0].LeaseExpires.Local().Format(time.Kitchen))
	}
	if len(ms) == 0 && a.output == "text" {
		fmt.Fprintln(a.errOut, "no messages")
	}
	return verr
}

// printMessages lists fetched messages, one row each.
func (a *app) printMessages(c *client.Client, ms []client.Message) error {
	header := []string{"ID", "FROM", "SUBJECT", "CREATED", "ATTEMPT"}
	return emitTable(a, header, ms, func(m client.Message) (messageJSON, []string) {
		return toMessageJSON(m), []string{m.ID, shortID(c, m.From), printable(m.Subject, false),
			m.Created.Local().Format(time.RFC3339), strconv.Itoa(m.Attempt)}
	})
}

func messageIDs(ms []client.Message) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// printDeadLetters lists dead letters, one row each, saying which do not
// verify.
func (a *app) printDeadLetters(c *client.Client, dls []client.DeadLetter) error {
	header := []string{"ID", "FROM", "SUBJECT", "CREATED", "ATTEMPT", "VERIFIED"}
	return emitTable(a, header, dls, func(dl client.DeadLetter) (messageJSON, []string) {
		j, verified := toMessageJSON(dl.Message), "yes"
		if dl.Err != nil {
			j.Error, verified = dl.Err.Error(), "NO"
		}
		return j, []string{dl.ID, shortID(c, dl.From), printable(dl.Subject, false),
			dl.Created.Local().Format(time.RFC3339), strconv.Itoa(dl.Attempt), verified}
	})
}

func (a *app) inboxRequeue() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:   "requeue ID...",
		Short: "Move dead-lettered messages back to the mailbox",
		Long: `Move dead-lettered messages (listed by airlock inbox --dead-letter) back to
this identity's mailbox, with a fresh set of delivery attempts. All or nothing:
an ID that is not a message of the mailbox, or not dead-lettered, fails the
command and nothing moves.`,
		Example: `  airlock inbox --dead-letter
  airlock inbox requeue 0190f1b2-7c1e-7000-8000-00000000002a`,
		Args: cobra.MinimumNArgs(1),
		RunE: cf.run(func(ctx context.Context, c *client.Client, args []string) error {
			n, err := c.Requeue(ctx, args...)
			if err != nil {
				return err
			}
			return a.printRequeued(n, len(args))
		}),
	}
	cf.register(cmd)
	return cmd
}

// printRequeued reports that n of asked dead letters moved back.
func (a *app) printRequeued(n, asked int) error {
	return a.emit(map[string]int{"requeued": n}, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "requeued %d of %d\n", n, asked)
		return err
	})
}

func (a *app) ackCommand() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:   "ack ID...",
		Short: "Acknowledge delivered messages so they are not delivered again",
		Args:  cobra.MinimumNArgs(1),
		RunE: cf.run(func(ctx context.Context, c *client.Client, args []string) error {
			n, err := c.Ack(ctx, args...)
			if err != nil {
				return err
			}
			return a.emit(map[string]int{"acked": n}, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "acknowledged %d of %d\n", n, len(args))
				return err
			})
		}),
	}
	cf.register(cmd)
	return cmd
}

func (a *app) messageCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "message",
		Short: "Inspect messages of this identity's mailbox",
	}
	cmd.AddCommand(a.messageShow())
	return cmd
}

func (a *app) messageShow() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one message in full, after verifying its signature",
		Long: `Show one message of this identity's mailbox (without leasing it): headers,
body and state. The sender's certificate and signature are verified first; a
message that does not verify is not shown and the command fails.`,
		Args: cobra.ExactArgs(1),
		RunE: cf.run(func(ctx context.Context, c *client.Client, args []string) error {
			m, state, err := c.GetMessage(ctx, args[0])
			if err != nil {
				return err
			}
			j := toMessageJSON(m)
			j.State = state
			return a.emit(j, func(w io.Writer) error { return printMessage(w, m, state) })
		}),
	}
	cf.register(cmd)
	return cmd
}

// printMessage writes m in an email-like text form.
func printMessage(w io.Writer, m client.Message, state string) error {
	field := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-14s%s\n", k+":", printable(v, false))
		}
	}
	field("ID", m.ID)
	field("From", m.From)
	field("To", m.To)
	field("Subject", m.Subject)
	field("Content-Type", m.ContentType)
	field("Thread", m.Thread)
	field("Reply-To", m.ReplyTo)
	field("Created", m.Created.Local().Format(time.RFC3339))
	field("State", state)
	field("Attempt", strconv.Itoa(m.Attempt))
	for _, k := range slices.Sorted(maps.Keys(m.Headers)) {
		fmt.Fprintf(w, "Header %s: %s\n", printable(k, false), printable(m.Headers[k], false))
	}
	if m.Verified {
		fmt.Fprintln(w, "signature verified: signed by the sender's key, certificate issued by this hub")
	}
	fmt.Fprintln(w)
	if !utf8.Valid(m.Body) {
		_, err := fmt.Fprintf(w, "(%d bytes of binary data: use -o json for base64)\n", len(m.Body))
		return err
	}
	body := printable(string(m.Body), true)
	if body != "" && !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	_, err := io.WriteString(w, body)
	return err
}
