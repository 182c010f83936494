package router

import (
	"cmp"

	"github.com/aquanet/aquanet/actors/particles"
)

// deadlines is a min-heap of particle keys by deadline: the router's one timer is armed for the
// first. Keys of one deadline come out in the keys' order (id, initiator, signature), so that
// what the router does at a deadline never depends on the order particles finished in, let
// alone a map's.
//
// Hand-rolled rather than container/heap: its Push and Pop take an any, and boxing a key
// costs an allocation per particle.
type deadlines []particles.Key

// before orders keys by deadline, then by the rest of the key.
func before(a, b *particles.Key) bool {
	if a.Deadline != b.Deadline {
		return a.Deadline < b.Deadline
	}
	if c := cmp.Compare(a.ID, b.ID); c != 0 {
		return c < 0
	}
	if c := cmp.Compare(a.InitPeerID, b.InitPeerID); c != 0 {
		return c < 0
	}
	return a.Signature < b.Signature
}

func (d *deadlines) push(k particles.Key) {
	h := append(*d, k)
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if !before(&h[i], &h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
	*d = h
}

// first returns the earliest key; the heap must not be empty.
func (d deadlines) first() *particles.Key { return &d[0] }

// pop removes the earliest key and returns it; the heap must not be empty.
func (d *deadlines) pop() particles.Key {
	h := *d
	k, n := h[0], len(h)-1
	h[0] = h[n]
	h[n] = particles.Key{} // its strings go with it
	h = h[:n]
	for i := 0; ; {
		least, l, r := i, 2*i+1, 2*i+2
		if l < n && before(&h[l], &h[least]) {
			least = l
		}
		if r < n && before(&h[r], &h[least]) {
			least = r
		}
		if least == i {
			break
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
	if n == 0 {
		h = nil // slices do not shrink: give a burst's room back
	}
	*d = h
	return k
}
