package cli

import (
	"strings"
	"testing"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
)

func TestUnifiedDiff(t *testing.T) {
	cases := []struct {
		name, a, b, want string
	}{
		{
			name: "one line changed in the middle",
			a:    "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
			b:    "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			want: "--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
		},
		{
			name: "two changes far apart make two hunks",
			a:    "a\n1\n2\n3\n4\n5\n6\n7\n8\nz\n",
			b:    "A\n1\n2\n3\n4\n5\n6\n7\n8\nZ\n",
			want: "--- a\n+++ b\n@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n@@ -7,4 +7,4 @@\n 6\n 7\n 8\n-z\n+Z\n",
		},
		{
			name: "new file",
			a:    "",
			b:    "x\ny\n",
			want: "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n",
		},
		{
			name: "insertion keeps the common lines",
			a:    "p\nq\n",
			b:    "p\nnew\nq\n",
			want: "--- a\n+++ b\n@@ -1,2 +1,3 @@\n p\n+new\n q\n",
		},
		{
			name: "only the final newline",
			a:    "x\n",
			b:    "x",
			want: "--- a\n+++ b\n(the files differ only in their final newline)\n",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := unifiedDiff("a", "b", tc.a, tc.b); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestLineEditsApply: applying the edit script to a gives b, and the kept
// lines are a longest common subsequence on a case where greedy fails.
func TestLineEditsApply(t *testing.T) {
	a := strings.Split("a b c a b b a", " ")
	b := strings.Split("c b a b a c", " ")
	es := lineEdits(a, b)
	var gotA, gotB []string
	kept := 0
	for _, e := range es {
		if e.op != '+' {
			gotA = append(gotA, e.line)
		}
		if e.op != '-' {
			gotB = append(gotB, e.line)
		}
		if e.op == ' ' {
			kept++
		}
	}
	if strings.Join(gotA, " ") != strings.Join(a, " ") || strings.Join(gotB, " ") != strings.Join(b, " ") {
		t.Fatalf("edit script does not reproduce the inputs: a=%v b=%v", gotA, gotB)
	}
	if kept != 4 { // LCS of the two is 4 long, e.g. "b a b a"
		t.Errorf("kept %d lines, want the LCS length 4", kept)
	}
}

func TestPolicyDiffFiles(t *testing.T) {
	v := func(n int64, files ...string) *airlockv1.PolicyVersion {
		pv := &airlockv1.PolicyVersion{Version: n}
		for i := 0; i+1 < len(files); i += 2 {
			pv.Files = append(pv.Files, &airlockv1.PolicyFile{Name: files[i], Text: files[i+1]})
		}
		return pv
	}
	from := v(1, "same.cedar", "s\n", "changed.cedar", "old\n", "gone.cedar", "g\n")
	to := v(2, "same.cedar", "s\n", "changed.cedar", "new\n", "added.cedar", "n\n")
	got := policyDiff(from, to)
	var names []string
	for _, d := range got {
		names = append(names, d.Name)
	}
	if strings.Join(names, ",") != "added.cedar,changed.cedar,gone.cedar" {
		t.Fatalf("changed files %v, want added, changed, gone (sorted; same.cedar left out)", names)
	}
	for i, want := range []string{"--- /dev/null\n+++ v2/added.cedar\n", "--- v1/changed.cedar\n+++ v2/changed.cedar\n", "--- v1/gone.cedar\n+++ /dev/null\n"} {
		if !strings.HasPrefix(got[i].Diff, want) {
			t.Errorf("%s: diff starts %q, want %q", got[i].Name, got[i].Diff, want)
		}
	}
}
