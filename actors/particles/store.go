package particles

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/interpreter/data"
)

// Key identifies a particle on this node (core.ParticleKey).
type Key = core.ParticleKey

var _ core.Store = (*Store)(nil)

// Store keeps each particle's data on this peer between its visits, so that a particle whose
// work here is done needs no actor until more of it arrives, and so that a restarted node goes
// on from the data it had; beside the data, one record per arrival merged into it, so that a
// restarted node still drops replays. Records live until the particle's deadline; keys start
// with the deadline, so dropping the expired ones is one range deletion per kind.
//
// A Write that is not durable does not sync: a process crash loses nothing (pebble's WAL is
// written), a machine crash may lose the last writes, which costs repeated work, never wrong
// data (the other peers still verify whatever this one sends). The data and the arrivals it
// merged are written together, so the store never says an arrival is merged into data it lost.
// A durable Write syncs, for data that must not be lost: the particle actor saves its data so
// before it makes calls, so that a crash cannot make it run a call again.
//
// Between two writes of the data whole, Write keeps journal entries of what runs added
// (data.AppendJournal), each in one write with the arrivals it merged; Load applies them.
type Store struct {
	db *pebble.DB
	mu sync.Mutex
	// journaled holds the particles (by keyHash, with their deadline) that may have journal
	// entries: those with entries written since their data was last written whole, and those
	// whose entries the store held when it was opened (a crash left them). Load and Delete
	// look for the entries of these only: most particles never have any, and a lookup that
	// finds none still reads pebble's memtables and the tables its filters pass.
	journaled map[[sha256.Size]byte]uint64
	unknown   bool // the entries held at the open could not be listed: every particle may have some
}

// NewStore returns the particle data store in db.
func NewStore(db *pebble.DB) *Store {
	s := &Store{db: db, journaled: map[[sha256.Size]byte]uint64{}}
	if err := s.listJournaled(); err != nil {
		s.unknown = true
	}
	return s
}

// listJournaled notes the particles that have journal entries in the store.
func (s *Store) listJournaled() error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{store.ParticleJournal}, UpperBound: []byte{store.ParticleJournal + 1}})
	if err != nil {
		return err
	}
	for it.First(); it.Valid(); it.Next() {
		if key := it.Key(); len(key) == 1+8+sha256.Size+4 {
			s.journaled[[sha256.Size]byte(key[9:9+sha256.Size])] = binary.BigEndian.Uint64(key[1:9])
		}
	}
	if err := it.Error(); err != nil {
		it.Close()
		return err
	}
	return it.Close()
}

// mayHaveJournal reports whether the particle of kh may have journal entries.
func (s *Store) mayHaveJournal(kh [sha256.Size]byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.journaled[kh]
	return ok || s.unknown
}

// setJournaled notes that the particle k (of hash kh) may have journal entries (on), or has
// none.
func (s *Store) setJournaled(k Key, kh [sha256.Size]byte, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.journaled[kh] = k.Deadline
	} else {
		delete(s.journaled, kh)
	}
}

// keyPrefix is a key space's prefix byte, the particle's deadline (big-endian, so keys sort by
// it) and a hash of the rest of its key (keyHash), with room for an arrival's hash after it.
func keyPrefix(space byte, k Key) []byte { return keyIn(space, k, keyHash(k)) }

// keyHash hashes the particle's id, init peer and signature, each after its length: computed
// once per save, for all the keys the save writes.
func keyHash(k Key) [sha256.Size]byte {
	var buf [256]byte // on the stack for the usual key; a longer one spills to the heap
	m := buf[:0]
	for _, s := range [...]string{k.ID, k.InitPeerID, k.Signature} {
		m = binary.BigEndian.AppendUint64(m, uint64(len(s)))
		m = append(m, s...)
	}
	return sha256.Sum256(m)
}

// keyIn is keyPrefix with the hash of the key given.
func keyIn(space byte, k Key, h [sha256.Size]byte) []byte {
	b := make([]byte, 1, 1+8+sha256.Size+sha256.Size)
	b[0] = space
	b = binary.BigEndian.AppendUint64(b, k.Deadline)
	return append(b, h[:]...)
}

// Write saves w: the data whole (dropping the w.Seq journal entries it replaces) or one journal
// entry, and the arrivals merged, in one write. With w.Durably it returns once the write is on
// disk (synced): what must survive a machine crash, such as the calls a particle has asked for
// before they run. Concurrent callers share syncs (pebble commits their writes together).
func (s *Store) Write(k Key, w core.Write) error {
	opts := pebble.NoSync
	if w.Durably {
		opts = store.Sync(s.db)
	}
	var err error
	kh := keyHash(k)
	if len(w.Merged) == 0 && w.Seq == 0 && w.Entry == nil {
		err = s.db.Set(keyIn(store.ParticleData, k, kh), w.Data, opts)
	} else {
		b := s.db.NewBatch()
		if w.Entry != nil {
			s.setJournaled(k, kh, true) // before the write: a failed one costs lookups, not entries
			b.Set(journalKey(k, kh, w.Seq), w.Entry, nil)
		} else {
			b.Set(keyIn(store.ParticleData, k, kh), w.Data, nil)
			for seq := uint32(1); seq <= w.Seq; seq++ {
				b.Delete(journalKey(k, kh, seq), nil)
			}
		}
		prefix := keyIn(store.ParticleArrivals, k, kh) // with room for a hash: the keys are built in it
		for _, h := range w.Merged {
			b.Set(append(prefix, h[:]...), nil, nil) // the batch copies the key
		}
		err = b.Commit(opts)
		b.Close()
	}
	if err != nil {
		return fmt.Errorf("particles: saving the data of particle %s: %w", k.ID, err)
	}
	if w.Entry == nil {
		s.setJournaled(k, kh, false) // written whole, its entries dropped
	}
	return nil
}

// journalKey is where the seq-th journal entry of a particle's data is.
func journalKey(k Key, kh [sha256.Size]byte, seq uint32) []byte {
	return binary.BigEndian.AppendUint32(keyIn(store.ParticleJournal, k, kh), seq)
}

// Load returns the particle's data, or nil if there is none: the data saved whole, with its
// journal entries applied in order. Data that had entries is written whole again, durably, and
// the entries dropped, in one write, so that the next save (a restored particle's actor's)
// counts its entries from 1 again.
func (s *Store) Load(k Key) ([]byte, error) {
	kh := keyHash(k)
	v, closer, err := s.db.Get(keyIn(store.ParticleData, k, kh))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("particles: loading the data of particle %s: %w", k.ID, err)
	}
	whole := append([]byte(nil), v...)
	closer.Close()
	entries, err := s.journal(k, kh)
	if err != nil || len(entries) == 0 {
		return whole, err
	}
	d, err := data.Decode(whole)
	if err != nil {
		return nil, fmt.Errorf("particles: loading the data of particle %s: %w", k.ID, err)
	}
	for i, e := range entries {
		if err := data.ApplyJournal(d, e); err != nil {
			return nil, fmt.Errorf("particles: loading the data of particle %s: journal entry %d: %w", k.ID, i+1, err)
		}
	}
	whole = d.Encode()
	if err := s.Write(k, core.Write{Data: whole, Seq: uint32(len(entries)), Durably: true}); err != nil {
		return nil, err
	}
	return whole, nil
}

// journal returns the journal entries of a particle's data, in order: 1, 2, ... for as long as
// they follow one another (a point lookup each, and one that finds none for data without).
func (s *Store) journal(k Key, kh [sha256.Size]byte) ([][]byte, error) {
	if !s.mayHaveJournal(kh) {
		return nil, nil
	}
	var entries [][]byte
	for seq := uint32(1); ; seq++ {
		v, closer, err := s.db.Get(journalKey(k, kh, seq))
		if errors.Is(err, pebble.ErrNotFound) {
			return entries, nil
		}
		if err != nil {
			return nil, fmt.Errorf("particles: loading the data of particle %s: %w", k.ID, err)
		}
		entries = append(entries, append([]byte(nil), v...))
		closer.Close()
	}
}

// Merged returns the arrivals saved as merged into the particle's data, in the order of their
// hashes.
func (s *Store) Merged(k Key) ([]core.DataHash, error) {
	prefix := keyPrefix(store.ParticleArrivals, k)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, fmt.Errorf("particles: reading the arrivals of particle %s: %w", k.ID, err)
	}
	var out []core.DataHash
	for it.First(); it.Valid(); it.Next() {
		if key := it.Key(); len(key) == len(prefix)+sha256.Size {
			out = append(out, core.DataHash(key[len(prefix):]))
		}
	}
	if err := it.Error(); err != nil {
		it.Close()
		return nil, fmt.Errorf("particles: reading the arrivals of particle %s: %w", k.ID, err)
	}
	return out, it.Close()
}

// prefixEnd is the least key after every key that starts with prefix (prefix is never all
// 0xff: it starts with a key space's byte).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i]++; end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}

// Delete drops the particle's data and the records of the arrivals given, each a point
// deletion: a range deletion per particle would leave a range tombstone per particle for
// pebble to carry through its flushes and compactions (3.5% of a node's CPU at 14,000
// particles/s went to their statistics alone).
func (s *Store) Delete(k Key, arrivals []core.DataHash) error {
	b := s.db.NewBatch()
	defer b.Close()
	kh := keyHash(k)
	b.Delete(keyIn(store.ParticleData, k, kh), nil)
	entries, err := s.journal(k, kh) // none but what a crash left (Load drops them)
	if err != nil {
		return err
	}
	for seq := range uint32(len(entries)) {
		b.Delete(journalKey(k, kh, seq+1), nil)
	}
	if len(arrivals) > 0 {
		prefix := keyIn(store.ParticleArrivals, k, kh) // with room for a hash: the keys are built in it
		for _, h := range arrivals {
			b.Delete(append(prefix, h[:]...), nil) // the batch copies the key
		}
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("particles: deleting the data of particle %s: %w", k.ID, err)
	}
	s.setJournaled(k, kh, false)
	return nil
}

// DeleteExpired drops the data and arrivals of every particle expired at now (ms since the
// Unix epoch; a particle is expired from its deadline on, as particle.Validate has it): what a
// node that stopped, or crashed, left behind.
func (s *Store) DeleteExpired(now uint64) error {
	b := s.db.NewBatch()
	defer b.Close()
	for _, space := range []byte{store.ParticleData, store.ParticleArrivals, store.ParticleJournal} {
		b.DeleteRange([]byte{space}, binary.BigEndian.AppendUint64([]byte{space}, now+1), nil)
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("particles: deleting expired particle data: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for kh, deadline := range s.journaled {
		if deadline <= now { // its entries went with the range
			delete(s.journaled, kh)
		}
	}
	return nil
}

// LastDeadline returns the latest deadline of the particles with data in the store, and
// false if there are none.
func (s *Store) LastDeadline() (uint64, bool, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{store.ParticleData}, UpperBound: []byte{store.ParticleData + 1}})
	if err != nil {
		return 0, false, err
	}
	var d uint64
	ok := it.Last() && len(it.Key()) >= 9
	if ok {
		d = binary.BigEndian.Uint64(it.Key()[1:9])
	}
	if err := it.Error(); err != nil {
		it.Close()
		return 0, false, fmt.Errorf("particles: reading the store: %w", err)
	}
	return d, ok, it.Close()
}

// Count returns how many particles have data in the store.
func (s *Store) Count() (int, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{store.ParticleData}, UpperBound: []byte{store.ParticleData + 1}})
	if err != nil {
		return 0, err
	}
	n := 0
	for it.First(); it.Valid(); it.Next() {
		n++
	}
	if err := it.Error(); err != nil {
		it.Close()
		return 0, err
	}
	return n, it.Close()
}
