package client

import (
	"errors"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/identity/identitytest"
)

// TestVerifiedChainCache: a sender chain that verified is remembered for
// the bundle it verified against and the window in which its certificates
// are valid, and only there.
func TestVerifiedChainCache(t *testing.T) {
	ca := identitytest.NewCA(t, "example.org")
	a1, a2 := testClient(t, ca, "a1"), testClient(t, ca, "a2")
	sent := time.Now()
	d := deliver(t, a1, sendReq(t, a1, "a2"), sent)
	if _, err := a2.verifyMine(d); err != nil {
		t.Fatalf("verify a good delivery: %v", err)
	}
	me := a2.Current()
	key := chainKey(me.ID.TrustDomain(), me.Bundle, d.GetSenderChain())
	v, ok := verifiedChains.get(key, sent)
	if !ok {
		t.Fatal("the verified chain is not cached")
	}
	if got, want := v.id.String(), "spiffe://example.org/agent/a1"; got != want {
		t.Errorf("cached sender = %s, want %s", got, want)
	}
	leaf := a1.Current().Chain[0]
	for _, at := range []time.Time{leaf.NotBefore.Add(-time.Second), leaf.NotAfter.Add(time.Second)} {
		if _, ok := verifiedChains.get(key, at); ok {
			t.Errorf("cache hit at %s, outside the leaf's validity %s..%s", at, leaf.NotBefore, leaf.NotAfter)
		}
	}
	// A second message from the same sender verifies from the cache.
	if _, err := a2.verifyMine(deliver(t, a1, sendReq(t, a1, "a2"), time.Now())); err != nil {
		t.Errorf("verify a second delivery: %v", err)
	}
}

// TestVerifiedChainCacheIsPerBundle: a chain cached as verified for one
// client is not trusted by a client of the same trust domain with another
// root.
func TestVerifiedChainCacheIsPerBundle(t *testing.T) {
	ca, other := identitytest.NewCA(t, "example.org"), identitytest.NewCA(t, "example.org")
	a1, a2 := testClient(t, ca, "a1"), testClient(t, ca, "a2")
	stranger := testClient(t, other, "a2")
	d := deliver(t, a1, sendReq(t, a1, "a2"), time.Now())
	if _, err := a2.verifyMine(d); err != nil {
		t.Fatalf("verify a good delivery: %v", err)
	}
	if _, err := stranger.verifyMine(d); !errors.Is(err, ErrUnverified) {
		t.Errorf("verify under another root: err = %v, want ErrUnverified", err)
	}
}

func TestChainCacheBounded(t *testing.T) {
	c := &chainCache{}
	ca := identitytest.NewCA(t, "example.org")
	leaf := identitytest.Leaf(t, ca, identitytest.Options{Name: "a1"})
	for i := range maxVerifiedChains + 1 {
		var k [32]byte
		k[0], k[1] = byte(i), byte(i>>8)
		c.put(k, leaf.ID, leaf.Chain, ca.Roots())
	}
	if n := len(c.m); n > maxVerifiedChains {
		t.Errorf("cache holds %d chains, limit %d", n, maxVerifiedChains)
	}
}
