package server

import (
	"context"
	"fmt"
	"time"

	"github.com/airlock-hub/airlock/internal/messaging"
	"github.com/airlock-hub/airlock/internal/screen"
	"github.com/airlock-hub/airlock/internal/screen/injection"
)

// ScreeningPolicy is how content screening treats messages for one
// segment (of the recipient). Zero fields take the defaults.
type ScreeningPolicy struct {
	// FlagAt and QuarantineAt are prompt-injection score thresholds in
	// [0,1]: messages scoring at least FlagAt are delivered flagged, at
	// least QuarantineAt held for a human. Defaults 0.5 and 0.8.
	FlagAt       float64 `yaml:"flag_at"`
	QuarantineAt float64 `yaml:"quarantine_at"`
	// Secrets is allow, redact or block for private keys, API keys and
	// tokens. Default block. A redacted body is delivered with the hub's
	// signature over the change (the sender signed the original, which
	// is kept sealed for reviewers: airlock quarantine show ID --original).
	Secrets string `yaml:"secrets"`
	// PII is allow, redact or block for card numbers and IBANs. Default allow.
	PII string `yaml:"pii"`
	// Budget bounds screening time per message; past it the send is
	// refused (unavailable, retry later), never delivered unscreened.
	// Default 50ms.
	Budget time.Duration `yaml:"budget"`
}

// ScreeningConfig is the default policy plus overrides per segment.
type ScreeningConfig struct {
	ScreeningPolicy `yaml:",inline"`
	Segments        map[string]ScreeningPolicy `yaml:"segments"`
	// Patterns are extra secrets and personal data to find, by name: an
	// RE2 regular expression for each. A name is "pii:<kind>" or
	// "secret:<kind>" (a plain "<kind>" is a secret), so the secrets or
	// pii action of the recipient's segment applies to it. When the
	// pattern has a capturing group, the first group is what is redacted.
	// Every repetition must be bounded ({m,n}; a match is at most 4096
	// bytes) so scanning stays linear; at most 100 patterns.
	Patterns map[string]string `yaml:"patterns"`
}

func (p ScreeningPolicy) policy() (screen.Policy, error) {
	out := screen.DefaultPolicy()
	out.Secrets = screen.SecretBlock
	if p.FlagAt != 0 {
		out.FlagAt = p.FlagAt
	}
	if p.QuarantineAt != 0 {
		out.QuarantineAt = p.QuarantineAt
	}
	if p.Budget != 0 {
		out.Budget = p.Budget
	}
	for _, f := range []struct {
		name string
		in   string
		out  *screen.SecretAction
	}{{"secrets", p.Secrets, &out.Secrets}, {"pii", p.PII, &out.PII}} {
		switch f.in {
		case "":
		case "allow", "redact", "block":
			*f.out = screen.SecretAction(f.in)
		default:
			return out, fmt.Errorf("%s: %q is not allow, redact or block", f.name, f.in)
		}
	}
	return out, out.Validate()
}

// over fills the fields p leaves unset from base (the top-level policy).
func (p ScreeningPolicy) over(base ScreeningPolicy) ScreeningPolicy {
	if p.FlagAt == 0 {
		p.FlagAt = base.FlagAt
	}
	if p.QuarantineAt == 0 {
		p.QuarantineAt = base.QuarantineAt
	}
	if p.Secrets == "" {
		p.Secrets = base.Secrets
	}
	if p.PII == "" {
		p.PII = base.PII
	}
	if p.Budget == 0 {
		p.Budget = base.Budget
	}
	return p
}

// pipeline builds the content screener from the configuration.
func (c ScreeningConfig) pipeline() (*screen.Pipeline, error) {
	def, err := c.ScreeningPolicy.policy()
	if err != nil {
		return nil, fmt.Errorf("screening: %w", err)
	}
	secrets, err := screen.NewSecretScanner(c.Patterns)
	if err != nil {
		return nil, fmt.Errorf("screening.patterns: %w", err)
	}
	p := &screen.Pipeline{Default: def, Policies: map[string]screen.Policy{}, Schemas: screen.NewRegistry(), Secrets: secrets}
	for seg, sp := range c.Segments {
		if p.Policies[seg], err = sp.over(c.ScreeningPolicy).policy(); err != nil {
			return nil, fmt.Errorf("screening.segments.%s: %w", seg, err)
		}
	}
	det := injection.Default()
	p.Injection = screen.ScorerFunc(func(b []byte, ct string) (float64, []screen.Finding) {
		r := det.Score(b, ct)
		return r.Score, r.Findings
	})
	return p, nil
}

// screener adapts screen.Pipeline to messaging.Screener.
type screener struct{ p *screen.Pipeline }

var _ messaging.Screener = screener{}

func (s screener) Screen(ctx context.Context, body []byte, subject, contentType, segment string) (screen.Result, error) {
	return s.p.Screen(ctx, screen.Input{Body: body, Subject: subject, ContentType: contentType, Segment: segment})
}
