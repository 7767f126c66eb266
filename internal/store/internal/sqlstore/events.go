package sqlstore

import (
	"fmt"
	"strings"

	"github.com/airlock-hub/airlock/internal/store"
)

// eventCols are the audit_events columns the Event type maps to. Columns
// added by later migrations (such as Merkle hashes) are handled separately,
// so adding one does not disturb these statements.
const eventCols = `seq, time, node, type, outcome, actor, target, request_id, reasons, detail`

// AppendEvent implements store.Tx. Seq is the next number after the
// largest one stored. Writes are serialised, so sequence numbers have no
// gaps (a rolled-back append frees its number) and follow commit order,
// which lets a reader that has seen Seq n safely ask for AfterSeq n.
func (tx *Tx) AppendEvent(e store.Event) (int64, error) {
	var seq int64
	err := tx.queryRow(`INSERT INTO audit_events (`+eventCols+`)
		VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_events), ?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING seq`,
		[]any{tx.d.timeArg(e.Time), e.Node, e.Type, string(e.Outcome), e.Actor, e.Target,
			e.RequestID, stringsArg(e.Reasons), e.Detail},
		func(r Rows) error { return r.Scan(&seq) })
	if err != nil {
		return 0, fmt.Errorf("append event %s: %w", e.Type, err)
	}
	return seq, nil
}

// Events implements store.Tx.
func (tx *Tx) Events(f store.EventFilter) ([]store.Event, error) {
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
