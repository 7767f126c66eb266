package sqlstore

import (
	"fmt"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

const grantCols = `id, principal, action, resource, reason, created_by, created, expires, revoked, request_id`

// CreateGrant implements store.Tx.
func (tx *Tx) CreateGrant(g store.Grant) error {
	return tx.insert("grant "+g.ID,
		`INSERT INTO grants (`+grantCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT DO NOTHING`,
		g.ID, g.Principal, g.Action, g.Resource, g.Reason, g.CreatedBy,
		tx.d.timeArg(g.Created), tx.d.timeArg(g.Expires), tx.d.nullTimeArg(g.Revoked), g.RequestID)
}

func scanGrant(r Rows) (store.Grant, error) {
	var g store.Grant
	err := r.Scan(&g.ID, &g.Principal, &g.Action, &g.Resource, &g.Reason, &g.CreatedBy,
		timeDest{&g.Created}, timeDest{&g.Expires}, timeDest{&g.Revoked}, &g.RequestID)
	return g, err
}

// Grant implements store.Tx.
func (tx *Tx) Grant(id string) (store.Grant, error) {
	var g store.Grant
	err := tx.queryRow(`SELECT `+grantCols+` FROM grants WHERE id = ?`, []any{id},
		func(r Rows) (err error) {
			g, err = scanGrant(r)
			return err
		})
	if err != nil {
		return store.Grant{}, fmt.Errorf("get grant %s: %w", id, err)
	}
	return g, nil
}

// Grants implements store.Tx. Grants created at the same time are ordered
// by ID.
func (tx *Tx) Grants(f store.GrantFilter) ([]store.Grant, error) {
	query := `SELECT ` + grantCols + ` FROM grants WHERE 1 = 1`
	var args []any
	if f.Principal != "" {
		query += ` AND principal = ?`
		args = append(args, f.Principal)
	}
	if !f.ActiveAt.IsZero() {
		at := tx.d.timeArg(f.ActiveAt)
		query += ` AND created <= ? AND expires > ? AND revoked IS NULL`
		args = append(args, at, at)
	}
	var gs []store.Grant
	err := tx.queryAll(query+` ORDER BY created, id`, args, func(r Rows) error {
		g, err := scanGrant(r)
		gs = append(gs, g)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	return gs, nil
}

// RevokeGrant implements store.Tx. The update is conditional on the grant
// not being revoked, so two transactions can never both revoke it.
func (tx *Tx) RevokeGrant(id string, at time.Time) error {
	n, err := tx.exec(`UPDATE grants SET revoked = ? WHERE id = ? AND revoked IS NULL`,
		tx.d.timeArg(at), id)
	if err == nil && n == 0 {
		err = store.ErrNotFound
		if _, gerr := tx.Grant(id); gerr == nil {
			err = store.ErrConflict
		}
	}
	if err != nil {
		return fmt.Errorf("revoke grant %s: %w", id, err)
	}
	return nil
}
