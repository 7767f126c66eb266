// Package normalize folds text into the canonical form the prompt-injection
// detector reads: Unicode NFKC (applied code point by code point), combining
// marks, zero-width and bidi-control characters removed, common confusables
// (Cyrillic, Greek, fullwidth, mathematical alphanumerics) folded to ASCII,
// lower case, runs of blanks collapsed, and spaced-out letters
// ("i g n o r e", "i.g.n.o.r.e") joined.
//
// Every output byte remembers the offset of the input code point it came
// from, so findings on the normalized text can be reported as spans of the
// original bytes:
//
//	var t normalize.Text
//	t.Reset([]byte("Ｉｇｎｏｒｅ\u200b previous"))
//	// t.Bytes() == "ignore previous"; t.Span(0, 6) == [0, 21)
//
// Invalid UTF-8 is replaced by U+FFFD. The work is linear in the input.
package normalize

import (
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text is normalized text with a map back to the original bytes. The zero
// value is ready to use; reuse a Text to avoid allocation.
type Text struct {
	src []byte
	out []byte
	off []int32 // off[i]: offset in src of the code point that produced out[i]
	// scratch for the second pass
	out2 []byte
	off2 []int32
	rb   [utf8.UTFMax * 4]byte
}

// Bytes returns the normalized text. It is valid until the next Reset.
func (t *Text) Bytes() []byte { return t.out }

// Source returns the original text given to Reset.
func (t *Text) Source() []byte { return t.src }

// Span maps the normalized range [start, end) back to the original text.
func (t *Text) Span(start, end int) (int, int) {
	if len(t.out) == 0 || start >= end {
		return 0, 0
	}
	start = max(0, min(start, len(t.out)-1))
	end = max(start+1, min(end, len(t.out)))
	s := int(t.off[start])
	e := int(t.off[end-1])
	_, size := utf8.DecodeRune(t.src[e:])
	return s, e + size
}

// String normalizes s and returns the result; a convenience for tests and
// callers that do not need offsets.
func String(s string) string {
	var t Text
	t.Reset([]byte(s))
	return string(t.out)
}

// Reset normalizes src into t. t keeps a reference to src.
func (t *Text) Reset(src []byte) {
	t.src = src
	t.out = t.out[:0]
	t.off = t.off[:0]
	space := true // at start: drop leading blanks
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			if plain[c] != 0 || c == ' ' && !space {
				i, space = t.plainRun(src, i, space)
				continue
			}
			i++
			space = t.ascii(c, int32(i-1), space)
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		space = t.rune(r, int32(i), space)
		i += size
	}
	t.trimSpace()
	t.joinSpaced()
}

// ascii appends one ASCII byte; it reports whether the output now ends in
// a blank.
func (t *Text) ascii(c byte, at int32, space bool) bool {
	switch {
	case c == '\n' || c == '\r' || c == '\v' || c == '\f':
		return t.blank('\n', at, space)
	case c == ' ' || c == '\t':
		return t.blank(' ', at, space)
	case c < ' ' || c == 0x7f:
		return space // control characters vanish
	case 'A' <= c && c <= 'Z':
		c += 'a' - 'A'
	}
	t.out = append(t.out, c)
	t.off = append(t.off, at)
	return false
}

// plain maps the printable ASCII bytes other than the space to their
// lower case, and every other byte to 0.
var plain = func() (p [256]byte) {
	for c := '!'; c <= '~'; c++ {
		p[c] = byte(unicode.ToLower(c))
	}
	return p
}()

// plainRun appends the run of printable ASCII bytes and single spaces
// that starts at src[i], as ascii would one by one, and returns the
// index after it and whether the output now ends in a blank.
func (t *Text) plainRun(src []byte, i int, space bool) (int, bool) {
	n, run := len(t.out), src[i:]
	t.out, t.off = slices.Grow(t.out, len(run)), slices.Grow(t.off, len(run))
	out, off := t.out[n:n+len(run)], t.off[n:n+len(run)]
	off = off[:len(out)]
	k := 0 // each byte of the run is one byte of output
	for ; k < len(out); k++ {
		c := run[k]
		if lc := plain[c]; lc != 0 {
			out[k], space = lc, false
		} else if c == ' ' && !space {
			out[k], space = ' ', true
		} else {
			break
		}
		off[k] = int32(i + k)
	}
	t.out, t.off = t.out[:n+k], t.off[:n+k]
	return i + k, space
}

// blank appends a collapsed blank: a run of blanks becomes one byte, a
// newline if the run contained one.
func (t *Text) blank(c byte, at int32, space bool) bool {
	if space {
		if c == '\n' && len(t.out) > 0 && t.out[len(t.out)-1] == ' ' {
			t.out[len(t.out)-1] = '\n'
		}
		return true
	}
	t.out = append(t.out, c)
	t.off = append(t.off, at)
	return true
}

// rune appends the folded form of one non-ASCII code point.
func (t *Text) rune(r rune, at int32, space bool) bool {
	if unicode.IsSpace(r) {
		if r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return t.blank('\n', at, space)
		}
		return t.blank(' ', at, space)
	}
	if invisible(r) {
		return space
	}
	if a, ok := confusable(r); ok {
		return t.ascii(a, at, space)
	}
	if r == 'ß' || r == 'ẞ' {
		t.ascii('s', at, space)
		return t.ascii('s', at, false)
	}
	n := utf8.EncodeRune(t.rb[:utf8.UTFMax], r)
	dec := norm.NFKD.Append(t.rb[utf8.UTFMax:utf8.UTFMax], t.rb[:n]...)
	for j := 0; j < len(dec); {
		d, size := utf8.DecodeRune(dec[j:])
		j += size
		switch {
		case d < utf8.RuneSelf:
			space = t.ascii(byte(d), at, space)
		case invisible(d) || unicode.Is(unicode.Mn, d):
			// combining marks are dropped so accents cannot split words
		default:
			if a, ok := confusable(d); ok {
				space = t.ascii(a, at, space)
				continue
			}
			if unicode.IsSpace(d) {
				space = t.blank(' ', at, space)
				continue
			}
			d = unicode.ToLower(d)
			k := len(t.out)
			t.out = utf8.AppendRune(t.out, d)
			for ; k < len(t.out); k++ {
				t.off = append(t.off, at)
			}
			space = false
		}
	}
	return space
}

func (t *Text) trimSpace() {
	for len(t.out) > 0 && (t.out[len(t.out)-1] == ' ' || t.out[len(t.out)-1] == '\n') {
		t.out = t.out[:len(t.out)-1]
		t.off = t.off[:len(t.off)-1]
	}
}

// invisible reports code points that render as nothing: zero-width
// characters, bidi controls, the BOM, soft hyphens, variation selectors,
// tag characters and other format controls.
func invisible(r rune) bool {
	switch {
	case r == 0xAD, r == 0x034F, r == 0x061C, r == 0x115F, r == 0x1160,
		r == 0x17B4, r == 0x17B5, r == 0x180E, r == 0x3164, r == 0xFEFF, r == 0xFFA0:
		return true
	case 0x200B <= r && r <= 0x200F, // zero-width space/joiners, LRM, RLM
		0x202A <= r && r <= 0x202E,   // bidi embeddings and overrides
		0x2060 <= r && r <= 0x206F,   // word joiner, invisible operators, bidi isolates
		0xFE00 <= r && r <= 0xFE0F,   // variation selectors
		0xE0000 <= r && r <= 0xE007F, // tag characters
		0xE0100 <= r && r <= 0xE01EF:
		return true
	case r == utf8.RuneError:
		return false
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cc, r)
}
