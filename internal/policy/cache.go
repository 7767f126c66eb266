package policy

import (
	"sync"
	"sync/atomic"

	"github.com/cedar-policy/cedar-go/types"
)

// entityCacheLimit bounds the entity cache; past it the cache starts over.
const entityCacheLimit = 1 << 16

// entityKey identifies an entity with all its attributes, so a cached
// entity can never be stale: changed attributes make a different key.
// Humans (whose roles are a slice) are not cached.
type entityKey struct {
	typ, id, segment, owner string
	risk                    int64
}

// entityCache keeps built Cedar entities: building one (a parent set and
// an attribute record) costs most of a decision.
type entityCache struct {
	m atomic.Pointer[sync.Map]
	n atomic.Int64
}

func (c *entityCache) get(e Entity) (types.Entity, error) {
	if e.Type == TypeHuman || len(e.ID) > 256 {
		return e.cedarEntity()
	}
	k := entityKey{e.Type, e.ID, e.Segment, e.Owner, e.Risk}
	m := c.m.Load()
	if m == nil {
		m = new(sync.Map)
		if !c.m.CompareAndSwap(nil, m) {
			m = c.m.Load()
		}
	}
	if v, ok := m.Load(k); ok {
		return v.(types.Entity), nil
	}
	ent, err := e.cedarEntity()
	if err != nil {
		return ent, err
	}
	if c.n.Add(1) > entityCacheLimit {
		c.n.Store(0)
		c.m.Store(new(sync.Map))
		return ent, nil
	}
	m.Store(k, ent)
	return ent, nil
}
