package injection

import "slices"

// Topic-shift features. A task slipped into a document ("what are the
// causes of inflation?" in a shipping notice) is unrelated to the rest of
// it, while the requests that belong in the document ("can you confirm the
// delivery date?") reuse its words. For every sentence of a document the
// featurizer counts the sentence's content words and how many of them
// occur at least twice in the whole text, buckets that overlap, and emits
// the bucket alone and paired with the sentence's first word and first two
// words, so the model can learn "a question that shares nothing with its
// document".

// wordCounts counts the content words of one text in an open-addressing
// table that is reused from call to call. Counting finds every word of the
// text, so it also keeps each word's span and hash for words.
type wordCounts struct {
	keys  []uint32 // 0 = empty
	vals  []uint16
	mask  uint32
	words []uint32 // contentWord hash of each word of the text in order, 0 if none
	hash  []uint32 // wordHash of each word
	spans []int32  // start and end of each word, two entries a word
}

// count resets the table and counts the content words of s.
func (wc *wordCounts) count(s []byte) {
	size := 16
	for size < len(s)/3+16 {
		size <<= 1
	}
	wc.keys = slices.Grow(wc.keys[:0], size)[:size]
	wc.vals = slices.Grow(wc.vals[:0], size)[:size]
	clear(wc.keys)
	clear(wc.vals)
	wc.mask = uint32(size - 1)
	wc.words, wc.hash, wc.spans = wc.words[:0], wc.hash[:0], wc.spans[:0]
	for i := 0; i < len(s); {
		if !wordTable[s[i]] {
			i++
			continue
		}
		// the hashes of the word and of its first n-1 and n-2 bytes, in
		// the one pass that finds its end
		j, full, h1, h2, kinds := i, uint32(fnvOffset), uint32(fnvOffset), uint32(fnvOffset), uint8(0)
		for j < len(s) && wordKinds[s[j]] != 0 {
			kinds |= wordKinds[s[j]]
			full, h1, h2 = (full^uint32(s[j]))*fnvPrime, full, h1
			j++
		}
		h, ok := contentHash(s[i:j], full, h1, h2, kinds&wordDigit != 0)
		if ok {
			k := wc.slot(h)
			wc.keys[k] = h
			wc.vals[k] = min(wc.vals[k]+1, 1<<15)
		}
		wc.words = append(wc.words, h)
		wc.hash = append(wc.hash, full)
		wc.spans = append(wc.spans, int32(i), int32(j))
		i = j
	}
}

// wordTable[c] is wordByte(c).
var wordTable = func() (t [256]bool) {
	for c := range 256 {
		t[c] = wordByte(byte(c))
	}
	return t
}()

// wordKinds[c] has wordLetter for the bytes of words (wordByte) and
// wordDigit too for the digits among them.
var wordKinds = func() (t [256]uint8) {
	for c := range 256 {
		if wordByte(byte(c)) {
			t[c] = wordLetter
			if '0' <= c && c <= '9' {
				t[c] |= wordDigit
			}
		}
	}
	return t
}()

const (
	wordLetter = 1 << iota
	wordDigit
)

// contentHash returns what contentWord(w) returns, from the hashes
// (wordHash) of w and of its first n-1 and n-2 bytes, which count
// computes as it scans w, and whether w has a digit: the hash of the stem
// is the hash of a prefix.
func contentHash(w []byte, h, h1, h2 uint32, digits bool) (uint32, bool) {
	n := len(w)
	if n < 5 || digits {
		return 0, false
	}
	st := h // stem, as stem cuts it
	if w[n-1] == 's' {
		st = h1
		if w[n-2] == '\'' {
			st = h2
		}
	}
	if stopWords.has(st) {
		return 0, false
	}
	return st | 1, true
}

// slot returns the slot of h: where it is, or the empty slot where it
// belongs. The table has more slots than the text can have words, so
// the probe ends.
func (wc *wordCounts) slot(h uint32) uint32 {
	k := h & wc.mask
	for wc.keys[k] != 0 && wc.keys[k] != h {
		k = (k + 1) & wc.mask
	}
	return k
}

func (wc *wordCounts) get(h uint32) uint16 { return wc.vals[wc.slot(h)] }

// contentWord returns the hash of w (a trailing s or 's stripped) when w
// is a content word: five letters or more, no digits, not a stop word.
// The hash is never 0.
func contentWord(w []byte) (uint32, bool) {
	if len(w) < 5 {
		return 0, false
	}
	for _, c := range w {
		if '0' <= c && c <= '9' {
			return 0, false
		}
	}
	h := wordHash(stem(w))
	if stopWords.has(h) {
		return 0, false
	}
	return h | 1, true
}

// stem strips a trailing s or 's, so "charges" matches "charge".
func stem(w []byte) []byte {
	if n := len(w); n > 1 && w[n-1] == 's' {
		w = w[:n-1]
		if n := len(w); n > 1 && w[n-1] == '\'' {
			w = w[:n-1]
		}
	}
	return w
}

// wordHash is the FNV-1a hash of w, as words computes it.
func wordHash(w []byte) uint32 {
	h := uint32(fnvOffset)
	for _, c := range w {
		h = (h ^ uint32(c)) * fnvPrime
	}
	return h
}

// stopWords are frequent words of five letters or more that say nothing
// about a sentence's topic, hashed as contentWord hashes them.
var stopWords = func() *hashSet {
	var ws []string
	for _, w := range []string{
		"about", "above", "after", "again", "against", "always", "another",
		"anything", "around", "because", "before", "being", "below", "between",
		"cannot", "could", "doing", "during", "email", "every", "everything",
		"first", "further", "great", "having", "hello", "however", "least",
		"maybe", "might", "never", "other", "please", "really",
		"regard", "shall", "should", "since", "something", "still", "thank",
		"thing", "there", "their", "these", "those", "through", "today",
		"under", "until", "where", "whether", "which", "while", "whose",
		"within", "without", "would", "you'll", "you're", "yourself",
		"they're", "we're", "don't", "can't", "won't", "isn't", "doesn't",
	} {
		ws = append(ws, string(stem([]byte(w))))
	}
	return newHashSet(ws...)
}()

// hashSet is a set of word hashes, an open-addressing table with at most
// a quarter of its slots used: a lookup is a load or two, no map hashing.
type hashSet struct {
	slots []uint32 // 0 = empty
	mask  uint32
}

// newHashSet returns the set of the wordHash of each of ws.
func newHashSet(ws ...string) *hashSet {
	size := 16
	for size < 4*len(ws) {
		size <<= 1
	}
	hs := &hashSet{slots: make([]uint32, size), mask: uint32(size - 1)}
	for _, w := range ws {
		h := hash(w)
		if h == 0 {
			panic("hashSet: a word hashes to 0")
		}
		k := hs.home(h)
		for hs.slots[k] != 0 && hs.slots[k] != h {
			k = (k + 1) & hs.mask
		}
		hs.slots[k] = h
	}
	return hs
}

func (hs *hashSet) home(h uint32) uint32 { return (h ^ h>>16) & hs.mask }

// has reports whether h is in the set.
func (hs *hashSet) has(h uint32) bool {
	for k := hs.home(h); hs.slots[k] != 0; k = (k + 1) & hs.mask {
		if hs.slots[k] == h {
			return true
		}
	}
	return false
}

// sentence accumulates the content words of one sentence.
type sentence struct {
	n, shared int
	question  bool
	end       int32 // end of the last word
	words     int   // words so far
	yourAt    int   // words at the last "your" (or "deine", "ihre"), 0 if none
	outRef    bool  // the sentence refers to the reader's output
	// word classes (classes.go): of the first leadWords words, of all
	// words so far, and whether classes has seen outRef
	lead, seen uint16
	outSeen    bool
}

// Word hashes for refersToOutput.
var (
	hashesYour   = newHashSet("your", "deine", "deiner", "ihre", "ihrer", "votre", "tu")
	hashesOutput = newHashSet("answer", "answers", "response", "responses", "reply", "replies", "output",
		"summary", "antwort", "antworten", "ausgabe", "zusammenfassung", "reponse", "respuesta")
)

func hash(w string) uint32 { return wordHash([]byte(w)) }

// refersToOutput records word h (words must call it for every word after
// add) and reports whether it is an output noun at most two words after
// "your": "your answer", "your final reply", "ihre antwort".
func (st *sentence) refersToOutput(h uint32) bool {
	if hashesYour.has(h) {
		st.yourAt = st.words
		return false
	}
	return st.yourAt > 0 && st.words-st.yourAt <= 2 && hashesOutput.has(h)
}

// add records the next word of the sentence, the k-th of the text (as
// wc.count saw it), which ends at end.
func (st *sentence) add(wc *wordCounts, k int, end int32) {
	st.end = end
	st.words++
	h := wc.words[k]
	if h == 0 {
		return
	}
	st.n++
	if wc.get(h) >= 2 {
		st.shared++
	}
}

// Overlap buckets of a sentence with its document.
const (
	shiftNovel   = 1 // no content word occurs elsewhere
	shiftMostly  = 2 // fewer than half do
	shiftRelated = 3 // half or more do
)

// bucket returns the sentence's overlap bucket, 0 when it has fewer than
// two content words (too few to judge).
func (st *sentence) bucket() uint32 {
	switch {
	case st.n < 2:
		return 0
	case st.shared == 0:
		return shiftNovel
	case 2*st.shared < st.n:
		return shiftMostly
	}
	return shiftRelated
}

// shift appends the topic-shift features of the finished sentence st,
// whose first word hashes to first and first two words to second.
func (st *sentence) shift(dst []feature, first, second uint32) []feature {
	b := st.bucket()
	if b == 0 {
		return dst
	}
	dst = append(dst, feature{mix(b, 40), st.end})
	dst = structural(dst, mix(first*7+b, 41), st.end)
	if second != 0 {
		dst = structural(dst, mix(second*7+b, 42), st.end)
	}
	if st.question {
		dst = structural(dst, mix(first*7+b, 43), st.end)
	}
	if st.lead != 0 {
		dst = structural(dst, mix(uint32(st.lead)*7+b, 49), st.end)
	}
	return dst
}
