package particles

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/store"
)

// Key identifies a particle on this node (core.ParticleKey).
type Key = core.ParticleKey

var _ core.Store = (*Store)(nil)

// Store keeps each particle's data on this peer between its visits, so that a particle whose
// work here is done needs no actor until more of it arrives, and so that a restarted node goes
// on from the data it had. Records live until the particle's deadline; keys sort by deadline,
// so dropping the expired ones is one range deletion.
//
// Save does not sync: a process crash loses nothing (pebble's WAL is written), a machine crash
// may lose the last writes, which costs repeated work, never wrong data (the other peers still
// verify whatever this one sends). SaveDurably syncs, for data that must not be lost: the
// particle actor saves its data so before it makes calls, so that a crash cannot make it run
// a call again.
type Store struct{ db *pebble.DB }

// NewStore returns the particle data store in db.
func NewStore(db *pebble.DB) *Store { return &Store{db: db} }

// storeKey is the prefix, the deadline (big-endian, so keys sort by it) and a hash of the rest
// of the particle's key.
func storeKey(k Key) []byte {
	h := sha256.New()
	for _, s := range []string{k.ID, k.InitPeerID, k.Signature} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	b := make([]byte, 1, 1+8+sha256.Size)
	b[0] = store.ParticleData
	b = binary.BigEndian.AppendUint64(b, k.Deadline)
	return h.Sum(b)
}

// Save keeps data as the particle's data.
func (s *Store) Save(k Key, data []byte) error {
	if err := s.db.Set(storeKey(k), data, pebble.NoSync); err != nil {
		return fmt.Errorf("particles: saving the data of particle %s: %w", k.ID, err)
	}
	return nil
}

// SaveDurably keeps data as the particle's data and returns once it is on disk (synced): what
// must survive a machine crash, such as the calls a particle has asked for before they run.
// Concurrent callers share syncs (pebble commits their writes together).
func (s *Store) SaveDurably(k Key, data []byte) error {
	if err := s.db.Set(storeKey(k), data, pebble.Sync); err != nil {
		return fmt.Errorf("particles: saving the data of particle %s: %w", k.ID, err)
	}
	return nil
}

// Load returns the particle's data, or nil if there is none.
func (s *Store) Load(k Key) ([]byte, error) {
	v, closer, err := s.db.Get(storeKey(k))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("particles: loading the data of particle %s: %w", k.ID, err)
	}
	defer closer.Close()
	return append([]byte(nil), v...), nil
}

// Delete drops the particle's data.
func (s *Store) Delete(k Key) error {
	if err := s.db.Delete(storeKey(k), pebble.NoSync); err != nil {
		return fmt.Errorf("particles: deleting the data of particle %s: %w", k.ID, err)
	}
	return nil
}

// DeleteExpired drops the data of every particle expired at now (ms since the Unix epoch; a
// particle is expired from its deadline on, as particle.Validate has it): what a node that
// stopped, or crashed, left behind.
func (s *Store) DeleteExpired(now uint64) error {
	end := binary.BigEndian.AppendUint64([]byte{store.ParticleData}, now+1)
	if err := s.db.DeleteRange([]byte{store.ParticleData}, end, pebble.NoSync); err != nil {
		return fmt.Errorf("particles: deleting expired particle data: %w", err)
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
