package audit

import (
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// memHashes is an in-memory tlog.HashReader.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x >= int64(len(m)) {
			return nil, fmt.Errorf("index %d not stored", x)
		}
		out[i] = m[x]
	}
	return out, nil
}

// TestRangeTreeMatchesTlog checks the compact range against tlog's own
// stored-hash layout and tree hashes for every size up to 300.
func TestRangeTreeMatchesTlog(t *testing.T) {
	var stored memHashes
	var rt rangeTree
	if got := rt.Root(); got != (tlog.Hash{}) {
		t.Fatalf("empty root = %v, want zero", got)
	}
	for i := int64(0); i < 300; i++ {
		data := []byte(fmt.Sprintf("record %d", i))
		want, err := tlog.StoredHashes(i, data, stored)
		if err != nil {
			t.Fatal(err)
		}
		if got := int64(len(stored)); got != tlog.StoredHashIndex(0, i) {
			t.Fatalf("record %d: stored count %d, want %d", i, got, tlog.StoredHashIndex(0, i))
		}
		stored = append(stored, want...)
		got := rt.Append(tlog.RecordHash(data))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("record %d: stored hashes\n got %v\nwant %v", i, got, want)
		}
		wantRoot, err := tlog.TreeHash(i+1, stored)
		if err != nil {
			t.Fatal(err)
		}
		if got := rt.Root(); got != wantRoot {
			t.Fatalf("size %d: root %v, want %v", i+1, got, wantRoot)
		}
	}
}
