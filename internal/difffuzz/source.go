package difffuzz

import (
	"math/rand/v2"

	"github.com/aquanet/aquanet/internal/rng"
)

// source is where the generator takes its decisions from. Two kinds: a seeded generator, for the
// long runs and the fixed sample, and a byte string, for Go's fuzzing engine, whose mutations of
// the bytes then make local changes to the script instead of unrelated ones.
type source interface {
	// intn returns a number in [0, n); n > 0.
	intn(n int) int
}

type seeded struct{ r *rand.Rand }

func newSeeded(seed uint64, label string) seeded { return seeded{rng.New(rng.Derive(seed, label))} }

func (s seeded) intn(n int) int { return s.r.IntN(n) }

// bytesSource reads one byte per decision (two when n > 256); past the end it answers 0, which
// every decision in the generator treats as its plainest choice, so short inputs give small
// scripts.
type bytesSource struct {
	b   []byte
	pos int
}

func (s *bytesSource) next() int {
	if s.pos >= len(s.b) {
		return 0
	}
	s.pos++
	return int(s.b[s.pos-1])
}

func (s *bytesSource) intn(n int) int {
	v := s.next()
	if n > 256 {
		v = v<<8 | s.next()
	}
	return v % n
}

// pick returns one of xs.
func pick[T any](s source, xs ...T) T { return xs[s.intn(len(xs))] }

// chance is true with probability percent/100 (for a seeded source); a byte source's 0 is false.
func chance(s source, percent int) bool { return s.intn(100) >= 100-percent }
