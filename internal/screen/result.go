package screen

// Verdict is what happens to screened content.
type Verdict string

const (
	Allow      Verdict = "allow"      // delivered
	Flag       Verdict = "flag"       // delivered with its labels
	Quarantine Verdict = "quarantine" // held for a human
	Reject     Verdict = "reject"     // refused; the sender gets the reason
)

// Span is a range of the (normalized) text that triggered a finding.
type Span struct {
	Start, End int    // byte offsets into Text
	Text       string // the matched text, truncated
}

// Finding is one reason content is suspicious.
type Finding struct {
	Category string  // e.g. "instruction-override", "exfiltration", "secret:private-key"
	Score    float64 // in [0,1]
	Spans    []Span
}

// Result is the screening outcome for one piece of content.
type Result struct {
	Verdict    Verdict
	Score      float64 // prompt-injection score in [0,1]
	Categories []string
	Findings   []Finding
	// Redacted is the body with secrets replaced, when the verdict allows
	// delivery and secrets were redacted; nil otherwise.
	Redacted []byte
	Reason   string // for reject/quarantine, for people
}
