package screen

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// Categories of secrets and personal data. Findings use "secret:<kind>"
// and "pii:<kind>".
const (
	SecretPrefix = "secret:"
	PIIPrefix    = "pii:"
)

// Span.Text of a secret or PII finding is never the matched text: it is
// the redaction marker, so findings can be logged, audited and shown to
// reviewers without leaking what they found.

// detector finds one kind of secret. Every built-in pattern matches a
// bounded length, so scanning stays linear in the input (RE2 has no
// backtracking, and a bounded match bounds how far each search looks).
// Most run only in windows around a cheap anchor (a literal, a run of
// digits), which keeps ordinary text fast.
type detector struct {
	category string
	re       *regexp.Regexp
	group    int                     // submatch holding the secret; 0 for the whole match
	check    func(match []byte) bool // nil: every match counts
	windows  func(b []byte) []window // nil: the whole input
}

// window is a range of the input worth running a detector's regexp on.
type window struct{ start, end int }

var builtinDetectors = []detector{
	{
		category: "secret:aws-access-key",
		re:       regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b`),
		windows:  anchored([]string{"AKIA", "ASIA", "ABIA", "ACCA"}, false, 1, 22),
	},
	{
		category: "secret:github-token",
		re:       regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b`),
		windows:  anchored([]string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}, false, 1, 268),
	},
	{
		category: "secret:slack-token",
		re:       regexp.MustCompile(`\bxox[abpr]-[A-Za-z0-9-]{10,250}`),
		windows:  anchored([]string{"xox"}, false, 1, 257),
	},
	{
		category: "secret:stripe-key",
		re:       regexp.MustCompile(`\b[sr]k_live_[A-Za-z0-9]{20,247}\b`),
		windows:  anchored([]string{"k_live_"}, false, 2, 256),
	},
	{
		category: "secret:google-api-key",
		re:       regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}`),
		windows:  anchored([]string{"AIza"}, false, 1, 41),
	},
	{
		category: "secret:openai-key",
		re:       regexp.MustCompile(`\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,250}`),
		check:    randomLooking,
		windows:  anchored([]string{"sk-"}, false, 1, 264),
	},
	{
		category: "secret:jwt",
		re:       regexp.MustCompile(`\bey[A-Za-z0-9_-]{8,1000}\.ey[A-Za-z0-9_-]{8,1000}\.[A-Za-z0-9_-]{0,1000}`),
		check:    isJWT,
		windows:  anchored([]string{".ey"}, false, 1004, 2010),
	},
	{
		category: "pii:credit-card",
		re:       regexp.MustCompile(`\b(?:[0-9][ -]?){12,18}[0-9]\b`),
		check:    isCardNumber,
		windows:  digitRuns,
	},
	{
		category: "pii:iban", // trimmed and checked by ibanSpan
		re:       regexp.MustCompile(`\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,40}\b`),
		windows:  ibanStarts,
	},
	// Looser patterns last: their spans give way to the precise ones above.
	{
		category: "secret:aws-secret-key",
		re:       regexp.MustCompile(`(?i)aws[A-Za-z0-9_ .-]{0,32}["']?\s{0,4}[:=]{1,2}>?\s{0,4}["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`),
		group:    1,
		check:    randomLooking,
		windows:  anchored([]string{"aws"}, true, 1, 100),
	},
	{
		category: "secret:generic-api-key",
		re:       regexp.MustCompile(`(?i)\b(?:api[_-]?key|api[_-]?secret|api[_-]?token|access[_-]?token|auth[_-]?token|client[_-]?secret|secret[_-]?key|private[_-]?key|token|secret|password|passwd)["']?\s{0,4}[:=]{1,2}>?\s{0,4}["']?([A-Za-z0-9_\-./+=~]{16,250})`),
		group:    1,
		check:    highEntropy,
		windows:  anchored([]string{"key", "token", "secret", "passw"}, true, 12, 290),
	},
}

// anchored returns windows from before bytes ahead of each occurrence of
// an anchor to after bytes past it, merged. With fold, anchors are
// lowercase and matched ignoring ASCII case.
func anchored(anchors []string, fold bool, before, after int) func([]byte) []window {
	return func(b []byte) []window {
		hay := b
		if fold {
			hay = lowerASCII(b)
		}
		var at []int
		for _, a := range anchors {
			for i := 0; i < len(hay); {
				j := bytes.Index(hay[i:], []byte(a))
				if j < 0 {
					break
				}
				at = append(at, i+j)
				i += j + 1
			}
		}
		slices.Sort(at)
		var ws []window
		for _, p := range at {
			ws = addWindow(ws, max(p-before, 0), min(p+after, len(b)))
		}
		return ws
	}
}

// lowerASCII lowercases ASCII letters only, keeping byte offsets.
func lowerASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if isUpper(c) {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// addWindow appends [start,end), merging it with the last window when
// they touch; starts must come in ascending order.
func addWindow(ws []window, start, end int) []window {
	if n := len(ws); n > 0 && start <= ws[n-1].end {
		ws[n-1].end = max(ws[n-1].end, end)
		return ws
	}
	return append(ws, window{start, end})
}

// digitRuns returns the runs of digits, spaces and dashes holding at least
// 13 digits (a card number's least), with a byte of context either side.
func digitRuns(b []byte) []window {
	var ws []window
	start, digits := -1, 0
	flush := func(end int) {
		if start >= 0 && digits >= 13 {
			ws = addWindow(ws, max(start-1, 0), min(end+1, len(b)))
		}
		start, digits = -1, 0
	}
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if start < 0 {
				start = i
			}
			digits++
		case (c == ' ' || c == '-') && start >= 0:
		default:
			flush(i)
		}
	}
	flush(len(b))
	return ws
}

// ibanStarts returns windows from each "CCdd" (two capitals, two digits)
// that can start an IBAN.
func ibanStarts(b []byte) []window {
	var ws []window
	for i := 0; i+4 <= len(b); i++ {
		if isUpper(b[i]) && isUpper(b[i+1]) && isDigit(b[i+2]) && isDigit(b[i+3]) {
			ws = addWindow(ws, max(i-1, 0), min(i+86, len(b)))
		}
	}
	return ws
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// SecretScanner finds secrets and personal data. It is safe for
// concurrent use.
type SecretScanner struct {
	detectors []detector
}

var patternName = regexp.MustCompile(`^(?:(?:secret|pii):)?[a-z0-9][a-z0-9-]{0,62}$`)

// MaxExtraPatterns bounds how many extra patterns a scanner takes.
const MaxExtraPatterns = 100

// maxPatternMatch bounds the length one extra pattern can match.
const maxPatternMatch = 4096

// NewSecretScanner returns a scanner for the built-in kinds and the extra
// patterns, a map of name to RE2 regular expression. A name is
// "pii:<kind>" or "secret:<kind>" (plain "<kind>" means a secret), kinds
// being lowercase letters, digits and dashes. When a pattern has a
// capturing group, the first group is the secret (so "token=(\w+)" redacts
// only the value). A pattern must match a bounded length, at most 4096
// bytes ({m,n}, not * or +), and must not match the empty string: RE2 has
// no backtracking, and a bounded match keeps scanning linear in the body.
// Errors start with the pattern's name.
func NewSecretScanner(extra map[string]string) (*SecretScanner, error) {
	if len(extra) > MaxExtraPatterns {
		return nil, fmt.Errorf("%d secret patterns: at most %d", len(extra), MaxExtraPatterns)
	}
	s := &SecretScanner{detectors: slices.Clone(builtinDetectors)}
	names := make([]string, 0, len(extra))
	for name := range extra {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		d, err := extraDetector(name, extra[name])
		if err != nil {
			return nil, fmt.Errorf("%.64q: %w", name, err)
		}
		s.detectors = append(s.detectors, d)
	}
	return s, nil
}

// extraDetector compiles one extra pattern.
func extraDetector(name, expr string) (detector, error) {
	if !patternName.MatchString(name) {
		return detector{}, errors.New("name must be [secret:|pii:]kind with kind in [a-z0-9-], at most 63 characters")
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return detector{}, err
	}
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return detector{}, err
	}
	if n, ok := maxMatch(tree.Simplify()); !ok || n > maxPatternMatch {
		return detector{}, fmt.Errorf("pattern can match more than %d bytes: bound every repetition with {m,n}", maxPatternMatch)
	}
	if re.MatchString("") {
		return detector{}, errors.New("pattern matches the empty string")
	}
	cat := name
	if !strings.HasPrefix(cat, SecretPrefix) && !strings.HasPrefix(cat, PIIPrefix) {
		cat = SecretPrefix + cat
	}
	group := 0
	if re.NumSubexp() > 0 {
		group = 1
	}
	return detector{category: cat, re: re, group: group}, nil
}

// maxMatch returns an upper bound on the bytes re can match, and false
// when there is none: a star, a plus or a repeat without a maximum.
func maxMatch(re *syntax.Regexp) (int, bool) {
	switch re.Op {
	case syntax.OpStar, syntax.OpPlus:
		return 0, false
	case syntax.OpRepeat:
		if re.Max < 0 {
			return 0, false
		}
		n, ok := maxMatch(re.Sub[0])
		return n * re.Max, ok
	case syntax.OpLiteral:
		return utf8.UTFMax * len(re.Rune), true // case folding may match a wider rune
	case syntax.OpCharClass: // pairs of lo, hi, in order
		if len(re.Rune) == 0 {
			return 0, true
		}
		return utf8.RuneLen(min(re.Rune[len(re.Rune)-1], utf8.MaxRune)), true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return utf8.UTFMax, true
	case syntax.OpConcat:
		total := 0
		for _, sub := range re.Sub {
			n, ok := maxMatch(sub)
			if !ok {
				return 0, false
			}
			total += n
		}
		return total, true
	case syntax.OpAlternate:
		most := 0
		for _, sub := range re.Sub {
			n, ok := maxMatch(sub)
			if !ok {
				return 0, false
			}
			most = max(most, n)
		}
		return most, true
	case syntax.OpCapture, syntax.OpQuest:
		return maxMatch(re.Sub[0])
	default: // empty matches, anchors and word boundaries
		return 0, true
	}
}

var defaultScanner, _ = NewSecretScanner(nil)

// Scan returns one finding per kind found in body, each with the spans
// where it was found, in order. A span overlapping one found earlier (by
// a more precise detector) is dropped, so spans never overlap.
func (s *SecretScanner) Scan(body []byte) []Finding {
	if s == nil {
		s = defaultScanner
	}
	// taken marks bytes already claimed. A detector's matches do not
	// overlap one another, so checking and marking cost at most the body
	// length per detector: linear however many matches there are.
	var taken []bool
	var findings []Finding
	add := func(cat string, start, end int) {
		if taken == nil {
			taken = make([]bool, len(body))
		}
		if slices.Contains(taken[start:end], true) {
			return
		}
		for i := start; i < end; i++ {
			taken[i] = true
		}
		sp := Span{Start: start, End: end, Text: marker(cat)}
		for i := range findings {
			if findings[i].Category == cat {
				findings[i].Spans = append(findings[i].Spans, sp)
				return
			}
		}
		findings = append(findings, Finding{Category: cat, Score: 1, Spans: []Span{sp}})
	}
	for _, sp := range privateKeySpans(body) {
		add("secret:private-key", sp[0], sp[1])
	}
	for _, d := range s.detectors {
		ws := []window{{0, len(body)}}
		if d.windows != nil {
			ws = d.windows(body)
		}
		for _, w := range ws {
			d.scan(body, w, add)
		}
	}
	for i := range findings {
		slices.SortFunc(findings[i].Spans, func(a, b Span) int { return a.Start - b.Start })
	}
	return findings
}

// scan runs d over the window w of body, reporting each checked match.
func (d *detector) scan(body []byte, w window, add func(cat string, start, end int)) {
	for _, m := range d.re.FindAllSubmatchIndex(body[w.start:w.end], -1) {
		start, end := m[2*d.group], m[2*d.group+1]
		if start < 0 || start == end {
			continue
		}
		start, end = start+w.start, end+w.start
		if d.category == "pii:iban" {
			var ok bool
			if start, end, ok = ibanSpan(body, start, end); !ok {
				continue
			}
		}
		if d.check != nil && !d.check(body[start:end]) {
			continue
		}
		add(d.category, start, end)
	}
}

// marker is what a secret of category cat is replaced with.
func marker(cat string) string {
	_, kind, _ := strings.Cut(cat, ":")
	return "[REDACTED:" + kind + "]"
}

// Redact returns a copy of body with the span of every secret and PII
// finding (categories "secret:*" and "pii:*") replaced by
// "[REDACTED:<kind>]". Other findings are ignored; overlapping spans are
// merged; spans outside body are clipped.
func Redact(body []byte, findings []Finding) []byte {
	type cut struct {
		start, end int
		cat        string
	}
	var cuts []cut
	for _, f := range findings {
		if !strings.HasPrefix(f.Category, SecretPrefix) && !strings.HasPrefix(f.Category, PIIPrefix) {
			continue
		}
		for _, sp := range f.Spans {
			start, end := max(sp.Start, 0), min(sp.End, len(body))
			if start < end {
				cuts = append(cuts, cut{start, end, f.Category})
			}
		}
	}
	slices.SortFunc(cuts, func(a, b cut) int { return a.start - b.start })
	out := make([]byte, 0, len(body))
	pos := 0
	for _, c := range cuts {
		if c.end <= pos {
			continue
		}
		if c.start >= pos {
			out = append(out, body[pos:c.start]...)
			out = append(out, marker(c.cat)...)
		}
		pos = c.end
	}
	return append(out, body[pos:]...)
}

// privateKeySpans finds PEM private keys: from a "-----BEGIN ... PRIVATE
// KEY-----" line through its END line, or through the key material when
// the END line is missing. One pass: each byte is looked at a bounded
// number of times.
func privateKeySpans(b []byte) [][2]int {
	const begin = "-----BEGIN "
	var spans [][2]int
	for pos := 0; pos < len(b); {
		i := bytes.Index(b[pos:], []byte(begin))
		if i < 0 {
			break
		}
		start := pos + i
		label, hdrEnd, ok := pemLabel(b, start+len(begin))
		if !ok || !strings.HasSuffix(label, "PRIVATE KEY") {
			pos = start + len(begin)
			continue
		}
		end := pemBodyEnd(b, hdrEnd)
		if bytes.HasPrefix(b[end:], []byte("-----END ")) {
			if _, e, ok := pemLabel(b, end+len("-----END ")); ok {
				end = e
			}
		}
		for end > hdrEnd && isPEMSpace(b[end-1]) {
			end--
		}
		spans = append(spans, [2]int{start, end})
		pos = end
	}
	return spans
}

// pemLabel reads "LABEL-----" at i (label at most 64 bytes of A-Z, 0-9
// and spaces) and returns the label and the index after the dashes.
func pemLabel(b []byte, i int) (string, int, bool) {
	for j := i; j < len(b) && j-i <= 64; j++ {
		c := b[j]
		if c == '-' {
			if bytes.HasPrefix(b[j:], []byte("-----")) {
				return string(b[i:j]), j + 5, true
			}
			return "", 0, false
		}
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ') {
			return "", 0, false
		}
	}
	return "", 0, false
}

// pemBodyEnd returns the end of the PEM body starting at i: base64, line
// breaks (also JSON-escaped "\n"), and RFC 1421 headers such as
// "Proc-Type: 4,ENCRYPTED", stopping at "-----" or any other byte.
func pemBodyEnd(b []byte, i int) int {
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '+', c == '/', c == '=', c == ':', c == ',', c == '\\', isPEMSpace(c):
		case c == '-':
			if bytes.HasPrefix(b[i:], []byte("-----")) {
				return i
			}
		default:
			return i
		}
	}
	return i
}

func isPEMSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// shannon returns the entropy of s in bits per byte.
func shannon(s []byte) float64 {
	var counts [256]int
	for _, c := range s {
		counts[c]++
	}
	var h float64
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// classes counts which of lowercase, uppercase and digits s contains.
func classes(s []byte) int {
	var lo, up, dig int
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			lo = 1
		case c >= 'A' && c <= 'Z':
			up = 1
		case c >= '0' && c <= '9':
			dig = 1
		}
	}
	return lo + up + dig
}

// randomLooking: mixes lowercase, uppercase and digits with high entropy,
// as generated keys do and words joined by dashes do not.
func randomLooking(s []byte) bool {
	return classes(s) == 3 && shannon(s) >= 3.5
}

// highEntropy: a value that is not a word, a path or a placeholder.
func highEntropy(s []byte) bool {
	return classes(s) >= 2 && shannon(s) >= 3.7
}

// isJWT: the header decodes to a JSON object with an "alg".
func isJWT(tok []byte) bool {
	hdr, _, _ := bytes.Cut(tok, []byte("."))
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(string(hdr), "="))
	if err != nil {
		return false
	}
	var h map[string]any
	if json.Unmarshal(raw, &h) != nil {
		return false
	}
	_, ok := h["alg"].(string)
	return ok
}

// isCardNumber: 13 to 19 digits with a known issuer prefix for that
// length, and a valid Luhn check digit.
func isCardNumber(s []byte) bool {
	digits := make([]byte, 0, 19)
	for _, c := range s {
		if c >= '0' && c <= '9' {
			digits = append(digits, c)
		}
	}
	return len(digits) >= 13 && len(digits) <= 19 && knownIIN(string(digits)) && luhn(digits)
}

func luhn(digits []byte) bool {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// knownIIN reports whether a card number of this length can come from a
// major network: Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay,
// Maestro.
func knownIIN(d string) bool {
	n := len(d)
	p2 := atoi(d[:2])
	p3 := atoi(d[:3])
	p4 := atoi(d[:4])
	switch {
	case d[0] == '4': // Visa
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // Amex
		return n == 15
	case p4 == 6011, p3 >= 644 && p3 <= 649, p2 == 65: // Discover
		return n >= 16
	case p2 == 36, p3 >= 300 && p3 <= 305, p2 == 38, p2 == 39: // Diners
		return n >= 14
	case p4 >= 3528 && p4 <= 3589: // JCB
		return n >= 16
	case p2 == 62: // UnionPay
		return n >= 16
	case p2 == 50, p2 >= 56 && p2 <= 58, p2 == 67: // Maestro
		return n >= 13
	}
	return false
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// ibanLengths is the length of an IBAN per country (ISO 13616 registry).
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
	"BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
	"ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
	"HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
	"LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
	"MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
	"RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

// ibanSpan trims a candidate b[start:end] to its country's IBAN length
// (the candidate may run into following words) and verifies the mod-97
// check. The trimmed IBAN must end where a group or the candidate ends.
func ibanSpan(b []byte, start, end int) (int, int, bool) {
	want, ok := ibanLengths[string(b[start:start+2])]
	if !ok {
		return 0, 0, false
	}
	compact := make([]byte, 0, want)
	i := start
	for ; i < end && len(compact) < want; i++ {
		if b[i] != ' ' {
			compact = append(compact, b[i])
		}
	}
	if len(compact) < want || i < end && b[i] != ' ' {
		return 0, 0, false
	}
	return start, i, ibanValid(compact)
}

// ibanValid checks the ISO 7064 mod-97 check digits: moving the first
// four characters to the end and reading letters as 10..35, the number is
// 1 modulo 97.
func ibanValid(iban []byte) bool {
	r := 0
	for i := range iban {
		c := iban[(i+4)%len(iban)]
		switch {
		case c >= '0' && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			r = (r*100 + int(c-'A') + 10) % 97
		default:
			return false
		}
	}
	return r == 1
}
