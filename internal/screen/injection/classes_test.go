package injection

import (
	"math/bits"
	"testing"
)

// TestWordClassFeatures: words of one class give the same features, so
// "develop a speech" gets what "write a poem" taught, and a word outside
// every class gives none.
func TestWordClassFeatures(t *testing.T) {
	has := func(fs []feature, h uint32) bool {
		for _, f := range fs {
			if f.h == h {
				return true
			}
		}
		return false
	}
	bit := func(c uint16) uint32 { return uint32(bits.TrailingZeros16(c)) }
	for _, tc := range []struct {
		text      string
		lead, has uint16 // a lead class and a class met later
		out       bool   // refers to the reader's output
	}{
		{"write a short poem about the sea.", wcCompose, wcGenre, false},
		{"develop a speech about the harbour.", wcCompose, wcGenre, false},
		{"please translate the greeting into klingon.", wcTransform, wcLanguage, false},
		{"could you render the greeting in swahili?", wcTransform, wcLanguage, false},
		{"replace the vowels with symbols in your answer.", wcTransform, wcUnit, true},
		{"can you show me a simple rust function?", wcExplain, wcCode, false},
		{"what is 'hola' in english?", wcAsk, wcQuote, false},
		{"end your reply with \"see you soon\".", wcInsert, wcQuote, true},
	} {
		fs := words(nil, []byte(tc.text), nil)
		if !has(fs, mix(bit(tc.lead), 46)) {
			t.Errorf("%q: no lead-class feature for class %d", tc.text, bit(tc.lead))
		}
		if !has(fs, mix(bit(tc.has), 47)) {
			t.Errorf("%q: no feature for class %d", tc.text, bit(tc.has))
		}
		found := false
		for _, f := range fs {
			for lead := range uint32(1 << wcClasses) {
				x := bit(tc.has)<<17 | lead
				if tc.out {
					x |= 1 << 16
				}
				if lead&uint32(tc.lead) != 0 && f.h == mix(x, 48) {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("%q: no pair feature of class %d with lead %d (output reference %v)", tc.text, bit(tc.has), bit(tc.lead), tc.out)
		}
	}
	plain := words(nil, []byte("the parcel arrived yesterday afternoon."), nil)
	for b := range uint32(wcClasses) {
		if has(plain, mix(b, 46)) || has(plain, mix(b, 47)) {
			t.Errorf("a sentence without class words has a class-%d feature", b)
		}
	}
}

// TestClassTableLoad checks that the lexicon's classes keep the class
// table at most a quarter full (its probes stay short) and reach words of
// other languages.
func TestClassTableLoad(t *testing.T) {
	n := 0
	for _, k := range wordClasses.keys {
		if k != 0 {
			n++
		}
	}
	if n > len(wordClasses.keys)/4 {
		t.Errorf("class table holds %d words in %d slots, want at most a quarter full", n, len(wordClasses.keys))
	}
	for w, want := range map[string]uint16{"godkend": wcOrder, "forward": wcOrder, "sammanfattar": wcReader,
		"processing": wcReader, "software": wcReader} {
		if wordClasses.of(hash(w))&want == 0 {
			t.Errorf("%q lacks class %b", w, want)
		}
	}
	if wordClasses.of(hash("assistant"))&wcReader != 0 || wordClasses.of(hash("use"))&wcOrder != 0 {
		t.Error("an AI word or a stop word got a lexicon class")
	}
}
