package sqlstore

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/airlock-hub/airlock/internal/store"
)

const checkpointCols = `size, root, note, created`

// PutCheckpoint implements store.Tx.
func (tx *Tx) PutCheckpoint(c store.Checkpoint) error {
	return tx.insert(fmt.Sprintf("checkpoint %d", c.Size),
		`INSERT INTO audit_checkpoints (`+checkpointCols+`) VALUES (?, ?, ?, ?)
		 ON CONFLICT DO NOTHING`,
		c.Size, c.Root[:], bytesArg(c.Note), tx.d.timeArg(c.Created))
}

// Checkpoints implements store.Tx.
func (tx *Tx) Checkpoints() ([]store.Checkpoint, error) {
	var cs []store.Checkpoint
	err := tx.queryAll(`SELECT `+checkpointCols+` FROM audit_checkpoints ORDER BY size`, nil,
		func(r Rows) error {
			c, err := scanCheckpoint(r)
			cs = append(cs, c)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	return cs, nil
}

// LatestCheckpoint implements store.Tx.
func (tx *Tx) LatestCheckpoint() (store.Checkpoint, error) {
	var c store.Checkpoint
	err := tx.queryRow(`SELECT `+checkpointCols+` FROM audit_checkpoints ORDER BY size DESC LIMIT 1`, nil,
		func(r Rows) (err error) {
			c, err = scanCheckpoint(r)
			return err
		})
	if err != nil {
		return store.Checkpoint{}, fmt.Errorf("latest checkpoint: %w", err)
	}
	return c, nil
}

func scanCheckpoint(r Rows) (store.Checkpoint, error) {
	var c store.Checkpoint
	var root []byte
	if err := r.Scan(&c.Size, &root, &c.Note, timeDest{&c.Created}); err != nil {
		return c, err
	}
	if len(root) != tlog.HashSize {
		return c, fmt.Errorf("checkpoint %d: root has %d bytes, want %d", c.Size, len(root), tlog.HashSize)
	}
	c.Root = tlog.Hash(root)
	c.Note = bytesArg(c.Note)
	return c, nil
}
