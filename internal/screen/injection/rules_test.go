package injection

import "testing"

// TestLeadRules: the rules heuristics tries at a token are exactly those
// whose first step the token matches, for every token of the corpus and
// of the rules' own words.
func TestLeadRules(t *testing.T) {
	texts := scoringCorpus(t)
	for _, r := range rules {
		for _, st := range r.steps {
			texts = append(texts, []byte(st.lit))
		}
	}
	for w := range lexicon {
		texts = append(texts, []byte(w))
	}
	tried := 0
	for _, s := range texts {
		toks := tokenize(nil, s, nil, nil)
		for i := range toks {
			var want uint64
			for r := range rules {
				if matches(&toks[i], s, rules[r].steps[0]) {
					want |= 1 << r
				}
			}
			if got := leadRules(&toks[i], s); got != want {
				t.Fatalf("leadRules(%q) = %#x, want %#x", toks[i].word(s), got, want)
			}
			if want != 0 {
				tried++
			}
		}
	}
	if tried == 0 {
		t.Fatal("no token starts a rule")
	}
}
