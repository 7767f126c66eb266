package injection

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestServiceMail: generated service mail is reproducible, varied, well
// formed, and has nothing in it the firm heuristics take for an attack
// (it is trained on as a negative).
func TestServiceMail(t *testing.T) {
	gen := func(seed uint64) []string {
		rng := rand.New(rand.NewPCG(seed, 7))
		var out []string
		for range 200 {
			out = append(out, serviceMail(rng))
		}
		return out
	}
	a, b := gen(1), gen(1)
	distinct := map[string]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("mail %d differs between two runs with the same seed", i)
		}
		distinct[a[i]] = true
		if strings.Contains(a[i], "%") && !strings.Contains(a[i], "% ") || strings.Contains(a[i], "%!") {
			t.Errorf("unfilled template in %q", a[i])
		}
		s := []byte(strings.ToLower(a[i]))
		for _, h := range heuristics(nil, tokenize(nil, s, nil, nil), s, nil) {
			if h.weight >= firmRule {
				t.Errorf("firm %s hit %q in %q", h.cat, s[h.start:h.end], a[i])
			}
		}
	}
	if len(distinct) < 190 {
		t.Errorf("%d distinct mails of 200", len(distinct))
	}
	if c := gen(2); c[0] == a[0] && c[1] == a[1] {
		t.Error("another seed gives the same mails")
	}
	kinds := 0
	for _, w := range []string{"charged", "received", "credit", "order #", "tracking number", "sign-in", "receipt", "invoice", "statement"} {
		for _, m := range a {
			if strings.Contains(strings.ToLower(m), w) {
				kinds++
				break
			}
		}
	}
	if kinds < 8 {
		t.Errorf("only %d of 9 kinds of notification in 200 mails", kinds)
	}
}
