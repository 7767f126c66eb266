package injection

import (
	"bytes"
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// Hidden payloads: runs of base64, hex, URL-encoding and rot13 embedded in
// a text are decoded, and what they decode to is screened like the text
// itself, recursively up to maxDepth ("base64 inside base64"). Every scan
// is a single pass; decoded text is never longer than its source (rot13
// keeps the length and is not applied twice), and the number of payloads
// is capped, so the total work stays linear in the input.
const (
	maxDepth    = 3
	maxPayloads = 64
	minBase64   = 20 // characters
	minHex      = 16 // digits
	minEscapes  = 3  // %XX escapes in one URL-encoded run
)

// payload is text found hidden inside content.
type payload struct {
	kind       string // "base64", "hex", "url", "rot13", "html-comment", "html-hidden"
	text       []byte
	start, end int // span in the top-level original text
	depth      int
}

// extractor collects payloads; it is reused through the detector's pool.
type extractor struct {
	out []payload
	buf []byte // backing store for decoded text
}

func (x *extractor) reset() {
	x.out = x.out[:0]
	x.buf = x.buf[:0]
}

func (x *extractor) full() bool { return len(x.out) >= maxPayloads }

// add records a decoded payload. text must not alias x.buf's spare
// capacity; it is copied.
func (x *extractor) add(kind string, text []byte, start, end, depth int) {
	if x.full() {
		return
	}
	off := len(x.buf)
	x.buf = append(x.buf, text...)
	x.out = append(x.out, payload{kind: kind, text: x.buf[off:len(x.buf):len(x.buf)], start: start, end: end, depth: depth})
}

// extract finds payloads in s (the original text) and, recursively, in
// what they decode to. base is the offset of s in the top-level text, or
// -1 when s is itself decoded text (then spans are inherited).
func (x *extractor) extract(s []byte, start, end, depth int, html bool) {
	if depth > maxDepth || x.full() {
		return
	}
	first := len(x.out)
	pos := func(i, j int) (int, int) {
		if depth == 0 {
			return i, j
		}
		return start, end
	}
	if html && depth == 0 {
		x.hiddenHTML(s)
	}
	x.encodedRuns(s, depth, pos)
	x.urlRuns(s, depth, pos)
	x.rot13Lines(s, depth, pos)
	last := len(x.out)
	for i := first; i < last && !x.full(); i++ {
		p := x.out[i]
		if p.kind == "rot13" && depth > 0 {
			continue
		}
		x.extract(p.text, p.start, p.end, depth+1, false)
	}
}

// encodedRuns finds runs of base64-alphabet characters and decodes them as
// hex when they are all hex digits, else as base64.
func (x *extractor) encodedRuns(s []byte, depth int, pos func(i, j int) (int, int)) {
	var tmp [512]byte
	for i := 0; i < len(s); {
		if b64Class[s[i]] == 0 && s[i] != '=' { // not b64Char, by table
			i++
			continue
		}
		j := i
		all := uint8(b64Hex) // the classes every byte of the run has
		for ; j < len(s); j++ {
			cl := b64Class[s[j]]
			if cl == 0 {
				break
			}
			all &= cl
		}
		hex := all&b64Hex != 0
		run := s[i:j]
		for j < len(s) && s[j] == '=' { // padding ends a run
			j++
		}
		var dec []byte
		switch {
		case hex && len(run) >= minHex:
			dec = decodeHex(tmp[:0], run)
		case len(run) >= minBase64:
			dec = decodeBase64(tmp[:0], run)
		}
		if len(dec) > 0 && printable(dec) {
			a, b := pos(i, j)
			x.add(kindOf(hex), dec, a, b, depth+1)
		}
		i = max(j, i+1)
	}
}

func kindOf(hex bool) string {
	if hex {
		return "hex"
	}
	return "base64"
}

// b64Class has b64Run for the bytes a base64 run is made of (b64Char
// but '=', which ends a run) and b64Hex for the hex digits among them.
var b64Class = func() (t [256]uint8) {
	for c := range 256 {
		if b64Char(byte(c)) && c != '=' {
			t[c] = b64Run
			if hexDigit(byte(c)) {
				t[c] |= b64Hex
			}
		}
	}
	return t
}()

const (
	b64Run = 1 << iota
	b64Hex
)

func b64Char(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '+' || c == '/' || c == '=' || c == '-' || c == '_'
}

func hexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func decodeHex(dst, run []byte) []byte {
	for k := 0; k+1 < len(run); k += 2 {
		dst = append(dst, unhex(run[k])<<4|unhex(run[k+1]))
	}
	return dst
}

func decodeBase64(dst, run []byte) []byte {
	for len(run) > 0 && run[len(run)-1] == '=' {
		run = run[:len(run)-1]
	}
	if len(run)%4 == 1 {
		run = run[:len(run)-1]
	}
	enc := base64.RawStdEncoding
	for _, c := range run {
		if c == '-' || c == '_' {
			enc = base64.RawURLEncoding
			break
		}
	}
	n := enc.DecodedLen(len(run))
	if cap(dst) < n {
		dst = make([]byte, 0, n)
	}
	dst = dst[:n]
	m, err := enc.Decode(dst, run)
	if err != nil {
		return nil
	}
	return dst[:m]
}

// printable reports whether b looks like text: valid UTF-8, no control
// characters but blanks, and at least half letters and digits.
func printable(b []byte) bool {
	if len(b) < 6 || !utf8.Valid(b) {
		return false
	}
	var letters, bad int
	for _, c := range b {
		switch {
		case 'a' <= c|0x20 && c|0x20 <= 'z', '0' <= c && c <= '9':
			letters++
		case c == '\n' || c == '\r' || c == '\t' || c >= ' ' && c < 0x7f || c >= 0x80:
		default:
			bad++
		}
	}
	return bad == 0 && letters*2 >= len(b)
}

// urlRuns decodes blank-free runs that contain at least minEscapes %XX
// escapes, or some %XX escapes and enough '+' (encoded spaces).
func (x *extractor) urlRuns(s []byte, depth int, pos func(i, j int) (int, int)) {
	var tmp [512]byte
	for i := 0; i < len(s); {
		// only a run with a '%' can have escapes: go to the next one and
		// back to the start of its run (i is at a run boundary)
		p := bytes.IndexByte(s[i:], '%')
		if p < 0 {
			return
		}
		for i += p; i > 0 && !blank(s[i-1]); i-- {
		}
		j, esc, plus := i, 0, 0
		for ; j < len(s) && !blank(s[j]); j++ {
			switch {
			case s[j] == '%' && j+2 < len(s) && hexDigit(s[j+1]) && hexDigit(s[j+2]):
				esc++
			case s[j] == '+':
				plus++
			}
		}
		if esc >= minEscapes || esc > 0 && esc+plus >= minEscapes {
			dec := unescapeURL(tmp[:0], s[i:j])
			if printable(dec) {
				a, b := pos(i, j)
				x.add("url", dec, a, b, depth+1)
			}
		}
		i = j
	}
}

func blank(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func unescapeURL(dst, run []byte) []byte {
	for k := 0; k < len(run); k++ {
		c := run[k]
		switch {
		case c == '%' && k+2 < len(run) && hexDigit(run[k+1]) && hexDigit(run[k+2]):
			dst = append(dst, unhex(run[k+1])<<4|unhex(run[k+2]))
			k += 2
		case c == '+', c == '?', c == '&', c == '=', c == '#':
			// an encoded space, or the query's structure: the words of
			// a value are not glued to its name ("q=Ignore")
			dst = append(dst, ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// rot13Lines decodes lines whose words are mostly common English words
// once rot13 is applied, and rarely before.
func (x *extractor) rot13Lines(s []byte, depth int, pos func(i, j int) (int, int)) {
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] != '\n' {
			j++
		}
		if rot13Line(s[i:j]) {
			x.addRot13(s[i:j])
			a, b := pos(i, j)
			p := &x.out[len(x.out)-1]
			p.start, p.end, p.depth = a, b, depth+1
		}
		i = j + 1
	}
}

func (x *extractor) addRot13(line []byte) {
	var tmp [512]byte
	dec := tmp[:0]
	for _, c := range line {
		dec = append(dec, rot13(c))
	}
	x.add("rot13", dec, 0, 0, 0)
}

func rot13(c byte) byte {
	switch {
	case 'a' <= c && c <= 'z':
		return 'a' + (c-'a'+13)%26
	case 'A' <= c && c <= 'Z':
		return 'A' + (c-'A'+13)%26
	}
	return c
}

// rot13Line counts words that are common English words in rot13 form
// ("gur" for "the") and in plain form. The plain ones only matter once
// enough rot13 words are found, so most lines are read once, and a word
// whose first letter and length no rot13 word has is not looked up.
func rot13Line(line []byte) bool {
	var w [16]byte
	n, rot := 0, 0
	for i, j := nextLetters(line, 0); i < len(line); i, j = nextLetters(line, j) {
		n++
		if j-i >= len(w) || rot13Shapes[line[i]]&(1<<(j-i)) == 0 {
			continue
		}
		if wd, ok := lowerWord(&w, line[i:j]); ok && rot13Word(wd) && !commonWord(wd) {
			rot++
		}
	}
	if n < 3 || rot < 2 || rot*4 < n {
		return false
	}
	plain := 0
	for i, j := nextLetters(line, 0); i < len(line); i, j = nextLetters(line, j) {
		if wd, ok := lowerWord(&w, line[i:j]); ok && commonWord(wd) {
			plain++
		}
	}
	return rot > 2*plain
}

// nextLetters returns the next word of line at or after byte i: a run
// of ASCII letters [start, end); start is len(line) when there is none.
func nextLetters(line []byte, i int) (start, end int) {
	for i < len(line) && !asciiLetter[line[i]] {
		i++
	}
	j := i
	for j < len(line) && asciiLetter[line[j]] {
		j++
	}
	return i, j
}

// lowerWord copies word, lower-cased, to w; ok is false when it does not
// fit (no listed word is that long).
func lowerWord(w *[16]byte, word []byte) (_ []byte, ok bool) {
	if len(word) > len(w) {
		return nil, false
	}
	for m, c := range word {
		w[m] = c | 0x20
	}
	return w[:len(word)], true
}

// asciiLetter reports the ASCII letters.
var asciiLetter = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c|0x20 && c|0x20 <= 'z'
	}
	return t
}()

// commonWords are the words rot13Line looks for, plain and in rot13
// form: common English words and words of instructions.
var commonWords = strings.Fields("the and you your to of is are all this that for with now please " +
	"ignore previous instructions send system prompt it in on be not what have from")

// plainWords and rot13Words are commonWords and their rot13 forms;
// rot13Shapes[c] has bit n set when a rot13 word of n letters starts
// with c, in either case.
var (
	plainWords, rot13Words = newWordSet(commonWords, false), newWordSet(commonWords, true)
	rot13Shapes            = func() (t [256]uint16) {
		for _, w := range commonWords {
			c := rot13(w[0])
			t[c] |= 1 << len(w)
			t[c&^0x20] |= 1 << len(w)
		}
		return t
	}()
)

// newWordSet returns a set of words, as a lexTable, rot13-encoded first
// when rot is true.
func newWordSet(words []string, rot bool) lexTable {
	m := make(map[string]uint32, len(words))
	for _, w := range words {
		if rot {
			b := []byte(w)
			for i, c := range b {
				b[i] = rot13(c)
			}
			w = string(b)
		}
		m[w] = 1
	}
	return newLexTable(m)
}

// commonWord reports whether lower-case w is one of commonWords.
func commonWord(w []byte) bool { return plainWords.lookup(w, wordHash(w)) != 0 }

// rot13Word reports whether lower-case w is one of commonWords in rot13.
func rot13Word(w []byte) bool { return rot13Words.lookup(w, wordHash(w)) != 0 }
