package policy

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cedar-policy/cedar-go/types"

	"github.com/airlock-hub/airlock/internal/store"
)

// Entity types of the schema.
const (
	TypeAgent   = "Agent"
	TypeHuman   = "Human"
	TypeTopic   = "Topic"
	TypeTool    = "Tool"
	TypeHub     = "Hub"
	TypeSegment = "Segment"
)

// DefaultSegment is the segment of an agent that has none.
const DefaultSegment = "default"

// Entity is a principal or resource of a request, with the attributes the
// schema gives its type. Fields that do not apply to the type are ignored.
type Entity struct {
	Type    string   // TypeAgent, TypeHuman, TypeTopic, TypeTool, TypeHub or TypeSegment
	ID      string   // e.g. the agent's name
	Segment string   // Agent, Topic: the parent segment; DefaultSegment when empty
	Owner   string   // Agent
	Risk    int64    // Agent: its risk score
	Roles   []string // Human, e.g. "admin"
}

// Agent returns the entity of agent name in segment.
func Agent(name, segment string) Entity {
	return Entity{Type: TypeAgent, ID: name, Segment: segment}
}

// Human returns the entity of human name with roles.
func Human(name string, roles ...string) Entity {
	return Entity{Type: TypeHuman, ID: name, Roles: roles}
}

// HubEntity is the resource of administrative actions.
var HubEntity = Entity{Type: TypeHub, ID: "airlock"}

// EntityOf returns the entity of a stored principal. Owner and Risk are
// not stored with principals; callers that track them set them after.
func EntityOf(p store.Principal) Entity {
	if p.Kind == store.KindHuman {
		return Human(p.Name, p.Roles...)
	}
	return Agent(p.Name, p.Segment)
}

// String returns the Cedar UID, e.g. Agent::"s1".
func (e Entity) String() string { return e.uid().String() }

func (e Entity) uid() types.EntityUID {
	return types.NewEntityUID(types.EntityType(e.Type), types.String(e.ID))
}

func (e Entity) segment() string {
	if e.Segment == "" {
		return DefaultSegment
	}
	return e.Segment
}

// ParseEntity parses a Cedar UID such as Agent::"s1" into an Entity with
// no attributes. The type must be one of the schema's entity types.
func ParseEntity(s string) (Entity, error) {
	typ, id, err := parseUID(s)
	if err != nil {
		return Entity{}, err
	}
	switch typ {
	case TypeAgent, TypeHuman, TypeTopic, TypeTool, TypeHub, TypeSegment:
		return Entity{Type: typ, ID: id}, nil
	}
	return Entity{}, fmt.Errorf("entity %s: unknown type %q", s, typ)
}

// parseUID splits Type::"id".
func parseUID(s string) (typ, id string, err error) {
	s = strings.TrimSpace(s)
	i := strings.Index(s, "::")
	if i <= 0 {
		return "", "", fmt.Errorf("entity %q: want Type::\"id\"", s)
	}
	id, err = strconv.Unquote(s[i+2:])
	if err != nil || !strings.HasPrefix(s[i+2:], `"`) {
		return "", "", fmt.Errorf("entity %q: want Type::\"id\"", s)
	}
	return s[:i], id, nil
}

// ActionName accepts "SendMessage" or Action::"SendMessage" and returns
// the bare name, or an error if the schema has no such action.
func ActionName(s string) (string, error) {
	name := s
	if strings.Contains(s, "::") {
		typ, id, err := parseUID(s)
		if err != nil || typ != "Action" {
			return "", fmt.Errorf("action %q: want a name or Action::\"name\"", s)
		}
		name = id
	}
	if _, ok := actionUIDs[name]; !ok {
		return "", fmt.Errorf("unknown action %q", s)
	}
	return name, nil
}

var actionUIDs = func() map[string]types.EntityUID {
	m := make(map[string]types.EntityUID, len(Actions))
	for _, a := range Actions {
		m[a] = types.NewEntityUID("Action", types.String(a))
	}
	return m
}()

// cedarEntity builds the Cedar entity with its parents and attributes.
func (e Entity) cedarEntity() (types.Entity, error) {
	ent := types.Entity{UID: e.uid()}
	switch e.Type {
	case TypeAgent:
		seg := e.segment()
		ent.Parents = types.NewEntityUIDSet(types.NewEntityUID(TypeSegment, types.String(seg)))
		ent.Attributes = types.NewRecord(types.RecordMap{
			"segment": types.String(seg),
			"owner":   types.String(e.Owner),
			"risk":    types.Long(e.Risk),
		})
	case TypeTopic:
		seg := e.segment()
		ent.Parents = types.NewEntityUIDSet(types.NewEntityUID(TypeSegment, types.String(seg)))
		ent.Attributes = types.NewRecord(types.RecordMap{"segment": types.String(seg)})
	case TypeHuman:
		roles := make([]types.Value, len(e.Roles))
		for i, r := range e.Roles {
			roles[i] = types.String(r)
		}
		ent.Attributes = types.NewRecord(types.RecordMap{"roles": types.NewSet(roles...)})
	case TypeTool, TypeHub, TypeSegment:
	default:
		return types.Entity{}, fmt.Errorf("entity %s: unknown type %q", e, e.Type)
	}
	return ent, nil
}

// ancestors returns the UIDs e is `in`: itself and its segment.
func (e Entity) ancestors(dst []types.EntityUID) []types.EntityUID {
	dst = append(dst, e.uid())
	if e.Type == TypeAgent || e.Type == TypeTopic {
		dst = append(dst, types.NewEntityUID(TypeSegment, types.String(e.segment())))
	}
	return dst
}

// requestEntities is the entity store of one request: only the principal
// and the resource are needed, since segments have no attributes and no
// parents of their own.
type requestEntities struct {
	principal, resource types.Entity
}

func (r *requestEntities) Get(uid types.EntityUID) (types.Entity, bool) {
	switch uid {
	case r.principal.UID:
		return r.principal, true
	case r.resource.UID:
		return r.resource, true
	}
	return types.Entity{}, false
}

// toValue converts a request attribute to a Cedar value.
func toValue(v any) (types.Value, error) {
	switch x := v.(type) {
	case string:
		return types.String(x), nil
	case bool:
		return types.Boolean(x), nil
	case int:
		return types.Long(x), nil
	case int64:
		return types.Long(x), nil
	case int32:
		return types.Long(x), nil
	case uint32:
		return types.Long(x), nil
	case float64:
		if x != float64(int64(x)) {
			return nil, fmt.Errorf("number %v: only integers are supported", x)
		}
		return types.Long(int64(x)), nil
	case []string:
		vs := make([]types.Value, len(x))
		for i, s := range x {
			vs[i] = types.String(s)
		}
		return types.NewSet(vs...), nil
	case []any:
		vs := make([]types.Value, len(x))
		for i, e := range x {
			cv, err := toValue(e)
			if err != nil {
				return nil, err
			}
			vs[i] = cv
		}
		return types.NewSet(vs...), nil
	case map[string]any:
		return toRecord(x)
	}
	return nil, fmt.Errorf("value of type %T is not supported", v)
}

func toRecord(m map[string]any) (types.Record, error) {
	rm := make(types.RecordMap, len(m))
	for k, v := range m {
		cv, err := toValue(v)
		if err != nil {
			return types.Record{}, fmt.Errorf("%s: %w", k, err)
		}
		rm[types.String(k)] = cv
	}
	return types.NewRecord(rm), nil
}
