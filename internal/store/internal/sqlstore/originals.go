package sqlstore

import (
	"fmt"

	"github.com/airlock-hub/airlock/internal/store"
)

// PutOriginal implements store.Tx. It inserts from a SELECT on messages so
// that a missing message is store.ErrNotFound rather than a foreign-key
// failure, which would abort a PostgreSQL transaction.
func (tx *Tx) PutOriginal(id string, original []byte) error {
	n, err := tx.exec(`INSERT INTO message_originals (id, original)
		SELECT id, ? FROM messages WHERE id = ?
		ON CONFLICT (id) DO UPDATE SET original = excluded.original`, bytesArg(original), id)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("put original of message %s: %w", id, err)
	}
	return nil
}

// Original implements store.Tx.
func (tx *Tx) Original(id string) ([]byte, error) {
	var b []byte
	err := tx.queryRow(`SELECT original FROM message_originals WHERE id = ?`, []any{id},
		func(r Rows) error { return r.Scan(&b) })
	if err != nil {
		return nil, fmt.Errorf("original of message %s: %w", id, err)
	}
	return bytesArg(b), nil
}

// DeleteOriginal implements store.Tx.
func (tx *Tx) DeleteOriginal(id string) error {
	if _, err := tx.exec(`DELETE FROM message_originals WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete original of message %s: %w", id, err)
	}
	return nil
}
