// Package sigcache remembers ed25519 signatures verified, so that a node checks each signature
// once: a particle's signature and its data's signatures arrive again at every hop and with
// every merge, and each check costs some 50 µs where remembering costs a hash of the message.
//
// The cache is keyed by the SHA-256 of everything verified (public key, signature, message),
// so an entry answers only for those exact bytes: a changed byte anywhere is a miss, verified
// afresh. Only successes are kept (a failure costs the caller, not the cache), and at most a
// bounded number, the oldest forgotten first. It holds no clock and starts nothing: a
// verification's result never depends on it, only its cost.
package sigcache

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// Cache remembers verified signatures. It is safe for concurrent use.
type Cache struct {
	mu   sync.Mutex
	seen map[[sha256.Size]byte]struct{}
	ring [][sha256.Size]byte // the keys, oldest at next once full
	next int
	hits uint64
}

// New returns a cache of at most n signatures (n ≥ 1).
func New(n int) *Cache {
	return &Cache{seen: make(map[[sha256.Size]byte]struct{}, n), ring: make([][sha256.Size]byte, 0, max(n, 1))}
}

// DefaultSize is the size of Default: 65,536 entries of 32 bytes (plus the map's overhead,
// about 6 MiB in all).
const DefaultSize = 1 << 16

// Default is the process's cache: every node of a process (the simulator's many) shares it,
// which is sound because a verification's answer is the same whoever asks.
var Default = New(DefaultSize)

// Verify is Default.Verify.
func Verify(pub ed25519.PublicKey, msg, sig []byte) bool { return Default.Verify(pub, msg, sig) }

// Verify reports whether sig is pub's valid signature of msg, as ed25519.Verify does, from
// memory when these exact bytes verified before.
func (c *Cache) Verify(pub ed25519.PublicKey, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false // ed25519.Verify panics on a key of another size
	}
	k := key(pub, msg, sig)
	c.mu.Lock()
	_, ok := c.seen[k]
	if ok {
		c.hits++
	}
	c.mu.Unlock()
	if ok {
		return true
	}
	if !ed25519.Verify(pub, msg, sig) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[k]; ok {
		return true // another caller verified it meanwhile
	}
	if len(c.ring) < cap(c.ring) {
		c.ring = append(c.ring, k)
	} else {
		delete(c.seen, c.ring[c.next])
		c.ring[c.next] = k
		c.next = (c.next + 1) % len(c.ring)
	}
	c.seen[k] = struct{}{}
	return true
}

// Hits is how many verifications the cache answered from memory.
func (c *Cache) Hits() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits
}

// Len is how many signatures the cache holds.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

// key hashes the three, each but the last prefixed with its length, so that no two different
// triples share a key.
func key(pub, msg, sig []byte) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(pub)))
	h.Write(n[:])
	h.Write(pub)
	binary.BigEndian.PutUint64(n[:], uint64(len(sig)))
	h.Write(n[:])
	h.Write(sig)
	h.Write(msg)
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}
