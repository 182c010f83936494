package trust

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/aquanet/aquanet/internal/store"
)

// PebbleStore keeps a graph in a node's pebble database: a root under TrustRoots ‖ key, its
// max chain length as one byte; a relation under TrustRelations ‖ for ‖ by, as
// kind u8 (0 trust, 1 revocation) ‖ at u64 LE ‖ expires_at u64 LE ‖ signature (64 bytes).
type PebbleStore struct {
	db *pebble.DB
	// Sync makes every write durable before it returns; off, a crash may lose the last ones
	// (a peer re-sends what it wants kept). On by default through OpenPebble.
	Sync bool
}

// OpenPebble returns the store in db and what it keeps, to Load into a Graph.
func OpenPebble(db *pebble.DB) (*PebbleStore, map[PublicKey]int, []Relation, error) {
	s := &PebbleStore{db: db, Sync: true}
	roots := map[PublicKey]int{}
	var rels []Relation
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{store.TrustRoots}, UpperBound: []byte{store.TrustRoots + 1}})
	if err != nil {
		return nil, nil, nil, err
	}
	for it.First(); it.Valid(); it.Next() {
		k, v := it.Key(), it.Value()
		if len(k) != 1+32 || len(v) != 1 {
			it.Close()
			return nil, nil, nil, fmt.Errorf("trust store: a root record of %d and %d bytes is corrupt", len(k), len(v))
		}
		roots[PublicKey(k[1:])] = int(v[0])
	}
	if err := it.Close(); err != nil {
		return nil, nil, nil, err
	}
	it, err = db.NewIter(&pebble.IterOptions{LowerBound: []byte{store.TrustRelations}, UpperBound: []byte{store.TrustRelations + 1}})
	if err != nil {
		return nil, nil, nil, err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		r, err := decodeRelation(it.Key(), it.Value())
		if err != nil {
			return nil, nil, nil, err
		}
		rels = append(rels, r)
	}
	return s, roots, rels, it.Error()
}

func (s *PebbleStore) opts() *pebble.WriteOptions {
	if s.Sync {
		return store.Sync(s.db)
	}
	return pebble.NoSync
}

// PutRoot keeps a root.
func (s *PebbleStore) PutRoot(k PublicKey, maxChainLen int) error {
	return s.db.Set(append([]byte{store.TrustRoots}, k[:]...), []byte{byte(maxChainLen)}, s.opts())
}

// DeleteRoot forgets a root.
func (s *PebbleStore) DeleteRoot(k PublicKey) error {
	return s.db.Delete(append([]byte{store.TrustRoots}, k[:]...), s.opts())
}

// PutRelation keeps a relation, replacing the pair's.
func (s *PebbleStore) PutRelation(r Relation) error {
	k := append(append([]byte{store.TrustRelations}, r.For[:]...), r.By[:]...)
	v := make([]byte, 0, 17+len(r.Signature))
	kind := byte(0)
	if r.Revocation {
		kind = 1
	}
	v = append(v, kind)
	v = binary.LittleEndian.AppendUint64(v, r.At)
	v = binary.LittleEndian.AppendUint64(v, r.ExpiresAt)
	v = append(v, r.Signature...)
	return s.db.Set(k, v, s.opts())
}

func decodeRelation(k, v []byte) (Relation, error) {
	if len(k) != 1+64 || len(v) != 17+64 || v[0] > 1 {
		return Relation{}, fmt.Errorf("trust store: a relation record of %d and %d bytes is corrupt", len(k), len(v))
	}
	return Relation{For: PublicKey(k[1:33]), By: PublicKey(k[33:]), Revocation: v[0] == 1,
		At: binary.LittleEndian.Uint64(v[1:]), ExpiresAt: binary.LittleEndian.Uint64(v[9:]),
		Signature: append([]byte(nil), v[17:]...)}, nil
}

// NoStore keeps nothing: a graph that lives in memory only.
type NoStore struct{}

func (NoStore) PutRoot(PublicKey, int) error { return nil }
func (NoStore) DeleteRoot(PublicKey) error   { return nil }
func (NoStore) PutRelation(Relation) error   { return nil }
