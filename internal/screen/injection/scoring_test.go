package injection

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-hub/airlock/internal/screen/normalize"
)

// scoringCorpus returns varied normalized texts: the testdata lines,
// documents made of them, machine content and random bytes.
func scoringCorpus(t *testing.T) [][]byte {
	t.Helper()
	var lines []string
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.Split(strings.ReplaceAll(string(b), `\n`, "\n"), "\n")...)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	texts := append([]string{"", "a", "ab", "abc", "abcd", "abcde", "abcdef"}, lines...)
	for range 300 {
		var b strings.Builder
		for range 1 + rng.IntN(30) {
			b.WriteString(lines[rng.IntN(len(lines))])
			b.WriteString(pick(rng, " ", "\n", ". ", "? ", " | "))
		}
		texts = append(texts, b.String())
	}
	for range 300 {
		texts = append(texts, MachineContent(rng))
	}
	for range 200 {
		texts = append(texts, string(randBytes(rng, rng.IntN(400))))
	}
	var tx normalize.Text
	out := make([][]byte, 0, len(texts))
	for _, s := range texts {
		tx.Reset([]byte(s))
		out = append(out, append([]byte(nil), tx.Bytes()...))
	}
	return out
}

// TestPrefixSumsMatchFeatures: scoring, which adds the n-gram weights in
// place, sums exactly the features that features lists (and training
// reads), with random weights.
func TestPrefixSumsMatchFeatures(t *testing.T) {
	wts := randomWeights(3)
	var sc scratch
	for _, s := range scoringCorpus(t) {
		checkPrefixSums(t, &sc, s, wts)
	}
}

func FuzzPrefixSums(f *testing.F) {
	for _, s := range []string{"", "a", "abc", "abcd", "abcde", "abcdef", "hello world. what is it?\nok"} {
		f.Add([]byte(s))
	}
	wts := randomWeights(5)
	var sc scratch
	f.Fuzz(func(t *testing.T, s []byte) { checkPrefixSums(t, &sc, s, wts) })
}

func randomWeights(seed uint64) *weights {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	var wts weights
	for i := range wts {
		wts[i] = int8(rng.IntN(255) - 127)
	}
	return &wts
}

// checkPrefixSums compares sc.prefixSums on s with sums of the list
// features makes.
func checkPrefixSums(t *testing.T, sc *scratch, s []byte, wts *weights) {
	t.Helper()
	var wc wordCounts
	sum := make([]int32, len(s)+1)
	cnt := make([]int32, len(s)+1)
	for _, f := range features(nil, s, &wc) {
		sum[f.pos+1] += int32(wts[f.h&hashMask])
		cnt[f.pos+1]++
	}
	for i := 1; i <= len(s); i++ {
		sum[i] += sum[i-1]
		cnt[i] += cnt[i-1]
	}
	sc.prefixSums(s, wts)
	for i := range sum {
		if sc.sum[i] != sum[i] || sc.cnt[i] != cnt[i] {
			t.Fatalf("%q: at %d sum, count = %d, %d; features give %d, %d", s, i, sc.sum[i], sc.cnt[i], sum[i], cnt[i])
		}
	}
}
