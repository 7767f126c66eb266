package identity_test

import (
	"testing"

	"github.com/airlock-hub/airlock/internal/identity"
)

func BenchmarkIssueSVID(b *testing.B) {
	ca := newCA(b)
	csr := newCSR(b, newKey(b))
	id := agentID(b, "billing")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := ca.IssueSVID(csr, id, hour, epoch); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkParseCSR(b *testing.B) {
	der := readTestdata(b, "csr-p256.der")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := identity.ParseCSR(der); err != nil {
			b.Fatal(err)
		}
	}
}
