package api

import (
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// strictJSON is connect-go's JSON codec with one change: unknown fields are
// errors instead of being silently dropped, so a misspelt field name in a
// request is reported rather than ignored.
type strictJSON struct{ name string }

// StrictJSONCodecs returns handler options that replace connect-go's JSON
// codecs with strict ones.
func StrictJSONCodecs() []connect.HandlerOption {
	return []connect.HandlerOption{
		connect.WithCodec(strictJSON{name: "json"}),
		connect.WithCodec(strictJSON{name: "json; charset=utf-8"}),
	}
}

func (c strictJSON) Name() string { return c.name }

func (c strictJSON) Marshal(m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("marshal %T: not a protobuf message", m)
	}
	return protojson.MarshalOptions{UseProtoNames: true}.Marshal(pm)
}

func (c strictJSON) Unmarshal(data []byte, m any) error {
	pm, ok := m.(proto.Message)
	if !ok {
		return fmt.Errorf("unmarshal %T: not a protobuf message", m)
	}
	if len(data) == 0 {
		return errors.New("empty body: send a JSON object, e.g. {}")
	}
	if err := (protojson.UnmarshalOptions{}).Unmarshal(data, pm); err != nil {
		return fmt.Errorf("decode request: %w", err)
	}
	return nil
}
