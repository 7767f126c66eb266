package audit

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Config configures a Checkpointer. The zero value of a field means its
// default; DefaultConfig spells the defaults out.
type Config struct {
	// Interval is the longest time between checkpoints while events are
	// being appended: a checkpoint is signed this often if the log grew.
	// Default 10s; at least 1s.
	Interval time.Duration `yaml:"interval"`
	// EveryN signs a checkpoint as soon as the log has grown by this many
	// events since the last one, without waiting for Interval. The log is
	// polled once a second, so a burst may run past EveryN by a second's
	// worth of events. Default 1000.
	EveryN int64 `yaml:"every_n"`
	// File, if set, is a path to which each new checkpoint note is
	// appended (mode 0600, synced). Keep it on another disk or ship it
	// elsewhere: a copy outside the store detects rollbacks.
	File string `yaml:"file"`
	// Webhook, if set, is an https URL that receives each new checkpoint
	// note in a POST (text/plain, 5 s timeout). Failures are logged, and
	// never delay appends.
	Webhook string `yaml:"webhook"`
	// Sinks receive each new checkpoint besides File and Webhook; for
	// programs embedding the hub, and tests.
	Sinks []Sink `yaml:"-"`
}

// Defaults.
const (
	DefaultInterval = 10 * time.Second
	DefaultEveryN   = 1000
)

// DefaultConfig returns the defaults: a checkpoint every 10 s or every
// 1000 events, no sinks.
func DefaultConfig() Config {
	return Config{Interval: DefaultInterval, EveryN: DefaultEveryN}
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.EveryN == 0 {
		c.EveryN = DefaultEveryN
	}
	return c
}

// Validate reports the first invalid field, by its YAML name.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.Interval < time.Second {
		return fmt.Errorf("audit.interval: %v is too short, minimum is 1s", c.Interval)
	}
	if c.EveryN < 1 {
		return fmt.Errorf("audit.every_n: %d, want at least 1", c.EveryN)
	}
	if c.Webhook != "" {
		u, err := url.Parse(c.Webhook)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return errors.New("audit.webhook: want an https:// URL with a host")
		}
	}
	return nil
}

// sinks returns the sinks the config names.
func (c Config) sinks() []Sink {
	var out []Sink
	if c.File != "" {
		out = append(out, &FileSink{Path: c.File})
	}
	if c.Webhook != "" {
		out = append(out, &WebhookSink{URL: c.Webhook})
	}
	return append(out, c.Sinks...)
}
