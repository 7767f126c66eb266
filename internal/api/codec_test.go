package api

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
)

func TestStrictJSONUnmarshal(t *testing.T) {
	codec := strictJSON{name: "json"}
	for _, tc := range []struct {
		name, body, wantErr string
	}{
		{"unknown field", `{"token": "t", "bogus": 1}`, `unknown field "bogus"`},
		{"misspelt field", `{"tokn": "t"}`, `unknown field "tokn"`},
		{"empty body", ``, "empty body: send a JSON object, e.g. {}"},
		{"not JSON", `{`, "decode request"},
		{"wrong type", `{"token": 1}`, "decode request"},
		{"duplicate field", `{"token": "a", "token": "b"}`, "decode request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := codec.Unmarshal([]byte(tc.body), &airlockv1.EnrollRequest{})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
	if err := codec.Unmarshal([]byte(`{}`), struct{}{}); err == nil {
		t.Error("unmarshal into a non-protobuf value: got nil error")
	}
	if _, err := codec.Marshal(struct{}{}); err == nil {
		t.Error("marshal of a non-protobuf value: got nil error")
	}
}

func TestStrictJSONRoundTrip(t *testing.T) {
	codec := strictJSON{name: "json"}
	for _, msg := range []proto.Message{
		&airlockv1.EnrollRequest{Token: "alj1.abc", Csr: []byte{0x30, 0x82, 0x00, 0xff}},
		&airlockv1.CreateAgentRequest{Name: "a1", Segment: "prod"},
		&airlockv1.CreateTokenRequest{Agent: "a1", TtlSeconds: 600},
		&airlockv1.WhoAmIRequest{},
	} {
		data, err := codec.Marshal(msg)
		if err != nil {
			t.Fatalf("marshal %T: %v", msg, err)
		}
		got := msg.ProtoReflect().New().Interface()
		if err := codec.Unmarshal(data, got); err != nil {
			t.Fatalf("unmarshal %s: %v", data, err)
		}
		if !proto.Equal(got, msg) {
			t.Errorf("round trip of %T: got %v, want %v", msg, got, msg)
		}
	}
}

// TestStrictJSONProtoNames: responses use the .proto field names
// (snake_case), as the HTTP+JSON docs show.
func TestStrictJSONProtoNames(t *testing.T) {
	data, err := strictJSON{name: "json"}.Marshal(&airlockv1.CreateTokenRequest{Agent: "a1", TtlSeconds: 600})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(data); !strings.Contains(s, `"ttl_seconds"`) || strings.Contains(s, "ttlSeconds") {
		t.Errorf("marshal: got %s, want the snake_case field ttl_seconds", s)
	}
}

// FuzzStrictJSONUnmarshal: no input panics the decoder, and whatever it
// accepts survives a marshal/unmarshal round trip unchanged.
func FuzzStrictJSONUnmarshal(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `{"token": "alj1.abc", "csr": "MIIB"}`, `{"name": "a1", "segment": "prod"}`,
		`{"bogus": 1}`, `{"token": null}`, `{"csr": "not base64!"}`, `{"name": "\ud800"}`, "{\"name\": \"\xff\"}",
		`[]`, `null`, `{"token": "a", "token": "b"}`, `{"csr": "AAAA", "name": 1}`,
	} {
		f.Add([]byte(seed))
	}
	codec := strictJSON{name: "json"}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, newMsg := range []func() proto.Message{
			func() proto.Message { return &airlockv1.EnrollRequest{} },
			func() proto.Message { return &airlockv1.CreateAgentRequest{} },
		} {
			m := newMsg()
			if err := codec.Unmarshal(data, m); err != nil {
				continue
			}
			out, err := codec.Marshal(m)
			if err != nil {
				t.Fatalf("marshal of an accepted %T: %v", m, err)
			}
			again := newMsg()
			if err := codec.Unmarshal(out, again); err != nil {
				t.Fatalf("re-decode of %s: %v", out, err)
			}
			if !proto.Equal(m, again) {
				t.Fatalf("round trip changed %T: %v -> %v", m, m, again)
			}
		}
	})
}
