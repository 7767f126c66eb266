package sqlstore

import (
	"fmt"

	"github.com/airlock-hub/airlock/internal/store"
)

// PutPolicyVersion implements store.Tx. The version is the next number
// after the largest one stored; writes are serialised, so numbers have no
// gaps and follow commit order. v.Version is ignored.
func (tx *Tx) PutPolicyVersion(v store.PolicyVersion) (int64, error) {
	var n int64
	err := tx.queryRow(`SELECT COALESCE(MAX(version), 0) + 1 FROM policy_versions`, nil,
		func(r Rows) error { return r.Scan(&n) })
	if err != nil {
		return 0, fmt.Errorf("put policy version: %w", err)
	}
	err = tx.insert(fmt.Sprintf("policy version %d", n),
		`INSERT INTO policy_versions (version, created, actor) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		n, tx.d.timeArg(v.Created), v.Actor)
	if err != nil {
		return 0, fmt.Errorf("put policy version: %w", err)
	}
	for i, f := range v.Files {
		_, err := tx.exec(`INSERT INTO policy_files (version, idx, name, text) VALUES (?, ?, ?, ?)`,
			n, i, f.Name, f.Text)
		if err != nil {
			return 0, fmt.Errorf("put policy version %d: file %s: %w", n, f.Name, err)
		}
	}
	return n, nil
}

// PolicyVersion implements store.Tx.
func (tx *Tx) PolicyVersion(n int64) (store.PolicyVersion, error) {
	query := `SELECT version, created, actor FROM policy_versions WHERE version = ?`
	args := []any{n}
	if n == 0 {
		query, args = `SELECT version, created, actor FROM policy_versions ORDER BY version DESC LIMIT 1`, nil
	}
	var v store.PolicyVersion
	err := tx.queryRow(query, args, func(r Rows) error {
		return r.Scan(&v.Version, timeDest{&v.Created}, &v.Actor)
	})
	if err == nil {
		err = tx.queryAll(`SELECT name, text FROM policy_files WHERE version = ? ORDER BY idx`,
			[]any{v.Version}, func(r Rows) error {
				var f store.PolicyFile
				err := r.Scan(&f.Name, &f.Text)
				v.Files = append(v.Files, f)
				return err
			})
	}
	if err != nil {
		if n == 0 {
			return store.PolicyVersion{}, fmt.Errorf("latest policy version: %w", err)
		}
		return store.PolicyVersion{}, fmt.Errorf("policy version %d: %w", n, err)
	}
	return v, nil
}

// PolicyVersions implements store.Tx.
func (tx *Tx) PolicyVersions() ([]store.PolicyVersion, error) {
	var vs []store.PolicyVersion
	err := tx.queryAll(`SELECT version, created, actor FROM policy_versions ORDER BY version`, nil,
		func(r Rows) error {
			var v store.PolicyVersion
			err := r.Scan(&v.Version, timeDest{&v.Created}, &v.Actor)
			vs = append(vs, v)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("list policy versions: %w", err)
	}
	return vs, nil
}
