package raftlog

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	pb "go.etcd.io/raft/v3/raftpb"
)

// saveFunc writes one Ready; the crash test runs Storage.Save and, to show it can fail, a
// Save split in two batches.
type saveFunc func(s *Storage, hs *pb.HardState, ents []*pb.Entry, snap *pb.Snapshot, sync bool) error

// TestCrashKeepsWholeReadys writes a seeded run of Readys (entries that often overwrite a
// suffix, a hard state naming the Ready, now and then a snapshot or a compaction), some synced,
// and after each takes crash clones of the disk that keep none, some or all of what was not
// synced. Reopened, each clone must read exactly as the log did after one whole Ready: the
// last synced one or a later one, never a Ready cut in half.
func TestCrashKeepsWholeReadys(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		bad, kept := crashRun(t, seed, (*Storage).Save)
		if bad != "" {
			t.Errorf("a crash clone reads as no whole Ready: %s", bad)
		}
		// The run must have kept unsynced Readys in some clones and lost them in others,
		// or it tested only the synced case.
		if kept[true] == 0 || kept[false] == 0 {
			t.Errorf("seed %d: clones that kept unsynced Readys: %d, that lost some: %d; want both", seed, kept[true], kept[false])
		}
	}
}

// TestCrashCatchesSplitReadys shows the crash test can fail: a Ready written as two batches,
// its entries synced and its hard state not (Append, then a Save that raft.MustSync
// would not sync), leaves clones that hold the entries without the hard state.
func TestCrashCatchesSplitReadys(t *testing.T) {
	split := func(s *Storage, hs *pb.HardState, ents []*pb.Entry, snap *pb.Snapshot, sync bool) error {
		if err := s.Save(nil, ents, snap, true); err != nil {
			return err
		}
		return s.Save(hs, nil, nil, false)
	}
	if bad, _ := crashRun(t, 1, split); bad == "" {
		t.Fatal("no crash clone caught a Ready half written")
	}
}

// crashRun returns what the first clone that matched no whole Ready read (and stops there),
// and how many clones kept unsynced writes (true) or lost some (false).
func crashRun(t *testing.T, seed uint64, save saveFunc) (bad string, kept map[bool]int) {
	rng := rand.New(rand.NewPCG(seed, 0xc4a5))
	fs := vfs.NewCrashableMem()
	db := openDB(t, fs, "db")
	s := mustOpen(t, db)
	views := []string{logView(s)} // views[k]: the log after k writes
	synced := 0                   // the last write a crash cannot lose
	kept = map[bool]int{}
	for k := 1; k <= 50; k++ {
		last, _ := s.LastIndex()
		first, _ := s.FirstIndex()
		sync := rng.IntN(3) == 0
		switch {
		case rng.IntN(10) == 0 && last > first:
			// Compaction is never synced: it is durable once a later write is.
			if err := s.Compact(first + uint64(rng.IntN(int(last-first)))); err != nil {
				t.Fatal(err)
			}
			sync = false
		default:
			var snap *pb.Snapshot
			from := last + 1 - uint64(rng.IntN(int(min(last-first+1, 3))+1))
			if rng.IntN(12) == 0 {
				snap = &pb.Snapshot{Data: []byte{byte(k)}, Metadata: &pb.SnapshotMetadata{
					Index: new(last + 2), Term: new(uint64(k)), ConfState: &pb.ConfState{Voters: []uint64{1, 2, 3}}}}
				from = last + 3
			}
			ents := randEntries(rng, from, 1+rng.IntN(4), uint64(k))
			for _, e := range ents {
				// Large entries fill pebble's 32 KiB WAL blocks, which it writes to the file
				// before any sync: only then can a crash keep part of what was not synced.
				e.Data = make([]byte, rng.IntN(12<<10))
				for i := range e.Data {
					e.Data[i] = byte(i ^ k)
				}
			}
			hs := &pb.HardState{Term: new(uint64(k)), Vote: new(uint64(1)), Commit: new(uint64(k))}
			if err := save(s, hs, ents, snap, sync); err != nil {
				t.Fatal(err)
			}
		}
		views = append(views, logView(s))
		if sync {
			synced = k
		}
		for _, pct := range []int{0, 30, 100} {
			clone := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rand.New(rand.NewPCG(seed, uint64(k*1000+pct)))})
			cdb := openDB(t, clone, "db")
			cs, err := Open(cdb)
			if err != nil {
				t.Fatalf("seed %d write %d, %d%% unsynced kept: reopening: %v", seed, k, pct, err)
			}
			got := logView(cs)
			closeDB(t, cdb)
			match := -1
			for j := synced; j <= k; j++ {
				if views[j] == got {
					match = j
				}
			}
			switch {
			case match < 0:
				return fmt.Sprintf("seed %d write %d (synced through %d), %d%% unsynced kept: the clone reads\n%s\nafter the last synced write it was\n%s",
					seed, k, synced, pct, got, views[synced]), kept
			case match > synced:
				kept[true]++
			}
			if match < k {
				kept[false]++
			}
		}
	}
	return "", kept
}
