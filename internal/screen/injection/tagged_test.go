package injection

import (
	"cmp"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTaggedLines(t *testing.T) {
	in := "# comment\n\n[bipia: Language Translation] Translate \"hi\" into Dutch.\nSay it backwards.\n[INST] not a tag\n[bipia: Content Creation] Two\\nlines\n"
	want := []taggedLine{
		{"Language Translation", `Translate "hi" into Dutch.`, 3},
		{"", "Say it backwards.", 4},
		{"", "[INST] not a tag", 5},
		{"Content Creation", "Two\nlines", 6},
	}
	got := taggedLines(in)
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if got, want := texts(taggedLines(in)), lines(strings.ReplaceAll(in, tagPrefix, "")); len(got) != len(want) {
		t.Errorf("texts: %d lines, lines: %d", len(got), len(want))
	}
}

func TestCheckTags(t *testing.T) {
	known := map[string]bool{"Language Translation": true, "Content Creation": true}
	for _, tc := range []struct {
		name, in, err string
	}{
		{"known", "[bipia: Content Creation] Write a poem.\nNo tag.\n", ""},
		{"unknown", "ok\n[bipia: Language Translaton] Translate this.\n", `f.txt:2: unknown BIPIA category "Language Translaton"`},
		{"case matters", "[bipia: content creation] Write a poem.\n", `f.txt:1: unknown BIPIA category "content creation"`},
		{"unclosed", "# c\n[bipia: Content Creation Write a poem.\n", `f.txt:2: tag "[bipia: Content Creation Write a poem." has no closing "] "`},
		{"no text", "[bipia: Content Creation]\n", `f.txt:1: tag "[bipia: Content Creation]" has no closing "] "`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkTags("f.txt", taggedLines(tc.in), known)
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
				t.Errorf("got %v, want %s…", err, tc.err)
			}
		})
	}
}

func TestTaggedExcept(t *testing.T) {
	ls := taggedLines("[bipia: Language Translation] a\nb\n[bipia: Content Creation] c\n")
	held := map[string]bool{"Language Translation": true}
	if got := strings.Join(taggedExcept(ls, held), ","); got != "b,c" {
		t.Errorf("taggedExcept = %s, want b,c", got)
	}
	if got := strings.Join(taggedExcept(ls, nil), ","); got != "a,b,c" {
		t.Errorf("nothing held out: taggedExcept = %s, want a,b,c", got)
	}
	drop := heldOutText(ls, held)
	if !drop("a") || drop("b") || drop("c") {
		t.Errorf("heldOutText: a %v b %v c %v, want true false false", drop("a"), drop("b"), drop("c"))
	}
}

// knownCategories reads the BIPIA category names from the public data,
// skipping the test when it is absent.
func knownCategories(t *testing.T) map[string]bool {
	t.Helper()
	known := map[string]bool{}
	for _, f := range []string{fileTextAttacks, fileCodeAttacks} {
		m, err := readAttacks(filepath.Join(sharedData, f))
		if errors.Is(err, ErrNoData) {
			t.Skipf("skipping: public training data not found at %s (see docs/screening.md)", sharedData)
		}
		if err != nil {
			t.Fatal(err)
		}
		for k := range m {
			known[k] = true
		}
	}
	return known
}

// TestOwnTagsKnown: every tag in the repository's files and templates
// names a category of the attack files.
func TestOwnTagsKnown(t *testing.T) {
	known := knownCategories(t)
	for name, s := range map[string]string{"positives.txt": ownPositives, "task_positives.txt": ownTaskPositives} {
		ls := taggedLines(s)
		if err := checkTags(name, ls, known); err != nil {
			t.Error(err)
		}
		if n := len(ls) - len(taggedExcept(ls, known)); n == 0 {
			t.Errorf("%s: no line is tagged", name)
		}
	}
	if err := checkKinds(known); err != nil {
		t.Error(err)
	}
}

// TestLoadRejectsUnknownTag: training refuses a file whose tag names no
// category, rather than silently keeping the line in every fold.
func TestLoadRejectsUnknownTag(t *testing.T) {
	knownCategories(t)
	saved := ownTaskPositives
	defer func() { ownTaskPositives = saved }()
	ownTaskPositives = "Fine.\n[bipia: Language Translaton] Translate this.\n"
	_, err := LoadDatasetFold(sharedData, 1, 1)
	if err == nil || !strings.Contains(err.Error(), `task_positives.txt:2: unknown BIPIA category "Language Translaton"`) {
		t.Errorf("LoadDatasetFold with a misspelt tag: got %v", err)
	}
}

// TestHeldOutTagsNotTrained: on a fold, no training example carries a
// tagged line whose category the fold holds out, and without holdout
// every line is trained on.
func TestHeldOutTagsNotTrained(t *testing.T) {
	if _, err := os.Stat(sharedData); err != nil {
		t.Skipf("skipping: public training data not found at %s (see docs/screening.md)", sharedData)
	}
	if testing.Short() {
		t.Skip("skipping: builds a training set")
	}
	ds, err := LoadDatasetFold(sharedData, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]bool{}
	for _, l := range append(taggedLines(ownTaskPositives), taggedLines(ownPositives)...) {
		if l.like == "Language Translation" || l.like == "Misspelling Intentionally" {
			held[l.text] = true
		}
	}
	if len(held) == 0 {
		t.Fatal("no line tagged Language Translation or Misspelling Intentionally")
	}
	for _, e := range ds.Train {
		if held[e.Part] || (e.Part == "" && held[e.Text]) {
			t.Errorf("fold 1 trains on held-out %q (%s)", cmp.Or(e.Part, e.Text), e.Source)
			break
		}
	}
}
