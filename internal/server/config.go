package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"go.yaml.in/yaml/v3"

	"github.com/airlock-hub/airlock/internal/audit"
	"github.com/airlock-hub/airlock/internal/messaging"
	"github.com/airlock-hub/airlock/internal/policy"
)

// Config is the hub's configuration, read from one YAML file. The comments
// on each field are the user documentation (see docs/configuration.md).
type Config struct {
	// DataDir holds the key-encryption key (kek.json, mode 0600), the
	// SQLite database when Store is empty, and the local admin identity.
	DataDir string `yaml:"data_dir"`
	// TrustDomain names the SPIFFE trust domain; agent IDs are
	// spiffe://TRUST_DOMAIN/agent/NAME. Default "airlock.local".
	TrustDomain string `yaml:"trust_domain"`
	// Store is where state lives: empty for SQLite in DataDir/airlock.db,
	// "sqlite:PATH" for another SQLite file, or a "postgres://" URL when
	// several hub nodes share state.
	Store string `yaml:"store"`
	// Listen is the agent API address (mutual TLS 1.3). Default 127.0.0.1:8443.
	Listen string `yaml:"listen"`
	// EnrollListen is the enrollment address (server-authenticated TLS 1.3):
	// Enroll, /bundle.pem and /healthz only. Default 127.0.0.1:8444.
	EnrollListen string `yaml:"enroll_listen"`
	// MetricsListen serves Prometheus /metrics, /healthz and /readyz over
	// plain HTTP. Default 127.0.0.1:9464; "off" disables it.
	MetricsListen string `yaml:"metrics_listen"`
	// AdvertiseAddress is the agent API address given to enrolling agents.
	// Default: Listen.
	AdvertiseAddress string `yaml:"advertise_address"`
	// ServerNames are the DNS names and IP addresses put in the hub's TLS
	// certificate. Default: localhost, 127.0.0.1, ::1.
	ServerNames []string `yaml:"server_names"`
	// SVIDTTL is the lifetime of agent certificates. Default 1h, at least 5m.
	SVIDTTL time.Duration `yaml:"svid_ttl"`
	// HumanSVIDTTL is the lifetime of human (admin) certificates. Default 12h.
	HumanSVIDTTL time.Duration `yaml:"human_svid_ttl"`
	// MaxRequestBytes bounds one request message on the agent API.
	// Default 2 MiB (a message body may be up to 1 MiB, or this minus
	// 64 KiB if smaller).
	MaxRequestBytes int `yaml:"max_request_bytes"`
	// Node names this hub node in logs and audit events. Default: hostname.
	Node string `yaml:"node"`
	// Log configures structured logging.
	Log LogConfig `yaml:"log"`
	// Audit configures signed checkpoints of the audit log and where
	// copies of them are sent.
	Audit audit.Config `yaml:"audit"`
	// Policy configures grants and access requests.
	Policy PolicyConfig `yaml:"policy"`
	// Messaging configures mailboxes.
	Messaging MessagingConfig `yaml:"messaging"`
	// Screening configures the content firewall: thresholds and what to do
	// with secrets, by default and per recipient segment.
	Screening ScreeningConfig `yaml:"screening"`
}

// MessagingConfig configures delivery and mailbox quotas.
type MessagingConfig struct {
	// Lease is how long a delivered message stays invisible while the
	// receiver works on it; unacknowledged, it is delivered again after.
	// Default 30s.
	Lease time.Duration `yaml:"lease"`
	// MaxAttempts is how many deliveries a message gets before it moves to
	// the mailbox's dead-letter queue. Default 5.
	MaxAttempts int `yaml:"max_attempts"`
	// QuotaMessages and QuotaBytes bound what one mailbox holds unacked.
	// Defaults 10000 messages and 100 MiB.
	QuotaMessages int64 `yaml:"quota_messages"`
	QuotaBytes    int64 `yaml:"quota_bytes"`
	// MaxBodyBytes bounds one message body. Default 1 MiB, or
	// max_request_bytes minus 64 KiB (room for the envelope) if that is
	// smaller; set, it must fit in max_request_bytes the same way.
	MaxBodyBytes int `yaml:"max_body_bytes"`
	// Retention is how long acked messages are kept before they are
	// deleted (checked every 5 minutes). Default 168h (7 days); at least
	// 48h, so that idempotent retries and replayed envelopes (refused once
	// their ID is over 24h old) are never taken for new messages.
	Retention time.Duration `yaml:"retention"`
}

// envelopeRoom is what a request needs besides the body: the envelope's
// other fields and the signature.
const envelopeRoom = 64 << 10

// MaxBody is the body limit messaging enforces (see MaxBodyBytes).
func (c Config) MaxBody() int {
	if c.Messaging.MaxBodyBytes > 0 {
		return c.Messaging.MaxBodyBytes
	}
	return max(1, min(messaging.DefaultMaxBody, c.MaxRequestBytes-envelopeRoom))
}

// PolicyConfig configures grants and just-in-time access requests.
type PolicyConfig struct {
	// MaxGrantTTL caps every grant, including those created by approved
	// access requests. Default 336h (14 days).
	MaxGrantTTL time.Duration `yaml:"max_grant_ttl"`
	// RequestExpiry is how long an access request stays pending. Default 24h.
	RequestExpiry time.Duration `yaml:"request_expiry"`
	// Approvals is the number of approvals an access request for an action
	// needs, by action name, e.g. {ManagePolicy: 2}. Default 1. A permit's
	// @approval("N") raises it for the actions it covers.
	Approvals map[string]int `yaml:"approvals"`
}

// LogConfig configures log/slog output.
type LogConfig struct {
	// Level is debug, info, warn or error. Default info.
	Level string `yaml:"level"`
	// Format is json or text. Default json.
	Format string `yaml:"format"`
}

// DefaultConfig returns the configuration used when a field is not set.
func DefaultConfig() Config {
	host, _ := os.Hostname()
	return Config{
		TrustDomain:     "airlock.local",
		Listen:          "127.0.0.1:8443",
		EnrollListen:    "127.0.0.1:8444",
		MetricsListen:   "127.0.0.1:9464",
		ServerNames:     []string{"localhost", "127.0.0.1", "::1"},
		SVIDTTL:         time.Hour,
		HumanSVIDTTL:    12 * time.Hour,
		MaxRequestBytes: 2 << 20,
		Node:            host,
		Log:             LogConfig{Level: "info", Format: "json"},
		Audit:           audit.DefaultConfig(),
		Policy:          PolicyConfig{MaxGrantTTL: 14 * 24 * time.Hour, RequestExpiry: 24 * time.Hour},
		Messaging: MessagingConfig{Lease: 30 * time.Second, MaxAttempts: 5, QuotaMessages: 10000, QuotaBytes: 100 << 20,
			Retention: messaging.DefaultRetention},
	}
}

// ParseConfig reads YAML over DefaultConfig. Unknown keys are errors.
func ParseConfig(r io.Reader) (Config, error) {
	cfg := DefaultConfig()
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return cfg, fmt.Errorf("read config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return cfg, fmt.Errorf("parse config: %w", err)
	}
	return cfg, nil
}

// LoadConfig reads and validates the file at path.
func LoadConfig(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("open config: %w", err)
	}
	defer f.Close()
	cfg, err := ParseConfig(f)
	if err != nil {
		return cfg, fmt.Errorf("%s: %w", path, err)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// Validate checks every field and names the first one that is wrong.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if c.DataDir == "" {
		bad("data_dir", "is required")
	}
	if _, err := spiffeid.TrustDomainFromString(c.TrustDomain); err != nil {
		bad("trust_domain", "%v", err)
	}
	if !(c.Store == "" || strings.HasPrefix(c.Store, "sqlite:") ||
		strings.HasPrefix(c.Store, "postgres://") || strings.HasPrefix(c.Store, "postgresql://")) {
		bad("store", "must be empty (SQLite in data_dir), sqlite:PATH or a postgres:// URL")
	}
	checkAddr := func(field, addr string) {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			bad(field, "%q is not host:port", addr)
		}
	}
	checkAddr("listen", c.Listen)
	checkAddr("enroll_listen", c.EnrollListen)
	if c.MetricsListen != "off" {
		checkAddr("metrics_listen", c.MetricsListen)
	}
	if c.SVIDTTL < 5*time.Minute || c.SVIDTTL > 30*24*time.Hour {
		bad("svid_ttl", "%s is out of range 5m to 720h", c.SVIDTTL)
	}
	if c.HumanSVIDTTL < 5*time.Minute || c.HumanSVIDTTL > 30*24*time.Hour {
		bad("human_svid_ttl", "%s is out of range 5m to 720h", c.HumanSVIDTTL)
	}
	if c.MaxRequestBytes < 1<<10 || c.MaxRequestBytes > 64<<20 {
		bad("max_request_bytes", "%d is out of range 1024 to 67108864", c.MaxRequestBytes)
	}
	if len(c.ServerNames) == 0 {
		bad("server_names", "needs at least one name")
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		bad("log.level", "%q is not debug, info, warn or error", c.Log.Level)
	}
	if !slices.Contains([]string{"json", "text"}, c.Log.Format) {
		bad("log.format", "%q is not json or text", c.Log.Format)
	}
	if err := c.Audit.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.Policy.MaxGrantTTL < time.Minute || c.Policy.MaxGrantTTL > 365*24*time.Hour {
		bad("policy.max_grant_ttl", "%s is out of range 1m to 8760h", c.Policy.MaxGrantTTL)
	}
	if c.Policy.RequestExpiry < time.Minute || c.Policy.RequestExpiry > 30*24*time.Hour {
		bad("policy.request_expiry", "%s is out of range 1m to 720h", c.Policy.RequestExpiry)
	}
	if c.Messaging.Lease < time.Second || c.Messaging.Lease > time.Hour {
		bad("messaging.lease", "%s is out of range 1s to 1h", c.Messaging.Lease)
	}
	if c.Messaging.MaxAttempts < 1 || c.Messaging.MaxAttempts > 100 {
		bad("messaging.max_attempts", "%d is out of range 1 to 100", c.Messaging.MaxAttempts)
	}
	if c.Messaging.QuotaMessages < 1 {
		bad("messaging.quota_messages", "%d: must be at least 1", c.Messaging.QuotaMessages)
	}
	if c.Messaging.QuotaBytes < 1<<10 {
		bad("messaging.quota_bytes", "%d: must be at least 1024", c.Messaging.QuotaBytes)
	}
	if r := c.Messaging.Retention; r < messaging.MinRetention || r > 10*365*24*time.Hour {
		bad("messaging.retention", "%s is out of range 48h to 87600h", r)
	}
	if n := c.Messaging.MaxBodyBytes; n < 0 || (n > 0 && n > c.MaxRequestBytes-envelopeRoom) {
		bad("messaging.max_body_bytes", "%d does not fit: it must be between 1 and max_request_bytes (%d) minus 64 KiB for the envelope; raise max_request_bytes too",
			n, c.MaxRequestBytes)
	}
	if _, err := c.Screening.pipeline(); err != nil {
		errs = append(errs, err)
	}
	for action, n := range c.Policy.Approvals {
		if _, err := policy.ActionName(action); err != nil {
			bad("policy.approvals", "%v", err)
		} else if n < 1 || n > 10 {
			bad("policy.approvals."+action, "%d is out of range 1 to 10", n)
		}
	}
	return errors.Join(errs...)
}

// KEKPath is where the file KEK lives.
func (c Config) KEKPath() string { return filepath.Join(c.DataDir, "kek.json") }

// AdminDir is where the local admin identity is written.
func (c Config) AdminDir() string { return filepath.Join(c.DataDir, "admin") }
