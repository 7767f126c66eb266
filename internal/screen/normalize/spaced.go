package normalize

// joinSpaced joins runs of at least minSpaced single letters separated by
// one separator ("i g n o r e", "i.g.n.o.r.e", "i-g-n-o-r-e"). Where the
// original gap between two letters is wider than the run's narrowest gap
// ("i g n o r e   a l l") a space is kept, so words stay apart.
func (t *Text) joinSpaced() {
	out, off := t.out, t.off
	i := nextRun(out, 0)
	if i == len(out) {
		return // the common case: nothing to join, nothing to copy
	}
	t.out2 = append(t.out2[:0], out[:i]...)
	t.off2 = append(t.off2[:0], off[:i]...)
	for i < len(out) {
		end, _ := spacedRun(out, i)
		t.emitRun(i, end)
		i = end + 1
		j := nextRun(out, i)
		t.out2 = append(t.out2, out[i:j]...)
		t.off2 = append(t.off2, off[i:j]...)
		i = j
	}
	t.out, t.out2 = t.out2, t.out
	t.off, t.off2 = t.off2, t.off
}

// nextRun returns the start of the first spaced run of minSpaced letters
// or more at or after i, or len(out). Such a run starts with a letter
// standing alone, so other bytes are passed over with one table lookup.
func nextRun(out []byte, i int) int {
	for ; i < len(out); i++ {
		if class[out[i]]&classLetter == 0 {
			continue
		}
		if i+1 < len(out) && class[out[i+1]]&classWord != 0 || i > 0 && class[out[i-1]]&classWord != 0 {
			continue
		}
		if _, count := spacedRun(out, i); count >= minSpaced {
			return i
		}
	}
	return len(out)
}

// class holds classLetter and classWord for each byte (letter, wordByte).
var class = func() (c [256]uint8) {
	for b := range 256 {
		if letter(byte(b)) {
			c[b] |= classLetter
		}
		if wordByte(byte(b)) {
			c[b] |= classWord
		}
	}
	return c
}()

const (
	classLetter = 1 << iota
	classWord
)

const minSpaced = 4

// spacedRun returns the index of the last letter of a spaced run starting
// at i and the number of letters in it (0 when i starts none).
func spacedRun(out []byte, i int) (last, count int) {
	if i > 0 && wordByte(out[i-1]) {
		return i, 0
	}
	last = i
	for j := i; j < len(out) && single(out, j); j += 2 {
		last = j
		count++
		if j+2 >= len(out) || !separator(out[j+1]) || !letter(out[j+2]) {
			break
		}
	}
	return last, count
}

func (t *Text) emitRun(start, last int) {
	out, off := t.out, t.off
	gap := int32(1 << 30)
	for j := start; j+2 <= last; j += 2 {
		gap = min(gap, off[j+2]-off[j])
	}
	for j := start; j <= last; j += 2 {
		if j > start && off[j]-off[j-2] > gap {
			t.out2 = append(t.out2, ' ')
			t.off2 = append(t.off2, off[j-1])
		}
		t.out2 = append(t.out2, out[j])
		t.off2 = append(t.off2, off[j])
	}
}

// single reports whether out[j] is a letter standing alone.
func single(out []byte, j int) bool {
	return letter(out[j]) && (j+1 == len(out) || !wordByte(out[j+1])) && (j == 0 || !wordByte(out[j-1]))
}

func letter(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

func wordByte(c byte) bool { return letter(c) || c >= 0x80 }

func separator(c byte) bool {
	switch c {
	case ' ', '.', '-', '_', '*', '|', '/', ',', '+', '~':
		return true
	}
	return false
}
