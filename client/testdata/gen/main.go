//go:build ignore

// Command gen writes the identity fixtures in client/testdata: one valid
// identity directory and one broken file per Load failure case. Run it from
// the repository root:
//
//	go run client/testdata/gen/main.go
//
// Load does not check expiry, so the fixtures do not go stale.
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/airlock-hub/airlock/client"
	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/identity/identitytest"
)

const out = "client/testdata"

func main() {
	now := time.Now()
	ca, err := identity.NewCA(spiffeid.RequireTrustDomainFromString("airlock.local"), now)
	check(err)

	valid, err := identitytest.Mint(ca, identitytest.Options{}, now)
	check(err)
	id := &client.Identity{
		Key: valid.Key, Chain: valid.Chain[:2], Bundle: ca.Roots(),
		ID: valid.ID, Server: "https://127.0.0.1:8443",
	}
	check(id.Save(filepath.Join(out, "valid")))

	// One broken (or unusual) file per case; the test lays each over a copy
	// of valid/.
	write("corrupt-identity.json", []byte(`{"server": "https://127.0.0.1:8443", "spiffe_id": `))
	write("not-pem-key.pem", []byte("this is not a PEM file\n"))
	write("no-certificates-cert.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{0x30, 0x00}}))

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	check(err)
	rsaLeaf, err := identitytest.Mint(ca, identitytest.Options{Key: rsaKey}, now)
	check(err)
	der, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	check(err)
	write("rsa-key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	write("rsa-cert.pem", certsPEM(rsaLeaf.Chain[:2]))

	extra := &url.URL{Scheme: "spiffe", Host: "airlock.local", Path: "/agent/other"}
	two, err := identitytest.Mint(ca, identitytest.Options{Key: valid.Key, ExtraURIs: []*url.URL{extra}}, now)
	check(err)
	write("two-uri-sans-cert.pem", certsPEM(two.Chain[:2]))

	// A certificate for another key: what a crash between writing key.pem
	// and cert.pem leaves behind.
	other, err := identitytest.Mint(ca, identitytest.Options{}, now)
	check(err)
	write("other-key-cert.pem", certsPEM(other.Chain[:2]))
}

func certsPEM(certs []*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

func write(name string, data []byte) {
	check(os.WriteFile(filepath.Join(out, name), data, 0o644))
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
