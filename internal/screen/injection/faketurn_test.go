package injection

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// fakeTurnHitsReference is fakeTurnHits before the marker gate and the
// role-line first-byte check: every marker searched when any of a few
// bytes or words is present, every label tried on every line.
func fakeTurnHitsReference(dst []hit, s []byte) []hit {
	if bytes.IndexAny(s, "<[#|") >= 0 || bytes.Contains(s, []byte("end of")) || bytes.Contains(s, []byte("override")) {
		for _, f := range fakeTurns {
			if i := bytes.Index(s, []byte(f.marker)); i >= 0 {
				dst = append(dst, hit{CatFakeTurn, f.weight, i, i + len(f.marker), false, true})
			}
		}
	}
	for i := 0; i < len(s); {
		line := s[i:]
		if k := bytes.IndexByte(line, '\n'); k >= 0 {
			line = line[:k]
		}
		for _, r := range roleLines {
			if bytes.HasPrefix(line, []byte(r.label)) {
				dst = append(dst, hit{CatFakeTurn, r.weight, i, i + len(r.label), false, false})
				break
			}
		}
		i += len(line) + 1
	}
	return dst
}

// fakeTurnTexts has every marker and role label, alone and in text.
func fakeTurnTexts() []string {
	var out []string
	for _, f := range fakeTurns {
		out = append(out, f.marker, "before "+f.marker+" after", "x\n"+f.marker+"\ny", f.marker[:len(f.marker)-1])
	}
	for _, r := range roleLines {
		out = append(out, r.label+" hi", "line\n"+r.label+" hi\n", " "+r.label, r.label[:len(r.label)-1])
	}
	return append(out, strings.Join(out, "\n"), "###", "<", "[", "|", "end of", "override", "\n\n\n",
		"weekend of", "end\nof", "http://x.io/end of", "a@b.co<system>", "~/.ssh/###", "x_override_y")
}

// gatedFakeTurnHits runs fakeTurnHits with the gate that init scans for
// and with the one tokenize builds; both must give the same hits.
func gatedFakeTurnHits(t *testing.T, s []byte) []hit {
	t.Helper()
	var gate markerGate
	tokenize(nil, s, nil, &gate)
	scanned, built := fakeTurnHits(nil, s, nil), fakeTurnHits(nil, s, &gate)
	if !slices.Equal(scanned, built) {
		t.Fatalf("fakeTurnHits(%.80q) with the gate tokenize builds = %v, with the scanned one %v", s, built, scanned)
	}
	return scanned
}

// TestFakeTurnHitsMatchReference: the gated search finds exactly what the
// exhaustive one does, in the same order, whichever way the gate is made.
func TestFakeTurnHitsMatchReference(t *testing.T) {
	texts := scoringCorpus(t)
	for _, s := range fakeTurnTexts() {
		texts = append(texts, []byte(s))
	}
	found := 0
	for _, s := range texts {
		got, want := gatedFakeTurnHits(t, s), fakeTurnHitsReference(nil, s)
		if !slices.Equal(got, want) {
			t.Fatalf("fakeTurnHits(%.80q) = %v, want %v", s, got, want)
		}
		found += len(got)
	}
	if found < len(fakeTurns)+len(roleLines) {
		t.Fatalf("only %d hits in the corpus: it does not exercise every marker", found)
	}
}

func FuzzFakeTurnHits(f *testing.F) {
	for _, s := range fakeTurnTexts() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		if got, want := gatedFakeTurnHits(t, s), fakeTurnHitsReference(nil, s); !slices.Equal(got, want) {
			t.Fatalf("fakeTurnHits(%q) = %v, want %v", s, got, want)
		}
	})
}
