package server

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/messaging"
)

// hubCertTTL is the lifetime of the hub's own TLS certificate; it is
// re-issued in memory after half of it has passed.
const hubCertTTL = 24 * time.Hour

// hubSVID is the hub's own rotating X509-SVID (spiffe://TD/hub), with DNS
// and IP SANs so that plain TLS clients such as curl can verify the host.
// It implements x509svid.Source.
type hubSVID struct {
	ca       *identity.CA
	dnsNames []string
	ips      []net.IP
	withRoot bool // append the root so enrolling clients can pin it

	mu      sync.Mutex
	current *x509svid.SVID
	renewAt time.Time
}

var (
	_ x509svid.Source  = (*hubSVID)(nil)
	_ messaging.HubKey = (*hubSVID)(nil)
)

func newHubSVID(ca *identity.CA, names []string, withRoot bool) (*hubSVID, error) {
	h := &hubSVID{ca: ca, withRoot: withRoot}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			h.ips = append(h.ips, ip)
		} else {
			h.dnsNames = append(h.dnsNames, n)
		}
	}
	if _, err := h.GetX509SVID(); err != nil {
		return nil, err
	}
	return h, nil
}

// GetX509SVID returns the current certificate, issuing a new one when the
// old one is past half its life.
func (h *hubSVID) GetX509SVID() (*x509svid.SVID, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	if h.current != nil && now.Before(h.renewAt) {
		return h.current, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("hub key: %w", err)
	}
	hub, err := identity.HubID(h.ca.TrustDomain())
	if err != nil {
		return nil, err
	}
	svid, err := h.ca.IssueServer(key.Public(), hub, h.dnsNames, h.ips, hubCertTTL, now)
	if err != nil {
		return nil, fmt.Errorf("issue hub certificate: %w", err)
	}
	chain := svid.Chain
	if h.withRoot {
		chain = append(chain, h.ca.Roots()...)
	}
	h.current = &x509svid.SVID{ID: svid.ID, Certificates: chain, PrivateKey: key}
	h.renewAt = now.Add(svid.NotAfter.Sub(now) / 2)
	return h.current, nil
}

// HubKey returns the current key and certificate chain, so the hub can
// sign what it changes in a message (messaging.HubKey).
func (h *hubSVID) HubKey() (crypto.Signer, [][]byte, error) {
	svid, err := h.GetX509SVID()
	if err != nil {
		return nil, nil, err
	}
	chain := make([][]byte, len(svid.Certificates))
	for i, c := range svid.Certificates {
		chain[i] = c.Raw
	}
	return svid.PrivateKey, chain, nil
}
