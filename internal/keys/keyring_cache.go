package keys

import (
	"container/list"
	"sync"
	"time"
)

// keysetCache is a bounded LRU of unwrapped keysets (and tombstones) with a
// time to live.
//
// A read that races with a local Rotate or Shred must not put back the
// keyset it read before the change: every change bumps a generation, and
// addIfUnchanged drops entries read under an older one.
type keysetCache struct {
	size int
	ttl  time.Duration
	now  func() time.Time

	mu    sync.Mutex
	gen   uint64
	lru   *list.List // of *keysetEntry, most recently used first
	items map[string]*list.Element
}

func newKeysetCache(size int, ttl time.Duration) *keysetCache {
	return &keysetCache{size: size, ttl: ttl, now: time.Now, lru: list.New(), items: make(map[string]*list.Element)}
}

// get returns owner's entry if it is cached and younger than the TTL.
func (c *keysetCache) get(owner string) (*keysetEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[owner]
	if !ok {
		return nil, false
	}
	e := el.Value.(*keysetEntry)
	if c.now().Sub(e.loaded) >= c.ttl {
		c.removeLocked(el)
		return nil, false
	}
	c.lru.MoveToFront(el)
	return e, true
}

// generation returns the current generation, to pass to addIfUnchanged.
func (c *keysetCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// addIfUnchanged caches e, read from the store, unless the keyring changed
// a keyset since gen or a newer version of e is already cached.
func (c *keysetCache) addIfUnchanged(e *keysetEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.addLocked(e)
	}
}

// replace caches e, just written by this keyring, and starts a new
// generation so reads from before the write are not cached.
func (c *keysetCache) replace(e *keysetEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.addLocked(e)
}

func (c *keysetCache) addLocked(e *keysetEntry) {
	e.loaded = c.now()
	if el, ok := c.items[e.owner]; ok {
		if el.Value.(*keysetEntry).version > e.version {
			return
		}
		el.Value = e
		c.lru.MoveToFront(el)
		return
	}
	c.items[e.owner] = c.lru.PushFront(e)
	for c.lru.Len() > c.size {
		c.removeLocked(c.lru.Back())
	}
}

func (c *keysetCache) removeLocked(el *list.Element) {
	c.lru.Remove(el)
	delete(c.items, el.Value.(*keysetEntry).owner)
}
