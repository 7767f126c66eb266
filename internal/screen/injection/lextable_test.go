package injection

import (
	"bytes"
	"testing"
)

// TestLexTableMatchesLexicon: the table gives every word's classes as
// the lexicon map does, and 0 for words outside it, prefixes and
// extensions of its words among them.
func TestLexTableMatchesLexicon(t *testing.T) {
	check := func(w []byte) {
		t.Helper()
		if got, want := lexWords.lookup(w, wordHash(w)), lexicon[string(w)]; got != want {
			t.Fatalf("lookup(%q) = %#x, want %#x", w, got, want)
		}
	}
	for w := range lexicon {
		check([]byte(w))
		check([]byte(w[:len(w)-1]))
		check([]byte(w + "s"))
		check([]byte("x" + w))
	}
	for _, s := range scoringCorpus(t) {
		for _, w := range bytes.FieldsFunc(s, func(r rune) bool { return r < 0x80 && !wordByte(byte(r)) }) {
			check(w)
		}
	}
	if n := len(lexWords.slots); n < 2*len(lexicon) {
		t.Errorf("%d slots for %d words: more than half full", n, len(lexicon))
	}
}
