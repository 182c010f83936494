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

// own is a key this node provides, as it was asked to: republished before it expires; or, once
// the node stops providing it, its removal, sent again until a majority of the peers closest to
// the key have kept it.
type own struct {
	challenge kademlia.Challenge
	solution  []byte
	ttl       uint64
	// publishedAt is when another peer and a majority of the peers asked kept the record (or
	// the removal); 0 (after a restart, or while none has): due at the next Republish, so that
	// what was sent while the node was cut off is not lost at the peers closest to its key.
	publishedAt uint64
	// removal, if set, is this node's removal of its record, signed at removedAt.
	removal   []byte
	removedAt uint64
}

// kept says whether what was sent reached another peer and a majority of those asked.
func kept(st Stored) bool { return st.OK > 1 && st.OK*2 > st.Peers }

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
	o := &own{challenge: challenge, solution: solution, ttl: ttl}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		done(Stored{}, errClosed)
		return
	}
	if err := s.db.Set(ownKey(r.Key), o.encode(), store.Sync(s.db)); err != nil {
		s.mu.Unlock()
		done(Stored{}, fmt.Errorf("dht: keeping the provided key: %w", err))
		return
	}
	if s.own == nil {
		s.own = map[kademlia.Key]*own{}
	}
	s.own[r.Key] = o
	s.mu.Unlock()
	s.Provide(r.Encode(), func(st Stored, err error) {
		if kept(st) {
			s.mu.Lock()
			o.publishedAt = now
			s.mu.Unlock()
		}
		done(st, err)
	})
}

// Forget stops republishing key and sends this node's removal of its record to the peers
// closest to the key; Republish sends it again until a majority of them have kept it (or the
// record it removes would have expired), across restarts.
func (s *Service) Forget(key kademlia.Key, done func(Stored, error)) {
	now := s.now()
	removal := kademlia.SignRemoval(s.cfg.Key, key, now).Encode()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		done(Stored{}, errClosed)
		return
	}
	o := &own{ttl: s.cfg.MaxTTL, removal: removal, removedAt: now}
	if old := s.own[key]; old != nil {
		o.ttl = old.ttl
	}
	if err := s.db.Set(ownKey(key), o.encode(), store.Sync(s.db)); err != nil {
		s.mu.Unlock()
		done(Stored{}, fmt.Errorf("dht: keeping the removal: %w", err))
		return
	}
	if s.own == nil {
		s.own = map[kademlia.Key]*own{}
	}
	s.own[key] = o
	s.mu.Unlock()
	s.sendRemoval(key, o, done)
}

// sendRemoval sends o's removal, and forgets the key once a majority has kept it.
func (s *Service) sendRemoval(key kademlia.Key, o *own, done func(Stored, error)) {
	s.Remove(o.removal, func(st Stored, err error) {
		if kept(st) {
			s.forgotten(key, o)
		}
		done(st, err)
	})
}

// forgotten drops key's entry if it is still o.
func (s *Service) forgotten(key kademlia.Key, o *own) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.own[key] != o {
		return
	}
	if s.db.Delete(ownKey(key), store.Sync(s.db)) == nil {
		delete(s.own, key)
	}
}

// Republish provides again, at addrs, each key this node provides whose record has lived half
// its life (or that no majority of the peers asked has kept since the node restarted), and sends
// again the removals no majority has kept, in key order; the node calls it now and then. It
// also drops expired records.
func (s *Service) Republish(addrs []multiaddr.Multiaddr) {
	type task struct {
		key kademlia.Key
		o   *own
	}
	var provide, remove, drop []task
	now := s.now()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.table.Expire(now)
	for _, k := range slices.SortedFunc(maps.Keys(s.own), func(a, b kademlia.Key) int { return bytes.Compare(a[:], b[:]) }) {
		switch o := s.own[k]; {
		case o.removal != nil && now > o.removedAt+o.ttl:
			drop = append(drop, task{k, o}) // every record it could remove has expired
		case o.removal != nil:
			remove = append(remove, task{k, o})
		case now >= o.publishedAt+o.ttl/2:
			provide = append(provide, task{k, o})
		}
	}
	s.mu.Unlock()
	for _, t := range provide {
		s.ProvideSelf(t.o.challenge, t.o.solution, t.o.ttl, addrs, func(Stored, error) {})
	}
	for _, t := range remove {
		s.sendRemoval(t.key, t.o, func(Stored, error) {})
	}
	for _, t := range drop {
		s.forgotten(t.key, t.o)
	}
}

// A provided key is kept under DHTOwn ‖ key as kind u8 ‖ ttl u64 LE ‖ what the kind keeps:
// ownProvided: challenge length u16 LE ‖ challenge ‖ solution; ownRemoved: removed_at u64 LE ‖
// the removal.
func ownKey(k kademlia.Key) []byte { return append([]byte{store.DHTOwn}, k[:]...) }

const (
	ownProvided = 1
	ownRemoved  = 2
)

func (o *own) encode() []byte {
	if o.removal != nil {
		b := binary.LittleEndian.AppendUint64([]byte{ownRemoved}, o.ttl)
		b = binary.LittleEndian.AppendUint64(b, o.removedAt)
		return append(b, o.removal...)
	}
	ch := o.challenge.Encode()
	b := binary.LittleEndian.AppendUint64([]byte{ownProvided}, o.ttl)
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
		if len(k) != 1+len(kademlia.Key{}) {
			return nil, fmt.Errorf("dht store: a provided key of %d bytes is corrupt", len(k))
		}
		key := kademlia.Key(k[1:])
		o, err := decodeOwn(key, v)
		if err != nil {
			return nil, fmt.Errorf("dht store: a provided key is corrupt: %w", err)
		}
		out[key] = o
	}
	return out, it.Error()
}

func decodeOwn(key kademlia.Key, v []byte) (*own, error) {
	if len(v) < 1+8 {
		return nil, fmt.Errorf("%d bytes, fewer than a header", len(v))
	}
	o := &own{ttl: binary.LittleEndian.Uint64(v[1:])}
	rest := v[9:]
	switch v[0] {
	case ownProvided:
		if len(rest) < 2 {
			return nil, fmt.Errorf("no challenge length")
		}
		n := int(binary.LittleEndian.Uint16(rest))
		rest = rest[2:]
		if n > len(rest) || len(rest)-n > kademlia.MaxSolution {
			return nil, fmt.Errorf("a challenge of %d bytes and a solution of %d", n, len(rest)-n)
		}
		ch, err := kademlia.DecodeChallenge(rest[:n])
		if err != nil {
			return nil, err
		}
		if ch.Key() != key {
			return nil, fmt.Errorf("its challenge is not the key's")
		}
		o.challenge, o.solution = ch, append([]byte(nil), rest[n:]...)
	case ownRemoved:
		if len(rest) != 8+kademlia.EncodedRemovalLen {
			return nil, fmt.Errorf("a removal of %d bytes", len(rest))
		}
		o.removedAt = binary.LittleEndian.Uint64(rest)
		r, err := kademlia.DecodeRemoval(rest[8:])
		if err != nil {
			return nil, err
		}
		if r.Key != key {
			return nil, fmt.Errorf("its removal is not the key's")
		}
		o.removal = append([]byte(nil), rest[8:]...)
	default:
		return nil, fmt.Errorf("kind %d", v[0])
	}
	return o, nil
}
