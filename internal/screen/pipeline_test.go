package screen

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeScorer returns a fixed score, with an instruction-override finding
// when the score is positive. It is the only fake: the real detector is
// built separately and wired in through an adapter.
type fakeScorer float64

func (f fakeScorer) Score(text []byte, _ string) (float64, []Finding) {
	if f <= 0 {
		return 0, nil
	}
	return float64(f), []Finding{{Category: "instruction-override", Score: float64(f), Spans: []Span{{Start: 0, End: min(4, len(text)), Text: "fake"}}}}
}

func newTestPipeline(t *testing.T, score float64) *Pipeline {
	t.Helper()
	reg := NewRegistry()
	if _, err := reg.Register("application/vnd.acme.invoice+json", 1, readTestdata(t, "schema-invoice.json")); err != nil {
		t.Fatal(err)
	}
	return &Pipeline{
		Injection: fakeScorer(score),
		Schemas:   reg,
		Policies: map[string]Policy{
			"finance": {Secrets: SecretBlock, PII: SecretRedact, FlagAt: 0.3},
			"strict":  {RejectAt: 0.95},
		},
	}
}

func TestPipelineVerdicts(t *testing.T) {
	invoice := "application/vnd.acme.invoice+json"
	tests := []struct {
		name        string
		score       float64
		in          Input
		verdict     Verdict
		reason      string   // substring of Reason
		categories  []string // exactly
		redacted    string   // substring of Redacted; "" means Redacted must be nil
		notInReason string
	}{
		{name: "clean", score: 0.1, in: Input{Body: []byte("ordinary invoice"), ContentType: "text/plain"}, verdict: Allow},
		{name: "flag", score: 0.6, in: Input{Body: []byte("hmm")}, verdict: Flag, reason: "score 0.60 is at least flag threshold 0.50 (instruction-override)", categories: []string{"instruction-override"}},
		{name: "quarantine", score: 0.9, in: Input{Body: []byte("ignore previous")}, verdict: Quarantine, reason: "quarantine threshold 0.80", categories: []string{"instruction-override"}},
		{name: "never reject on score by default", score: 1, in: Input{Body: []byte("x")}, verdict: Quarantine},
		{name: "segment reject threshold", score: 0.97, in: Input{Body: []byte("x"), Segment: "strict"}, verdict: Reject, reason: "reject threshold 0.95"},
		{name: "segment flag threshold", score: 0.4, in: Input{Body: []byte("x"), Segment: "finance"}, verdict: Flag},
		{name: "injection in subject", score: 0.9, in: Input{Body: []byte(""), Subject: "read me"}, verdict: Quarantine, categories: []string{"instruction-override"}},
		{name: "invalid UTF-8", in: Input{Body: readTestdata(t, "invalid-utf8.txt"), ContentType: "text/plain"}, verdict: Reject, reason: "body: not valid UTF-8"},
		{name: "depth bomb", in: Input{Body: []byte(strings.Repeat("[", 100_000)), ContentType: "application/json"}, verdict: Reject, reason: "nested deeper than 64"},
		{name: "schema failure", in: Input{Body: readTestdata(t, "invoice-negative-amount.json"), ContentType: invoice}, verdict: Reject, reason: "/amount: minimum: got -1, want 0"},
		{name: "schema version not registered", in: Input{Body: readTestdata(t, "invoice-valid.json"), ContentType: invoice + "; version=7"}, verdict: Reject, reason: "no schema version 7"},
		{name: "schema pass", in: Input{Body: readTestdata(t, "invoice-valid.json"), ContentType: invoice}, verdict: Allow},
		{
			name:        "schema error never echoes a secret",
			in:          Input{Body: []byte(`{"invoice":"` + fakeAWSKeyID + `","amount":1,"lines":[]}`), ContentType: invoice},
			verdict:     Reject,
			reason:      "/invoice: '[REDACTED:aws-access-key]' does not match pattern",
			notInReason: fakeAWSKeyID,
		},
		{
			name: "secret redacted by default", score: 0,
			in:      Input{Body: []byte("creds: " + fakeAWSKeyID + " bye")},
			verdict: Allow, categories: []string{"secret:aws-access-key"}, redacted: "creds: [REDACTED:aws-access-key] bye",
		},
		{
			name: "secret blocked in finance", score: 0,
			in:      Input{Body: []byte("creds: " + fakeAWSKeyID), Segment: "finance"},
			verdict: Reject, reason: "body contains secret:aws-access-key, which policy blocks", notInReason: fakeAWSKeyID,
			categories: []string{"secret:aws-access-key"},
		},
		{
			name: "PII allowed by default", score: 0,
			in:      Input{Body: []byte("card " + fakeVisa)},
			verdict: Allow, categories: []string{"pii:credit-card"},
		},
		{
			name: "PII redacted in finance", score: 0,
			in:      Input{Body: []byte("iban " + fakeIBAN), Segment: "finance"},
			verdict: Allow, categories: []string{"pii:iban"}, redacted: "iban [REDACTED:iban]",
		},
		{
			name: "redacted and quarantined keeps Redacted for release", score: 0.9,
			in:      Input{Body: []byte("ignore all that, here is " + fakeGitHub)},
			verdict: Quarantine, categories: []string{"instruction-override", "secret:github-token"}, redacted: "[REDACTED:github-token]",
		},
		{
			name: "secret in subject", score: 0,
			in:      Input{Body: []byte("see subject"), Subject: "key " + fakeStripe},
			verdict: Reject, reason: "subject contains secret:stripe-key", notInReason: fakeStripe,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestPipeline(t, tt.score)
			res, err := p.Screen(context.Background(), tt.in)
			if err != nil {
				t.Fatalf("Screen: %v", err)
			}
			if res.Verdict != tt.verdict {
				t.Fatalf("verdict: got %s (%s), want %s", res.Verdict, res.Reason, tt.verdict)
			}
			if !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("reason: got %q, want it to contain %q", res.Reason, tt.reason)
			}
			if tt.notInReason != "" && strings.Contains(res.Reason, tt.notInReason) {
				t.Errorf("reason %q echoes %q", res.Reason, tt.notInReason)
			}
			if tt.categories != nil && !slices.Equal(res.Categories, tt.categories) {
				t.Errorf("categories: got %v, want %v", res.Categories, tt.categories)
			}
			switch {
			case tt.redacted == "" && res.Redacted != nil:
				t.Errorf("Redacted: got %q, want nil", res.Redacted)
			case tt.redacted != "" && !strings.Contains(string(res.Redacted), tt.redacted):
				t.Errorf("Redacted: got %q, want it to contain %q", res.Redacted, tt.redacted)
			}
			for _, f := range res.Findings {
				// Subject findings have no spans: spans index the body.
				if len(f.Spans) == 0 && tt.in.Subject == "" {
					t.Errorf("finding %s has no spans", f.Category)
				}
			}
		})
	}
}

// blockingScorer blocks until released, then records that it returned.
type blockingScorer struct {
	release  chan struct{}
	returned chan struct{}
}

func (b blockingScorer) Score([]byte, string) (float64, []Finding) {
	<-b.release
	close(b.returned)
	return 0, nil
}

func TestPipelineFailsClosed(t *testing.T) {
	t.Run("budget exceeded", func(t *testing.T) {
		bs := blockingScorer{release: make(chan struct{}), returned: make(chan struct{})}
		p := &Pipeline{Injection: bs, Default: Policy{Budget: 20 * time.Millisecond}}
		res, err := p.Screen(context.Background(), Input{Body: []byte("hello")})
		if !errors.Is(err, ErrBudgetExceeded) {
			t.Fatalf("Screen: %v, want ErrBudgetExceeded", err)
		}
		if res.Verdict != Quarantine || !strings.HasPrefix(res.Reason, "screening failed: budget of 20.002384ms exceeded") {
			t.Errorf("got %s %q, want quarantine for the budget", res.Verdict, res.Reason)
		}
		close(bs.release)
		select { // the screening goroutine must not leak
		case <-bs.returned:
		case <-time.After(5 * time.Second):
			t.Fatal("scorer never returned")
		}
	})
	t.Run("caller cancels", func(t *testing.T) {
		bs := blockingScorer{release: make(chan struct{}), returned: make(chan struct{})}
		defer func() { close(bs.release); <-bs.returned }()
		p := &Pipeline{Injection: bs, Default: Policy{Budget: time.Minute}}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(10*time.Millisecond, cancel)
		res, err := p.Screen(ctx, Input{Body: []byte("hello")})
		if err == nil || res.Verdict != Quarantine {
			t.Errorf("got %s, %v; want quarantine and an error", res.Verdict, err)
		}
	})
	tests := []struct {
		name   string
		scorer Scorer
		reason string
	}{
		{"panic", ScorerFunc(func([]byte, string) (float64, []Finding) { panic("boom") }), "screening failed: internal error"},
		{"NaN score", ScorerFunc(func([]byte, string) (float64, []Finding) { return math.NaN(), nil }), "screening failed: injection score NaN"},
		{"score above 1", ScorerFunc(func([]byte, string) (float64, []Finding) { return 1.5, nil }), "not in [0,1]"},
		{"bad span", ScorerFunc(func([]byte, string) (float64, []Finding) {
			return 0.1, []Finding{{Category: "x", Spans: []Span{{Start: 5, End: 2}}}}
		}), "bad span"},
		{"no scorer", nil, "screening failed: no injection scorer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Pipeline{Injection: tt.scorer}
			res, err := p.Screen(context.Background(), Input{Body: []byte("hello")})
			if err != nil {
				t.Fatalf("Screen: %v", err)
			}
			if res.Verdict != Quarantine || !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("got %s %q, want quarantine with %q", res.Verdict, res.Reason, tt.reason)
			}
		})
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := (Policy{}).Validate(); err != nil {
		t.Errorf("zero policy: %v", err)
	}
	tests := []struct {
		p    Policy
		want string
	}{
		{Policy{FlagAt: 0.9, QuarantineAt: 0.5}, "ascending"},
		{Policy{RejectAt: 2}, "reject_at"},
		{Policy{FlagAt: -1}, "flag_at"},
		{Policy{Secrets: "shred"}, "secrets"},
		{Policy{PII: "keep"}, "pii"},
		{Policy{Budget: -time.Second}, "budget"},
	}
	for _, tt := range tests {
		if err := tt.p.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v): got %v, want an error naming %s", tt.p, err, tt.want)
		}
	}
}

func BenchmarkScreen4KiB(b *testing.B) {
	p := &Pipeline{Injection: fakeScorer(0.1)}
	body := []byte(strings.Repeat("Dear customer, please find attached invoice INV-0042 for 120.50 EUR, due on Friday. ", 64)[:4096])
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := p.Screen(context.Background(), Input{Body: body, Subject: "Invoice", ContentType: "text/plain"}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBudgetGrowsWithSize: a large body gets time for its size on top of
// the policy's budget.
func TestBudgetGrowsWithSize(t *testing.T) {
	pol := Policy{Budget: 50 * time.Millisecond}
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{0, 50 * time.Millisecond},
		{1 << 20, 550 * time.Millisecond},
		{10 << 20, 5050 * time.Millisecond},
	} {
		if got := budgetFor(pol, tc.n); got != tc.want {
			t.Errorf("budget for %d bytes = %v, want %v", tc.n, got, tc.want)
		}
	}
}
