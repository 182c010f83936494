package dhtsvc

import (
	"bytes"
	"maps"
	"slices"

	"github.com/multiformats/go-multiaddr"

	"github.com/aquanet/aquanet/kademlia"
)

// own is a key this node provides, as it was asked to: republished before it expires.
type own struct {
	challenge   kademlia.Challenge
	solution    []byte
	ttl         uint64
	publishedAt uint64
}

// RelayAttribute is the open challenge's nonce under which nodes that serve clients provide
// themselves (kademlia.OpenChallenge(RelayAttribute)): a client finds relays there.
const RelayAttribute = "aquanet/relays"

// ProvideSelf makes this node a provider of challenge's key for ttl seconds (at most MaxTTL),
// at addrs: it signs the record, stores it at the peers closest to the key, and republishes it
// (Republish) until Forget.
func (s *Service) ProvideSelf(challenge kademlia.Challenge, solution []byte, ttl uint64, addrs []multiaddr.Multiaddr, done func(Stored, error)) {
	now := s.now()
	ttl = min(ttl, s.cfg.MaxTTL)
	r := kademlia.SignRecord(s.cfg.Key, kademlia.Record{Key: challenge.Key(), Addrs: addrs, IssuedAt: now, ExpiresAt: now + ttl,
		Challenge: challenge, Solution: solution})
	s.mu.Lock()
	if s.own == nil {
		s.own = map[kademlia.Key]*own{}
	}
	s.own[r.Key] = &own{challenge: challenge, solution: solution, ttl: ttl, publishedAt: now}
	s.mu.Unlock()
	s.Provide(r.Encode(), done)
}

// Forget stops republishing key and sends this node's removal of its record.
func (s *Service) Forget(key kademlia.Key, done func(Stored, error)) {
	s.mu.Lock()
	delete(s.own, key)
	s.mu.Unlock()
	s.Remove(kademlia.SignRemoval(s.cfg.Key, key, s.now()).Encode(), done)
}

// Republish provides again, at addrs, each key this node provides whose record has lived half
// its life, in key order; the node calls it now and then. It also drops expired records.
func (s *Service) Republish(addrs []multiaddr.Multiaddr) {
	now := s.now()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.table.Expire(now)
	var due []*own
	for _, k := range slices.SortedFunc(maps.Keys(s.own), func(a, b kademlia.Key) int { return bytes.Compare(a[:], b[:]) }) {
		if o := s.own[k]; now >= o.publishedAt+o.ttl/2 {
			due = append(due, o)
		}
	}
	s.mu.Unlock()
	for _, o := range due {
		s.ProvideSelf(o.challenge, o.solution, o.ttl, addrs, func(Stored, error) {})
	}
}
