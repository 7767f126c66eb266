package sqlstore

import (
	"fmt"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// CreateToken implements store.Tx.
func (tx *Tx) CreateToken(t store.JoinToken) error {
	return tx.insert("token "+t.ID,
		`INSERT INTO join_tokens (id, hash, agent, created, expires, used)
		 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		t.ID, bytesArg(t.Hash), t.Agent, tx.d.timeArg(t.Created),
		tx.d.timeArg(t.Expires), tx.d.nullTimeArg(t.Used))
}

// GetToken implements store.Tx.
func (tx *Tx) GetToken(id string) (store.JoinToken, error) {
	var t store.JoinToken
	err := tx.queryRow(`SELECT id, hash, agent, created, expires, used
		FROM join_tokens WHERE id = ?`, []any{id}, func(r Rows) error {
		return r.Scan(&t.ID, &t.Hash, &t.Agent, timeDest{&t.Created},
			timeDest{&t.Expires}, timeDest{&t.Used})
	})
	if err != nil {
		return store.JoinToken{}, fmt.Errorf("get token %s: %w", id, err)
	}
	return t, nil
}

// MarkTokenUsed implements store.Tx. The update is conditional on the token
// being unused, so two transactions can never both use it.
func (tx *Tx) MarkTokenUsed(id string, at time.Time) error {
	n, err := tx.exec(`UPDATE join_tokens SET used = ? WHERE id = ? AND used IS NULL`,
		tx.d.timeArg(at), id)
	if err == nil && n == 0 {
		err = store.ErrNotFound
		if _, gerr := tx.GetToken(id); gerr == nil {
			err = store.ErrConflict
		}
	}
	if err != nil {
		return fmt.Errorf("mark token %s used: %w", id, err)
	}
	return nil
}

// RecordCertificate implements store.Tx.
func (tx *Tx) RecordCertificate(c store.Certificate) error {
	return tx.insert("certificate "+c.Serial,
		`INSERT INTO certificates (serial, kind, name, not_before, not_after)
		 VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		c.Serial, string(c.Kind), c.Name, tx.d.timeArg(c.NotBefore), tx.d.timeArg(c.NotAfter))
}

// GetBlob implements store.Tx.
func (tx *Tx) GetBlob(name string) ([]byte, error) {
	var data []byte
	err := tx.queryRow(`SELECT data FROM blobs WHERE name = ?`, []any{name},
		func(r Rows) error { return r.Scan(&data) })
	if err != nil {
		return nil, fmt.Errorf("get blob %s: %w", name, err)
	}
	return bytesArg(data), nil
}

// PutBlob implements store.Tx.
func (tx *Tx) PutBlob(name string, data []byte) error {
	_, err := tx.exec(`INSERT INTO blobs (name, data) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET data = excluded.data`, name, bytesArg(data))
	if err != nil {
		return fmt.Errorf("put blob %s: %w", name, err)
	}
	return nil
}
