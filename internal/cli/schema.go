package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
)

func (a *app) schemaCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Register and inspect the JSON Schemas the hub enforces by content type",
		Long: `A JSON Schema registered for a type is enforced on every message whose content
type names that type: a message that does not conform is rejected, and the
sender is told the JSON path of each failure.

The type is a JSON media type without parameters, by convention
application/vnd.<org>.<name>+json. A message names it as its content type, and
may pin a version with a parameter:

  airlock schema register application/vnd.acme.invoice+json invoice.schema.json
  airlock send --to billing --content-type application/vnd.acme.invoice+json --file invoice.json
  airlock send --to billing --content-type 'application/vnd.acme.invoice+json; version=1' --file invoice.json

Without a version parameter the latest version applies. Versions are immutable
and every registration is audited (schema.registered). Schemas must be
self-contained: a $ref to any URL or other document is refused, so the hub
never fetches anything. All schema commands need ManagePolicy.`,
	}
	cmd.AddCommand(a.schemaRegister(), a.schemaList(), a.schemaShow())
	return cmd
}

type schemaJSON struct {
	Type      string    `json:"type"`
	Version   int64     `json:"version"`
	Digest    string    `json:"digest"`
	CreatedAt time.Time `json:"created_at"`
	Actor     string    `json:"actor"`
}

func toSchemaJSON(s *airlockv1.SchemaInfo) schemaJSON {
	return schemaJSON{Type: s.GetType(), Version: s.GetVersion(), Digest: s.GetDigest(),
		CreatedAt: s.GetCreatedAt().AsTime(), Actor: s.GetActor()}
}

func (a *app) schemaRegister() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:   "register TYPE FILE",
		Short: "Register FILE (- for stdin) as the next version of TYPE's schema",
		Long: `Compile the JSON Schema in FILE (- for stdin) on the hub and store it as the
next version of TYPE's schema; from then on, messages whose content type is
TYPE must conform to it. Registering a document identical to the latest
version changes nothing and prints that version. A schema that is invalid, or
refers to a remote document ($ref to a URL), is refused.`,
		Example: "  airlock schema register application/vnd.acme.invoice+json invoice.schema.json",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, err := readFileOrStdin(cmd.InOrStdin(), args[1])
			if err != nil {
				return err
			}
			return cf.with(cmd.Context(), func(c *client.Client) error {
				resp, err := c.Schemas.RegisterSchema(cmd.Context(), connect.NewRequest(&airlockv1.RegisterSchemaRequest{
					Type: args[0], Document: doc}))
				if err != nil {
					return err
				}
				m := resp.Msg
				out := map[string]any{"type": m.GetType(), "version": m.GetVersion(), "digest": m.GetDigest(), "created": m.GetCreated()}
				return a.emit(out, func(w io.Writer) error {
					note := ""
					if !m.GetCreated() {
						note = " (unchanged: identical to the latest version)"
					}
					_, err := fmt.Fprintf(w, "%s version %d%s\n", m.GetType(), m.GetVersion(), note)
					return err
				})
			})
		},
	}
	cf.register(cmd)
	return cmd
}

func (a *app) schemaList() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every registered schema version",
		Args:  cobra.NoArgs,
		RunE: cf.run(func(ctx context.Context, c *client.Client, _ []string) error {
			resp, err := c.Schemas.ListSchemas(ctx, connect.NewRequest(&airlockv1.ListSchemasRequest{}))
			if err != nil {
				return err
			}
			header := []string{"TYPE", "VERSION", "DIGEST", "CREATED", "BY"}
			return emitTable(a, header, resp.Msg.GetSchemas(), func(s *airlockv1.SchemaInfo) (schemaJSON, []string) {
				j := toSchemaJSON(s)
				return j, []string{j.Type, strconv.FormatInt(j.Version, 10), shortDigest(j.Digest),
					j.CreatedAt.Local().Format(time.DateTime), shortSPIFFE(j.Actor)}
			})
		}),
	}
	cf.register(cmd)
	return cmd
}

func shortDigest(d string) string {
	if len(d) > 12 {
		return "sha256:" + d[:12]
	}
	return "sha256:" + d
}

func (a *app) schemaShow() *cobra.Command {
	var cf connFlags
	var version int64
	cmd := &cobra.Command{
		Use:   "show TYPE [--version N]",
		Short: "Print a registered schema document (the latest version unless --version)",
		Long: `Print the schema document of TYPE as registered. With --output json, print its
metadata with the document.`,
		Example: "  airlock schema show application/vnd.acme.invoice+json\n  airlock schema show application/vnd.acme.invoice+json --version 1",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if version < 0 {
				return fmt.Errorf("--version %d: must be 1 or more", version)
			}
			return cf.with(cmd.Context(), func(c *client.Client) error {
				resp, err := c.Schemas.GetSchema(cmd.Context(), connect.NewRequest(&airlockv1.GetSchemaRequest{
					Type: args[0], Version: version}))
				if err != nil {
					return err
				}
				doc := resp.Msg.GetDocument()
				out := struct {
					schemaJSON
					Document json.RawMessage `json:"document"`
				}{toSchemaJSON(resp.Msg.GetSchema()), doc}
				return a.emit(out, func(w io.Writer) error {
					if _, err := w.Write(doc); err != nil {
						return err
					}
					if len(doc) > 0 && doc[len(doc)-1] != '\n' {
						_, err = io.WriteString(w, "\n")
					}
					return err
				})
			})
		},
	}
	cf.register(cmd)
	cmd.Flags().Int64Var(&version, "version", 0, "version to show (default the latest)")
	return cmd
}
