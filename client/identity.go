package client

import (
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// Files in an identity directory.
const (
	KeyFile      = "key.pem"       // PKCS#8 private key, mode 0600
	CertFile     = "cert.pem"      // leaf certificate then intermediates
	BundleFile   = "bundle.pem"    // the hub's root certificates
	MetadataFile = "identity.json" // server URL, SPIFFE ID, expiry
)

// Identity is an enrolled agent's (or human's) credentials.
type Identity struct {
	Key    crypto.Signer
	Chain  []*x509.Certificate // leaf first
	Bundle []*x509.Certificate // trust anchors
	ID     spiffeid.ID
	// Server is the agent API URL, e.g. https://127.0.0.1:8443.
	Server string
}

// Metadata is the content of identity.json.
type Metadata struct {
	Server    string    `json:"server"`
	SPIFFEID  string    `json:"spiffe_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

// NotAfter is when the leaf certificate expires.
func (id *Identity) NotAfter() time.Time { return id.Chain[0].NotAfter }

// Load reads an identity directory written by Save.
func Load(dir string) (*Identity, error) {
	var md Metadata
	if err := readJSON(filepath.Join(dir, MetadataFile), &md); err != nil {
		return nil, err
	}
	key, err := readKey(filepath.Join(dir, KeyFile))
	if err != nil {
		return nil, err
	}
	chain, err := readCerts(filepath.Join(dir, CertFile))
	if err != nil {
		return nil, err
	}
	bundle, err := readCerts(filepath.Join(dir, BundleFile))
	if err != nil {
		return nil, err
	}
	id, err := newIdentity(key, chain, bundle, md.Server)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, CertFile), err)
	}
	if !publicKeyMatches(chain[0], key) {
		return nil, fmt.Errorf("%s does not match the certificate in %s (re-enroll: airlock enroll --out DIR)", filepath.Join(dir, KeyFile), CertFile)
	}
	return id, nil
}

func newIdentity(key crypto.Signer, chain, bundle []*x509.Certificate, server string) (*Identity, error) {
	if len(chain) == 0 || len(bundle) == 0 {
		return nil, errors.New("identity needs a certificate chain and a trust bundle")
	}
	if len(chain[0].URIs) != 1 {
		return nil, errors.New("leaf certificate must carry exactly one SPIFFE ID")
	}
	id, err := spiffeid.FromURI(chain[0].URIs[0])
	if err != nil {
		return nil, fmt.Errorf("leaf certificate: %w", err)
	}
	return &Identity{Key: key, Chain: chain, Bundle: bundle, ID: id, Server: server}, nil
}

// Save writes the identity to dir (created 0700): key.pem with mode 0600,
// cert.pem, bundle.pem and identity.json. Each file is replaced atomically.
func (id *Identity) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create identity dir: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(id.Key)
	if err != nil {
		return fmt.Errorf("encode private key: %w", err)
	}
	md, err := json.MarshalIndent(Metadata{Server: id.Server, SPIFFEID: id.ID.String(), ExpiresAt: id.NotAfter().UTC()}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode identity.json: %w", err)
	}
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{KeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600},
		{CertFile, encodeCerts(id.Chain), 0o644},
		{BundleFile, encodeCerts(id.Bundle), 0o644},
		{MetadataFile, append(md, '\n'), 0o644},
	}
	for _, f := range files {
		if err := writeAtomic(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

func encodeCerts(certs []*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read identity: %w (enroll first: airlock enroll --out DIR)", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}

func readKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PEM \"PRIVATE KEY\" block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: unsupported key type %T", path, k)
	}
	return signer, nil
}

func readCerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read certificates: %w", err)
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no certificates", path)
	}
	return certs, nil
}
