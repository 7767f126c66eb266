package keys

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newTestKEK(t *testing.T) *FileKEK {
	t.Helper()
	k, err := CreateFileKEK(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatalf("CreateFileKEK: %v", err)
	}
	return k
}

func TestFileKEKRoundTrip(t *testing.T) {
	k := newTestKEK(t)
	plaintext, ad := []byte("ca private key"), []byte("airlock/ca/root")
	ct, err := k.Encrypt(plaintext, ad)
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	if bytes.Contains(ct, plaintext) {
		t.Fatalf("ciphertext contains the plaintext")
	}
	got, err := k.Decrypt(ct, ad)
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if !bytes.Equal(got, plaintext) {
		t.Errorf("Decrypt = %q, want %q", got, plaintext)
	}
}

func TestFileKEKReopen(t *testing.T) {
	k := newTestKEK(t)
	ct, err := k.Encrypt([]byte("secret"), nil)
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	k2, err := OpenFileKEK(k.Path())
	if err != nil {
		t.Fatalf("OpenFileKEK: %v", err)
	}
	if got, want := k2.ID(), k.ID(); got != want {
		t.Errorf("reopened ID = %q, want %q", got, want)
	}
	if got, err := k2.Decrypt(ct, nil); err != nil || string(got) != "secret" {
		t.Errorf("reopened Decrypt = %q, %v; want %q, nil", got, err, "secret")
	}
}

func TestFileKEKWrongAssociatedData(t *testing.T) {
	k := newTestKEK(t)
	ct, err := k.Encrypt([]byte("secret"), []byte("purpose-a"))
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	if _, err := k.Decrypt(ct, []byte("purpose-b")); err == nil {
		t.Fatal("Decrypt with other associated data succeeded, want error")
	}
}

func TestFileKEKOtherKeyCannotDecrypt(t *testing.T) {
	a, b := newTestKEK(t), newTestKEK(t)
	if a.ID() == b.ID() {
		t.Fatalf("two new KEKs share ID %q", a.ID())
	}
	ct, err := a.Encrypt([]byte("secret"), nil)
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	if _, err := b.Decrypt(ct, nil); err == nil {
		t.Fatal("second KEK decrypted the first's ciphertext, want error")
	}
}

func TestFileKEKID(t *testing.T) {
	k := newTestKEK(t)
	if !fileIDPattern.MatchString(k.ID()) {
		t.Errorf("ID = %q, want match for %s", k.ID(), fileIDPattern)
	}
}

func TestCreateFileKEKMode(t *testing.T) {
	k := newTestKEK(t)
	info, err := os.Stat(k.Path())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := info.Mode().Perm(), fs.FileMode(0o600); got != want {
		t.Errorf("mode = %04o, want %04o", got, want)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(k.Path()), ".*tmp*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestCreateFileKEKRefusesOverwrite(t *testing.T) {
	k := newTestKEK(t)
	_, err := CreateFileKEK(k.Path())
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("CreateFileKEK on existing file: err = %v, want fs.ErrExist", err)
	}
	if _, err := OpenFileKEK(k.Path()); err != nil {
		t.Errorf("original file no longer opens: %v", err)
	}
}

func TestLoadOrCreateFileKEK(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "kek.json")
	first, err := LoadOrCreateFileKEK(path)
	if err != nil {
		t.Fatalf("first LoadOrCreateFileKEK: %v", err)
	}
	second, err := LoadOrCreateFileKEK(path)
	if err != nil {
		t.Fatalf("second LoadOrCreateFileKEK: %v", err)
	}
	if got, want := second.ID(), first.ID(); got != want {
		t.Errorf("second ID = %q, want %q (same file)", got, want)
	}
}

func TestOpenFileKEKRefusesWidePermissions(t *testing.T) {
	for _, mode := range []fs.FileMode{0o640, 0o604, 0o644, 0o660, 0o666} {
		t.Run(fmt.Sprintf("%04o", mode), func(t *testing.T) {
			k := newTestKEK(t)
			if err := os.Chmod(k.Path(), mode); err != nil {
				t.Fatal(err)
			}
			_, err := OpenFileKEK(k.Path())
			if err == nil {
				t.Fatal("OpenFileKEK succeeded, want error")
			}
			for _, want := range []string{k.Path(), "chmod 600"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestOpenFileKEKMissing(t *testing.T) {
	_, err := OpenFileKEK(filepath.Join(t.TempDir(), "nope.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}

func TestOpenFileKEKRefusesDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kek.json")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFileKEK(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("err = %v, want a 'not a regular file' error", err)
	}
}

func TestOpenFileKEKRefusesCorruptFiles(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"corrupt-kek.json", "corrupt file"},
		{"kek-truncated.json", "decode json"},
		{"kek-aes128.json", "not AES-256-GCM"},
		{"kek-bad-id.json", "id"},
		{"kek-unknown-field.json", "unknown field"},
		{"kek-wrong-format.json", "format"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := copyPrivate(t, filepath.Join("testdata", tt.file))
			_, err := OpenFileKEK(path)
			if err == nil {
				t.Fatal("OpenFileKEK succeeded, want error")
			}
			for _, want := range []string{"corrupt file", path, tt.want} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

// copyPrivate copies a testdata file to a 0600 file; git does not keep modes.
func copyPrivate(t *testing.T, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestFileKEKRedactsItself(t *testing.T) {
	k := newTestKEK(t)
	keyValue := keyMaterial(t, k.Path())
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("loaded", "kek", k)
	outputs := map[string]string{
		"slog": buf.String(),
		"%v":   fmt.Sprintf("%v", k),
		"%+v":  fmt.Sprintf("%+v", k),
		"%#v":  fmt.Sprintf("%#v", k),
	}
	for name, out := range outputs {
		if strings.Contains(out, keyValue) {
			t.Errorf("%s output contains key material: %s", name, out)
		}
		if !strings.Contains(out, k.ID()) {
			t.Errorf("%s output = %s, want it to name the KEK ID %s", name, out, k.ID())
		}
	}
}

// keyMaterial returns the base64 key value stored in a KEK file.
func keyMaterial(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(data), `"value": "`)
	value, _, ok2 := strings.Cut(after, `"`)
	if !ok || !ok2 || len(value) < 40 {
		t.Fatalf("no key value found in %s", path)
	}
	return value
}
