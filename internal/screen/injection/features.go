package injection

import "math"

// Feature hashing. A text (already normalized) is turned into hashed
// features: character 3-, 4- and 5-grams and word unigrams and bigrams,
// each placed at the byte where it ends so that a window of the text can
// be scored from prefix sums. Training and scoring share this code.
const (
	hashBits = 18
	hashMask = 1<<hashBits - 1

	// window and stride, in bytes of normalized text: long texts are scored
	// window by window and the highest window wins, so an instruction
	// buried in a long benign email is not diluted by it.
	window = 384
	stride = 96

	// smallWindow and smallStride: texts longer than smallWindow are also
	// scored in short windows, about a sentence long, so that a one-line
	// task is judged with little of the document around it.
	smallWindow = 64
	smallStride = 16

	// docMin is the length from which a text counts as a document for
	// the structural features (see words).
	docMin = 160
)

// smallBucket is a feature every short window has, so the model learns
// how far a short window's evidence is to be trusted against a long one's.
var smallBucket = mix(1, 60)

// minFeatures is the fewest features a window is normalized by (each
// occurrence weighs 1/sqrt(max(n, minFeatures))): a text of a few bytes
// ("w3-307", "ok") has too few features for the model to judge, and
// without the floor one or two random buckets would decide its score.
const minFeatures = 32

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

// feature is one hashed feature ending at byte pos.
type feature struct {
	h   uint32
	pos int32
}

// mix finalizes a hash (murmur3 fmix32) with a salt per feature kind and
// maps it to a bucket.
func mix(h, salt uint32) uint32 {
	h ^= salt * 0x9e3779b9
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h & hashMask
}

// features appends the features of s to dst; wc is working memory for
// the topic-shift features (nil allocates it).
func features(dst []feature, s []byte, wc *wordCounts) []feature {
	n := len(s)
	for i := range n {
		h := uint32(fnvOffset)
		end := min(i+5, n)
		for k := i; k < end; k++ {
			h = (h ^ uint32(s[k])) * fnvPrime
			if k-i >= 2 {
				dst = append(dst, feature{mix(h, uint32(k-i)), int32(k)})
			}
		}
	}
	return wordFeatures(dst, s, wc)
}

// wordFeatures appends the features of s that are not character n-grams:
// the length class of a short text, then words.
func wordFeatures(dst []feature, s []byte, wc *wordCounts) []feature {
	if n := len(s); n > 0 && n < shortLen {
		// a short text's length class, so the model can learn a prior
		// for texts with few features
		dst = append(dst, feature{mix(uint32(min(n/8, 7)), 50), int32(n - 1)})
	}
	return words(dst, s, wc)
}

// weights is the int8 weight table scoring reads, as an array so that
// an index masked with hashMask needs no bounds check.
type weights = [1 << hashBits]int8

// addNgrams adds the weights of the character n-grams of s (the ones
// features lists) to sum[k+1] for the byte k each ends at, without making
// the list; sum has len(s)+1 elements. Their numbers are known without
// counting (see ngramsEndingBefore). Byte p+3 is where the 3-gram starting at p,
// the 4-gram starting at p-1 and the 5-gram starting at p-2 end, so the
// weights of the longer ones are carried to the next positions and each
// element of sum is written once.
func addNgrams(sum []int32, s []byte, wts *weights) {
	n := len(s)
	sum = sum[:n+1]
	i := 0
	if n >= 5 {
		i = addFullNgrams(sum, s, wts)
	}
	for ; i+3 <= n; i++ { // the last n-grams, cut short by the end
		h := uint32(fnvOffset)
		for k := i; k < n && k < i+5; k++ {
			h = (h ^ uint32(s[k])) * fnvPrime
			if k-i >= 2 {
				sum[k+1] += int32(wts[mix(h, uint32(k-i))])
			}
		}
	}
}

// addFullNgrams is addNgrams for the starts i with a whole 5-gram,
// i+5 <= len(s), which len(s) >= 5 must have; it returns the first start
// without one. The bytes of the window slide through c0..c3 and prev, so
// each byte is loaded once and no index is bounds-checked in the loop.
func addFullNgrams(sum []int32, s []byte, wts *weights) int {
	last := s[4:]                 // last[i] is the fifth byte of the window at i
	out := sum[3 : 3+len(last)+2] // out[i] is sum[i+3]
	var w4, w5, w5next int32      // weights that end at i+3, i+3 and i+4
	c1, c2, c3, prev := s[0], s[1], s[2], s[3]
	for i, c4 := range last {
		c0 := c1
		c1, c2, c3, prev = c2, c3, prev, c4
		h := (fnvOffset ^ uint32(c0)) * fnvPrime
		h = (h ^ uint32(c1)) * fnvPrime
		h = (h ^ uint32(c2)) * fnvPrime
		out[i] += int32(wts[mix(h, 2)]) + w4 + w5
		h = (h ^ uint32(c3)) * fnvPrime
		w4 = int32(wts[mix(h, 3)])
		h = (h ^ uint32(c4)) * fnvPrime
		w5, w5next = w5next, int32(wts[mix(h, 4)])
	}
	k := len(last) // what the last full start carries
	out[k] += w4 + w5
	out[k+1] += w5next
	return k
}

// ngramsEndingBefore returns how many of the character n-grams
// addNgrams adds end at byte i-1 of a text of at least i bytes: a 3-,
// a 4- and a 5-gram from byte 4 on, fewer before.
func ngramsEndingBefore(i int) int32 { return int32(min(max(i-2, 0), 3)) }

// shortLen is the length below which a text gets a length feature.
const shortLen = 64

// words appends word unigram and bigram features, and structural ones:
// the first word and first two words of each sentence (so an imperative
// "translate …" or a question "what is …" that starts a sentence is a
// feature of its own, whatever precedes it), the first word again when it
// starts a line, and the first word paired with the sentence's closing
// question mark. The structural features of a document (docMin bytes or
// more) are hashed apart from those of a short text: "what is the capital
// of brazil?" alone is a user's question, inside an e-mail it is a task
// slipped to the model that reads the e-mail. A sentence that refers to
// the reader's own output ("… in your answer", "your reply should …")
// gets a feature of its own, alone and paired with its first word. Each
// sentence of a text of two sentences or more also gets topic-shift
// features (see shift).
func words(dst []feature, s []byte, wc *wordCounts) []feature {
	var salt uint32
	if len(s) >= docMin {
		salt = 16
	}
	if wc == nil {
		wc = new(wordCounts)
	}
	wc.count(s)
	nsent := 0
	var prev, first, second uint32
	var cur sentence
	sent, line, nth := true, true, 0
	at := 0 // the bytes before at are done
	for k := 0; ; k++ {
		// the bytes between words: sentence and line breaks
		next := len(s)
		if k < len(wc.hash) {
			next = int(wc.spans[2*k])
		}
		for ; at < next; at++ {
			switch c := s[at]; c {
			case '\n', '|':
				sent, line = true, true
			case '.', '!', ':', ';', '?':
				// "example.com" and "1,250.00" do not end a sentence
				if at+1 < len(s) && wordByte(s[at+1]) {
					break
				}
				if c == '?' && first != 0 {
					dst = append(dst, feature{mix(first, 11+salt), int32(at)})
					cur.question = true
				}
				sent = true
			}
		}
		if k == len(wc.hash) {
			break
		}
		h := wc.hash[k]
		at = int(wc.spans[2*k+1])
		end := int32(at - 1)
		dst = append(dst, feature{mix(h, 7), end})
		if prev != 0 {
			dst = append(dst, feature{mix(prev*31+h, 8), end})
		}
		switch {
		case sent:
			if nsent++; nsent > 1 {
				dst = cur.shift(dst, first, second)
			}
			cur = sentence{}
			first, second, nth = h, 0, 1
			dst = structural(dst, mix(h, 9+salt), end)
			if line {
				dst = append(dst, feature{mix(h, 12+salt), end})
			}
		case nth == 1:
			nth = 2
			second = first*31 + h
			dst = structural(dst, mix(second, 10+salt), end)
		}
		cur.add(wc, k, end)
		if !cur.outRef && cur.refersToOutput(h) {
			cur.outRef = true
			dst = append(dst, feature{mix(1, 44+salt), end})
			dst = structural(dst, mix(first*7+1, 45+salt), end)
		}
		dst = cur.classes(dst, h, end, salt, opensQuote(s, int(wc.spans[2*k])))
		sent, line = false, false
		prev = h
	}
	if nsent > 1 {
		dst = cur.shift(dst, first, second)
	}
	return dst
}

// structRepeat is how many times a sentence-start feature is counted: a
// sentence has one of them against dozens of n-grams, and counting it
// more often lets the model weigh where a sentence starts, not only what
// it says.
const structRepeat = 3

func structural(dst []feature, h uint32, end int32) []feature {
	for range structRepeat {
		dst = append(dst, feature{h, end})
	}
	return dst
}

func wordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c >= 0x80 || c == '\''
}

// windows calls fn for each scoring window [start, end) of a text of n
// bytes: the whole text when it is short, else windows of the fixed size
// at a fixed stride, the last one flush with the end.
func windows(n int, fn func(start, end int)) { windowsOf(n, window, stride, fn) }

// smallWindows calls fn for each short window of a text longer than
// smallWindow bytes, and not at all for a shorter one.
func smallWindows(n int, fn func(start, end int)) {
	if n > smallWindow {
		windowsOf(n, smallWindow, smallStride, fn)
	}
}

func windowsOf(n, size, step int, fn func(start, end int)) {
	if n <= size {
		fn(0, n)
		return
	}
	for s := 0; ; s += step {
		if s+size >= n {
			fn(n-size, n)
			return
		}
		fn(s, s+size)
	}
}

func sigmoid(z float64) float64 {
	if z < -40 {
		return 0
	}
	return 1 / (1 + math.Exp(-z))
}
