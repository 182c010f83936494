package raftlog

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// TestConformance applies one seeded random sequence of writes to a raft.MemoryStorage and to
// a Storage on a real pebble (in memory), and after every write asks both every read — the
// same answers, errors included — and, now and then, closes and reopens the database first.
func TestConformance(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run("", func(t *testing.T) { runConformance(t, seed, 1000) })
	}
}

func runConformance(t *testing.T, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	fs := vfs.NewMem()
	db := openDB(t, fs, "db")
	s := mustOpen(t, db)
	ms := raft.NewMemoryStorage()
	term := uint64(1)

	for step := range steps {
		first, _ := ms.FirstIndex()
		last, _ := ms.LastIndex()
		msSnap, _ := ms.Snapshot()
		kept := msSnap.GetMetadata().GetIndex()
		var what string
		var gotErr, wantErr error
		switch op := rng.IntN(100); {
		case op < 40: // Append, often over a conflicting suffix
			from := last + 1 - uint64(rng.IntN(int(min(last, 6))+1))
			if rng.IntN(10) == 0 && first > 2 {
				from = first - 2 // partly compacted already
			}
			if rng.IntN(3) == 0 {
				term++
			}
			ents := randEntries(rng, from, rng.IntN(8), term)
			what = "append " + describe(ents)
			wantErr = ms.Append(ents)
			gotErr = s.Append(ents)
		case op < 55:
			hs := randHardState(rng)
			what = "set hard state"
			wantErr = ms.SetHardState(hs)
			gotErr = s.SetHardState(hs)
		case op < 65: // Compact, sometimes to or before the compaction point
			i := first - 2 + uint64(rng.IntN(int(last-first)+3))
			if first < 2 {
				i = uint64(rng.IntN(int(last) + 1))
			}
			what = "compact"
			wantErr = ms.Compact(i)
			gotErr = s.Compact(i)
		case op < 75: // CreateSnapshot at or before the kept one, or after the compaction point
			i := kept
			if last > kept { // an Append may have cut the log back before the snapshot
				i += uint64(rng.IntN(int(last-kept) + 1))
			}
			if i > kept && i < first-1 {
				i = first - 1 + uint64(rng.IntN(int(last-first)+2))
			}
			if rng.IntN(5) == 0 {
				i = kept
			}
			cs, data := randConfState(rng), randData(rng)
			what = "create snapshot"
			var got, want *pb.Snapshot
			want, wantErr = ms.CreateSnapshot(i, cs, data)
			got, gotErr = s.CreateSnapshot(i, cs, data)
			if !proto.Equal(got, want) {
				t.Fatalf("seed %d step %d: CreateSnapshot(%d) = %v, MemoryStorage %v", seed, step, i, got, want)
			}
		case op < 82: // ApplySnapshot: older, as old, or ahead of the log
			i := kept - min(kept, 1) + uint64(rng.IntN(int(max(last, kept)-kept)+8))
			term++
			snap := &pb.Snapshot{Data: randData(rng), Metadata: &pb.SnapshotMetadata{
				Index: new(i), Term: new(term), ConfState: randConfState(rng)}}
			what = "apply snapshot"
			wantErr = ms.ApplySnapshot(proto.Clone(snap).(*pb.Snapshot))
			gotErr = s.ApplySnapshot(snap)
		case op < 97: // Save: one Ready
			var snap *pb.Snapshot
			if rng.IntN(4) == 0 {
				term++
				snap = &pb.Snapshot{Metadata: &pb.SnapshotMetadata{Index: new(last + uint64(rng.IntN(3))), Term: new(term), ConfState: randConfState(rng)}}
			}
			from := last + 1 - uint64(rng.IntN(int(min(last, 3))+1))
			if snap != nil {
				from = snap.GetMetadata().GetIndex() + 1
			}
			ents := randEntries(rng, from, rng.IntN(5), term)
			hs := randHardState(rng)
			what = "save " + describe(ents)
			wantErr = msSave(ms, hs, ents, snap)
			gotErr = s.Save(hs, ents, snap, rng.IntN(2) == 0)
		default:
			what = "reopen"
			closeDB(t, db)
			db = openDB(t, fs, "db")
			s = mustOpen(t, db)
		}
		if !sameErr(gotErr, wantErr) {
			t.Fatalf("seed %d step %d %s: error %v, MemoryStorage's %v", seed, step, what, gotErr, wantErr)
		}
		compareReads(t, rng, s, ms, func() string { return what })
	}
}

// msSave is Save on MemoryStorage: all of it or, when the snapshot is refused, none.
func msSave(ms *raft.MemoryStorage, hs *pb.HardState, ents []*pb.Entry, snap *pb.Snapshot) error {
	if !raft.IsEmptySnap(snap) {
		if err := ms.ApplySnapshot(proto.Clone(snap).(*pb.Snapshot)); err != nil {
			return err
		}
	}
	if err := ms.Append(ents); err != nil {
		return err
	}
	if !raft.IsEmptyHardState(hs) {
		return ms.SetHardState(hs)
	}
	return nil
}

// compareReads asks s and ms every read: Term of every index around the log, FirstIndex,
// LastIndex, InitialState, Snapshot, and Entries over random ranges and size limits.
func compareReads(t *testing.T, rng *rand.Rand, s *Storage, ms *raft.MemoryStorage, what func() string) {
	t.Helper()
	first, _ := ms.FirstIndex()
	last, _ := ms.LastIndex()
	if got, _ := s.FirstIndex(); got != first {
		t.Fatalf("after %s: FirstIndex %d, MemoryStorage %d", what(), got, first)
	}
	if got, _ := s.LastIndex(); got != last {
		t.Fatalf("after %s: LastIndex %d, MemoryStorage %d", what(), got, last)
	}
	for i := first - min(first, 3); i <= last+2; i++ {
		got, gotErr := s.Term(i)
		want, wantErr := ms.Term(i)
		if got != want || !sameErr(gotErr, wantErr) {
			t.Fatalf("after %s: Term(%d) = %d, %v; MemoryStorage %d, %v", what(), i, got, gotErr, want, wantErr)
		}
	}
	hs, cs, _ := s.InitialState()
	mhs, mcs, _ := ms.InitialState()
	if (hs == nil) != (mhs == nil) || !proto.Equal(hs, mhs) || !proto.Equal(cs, mcs) {
		t.Fatalf("after %s: InitialState %v %v, MemoryStorage %v %v", what(), hs, cs, mhs, mcs)
	}
	snap, _ := s.Snapshot()
	msnap, _ := ms.Snapshot()
	if !proto.Equal(snap, msnap) {
		t.Fatalf("after %s: Snapshot %v, MemoryStorage %v", what(), snap, msnap)
	}
	for range 6 {
		lo := first - min(first, 1) + uint64(rng.IntN(int(last-first)+3))
		hi := lo + uint64(rng.IntN(int(last+2-lo)))
		var maxSize uint64
		switch rng.IntN(4) {
		case 0:
			maxSize = ^uint64(0)
		case 1:
			maxSize = 0
		default:
			maxSize = uint64(rng.IntN(200))
		}
		got, gotErr := s.Entries(lo, hi, maxSize)
		want, wantErr := ms.Entries(lo, hi, maxSize)
		if !sameErr(gotErr, wantErr) || !sameEntries(got, want) {
			t.Fatalf("after %s: Entries(%d, %d, %d) = %s, %v; MemoryStorage %s, %v",
				what(), lo, hi, maxSize, describe(got), gotErr, describe(want), wantErr)
		}
	}
}

func randEntries(rng *rand.Rand, from uint64, n int, term uint64) []*pb.Entry {
	ents := make([]*pb.Entry, n)
	for k := range ents {
		e := &pb.Entry{Index: new(from + uint64(k)), Term: new(term), Data: randData(rng)}
		if rng.IntN(8) == 0 {
			e.Type = pb.EntryConfChange.Enum()
		}
		ents[k] = e
	}
	return ents
}

func randData(rng *rand.Rand) []byte {
	switch rng.IntN(6) {
	case 0:
		return nil
	case 1:
		return []byte{}
	}
	b := make([]byte, rng.IntN(60))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func randHardState(rng *rand.Rand) *pb.HardState {
	if rng.IntN(10) == 0 {
		return nil
	}
	return &pb.HardState{Term: new(uint64(rng.IntN(50))), Vote: new(uint64(rng.IntN(4))), Commit: new(uint64(rng.IntN(100)))}
}

func randConfState(rng *rand.Rand) *pb.ConfState {
	if rng.IntN(3) == 0 {
		return nil
	}
	cs := &pb.ConfState{Voters: []uint64{1, 2, 3}[:1+rng.IntN(3)]}
	if rng.IntN(2) == 0 {
		cs.AutoLeave = new(false)
	}
	return cs
}

// TestConformanceCatchesADifference shows the comparison can fail: a Storage whose last entry
// is changed behind its back answers differently from the model.
func TestConformanceCatchesADifference(t *testing.T) {
	db := openDB(t, vfs.NewMem(), "db")
	s := mustOpen(t, db)
	ms := raft.NewMemoryStorage()
	ents := randEntries(rand.New(rand.NewPCG(1, 1)), 1, 3, 1)
	if err := errors.Join(s.Append(ents), ms.Append(ents)); err != nil {
		t.Fatal(err)
	}
	changed := proto.Clone(ents[2]).(*pb.Entry)
	changed.Term = new(uint64(9))
	v, _ := encodeEntry(changed)
	if err := db.Set(entryKey(3), v, nil); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Term(3)
	want, _ := ms.Term(3)
	if got == want {
		t.Fatalf("Term(3) = %d on both, though the stored entry was changed", got)
	}
}
