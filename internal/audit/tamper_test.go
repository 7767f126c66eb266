package audit

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/airlock-hub/airlock/internal/store"
)

// tamperLog builds the log the tamper tests attack: 50 events (the first is
// the signer's creation), checkpoints at sizes 20 and 50.
func tamperLog(t *testing.T, b *backend) *Signer {
	t.Helper()
	s := testSigner(t, b.st)
	cp := newCheckpointer(t, b.st, s, DefaultConfig())
	checkpointAt(t, b.st, cp, 20)
	checkpointAt(t, b.st, cp, 50)
	return s
}

func verifyLog(t *testing.T, b *backend, s *Signer, external []byte) (*Report, error) {
	t.Helper()
	return Verify(context.Background(), b.st, s.VerifierKey(), external, nil)
}

// wantVerifyError checks that err is a *VerifyError at index with a
// reason containing reason.
func wantVerifyError(t *testing.T, err error, index, checkpoint int64, reason string) {
	t.Helper()
	var ve *VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("Verify error = %v, want a *VerifyError", err)
	}
	if ve.Index != index || ve.Seq != index+1 || ve.Checkpoint != checkpoint {
		t.Errorf("VerifyError{Index: %d, Seq: %d, Checkpoint: %d}, want {%d, %d, %d}; reason: %s",
			ve.Index, ve.Seq, ve.Checkpoint, index, index+1, checkpoint, ve.Reason)
	}
	if !strings.Contains(ve.Reason, reason) {
		t.Errorf("reason %q does not contain %q", ve.Reason, reason)
	}
	t.Logf("%s", err)
}

func TestVerifyIntactLog(t *testing.T) {
	backends(t, func(t *testing.T, b *backend) {
		s := tamperLog(t, b)
		appendEvents(t, b.st, 53, 10)
		var calls int
		r, err := Verify(context.Background(), b.st, s.VerifierKey(), nil, func(done, total int64) {
			calls++
			if done != 53 || total != 53 {
				t.Errorf("progress(%d, %d), want (53, 53)", done, total)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if r.Size != 53 || r.Checkpoints != 2 || r.Latest.Size != 50 || r.Latest.Origin != testOrigin || r.Unsigned != 3 || calls != 1 {
			t.Errorf("report %+v, progress calls %d; want size 53, 2 checkpoints, latest 50, 3 unsigned, 1 call", r, calls)
		}
		var want tlog.Hash
		err = b.st.View(context.Background(), func(tx store.Tx) error {
			want, err = tlog.TreeHash(53, txHashes(tx))
			return err
		})
		if err != nil || r.Root != want {
			t.Errorf("report root %v, want %v (%v)", r.Root, want, err)
		}
	})
}

// TestVerifyDetectsTampering changes the database behind the store's back
// and checks that Verify names the first bad event.
func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name       string
		tamper     func(t *testing.T, b *backend)
		index      int64 // 0-based
		checkpoint int64
		reason     string
	}{
		{"edit one byte of a detail", func(t *testing.T, b *backend) {
			b.exec(t, `UPDATE audit_events SET detail = 'Event 017' WHERE seq = 17`)
		}, 16, 0, "event 17: contents do not match the logged hash (edited)"},
		{"edit an unsigned event", func(t *testing.T, b *backend) {
			appendEvents(t, b.st, 55, 10)
			b.exec(t, `UPDATE audit_events SET actor = 'spiffe://example.org/agent/evil' WHERE seq = 53`)
		}, 52, 0, "event 53: contents do not match"},
		{"delete an event", func(t *testing.T, b *backend) {
			b.exec(t, `DELETE FROM audit_events WHERE seq = 33`)
		}, 32, 0, "event 33 is missing"},
		{"swap two events", func(t *testing.T, b *backend) {
			b.swapEvents(t, 10, 30)
		}, 9, 0, "event 10: contents do not match"},
		{"insert in the middle", func(t *testing.T, b *backend) {
			b.insertForged(t, 25)
		}, 24, 0, "event 25: contents do not match"},
		{"insert in the middle, hashes rewritten", func(t *testing.T, b *backend) {
			b.insertForged(t, 25)
			b.rewriteHashes(t)
		}, 20, 50, "checkpoint at size 50 does not match the log: one or more of events 21..50"},
		{"replace the last signed event, hashes rewritten", func(t *testing.T, b *backend) {
			b.exec(t, `DELETE FROM audit_events WHERE seq = 50`)
			b.insertForged(t, 50)
			b.rewriteHashes(t)
		}, 20, 50, "checkpoint at size 50 does not match"},
		{"edit an interior hash", func(t *testing.T, b *backend) {
			b.exec(t, `UPDATE audit_hashes SET hash = ? WHERE idx = ?`, make([]byte, 32), tlog.StoredHashIndex(1, 5))
		}, 11, 0, "event 12: the stored tree hash at level 1 does not match"},
		{"truncate below the latest checkpoint", func(t *testing.T, b *backend) {
			b.exec(t, `DELETE FROM audit_events WHERE seq > 40`)
			b.exec(t, `DELETE FROM audit_hashes WHERE idx >= ?`, tlog.StoredHashIndex(0, 40))
		}, 40, 50, "log truncated or rolled back: checkpoint is at size 50 but the log has only 40 events"},
		{"delete the unsigned tail, hashes left", func(t *testing.T, b *backend) {
			appendEvents(t, b.st, 55, 10)
			b.exec(t, `DELETE FROM audit_events WHERE seq = 55`)
		}, 54, 0, "event 55 is missing: its hash is stored but the event is not"},
		{"append without hashes", func(t *testing.T, b *backend) {
			b.insertForged(t, 51)
		}, 50, 0, "event 51: the log holds no hashes for it"},
		{"forge a checkpoint", func(t *testing.T, b *backend) {
			skey, vkey, _ := note.GenerateKey(rand.Reader, testOrigin)
			other, err := signerFromKeys(testOrigin, skey, vkey)
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := other.Sign(50, tlog.Hash{})
			b.exec(t, `DELETE FROM audit_checkpoints WHERE size = 50`)
			b.exec(t, `INSERT INTO audit_checkpoints (size, root, note, created) SELECT 50, ?, ?, created FROM audit_checkpoints WHERE size = 20`,
				make([]byte, 32), msg)
		}, 49, 50, "stored checkpoint at size 50: bad checkpoint: not signed by the audit key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backends(t, func(t *testing.T, b *backend) {
				s := tamperLog(t, b)
				if _, err := verifyLog(t, b, s, nil); err != nil {
					t.Fatalf("before tampering: %v", err)
				}
				tt.tamper(t, b)
				_, err := verifyLog(t, b, s, nil)
				wantVerifyError(t, err, tt.index, tt.checkpoint, tt.reason)
			})
		})
	}
}

// TestVerifyUndetectable documents what Verify cannot see without an
// external checkpoint: if one of these starts failing, update the package
// documentation.
func TestVerifyUndetectable(t *testing.T) {
	backends(t, func(t *testing.T, b *backend) {
		s := tamperLog(t, b)
		b.insertForged(t, 51) // after the latest checkpoint…
		b.rewriteHashes(t)    // …with hashes to match
		r, err := verifyLog(t, b, s, nil)
		if err != nil {
			t.Fatalf("forged unsigned tail: %v", err)
		}
		if r.Size != 51 || r.Unsigned != 1 {
			t.Errorf("report size %d, unsigned %d; want 51, 1", r.Size, r.Unsigned)
		}
		b.exec(t, `DELETE FROM audit_events WHERE seq > 20`) // truncate…
		b.exec(t, `DELETE FROM audit_hashes WHERE idx >= ?`, tlog.StoredHashIndex(0, 20))
		b.exec(t, `DELETE FROM audit_checkpoints WHERE size > 20`) // …and drop the checkpoints
		if r, err = verifyLog(t, b, s, nil); err != nil || r.Size != 20 {
			t.Fatalf("truncated with checkpoints: size %v, err %v; want 20, nil", r, err)
		}
	})
}

// TestVerifyRollbackAndFork restores an old copy of the database, then
// regrows it differently; only an external checkpoint reveals either.
func TestVerifyRollbackAndFork(t *testing.T) {
	backends(t, func(t *testing.T, b *backend) {
		s := testSigner(t, b.st)
		sinkFile := filepath.Join(t.TempDir(), "checkpoints")
		cp := newCheckpointer(t, b.st, s, Config{File: sinkFile})
		checkpointAt(t, b.st, cp, 30)
		b.snapshot(t)
		cp = newCheckpointer(t, b.st, s, Config{File: sinkFile}) // the SQLite store was reopened
		checkpointAt(t, b.st, cp, 50)
		data, err := os.ReadFile(sinkFile)
		if err != nil {
			t.Fatal(err)
		}
		external := LastNote(data)
		if c, err := ParseCheckpoint(external, s.VerifierKey()); err != nil || c.Size != 50 {
			t.Fatalf("exported checkpoint: %+v, %v; want size 50", c, err)
		}
		if _, err := verifyLog(t, b, s, external); err != nil {
			t.Fatalf("before rollback: %v", err)
		}

		b.restore(t)
		if _, err := verifyLog(t, b, s, nil); err != nil {
			t.Fatalf("rollback without an external checkpoint: %v (documented as undetectable)", err)
		}
		_, err = verifyLog(t, b, s, external)
		wantVerifyError(t, err, 30, 50, "log truncated or rolled back: the external checkpoint is at size 50 but the log has only 30 events")

		cp = newCheckpointer(t, b.st, s, DefaultConfig())
		b.appendRegrown(t, 50)
		if _, err := cp.Checkpoint(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := verifyLog(t, b, s, nil); err != nil {
			t.Fatalf("regrown log on its own: %v", err)
		}
		_, err = verifyLog(t, b, s, external)
		wantVerifyError(t, err, 30, 50, "fork: the external checkpoint at size 50 signs root")
	})
}

// TestVerifyBadExternalCheckpoint feeds every broken note in testdata as
// the external checkpoint.
func TestVerifyBadExternalCheckpoint(t *testing.T) {
	b := newSQLite(t)
	s := loadTestdataSigner(t)
	appendEvents(t, b.st, 5, 10)
	for _, tc := range badNotes {
		t.Run(tc.file, func(t *testing.T) {
			_, err := verifyLog(t, b, s, readTestdata(t, tc.file))
			var ve *VerifyError
			if err == nil || errors.As(err, &ve) || !errors.Is(err, ErrBadCheckpoint) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Verify = %v, want a plain error wrapping ErrBadCheckpoint containing %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "external checkpoint: ") {
				t.Errorf("error %q does not say which checkpoint", err)
			}
		})
	}
}
