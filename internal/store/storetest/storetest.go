// Package storetest is the contract suite every store.Store implementation
// runs, so that SQLite and PostgreSQL behave the same to their callers.
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hub.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// Run runs the contract suite. open must return a new, empty store for
// each call and arrange for it to be closed when t ends; the suite may
// close it earlier itself.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"Principals", testPrincipals},
		{"PrincipalStatus", testPrincipalStatus},
		{"ListPrincipals", testListPrincipals},
		{"ErrExistsKeepsTxUsable", testErrExistsKeepsTxUsable},
		{"Tokens", testTokens},
		{"TokenRace", testTokenRace},
		{"ReadModifyWriteIsAtomic", testReadModifyWrite},
		{"Certificates", testCertificates},
		{"Blobs", testBlobs},
		{"Times", testTimes},
		{"Roles", testRoles},
		{"Events", testEvents},
		{"EventFilters", testEventFilters},
		{"AuditTree", testAuditTree},
		{"InclusionProofs", testInclusionProofs},
		{"AuditRollback", testAuditRollback},
		{"CanonicalRoundTrip", testCanonicalRoundTrip},
		{"ReadHashes", testReadHashes},
		{"Checkpoints", testCheckpoints},
		{"PolicyVersions", testPolicyVersions},
		{"Grants", testGrants},
		{"GrantFilters", testGrantFilters},
		{"RevokeGrant", testRevokeGrant},
		{"AccessRequests", testAccessRequests},
		{"AccessFilters", testAccessFilters},
		{"FinishAccessRequest", testFinishAccessRequest},
		{"FinishRace", testFinishRace},
		{"Approvals", testApprovals},
		{"ApprovalRace", testApprovalRace},
		{"Messages", testMessages},
		{"MessageStates", testMessageStates},
		{"LeaseOrder", testLeaseOrder},
		{"LeaseExpiry", testLeaseExpiry},
		{"LeaseFor", testLeaseFor},
		{"DeadLetters", testDeadLetters},
		{"ListMessages", testListMessages},
		{"Quarantine", testQuarantine},
		{"AckMessage", testAckMessage},
		{"AckMessages", testAckMessages},
		{"PutMessages", testPutMessages},
		{"ReleaseMessages", testReleaseMessages},
		{"TakenMessageIDs", testTakenMessageIDs},
		{"Idempotency", testIdempotency},
		{"RewriteMessage", testRewriteMessage},
		{"Usage", testUsage},
		{"UsageFollowsChanges", testUsageFollowsChanges},
		{"PurgeAcked", testPurgeAcked},
		{"Originals", testOriginals},
		{"DeleteBlob", testDeleteBlob},
		{"MessageRollback", testMessageRollback},
		{"LeaseRace", testLeaseRace},
		{"Topics", testTopics},
		{"Subscriptions", testSubscriptions},
		{"TopicRollback", testTopicRollback},
		{"ConcurrentAppends", testConcurrentAppends},
		{"ConcurrentFailures", testConcurrentFailures},
		{"AuditWriteInView", testAuditWriteInView},
		{"RollbackOnError", testRollbackOnError},
		{"RollbackOnPanic", testRollbackOnPanic},
		{"ViewIsReadOnly", testViewIsReadOnly},
		{"CanceledContext", testCanceledContext},
		{"PingAndClose", testPingAndClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// base is a fixed time with microsecond precision, which every store keeps.
var base = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

// errTest is returned by transaction functions that must roll back.
var errTest = errors.New("test: roll back")

func update(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// wantErr fails t unless errors.Is(got, want); want nil means success.
func wantErr(t *testing.T, what string, got, want error) {
	t.Helper()
	if !errors.Is(got, want) {
		t.Errorf("%s: got error %v, want %v", what, got, want)
	}
}

// sameTime reports whether got is want, in UTC.
func sameTime(got, want time.Time) bool {
	return got.Equal(want) && got.Location() == time.UTC
}

func agent(name string) store.Principal {
	return store.Principal{
		Kind: store.KindAgent, Name: name, Segment: "default",
		Status: store.StatusActive, Created: base, Updated: base,
	}
}
