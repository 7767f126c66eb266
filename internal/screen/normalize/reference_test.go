package normalize

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// resetReference is Reset without the fast paths (plainRun, nextRun):
// every ASCII byte through ascii, every position tried by spacedRun. The
// fast paths must give the same bytes and offsets.
func (t *Text) resetReference(src []byte) {
	t.src = src
	t.out = t.out[:0]
	t.off = t.off[:0]
	space := true
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			i++
			space = t.ascii(c, int32(i-1), space)
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		space = t.rune(r, int32(i), space)
		i += size
	}
	t.trimSpace()
	out, off := t.out, t.off
	t.out2, t.off2 = t.out2[:0], t.off2[:0]
	changed := false
	for i := 0; i < len(out); {
		if end, count := spacedRun(out, i); count >= minSpaced {
			t.emitRun(i, end)
			i = end + 1
			changed = true
			continue
		}
		t.out2 = append(t.out2, out[i])
		t.off2 = append(t.off2, off[i])
		i++
	}
	if changed {
		t.out, t.out2 = t.out2, t.out
		t.off, t.off2 = t.off2, t.off
	}
}

func sameAsReference(t *testing.T, in []byte) {
	t.Helper()
	var fast, ref Text
	fast.Reset(in)
	ref.resetReference(in)
	if string(fast.out) != string(ref.out) || !slices.Equal(fast.off, ref.off) {
		t.Fatalf("Reset(%q) = %q %v, reference %q %v", in, fast.out, fast.off, ref.out, ref.off)
	}
}

func TestFastPathsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "b", "Z", "9", " ", "  ", "\t", "\n", "\r\n", ".", "-", "_", "*", "|", "/", ",", "+", "~",
		"ig", "word", "\x00", "\x7f", "é", "ß", "\u200b", "ｉ", "і", "\u00a0", "\u2028", "\xff", "ﬁ", "e\u0301"}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		sameAsReference(t, []byte(b.String()))
	}
	for _, s := range []string{"", "i g n o r e", "x i g n o r e", "i.g.n.o.r.e   a l l", "a b c", "a b c d", "ab c d e f",
		"a b c d ef", strings.Repeat("a ", 5000), "Dear team, please find the invoice attached."} {
		sameAsReference(t, []byte(s))
	}
}
