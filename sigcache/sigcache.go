// Package sigcache remembers ed25519 signatures verified, so that a node checks each signature
// once: a particle's signature and its data's signatures arrive again at every hop and with
// every merge, and each check costs some 50 µs where remembering costs a hash of the message.
//
// The cache is keyed by the SHA-256 of everything verified (public key, signature, message),
// so an entry answers only for those exact bytes: a changed byte anywhere is a miss, verified
// afresh. Only successes are kept (a failure costs the caller, not the cache), and at most a
// bounded number, the oldest forgotten first. It holds no clock and starts nothing: a
// verification's result never depends on it, only its cost.
//
// A miss is verified by curve25519-voi with crypto/ed25519's exact semantics (cofactorless; a
// small-order or non-canonical key accepted, and hashed as given; a non-canonical R or an
// S ≥ L rejected): some 1.2× faster than crypto/ed25519 for a signer not seen before, and
// 1.35–1.4× for one seen before, whose key the cache keeps expanded (voi's precomputed tables,
// about 1.5 KiB). The keys of signers whose signatures verified are remembered, at most
// MaxKeys, the oldest forgotten first; a key is expanded when a second signature of it comes,
// so that a signer seen once costs no expansion. voi_vectors_test.go holds every path to
// crypto/ed25519's answers. voi's batch verification is not used: with these semantics it
// verifies one by one, and its batch equation is cofactored, which accepts signatures that
// crypto/ed25519 refuses.
package sigcache

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"sync"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// stdlib is voi's option set that answers as crypto/ed25519.Verify does.
var stdlib = &voi.Options{Verify: voi.VerifyOptionsStdLib}

// Cache remembers verified signatures. It is safe for concurrent use.
type Cache struct {
	mu       sync.Mutex
	seen     bounded[[sha256.Size]byte, struct{}]
	hits     uint64
	verified uint64 // checks made by ed25519 (not answered from memory)
	signs    uint64
	// keys are the keys of signers whose signatures verified: a key seen once maps to nil,
	// and a key seen again to its expanded form.
	keys bounded[[ed25519.PublicKeySize]byte, *voi.ExpandedPublicKey]
	// signers are the private keys Sign was given, by their SHA-256, and whether their halves
	// agree (the public half is the seed's).
	signers bounded[[sha256.Size]byte, bool]
}

// bounded is a map of at most cap(order) entries, the oldest forgotten first.
type bounded[K comparable, V any] struct {
	m     map[K]V
	order []K // the keys, oldest at next once full
	next  int
}

func newBounded[K comparable, V any](n int) bounded[K, V] {
	return bounded[K, V]{m: make(map[K]V, n), order: make([]K, 0, n)}
}

// put sets k to v, forgetting the oldest entry to make room for a new one.
func (b *bounded[K, V]) put(k K, v V) {
	if _, ok := b.m[k]; !ok {
		if len(b.order) < cap(b.order) {
			b.order = append(b.order, k)
		} else {
			delete(b.m, b.order[b.next])
			b.order[b.next] = k
			b.next = (b.next + 1) % len(b.order)
		}
	}
	b.m[k] = v
}

// MaxKeys bounds the signers' keys a cache remembers (expanded, about 1.5 KiB each: some
// 6 MiB at most).
const MaxKeys = 4096

// New returns a cache of at most n signatures (n ≥ 1), and of at most min(n, MaxKeys)
// signers' keys.
func New(n int) *Cache {
	n = max(n, 1)
	return &Cache{
		seen:    newBounded[[sha256.Size]byte, struct{}](n),
		keys:    newBounded[[ed25519.PublicKeySize]byte, *voi.ExpandedPublicKey](min(n, MaxKeys)),
		signers: newBounded[[sha256.Size]byte, bool](min(n, MaxKeys)),
	}
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
	k := cacheKey(pub, msg, sig)
	c.mu.Lock()
	_, ok := c.seen.m[k]
	if ok {
		c.hits++
	} else {
		c.verified++
	}
	c.mu.Unlock()
	if ok {
		return true
	}
	if !c.verify(pub, msg, sig) {
		return false
	}
	c.mu.Lock()
	c.seen.put(k, struct{}{})
	c.mu.Unlock()
	return true
}

// verify is ed25519.Verify(pub, msg, sig) for a key of the right size, by voi: with the key's
// expanded form when the cache has it, expanding it (and keeping it) when the key verified
// before, and remembering a key not seen before when its signature verifies.
func (c *Cache) verify(pub ed25519.PublicKey, msg, sig []byte) bool {
	var pk [ed25519.PublicKeySize]byte
	copy(pk[:], pub)
	c.mu.Lock()
	x, known := c.keys.m[pk]
	c.mu.Unlock()
	switch {
	case x != nil:
		return voi.VerifyExpandedWithOptions(x, msg, sig, stdlib)
	case known:
		x, err := voi.NewExpandedPublicKey(voi.PublicKey(pub))
		if err != nil {
			return false // not a point: it cannot have verified before, but answer as ed25519 would
		}
		c.mu.Lock()
		c.keys.put(pk, x)
		c.mu.Unlock()
		return voi.VerifyExpandedWithOptions(x, msg, sig, stdlib)
	}
	if !voi.VerifyWithOptions(voi.PublicKey(pub), msg, sig, stdlib) {
		return false
	}
	c.mu.Lock()
	if _, ok := c.keys.m[pk]; !ok { // an expanded form already remembered is kept
		c.keys.put(pk, nil)
	}
	c.mu.Unlock()
	return true
}

// Hits is how many verifications the cache answered from memory.
func (c *Cache) Hits() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits
}

// Verified is how many verifications the cache made by ed25519: those it could not answer
// from memory.
func (c *Cache) Verified() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.verified
}

// Signs is how many signatures Sign made.
func (c *Cache) Signs() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.signs
}

// Len is how many signatures the cache holds.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen.m)
}

// cacheKey hashes the three, each but the last prefixed with its length, so that no two different
// triples share a key.
func cacheKey(pub, msg, sig []byte) [sha256.Size]byte {
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
