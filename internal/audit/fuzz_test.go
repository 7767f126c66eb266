package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func FuzzParseCheckpoint(f *testing.F) {
	vkey := testdataKey(f, "test.vkey")
	f.Add(readTestdata(f, "valid.note"))
	for _, tc := range badNotes {
		f.Add(readTestdata(f, tc.file))
	}
	f.Add([]byte("example.org/audit\n0\n" + tlog.Hash{}.String() + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCheckpoint(data, vkey)
		if err != nil {
			if !errors.Is(err, ErrBadCheckpoint) {
				t.Fatalf("error %v does not wrap ErrBadCheckpoint", err)
			}
		} else if c.Origin != testOrigin || c.Size < 0 || !strings.HasPrefix(string(data), checkpointText(c)) {
			t.Fatalf("parsed %+v from a note that does not start with its text", c)
		}
		// The body parser alone: whatever it accepts re-encodes exactly.
		if c, err := parseCheckpointText(string(data)); err == nil {
			if got := checkpointText(c); got != string(data) {
				t.Fatalf("parsed %+v from %q, which re-encodes as %q", c, data, got)
			}
		} else if !errors.Is(err, ErrBadCheckpoint) {
			t.Fatalf("error %v does not wrap ErrBadCheckpoint", err)
		}
	})
}

func checkpointText(c Checkpoint) string {
	return fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Size, c.Root)
}

func FuzzParseProof(f *testing.F) {
	s := loadTestdataSigner(f)
	for _, seq := range []int64{1, 2, 5, 7} {
		data, err := json.Marshal(memProof(f, s, 7, seq))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"event":{},"index":0,"proof":[],"checkpoint":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProof(data)
		if err != nil {
			if !errors.Is(err, ErrBadProof) {
				t.Fatalf("error %v does not wrap ErrBadProof", err)
			}
			return
		}
		if p.Index < 0 || len(p.Proof) > 63 || p.Checkpoint == "" || len(p.Event) == 0 || p.Event[0] != '{' {
			t.Fatalf("ParseProof accepted %+v", p)
		}
		e, c, err := CheckProof(p, s.VerifierKey())
		if err != nil {
			return
		}
		if e.Seq != p.Index+1 || p.Index >= c.Size {
			t.Fatalf("CheckProof accepted seq %d at index %d in a tree of %d", e.Seq, p.Index, c.Size)
		}
		if err := tlog.CheckRecord(p.Proof, c.Size, c.Root, p.Index, tlog.RecordHash(e.Canonical())); err != nil {
			t.Fatalf("CheckProof returned an event the proof does not cover: %v", err)
		}
	})
}

// memProof builds a proof of event seq in an in-memory log of size events.
func memProof(t testing.TB, s *Signer, size, seq int64) *Proof {
	t.Helper()
	var hashes memHashes
	var events [][]byte
	for i := int64(0); i < size; i++ {
		e := testEvent(i + 1)
		e.Seq = i + 1
		events = append(events, e.Canonical())
		hs, err := tlog.StoredHashes(i, events[i], hashes)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	root, err := tlog.TreeHash(size, hashes)
	if err != nil {
		t.Fatal(err)
	}
	note, err := s.Sign(size, root)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := tlog.ProveRecord(size, seq-1, hashes)
	if err != nil {
		t.Fatal(err)
	}
	return &Proof{Event: events[seq-1], Index: seq - 1, Proof: rp, Checkpoint: string(note)}
}
