package ledger

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/aquanet/aquanet/internal/store"
)

// KeyPrefix is the first byte of every key the ledger keeps in a node's pebble database.
const KeyPrefix = store.Ledger

// PebbleStore is a Store in a node's pebble database, under KeyPrefix. Each Write is one
// pebble batch, committed with fsync unless the store was made unsynced.
type PebbleStore struct {
	db   *pebble.DB
	sync *pebble.WriteOptions
}

var _ Store = (*PebbleStore)(nil)

// NewPebbleStore is the ledger's store in db, each Write synced. db stays the caller's to close.
func NewPebbleStore(db *pebble.DB) *PebbleStore { return &PebbleStore{db: db, sync: store.Sync(db)} }

// NewUnsyncedPebbleStore is the ledger's store in db, its Writes not synced: for a caller that
// can rebuild what a crash loses, as a replica replays its synced raft log. Pebble's log keeps
// writes in order, so a crash loses a suffix of them, never one from the middle, and the next
// synced write to db makes every earlier one durable.
func NewUnsyncedPebbleStore(db *pebble.DB) *PebbleStore {
	return &PebbleStore{db: db, sync: pebble.NoSync}
}

func prefixed(key []byte) []byte {
	return append(append(make([]byte, 0, 1+len(key)), KeyPrefix), key...)
}

// Get reads a key of the ledger.
func (s *PebbleStore) Get(key []byte) ([]byte, bool, error) {
	v, closer, err := s.db.Get(prefixed(key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("ledger store: reading %q: %w", key, err)
	}
	out := append([]byte(nil), v...)
	if err := closer.Close(); err != nil {
		return nil, false, fmt.Errorf("ledger store: reading %q: %w", key, err)
	}
	return out, true, nil
}

// Write commits writes in one batch, synced unless the store is unsynced.
func (s *PebbleStore) Write(writes []Write) error { return s.WriteWith(writes, nil) }

// WriteWith commits writes and what also adds to the batch (keys of the caller's, outside the
// ledger's prefix) in one batch, synced unless the store is unsynced.
func (s *PebbleStore) WriteWith(writes []Write, also func(*pebble.Batch) error) error {
	b := s.db.NewBatch()
	defer b.Close()
	if also != nil {
		if err := also(b); err != nil {
			return fmt.Errorf("ledger store: batching: %w", err)
		}
	}
	for _, w := range writes {
		var err error
		if w.Delete {
			err = b.Delete(prefixed(w.Key), nil)
		} else {
			err = b.Set(prefixed(w.Key), w.Value, nil)
		}
		if err != nil {
			return fmt.Errorf("ledger store: batching %q: %w", w.Key, err)
		}
	}
	if err := b.Commit(s.sync); err != nil {
		return fmt.Errorf("ledger store: committing %d writes: %w", len(writes), err)
	}
	return nil
}
