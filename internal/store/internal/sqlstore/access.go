package sqlstore

import (
	"fmt"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

const accessCols = `id, kind, requester, requester_id, action, resource, reason,
	duration_us, needed, state, created, expires, decided, grant_id`

// CreateAccessRequest implements store.Tx. Duration is stored in
// microseconds.
func (tx *Tx) CreateAccessRequest(r store.AccessRequest) error {
	return tx.insert("access request "+r.ID,
		`INSERT INTO access_requests (`+accessCols+`)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		r.ID, r.Kind, r.Requester, r.RequesterID, r.Action, r.Resource, r.Reason,
		r.Duration.Microseconds(), r.Needed, string(r.State),
		tx.d.timeArg(r.Created), tx.d.timeArg(r.Expires), tx.d.nullTimeArg(r.Decided), r.GrantID)
}

func scanAccessRequest(rows Rows) (store.AccessRequest, error) {
	var r store.AccessRequest
	var us int64
	var state string
	err := rows.Scan(&r.ID, &r.Kind, &r.Requester, &r.RequesterID, &r.Action, &r.Resource, &r.Reason,
		&us, &r.Needed, &state, timeDest{&r.Created}, timeDest{&r.Expires}, timeDest{&r.Decided}, &r.GrantID)
	r.Duration, r.State = time.Duration(us)*time.Microsecond, store.AccessState(state)
	return r, err
}

// AccessRequest implements store.Tx.
func (tx *Tx) AccessRequest(id string) (store.AccessRequest, error) {
	var r store.AccessRequest
	err := tx.queryRow(`SELECT `+accessCols+` FROM access_requests WHERE id = ?`, []any{id},
		func(rows Rows) (err error) {
			r, err = scanAccessRequest(rows)
			return err
		})
	if err != nil {
		return store.AccessRequest{}, fmt.Errorf("get access request %s: %w", id, err)
	}
	return r, nil
}

// AccessRequests implements store.Tx. Requests created at the same time
// are ordered by ID.
func (tx *Tx) AccessRequests(f store.AccessFilter) ([]store.AccessRequest, error) {
	query := `SELECT ` + accessCols + ` FROM access_requests WHERE 1 = 1`
	var args []any
	if f.State != "" {
		query += ` AND state = ?`
		args = append(args, string(f.State))
	}
	if f.Requester != "" {
		query += ` AND requester = ?`
		args = append(args, f.Requester)
	}
	var rs []store.AccessRequest
	err := tx.queryAll(query+` ORDER BY created, id`, args, func(rows Rows) error {
		r, err := scanAccessRequest(rows)
		rs = append(rs, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list access requests: %w", err)
	}
	return rs, nil
}

// FinishAccessRequest implements store.Tx. The update is conditional on
// the request being pending, so two transactions can never both decide it.
func (tx *Tx) FinishAccessRequest(id string, state store.AccessState, decided time.Time, grantID string) error {
	if state == store.AccessPending {
		return fmt.Errorf("finish access request %s: %s is not a final state", id, state)
	}
	n, err := tx.exec(`UPDATE access_requests SET state = ?, decided = ?, grant_id = ?
		WHERE id = ? AND state = ?`,
		string(state), tx.d.nullTimeArg(decided), grantID, id, string(store.AccessPending))
	if err == nil && n == 0 {
		err = store.ErrNotFound
		if _, gerr := tx.AccessRequest(id); gerr == nil {
			err = store.ErrConflict
		}
	}
	if err != nil {
		return fmt.Errorf("finish access request %s: %w", id, err)
	}
	return nil
}

// AddApproval implements store.Tx.
func (tx *Tx) AddApproval(a store.Approval) error {
	return tx.insert("approval of "+a.RequestID+" by "+a.Approver,
		`INSERT INTO approvals (request_id, approver, approve, comment, time)
		 VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		a.RequestID, a.Approver, a.Approve, a.Comment, tx.d.timeArg(a.Time))
}

// Approvals implements store.Tx. Votes cast at the same time are ordered
// by approver.
func (tx *Tx) Approvals(requestID string) ([]store.Approval, error) {
	var as []store.Approval
	err := tx.queryAll(`SELECT request_id, approver, approve, comment, time FROM approvals
		WHERE request_id = ? ORDER BY time, approver`, []any{requestID}, func(r Rows) error {
		var a store.Approval
		err := r.Scan(&a.RequestID, &a.Approver, &a.Approve, &a.Comment, timeDest{&a.Time})
		as = append(as, a)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list approvals of %s: %w", requestID, err)
	}
	return as, nil
}
