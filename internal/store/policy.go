package store

import "time"

// PolicyFile is one .cedar file of a policy set, kept verbatim.
type PolicyFile struct {
	Name string
	Text string
}

// PolicyVersion is one applied policy set. Versions are numbered from 1
// and never change once stored.
type PolicyVersion struct {
	Version int64
	Files   []PolicyFile
	Created time.Time
	Actor   string // SPIFFE ID of who applied it
}

// Grant is a time-bound permission for one principal to perform one action
// on one resource. Entity references are Cedar UIDs in text form, e.g.
// Agent::"a1", Action::"SendMessage". A grant stops working at Expires by
// itself; Revoked ends it early.
type Grant struct {
	ID        string
	Principal string
	Action    string
	Resource  string
	Reason    string
	CreatedBy string // SPIFFE ID
	Created   time.Time
	Expires   time.Time
	Revoked   time.Time // zero unless revoked
	RequestID string    // the access request that produced it, if any
}

// GrantFilter selects grants. Zero fields match everything.
type GrantFilter struct {
	Principal string
	// ActiveAt, when set, keeps grants with Created <= ActiveAt < Expires
	// and not revoked.
	ActiveAt time.Time
}

// AccessState is the state of an access request. Every state but pending
// is final.
type AccessState string

const (
	AccessPending  AccessState = "pending"
	AccessApproved AccessState = "approved"
	AccessDenied   AccessState = "denied"
	AccessExpired  AccessState = "expired"
	AccessRevoked  AccessState = "revoked"
)

// AccessRequest asks for a grant (Kind "access"), or for approval of one
// held operation (Kind "operation", created when policy says an action
// needs approval).
type AccessRequest struct {
	ID          string
	Kind        string
	Requester   string // Cedar UID, e.g. Agent::"s1"
	RequesterID string // SPIFFE ID
	Action      string
	Resource    string
	Reason      string
	Duration    time.Duration // of the grant asked for
	Needed      int           // approvals needed
	State       AccessState
	Created     time.Time
	Expires     time.Time // a pending request expires at this time
	Decided     time.Time // zero while pending
	GrantID     string    // set when approval created a grant
}

// AccessFilter selects access requests. Zero fields match everything.
type AccessFilter struct {
	State     AccessState
	Requester string
}

// Approval is one reviewer's vote on an access request.
type Approval struct {
	RequestID string
	Approver  string // SPIFFE ID
	Approve   bool   // false: a denial
	Comment   string
	Time      time.Time
}

// PolicyTx holds the policy, grant and access-request operations of Tx.
type PolicyTx interface {
	// PutPolicyVersion stores v with the next version number and returns it.
	PutPolicyVersion(v PolicyVersion) (int64, error)
	// PolicyVersion returns version n, or the latest when n is 0;
	// ErrNotFound if there is none.
	PolicyVersion(n int64) (PolicyVersion, error)
	// PolicyVersions lists all versions, oldest first, without their files.
	PolicyVersions() ([]PolicyVersion, error)

	// CreateGrant stores g; ErrExists if its ID is taken.
	CreateGrant(g Grant) error
	// Grant returns one grant; ErrNotFound if absent.
	Grant(id string) (Grant, error)
	// Grants returns grants matching f ordered by Created.
	Grants(f GrantFilter) ([]Grant, error)
	// RevokeGrant sets Revoked; ErrNotFound if absent, ErrConflict if it
	// was revoked already.
	RevokeGrant(id string, at time.Time) error

	// CreateAccessRequest stores r; ErrExists if its ID is taken.
	CreateAccessRequest(r AccessRequest) error
	// AccessRequest returns one request; ErrNotFound if absent.
	AccessRequest(id string) (AccessRequest, error)
	// AccessRequests returns requests matching f ordered by Created.
	AccessRequests(f AccessFilter) ([]AccessRequest, error)
	// FinishAccessRequest moves a pending request to a final state,
	// setting Decided and GrantID; ErrConflict if it is not pending,
	// ErrNotFound if absent.
	FinishAccessRequest(id string, state AccessState, decided time.Time, grantID string) error
	// AddApproval records a vote; ErrExists if that approver voted on the
	// request already.
	AddApproval(a Approval) error
	// Approvals returns the votes on a request in time order.
	Approvals(requestID string) ([]Approval, error)
}
