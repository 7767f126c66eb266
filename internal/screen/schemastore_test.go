package screen_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/airlock-hub/airlock/internal/screen"
	"github.com/airlock-hub/airlock/internal/store"
	"github.com/airlock-hub/airlock/internal/store/sqlite"
)

const (
	orderType = "application/vnd.acme.order+json"
	orderV1   = `{"type":"object","required":["id"]}`
	orderV2   = `{"type":"object","required":["id","qty"]}`
)

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "airlock.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestSchemaStoreNodes registers on one node and checks that another node
// on the same store picks the schemas up with Load, and that versions are
// assigned once per distinct document.
func TestSchemaStoreNodes(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	a := &screen.SchemaStore{Store: st, Registry: screen.NewRegistry(), Node: "a"}
	b := &screen.SchemaStore{Store: st, Registry: screen.NewRegistry(), Node: "b"}
	who := screen.SchemaActor{ID: "spiffe://example.org/human/admin", RequestID: "r1"}

	for i, tc := range []struct {
		doc         string
		wantVersion int
		wantCreated bool
	}{{orderV1, 1, true}, {orderV1, 1, false}, {orderV2, 2, true}, {orderV1, 3, true}} {
		rec, created, err := a.Register(ctx, who, orderType, []byte(tc.doc))
		if err != nil || rec.Version != tc.wantVersion || created != tc.wantCreated {
			t.Fatalf("register %d: got v%d created=%v err=%v, want v%d created=%v", i, rec.Version, created, err, tc.wantVersion, tc.wantCreated)
		}
	}
	if _, ok := b.Registry.Lookup(orderType); ok {
		t.Fatal("node b has the schema before Load")
	}
	for range 2 { // Load is idempotent
		if err := b.Load(ctx); err != nil {
			t.Fatalf("load: %v", err)
		}
	}
	if got := len(b.Registry.Schemas()); got != 3 {
		t.Fatalf("node b: got %d schemas after Load, want 3", got)
	}
	sch, _ := b.Registry.Lookup(orderType)
	var se *screen.SchemaError
	if err := sch.Validate([]byte(`{"id":1}`)); err != nil {
		t.Fatalf("latest (v3 = v1's document): %v", err)
	}
	v2, _ := b.Registry.LookupVersion(orderType, 2)
	if err := v2.Validate([]byte(`{"id":1}`)); !errors.As(err, &se) {
		t.Fatalf("v2 without qty: got %v, want a *SchemaError", err)
	}

	got, err := b.Get(ctx, orderType, 0)
	if err != nil || got.Version != 3 || string(got.Doc) != orderV1 || got.Actor != who.ID {
		t.Fatalf("get latest: got %+v, %v", got, err)
	}
	if _, err := b.Get(ctx, orderType, 9); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get v9: got %v, want ErrNotFound", err)
	}
	if _, err := b.Get(ctx, "application/vnd.none+json", 0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get unknown type: got %v, want ErrNotFound", err)
	}
}

func TestSchemaStoreRefuses(t *testing.T) {
	ctx := context.Background()
	s := &screen.SchemaStore{Store: openStore(t), Registry: screen.NewRegistry()}
	for _, tc := range []struct {
		name, typ, doc string
		want           error
	}{
		{"remote ref", orderType, `{"$ref":"https://schemas.example.test/x.json"}`, screen.ErrRemoteRef},
		{"invalid schema", orderType, `{"type":"money"}`, screen.ErrInvalidSchema},
		{"not JSON", orderType, `{"type":`, screen.ErrInvalidSchema},
		{"not a JSON media type", "text/plain", orderV1, screen.ErrInvalidSchema},
		{"bare name", "order", orderV1, screen.ErrInvalidSchema},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := s.Register(ctx, screen.SchemaActor{}, tc.typ, []byte(tc.doc)); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	if list, err := s.List(ctx); err != nil || len(list) != 0 {
		t.Fatalf("after refusals: stored %+v, %v; want nothing", list, err)
	}
}
