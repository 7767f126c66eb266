package postgres

import (
	"errors"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"postgres://hub:pw@db:5432/hub?sslmode=disable", "postgres://hub:xxxxx@db:5432/hub?sslmode=disable"},
		{"postgres://hub@db/hub", "postgres://hub@db/hub"},
		{"postgresql://db/hub?password=pw&sslmode=require", "postgresql://db/hub?password=xxxxx&sslmode=require"},
		{"host=db user=hub password=pw dbname=hub", "host=db user=hub password=xxxxx dbname=hub"},
		{"host=db password='p w\\' x' dbname=hub", "host=db password=xxxxx dbname=hub"},
		{"postgres://hub:p@w@db:notaport/hub", "postgres://hub:xxxxx@db:notaport/hub"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPassword(t *testing.T) {
	tests := map[string]string{
		"postgres://hub:pw@db/hub":            "pw",
		"postgres://db/hub?password=qpw":      "qpw",
		"host=db password='kv pw' dbname=hub": "kv pw",
		"postgres://hub:p@w@db:notaport/hub":  "p@w",
		"postgres://hub@db/hub":               "",
	}
	for in, want := range tests {
		if got := password(in); got != want {
			t.Errorf("password(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestRedactErr(t *testing.T) {
	inner := errors.New("dial postgres://hub:pw123@db failed")
	err := redactErr(inner, "pw123")
	if strings.Contains(err.Error(), "pw123") {
		t.Errorf("redactErr: got %q, which contains the password", err)
	}
	if !errors.Is(err, inner) {
		t.Errorf("redactErr: errors.Is(err, inner) = false, want true")
	}
	if got := redactErr(inner, ""); got != inner {
		t.Errorf("redactErr with no secret: got %v, want the error unchanged", got)
	}
}
