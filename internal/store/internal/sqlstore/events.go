package sqlstore

import (
	"fmt"
	"strings"

	"github.com/airlock-hub/airlock/internal/store"
)

// eventCols are the audit_events columns the Event type maps to. Columns
// added by later migrations are handled separately, so adding one does not
// disturb these statements. Merkle hashes live in their own table,
// audit_hashes (see audit.go).
const eventCols = `seq, time, node, type, outcome, actor, target, request_id, reasons, detail`

// Events implements store.Tx. It first inserts the events appended in
// this transaction and not yet flushed, so it sees them.
func (tx *Tx) Events(f store.EventFilter) ([]store.Event, error) {
	if err := tx.Flush(); err != nil {
		return nil, fmt.Errorf("query events: %w", err)
	}
	query, args := tx.eventsQuery(f)
	var es []store.Event
	err := tx.queryAll(query, args, func(r Rows) error {
		var e store.Event
		var outcome string
		err := r.Scan(&e.Seq, timeDest{&e.Time}, &e.Node, &e.Type, &outcome, &e.Actor,
			&e.Target, &e.RequestID, stringsDest{&e.Reasons}, &e.Detail)
		e.Outcome = store.Outcome(outcome)
		es = append(es, e)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("query events: %w", err)
	}
	return es, nil
}

func (tx *Tx) eventsQuery(f store.EventFilter) (string, []any) {
	var b strings.Builder
	b.WriteString(`SELECT ` + eventCols + ` FROM audit_events WHERE seq > ?`)
	args := []any{f.AfterSeq}
	add := func(cond string, arg any) {
		b.WriteString(" AND " + cond)
		args = append(args, arg)
	}
	if !f.Since.IsZero() {
		add("time >= ?", tx.d.timeArg(f.Since))
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.Type != "" {
		add("type = ?", f.Type)
	}
	if f.Outcome != "" {
		add("outcome = ?", string(f.Outcome))
	}
	b.WriteString(" ORDER BY seq")
	if f.Limit > 0 {
		b.WriteString(" LIMIT ?")
		args = append(args, int64(f.Limit))
	}
	return b.String(), args
}
