package ledgersvc

import (
	"sync"

	"github.com/aquanet/aquanet/ledger"
)

// verified remembers, by hash, transactions whose signature verified for one chain, so that a
// node pays for each signature once: when it was submitted, or when it arrived in a proposal
// (verified on the transport's goroutine, outside the ledger's lock), and not again when its
// block is applied. A transaction's hash covers every byte of its encoding, signature
// included, so a remembered hash stands for exactly the bytes that verified. It is bounded:
// past its size, the oldest is forgotten (and verified again if it comes back). Safe for
// concurrent use; it changes no outcome, only its cost. It is the replica's
// ledger.Verifier.
type verified struct {
	chainID string
	mu      sync.Mutex
	set     map[[32]byte]struct{}
	ring    [][32]byte // in order of arrival; next is the oldest once full
	next    int
}

// newVerified is an empty cache of at most size transactions of the chain chainID.
func newVerified(chainID string, size int) *verified {
	return &verified{chainID: chainID, set: make(map[[32]byte]struct{}, size), ring: make([][32]byte, 0, max(size, 1))}
}

// Verify is tx.Verify(chainID), answered from the cache when tx verified before. Only a
// success is remembered.
func (v *verified) Verify(tx ledger.Tx, chainID string) error {
	if chainID != v.chainID {
		return tx.Verify(chainID)
	}
	h := tx.Hash()
	v.mu.Lock()
	_, ok := v.set[h]
	v.mu.Unlock()
	if ok {
		return nil
	}
	if err := tx.Verify(chainID); err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.set[h]; ok {
		return nil
	}
	if len(v.ring) < cap(v.ring) {
		v.ring = append(v.ring, h)
	} else {
		delete(v.set, v.ring[v.next])
		v.ring[v.next] = h
		v.next = (v.next + 1) % len(v.ring)
	}
	v.set[h] = struct{}{}
	return nil
}
