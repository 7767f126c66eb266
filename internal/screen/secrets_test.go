package screen

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
)

// Fake, format-valid values. None of them is a live credential.
var (
	fakeAWSKeyID   = "AKIAIOSFODNN7EXAMPLE"                     // AWS documentation example
	fakeAWSSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" // AWS documentation example
	fakeGitHub     = "ghp_" + "FAKE0fake1FAKE2fake3FAKE4fake5FAKE6f"
	fakeGitHubPAT  = "github_pat_" + "11FAKE0000000000000000_fakefakefakefake"
	fakeSlack      = "xoxb-000000000000-0000000000000-FAKEfakeFAKEfake"
	fakeStripe     = "sk_live_" + "FAKE0000fake0000FAKE0000"
	fakeGoogle     = "AIza" + "SyFAKE-fake_FAKE0fake1FAKE2fake3FAK"
	fakeOpenAI     = "sk-proj-" + "Fake1234abcdEFGHijkl5678MNOPqrst9012UVWX"
	fakeGeneric    = "Zx8Kq2LmP9vR4tYw7NcB"
	fakeJWT        = jwt(`{"alg":"HS256","typ":"JWT"}`, `{"sub":"1234567890","name":"Test"}`)
	fakeVisa       = "4111 1111 1111 1111"
	fakeMastercard = "5555-5555-5555-4444"
	fakeAmex       = "378282246310005"
	fakeIBAN       = "GB82 WEST 1234 5698 7654 32"
	fakeIBANDE     = "DE89370400440532013000"
)

func jwt(header, payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(payload)) + "." + enc([]byte("not-a-real-signature-0123456789"))
}

func pemKey(t testing.TB, kind string) string {
	t.Helper()
	var block *pem.Block
	switch kind {
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, 1024) // throwaway, small for speed
		if err != nil {
			t.Fatal(err)
		}
		block = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
	case "ec":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	return string(pem.EncodeToMemory(block))
}

func TestScanFinds(t *testing.T) {
	rsaKey, ecKey := pemKey(t, "rsa"), pemKey(t, "ec")
	jsonKey, _ := json.Marshal(map[string]string{"key": ecKey})
	truncated := rsaKey[:200]
	tests := []struct {
		name     string
		body     string
		category string
		secret   string // the exact span expected
	}{
		{"RSA private key", "here it is:\n" + rsaKey + "thanks", "secret:private-key", strings.TrimSpace(rsaKey)},
		{"PKCS#8 EC private key", ecKey, "secret:private-key", strings.TrimSpace(ecKey)},
		{"private key in JSON", string(jsonKey), "secret:private-key", strings.TrimSuffix(strings.TrimPrefix(string(jsonKey), `{"key":"`), `\n"}`)},
		{"private key without END", "oops " + truncated, "secret:private-key", truncated},
		{"AWS access key ID", "id=" + fakeAWSKeyID + ".", "secret:aws-access-key", fakeAWSKeyID},
		{"AWS secret key", "aws_secret_access_key = " + fakeAWSSecret + "\n", "secret:aws-secret-key", fakeAWSSecret},
		{"AWS secret key in JSON", `{"AWS_SECRET": "` + fakeAWSSecret + `"}`, "secret:aws-secret-key", fakeAWSSecret},
		{"GitHub token", "token: " + fakeGitHub, "secret:github-token", fakeGitHub},
		{"GitHub fine-grained token", fakeGitHubPAT + " is mine", "secret:github-token", fakeGitHubPAT},
		{"Slack token", "SLACK=" + fakeSlack, "secret:slack-token", fakeSlack},
		{"Stripe key", "stripe " + fakeStripe, "secret:stripe-key", fakeStripe},
		{"Google API key", "key=" + fakeGoogle + "&q=1", "secret:google-api-key", fakeGoogle},
		{"OpenAI key", "OPENAI=" + fakeOpenAI, "secret:openai-key", fakeOpenAI},
		{"generic api_key", "api_key=" + fakeGeneric, "secret:generic-api-key", fakeGeneric},
		{"generic in JSON", `{"client_secret": "` + fakeGeneric + `"}`, "secret:generic-api-key", fakeGeneric},
		{"JWT", "Authorization: Bearer " + fakeJWT, "secret:jwt", fakeJWT},
		{"Visa with spaces", "card " + fakeVisa + " exp 12/30", "pii:credit-card", fakeVisa},
		{"Mastercard with dashes", "card: " + fakeMastercard, "pii:credit-card", fakeMastercard},
		{"Amex", "amex " + fakeAmex, "pii:credit-card", fakeAmex},
		{"IBAN grouped", "pay to " + fakeIBAN + " Thanks", "pii:iban", fakeIBAN},
		{"IBAN compact", "IBAN: " + fakeIBANDE + ".", "pii:iban", fakeIBANDE},
		{"IBAN then more groups", "IBAN " + fakeIBANDE + " REF1 2345", "pii:iban", fakeIBANDE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			findings := (*SecretScanner)(nil).Scan([]byte(tt.body))
			if len(findings) != 1 {
				t.Fatalf("got %d findings %+v, want one %s", len(findings), findings, tt.category)
			}
			f := findings[0]
			if f.Category != tt.category || len(f.Spans) != 1 {
				t.Fatalf("got %+v, want one span of %s", f, tt.category)
			}
			sp := f.Spans[0]
			if got := tt.body[sp.Start:sp.End]; got != tt.secret {
				t.Errorf("span: got %q, want %q", got, tt.secret)
			}
			if strings.Contains(sp.Text, tt.secret[:8]) {
				t.Errorf("span text %q leaks the secret", sp.Text)
			}
		})
	}
}

func TestScanNearMisses(t *testing.T) {
	tests := []struct{ name, body string }{
		{"public key", "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"},
		{"certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"},
		{"PEM header in prose", "the file starts with -----BEGIN and then PRIVATE KEY-----"},
		{"AKIA too short", "AKIAIOSFODNN7EXAMPL is not a key"},
		{"AKIA too long", "AKIAIOSFODNN7EXAMPLEX"},
		{"40 chars without aws", "commit wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
		{"aws git sha", "aws_commit = 9fceb02d0ae598e95dc970b74767f19372d61af8"},
		{"sk- in prose", "We use sk-learn and a risk-based approach; the sk- prefix marks keys."},
		{"sk- hyphenated words", "sk-this-is-a-long-hyphenated-phrase-about-keys"},
		{"ghp_ too short", "ghp_abc123"},
		{"xox without token", "xoxb- is the bot prefix"},
		{"Stripe test key", "sk_test_FAKE0000fake0000FAKE0000"},
		{"password in prose", "password=correcthorsebatterystaple"},
		{"token placeholder", "token: <YOUR_TOKEN_HERE>"},
		{"JWT header without alg", jwt(`{"typ":"JWT","kid":"1"}`, `{"sub":"1"}`)},
		{"JWT-like not JSON", "eyJhbGciOiJub3Rqc29u.eyJzdWIiOiIxIn0.sig"},
		{"Luhn-invalid card", "card 4111 1111 1111 1112"},
		{"Luhn-valid unknown issuer", "order 1234 5678 1234 5670"},
		{"too many digits", "4111111111111111111111"},
		{"phone number", "call +1 555 123 4567 or 555-0100"},
		{"bad IBAN checksum", "GB82 WEST 1234 5698 7654 33"},
		{"IBAN wrong length", "GB82 WEST 1234 5698 7654"},
		{"IBAN unknown country", "ZZ82 WEST 1234 5698 7654 32"},
		{"invoice number", "INV-2024-000123, PO 4500012345, total 1,234.56 EUR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if findings := (*SecretScanner)(nil).Scan([]byte(tt.body)); len(findings) != 0 {
				t.Errorf("got %+v, want no findings", findings)
			}
		})
	}
}

func TestScanExtraPatterns(t *testing.T) {
	s, err := NewSecretScanner(map[string]string{
		"pii:employee-id": `\bEMP-[0-9]{6}\b`,
		"internal-token":  `itk_([a-f0-9]{32})`,
	})
	if err != nil {
		t.Fatal(err)
	}
	body := "employee EMP-004211 sent itk_0123456789abcdef0123456789abcdef today"
	findings := s.Scan([]byte(body))
	got := map[string]string{}
	for _, f := range findings {
		for _, sp := range f.Spans {
			got[f.Category] = body[sp.Start:sp.End]
		}
	}
	want := map[string]string{"pii:employee-id": "EMP-004211", "secret:internal-token": "0123456789abcdef0123456789abcdef"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	if red := string(Redact([]byte(body), findings)); red != "employee [REDACTED:employee-id] sent itk_[REDACTED:internal-token] today" {
		t.Errorf("Redact: got %q", red)
	}
}

// TestExtraPatternErrors: a bad extra pattern is refused with an error
// that names it and says what is wrong.
func TestExtraPatternErrors(t *testing.T) {
	for _, c := range []struct{ name, expr, want string }{
		{"Bad Name", `x`, "name must be"},
		{"ok", `(unclosed`, "missing closing )"},
		{"ok", `a(?=b)`, "invalid or unsupported Perl syntax"},
		{"ok", `tok_[a-z]+`, "bound every repetition"},
		{"ok", `tok_.*`, "bound every repetition"},
		{"ok", `tok_[a-z]{8,}`, "bound every repetition"},
		{"ok", strings.Repeat(`[a-z]{1000}`, 5), "more than 4096 bytes"},
		{"ok", `[^ ]{1,1000}x{1,1000}`, "more than 4096 bytes"},
		{"ok", `[a-z]{0,9}`, "empty string"},
		{"ok", `x|^`, "empty string"},
	} {
		_, err := NewSecretScanner(map[string]string{c.name: c.expr})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), fmt.Sprintf("%q", c.name)) {
			t.Errorf("pattern %s = %q: got error %v, want %q prefixed by the name", c.name, c.expr, err, c.want)
		}
	}
	many := map[string]string{}
	for i := range MaxExtraPatterns + 1 {
		many[fmt.Sprintf("p%d", i)] = `x[0-9]{4}`
	}
	if _, err := NewSecretScanner(many); err == nil {
		t.Errorf("%d patterns: got nil error", len(many))
	}
	for _, ok := range []string{`itk_[a-f0-9]{32}`, `(?i)acme-(?:key|tok)-[0-9]{4,12}`, `\bEMP-[0-9]{6}\b`, `(?:ab|c){1,100}`} {
		if _, err := NewSecretScanner(map[string]string{"ok": ok}); err != nil {
			t.Errorf("bounded pattern %q: %v", ok, err)
		}
	}
}

func TestRedact(t *testing.T) {
	body := "key " + fakeAWSKeyID + " and card " + fakeVisa + " and " + fakeJWT + "."
	findings := (*SecretScanner)(nil).Scan([]byte(body))
	got := string(Redact([]byte(body), findings))
	want := "key [REDACTED:aws-access-key] and card [REDACTED:credit-card] and [REDACTED:jwt]."
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Overlapping and out-of-range spans, and non-secret findings.
	odd := []Finding{
		{Category: "secret:a", Spans: []Span{{Start: 2, End: 6}, {Start: 4, End: 8}, {Start: 9, End: 99}}},
		{Category: "instruction-override", Spans: []Span{{Start: 0, End: 3}}},
	}
	if got, want := string(Redact([]byte("0123456789ab"), odd)), "01[REDACTED:a]8[REDACTED:a]"; got != want {
		t.Errorf("odd spans: got %q, want %q", got, want)
	}
}

// pathological returns about 1 MiB of near-matches for every detector.
func pathological() map[string][]byte {
	near := map[string]string{
		"pem":      "-----BEGIN RSA PRIVATE KEY ",
		"pem-body": "-----BEGIN PRIVATE KEY-----\nAAAA",
		"akia":     "AKIAIOSFODNN7EXAMP ",
		"aws":      "aws_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEX ",
		"ghp":      "ghp_abcdefghij ",
		"jwt":      "eyJhbGciOiJI.eyJzdWIi.",
		"sk":       "sk-aaaaaaaaaaaaaaaaaaaaaaaaa ",
		"generic":  "api_key=aaaaaaaaaaaaaaaaaaaaaaa ",
		"digits":   "4111 1111 1111 111",
		"iban":     "GB82 WEST 1234 5698 7654 ",
		"long":     "a",
	}
	out := map[string][]byte{}
	for k, v := range near {
		out[k] = bytes.Repeat([]byte(v), (1<<20)/len(v))
	}
	return out
}

func TestScanPathological(t *testing.T) {
	for name, body := range pathological() {
		t.Run(name, func(t *testing.T) {
			findings := (*SecretScanner)(nil).Scan(body)
			for _, f := range findings {
				for _, sp := range f.Spans {
					if sp.Start < 0 || sp.End > len(body) || sp.Start >= sp.End {
						t.Fatalf("%s: span [%d,%d) out of bounds", f.Category, sp.Start, sp.End)
					}
				}
			}
			if name != "pem-body" && name != "digits" && len(findings) != 0 {
				t.Errorf("got %d findings (%s), want none", len(findings), findings[0].Category)
			}
		})
	}
}

func BenchmarkScanPathological(b *testing.B) {
	for name, body := range pathological() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				(*SecretScanner)(nil).Scan(body)
			}
		})
	}
}

func BenchmarkScan4KiB(b *testing.B) {
	body := bytes.Repeat([]byte("Dear customer, please find attached invoice INV-0042 for 120.50 EUR, due on Friday. "), 64)[:4096]
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		(*SecretScanner)(nil).Scan(body)
	}
}

func FuzzSecrets(f *testing.F) {
	for _, s := range []string{
		fakeAWSKeyID, "aws_secret=" + fakeAWSSecret, fakeGitHub, fakeSlack, fakeStripe, fakeGoogle, fakeOpenAI,
		"api_key=" + fakeGeneric, fakeJWT, fakeVisa, fakeIBAN, pemKey(f, "ec"), "-----BEGIN PRIVATE KEY-----\\nAB",
		"4111 1111 1111 1112", "sk- prose",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		findings := (*SecretScanner)(nil).Scan(body)
		covered := make([]bool, len(body))
		var secrets []string
		for _, fd := range findings {
			for _, sp := range fd.Spans {
				if sp.Start < 0 || sp.End > len(body) || sp.Start >= sp.End {
					t.Fatalf("%s: span [%d,%d) out of bounds of %d bytes", fd.Category, sp.Start, sp.End, len(body))
				}
				for i := sp.Start; i < sp.End; i++ {
					if covered[i] {
						t.Fatalf("%s: span [%d,%d) overlaps another", fd.Category, sp.Start, sp.End)
					}
					covered[i] = true
				}
				secrets = append(secrets, string(body[sp.Start:sp.End]))
			}
		}
		red := Redact(body, findings)
		for _, fd := range (*SecretScanner)(nil).Scan(red) {
			for _, sp := range fd.Spans {
				for _, s := range secrets {
					if string(red[sp.Start:sp.End]) == s {
						t.Fatalf("redacted output still holds detected %s %q", fd.Category, s)
					}
				}
			}
		}
	})
}

// FuzzExtraPattern: any pattern is either refused or scans with matches no
// longer than the bound it was accepted under.
func FuzzExtraPattern(f *testing.F) {
	for _, s := range []string{`itk_[a-f0-9]{32}`, `(?i)k{1,9}`, `a+`, `[^x]{1,1000}`, `(a|bc){2,3}\b`, `\pL{1,20}`} {
		f.Add(s, "itk_0123456789abcdef0123456789abcdef kkk aaaa bcbc")
	}
	f.Fuzz(func(t *testing.T, expr, body string) {
		s, err := NewSecretScanner(map[string]string{"fuzz": expr})
		if err != nil {
			return
		}
		for _, fd := range s.Scan([]byte(body)) {
			for _, sp := range fd.Spans {
				if fd.Category == "secret:fuzz" && sp.End-sp.Start > maxPatternMatch {
					t.Fatalf("pattern %q matched %d bytes", expr, sp.End-sp.Start)
				}
			}
		}
	})
}
