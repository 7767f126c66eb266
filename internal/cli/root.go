// Package cli implements the airlock command line: one file per command
// group. Commands follow `airlock <noun> <verb>`, print data as text or
// JSON (--output json), and report errors on stderr with a non-zero exit.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
)

// env names the CLI reads.
const (
	envServer       = "AIRLOCK_SERVER"
	envEnrollServer = "AIRLOCK_ENROLL_SERVER"
	envIdentity     = "AIRLOCK_IDENTITY"
	envFingerprint  = "AIRLOCK_CA_FINGERPRINT"
)

// app holds what every command shares.
type app struct {
	out, errOut io.Writer
	output      string // text or json
}

// Run executes the CLI with args (without the program name) and returns
// the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{out: stdout, errOut: stderr}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "error:", describe(err))
		return 1
	}
	return 0
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "airlock",
		Short: "Zero-trust communication hub for AI agents",
		Long: `Airlock authenticates (mTLS with short-lived SPIFFE certificates), authorizes,
screens, encrypts and audits every exchange between AI agents, humans and tools.

Start a local hub with embedded defaults:  airlock dev
Then run the export lines it prints, and:  airlock agent create a1`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if a.output != "text" && a.output != "json" {
				return fmt.Errorf("--output must be text or json, not %q", a.output)
			}
			return nil
		},
	}
	root.PersistentFlags().StringVarP(&a.output, "output", "o", "text", "output format: text or json")
	root.AddCommand(a.devCommand(), a.serveCommand(), a.initCommand(), a.agentCommand(),
		a.tokenCommand(), a.enrollCommand(), a.whoamiCommand(), a.versionCommand(), a.benchCommand(), a.auditCommand(), a.quarantineCommand(),
		a.policyCommand(), a.grantCommand(), a.accessCommand(),
		a.sendCommand(), a.inboxCommand(), a.ackCommand(), a.messageCommand(), a.keysCommand())
	root.AddCommand(a.topicCommand(), a.publishCommand(), a.subscribeCommand(), a.screenCommand(), a.schemaCommand())
	return root
}

// describe turns an error into one line a person can act on. Connect
// errors carry a code; the hub's request ID is added when there is one.
func describe(err error) string {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	msg := fmt.Sprintf("%s: %s", ce.Code(), ce.Message())
	if ce.Code() == connect.CodeUnavailable || ce.Code() == connect.CodeUnknown {
		msg += " (is the hub running, and are AIRLOCK_SERVER / --server right?)"
	}
	if id := ce.Meta().Get("X-Request-Id"); id != "" {
		msg += " [request " + id + "]"
	}
	return msg
}
