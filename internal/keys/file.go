package keys

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

const (
	// fileFormat names the on-disk layout of a KEK file.
	fileFormat = "airlock-file-kek-v1"
	// maxFileSize bounds what OpenFileKEK reads; real files are ~400 bytes.
	maxFileSize = 64 << 10
	// fileIDPrefix starts every FileKEK ID.
	fileIDPrefix = "file:"
)

var fileIDPattern = regexp.MustCompile(`^file:[0-9a-f]{16}$`)

// FileKEK is a development KEK: a Tink AES-256-GCM keyset stored in
// cleartext in a file readable only by its owner (mode 0600). Anyone who can
// read the file can unwrap everything it protects; production deployments use
// a passphrase, an HSM or Vault Transit instead.
type FileKEK struct {
	path string
	id   string
	aead tink.AEAD
}

var (
	_ KEK            = (*FileKEK)(nil)
	_ slog.LogValuer = (*FileKEK)(nil)
)

// kekFile is the JSON document stored in a KEK file. The ID is random and
// kept with the keyset so it stays stable if the keyset is rotated.
type kekFile struct {
	Format string          `json:"format"`
	ID     string          `json:"id"`
	Keyset json.RawMessage `json:"keyset"`
}

// CreateFileKEK generates a new AES-256-GCM keyset and writes it to path with
// mode 0600, atomically (temporary file, fsync, rename). It refuses to
// overwrite an existing file. Missing parent directories are created 0700.
func CreateFileKEK(path string) (*FileKEK, error) {
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("create kek %s: %w", path, fs.ErrExist)
	}
	handle, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("create kek %s: new keyset: %w", path, err)
	}
	id, err := newFileID()
	if err != nil {
		return nil, fmt.Errorf("create kek %s: %w", path, err)
	}
	data, err := encodeFile(id, handle)
	if err != nil {
		return nil, fmt.Errorf("create kek %s: %w", path, err)
	}
	if err := writeFileAtomic(path, data); err != nil {
		return nil, fmt.Errorf("create kek %s: %w", path, err)
	}
	return newFileKEK(path, id, handle)
}

// OpenFileKEK reads the KEK stored at path. It refuses files that group or
// others can access, files that are not regular files, and files whose
// content is not a valid AES-256-GCM keyset.
func OpenFileKEK(path string) (*FileKEK, error) {
	data, err := readPrivateFile(path)
	if err != nil {
		return nil, fmt.Errorf("open kek: %w", err)
	}
	id, handle, err := decodeFile(data)
	if err != nil {
		return nil, fmt.Errorf("open kek %s: corrupt file: %w", path, err)
	}
	return newFileKEK(path, id, handle)
}

// LoadOrCreateFileKEK opens the KEK at path, creating it first if the file
// does not exist.
func LoadOrCreateFileKEK(path string) (*FileKEK, error) {
	k, err := OpenFileKEK(path)
	if errors.Is(err, fs.ErrNotExist) {
		return CreateFileKEK(path)
	}
	return k, err
}

func newFileKEK(path, id string, handle *keyset.Handle) (*FileKEK, error) {
	primitive, err := aead.New(handle)
	if err != nil {
		return nil, fmt.Errorf("kek %s: aead primitive: %w", path, err)
	}
	return &FileKEK{path: path, id: id, aead: primitive}, nil
}

// ID returns the KEK's identifier, "file:" followed by 16 hex digits.
func (k *FileKEK) ID() string { return k.id }

// Path returns the file the KEK was loaded from.
func (k *FileKEK) Path() string { return k.path }

// Encrypt wraps plaintext, binding associatedData to the ciphertext.
func (k *FileKEK) Encrypt(plaintext, associatedData []byte) ([]byte, error) {
	ct, err := k.aead.Encrypt(plaintext, associatedData)
	if err != nil {
		return nil, fmt.Errorf("kek %s: encrypt: %w", k.id, err)
	}
	return ct, nil
}

// Decrypt unwraps ciphertext. It fails if the ciphertext was produced by
// another key, was modified, or associatedData differs from Encrypt's.
func (k *FileKEK) Decrypt(ciphertext, associatedData []byte) ([]byte, error) {
	pt, err := k.aead.Decrypt(ciphertext, associatedData)
	if err != nil {
		return nil, fmt.Errorf("kek %s: decrypt: %w", k.id, err)
	}
	return pt, nil
}

// LogValue implements slog.LogValuer; it never logs key material.
func (k *FileKEK) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", "file"),
		slog.String("id", k.id),
		slog.String("path", k.path),
		slog.String("key", "REDACTED"),
	)
}

// String describes the KEK without key material, so %v and %+v are safe.
func (k *FileKEK) String() string { return "FileKEK(" + k.id + ")" }

// GoString keeps %#v from printing key material.
func (k *FileKEK) GoString() string { return k.String() }

func newFileID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random id: %w", err)
	}
	return fileIDPrefix + hex.EncodeToString(b[:]), nil
}

func encodeFile(id string, handle *keyset.Handle) ([]byte, error) {
	var ks bytes.Buffer
	if err := insecurecleartextkeyset.Write(handle, keyset.NewJSONWriter(&ks)); err != nil {
		return nil, fmt.Errorf("encode keyset: %w", err)
	}
	data, err := json.MarshalIndent(kekFile{Format: fileFormat, ID: id, Keyset: ks.Bytes()}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode file: %w", err)
	}
	return append(data, '\n'), nil
}

func decodeFile(data []byte) (string, *keyset.Handle, error) {
	var f kekFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return "", nil, fmt.Errorf("decode json: %w", err)
	}
	if f.Format != fileFormat {
		return "", nil, fmt.Errorf("format is %q, want %q", f.Format, fileFormat)
	}
	if !fileIDPattern.MatchString(f.ID) {
		return "", nil, fmt.Errorf("id %q does not match %s", f.ID, fileIDPattern)
	}
	handle, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(f.Keyset)))
	if err != nil {
		return "", nil, fmt.Errorf("decode keyset: %w", err)
	}
	if err := checkAES256GCM(handle); err != nil {
		return "", nil, err
	}
	return f.ID, handle, nil
}

// checkAES256GCM requires every key in the keyset to be AES-256-GCM.
func checkAES256GCM(handle *keyset.Handle) error {
	for i := range handle.Len() {
		e, err := handle.Entry(i)
		if err != nil {
			return fmt.Errorf("keyset entry %d: %w", i, err)
		}
		k, ok := e.Key().(*aesgcm.Key)
		if !ok {
			return fmt.Errorf("keyset entry %d: key type %T, want AES-GCM", i, e.Key())
		}
		p, ok := k.Parameters().(*aesgcm.Parameters)
		if !ok || p.KeySizeInBytes() != 32 {
			return fmt.Errorf("keyset entry %d: key is not AES-256-GCM", i)
		}
	}
	return nil
}

// readPrivateFile reads a regular file that only its owner can access. The
// checks use the opened descriptor, so the file cannot be swapped in between.
func readPrivateFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // already names the path
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%s: permissions %04o are too open (group or others can access the key); run `chmod 600 %s`", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s: corrupt file: larger than %d bytes", path, maxFileSize)
	}
	return data, nil
}

// writeFileAtomic writes data to a 0600 temporary file next to path, syncs
// it and renames it into place, then syncs the directory.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := writeAndClose(tmp, data); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	return syncDir(dir)
}

func writeAndClose(f *os.File, data []byte) error {
	err := f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write temporary file: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}
