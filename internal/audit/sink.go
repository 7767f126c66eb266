package audit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Sink receives each new signed checkpoint, to keep a copy outside the
// store. A copy held elsewhere is what lets Verify detect a rollback or a
// fork of the whole database.
type Sink interface {
	Publish(ctx context.Context, note []byte) error
}

var (
	_ Sink = (*FileSink)(nil)
	_ Sink = (*WebhookSink)(nil)
)

// FileSink appends each checkpoint note, followed by a blank line, to a
// file created with mode 0600, and syncs it before returning.
type FileSink struct {
	Path string
}

// Publish implements Sink.
func (s *FileSink) Publish(_ context.Context, note []byte) error {
	f, err := os.OpenFile(s.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	_, err = f.Write(append(append([]byte(nil), note...), '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("checkpoint file %s: %w", s.Path, err)
	}
	return nil
}

// String names the sink in logs.
func (s *FileSink) String() string { return "file " + s.Path }

// LastNote returns the last note in data written by a FileSink (notes
// separated by blank lines), or nil if there is none. A file holding a
// single note, with or without the trailing blank line, works too.
func LastNote(data []byte) []byte {
	paras := strings.Split(strings.TrimRight(string(data), "\n"), "\n\n")
	if len(paras) < 2 || !strings.HasPrefix(paras[len(paras)-1], "— ") {
		return nil
	}
	return []byte(paras[len(paras)-2] + "\n\n" + paras[len(paras)-1] + "\n")
}

// webhookTimeout bounds one webhook delivery.
const webhookTimeout = 5 * time.Second

// WebhookSink POSTs each checkpoint note as text/plain to an HTTPS URL.
// A delivery that takes longer than 5 s or gets a non-2xx status fails.
type WebhookSink struct {
	URL string
	// Client sends the request; nil means http.DefaultClient.
	Client *http.Client
}

// Publish implements Sink.
func (s *WebhookSink) Publish(ctx context.Context, note []byte) error {
	ctx, cancel := context.WithTimeout(ctx, webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(note))
	if err != nil {
		return fmt.Errorf("checkpoint webhook %s: %w", s, err)
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("checkpoint webhook %s: %w", s, redactURLError(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("checkpoint webhook %s: status %s", s, resp.Status)
	}
	return nil
}

// String names the sink in logs without the URL's credentials or query,
// which may hold a token.
func (s *WebhookSink) String() string { return "webhook " + redactURL(s.URL) }

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid url)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// redactURLError drops the URL (with its query) that net/http puts in
// transport errors.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
