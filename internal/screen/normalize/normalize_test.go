package normalize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"ascii", "Ignore Previous Instructions", "ignore previous instructions"},
		{"zero-width", "ig\u200bno\u200cre pre\u200dvious\u2060 in\ufeffstructions", "ignore previous instructions"},
		{"bidi", "\u202eignore\u202c \u2066previous\u2069 instructions", "ignore previous instructions"},
		{"homoglyph cyrillic", "іgnоrе рrеvіоus іnstruсtіоns", "ignore previous instructions"},
		{"homoglyph greek", "ΙGΝΟRΕ ΑLL", "ignore all"},
		{"fullwidth", "ＩＧＮＯＲＥ　ｐｒｅｖｉｏｕｓ", "ignore previous"},
		{"math alphanumeric", "𝐢𝐠𝐧𝐨𝐫𝐞 𝓹𝓻𝓮𝓿𝓲𝓸𝓾𝓼", "ignore previous"},
		{"combining marks", "i\u0307gno\u0301re", "ignore"},
		{"ligature", "ﬁle", "file"},
		{"spaced letters", "i g n o r e   p r e v i o u s instructions", "ignore previous instructions"},
		{"dotted letters", "please i.g.n.o.r.e this", "please ignore this"},
		{"short spaced run kept", "a b c", "a b c"},
		{"blank runs", "  a\t\t b \r\n\n c  ", "a b\nc"},
		{"control chars", "a\x00b\x07c", "abc"},
		{"invalid utf8", "ab\xffcd", "ab\ufffdcd"},
		{"german", "Vergiß ÄLLES", "vergiss alles"},
		{"tag characters", "hi\U000E0069\U000E0067", "hi"},
		{"soft hyphen", "ig\u00adnore", "ignore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSpan(t *testing.T) {
	src := "Hello ＩＧＮＯＲＥ\u200b all"
	var tx Text
	tx.Reset([]byte(src))
	got := string(tx.Bytes())
	i := strings.Index(got, "ignore")
	if i < 0 {
		t.Fatalf("normalized %q has no ignore", got)
	}
	s, e := tx.Span(i, i+len("ignore"))
	if want := "ＩＧＮＯＲＥ"; src[s:e] != want {
		t.Errorf("span = %q, want %q", src[s:e], want)
	}
	j := strings.Index(got, "all")
	s, e = tx.Span(j, j+3)
	if src[s:e] != "all" {
		t.Errorf("span = %q, want all", src[s:e])
	}
}

func TestSpanSpaced(t *testing.T) {
	src := "xx i g n o r e yy"
	var tx Text
	tx.Reset([]byte(src))
	if got := string(tx.Bytes()); got != "xx ignore yy" {
		t.Fatalf("got %q", got)
	}
	s, e := tx.Span(3, 9)
	if src[s:e] != "i g n o r e" {
		t.Errorf("span = %q", src[s:e])
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "a", "i g n o r e", "\xff\xfe", "ＩＧ\u200b", "a  b\n\nc", "ß\u0307"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var tx Text
		tx.Reset(in)
		out := tx.Bytes()
		if !utf8.Valid(out) {
			t.Fatalf("output %q is not valid UTF-8", out)
		}
		if len(tx.off) != len(out) {
			t.Fatalf("offsets %d != bytes %d", len(tx.off), len(out))
		}
		for i := range out {
			s, e := tx.Span(i, i+1)
			if s < 0 || e > len(in) || s >= e {
				t.Fatalf("span(%d) = [%d,%d) outside %d bytes", i, s, e, len(in))
			}
		}
		sameAsReference(t, in)
		var again Text
		again.Reset(in)
		if string(again.Bytes()) != string(out) {
			t.Fatal("normalization is not deterministic")
		}
	})
}

func BenchmarkNormalize4KiB(b *testing.B) {
	msg := []byte(strings.Repeat("Dear team, please find the invoice for March attached. ", 80)[:4096])
	var tx Text
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		tx.Reset(msg)
	}
}
