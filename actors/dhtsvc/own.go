package dhtsvc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	"github.com/cockroachdb/pebble/v2"
	"github.com/multiformats/go-multiaddr"

	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/kademlia"
)

// own is a key this node provides, as it was asked to: republished before it expires.
type own struct {
	challenge   kademlia.Challenge
	solution    []byte
	ttl         uint64
	publishedAt uint64 // 0 after a restart: due at the first Republish
}

// RelayAttribute is the open challenge's nonce under which nodes that serve clients provide
// themselves (kademlia.OpenChallenge(RelayAttribute)): a client finds relays there.
const RelayAttribute = "aquanet/relays"

// ProvideSelf makes this node a provider of challenge's key for ttl seconds (at most MaxTTL),
// at addrs: it signs the record, stores it at the peers closest to the key, and republishes it
// (Republish) until Forget, across restarts: the key is kept, synced, in the node's store
// before the record goes out.
func (s *Service) ProvideSelf(challenge kademlia.Challenge, solution []byte, ttl uint64, addrs []multiaddr.Multiaddr, done func(Stored, error)) {
	now := s.now()
	ttl = min(ttl, s.cfg.MaxTTL)
	r := kademlia.SignRecord(s.cfg.Key, kademlia.Record{Key: challenge.Key(), Addrs: addrs, IssuedAt: now, ExpiresAt: now + ttl,
		Challenge: challenge, Solution: solution})
	o := &own{challenge: challenge, solution: solution, ttl: ttl, publishedAt: now}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		done(Stored{}, errClosed)
		return
	}
	if err := s.db.Set(ownKey(r.Key), o.encode(), pebble.Sync); err != nil {
		s.mu.Unlock()
		done(Stored{}, fmt.Errorf("dht: keeping the provided key: %w", err))
		return
	}
	if s.own == nil {
		s.own = map[kademlia.Key]*own{}
	}
	s.own[r.Key] = o
	s.mu.Unlock()
	s.Provide(r.Encode(), done)
}

// Forget stops republishing key and sends this node's removal of its record.
func (s *Service) Forget(key kademlia.Key, done func(Stored, error)) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		done(Stored{}, errClosed)
		return
	}
	if err := s.db.Delete(ownKey(key), pebble.Sync); err != nil {
		s.mu.Unlock()
		done(Stored{}, fmt.Errorf("dht: forgetting the provided key: %w", err))
		return
	}
	delete(s.own, key)
	s.mu.Unlock()
	s.Remove(kademlia.SignRemoval(s.cfg.Key, key, s.now()).Encode(), done)
}

// Republish provides again, at addrs, each key this node provides whose record has lived half
// its life (or that it has not published since it restarted), in key order; the node calls it
// now and then. It also drops expired records.
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

// A provided key is kept under DHTOwn ‖ key as ttl u64 LE ‖ challenge length u16 LE ‖
// challenge ‖ solution.
func ownKey(k kademlia.Key) []byte { return append([]byte{store.DHTOwn}, k[:]...) }

func (o *own) encode() []byte {
	ch := o.challenge.Encode()
	b := binary.LittleEndian.AppendUint64(nil, o.ttl)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(ch)))
	return append(append(b, ch...), o.solution...)
}

// loadOwn reads the provided keys kept in db.
func loadOwn(db *pebble.DB) (map[kademlia.Key]*own, error) {
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{store.DHTOwn}, UpperBound: []byte{store.DHTOwn + 1}})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	out := map[kademlia.Key]*own{}
	for it.First(); it.Valid(); it.Next() {
		k, v := it.Key(), it.Value()
		o, err := decodeOwn(v)
		if err == nil && len(k) != 1+len(kademlia.Key{}) {
			err = fmt.Errorf("a key of %d bytes", len(k))
		}
		if err == nil && o.challenge.Key() != kademlia.Key(k[1:]) {
			err = fmt.Errorf("its challenge is not the key's")
		}
		if err != nil {
			return nil, fmt.Errorf("dht store: a provided key is corrupt: %w", err)
		}
		out[kademlia.Key(k[1:])] = o
	}
	return out, it.Error()
}

func decodeOwn(v []byte) (*own, error) {
	if len(v) < 8+2 {
		return nil, fmt.Errorf("%d bytes, fewer than a header", len(v))
	}
	n := int(binary.LittleEndian.Uint16(v[8:]))
	rest := v[10:]
	if n > len(rest) || len(rest)-n > kademlia.MaxSolution {
		return nil, fmt.Errorf("a challenge of %d bytes and a solution of %d", n, len(rest)-n)
	}
	ch, err := kademlia.DecodeChallenge(rest[:n])
	if err != nil {
		return nil, err
	}
	return &own{challenge: ch, solution: append([]byte(nil), rest[n:]...), ttl: binary.LittleEndian.Uint64(v)}, nil
}
