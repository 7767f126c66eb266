package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/airlock-hub/airlock/internal/screen"
	"github.com/airlock-hub/airlock/internal/store"
)

// ErrRejected is wrapped when the content screener refuses a message; the
// error says why, without echoing what was found.
var ErrRejected = errors.New("message rejected by content screening")

// QuarantinePrefix starts the Kind of the access request that releases a
// quarantined message ("quarantine:<id>").
const QuarantinePrefix = "quarantine:"

// Screener screens a message before it is stored; screen.Pipeline
// implements it through a small adapter in the server.
type Screener interface {
	Screen(ctx context.Context, body []byte, subject, contentType, segment string) (screen.Result, error)
}

// Labels are the provenance labels the hub attaches to a stored message:
// what screening found. They are set by the hub, not signed by the sender.
type Labels struct {
	Verdict    screen.Verdict `json:"verdict"`
	Score      float64        `json:"score"`
	Categories []string       `json:"categories,omitempty"`
	Spans      []LabelSpan    `json:"spans,omitempty"`
	Redacted   bool           `json:"redacted,omitempty"`
	Reason     string         `json:"reason,omitempty"`
	// HubSignature is the hub's signature over RedactionStatement when
	// Redacted, made with the key of HubChain's leaf (DER, leaf first):
	// the sender's signature covers the original body, this one the
	// delivered body.
	HubSignature []byte   `json:"hub_signature,omitempty"`
	HubChain     [][]byte `json:"hub_chain,omitempty"`
}

// LabelSpan is a finding's category and the text that triggered it.
type LabelSpan struct {
	Category string `json:"category"`
	Start    int    `json:"start"`
	End      int    `json:"end"`
	Text     string `json:"text,omitempty"`
}

// screenMessage runs the screener. It fails closed: an error or a panic
// quarantines the message, it is never delivered unscreened. A blown time
// budget instead fails with ErrOverloaded, and the caller refuses the
// message (see ErrOverloaded).
func (s *Service) screenMessage(ctx context.Context, e Envelope, segment string) (res screen.Result, err error) {
	if s.Screen == nil {
		return screen.Result{Verdict: screen.Allow}, nil
	}
	defer func() {
		if p := recover(); p != nil {
			res, err = screen.Result{Verdict: screen.Quarantine, Reason: fmt.Sprintf("screening failed: %v", p)}, nil
		}
	}()
	res, err = s.Screen.Screen(ctx, e.Body, e.Subject, e.ContentType, segment)
	if errors.Is(err, screen.ErrBudgetExceeded) {
		return screen.Result{Verdict: screen.Reject, Reason: err.Error()}, fmt.Errorf("%w (%v)", ErrOverloaded, err)
	}
	if err != nil {
		return screen.Result{Verdict: screen.Quarantine, Reason: "screening failed: " + err.Error()}, nil
	}
	return res, nil
}

// labelsOf turns a screening result into labels. Span text from secret
// findings is never kept.
func labelsOf(res screen.Result) Labels {
	l := Labels{Verdict: res.Verdict, Score: res.Score, Categories: res.Categories, Redacted: res.Redacted != nil, Reason: res.Reason}
	for _, f := range res.Findings {
		for _, sp := range f.Spans {
			ls := LabelSpan{Category: f.Category, Start: sp.Start, End: sp.End}
			if !strings.HasPrefix(f.Category, "secret:") && !strings.HasPrefix(f.Category, "pii:") {
				ls.Text = sp.Text
			}
			l.Spans = append(l.Spans, ls)
		}
	}
	return l
}

// encode returns l as stored.
func (l Labels) encode() []byte {
	b, _ := json.Marshal(l) // only strings, numbers and bytes
	return b
}

// ParseLabels decodes stored labels; empty labels mean "not screened".
func ParseLabels(b []byte) (Labels, error) {
	var l Labels
	if len(b) == 0 {
		return l, nil
	}
	err := json.Unmarshal(b, &l)
	return l, err
}

// stateFor maps a verdict to where the message goes.
func stateFor(v screen.Verdict, approval bool) store.MessageState {
	switch {
	case v == screen.Quarantine:
		return store.MessageQuarantined
	case approval:
		return store.MessageHeld
	}
	return store.MessageReady
}
