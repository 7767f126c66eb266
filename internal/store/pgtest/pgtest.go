// Package pgtest gives tests an isolated PostgreSQL schema on the server
// named by AIRLOCK_TEST_POSTGRES, and skips them with a clear message when
// the variable is unset.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the variable holding the test database URL.
const EnvVar = "AIRLOCK_TEST_POSTGRES"

// URL returns the database URL from AIRLOCK_TEST_POSTGRES or skips t.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvVar)
	if u == "" {
		t.Skip(EnvVar + " not set; set it to a PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable, to run the PostgreSQL tests")
	}
	return u
}

// FreshSchema creates an empty schema, dropped when t ends, and returns the
// test URL with search_path set to it.
func FreshSchema(t testing.TB) string {
	t.Helper()
	base := URL(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := pgx.Identifier{"airlock_test_" + hex.EncodeToString(b[:])}.Sanitize()
	Exec(t, base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { Exec(t, base, "DROP SCHEMA "+schema+" CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema[1:len(schema)-1])
	u.RawQuery = q.Encode()
	return u.String()
}

// Exec runs one statement on its own connection.
func Exec(t testing.TB, dbURL, stmt string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvVar, err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}
