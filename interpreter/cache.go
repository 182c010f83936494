package interpreter

import (
	"crypto/sha256"
	"sync"

	"github.com/aquanet/aquanet/interpreter/air"
)

// DefaultParseCacheSize is how many scripts a [ParseCache] keeps when NewParseCache is given
// no size.
const DefaultParseCacheSize = 256

// ParseCache keeps the trees of recently run scripts, keyed by the script's hash: a peer runs
// the same script once per arrival and once per batch of call results, and compiled scripts
// are large. Trees are never modified after parsing, so runs share them.
//
// A node owns one and passes it to every run in [Params.ParseCache], so that two nodes in one
// process share nothing. It is safe for concurrent use. A nil *ParseCache is valid: it
// parses every time and counts nothing.
type ParseCache struct {
	mu     sync.Mutex
	m      map[[32]byte]*air.Script
	ring   [][32]byte // the keys in insertion order, oldest at next once the ring is full
	next   int
	hits   uint64
	misses uint64
}

// ParseCacheStats are a cache's counters.
type ParseCacheStats struct {
	Hits   uint64 // runs that found their script's tree in the cache
	Misses uint64 // runs that parsed their script (successfully or not)
	Len    int    // trees in the cache
}

// NewParseCache returns a cache of the trees of the last size scripts parsed (first in, first
// out); size <= 0 means DefaultParseCacheSize.
func NewParseCache(size int) *ParseCache {
	if size <= 0 {
		size = DefaultParseCacheSize
	}
	return &ParseCache{m: make(map[[32]byte]*air.Script, size), ring: make([][32]byte, 0, size)}
}

// Parse returns the tree of script, from the cache if it is there; a script that does not
// parse is not kept.
func (c *ParseCache) Parse(script string) (*air.Script, error) {
	if c == nil {
		return air.Parse(script)
	}
	key := sha256.Sum256([]byte(script))
	c.mu.Lock()
	s, ok := c.m[key]
	if ok {
		c.hits++
	} else {
		c.misses++
	}
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	// Parsed outside the lock: runs of other scripts need not wait for this one.
	s, err := air.Parse(script)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; ok { // another run parsed it meanwhile
		return s, nil
	}
	if len(c.ring) < cap(c.ring) {
		c.ring = append(c.ring, key)
	} else {
		delete(c.m, c.ring[c.next])
		c.ring[c.next] = key
		c.next = (c.next + 1) % len(c.ring)
	}
	c.m[key] = s
	return s, nil
}

// Stats returns the cache's counters (zero for a nil cache).
func (c *ParseCache) Stats() ParseCacheStats {
	if c == nil {
		return ParseCacheStats{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return ParseCacheStats{Hits: c.hits, Misses: c.misses, Len: len(c.m)}
}
