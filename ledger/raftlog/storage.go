package raftlog

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Storage is raft's log storage in a node's pebble database, under KeyPrefix. It implements
// raft.Storage and answers every read exactly as raft.MemoryStorage would after the same
// writes, errors included, except that where MemoryStorage panics on a caller's mistake
// (a range past the last index, a gap before appended entries) Storage returns an error.
//
// The database is the truth: Storage keeps in memory only what Open reads back (the hard
// state, the snapshot, the compaction point and the last index), and reads entries from the
// database.
//
// A Storage is not safe for concurrent use: the runner that drives the RawNode serialises
// every call, raft's reads and the application's writes alike.
type Storage struct {
	db *pebble.DB
	st state
}

// state is what Storage keeps in memory. The writes change a copy and install it only after
// their batch committed, so a failed write leaves Storage as it was.
type state struct {
	hard *pb.HardState // nil until a hard state is saved
	snap *pb.Snapshot  // never nil; its metadata's fields are set (pb.EnsureSnapshot)
	// offIndex and offTerm are the compaction point: the entry before the first one kept,
	// whose term raft still needs to match the next (MemoryStorage's dummy entry).
	offIndex, offTerm uint64
	last              uint64 // the last index; offIndex when the log holds no entry
}

var _ raft.Storage = (*Storage)(nil)

// Open reads the raft log kept in db, or starts an empty one (no hard state, an empty
// snapshot, no entries), and checks what it read: each value decodes, and the entries run
// without a gap from just after the compaction point. db stays the caller's to close, after
// the Storage is no longer used.
func Open(db *pebble.DB) (*Storage, error) {
	s := &Storage{db: db}
	st := state{snap: pb.EnsureSnapshot(nil)}
	if v, ok, err := s.get(hardKey); err != nil {
		return nil, err
	} else if ok {
		st.hard = new(pb.HardState)
		if err := decodeMsg("hard state", v, st.hard); err != nil {
			return nil, err
		}
	}
	if v, ok, err := s.get(snapshotKey); err != nil {
		return nil, err
	} else if ok {
		snap := new(pb.Snapshot)
		if err := decodeMsg("snapshot", v, snap); err != nil {
			return nil, err
		}
		st.snap = pb.EnsureSnapshot(snap)
	}
	if v, ok, err := s.get(offsetKey); err != nil {
		return nil, err
	} else if ok {
		if st.offIndex, st.offTerm, err = decodeOffset(v); err != nil {
			return nil, err
		}
	}
	last, err := s.checkEntries(st.offIndex)
	if err != nil {
		return nil, err
	}
	st.last = last
	s.st = st
	return s, nil
}

// checkEntries walks the entry keys (not their values) and returns the last index: they must
// be off+1, off+2, … with no gap.
func (s *Storage) checkEntries(off uint64) (uint64, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: entriesStart, UpperBound: entriesEnd})
	if err != nil {
		return 0, fmt.Errorf("raftlog: reading entries: %w", err)
	}
	want := off + 1
	for ok := it.First(); ok; ok = it.Next() {
		i, err := entryIndex(it.Key())
		if err != nil {
			it.Close()
			return 0, err
		}
		if i != want {
			it.Close()
			return 0, fmt.Errorf("raftlog: entry %d: %w: expected entry %d next (compacted to %d)", i, ErrCorrupt, want, off)
		}
		want++
	}
	if err := it.Close(); err != nil {
		return 0, fmt.Errorf("raftlog: reading entries: %w", err)
	}
	return want - 1, nil
}

// get reads one key; the value is the caller's.
func (s *Storage) get(key []byte) ([]byte, bool, error) {
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("raftlog: reading %q: %w", key, err)
	}
	out := append([]byte(nil), v...)
	if err := closer.Close(); err != nil {
		return nil, false, fmt.Errorf("raftlog: reading %q: %w", key, err)
	}
	return out, true, nil
}

// InitialState returns the saved hard state (nil if none was saved) and the conf state of
// the latest snapshot (empty, never nil, if none). Both are copies.
func (s *Storage) InitialState() (*pb.HardState, *pb.ConfState, error) {
	var hs *pb.HardState
	if s.st.hard != nil {
		hs = proto.Clone(s.st.hard).(*pb.HardState)
	}
	cs := pb.EnsureConfState(proto.Clone(s.st.snap.GetMetadata().GetConfState()).(*pb.ConfState))
	return hs, cs, nil
}

// Entries returns the entries [lo, hi) from the database, fewer if their encoded sizes
// (proto.Size, as raft counts) would pass maxSize, but at least one if any. The slice and
// the entries are new: the caller owns them.
//
// It returns raft.ErrCompacted if lo is at or before the compaction point, raft.ErrUnavailable
// if the log holds no entry, and an error wrapping raft.ErrUnavailable if hi is past
// LastIndex()+1 or lo past hi (where MemoryStorage panics).
func (s *Storage) Entries(lo, hi, maxSize uint64) ([]*pb.Entry, error) {
	st := &s.st
	if lo <= st.offIndex {
		return nil, raft.ErrCompacted
	}
	if hi > st.last+1 || lo > hi {
		return nil, fmt.Errorf("raftlog: entries [%d, %d) asked, the log ends at %d: %w", lo, hi, st.last, raft.ErrUnavailable)
	}
	if st.last == st.offIndex {
		return nil, raft.ErrUnavailable
	}
	if lo == hi {
		return []*pb.Entry{}, nil
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: entryKey(lo), UpperBound: entryKey(hi)})
	if err != nil {
		return nil, fmt.Errorf("raftlog: reading entries [%d, %d): %w", lo, hi, err)
	}
	defer it.Close()
	var (
		out  []*pb.Entry
		size uint64
		want = lo
		full bool // maxSize stopped the read before hi
	)
	for ok := it.First(); ok; ok = it.Next() {
		e, err := s.iterEntry(it, want)
		if err != nil {
			return nil, err
		}
		size += uint64(proto.Size(e))
		if len(out) > 0 && size > maxSize {
			full = true
			break
		}
		out = append(out, e)
		want++
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("raftlog: reading entries [%d, %d): %w", lo, hi, err)
	}
	if want < hi && !full {
		return nil, fmt.Errorf("raftlog: entry %d: %w: missing from the database, the log ends at %d", want, ErrCorrupt, st.last)
	}
	return out, nil
}

// iterEntry decodes the entry under the iterator, which must be the one at index want.
func (s *Storage) iterEntry(it *pebble.Iterator, want uint64) (*pb.Entry, error) {
	i, err := entryIndex(it.Key())
	if err != nil {
		return nil, err
	}
	if i != want {
		return nil, fmt.Errorf("raftlog: entry %d: %w: missing from the database (found %d next)", want, ErrCorrupt, i)
	}
	v, err := it.ValueAndErr()
	if err != nil {
		return nil, fmt.Errorf("raftlog: reading entry %d: %w", i, err)
	}
	return DecodeEntry(i, v)
}

// Term returns the term of entry i, which must lie in [FirstIndex()-1, LastIndex()]: before,
// raft.ErrCompacted; after, raft.ErrUnavailable.
func (s *Storage) Term(i uint64) (uint64, error) {
	st := &s.st
	switch {
	case i < st.offIndex:
		return 0, raft.ErrCompacted
	case i > st.last:
		return 0, raft.ErrUnavailable
	case i == st.offIndex:
		return st.offTerm, nil
	}
	e, err := s.entry(i)
	if err != nil {
		return 0, err
	}
	return e.GetTerm(), nil
}

// entry reads the entry at i, which must be in the log.
func (s *Storage) entry(i uint64) (*pb.Entry, error) {
	v, ok, err := s.get(entryKey(i))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("raftlog: entry %d: %w: missing from the database, the log ends at %d", i, ErrCorrupt, s.st.last)
	}
	return DecodeEntry(i, v)
}

// LastIndex returns the index of the last entry, or the compaction point if there is none.
func (s *Storage) LastIndex() (uint64, error) { return s.st.last, nil }

// FirstIndex returns the index of the first entry kept: the compaction point + 1.
func (s *Storage) FirstIndex() (uint64, error) { return s.st.offIndex + 1, nil }

// Snapshot returns a copy of the latest snapshot (an empty one if none), every metadata field
// set (pb.EnsureSnapshot), as MemoryStorage returns it.
func (s *Storage) Snapshot() (*pb.Snapshot, error) {
	return pb.EnsureSnapshot(proto.Clone(s.st.snap).(*pb.Snapshot)), nil
}
