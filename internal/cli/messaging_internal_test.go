package cli

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/client"
)

func TestParseHeaders(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
		want  map[string]string
		ok    bool
	}{
		{"none", nil, nil, true},
		{"one", []string{"priority=high"}, map[string]string{"priority": "high"}, true},
		{"value with =", []string{"q=a=b"}, map[string]string{"q": "a=b"}, true},
		{"value with comma", []string{"list=a,b"}, map[string]string{"list": "a,b"}, true},
		{"empty value", []string{"flag="}, map[string]string{"flag": ""}, true},
		{"several", []string{"a=1", "b=2"}, map[string]string{"a": "1", "b": "2"}, true},
		{"no =", []string{"priority"}, nil, false},
		{"empty key", []string{"=x"}, nil, false},
		{"duplicate", []string{"a=1", "a=2"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseHeaders(tt.flags)
			if (err == nil) != tt.ok {
				t.Fatalf("parseHeaders(%q): err = %v, want ok %v", tt.flags, err, tt.ok)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("parseHeaders(%q) = %v, want %v", tt.flags, got, tt.want)
			}
		})
	}
}

func TestReadBody(t *testing.T) {
	file := filepath.Join(t.TempDir(), "body.bin")
	if err := os.WriteFile(file, []byte("from file\x00\xff"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		body    string
		bodySet bool
		file    string
		stdin   string
		want    string
		ok      bool
	}{
		{"body", "hello", true, "", "ignored", "hello", true},
		{"empty body", "", true, "", "ignored", "", true},
		{"file", "", false, file, "ignored", "from file\x00\xff", true},
		{"file dash is stdin", "", false, "-", "piped", "piped", true},
		{"stdin", "", false, "", "piped\n", "piped\n", true},
		{"empty stdin", "", false, "", "", "", true},
		{"body and file", "x", true, file, "", "", false},
		{"missing file", "", false, filepath.Join(t.TempDir(), "nope"), "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readBody(strings.NewReader(tt.stdin), tt.body, tt.bodySet, tt.file)
			if (err == nil) != tt.ok {
				t.Fatalf("readBody: err = %v, want ok %v", err, tt.ok)
			}
			if string(got) != tt.want {
				t.Errorf("readBody = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadLimited(t *testing.T) {
	if _, err := readLimited(bytes.NewReader(make([]byte, maxBodyRead+1)), "stdin"); err == nil {
		t.Error("readLimited accepted a body over the limit")
	}
	if b, err := readLimited(bytes.NewReader(make([]byte, 1024)), "stdin"); err != nil || len(b) != 1024 {
		t.Errorf("readLimited(1 KiB) = %d bytes, %v", len(b), err)
	}
}

func TestWaitArg(t *testing.T) {
	tests := []struct {
		name string
		args []string // flags and arguments of `inbox`
		want time.Duration
		ok   bool
	}{
		{"no wait", nil, 0, true},
		{"bare", []string{"--wait"}, 30 * time.Second, true},
		{"equals", []string{"--wait=5s"}, 5 * time.Second, true},
		{"separate", []string{"--wait", "10s"}, 10 * time.Second, true},
		{"argument without --wait", []string{"10s"}, 0, false},
		{"not a duration", []string{"--wait", "soon"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wait time.Duration
			cmd := &cobra.Command{Args: cobra.MaximumNArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
				return waitArg(cmd, args, &wait)
			}}
			cmd.Flags().DurationVar(&wait, "wait", 0, "")
			cmd.Flags().Lookup("wait").NoOptDefVal = "30s"
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if (err == nil) != tt.ok {
				t.Fatalf("inbox %q: err = %v, want ok %v", tt.args, err, tt.ok)
			}
			if tt.ok && wait != tt.want {
				t.Errorf("inbox %q: wait = %s, want %s", tt.args, wait, tt.want)
			}
		})
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct {
		in, want  string
		keepLines bool
	}{
		{"plain text", "plain text", false},
		{"naïve ✓", "naïve ✓", false},
		{"a\x1b[2Jb", `a\x1b[2Jb`, false},
		{"line\nnext\ttab", `line\nnext\ttab`, false},
		{"line\nnext\ttab", "line\nnext\ttab", true},
		{"bell\a\r", `bell\a\r`, true},
		{"c1\u009b", `c1\u009b`, true},
	}
	for _, tt := range tests {
		if got := printable(tt.in, tt.keepLines); got != tt.want {
			t.Errorf("printable(%q, %v) = %q, want %q", tt.in, tt.keepLines, got, tt.want)
		}
	}
}

func TestMessageJSONBody(t *testing.T) {
	text := toMessageJSON(client.Message{ID: "m1", Body: []byte("héllo")})
	if text.Body == nil || *text.Body != "héllo" || text.BodyBase64 != "" || text.Size != 6 {
		t.Errorf("UTF-8 body: body %v, base64 %q, size %d", text.Body, text.BodyBase64, text.Size)
	}
	bin := toMessageJSON(client.Message{ID: "m2", Body: []byte{0xff, 0x00}})
	if bin.Body != nil || bin.BodyBase64 != "/wA=" {
		t.Errorf("binary body: body %v, base64 %q, want only base64 /wA=", bin.Body, bin.BodyBase64)
	}
	if bin.Headers == nil {
		t.Error("headers are null in JSON, want {}")
	}
}

func TestPrintMessage(t *testing.T) {
	m := client.Message{ID: "m1", From: "spiffe://example.org/agent/a1", To: "spiffe://example.org/agent/a2",
		Subject: "hi", Headers: map[string]string{"b": "2", "a": "\x1b[31m"}, Body: []byte("body\x1b]0;x\a"),
		Created: time.Now(), Attempt: 1, Verified: true}
	var buf bytes.Buffer
	if err := printMessage(&buf, m, "ready"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"From:         spiffe://example.org/agent/a1", "signature verified",
		"Header a: \\x1b[31m\nHeader b: 2\n", "\n\nbody\\x1b]0;x\\a\n", "State:        ready"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsRune(out, 0x1b) {
		t.Errorf("output contains a raw escape character:\n%q", out)
	}
}

// TestMessagingFlagErrors: flag mistakes are reported before any
// connection to a hub.
func TestMessagingFlagErrors(t *testing.T) {
	t.Setenv(envIdentity, "")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"send", "--body", "x"}, `"to" not set`},
		{[]string{"send", "--to", "a2", "--body", "x", "--file", "f"}, "none of the others can be"},
		{[]string{"send", "--to", "a2", "--body", "x", "--header", "nokey"}, "want KEY=VALUE"},
		{[]string{"inbox", "--dead-letter", "--ack"}, "none of the others can be"},
		{[]string{"inbox", "10s"}, "unexpected argument"},
		{[]string{"keys", "rotate"}, "at least one of the flags"},
		{[]string{"keys", "rewrap", "--agent", "a", "--all"}, "none of the others can be"},
		{[]string{"ack"}, "requires at least 1 arg"},
		{[]string{"message", "show"}, "accepts 1 arg"},
		{[]string{"agent", "delete"}, "accepts 1 arg"},
		{[]string{"agent", "delete", "a2", "--shred"}, "no identity"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := Run(context.Background(), tt.args, &out, &errOut); code == 0 {
				t.Fatalf("exit 0, want an error; stdout:\n%s", out.String())
			}
			if !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", errOut.String(), tt.want)
			}
		})
	}
}
