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
)

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

// features appends the features of s to dst.
func features(dst []feature, s []byte) []feature {
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
	return words(dst, s)
}

// words appends word unigram and bigram features.
func words(dst []feature, s []byte) []feature {
	var prev uint32
	for i := 0; i < len(s); {
		if !wordByte(s[i]) {
			i++
			continue
		}
		h := uint32(fnvOffset)
		j := i
		for ; j < len(s) && wordByte(s[j]); j++ {
			h = (h ^ uint32(s[j])) * fnvPrime
		}
		dst = append(dst, feature{mix(h, 7), int32(j - 1)})
		if prev != 0 {
			dst = append(dst, feature{mix(prev*31+h, 8), int32(j - 1)})
		}
		prev = h
		i = j
	}
	return dst
}

func wordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c >= 0x80 || c == '\''
}

// windows calls fn for each scoring window [start, end) of a text of n
// bytes: the whole text when it is short, else windows of the fixed size
// at a fixed stride, the last one flush with the end.
func windows(n int, fn func(start, end int)) {
	if n <= window {
		fn(0, n)
		return
	}
	for s := 0; ; s += stride {
		if s+window >= n {
			fn(n-window, n)
			return
		}
		fn(s, s+window)
	}
}

func sigmoid(z float64) float64 {
	if z < -40 {
		return 0
	}
	return 1 / (1 + math.Exp(-z))
}
