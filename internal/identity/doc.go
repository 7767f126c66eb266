// Package identity is the hub's certificate authority and the vocabulary of
// workload identity: SPIFFE IDs for agents, humans and the hub, the CA that
// issues X.509 SVIDs for them, CSR key policy, the CA fingerprint agents pin
// when they enroll, and single-use join tokens.
//
// A CA has a self-signed root (10 years) and an intermediate (5 years, path
// length 0) that signs every leaf. Leaves carry exactly one URI SAN, the
// SPIFFE ID, and are verified with go-spiffe's x509svid.Verify against
// CA.X509Bundle. Persist a CA with CA.Marshal, which wraps its private keys
// with a keys.KEK; load it back with UnmarshalCA.
//
// The package holds no storage and starts no goroutines; callers persist
// blobs, token hashes and issued serials where they see fit.
package identity
