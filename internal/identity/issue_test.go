package identity_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

const hour = time.Hour

// verifySVID checks the chain with go-spiffe and the expected ID.
func verifySVID(t *testing.T, ca *identity.CA, svid *identity.SVID) {
	t.Helper()
	got, _, err := x509svid.Verify(svid.Chain, ca.X509Bundle(), x509svid.WithTime(svid.Leaf().NotBefore.Add(2*time.Minute)))
	if err != nil {
		t.Fatalf("x509svid.Verify: %v", err)
	}
	if got != svid.ID {
		t.Errorf("verified ID = %s, want %s", got, svid.ID)
	}
}

func TestIssueSVIDVerifies(t *testing.T) {
	ca := newCA(t)
	id := agentID(t, "billing")
	svid, err := ca.IssueSVID(newCSR(t, newKey(t)), id, hour, epoch.Add(time.Hour))
	if err != nil {
		t.Fatalf("IssueSVID: %v", err)
	}
	verifySVID(t, ca, svid)
	if _, _, err := x509svid.Verify(svid.Chain, newCA(t).X509Bundle(), x509svid.WithTime(epoch.Add(time.Hour))); err == nil {
		t.Error("SVID verified against an unrelated CA, want error")
	}
}

func TestIssueSVIDLeafProfile(t *testing.T) {
	ca := newCA(t)
	key := newKey(t)
	id := agentID(t, "billing")
	now := epoch.Add(24 * time.Hour)
	svid, err := ca.IssueSVID(newCSR(t, key), id, hour, now)
	if err != nil {
		t.Fatalf("IssueSVID: %v", err)
	}
	leaf := svid.Leaf()
	checks := []struct {
		what      string
		got, want any
	}{
		{"chain length", len(svid.Chain), 2},
		{"chain[1] is the intermediate", svid.Chain[1].Equal(ca.Intermediate()), true},
		{"URIs", fmt.Sprint(leaf.URIs), fmt.Sprint([]*url.URL{id.URL()})},
		{"DNS names (CSR SANs ignored)", len(leaf.DNSNames), 0},
		{"IPs", len(leaf.IPAddresses), 0},
		{"emails", len(leaf.EmailAddresses), 0},
		{"IsCA", leaf.IsCA, false},
		{"BasicConstraintsValid", leaf.BasicConstraintsValid, true},
		{"KeyUsage", leaf.KeyUsage, x509.KeyUsageDigitalSignature},
		{"ExtKeyUsage", fmt.Sprint(leaf.ExtKeyUsage), fmt.Sprint([]x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth})},
		{"NotBefore", leaf.NotBefore, now.Add(-time.Minute)},
		{"NotAfter", leaf.NotAfter, now.Add(hour)},
		{"SVID.NotAfter", svid.NotAfter, leaf.NotAfter},
		{"SVID.ID", svid.ID, id},
		{"Serial", svid.Serial, leaf.SerialNumber.Text(16)},
		{"serial bits <= 128", leaf.SerialNumber.BitLen() <= 128, true},
		{"serial positive", leaf.SerialNumber.Sign(), 1},
		{"public key", key.PublicKey.Equal(leaf.PublicKey), true},
		{"signed by intermediate", leaf.CheckSignatureFrom(ca.Intermediate()) == nil, true},
		{"subject CN", leaf.Subject.CommonName, ""},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestIssueSVIDSerialsDiffer(t *testing.T) {
	ca := newCA(t)
	csr := newCSR(t, newKey(t))
	seen := map[string]bool{}
	for range 20 {
		svid, err := ca.IssueSVID(csr, agentID(t, "a"), hour, epoch)
		if err != nil {
			t.Fatal(err)
		}
		if seen[svid.Serial] {
			t.Fatalf("serial %s issued twice", svid.Serial)
		}
		seen[svid.Serial] = true
		if svid.Serial != identity.SerialHex(svid.Leaf()) {
			t.Errorf("Serial = %s, SerialHex = %s", svid.Serial, identity.SerialHex(svid.Leaf()))
		}
	}
}

func TestIssueSVIDValidity(t *testing.T) {
	ca := newCA(t)
	interEnd := ca.Intermediate().NotAfter
	tests := []struct {
		name          string
		now           time.Time
		ttl           time.Duration
		wantNotBefore time.Time
		wantNotAfter  time.Time
	}{
		{"normal", epoch.Add(hour), hour, epoch.Add(hour - time.Minute), epoch.Add(2 * hour)},
		{"clamped to intermediate", interEnd.Add(-30 * time.Minute), hour, interEnd.Add(-31 * time.Minute), interEnd},
		{"huge ttl clamped", epoch.Add(hour), 100 * 365 * 24 * hour, epoch.Add(hour - time.Minute), interEnd},
		{"not before intermediate", epoch, hour, ca.Intermediate().NotBefore, epoch.Add(hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svid, err := ca.IssueSVID(newCSR(t, newKey(t)), agentID(t, "a"), tt.ttl, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if got := svid.Leaf().NotBefore; !got.Equal(tt.wantNotBefore) {
				t.Errorf("NotBefore = %v, want %v", got, tt.wantNotBefore)
			}
			if got := svid.NotAfter; !got.Equal(tt.wantNotAfter) {
				t.Errorf("NotAfter = %v, want %v", got, tt.wantNotAfter)
			}
		})
	}
}

func TestIssueSVIDRejects(t *testing.T) {
	ca := newCA(t)
	csr := newCSR(t, newKey(t))
	good := agentID(t, "a")
	foreign := spiffeid.RequireFromString("spiffe://other.example/agent/a")
	odd := spiffeid.RequireFromString("spiffe://example.org/workload/a")
	badSig := *csr
	badSig.Signature = slices.Clone(csr.Signature)
	badSig.Signature[len(badSig.Signature)-1] ^= 1
	tests := []struct {
		name string
		csr  *x509.CertificateRequest
		id   spiffeid.ID
		ttl  time.Duration
		now  time.Time
		is   error
	}{
		{"nil csr", nil, good, hour, epoch, nil},
		{"bad csr signature", &badSig, good, hour, epoch, identity.ErrInvalidCSR},
		{"foreign trust domain", csr, foreign, hour, epoch, identity.ErrForeignTrustDomain},
		{"unknown path", csr, odd, hour, epoch, identity.ErrUnknownPrincipal},
		{"zero id", csr, spiffeid.ID{}, hour, epoch, identity.ErrForeignTrustDomain},
		{"zero ttl", csr, good, 0, epoch, nil},
		{"negative ttl", csr, good, -hour, epoch, nil},
		{"zero now", csr, good, hour, time.Time{}, nil},
		{"intermediate expired", csr, good, hour, ca.Intermediate().NotAfter, nil},
		{"before intermediate", csr, good, hour, epoch.Add(-time.Hour), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svid, err := ca.IssueSVID(tt.csr, tt.id, tt.ttl, tt.now)
			if err == nil || svid != nil {
				t.Fatalf("IssueSVID = %v, %v; want error", svid, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v", err, tt.is)
			}
		})
	}
}

func TestIssueServer(t *testing.T) {
	ca := newCA(t)
	key := newKey(t)
	hub, err := identity.HubID(td)
	if err != nil {
		t.Fatal(err)
	}
	svid, err := ca.IssueServer(key.Public(), hub, []string{"localhost", "hub.example.org"},
		[]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, 24*hour, epoch)
	if err != nil {
		t.Fatalf("IssueServer: %v", err)
	}
	leaf := svid.Leaf()
	if got, want := fmt.Sprint(leaf.URIs), "[spiffe://example.org/hub]"; got != want {
		t.Errorf("URIs = %s, want %s", got, want)
	}
	verifySVID(t, ca, svid)
	// Plain host-name verification, the way curl --cacert does it.
	roots := x509.NewCertPool()
	roots.AddCert(ca.Roots()[0])
	inters := x509.NewCertPool()
	inters.AddCert(ca.Intermediate())
	for _, host := range []string{"localhost", "hub.example.org", "127.0.0.1", "::1"} {
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: inters, CurrentTime: epoch})
		if err != nil {
			t.Errorf("verify for host %s: %v", host, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "evil.example.org", Roots: roots, Intermediates: inters, CurrentTime: epoch}); err == nil {
		t.Error("verify for an unlisted host succeeded, want error")
	}
}

func TestIssueServerRejects(t *testing.T) {
	ca := newCA(t)
	hub, _ := identity.HubID(td)
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.IssueServer(p224.Public(), hub, []string{"localhost"}, nil, hour, epoch); !errors.Is(err, identity.ErrKeyPolicy) {
		t.Errorf("P-224 key: err = %v, want ErrKeyPolicy", err)
	}
	if _, err := ca.IssueServer(newKey(t).Public(), hub, []string{""}, nil, hour, epoch); err == nil {
		t.Error("empty DNS name: succeeded, want error")
	}
}

// TestMTLSHandshake runs a real TLS 1.3 handshake on 127.0.0.1 with a
// server certificate from IssueServer and a client SVID from IssueSVID.
func TestMTLSHandshake(t *testing.T) {
	now := time.Now()
	ca, err := identity.NewCA(td, now)
	if err != nil {
		t.Fatal(err)
	}
	hub, _ := identity.HubID(td)
	serverKey, clientKey := newKey(t), newKey(t)
	server, err := ca.IssueServer(serverKey.Public(), hub, []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}, hour, now)
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.IssueSVID(newCSR(t, clientKey), agentID(t, "billing"), hour, now)
	if err != nil {
		t.Fatal(err)
	}
	gotID := handshake(t, ca, tlsCert(server, serverKey), tlsCert(client, clientKey))
	if want := agentID(t, "billing"); gotID != want {
		t.Errorf("server saw client %s, want %s", gotID, want)
	}
}

func tlsCert(s *identity.SVID, key *ecdsa.PrivateKey) tls.Certificate {
	c := tls.Certificate{PrivateKey: key, Leaf: s.Leaf()}
	for _, cert := range s.Chain {
		c.Certificate = append(c.Certificate, cert.Raw)
	}
	return c
}

// handshake returns the SPIFFE ID the server verified for the client.
func handshake(t *testing.T, ca *identity.CA, server, client tls.Certificate) spiffeid.ID {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(ca.Roots()[0])
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{server},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: roots,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ids := make(chan spiffeid.ID, 1)
	go func() {
		defer close(ids)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		tc := conn.(*tls.Conn)
		if tc.Handshake() != nil {
			return
		}
		id, _, err := x509svid.Verify(tc.ConnectionState().PeerCertificates, ca.X509Bundle())
		if err == nil {
			ids <- id
		}
	}()
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{
		MinVersion: tls.VersionTLS13, RootCAs: roots, ServerName: "localhost", Certificates: []tls.Certificate{client},
	})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn.Close()
	return <-ids
}
