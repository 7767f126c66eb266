package injection

import (
	"bytes"
	"strings"
	"testing"
)

// rot13LineReference is rot13Line as it was before it read most lines
// once: every word checked against both lists in one pass.
func rot13LineReference(line []byte) bool {
	var n, plain, rot int
	var w [16]byte
	for i := 0; i < len(line); {
		c := line[i] | 0x20
		if c < 'a' || c > 'z' {
			i++
			continue
		}
		j := i + 1
		for j < len(line) && asciiLetter[line[j]] {
			j++
		}
		n++
		if j-i <= len(w) {
			k := copy(w[:], line[i:j])
			for m := range k {
				w[m] |= 0x20
			}
			switch {
			case commonWordReference(w[:k]):
				plain++
			case rot13WordReference(w[:k]):
				rot++
			}
		}
		i = j
	}
	return n >= 3 && rot >= 2 && rot*4 >= n && rot > 2*plain
}

func commonWordReference(w []byte) bool {
	switch string(w) {
	case "the", "and", "you", "your", "to", "of", "is", "are", "all", "this", "that", "for",
		"with", "now", "please", "ignore", "previous", "instructions", "send", "system", "prompt",
		"it", "in", "on", "be", "not", "what", "have", "from":
		return true
	}
	return false
}

func rot13WordReference(w []byte) bool {
	switch string(w) {
	case "gur", "naq", "lbh", "lbhe", "gb", "bs", "vf", "ner", "nyy", "guvf", "gung", "sbe",
		"jvgu", "abj", "cyrnfr", "vtaber", "cerivbhf", "vafgehpgvbaf", "fraq", "flfgrz", "cebzcg",
		"vg", "va", "ba", "or", "abg", "jung", "unir", "sebz":
		return true
	}
	return false
}

// TestWordSetsMatchReference: the word sets hold exactly the words of
// the reference lists.
func TestWordSetsMatchReference(t *testing.T) {
	words := strings.Fields("the and you your to of is are all this that for with now please ignore previous " +
		"instructions send system prompt it in on be not what have from gur naq lbh lbhe gb bs vf ner nyy guvf " +
		"gung sbe jvgu abj cyrnfr vtaber cerivbhf vafgehpgvbaf fraq flfgrz cebzcg vg va ba or abg jung unir sebz")
	for _, w := range commonWords {
		r := rot13String(w)
		words = append(words, w, r, w+"s", r[1:], "x"+w)
	}
	for _, w := range words {
		b := []byte(w)
		if commonWord(b) != commonWordReference(b) || rot13Word(b) != rot13WordReference(b) {
			t.Errorf("%q: commonWord %v, rot13Word %v; reference %v, %v", w,
				commonWord(b), rot13Word(b), commonWordReference(b), rot13WordReference(b))
		}
	}
}

// TestRot13LineMatchesReference compares rot13Line with the one-pass
// reference on the corpus lines, their rot13 forms and mixtures.
func TestRot13LineMatchesReference(t *testing.T) {
	var lines [][]byte
	for _, s := range scoringCorpus(t) {
		for _, l := range bytes.Split(s, []byte("\n")) {
			r := []byte(rot13String(string(l)))
			half := append(append([]byte(nil), l[:len(l)/2]...), r[len(r)/2:]...)
			lines = append(lines, l, r, half, bytes.ToUpper(r))
		}
	}
	flagged := 0
	for _, l := range lines {
		got, want := rot13Line(l), rot13LineReference(l)
		if got != want {
			t.Fatalf("rot13Line(%q) = %v, want %v", l, got, want)
		}
		if got {
			flagged++
		}
	}
	if flagged == 0 {
		t.Fatal("no line flagged: the corpus does not exercise rot13Line")
	}
}

// TestB64ClassCoversB64Char: encodedRuns tells run starts by b64Class
// and '=', which must be exactly b64Char.
func TestB64ClassCoversB64Char(t *testing.T) {
	for c := range 256 {
		if got, want := b64Class[c] != 0 || c == '=', b64Char(byte(c)); got != want {
			t.Errorf("byte %#x: b64Class or '=' = %v, b64Char = %v", c, got, want)
		}
	}
}
