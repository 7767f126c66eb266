package screen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// Blob names under which a SchemaStore keeps its state.
const (
	schemaIndexBlob  = "schema/index"
	schemaBlobPrefix = "schema/"
)

func schemaBlob(typ string, version int) string {
	return schemaBlobPrefix + typ + "/" + strconv.Itoa(version)
}

// SchemaRecord is one stored version of a type's schema.
type SchemaRecord struct {
	Type    string    `json:"type"`
	Version int       `json:"version"`
	Digest  string    `json:"digest"` // hex SHA-256 of Doc
	Created time.Time `json:"created"`
	Actor   string    `json:"actor"`         // SPIFFE ID of who registered it
	Doc     []byte    `json:"doc,omitempty"` // empty in the index
}

// SchemaActor is who registers a schema, recorded in its audit event.
type SchemaActor struct {
	ID        string // SPIFFE ID
	RequestID string
}

// SchemaStore persists the schemas of a Registry in the hub's store, so
// that they survive restarts and are shared by hub nodes on one store.
// Each version is a blob "schema/<type>/<version>" holding a SchemaRecord
// (as JSON, document included); "schema/index" lists every version
// without its document. Versions are immutable.
//
// Registry is what screening enforces: Register adds to it after the
// store commits, and Load fills it from the store (at start-up, and
// periodically on nodes that share a store, to pick up what other nodes
// registered).
type SchemaStore struct {
	Store    store.Store
	Registry *Registry
	Node     string           // hub node name for audit events
	Now      func() time.Time // time.Now when nil
}

func (s *SchemaStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Register compiles doc and stores it as the next version of typ, with a
// "schema.registered" audit event in the same transaction. A schema that
// refers to an external document fails with ErrRemoteRef, one that is not
// a valid JSON Schema with ErrInvalidSchema; nothing is stored then. A
// document identical to typ's latest version returns that version with
// created false.
func (s *SchemaStore) Register(ctx context.Context, a SchemaActor, typ string, doc []byte) (rec SchemaRecord, created bool, err error) {
	t, err := schemaMediaType(typ)
	if err != nil {
		return SchemaRecord{}, false, err
	}
	sch, err := CompileSchema(t, doc)
	if err != nil {
		return SchemaRecord{}, false, fmt.Errorf("schema %s: %w", t, err)
	}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		created = false
		idx, err := readSchemaIndex(tx)
		if err != nil {
			return err
		}
		if latest, ok := latestIn(idx, t); ok && latest.Digest == sch.Digest {
			rec = latest
			return nil
		}
		rec = SchemaRecord{Type: t, Version: nextVersion(idx, t), Digest: sch.Digest, Created: s.now().UTC(), Actor: a.ID}
		if err := putSchema(tx, rec, doc, append(idx, rec)); err != nil {
			return err
		}
		created = true
		_, err = tx.AppendEvent(store.Event{Time: rec.Created, Node: s.Node, Type: "schema.registered",
			Outcome: store.OutcomeSuccess, Actor: a.ID, Target: t, RequestID: a.RequestID,
			Detail: fmt.Sprintf("v%d sha256:%s", rec.Version, rec.Digest)})
		return err
	})
	if err != nil {
		return SchemaRecord{}, false, fmt.Errorf("register schema %s: %w", t, err)
	}
	if _, err := s.Registry.Register(t, rec.Version, doc); err != nil {
		return SchemaRecord{}, false, fmt.Errorf("register schema %s: %w", t, err)
	}
	return rec, created, nil
}

// schemaMediaType checks that typ is what a message's content type can
// name: a JSON media type (application/json or */*+json) without
// parameters, such as "application/vnd.acme.invoice+json".
func schemaMediaType(typ string) (string, error) {
	t, err := NormalizeType(typ)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidSchema, err)
	}
	mt, params, err := mime.ParseMediaType(t)
	if err != nil || len(params) > 0 || mt != t || !strings.Contains(t, "/") || !IsJSON(t) {
		return "", fmt.Errorf("%w: schema type %.64q: must be a JSON media type without parameters, "+
			"e.g. application/vnd.acme.invoice+json", ErrInvalidSchema, typ)
	}
	return t, nil
}

func putSchema(tx store.Tx, rec SchemaRecord, doc []byte, idx []SchemaRecord) error {
	full := rec
	full.Doc = doc
	b, err := json.Marshal(full)
	if err != nil {
		return err
	}
	if err := tx.PutBlob(schemaBlob(rec.Type, rec.Version), b); err != nil {
		return err
	}
	if b, err = json.Marshal(idx); err != nil {
		return err
	}
	return tx.PutBlob(schemaIndexBlob, b)
}

// readSchemaIndex returns the index, empty when nothing is registered.
func readSchemaIndex(tx store.Tx) ([]SchemaRecord, error) {
	b, err := tx.GetBlob(schemaIndexBlob)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read schema index: %w", err)
	}
	var idx []SchemaRecord
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("read schema index: %w", err)
	}
	return idx, nil
}

func latestIn(idx []SchemaRecord, typ string) (SchemaRecord, bool) {
	var out SchemaRecord
	for _, r := range idx {
		if r.Type == typ && r.Version > out.Version {
			out = r
		}
	}
	return out, out.Version > 0
}

func nextVersion(idx []SchemaRecord, typ string) int {
	latest, _ := latestIn(idx, typ)
	return latest.Version + 1
}

// List returns every stored version, without documents, by type then
// version.
func (s *SchemaStore) List(ctx context.Context) ([]SchemaRecord, error) {
	var idx []SchemaRecord
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		idx, err = readSchemaIndex(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(idx, func(a, b SchemaRecord) int {
		if a.Type != b.Type {
			if a.Type < b.Type {
				return -1
			}
			return 1
		}
		return a.Version - b.Version
	})
	return idx, nil
}

// Get returns a stored version of typ's schema with its document;
// version 0 means the latest. It fails with store.ErrNotFound when there
// is no such schema.
func (s *SchemaStore) Get(ctx context.Context, typ string, version int) (SchemaRecord, error) {
	t, err := NormalizeType(typ)
	if err != nil {
		return SchemaRecord{}, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
	}
	var rec SchemaRecord
	err = s.Store.View(ctx, func(tx store.Tx) error {
		if version == 0 {
			idx, err := readSchemaIndex(tx)
			if err != nil {
				return err
			}
			latest, ok := latestIn(idx, t)
			if !ok {
				return fmt.Errorf("no schema registered for %s: %w", t, store.ErrNotFound)
			}
			version = latest.Version
		}
		rec, err = getSchema(tx, t, version)
		return err
	})
	return rec, err
}

func getSchema(tx store.Tx, typ string, version int) (SchemaRecord, error) {
	b, err := tx.GetBlob(schemaBlob(typ, version))
	if errors.Is(err, store.ErrNotFound) {
		return SchemaRecord{}, fmt.Errorf("no schema %s v%d: %w", typ, version, store.ErrNotFound)
	}
	if err != nil {
		return SchemaRecord{}, fmt.Errorf("read schema %s v%d: %w", typ, version, err)
	}
	var rec SchemaRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return SchemaRecord{}, fmt.Errorf("read schema %s v%d: %w", typ, version, err)
	}
	return rec, nil
}

// Load adds every stored version that the Registry lacks. It is cheap
// when nothing changed (one read of the index), so hub nodes sharing a
// store call it periodically. A stored schema that no longer compiles is
// an error: the hub would otherwise deliver unvalidated messages of that
// type.
func (s *SchemaStore) Load(ctx context.Context) error {
	idx, err := s.List(ctx)
	if err != nil {
		return fmt.Errorf("load schemas: %w", err)
	}
	var missing []SchemaRecord
	for _, r := range idx {
		if have, ok := s.Registry.LookupVersion(r.Type, r.Version); !ok || have.Digest != r.Digest {
			missing = append(missing, r)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return s.Store.View(ctx, func(tx store.Tx) error {
		for _, r := range missing {
			rec, err := getSchema(tx, r.Type, r.Version)
			if err != nil {
				return fmt.Errorf("load schemas: %w", err)
			}
			if _, err := s.Registry.Register(rec.Type, rec.Version, rec.Doc); err != nil {
				return fmt.Errorf("load schemas: %w", err)
			}
		}
		return nil
	})
}
