package kademlia

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/trust"
)

// PebbleTableStore keeps a table in a node's pebble database: a record under DHTProviders ‖
// key ‖ provider, as flags u8 (1: open, 2: a tombstone) ‖ issued_at u64 LE ‖ expires_at u64 LE
// ‖ the record (a tombstone's: the removal).
type PebbleTableStore struct {
	db *pebble.DB
	// Sync makes every write durable before it returns. Off by default: a provider
	// republishes its records, so a crash that loses the last writes loses nothing for long.
	Sync bool
}

// The flags of a stored entry; a tombstone is never open.
const (
	flagOpen    = 1
	flagRemoved = 2
)

// entryHeader is the length of a stored entry's value before the record.
const entryHeader = 1 + 8 + 8

// OpenPebbleTable returns the store in db and the records it keeps, by key in key order, to
// Load into a Table.
func OpenPebbleTable(db *pebble.DB) (*PebbleTableStore, []Key, map[Key][]Entry, error) {
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{store.DHTProviders}, UpperBound: []byte{store.DHTProviders + 1}})
	if err != nil {
		return nil, nil, nil, err
	}
	defer it.Close()
	var keys []Key
	entries := map[Key][]Entry{}
	for it.First(); it.Valid(); it.Next() {
		k, v := it.Key(), it.Value()
		if len(k) != 1+32+32 || len(v) < entryHeader || v[0] > flagRemoved {
			return nil, nil, nil, fmt.Errorf("dht store: a provider record of %d and %d bytes is corrupt", len(k), len(v))
		}
		key := Key(k[1:33])
		if len(entries[key]) == 0 {
			keys = append(keys, key)
		}
		entries[key] = append(entries[key], Entry{
			Provider:  trust.PublicKey(k[33:]),
			Open:      v[0]&flagOpen != 0,
			Removed:   v[0]&flagRemoved != 0,
			IssuedAt:  binary.LittleEndian.Uint64(v[1:]),
			ExpiresAt: binary.LittleEndian.Uint64(v[9:]),
			Value:     append([]byte(nil), v[entryHeader:]...),
		})
	}
	if err := it.Error(); err != nil {
		return nil, nil, nil, err
	}
	return &PebbleTableStore{db: db}, keys, entries, nil
}

// Apply writes a put and deletions under k in one batch.
func (s *PebbleTableStore) Apply(k Key, put *Entry, deleted []trust.PublicKey) error {
	b := s.db.NewBatch()
	defer b.Close()
	for _, p := range deleted {
		if err := b.Delete(entryKey(k, p), nil); err != nil {
			return err
		}
	}
	if put != nil {
		v := make([]byte, entryHeader, entryHeader+len(put.Value))
		if put.Open {
			v[0] = flagOpen
		}
		if put.Removed {
			v[0] = flagRemoved
		}
		binary.LittleEndian.PutUint64(v[1:], put.IssuedAt)
		binary.LittleEndian.PutUint64(v[9:], put.ExpiresAt)
		if err := b.Set(entryKey(k, put.Provider), append(v, put.Value...), nil); err != nil {
			return err
		}
	}
	opts := pebble.NoSync
	if s.Sync {
		opts = store.Sync(s.db)
	}
	return b.Commit(opts)
}

func entryKey(k Key, p trust.PublicKey) []byte {
	return append(append([]byte{store.DHTProviders}, k[:]...), p[:]...)
}
