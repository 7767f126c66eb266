package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// A small line diff for `airlock policy diff`: policy files are small, so
// a longest-common-subsequence table over the changed middle is enough.

// diffContext is the number of unchanged lines around each change.
const diffContext = 3

// maxLCSCells bounds the LCS table (16 MiB of int32); beyond it the
// changed middle of a file is shown as removed, then added.
const maxLCSCells = 1 << 22

// edit is one line of an edit script: ' ' kept, '-' removed, '+' added.
type edit struct {
	op   byte
	line string
}

// unifiedDiff returns a unified diff of two texts with diffContext lines
// of context, headed by fromName and toName.
func unifiedDiff(fromName, toName, a, b string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", fromName, toName)
	es := lineEdits(splitLines(a), splitLines(b))
	hunks := 0
	for start := 0; start < len(es); {
		first := nextChange(es, start)
		if first < 0 {
			break
		}
		last := first
		for {
			n := nextChange(es, last+1)
			if n < 0 || n-last > 2*diffContext {
				break
			}
			last = n
		}
		lo, hi := max(first-diffContext, 0), min(last+diffContext+1, len(es))
		writeHunk(&sb, es, lo, hi)
		hunks++
		start = hi
	}
	if hunks == 0 {
		sb.WriteString("(the files differ only in their final newline)\n")
	}
	return sb.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// nextChange returns the index of the first change at or after i, or -1.
func nextChange(es []edit, i int) int {
	for ; i < len(es); i++ {
		if es[i].op != ' ' {
			return i
		}
	}
	return -1
}

// writeHunk writes es[lo:hi] with its @@ header; line numbers count the
// lines of each side before lo.
func writeHunk(sb *strings.Builder, es []edit, lo, hi int) {
	aLine, bLine := 0, 0
	for _, e := range es[:lo] {
		if e.op != '+' {
			aLine++
		}
		if e.op != '-' {
			bLine++
		}
	}
	aLen, bLen := 0, 0
	for _, e := range es[lo:hi] {
		if e.op != '+' {
			aLen++
		}
		if e.op != '-' {
			bLen++
		}
	}
	fmt.Fprintf(sb, "@@ -%s +%s @@\n", hunkRange(aLine, aLen), hunkRange(bLine, bLen))
	for _, e := range es[lo:hi] {
		sb.WriteByte(e.op)
		sb.WriteString(e.line)
		sb.WriteByte('\n')
	}
}

// hunkRange formats "start,len" as diff -u does: an empty range starts at
// the line before it, and a length of 1 is left out.
func hunkRange(before, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", before)
	case 1:
		return strconv.Itoa(before + 1)
	}
	return fmt.Sprintf("%d,%d", before+1, n)
}

// lineEdits returns an edit script turning a into b: the common prefix
// and suffix are kept, the middle is diffed by longest common subsequence.
func lineEdits(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	es := make([]edit, 0, len(a)+len(b)-pre-suf)
	for _, l := range a[:pre] {
		es = append(es, edit{' ', l})
	}
	es = append(es, lcsEdits(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		es = append(es, edit{' ', l})
	}
	return es
}

func lcsEdits(a, b []string) []edit {
	n, m := len(a), len(b)
	var es []edit
	if n*m > maxLCSCells {
		for _, l := range a {
			es = append(es, edit{'-', l})
		}
		for _, l := range b {
			es = append(es, edit{'+', l})
		}
		return es
	}
	// lcs[i*w+j] is the length of the LCS of a[i:] and b[j:].
	w := m + 1
	lcs := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			es = append(es, edit{' ', a[i]})
			i, j = i+1, j+1
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			es = append(es, edit{'-', a[i]})
			i++
		default:
			es = append(es, edit{'+', b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		es = append(es, edit{'-', a[i]})
	}
	for ; j < m; j++ {
		es = append(es, edit{'+', b[j]})
	}
	return es
}
