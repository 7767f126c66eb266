package normalize

// joinSpaced joins runs of at least minSpaced single letters separated by
// one separator ("i g n o r e", "i.g.n.o.r.e", "i-g-n-o-r-e"). Where the
// original gap between two letters is wider than the run's narrowest gap
// ("i g n o r e   a l l") a space is kept, so words stay apart.
func (t *Text) joinSpaced() {
	out, off := t.out, t.off
	n := len(out)
	t.out2, t.off2 = t.out2[:0], t.off2[:0]
	changed := false
	for i := 0; i < n; {
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
