package injection

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestChatCarrier checks that the generated chat carries the line once,
// as a participant's message after the header, and that generated
// orders and notes leave no placeholder unfilled.
func TestChatCarrier(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		o := readerChatOrder(rng)
		c := chatCarrier(rng, o)
		if n := strings.Count(c, o); n != 1 {
			t.Fatalf("order appears %d times in %q", n, c)
		}
		lines := strings.Split(c, "\n")
		if strings.Contains(lines[0], o) {
			t.Fatalf("order in the header line: %q", c)
		}
		if len(lines) < 4 {
			t.Fatalf("chat of %d lines: %q", len(lines), c)
		}
		for _, s := range []string{o, readerOrder(rng), readerNote(rng), readerErrand(rng)} {
			if strings.ContainsAny(s, "{}") || strings.Contains(s, "%!") {
				t.Fatalf("unfilled placeholder in %q", s)
			}
		}
	}
}

// TestReaderNoteHasNoOrder checks that the remarks put in reader frames
// as negatives carry none of the generated actions.
func TestReaderNoteHasNoOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		n := readerNote(rng)
		for _, a := range readerActions {
			if strings.Contains(strings.ToLower(n), strings.ToLower(fillReader(rng, a))) {
				t.Fatalf("note %q carries action %q", n, a)
			}
		}
		found := false
		for _, r := range readerNotes {
			found = found || strings.Contains(strings.ToLower(n), strings.ToLower(r))
		}
		if !found {
			t.Fatalf("note %q carries no remark of readerNotes", n)
		}
	}
}
