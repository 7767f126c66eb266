package messaging

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/screen"
	"github.com/airlock-hub/airlock/internal/store"
)

// Send accepts an envelope signed by from for to's mailbox.
//
// The hub sets e.Sender and e.Recipient from the authenticated identities
// (whatever the client put there is ignored), then validates the envelope,
// verifies sig with from.Leaf's key over Canonical(e) (ErrBadSignature),
// and authorizes SendMessage. A send that needs approval is stored held
// (State held) and not delivered until released. A retry with the same
// idempotency key within 24h returns the first message's ID with
// Duplicate set and stores nothing; any other reuse of a message ID fails
// with ErrDuplicate. A full mailbox fails with ErrQuota.
//
// Body and headers are sealed with the mailbox's key, and the message
// commits together with its audit event (message.sent or message.held).
// Rejected sends are audited as message.rejected.
//
// At most 64 sends are processed at once; others wait for a slot until ctx
// ends, so that an overload of sends cannot starve Fetch and Ack.
func (s *Service) Send(ctx context.Context, a policy.Actor, from Sender, to Recipient, e Envelope, sig []byte, idempotencyKey string) (Result, error) {
	release, err := s.sendSlot(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("send message: %w", err)
	}
	defer release()
	e.Sender, e.Recipient, e.Created = from.ID, to.ID, s.now()
	mailbox, err := MailboxOf(to.Entity)
	if err == nil {
		err = s.checkSend(from, e, sig, idempotencyKey)
	}
	if err != nil {
		return Result{}, s.rejected(ctx, a, from, to, e.ID, err)
	}
	res, err := s.screenMessage(ctx, e, to.Entity.Segment)
	if err != nil {
		return Result{}, s.rejected(ctx, a, from, to, e.ID, err)
	}
	if res.Verdict == screen.Reject {
		return Result{}, s.rejected(ctx, a, from, to, e.ID, fmt.Errorf("%w: %s", ErrRejected, res.Reason))
	}
	d, err := s.Policy.AuthorizeWith(ctx, a, from.Entity, ActionSend, to.Entity, screenAttrs(res))
	approval := errors.Is(err, policy.ErrApprovalRequired)
	if err != nil && !approval {
		return Result{}, fmt.Errorf("send message: %w", err)
	}
	state := stateFor(res.Verdict, approval)
	m := s.newMessage(mailbox, from, e, sig, idempotencyKey, state)
	original, err := s.sealMessage(ctx, mailbox, &m, labelsOf(res), e, res.Redacted)
	if err != nil {
		return Result{}, fmt.Errorf("send message: seal: %w", err)
	}
	var hold *heldBy
	switch state {
	case store.MessageHeld:
		hold = &heldBy{from: from.Entity, to: to.Entity, needed: d.Approvals, ref: policy.OperationPrefix}
	case store.MessageQuarantined:
		hold = &heldBy{from: from.Entity, to: to.Entity, needed: 1, ref: QuarantinePrefix}
	}
	var r Result
	if hold == nil && state == store.MessageReady && original == nil {
		r, err = s.commitBatched(ctx, a, &m, d.Reasons)
	} else {
		r, err = s.commit(ctx, a, &m, original, d.Reasons, hold)
	}
	if err != nil {
		return Result{}, s.rejected(ctx, a, from, to, e.ID, err)
	}
	if !r.Duplicate && state == store.MessageReady {
		s.notifier().Notify(mailbox)
	}
	return r, nil
}

// checkSend validates the request and verifies the signature.
func (s *Service) checkSend(from Sender, e Envelope, sig []byte, key string) error {
	if err := checkText("idempotency_key", key, MaxIdempotencyKey, false); err != nil {
		return err
	}
	if err := Validate(e, s.MaxBody); err != nil {
		return err
	}
	if err := checkIDTime(e.ID, e.Created); err != nil {
		return err
	}
	if from.Leaf == nil {
		return fmt.Errorf("%w: no sender certificate", ErrBadSignature)
	}
	if !slices.ContainsFunc(from.Leaf.URIs, func(u *url.URL) bool { return u.String() == from.ID }) {
		return fmt.Errorf("%w: the sender certificate is not for %s", ErrBadSignature, from.ID)
	}
	if len(from.Chain) > 0 && !bytes.Equal(from.Chain[0], from.Leaf.Raw) {
		return invalid("the sender chain does not start with the sender certificate")
	}
	return Verify(from.Leaf.PublicKey, e, sig)
}

func (s *Service) newMessage(mailbox string, from Sender, e Envelope, sig []byte, key string, state store.MessageState) store.Message {
	chain := from.Chain
	if len(chain) == 0 {
		chain = [][]byte{from.Leaf.Raw}
	}
	return store.Message{ID: e.ID, Mailbox: mailbox, Sender: e.Sender, Recipient: e.Recipient,
		Subject: e.Subject, ContentType: e.ContentType, Thread: e.Thread, ReplyTo: e.ReplyTo,
		Signature: slices.Clone(sig), SenderChain: chain, Size: int64(len(e.Body)),
		Created: e.Created, State: state, VisibleAt: e.Created, Idempotency: key}
}

// sealMessage seals e into m with mailbox's key and sets m's labels. When
// screening redacted the body, redacted is what is delivered: the hub signs
// the change (attestRedaction) and returns the original body sealed for
// reviewers; otherwise the sealed original is nil.
func (s *Service) sealMessage(ctx context.Context, mailbox string, m *store.Message, l Labels, e Envelope, redacted []byte) ([]byte, error) {
	var original []byte
	if redacted != nil {
		var err error
		if original, err = s.sealOriginal(ctx, mailbox, m, e.Body); err != nil {
			return nil, err
		}
		e.Body = redacted
		if err := s.attestRedaction(&l, m.Signature, e); err != nil {
			return nil, err
		}
	}
	m.Labels = l.encode()
	return original, s.seal(ctx, mailbox, m, e)
}

// idempotent returns the earlier message for m's idempotency key, if any.
func idempotent(tx store.Tx, m *store.Message) (Result, bool, error) {
	if m.Idempotency == "" {
		return Result{}, false, nil
	}
	first, err := tx.MessageByIdempotency(m.Sender, m.Idempotency, m.Created.Add(-IdempotencyWindow))
	if err == nil {
		return Result{ID: first.ID, State: first.State, Duplicate: true}, true, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return Result{}, false, err
	}
	return Result{}, false, nil
}

// checkMailboxQuota fails with ErrQuota if m's mailbox, which already holds m
// (put in the same transaction), is over quota.
func (s *Service) checkMailboxQuota(tx store.Tx, m *store.Message) error {
	u, err := tx.Usage(m.Mailbox)
	if err != nil {
		return err
	}
	return s.quotaErr(m, u)
}

// quotaErr fails with ErrQuota if u, the usage of m's mailbox with m
// counted, is over quota.
func (s *Service) quotaErr(m *store.Message, u store.MailboxUsage) error {
	maxN, maxB := orDefault(s.QuotaMessages, DefaultQuotaMessages), orDefault(s.QuotaBytes, DefaultQuotaBytes)
	if u.Messages > maxN || u.Bytes > maxB {
		return fmt.Errorf("%w: %s holds %d messages (%d bytes); the limit is %d messages (%d bytes) until the recipient acknowledges some",
			ErrQuota, m.Mailbox, u.Messages-1, u.Bytes-m.Size, maxN, maxB)
	}
	return nil
}

// heldBy describes an approval-gated send, for its access request.
type heldBy struct {
	from, to policy.Entity
	needed   int
	ref      string // policy.OperationPrefix or QuarantinePrefix
}

// commit stores m with its audit event, unless m's idempotency key makes
// it a duplicate. A taken message ID (ErrDuplicate) and a full mailbox
// (ErrQuota) fail it, and the Update rolls the message back. These checks
// run only here, atomically with the write, not also in a read transaction
// before sealing: rejections are rare, and checking twice cost every send
// a read transaction and a lookup.
func (s *Service) commit(ctx context.Context, a policy.Actor, m *store.Message, original []byte, reasons []string, hold *heldBy) (Result, error) {
	var r Result
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var dup bool
		var err error
		if r, dup, err = idempotent(tx, m); err != nil || dup {
			return err
		}
		if _, err := tx.PutMessage(*m); err != nil {
			if errors.Is(err, store.ErrExists) {
				return fmt.Errorf("%w: message ID %s was already used", ErrDuplicate, m.ID)
			}
			return err
		}
		if err := s.checkMailboxQuota(tx, m); err != nil {
			return err
		}
		if original != nil {
			if err := tx.PutOriginal(m.ID, original); err != nil {
				return err
			}
		}
		typ := map[store.MessageState]string{store.MessageHeld: "message.held",
			store.MessageQuarantined: "message.quarantined"}[m.State]
		if typ == "" {
			typ = "message.sent"
		}
		detail := "message " + m.ID
		if original != nil {
			detail += " (body redacted; the original is kept for reviewers)"
		}
		_, err = tx.AppendEvent(s.event(m.Sender, a.RequestID, typ, store.OutcomeSuccess, m.Recipient, detail, reasons))
		r = Result{ID: m.ID, State: m.State}
		if err != nil || hold == nil || s.Holds == nil {
			return err
		}
		req, err := s.Holds.HoldOperation(tx, a, hold.from, ActionSend, hold.to, hold.ref+m.ID, hold.needed)
		r.AccessRequestID = req.ID
		return err
	})
	return r, err
}

// sendSlot waits for one of maxPendingSends slots, or for ctx to end, and
// returns the function that frees it.
func (s *Service) sendSlot(ctx context.Context) (func(), error) {
	s.initSlots.Do(func() { s.sendSlots = make(chan struct{}, maxPendingSends) })
	select {
	case s.sendSlots <- struct{}{}:
		return func() { <-s.sendSlots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Holder files the access request that releases a held message;
// policy.Service implements it.
type Holder interface {
	HoldOperation(tx store.Tx, a policy.Actor, requester policy.Entity, action string, resource policy.Entity, ref string, needed int) (store.AccessRequest, error)
}

// ResolveHeld releases (approved) or drops a held message when reviewers
// decide its access request; it runs in the deciding transaction. Set it as
// policy.Service.Operations.
func (s *Service) ResolveHeld(tx store.Tx, r store.AccessRequest, approved bool) error {
	id, ok := strings.CutPrefix(r.Kind, policy.OperationPrefix)
	if !ok {
		if id, ok = strings.CutPrefix(r.Kind, QuarantinePrefix); !ok {
			return fmt.Errorf("unknown held operation %q", r.Kind)
		}
	}
	m, err := tx.Message(id)
	if err != nil {
		return err
	}
	state, typ := store.MessageDead, "message.dropped"
	if approved {
		state, typ = store.MessageReady, "message.released"
	}
	if !approved {
		// A dropped message must never reach its recipient, not even from
		// the dead-letter queue: destroy its sealed content.
		if err := tx.RewriteMessage(id, []byte{}, []byte{}, 0); err != nil {
			return err
		}
		if err := tx.DeleteOriginal(id); err != nil {
			return err
		}
	}
	if err := tx.SetMessageState(id, state, s.now()); err != nil {
		return err
	}
	if _, err := tx.AppendEvent(s.event(m.Sender, "", typ, store.OutcomeSuccess, m.Recipient,
		fmt.Sprintf("message %s (access request %s %s)", id, r.ID, map[bool]string{true: "approved", false: "not approved"}[approved]), nil)); err != nil {
		return err
	}
	if approved {
		s.notifier().Notify(m.Mailbox) // receivers also poll, so an early wake-up is harmless
	}
	return nil
}

// rejected audits a refused send as message.rejected and returns err.
// Only refusals of the request itself are audited: store outages are not.
func (s *Service) rejected(ctx context.Context, a policy.Actor, from Sender, to Recipient, id string, err error) error {
	if err == nil {
		return nil
	}
	for _, audited := range []error{ErrInvalid, ErrBadSignature, ErrDuplicate, ErrQuota, ErrRejected, ErrOverloaded} {
		if errors.Is(err, audited) {
			detail := fmt.Sprintf("message %.64q: %v", id, err)
			_ = s.record(ctx, s.event(from.ID, a.RequestID, "message.rejected", store.OutcomeFailure, to.ID, detail, nil))
			break
		}
	}
	return fmt.Errorf("send message: %w", err)
}

// screenAttrs are the screening results a policy can see, as
// context.request.screen_verdict, screen_score (0-100) and screen_categories.
func screenAttrs(res screen.Result) map[string]any {
	cats := make([]string, len(res.Categories))
	copy(cats, res.Categories)
	return map[string]any{
		"screen_verdict":    string(res.Verdict),
		"screen_score":      int64(res.Score * 100),
		"screen_categories": cats,
	}
}
