package sqlstore

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestRebind(t *testing.T) {
	q := `SELECT a FROM t WHERE b = ? AND c IN (?, ?)`
	if got, want := (&Dialect{Numbered: true}).rebind(q), `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`; got != want {
		t.Errorf("numbered: got %q, want %q", got, want)
	}
	if got := (&Dialect{}).rebind(q); got != q {
		t.Errorf("question marks: got %q, want %q", got, q)
	}
}

func TestLoadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	ms, err := LoadMigrations(fstest.MapFS{
		"0010_later.sql": file("B"), "0002_init.sql": file("A"), "README.md": file("ignored"),
	})
	if err != nil {
		t.Fatalf("LoadMigrations: %v", err)
	}
	if len(ms) != 2 || ms[0].Version != 2 || ms[1].Version != 10 || ms[1].SQL != "B" {
		t.Errorf("LoadMigrations: got %+v, want versions 2 and 10 in order", ms)
	}
	bad := map[string]fstest.MapFS{
		"no number":         {"init.sql": file("")},
		"zero":              {"0000_init.sql": file("")},
		"duplicate version": {"0001_a.sql": file(""), "1_b.sql": file("")},
	}
	for name, fsys := range bad {
		_, err := LoadMigrations(fsys)
		if err == nil || !strings.HasPrefix(err.Error(), "load migrations: ") {
			t.Errorf("%s: got error %v, want a load migrations error", name, err)
		}
	}
}
