package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/airlock-hub/airlock/internal/store"
)

func TestProveAndCheck(t *testing.T) {
	backends(t, func(t *testing.T, b *backend) {
		s := testSigner(t, b.st)
		cp := newCheckpointer(t, b.st, s, DefaultConfig())
		checkpointAt(t, b.st, cp, 37)
		es := allEvents(t, b.st)
		for _, want := range es {
			p, err := Prove(context.Background(), b.st, want.Seq)
			if err != nil {
				t.Fatal(err)
			}
			data, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := ParseProof(data)
			if err != nil {
				t.Fatalf("seq %d: ParseProof: %v", want.Seq, err)
			}
			got, c, err := CheckProof(parsed, s.VerifierKey())
			if err != nil {
				t.Fatalf("seq %d: CheckProof: %v", want.Seq, err)
			}
			if !bytes.Equal(got.Canonical(), want.Canonical()) || c.Size != 37 {
				t.Errorf("seq %d: got %s in checkpoint %d, want %s in 37", want.Seq, got.Canonical(), c.Size, want.Canonical())
			}
		}
	})
}

func TestProveErrors(t *testing.T) {
	b := newSQLite(t)
	s := testSigner(t, b.st)
	ctx := context.Background()
	if _, err := Prove(ctx, b.st, 1); !errors.Is(err, ErrNotCheckpointed) || !strings.Contains(err.Error(), "airlock audit checkpoint") {
		t.Errorf("no checkpoint: %v", err)
	}
	cp := newCheckpointer(t, b.st, s, DefaultConfig())
	checkpointAt(t, b.st, cp, 10)
	appendEvents(t, b.st, 12, 10)
	if _, err := Prove(ctx, b.st, 11); !errors.Is(err, ErrNotCheckpointed) || !strings.Contains(err.Error(), "covers events 1..10") {
		t.Errorf("newer event: %v", err)
	}
	if _, err := Prove(ctx, b.st, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("seq 0: %v", err)
	}
	b.exec(t, `DELETE FROM audit_events WHERE seq = 4`)
	if _, err := Prove(ctx, b.st, 4); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted event: %v", err)
	}
	b.exec(t, `UPDATE audit_events SET detail = 'edited' WHERE seq = 5`)
	if _, err := Prove(ctx, b.st, 5); err == nil || !strings.Contains(err.Error(), "does not match the log's hashes") {
		t.Errorf("edited event: %v", err)
	}
}

// proofFor returns a valid proof of event seq in a fresh 20-event log.
func proofFor(t *testing.T, seq int64) (*Proof, *Signer) {
	t.Helper()
	b := newSQLite(t)
	s := testSigner(t, b.st)
	checkpointAt(t, b.st, newCheckpointer(t, b.st, s, DefaultConfig()), 20)
	p, err := Prove(context.Background(), b.st, seq)
	if err != nil {
		t.Fatal(err)
	}
	return p, s
}

func TestCheckProofRejects(t *testing.T) {
	p, s := proofFor(t, 7)
	other := testdataKey(t, "test.vkey")
	if _, _, err := CheckProof(p, s.VerifierKey()); err != nil {
		t.Fatalf("intact proof: %v", err)
	}
	tests := []struct {
		name   string
		change func(p *Proof)
		vkey   string
		want   string
	}{
		{"edited event", func(p *Proof) {
			p.Event = json.RawMessage(strings.Replace(string(p.Event), "event 007", "event 008", 1))
		}, "", "event 7 is not in the tree"},
		{"other index", func(p *Proof) { p.Index = 8 }, "", "event seq 7 does not match index 8"},
		{"moved event", func(p *Proof) {
			p.Event = json.RawMessage(strings.Replace(string(p.Event), `"seq":7`, `"seq":9`, 1))
			p.Index = 8
		}, "", "event 9 is not in the tree"},
		{"index past the tree", func(p *Proof) {
			p.Event = json.RawMessage(strings.Replace(string(p.Event), `"seq":7`, `"seq":21`, 1))
			p.Index = 20
		}, "", "outside the checkpoint's tree of size 20"},
		{"edited proof hash", func(p *Proof) { p.Proof[0][0] ^= 1 }, "", "is not in the tree"},
		{"short proof", func(p *Proof) { p.Proof = p.Proof[1:] }, "", "is not in the tree"},
		{"edited checkpoint", func(p *Proof) {
			p.Checkpoint = strings.Replace(p.Checkpoint, "\n20\n", "\n21\n", 1)
		}, "", "signature does not verify"},
		{"other key", func(p *Proof) {}, other, "not signed by the audit key"},
		{"not canonical", func(p *Proof) {
			p.Event = json.RawMessage(strings.Replace(string(p.Event), `{"v":1,"seq":7`, `{"seq":7,"v":1`, 1))
		}, "", "not in canonical form"},
		{"unknown event field", func(p *Proof) {
			p.Event = json.RawMessage(strings.Replace(string(p.Event), `{"v":1`, `{"x":1,"v":1`, 1))
		}, "", "unknown field"},
		{"encoding version", func(p *Proof) {
			p.Event = json.RawMessage(strings.Replace(string(p.Event), `{"v":1`, `{"v":2`, 1))
		}, "", "encoding version 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := *p
			q.Proof = append([]tlog.Hash(nil), p.Proof...)
			tt.change(&q)
			vkey := tt.vkey
			if vkey == "" {
				vkey = s.VerifierKey()
			}
			_, _, err := CheckProof(&q, vkey)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if tt.vkey == "" && !errors.Is(err, ErrBadProof) {
				t.Errorf("%v does not wrap ErrBadProof", err)
			}
		})
	}
}

func TestProofReformattedStillChecks(t *testing.T) {
	p, s := proofFor(t, 3)
	data, _ := json.Marshal(p)
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, data, "", "    "); err != nil {
		t.Fatal(err)
	}
	q, err := ParseProof(pretty.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if e, _, err := CheckProof(q, s.VerifierKey()); err != nil || e.Seq != 3 {
		t.Errorf("re-indented proof: seq %d, %v", e.Seq, err)
	}
}

func TestParseProofStrict(t *testing.T) {
	p, _ := proofFor(t, 2)
	good, _ := json.Marshal(p)
	tests := []struct{ name, data, want string }{
		{"unknown field", strings.Replace(string(good), `{"event"`, `{"extra":1,"event"`, 1), "unknown field"},
		{"trailing data", string(good) + `{}`, "trailing data"},
		{"not json", "proof", "decode json"},
		{"event not an object", strings.Replace(string(good), `"event":{`, `"event":"x","ev":{`, 1), "unknown field"},
		{"event a string", `{"event":"x","index":1,"proof":[],"checkpoint":"c"}`, `"event" must be a JSON object`},
		{"negative index", `{"event":{},"index":-1,"proof":[],"checkpoint":"c"}`, `"index" is negative`},
		{"no checkpoint", `{"event":{},"index":1,"proof":[]}`, `"checkpoint" is missing`},
		{"bad hash", `{"event":{},"index":1,"proof":["AAAA"],"checkpoint":"c"}`, "cannot decode hash"},
		{"too many hashes", `{"event":{},"index":1,"proof":[` + strings.Repeat(`"`+tlog.Hash{}.String()+`",`, 63) + `"` + tlog.Hash{}.String() + `"],"checkpoint":"c"}`, "at most 63"},
		{"too big", `{"checkpoint":"` + strings.Repeat("x", MaxProofSize) + `"}`, "limit is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseProof([]byte(tt.data))
			if !errors.Is(err, ErrBadProof) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want ErrBadProof containing %q", err, tt.want)
			}
		})
	}
}
