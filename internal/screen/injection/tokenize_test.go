package injection

import (
	"bytes"
	"slices"
	"testing"
)

// tokenizeReference is tokenize as it was first written: chunks split at
// ' ' and '\n', addresses and secret paths whole, other chunks split into
// words looked up in the lexicon map.
func tokenizeReference(s []byte) []token {
	var dst []token
	for i := 0; i < len(s); {
		if s[i] == ' ' || s[i] == '\n' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\n' {
			j++
		}
		chunk := s[i:j]
		switch {
		case bytes.IndexByte(chunk, '@') > 0 && bytes.IndexByte(chunk[bytes.IndexByte(chunk, '@'):], '.') > 1,
			bytes.HasPrefix(chunk, []byte("http://")), bytes.HasPrefix(chunk, []byte("https://")),
			bytes.HasPrefix(chunk, []byte("www.")), bytes.HasPrefix(chunk, []byte("ftp://")):
			dst = append(dst, token{int32(i), int32(j), cAddr})
		case secretPath(chunk):
			dst = append(dst, token{int32(i), int32(j), cPath | cSensitive})
		default:
			for a := 0; a < len(chunk); {
				if !wordByte(chunk[a]) {
					a++
					continue
				}
				b := a
				for b < len(chunk) && wordByte(chunk[b]) {
					b++
				}
				dst = append(dst, token{int32(i + a), int32(i + b), lexicon[string(chunk[a:b])]})
				a = b
			}
		}
		i = j
	}
	return dst
}

// TestTokenizeMatchesReference: tokenize, with the words counted for the
// model or counting them itself, gives the reference's tokens.
func TestTokenizeMatchesReference(t *testing.T) {
	texts := scoringCorpus(t)
	for _, s := range syntheticInputs() {
		texts = append(texts, s.text)
	}
	texts = append(texts, []byte("mail a@b.co, see https://x.io/a_b and ~/.ssh/id_rsa or .env now"))
	var wc wordCounts
	for _, s := range texts {
		want := tokenizeReference(s)
		if got := tokenize(nil, s, nil, nil); !slices.Equal(got, want) {
			t.Fatalf("tokenize(%.80q) = %v, want %v", s, got, want)
		}
		wc.count(s)
		if got := tokenize(nil, s, &wc, nil); !slices.Equal(got, want) {
			t.Fatalf("tokenize(%.80q) with counted words = %v, want %v", s, got, want)
		}
	}
}
