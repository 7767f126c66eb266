package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/airlock-hub/airlock/internal/store"
)

// MaxProofSize bounds the proofs ParseProof accepts.
const MaxProofSize = 256 << 10

// ErrNotCheckpointed reports an event that no signed checkpoint covers yet.
var ErrNotCheckpointed = errors.New("event is not covered by a checkpoint yet")

// ErrBadProof is wrapped by every error ParseProof and CheckProof return
// for a proof that is malformed or does not verify.
var ErrBadProof = errors.New("bad audit proof")

// Proof shows that one event is in the audit log whose root a signed
// checkpoint states. It is checked offline with CheckProof and the vkey.
type Proof struct {
	// Event is the event's canonical JSON encoding (store.Event.Canonical).
	Event json.RawMessage `json:"event"`
	// Index is the event's leaf index in the tree, Seq-1.
	Index int64 `json:"index"`
	// Proof is the RFC 6962 inclusion proof, base64 hashes.
	Proof []tlog.Hash `json:"proof"`
	// Checkpoint is the signed checkpoint note the proof leads to.
	Checkpoint string `json:"checkpoint"`
}

// Prove builds an inclusion proof for event seq against the latest stored
// checkpoint. It fails with ErrNotCheckpointed if the event is newer than
// that checkpoint, and store.ErrNotFound if there is no such event.
func Prove(ctx context.Context, st store.Store, seq int64) (*Proof, error) {
	if seq < 1 {
		return nil, fmt.Errorf("prove event %d: sequence numbers start at 1: %w", seq, store.ErrNotFound)
	}
	var p *Proof
	err := st.View(ctx, func(tx store.Tx) error {
		var err error
		p, err = prove(tx, seq)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("prove event %d: %w", seq, err)
	}
	return p, nil
}

func prove(tx store.Tx, seq int64) (*Proof, error) {
	cp, err := tx.LatestCheckpoint()
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no checkpoint signed yet; wait for one or run `airlock audit checkpoint`: %w", ErrNotCheckpointed)
	}
	if err != nil {
		return nil, err
	}
	if seq > cp.Size {
		return nil, fmt.Errorf("the latest checkpoint covers events 1..%d; wait for the next one or run `airlock audit checkpoint`: %w",
			cp.Size, ErrNotCheckpointed)
	}
	es, err := tx.Events(store.EventFilter{AfterSeq: seq - 1, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(es) == 0 || es[0].Seq != seq {
		return nil, fmt.Errorf("event is missing from the log (run `airlock audit verify`): %w", store.ErrNotFound)
	}
	rp, err := tlog.ProveRecord(cp.Size, seq-1, txHashes(tx))
	if err != nil {
		return nil, fmt.Errorf("inclusion proof: %w", err)
	}
	event := es[0].Canonical()
	if err := tlog.CheckRecord(rp, cp.Size, cp.Root, seq-1, tlog.RecordHash(event)); err != nil {
		return nil, fmt.Errorf("the event does not match the log's hashes, the log was altered (run `airlock audit verify`): %w", err)
	}
	return &Proof{Event: event, Index: seq - 1, Proof: rp, Checkpoint: string(cp.Note)}, nil
}

// ParseProof decodes a proof strictly: unknown fields, trailing data and
// inputs over MaxProofSize are rejected. It does not verify the proof.
func ParseProof(data []byte) (*Proof, error) {
	if len(data) > MaxProofSize {
		return nil, fmt.Errorf("%w: %d bytes, limit is %d", ErrBadProof, len(data), MaxProofSize)
	}
	var p Proof
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: decode json: %v", ErrBadProof, err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("%w: trailing data after the proof", ErrBadProof)
	}
	switch {
	case len(p.Event) == 0 || p.Event[0] != '{':
		return nil, fmt.Errorf("%w: \"event\" must be a JSON object", ErrBadProof)
	case p.Index < 0:
		return nil, fmt.Errorf("%w: \"index\" is negative", ErrBadProof)
	case len(p.Proof) > 63:
		return nil, fmt.Errorf("%w: \"proof\" has %d hashes, at most 63 are possible", ErrBadProof, len(p.Proof))
	case p.Checkpoint == "":
		return nil, fmt.Errorf("%w: \"checkpoint\" is missing", ErrBadProof)
	}
	return &p, nil
}

// CheckProof verifies p with only the public key vkey: the checkpoint's
// signature, the event's canonical form and sequence number, and the
// inclusion of its leaf hash in the checkpoint's tree. It returns the
// event and the checkpoint it was proven against.
func CheckProof(p *Proof, vkey string) (store.Event, Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return store.Event{}, Checkpoint{}, fmt.Errorf("audit verifier key is not valid (want <origin>+<hash>+<key>): %w", err)
	}
	cp, err := parseCheckpoint([]byte(p.Checkpoint), v)
	if err != nil {
		return store.Event{}, Checkpoint{}, fmt.Errorf("%w: checkpoint: %w", ErrBadProof, err)
	}
	e, canonical, err := decodeEvent(p.Event)
	if err != nil {
		return store.Event{}, Checkpoint{}, fmt.Errorf("%w: event: %v", ErrBadProof, err)
	}
	if e.Seq != p.Index+1 {
		return store.Event{}, Checkpoint{}, fmt.Errorf("%w: event seq %d does not match index %d (want seq = index+1)", ErrBadProof, e.Seq, p.Index)
	}
	if p.Index >= cp.Size {
		return store.Event{}, Checkpoint{}, fmt.Errorf("%w: index %d is outside the checkpoint's tree of size %d", ErrBadProof, p.Index, cp.Size)
	}
	if err := tlog.CheckRecord(p.Proof, cp.Size, cp.Root, p.Index, tlog.RecordHash(canonical)); err != nil {
		return store.Event{}, Checkpoint{}, fmt.Errorf("%w: event %d is not in the tree the checkpoint (size %d) signs: %v", ErrBadProof, e.Seq, cp.Size, err)
	}
	return e, cp, nil
}

// decodeEvent decodes an event's canonical JSON (see store.ParseCanonical).
func decodeEvent(raw json.RawMessage) (store.Event, []byte, error) {
	return store.ParseCanonical(raw)
}
