package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// EventTimePrecision is the precision of stored event times. Times are
// truncated to it before an event is encoded, so the Merkle leaf computed
// at append time can be recomputed from the stored row.
const EventTimePrecision = time.Microsecond

// canonicalEvent fixes the field order and names of the encoding that
// audit leaf hashes cover. Changing it invalidates every existing log.
type canonicalEvent struct {
	V         int      `json:"v"`
	Seq       int64    `json:"seq"`
	Time      string   `json:"time"`
	Node      string   `json:"node"`
	Type      string   `json:"type"`
	Outcome   string   `json:"outcome"`
	Actor     string   `json:"actor"`
	Target    string   `json:"target"`
	RequestID string   `json:"request_id"`
	Reasons   []string `json:"reasons"`
	Detail    string   `json:"detail"`
}

// Canonical returns the event's canonical encoding: compact JSON with a
// fixed field order, the time in UTC RFC 3339 with microseconds, and
// Reasons as an array (never null). The audit Merkle leaf for an event is
// tlog.RecordHash(e.Canonical()).
func (e Event) Canonical() []byte {
	reasons := e.Reasons
	if reasons == nil {
		reasons = []string{}
	}
	b, err := json.Marshal(canonicalEvent{
		V: 1, Seq: e.Seq,
		Time: e.Time.UTC().Truncate(EventTimePrecision).Format("2006-01-02T15:04:05.000000Z07:00"),
		Node: e.Node, Type: e.Type, Outcome: string(e.Outcome), Actor: e.Actor, Target: e.Target,
		RequestID: e.RequestID, Reasons: reasons, Detail: e.Detail,
	})
	if err != nil {
		panic("store: encode event: " + err.Error()) // unreachable: only strings and ints
	}
	return b
}

// ParseCanonical decodes an event's canonical encoding and returns the
// event and its canonical bytes. The input may be re-indented, but once
// compacted it must equal the event's canonical encoding byte for byte, so
// what is returned is exactly what the audit leaf hash covers.
func ParseCanonical(raw []byte) (Event, []byte, error) {
	var w canonicalEvent
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Event{}, nil, err
	}
	if w.V != 1 {
		return Event{}, nil, fmt.Errorf("encoding version %d, want 1", w.V)
	}
	t, err := time.Parse(time.RFC3339Nano, w.Time)
	if err != nil {
		return Event{}, nil, fmt.Errorf("time: %v", err)
	}
	e := Event{Seq: w.Seq, Time: t, Node: w.Node, Type: w.Type, Outcome: Outcome(w.Outcome),
		Actor: w.Actor, Target: w.Target, RequestID: w.RequestID, Reasons: w.Reasons, Detail: w.Detail}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return Event{}, nil, err
	}
	canonical := e.Canonical()
	if !bytes.Equal(compact.Bytes(), canonical) {
		return Event{}, nil, errors.New("not in canonical form (fields, order, escaping or time format differ)")
	}
	return e, canonical, nil
}
