package injection

import (
	"fmt"
	"slices"
	"strings"
)

// tagPrefix starts the tag of a line of a training file that resembles a
// BIPIA attack category: "[bipia: Language Translation] Translate …".
// When that category is held out for validation, the line is not trained
// on (taggedExcept), as for the generated kinds (kindsExcept), so the
// held-out figures do not credit the model with a kind it was trained on.
// The prefix is unlike any text a line starts with ("[INST]" is one).
const tagPrefix = "[bipia: "

// taggedLine is a line of a training file and the BIPIA category it
// resembles ("" for none).
type taggedLine struct {
	like string
	text string
	line int // 1-based, for errors
}

// taggedLines reads s as lines does (blank lines and # comments skipped,
// a literal \n a line break), taking off each line's tag.
func taggedLines(s string) []taggedLine {
	var out []taggedLine
	n := 0
	for l := range strings.Lines(s) {
		n++
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		t := taggedLine{line: n}
		if rest, ok := strings.CutPrefix(l, tagPrefix); ok {
			if like, text, ok := strings.Cut(rest, "] "); ok {
				t.like, l = like, strings.TrimSpace(text)
			} else {
				t.like, l = "\x00"+rest, "" // reported by checkTags
			}
		}
		t.text = strings.ReplaceAll(l, `\n`, "\n")
		out = append(out, t)
	}
	return out
}

// checkTags returns an error naming the file and line of the first tag
// that is not one of the known category names.
func checkTags(file string, ls []taggedLine, known map[string]bool) error {
	for _, l := range ls {
		if l.like == "" || known[l.like] {
			continue
		}
		if strings.HasPrefix(l.like, "\x00") {
			return fmt.Errorf("%s:%d: tag %q has no closing \"] \"", file, l.line, tagPrefix+l.like[1:])
		}
		return fmt.Errorf("%s:%d: unknown BIPIA category %q (known: %s)", file, l.line, l.like, strings.Join(sortedKeys(known), ", "))
	}
	return nil
}

// checkKinds returns an error for a generated template (taskKinds,
// requestLike) tagged with a category that is not known, so that a
// misspelt tag cannot silently keep a held-out kind in training.
func checkKinds(known map[string]bool) error {
	for _, k := range taskKinds {
		if k.like != "" && !known[k.like] {
			return fmt.Errorf("task kind %q: unknown BIPIA category %q", k.text, k.like)
		}
	}
	for i, like := range requestLike {
		if !known[like] {
			return fmt.Errorf("request template %q: unknown BIPIA category %q", requestTemplates[i], like)
		}
	}
	return nil
}

// texts returns the lines' texts.
func texts(ls []taggedLine) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.text
	}
	return out
}

// taggedExcept returns the texts of the lines whose category is not held
// out.
func taggedExcept(ls []taggedLine, heldOut map[string]bool) []string {
	var out []string
	for _, l := range ls {
		if l.like == "" || !heldOut[l.like] {
			out = append(out, l.text)
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// heldOutText returns a function reporting whether a text is that of a
// line whose category is held out.
func heldOutText(ls []taggedLine, heldOut map[string]bool) func(string) bool {
	drop := map[string]bool{}
	for _, l := range ls {
		if l.like != "" && heldOut[l.like] {
			drop[l.text] = true
		}
	}
	return func(s string) bool { return drop[s] }
}
