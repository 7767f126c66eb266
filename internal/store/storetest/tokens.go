package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

func token(id string) store.JoinToken {
	return store.JoinToken{
		ID: id, Hash: bytes.Repeat([]byte{0xab, 0x00}, 16), Agent: "billing",
		Created: base, Expires: base.Add(15 * time.Minute),
	}
}

func checkToken(t *testing.T, got, want store.JoinToken) {
	t.Helper()
	if got.ID != want.ID || !bytes.Equal(got.Hash, want.Hash) || got.Agent != want.Agent ||
		!sameTime(got.Created, want.Created) || !sameTime(got.Expires, want.Expires) ||
		got.Used.IsZero() != want.Used.IsZero() || !want.Used.IsZero() && !sameTime(got.Used, want.Used) {
		t.Errorf("token:\n got %+v\nwant %+v", got, want)
	}
}

func testTokens(t *testing.T, s store.Store) {
	tok := token("tok1")
	update(t, s, func(tx store.Tx) error { return tx.CreateToken(tok) })
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "create duplicate", tx.CreateToken(token("tok1")), store.ErrExists)
		_, err := tx.GetToken("missing")
		wantErr(t, "get missing", err, store.ErrNotFound)
		wantErr(t, "mark missing used", tx.MarkTokenUsed("missing", base), store.ErrNotFound)
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.GetToken("tok1")
		wantErr(t, "get unused", err, nil)
		checkToken(t, got, tok)
		return nil
	})
	used := base.Add(time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.MarkTokenUsed("tok1", used) })
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.MarkTokenUsed("tok1", used.Add(time.Second))
	})
	wantErr(t, "mark used twice", err, store.ErrConflict)
	tok.Used = used
	view(t, s, func(tx store.Tx) error {
		got, err := tx.GetToken("tok1")
		wantErr(t, "get used", err, nil)
		checkToken(t, got, tok)
		return nil
	})
}

// testTokenRace has many goroutines try to use one token at once, each
// reading it first as an enrollment would: exactly one may succeed.
func testTokenRace(t *testing.T, s store.Store) {
	const n = 16
	update(t, s, func(tx store.Tx) error { return tx.CreateToken(token("race")) })
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Update(t.Context(), func(tx store.Tx) error {
				tok, err := tx.GetToken("race")
				if err != nil {
					return err
				}
				if !tok.Used.IsZero() {
					return fmt.Errorf("read used token: %w", store.ErrConflict)
				}
				return tx.MarkTokenUsed("race", base.Add(time.Duration(i)*time.Second))
			})
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("goroutine %d: got error %v, want nil or %v", i, err, store.ErrConflict)
		}
	}
	if wins != 1 {
		t.Errorf("successful uses: got %d, want 1", wins)
	}
}

// testReadModifyWrite increments a counter from many goroutines; a lost
// update would show as a smaller total.
func testReadModifyWrite(t *testing.T, s store.Store) {
	const goroutines, increments = 8, 10
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range increments {
				err := s.Update(t.Context(), func(tx store.Tx) error {
					n, err := readCounter(tx)
					if err != nil {
						return err
					}
					return tx.PutBlob("counter", []byte(strconv.Itoa(n+1)))
				})
				wantErr(t, "increment", err, nil)
			}
		})
	}
	wg.Wait()
	view(t, s, func(tx store.Tx) error {
		got, err := readCounter(tx)
		if want := goroutines * increments; got != want {
			t.Errorf("counter: got %d, want %d", got, want)
		}
		return err
	})
}

func readCounter(tx store.Tx) (int, error) {
	b, err := tx.GetBlob("counter")
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(b))
}

func testCertificates(t *testing.T, s store.Store) {
	c := store.Certificate{
		Serial: "0a1b2c", Kind: store.KindAgent, Name: "billing",
		NotBefore: base, NotAfter: base.Add(time.Hour),
	}
	update(t, s, func(tx store.Tx) error { return tx.RecordCertificate(c) })
	err := s.Update(t.Context(), func(tx store.Tx) error {
		c2 := c
		c2.Name = "other"
		return tx.RecordCertificate(c2)
	})
	wantErr(t, "record duplicate serial", err, store.ErrExists)
	c.Serial = "0a1b2d"
	update(t, s, func(tx store.Tx) error { return tx.RecordCertificate(c) })
}

func testBlobs(t *testing.T, s store.Store) {
	binary := []byte{0x00, 0xff, 0x00, '\'', '"', '\\', 0x80}
	update(t, s, func(tx store.Tx) error {
		_, err := tx.GetBlob("ca")
		wantErr(t, "get missing", err, store.ErrNotFound)
		wantErr(t, "put", tx.PutBlob("ca", []byte("first")), nil)
		wantErr(t, "overwrite", tx.PutBlob("ca", binary), nil)
		wantErr(t, "put empty", tx.PutBlob("empty", nil), nil)
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.GetBlob("ca")
		wantErr(t, "get", err, nil)
		if !bytes.Equal(got, binary) {
			t.Errorf("get: got %x, want %x", got, binary)
		}
		got, err = tx.GetBlob("empty")
		wantErr(t, "get empty", err, nil)
		if got == nil || len(got) != 0 {
			t.Errorf("get empty: got %#v, want []byte{}", got)
		}
		return nil
	})
}
