package audit

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var update = flag.Bool("update", false, "rewrite testdata/*.note")

// badNotes are the broken checkpoints in testdata, one per case, with
// what the error must say. The test key (testdata/test.skey) is for tests
// only.
var badNotes = []struct{ file, want string }{
	{"truncated.note", "not a signed note"},
	{"bad-signature.note", "signature does not verify"},
	{"wrong-key.note", "not signed by the audit key example.org/audit+b1a561b7 (signed by example.org/audit+f7431863)"},
	{"wrong-origin.note", `origin "evil.example/audit" does not match the key's name "example.org/audit"`},
	{"garbage.note", "not a signed note"},
	{"empty.note", "not a signed note"},
	{"extra-lines.note", "1 lines after the root hash; extension lines are not supported"},
	{"leading-zero.note", `size "05" is not a decimal number without leading zeros`},
	{"negative-size.note", `size "-5" is not a decimal number`},
	{"huge-size.note", `size "99999999999999999999" is not a decimal number`},
	{"bad-root.note", "root hash \"not base64!\" is not 32 bytes of standard base64"},
	{"short-root.note", "is not 32 bytes of standard base64"},
	{"missing-root.note", "body has 2 lines, want 3"},
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func testdataKey(t testing.TB, name string) string {
	return strings.TrimSpace(string(readTestdata(t, name)))
}

// loadTestdataSigner returns the signer whose key is in testdata.
func loadTestdataSigner(t testing.TB) *Signer {
	t.Helper()
	s, err := signerFromKeys(testOrigin, testdataKey(t, "test.skey"), testdataKey(t, "test.vkey"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWriteTestdata regenerates the notes with -update.
func TestWriteTestdata(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/*.note")
	}
	test, other := testdataKey(t, "test.skey"), testdataKey(t, "other.skey")
	root := tlog.RecordHash([]byte("root")).String()
	valid := signText(t, test, "example.org/audit\n5\n"+root+"\n")
	files := map[string][]byte{
		"valid.note":         valid,
		"truncated.note":     valid[:len(valid)-20],
		"bad-signature.note": bytes.Replace(valid, []byte("\n5\n"), []byte("\n6\n"), 1),
		"wrong-key.note":     signText(t, other, "example.org/audit\n5\n"+root+"\n"),
		"wrong-origin.note":  signText(t, test, "evil.example/audit\n5\n"+root+"\n"),
		"garbage.note":       []byte("\x00\xff\xfegarbage\n\n— \n"),
		"empty.note":         {},
		"extra-lines.note":   signText(t, test, "example.org/audit\n5\n"+root+"\nextension\n"),
		"leading-zero.note":  signText(t, test, "example.org/audit\n05\n"+root+"\n"),
		"negative-size.note": signText(t, test, "example.org/audit\n-5\n"+root+"\n"),
		"huge-size.note":     signText(t, test, "example.org/audit\n99999999999999999999\n"+root+"\n"),
		"bad-root.note":      signText(t, test, "example.org/audit\n5\nnot base64!\n"),
		"short-root.note":    signText(t, test, "example.org/audit\n5\n"+root[:40]+"==\n"),
		"missing-root.note":  signText(t, test, "example.org/audit\n5\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func signText(t *testing.T, skey, text string) []byte {
	t.Helper()
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestSignAndParseCheckpoint(t *testing.T) {
	s := loadTestdataSigner(t)
	for _, size := range []int64{0, 1, 5, 1 << 40} {
		root := tlog.RecordHash([]byte{byte(size)})
		msg, err := s.Sign(size, root)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseCheckpoint(msg, s.VerifierKey())
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if want := (Checkpoint{Origin: testOrigin, Size: size, Root: root}); c != want {
			t.Errorf("got %+v, want %+v", c, want)
		}
	}
	if _, err := s.Sign(-1, tlog.Hash{}); err == nil {
		t.Error("Sign(-1) succeeded")
	}
}

func TestParseCheckpointTestdata(t *testing.T) {
	vkey := testdataKey(t, "test.vkey")
	c, err := ParseCheckpoint(readTestdata(t, "valid.note"), vkey)
	if err != nil || c.Size != 5 || c.Origin != testOrigin || c.Root != tlog.RecordHash([]byte("root")) {
		t.Fatalf("valid.note: %+v, %v", c, err)
	}
	for _, tc := range badNotes {
		t.Run(tc.file, func(t *testing.T) {
			_, err := ParseCheckpoint(readTestdata(t, tc.file), vkey)
			if !errors.Is(err, ErrBadCheckpoint) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrBadCheckpoint containing %q", err, tc.want)
			}
		})
	}
}

func TestParseCheckpointLimitsAndKeys(t *testing.T) {
	vkey := testdataKey(t, "test.vkey")
	valid := readTestdata(t, "valid.note")
	big := append(bytes.Repeat([]byte("x"), MaxNoteSize), valid...)
	if _, err := ParseCheckpoint(big, vkey); !errors.Is(err, ErrBadCheckpoint) || !strings.Contains(err.Error(), "limit is 65536") {
		t.Errorf("oversized note: %v", err)
	}
	if _, err := ParseCheckpoint(valid, "not a key"); err == nil || !strings.Contains(err.Error(), "verifier key is not valid") {
		t.Errorf("bad vkey: %v", err)
	}
	// A witness cosignature by another key is fine.
	other, _ := note.NewSigner(testdataKey(t, "other.skey"))
	n, err := note.Open(valid, note.VerifierList(mustVerifier(t, vkey)))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(n, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCheckpoint(cosigned, vkey); err != nil {
		t.Errorf("cosigned note: %v", err)
	}
}

func mustVerifier(t *testing.T, vkey string) note.Verifier {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
