package injection

import "math/bits"

// lexTable maps words to class bits — the lexicon, and the small word
// sets of the rot13 check — as an open-addressing hash table with linear
// probing. It is looked up by a word's bytes and their wordHash
// (FNV-1a), which wordCounts.count computes while it scans the text: no
// string is made and no map hashes the word again.
type lexTable struct {
	slots []lexSlot // a power of two of them, at most half full
	mask  uint32
}

// lexSlot holds one word; an empty word marks a free slot.
type lexSlot struct {
	hash uint32
	cls  uint32
	word string
}

// newLexTable returns a table of the words of m (none of them empty)
// with their classes.
func newLexTable(m map[string]uint32) lexTable {
	n := 1 << bits.Len(uint(2*len(m)))
	t := lexTable{slots: make([]lexSlot, n), mask: uint32(n - 1)}
	for w, cls := range m {
		h := wordHash([]byte(w))
		i := t.home(h)
		for t.slots[i].word != "" {
			i = (i + 1) & t.mask
		}
		t.slots[i] = lexSlot{h, cls, w}
	}
	return t
}

// home is the first slot probed for hash h; the low bits of FNV mix
// poorly, so the high ones are folded in.
func (t *lexTable) home(h uint32) uint32 { return (h ^ h>>16) & t.mask }

// lookup returns the classes of word w, whose wordHash is h (0 when w is
// not in the lexicon).
func (t *lexTable) lookup(w []byte, h uint32) uint32 {
	for i := t.home(h); ; i = (i + 1) & t.mask {
		sl := &t.slots[i]
		if sl.word == "" {
			return 0
		}
		if sl.hash == h && sl.word == string(w) {
			return sl.cls
		}
	}
}
