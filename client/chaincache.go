package client

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// maxVerifiedChains bounds the chain cache; when it is full it starts over.
const maxVerifiedChains = 4096

// verifiedChains remembers sender chains that verified, so that a sender's
// chain is checked against the trust bundle once rather than on every
// message it sends (the signature of each message is still verified).
//
// An entry is keyed by the trust domain, the bundle's certificates and the
// chain's certificates (all DER), so a chain verified against one bundle is
// never trusted under another. It holds the window in which every
// certificate of the chain and of the bundle is valid: within it the result
// of x509svid.Verify does not depend on the time, so a hit needs the
// message's time inside that window and otherwise verifies afresh. Only
// successes are cached.
var verifiedChains = &chainCache{}

// chainCache is a bounded map of verified chains, safe for concurrent use.
type chainCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]verifiedChain
}

// verifiedChain is a chain that verified, with what the checks need.
type verifiedChain struct {
	leaf      *x509.Certificate
	id        spiffeid.ID
	notBefore time.Time // latest NotBefore of the chain and the bundle
	notAfter  time.Time // earliest NotAfter of the chain and the bundle
}

// chainKey hashes td, bundle and chain, each certificate length-prefixed.
func chainKey(td spiffeid.TrustDomain, bundle []*x509.Certificate, chain [][]byte) [sha256.Size]byte {
	h := sha256.New()
	put := func(b []byte) {
		h.Write(binary.AppendUvarint(nil, uint64(len(b))))
		h.Write(b)
	}
	put([]byte(td.String()))
	h.Write(binary.AppendUvarint(nil, uint64(len(bundle))))
	for _, c := range bundle {
		put(c.Raw)
	}
	for _, der := range chain {
		put(der)
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// get returns the verified chain under k if at is inside its window.
func (c *chainCache) get(k [sha256.Size]byte, at time.Time) (verifiedChain, bool) {
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if !ok || at.Before(v.notBefore) || at.After(v.notAfter) {
		return verifiedChain{}, false
	}
	return v, true
}

// put records that chain verified against bundle as id.
func (c *chainCache) put(k [sha256.Size]byte, id spiffeid.ID, chain, bundle []*x509.Certificate) {
	v := verifiedChain{leaf: chain[0], id: id, notBefore: chain[0].NotBefore, notAfter: chain[0].NotAfter}
	for _, cert := range append(chain[1:len(chain):len(chain)], bundle...) {
		if cert.NotBefore.After(v.notBefore) {
			v.notBefore = cert.NotBefore
		}
		if cert.NotAfter.Before(v.notAfter) {
			v.notAfter = cert.NotAfter
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxVerifiedChains {
		c.m = make(map[[sha256.Size]byte]verifiedChain)
	}
	c.m[k] = v
}
