package raftlog

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/aquanet/aquanet/internal/store"
)

// txn is one pebble batch and the state it leads to. Its steps only batch writes and change
// st; nothing is visible (on disk or in Storage) until commit.
type txn struct {
	b  *pebble.Batch
	st state
}

func (s *Storage) begin() *txn { return &txn{b: s.db.NewBatch(), st: s.st} }

// commit writes the batch, synced if sync, and then installs the new state.
func (s *Storage) commit(t *txn, sync bool) error {
	defer t.b.Close()
	opt := pebble.NoSync
	if sync {
		opt = store.Sync(s.db)
	}
	if err := t.b.Commit(opt); err != nil {
		return fmt.Errorf("raftlog: committing: %w", err)
	}
	s.st = t.st
	return nil
}

// Save writes what one raft Ready asks to persist — its snapshot (if not empty), then its
// entries, then its hard state (if not empty) — in one pebble batch, so that after a crash the
// database holds all of this Ready or none of it, and every earlier Ready it held.
//
// sync must be raft.MustSync(hs, previous hs, len(entries)) or stronger: raft requires that
// the entries and hard state of a Ready be on disk before its messages are sent, and only a
// synced Save survives a crash. An unsynced Save may be lost with any later unsynced one, but
// never out of order: the database keeps a prefix of the Saves.
//
// If the snapshot is older than the one kept, Save returns raft.ErrSnapOutOfDate and writes
// nothing; after any error nothing of this Ready was written.
func (s *Storage) Save(hs *pb.HardState, entries []*pb.Entry, snap *pb.Snapshot, sync bool) error {
	t := s.begin()
	if !raft.IsEmptySnap(snap) {
		if err := t.applySnapshot(snap); err != nil {
			t.b.Close()
			return err
		}
	}
	if err := t.append(entries); err != nil {
		t.b.Close()
		return err
	}
	if !raft.IsEmptyHardState(hs) {
		if err := t.setHardState(hs); err != nil {
			t.b.Close()
			return err
		}
	}
	return s.commit(t, sync)
}

// Append writes entries, synced, as MemoryStorage.Append would: entries at or before the
// compaction point are skipped, and an entry whose index the log already holds replaces it and
// every entry after it (the conflicting suffix a new leader overwrites). The first new entry
// must be at most LastIndex()+1 and the entries' indexes consecutive, else it is an error.
func (s *Storage) Append(entries []*pb.Entry) error {
	t := s.begin()
	if err := t.append(entries); err != nil {
		t.b.Close()
		return err
	}
	return s.commit(t, true)
}

// SetHardState saves hs, synced. A nil hs removes the saved one, as MemoryStorage would.
func (s *Storage) SetHardState(hs *pb.HardState) error {
	t := s.begin()
	if err := t.setHardState(hs); err != nil {
		t.b.Close()
		return err
	}
	return s.commit(t, true)
}

// ApplySnapshot replaces the log with snap, synced: every entry is dropped and the compaction
// point becomes the snapshot's index and term. It returns raft.ErrSnapOutOfDate, and changes
// nothing, if the snapshot kept is newer or as new (unless the one kept has index 0).
func (s *Storage) ApplySnapshot(snap *pb.Snapshot) error {
	t := s.begin()
	if err := t.applySnapshot(snap); err != nil {
		t.b.Close()
		return err
	}
	return s.commit(t, true)
}

// CreateSnapshot makes the snapshot at index i, of term Term(i), with data and, if cs is not
// nil, cs (else the previous snapshot's conf state), and returns a copy of it. It does not
// compact the log (Compact does). i must be after the kept snapshot's index
// (raft.ErrSnapOutOfDate), not before the compaction point (raft.ErrCompacted) and not past
// LastIndex().
//
// It is not synced: a crash may lose it, and then Snapshot answers the previous one. It
// becomes durable with the next synced write, and a later write never survives without it.
// The application must have made its state at i durable before calling it.
func (s *Storage) CreateSnapshot(i uint64, cs *pb.ConfState, data []byte) (*pb.Snapshot, error) {
	st := &s.st
	switch {
	case i <= st.snap.GetMetadata().GetIndex():
		return nil, raft.ErrSnapOutOfDate
	case i > st.last:
		return nil, fmt.Errorf("raftlog: snapshot at %d asked, the log ends at %d: %w", i, st.last, raft.ErrUnavailable)
	case i < st.offIndex:
		return nil, fmt.Errorf("raftlog: snapshot at %d asked, the log is compacted to %d: %w", i, st.offIndex, raft.ErrCompacted)
	}
	term, err := s.Term(i)
	if err != nil {
		return nil, err
	}
	snap := proto.Clone(st.snap).(*pb.Snapshot)
	snap.Metadata.Index = new(i)
	snap.Metadata.Term = new(term)
	if cs != nil {
		snap.Metadata.ConfState = proto.Clone(cs).(*pb.ConfState)
	}
	snap.Data = data
	// MemoryStorage returns the conf state as given but keeps it with every field set (its
	// later reads fill them in), and so do we.
	ret := proto.Clone(snap).(*pb.Snapshot)
	snap = pb.EnsureSnapshot(snap)
	v, err := encodeMsg(snap)
	if err != nil {
		return nil, err
	}
	t := s.begin()
	if err := t.b.Set(snapshotKey, v, nil); err != nil {
		t.b.Close()
		return nil, fmt.Errorf("raftlog: batching snapshot at %d: %w", i, err)
	}
	t.st.snap = snap
	if err := s.commit(t, false); err != nil {
		return nil, err
	}
	return ret, nil
}

// Compact drops every entry before index i and keeps entry i's index and term as the
// compaction point (FirstIndex becomes i+1). i must be after the compaction point
// (raft.ErrCompacted) and not past LastIndex(); the application must not compact past what it
// has applied.
//
// It is not synced, for the same reason as CreateSnapshot: losing it loses nothing raft
// needs, and the next synced write makes it durable.
func (s *Storage) Compact(i uint64) error {
	st := &s.st
	if i <= st.offIndex {
		return raft.ErrCompacted
	}
	if i > st.last {
		return fmt.Errorf("raftlog: compaction to %d asked, the log ends at %d: %w", i, st.last, raft.ErrUnavailable)
	}
	term, err := s.Term(i)
	if err != nil {
		return err
	}
	t := s.begin()
	if err := t.b.DeleteRange(entriesStart, entryKey(i+1), nil); err != nil {
		t.b.Close()
		return fmt.Errorf("raftlog: batching compaction to %d: %w", i, err)
	}
	if err := t.b.Set(offsetKey, encodeOffset(i, term), nil); err != nil {
		t.b.Close()
		return fmt.Errorf("raftlog: batching compaction to %d: %w", i, err)
	}
	t.st.offIndex, t.st.offTerm = i, term
	return s.commit(t, false)
}

func (t *txn) setHardState(hs *pb.HardState) error {
	if hs == nil {
		if err := t.b.Delete(hardKey, nil); err != nil {
			return fmt.Errorf("raftlog: batching hard state: %w", err)
		}
		t.st.hard = nil
		return nil
	}
	v, err := encodeMsg(hs)
	if err != nil {
		return err
	}
	if err := t.b.Set(hardKey, v, nil); err != nil {
		return fmt.Errorf("raftlog: batching hard state: %w", err)
	}
	t.st.hard = proto.Clone(hs).(*pb.HardState)
	return nil
}

func (t *txn) applySnapshot(snap *pb.Snapshot) error {
	snap = pb.EnsureSnapshot(proto.Clone(pb.EnsureSnapshot(snap)).(*pb.Snapshot))
	kept := t.st.snap.GetMetadata().GetIndex()
	index, term := snap.GetMetadata().GetIndex(), snap.GetMetadata().GetTerm()
	// Index 0 is the snapshot a bootstrapping application makes of its first conf state.
	if kept != 0 && kept >= index {
		return raft.ErrSnapOutOfDate
	}
	v, err := encodeMsg(snap)
	if err != nil {
		return err
	}
	if err := t.b.DeleteRange(entriesStart, entriesEnd, nil); err != nil {
		return fmt.Errorf("raftlog: batching snapshot at %d: %w", index, err)
	}
	if err := t.b.Set(snapshotKey, v, nil); err != nil {
		return fmt.Errorf("raftlog: batching snapshot at %d: %w", index, err)
	}
	if err := t.b.Set(offsetKey, encodeOffset(index, term), nil); err != nil {
		return fmt.Errorf("raftlog: batching snapshot at %d: %w", index, err)
	}
	t.st.snap = snap
	t.st.offIndex, t.st.offTerm, t.st.last = index, term, index
	return nil
}

func (t *txn) append(entries []*pb.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	first := t.st.offIndex + 1
	e0 := entries[0].GetIndex()
	if e0+uint64(len(entries))-1 < first {
		return nil // all compacted already
	}
	if first > e0 {
		entries = entries[first-e0:]
		e0 = first
	}
	if e0 > t.st.last+1 {
		return fmt.Errorf("raftlog: appending entries from %d, the log ends at %d: entries missing between", e0, t.st.last)
	}
	for k, e := range entries {
		if want := e0 + uint64(k); e.GetIndex() != want {
			return fmt.Errorf("raftlog: appending entries from %d: entry %d says index %d", e0, want, e.GetIndex())
		}
		v, err := encodeEntry(e)
		if err != nil {
			return fmt.Errorf("raftlog: entry %d: %w", e.GetIndex(), err)
		}
		if err := t.b.Set(entryKey(e.GetIndex()), v, nil); err != nil {
			return fmt.Errorf("raftlog: batching entry %d: %w", e.GetIndex(), err)
		}
	}
	last := e0 + uint64(len(entries)) - 1
	if last < t.st.last {
		// A new leader's entries replace a conflicting suffix: what lay past them goes too.
		if err := t.b.DeleteRange(entryKey(last+1), entryKey(t.st.last+1), nil); err != nil {
			return fmt.Errorf("raftlog: batching truncation after %d: %w", last, err)
		}
	}
	t.st.last = last
	return nil
}
