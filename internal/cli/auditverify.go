package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/audit"
)

// errVerifyFailed makes `audit verify` exit non-zero after it has printed
// what is wrong.
var errVerifyFailed = errors.New("audit log verification failed")

func (a *app) auditVerify() *cobra.Command {
	var cf connFlags
	var checkpointFile string
	cmd := &cobra.Command{
		Use:   "verify [--checkpoint FILE]",
		Short: "Recompute the audit tree and check every signed checkpoint",
		Long: `Recompute the whole Merkle tree from the stored events, check each stored
checkpoint's signature and that they agree with each other and with the tree,
and, with --checkpoint, that the log is consistent with a checkpoint kept
outside the hub (this detects a rollback to an earlier copy). Exits 0 when the
log is intact; otherwise names the first bad index and what is wrong.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var external []byte
			if checkpointFile != "" {
				var err error
				if external, err = os.ReadFile(checkpointFile); err != nil {
					return fmt.Errorf("read checkpoint: %w", err)
				}
				external = audit.LastNote(external) // a sink file holds many notes; the last is the newest
			}
			ctx := cmd.Context()
			return cf.with(ctx, func(c *client.Client) error {
				stream, err := c.Audit.Verify(ctx, connect.NewRequest(&airlockv1.VerifyRequest{ExternalCheckpoint: external}))
				if err != nil {
					return err
				}
				defer stream.Close()
				res, err := lastProgress(stream, newProgress(a.errOut), errors.New("verification ended without a result"))
				if err != nil {
					return err
				}
				return a.verifyResult(res)
			})
		},
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&checkpointFile, "checkpoint", "", "a signed checkpoint kept outside the hub")
	return cmd
}

func (a *app) verifyResult(res *airlockv1.VerifyResponse) error {
	out := map[string]any{"ok": res.GetOk(), "events": res.GetTotal(), "checkpoints": res.GetCheckpoints()}
	if !res.GetOk() {
		out["bad_index"], out["bad_seq"], out["reason"] = res.GetBadIndex(), res.GetBadSeq(), res.GetReason()
	}
	err := a.emit(out, func(w io.Writer) error {
		if res.GetOk() {
			_, err := fmt.Fprintf(w, "audit log intact: %d events, %d signed checkpoints verified\n", res.GetTotal(), res.GetCheckpoints())
			return err
		}
		_, err := fmt.Fprintf(w, "audit log TAMPERED: first bad index %d (event seq %d): %s\n", res.GetBadIndex(), res.GetBadSeq(), res.GetReason())
		return err
	})
	if err != nil {
		return err
	}
	if !res.GetOk() {
		return errVerifyFailed
	}
	return nil
}

// progress draws a one-line progress bar on a terminal, and nothing otherwise.
type progress struct {
	w  io.Writer
	on bool
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, on: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) update(done, total int64) {
	if !p.on || total == 0 {
		return
	}
	const width = 30
	filled := int(done * width / total)
	fmt.Fprintf(p.w, "\rverifying [%-*s] %3d%%  %d/%d events", width, bar(filled), done*100/total, done, total)
}

// progressMsg is a streamed message that reports how far a long job got.
type progressMsg interface {
	GetDone() int64
	GetTotal() int64
	GetFinished() bool
}

// meter shows the progress of a long job.
type meter interface {
	update(done, total int64)
	done()
}

// lastProgress receives stream to its end, showing progress on m, and
// returns the last message, or unfinished if that does not report the job
// finished.
func lastProgress[T any, M interface {
	*T
	progressMsg
}](stream *connect.ServerStreamForClient[T], m meter, unfinished error) (M, error) {
	var res M
	for stream.Receive() {
		res = stream.Msg()
		m.update(res.GetDone(), res.GetTotal())
	}
	m.done()
	if err := stream.Err(); err != nil {
		return nil, err
	}
	if res == nil || !res.GetFinished() {
		return nil, unfinished
	}
	return res, nil
}

func bar(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '='
	}
	return string(b)
}

func (p *progress) done() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}

func (a *app) auditProve() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:   "prove SEQ",
		Short: "Print an inclusion proof of one event against the latest signed checkpoint",
		Long: `Print a JSON inclusion proof of event SEQ: the event, the Merkle path and the
signed checkpoint. Anyone holding the hub's public key (airlock audit key) can
check it offline with ` + "`airlock audit check-proof FILE --key KEY`" + `.`,
		Example: "  airlock audit prove 42 > proof.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			seq, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || seq < 1 {
				return fmt.Errorf("SEQ must be a positive event number, not %q", args[0])
			}
			ctx := cmd.Context()
			return cf.with(ctx, func(c *client.Client) error {
				resp, err := c.Audit.GetProof(ctx, connect.NewRequest(&airlockv1.GetProofRequest{Seq: seq}))
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(a.out, resp.Msg.GetProofJson())
				return err
			})
		},
	}
	cf.register(cmd)
	return cmd
}

func (a *app) auditCheckProof() *cobra.Command {
	var key string
	cmd := &cobra.Command{
		Use:   "check-proof FILE --key KEY",
		Short: "Check an inclusion proof offline, with only the hub's public key",
		Long: `Check a proof written by ` + "`airlock audit prove`" + ` without contacting the hub:
the checkpoint's signature against KEY (from ` + "`airlock audit key`" + `), then the
event's Merkle path to the signed root. FILE may be - for stdin.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if key == "" {
				return errors.New("--key is required: the verifier key printed by `airlock audit key`")
			}
			data, err := readFileOrStdin(cmd.InOrStdin(), args[0])
			if err != nil {
				return err
			}
			p, err := audit.ParseProof(data)
			if err != nil {
				return err
			}
			ev, cp, err := audit.CheckProof(p, key)
			if err != nil {
				return fmt.Errorf("proof does NOT verify: %w", err)
			}
			out := map[string]any{"ok": true, "seq": ev.Seq, "type": ev.Type, "actor": ev.Actor, "checkpoint_size": cp.Size}
			return a.emit(out, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "proof OK: event %d (%s by %s) is in the log signed at size %d\n",
					ev.Seq, ev.Type, dash(ev.Actor), cp.Size)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "the hub's checkpoint verifier key")
	return cmd
}

func readFileOrStdin(stdin io.Reader, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(io.LimitReader(stdin, 1<<20))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

func (a *app) auditKey() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Print the public key that verifies audit checkpoints",
		Args:  cobra.NoArgs,
		RunE: cf.run(func(ctx context.Context, c *client.Client, _ []string) error {
			resp, err := c.Audit.GetPublicKey(ctx, connect.NewRequest(&airlockv1.GetPublicKeyRequest{}))
			if err != nil {
				return err
			}
			out := map[string]string{"verifier_key": resp.Msg.GetVerifierKey(), "origin": resp.Msg.GetOrigin()}
			return a.emit(out, func(w io.Writer) error {
				_, err := fmt.Fprintln(w, resp.Msg.GetVerifierKey())
				return err
			})
		}),
	}
	cf.register(cmd)
	return cmd
}

func (a *app) auditCheckpoint() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:     "checkpoint",
		Short:   "Sign a checkpoint now and print it (keep a copy outside the hub)",
		Example: "  airlock audit checkpoint >> ~/airlock-checkpoints.txt",
		Args:    cobra.NoArgs,
		RunE: cf.run(func(ctx context.Context, c *client.Client, _ []string) error {
			resp, err := c.Audit.Checkpoint(ctx, connect.NewRequest(&airlockv1.CheckpointRequest{}))
			if err != nil {
				return err
			}
			out := map[string]any{"note": resp.Msg.GetNote(), "size": resp.Msg.GetSize()}
			return a.emit(out, func(w io.Writer) error {
				_, err := fmt.Fprint(w, resp.Msg.GetNote())
				return err
			})
		}),
	}
	cf.register(cmd)
	return cmd
}
