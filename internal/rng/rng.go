// Package rng is aquanet's one source of randomness for deterministic code.
//
// A node (or a simulated node) is given one seed; every component that needs randomness derives
// its own stream from it with [Derive] and a label naming the component, so adding a consumer
// never shifts the numbers another one sees. Nothing here reads the global math/rand state or the
// operating system's entropy.
package rng

import (
	"crypto/sha256"
	"encoding/binary"
	"io"
	"math/rand/v2"
)

// New returns a generator whose whole output is fixed by seed. The generator is not safe for
// concurrent use; give each actor or goroutine its own (see Derive).
func New(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Derive returns the seed of the sub-stream of seed called label. Different labels give
// unrelated seeds; the same pair always gives the same one.
func Derive(seed uint64, label string) uint64 {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seed)
	h := sha256.New()
	h.Write(b[:])
	h.Write([]byte(label))
	return binary.BigEndian.Uint64(h.Sum(nil))
}

// Reader returns an io.Reader of bytes drawn from r, for APIs that take their randomness as a
// reader (key generation, nonces). Reads never fail. Like r, it is not safe for concurrent use.
func Reader(r *rand.Rand) io.Reader { return reader{r} }

type reader struct{ r *rand.Rand }

func (rd reader) Read(p []byte) (int, error) {
	var word [8]byte
	for i := 0; i < len(p); i += 8 {
		binary.LittleEndian.PutUint64(word[:], rd.r.Uint64())
		copy(p[i:], word[:])
	}
	return len(p), nil
}
