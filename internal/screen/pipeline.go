package screen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// Scorer scores text for prompt injection: a score in [0,1] and the
// findings behind it. The injection detector satisfies it through a small
// adapter. Implementations must be safe for concurrent use.
type Scorer interface {
	Score(text []byte, contentType string) (float64, []Finding)
}

// ScorerFunc adapts a function to Scorer.
type ScorerFunc func(text []byte, contentType string) (float64, []Finding)

// Score calls f.
func (f ScorerFunc) Score(text []byte, contentType string) (float64, []Finding) {
	return f(text, contentType)
}

var _ Scorer = ScorerFunc(nil)

// SecretAction is what a policy does with a secret or personal data.
type SecretAction string

const (
	SecretAllow  SecretAction = "allow"  // deliver as is; the finding is still reported
	SecretRedact SecretAction = "redact" // deliver Result.Redacted
	SecretBlock  SecretAction = "block"  // reject; the sender gets the kind, never the value
)

// Policy turns findings into a verdict. Zero fields take the defaults of
// DefaultPolicy.
type Policy struct {
	// FlagAt, QuarantineAt and RejectAt are injection-score thresholds:
	// content scoring at least FlagAt is flagged, at least QuarantineAt
	// held for a human, at least RejectAt refused. Defaults 0.5, 0.8 and
	// 1.01 (never refuse on the score alone).
	FlagAt, QuarantineAt, RejectAt float64
	// Secrets is what to do with private keys, API keys and tokens
	// ("secret:*" findings). Default redact.
	Secrets SecretAction
	// PII is what to do with card numbers and IBANs ("pii:*" findings).
	// Default allow.
	PII SecretAction
	// Budget bounds the time to screen one piece of content; past it the
	// content is quarantined. Default 50ms.
	Budget time.Duration
}

// DefaultPolicy returns the default policy.
func DefaultPolicy() Policy {
	return Policy{FlagAt: 0.5, QuarantineAt: 0.8, RejectAt: 1.01, Secrets: SecretRedact, PII: SecretAllow, Budget: 50 * time.Millisecond}
}

func (p Policy) withDefaults() Policy {
	d := DefaultPolicy()
	if p.FlagAt == 0 {
		p.FlagAt = d.FlagAt
	}
	if p.QuarantineAt == 0 {
		p.QuarantineAt = d.QuarantineAt
	}
	if p.RejectAt == 0 {
		p.RejectAt = d.RejectAt
	}
	if p.Secrets == "" {
		p.Secrets = d.Secrets
	}
	if p.PII == "" {
		p.PII = d.PII
	}
	if p.Budget == 0 {
		p.Budget = d.Budget
	}
	return p
}

// Validate checks p after defaults: thresholds in (0, 1.01] and
// ascending, known actions, a positive budget. Errors name the field.
func (p Policy) Validate() error {
	p = p.withDefaults()
	for _, t := range []struct {
		name string
		v    float64
	}{{"flag_at", p.FlagAt}, {"quarantine_at", p.QuarantineAt}, {"reject_at", p.RejectAt}} {
		if !(t.v > 0 && t.v <= 1.01) {
			return fmt.Errorf("%s: %v is not in (0, 1.01]", t.name, t.v)
		}
	}
	if p.FlagAt > p.QuarantineAt || p.QuarantineAt > p.RejectAt {
		return fmt.Errorf("flag_at %v, quarantine_at %v, reject_at %v: must be ascending", p.FlagAt, p.QuarantineAt, p.RejectAt)
	}
	for name, a := range map[string]SecretAction{"secrets": p.Secrets, "pii": p.PII} {
		if a != SecretAllow && a != SecretRedact && a != SecretBlock {
			return fmt.Errorf("%s: %q is not allow, redact or block", name, a)
		}
	}
	if p.Budget < 0 {
		return fmt.Errorf("budget: %v is negative", p.Budget)
	}
	return nil
}

// Input is one piece of content to screen.
type Input struct {
	Body        []byte
	Subject     string
	ContentType string // media type; a registered schema for it is enforced
	Segment     string // the recipient's segment, which picks the policy
}

// Pipeline screens content: validation, schema, secrets and personal
// data, prompt injection, then a verdict under the recipient segment's
// policy. Configure the fields, then call Screen; do not change them
// afterwards. It fails closed: an error, a panic or a blown budget
// quarantines the content.
type Pipeline struct {
	// Injection scores prompt injection. Required: without it every
	// message is quarantined.
	Injection Scorer
	// Schemas, when set, holds the JSON Schemas enforced by content type.
	Schemas *Registry
	// Secrets finds secrets and personal data; nil means the built-in
	// patterns only (see NewSecretScanner for extra patterns).
	Secrets *SecretScanner
	// Limits bounds sizes and nesting; zero fields take DefaultLimits.
	Limits Limits
	// Default is the policy of segments without an entry in Policies.
	Default Policy
	// Policies holds per-segment policies, by segment name.
	Policies map[string]Policy
	// Logger receives screening failures; nil discards them.
	Logger *slog.Logger
}

// PolicyFor returns the policy for segment, defaults applied.
func (p *Pipeline) PolicyFor(segment string) Policy {
	if pol, ok := p.Policies[segment]; ok {
		return pol.withDefaults()
	}
	return p.Default.withDefaults()
}

type outcome struct {
	res Result
	err error
}

// ErrBudgetExceeded is returned by Screen, with a Quarantine verdict, when
// screening did not finish within its budget. Screening is linear in the
// content, so on a hub under load this is usually the machine, not the
// content: a caller may refuse the content with a retryable error rather
// than hold it for review.
var ErrBudgetExceeded = errors.New("screening budget exceeded")

// budgetRate is how many bytes per second of content the budget allows on
// top of the policy's Budget: a tenth of what the screener does on one
// core, so a large body is not failed for its size alone.
const budgetRate = 2 << 20

// budgetFor is the time allowed to screen n bytes under pol.
func budgetFor(pol Policy, n int) time.Duration {
	return pol.Budget + time.Duration(n)*time.Second/budgetRate
}

// Screen screens in and returns the verdict. It always returns a Result
// that is safe to act on: if screening fails (an error, a panic, or more
// than its budget: the policy's Budget plus 0.5 ms per KiB) the verdict
// is Quarantine with a Reason starting "screening failed: ". The error is
// non-nil only when ctx ends first (the verdict is then Quarantine too)
// and, wrapping ErrBudgetExceeded, when the budget ran out.
//
// Screening runs on its own goroutine so the budget holds even when a
// stage blocks; a stage that overruns keeps running until it returns,
// and its result is discarded.
func (p *Pipeline) Screen(ctx context.Context, in Input) (Result, error) {
	pol := p.PolicyFor(in.Segment)
	if err := ctx.Err(); err != nil {
		return failed("%v", err), err
	}
	budget := budgetFor(pol, len(in.Body))
	sctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				p.logger().Error("screening panicked", "panic", r, "stack", string(debug.Stack()))
				done <- outcome{err: errors.New("internal error")}
			}
		}()
		res, err := p.screen(sctx, in, pol)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		if o.err != nil && ctx.Err() != nil {
			return failed("%v", ctx.Err()), ctx.Err()
		}
		return p.settle(o), nil
	case <-sctx.Done():
	}
	select {
	case o := <-done: // finished just in time
		return p.settle(o), nil
	default:
	}
	if err := ctx.Err(); err != nil {
		return failed("%v", err), err
	}
	p.logger().Warn("screening budget exceeded", "budget", budget, "bytes", len(in.Body), "content_type", in.ContentType)
	return failed("budget of %v exceeded", budget), fmt.Errorf("%w: %v for %d bytes", ErrBudgetExceeded, budget, len(in.Body))
}

func (p *Pipeline) settle(o outcome) Result {
	if o.err != nil {
		p.logger().Warn("screening failed", "err", o.err)
		return failed("%v", o.err)
	}
	return o.res
}

func (p *Pipeline) logger() *slog.Logger {
	if p.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Logger.With("component", "screen")
}

// failed is the fail-closed result.
func failed(format string, args ...any) Result {
	return Result{Verdict: Quarantine, Reason: "screening failed: " + fmt.Sprintf(format, args...)}
}

func reject(reason string, findings []Finding) Result {
	return Result{Verdict: Reject, Reason: reason, Findings: findings, Categories: categories(findings)}
}

// screen runs the stages in order; a returned error means screening
// failed, not that the content is bad.
func (p *Pipeline) screen(ctx context.Context, in Input, pol Policy) (Result, error) {
	if p.Injection == nil {
		return Result{}, errors.New("no injection scorer configured")
	}
	if err := Validate(in.Body, in.Subject, in.ContentType, p.Limits); err != nil {
		if errors.Is(err, ErrInvalid) {
			return reject(err.Error(), nil), nil
		}
		return Result{}, err
	}
	if res, done, err := p.checkSchema(in); done || err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	res, done := p.checkSecrets(in, pol)
	if done {
		return res, nil
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	score, findings, err := p.score(in)
	if err != nil {
		return Result{}, err
	}
	res.Score = score
	res.Findings = append(res.Findings, findings...)
	res.Categories = categories(res.Findings)
	res.Verdict, res.Reason = decide(score, findings, pol)
	if res.Verdict == Reject {
		res.Redacted = nil
	}
	return res, nil
}

// checkSchema enforces the schema registered for the content type; done
// means the content was rejected.
func (p *Pipeline) checkSchema(in Input) (Result, bool, error) {
	sch, ok, err := p.Schemas.ForContentType(in.ContentType)
	if err != nil {
		if errors.Is(err, ErrInvalid) {
			return reject(err.Error(), nil), true, nil
		}
		return Result{}, false, err
	}
	if !ok {
		return Result{}, false, nil
	}
	err = sch.Validate(in.Body)
	var se *SchemaError
	switch {
	case err == nil:
		return Result{}, false, nil
	case errors.As(err, &se), errors.Is(err, ErrInvalid):
		// Schema messages can quote the body (a "pattern" failure does).
		return reject(p.redactString("body "+err.Error()), nil), true, nil
	default:
		return Result{}, false, err
	}
}

// checkSecrets applies the policy to secrets and personal data; done
// means the content was rejected. Otherwise the result carries the
// findings and, when something was redacted, Redacted.
func (p *Pipeline) checkSecrets(in Input, pol Policy) (Result, bool) {
	findings := p.Secrets.Scan(in.Body)
	var blocked, redact []Finding
	for _, f := range findings {
		switch pol.actionFor(f.Category) {
		case SecretBlock:
			blocked = append(blocked, f)
		case SecretRedact:
			redact = append(redact, f)
		}
	}
	if len(blocked) > 0 {
		return reject("body contains "+strings.Join(categories(blocked), ", ")+", which policy blocks", findings), true
	}
	for _, f := range p.Secrets.Scan([]byte(in.Subject)) {
		if pol.actionFor(f.Category) != SecretAllow {
			sf := Finding{Category: f.Category, Score: f.Score} // spans would point into the body
			return reject("subject contains "+f.Category+"; subjects are never redacted, send it in the body or not at all", append(findings, sf)), true
		}
	}
	res := Result{Findings: findings}
	if len(redact) > 0 {
		res.Redacted = Redact(in.Body, redact)
	}
	return res, false
}

func (pol Policy) actionFor(category string) SecretAction {
	switch {
	case strings.HasPrefix(category, SecretPrefix):
		return pol.Secrets
	case strings.HasPrefix(category, PIIPrefix):
		return pol.PII
	}
	return SecretAllow
}

// score runs the injection scorer over the body and the subject. Subject
// findings keep their categories but lose their spans, which index the
// subject, not the body.
func (p *Pipeline) score(in Input) (float64, []Finding, error) {
	score, findings := p.Injection.Score(in.Body, in.ContentType)
	if in.Subject != "" {
		s, fs := p.Injection.Score([]byte(in.Subject), "text/plain")
		score = max(score, s)
		for _, f := range fs {
			findings = append(findings, Finding{Category: f.Category, Score: f.Score})
		}
	}
	if math.IsNaN(score) || score < 0 || score > 1 {
		return 0, nil, fmt.Errorf("injection score %v is not in [0,1]", score)
	}
	for _, f := range findings {
		for _, sp := range f.Spans {
			if sp.Start < 0 || sp.End < sp.Start {
				return 0, nil, fmt.Errorf("injection finding %s: bad span [%d,%d)", f.Category, sp.Start, sp.End)
			}
		}
	}
	return score, findings, nil
}

// decide maps an injection score to a verdict and a reason.
func decide(score float64, findings []Finding, pol Policy) (Verdict, string) {
	var v Verdict
	var at float64
	switch {
	case score >= pol.RejectAt:
		v, at = Reject, pol.RejectAt
	case score >= pol.QuarantineAt:
		v, at = Quarantine, pol.QuarantineAt
	case score >= pol.FlagAt:
		v, at = Flag, pol.FlagAt
	default:
		return Allow, ""
	}
	reason := fmt.Sprintf("prompt-injection score %.2f is at least %s threshold %.2f", score, v, at)
	if cats := categories(findings); len(cats) > 0 {
		reason += " (" + strings.Join(cats, ", ") + ")"
	}
	return v, reason
}

// categories returns the sorted union of the findings' categories.
func categories(findings []Finding) []string {
	var out []string
	for _, f := range findings {
		if !slices.Contains(out, f.Category) {
			out = append(out, f.Category)
		}
	}
	slices.Sort(out)
	return out
}

// redactString removes secrets and personal data from a message meant
// for people.
func (p *Pipeline) redactString(s string) string {
	b := []byte(s)
	return string(Redact(b, p.Secrets.Scan(b)))
}
