package postgres

import (
	"net/url"
	"regexp"
	"strings"
)

// redactURL returns the connection string with any password replaced, for
// use in error messages. It handles both URLs and key=value strings.
func redactURL(conn string) string {
	if u, err := url.Parse(conn); err == nil && u.Scheme != "" {
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	conn = urlPassword.ReplaceAllString(conn, "${1}xxxxx@")
	return kvPassword.ReplaceAllString(conn, "${1}xxxxx")
}

var (
	// kvPassword matches password=… in a key=value string or a query.
	kvPassword = regexp.MustCompile(`(password\s*=\s*)('(\\.|[^'])*'|[^\s&]+)`)
	// urlPassword matches the password of a URL that does not parse.
	urlPassword = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*:)(.*)@`)
)

// password extracts the password from a connection string, or "".
func password(conn string) string {
	if u, err := url.Parse(conn); err == nil && u.Scheme != "" {
		if p, ok := u.User.Password(); ok {
			return p
		}
		return u.Query().Get("password")
	}
	if m := urlPassword.FindStringSubmatch(conn); m != nil {
		return m[2]
	}
	if m := kvPassword.FindStringSubmatch(conn); m != nil {
		return strings.Trim(m[2], "'")
	}
	return ""
}

// redactedError hides a password that an underlying error message might
// contain, while keeping the error chain for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactErr returns err with every occurrence of secret removed from its
// message.
func redactErr(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), secret, "xxxxx"), err: err}
}
