package raftlog

import (
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	pb "go.etcd.io/raft/v3/raftpb"
)

// BenchmarkSave saves, synced, Readys of 64 entries of 256 bytes and a hard state, on the real
// disk (b.TempDir), and reports entries/s. Figures depend on the disk; nothing is asserted.
func BenchmarkSave(b *testing.B) {
	db := openDB(b, vfs.Default, b.TempDir())
	s := mustOpen(b, db)
	data := make([]byte, 256)
	next := uint64(1)
	for b.Loop() {
		ents := make([]*pb.Entry, 64)
		for k := range ents {
			ents[k] = &pb.Entry{Index: new(next), Term: new(uint64(1)), Data: data}
			next++
		}
		hs := &pb.HardState{Term: new(uint64(1)), Vote: new(uint64(1)), Commit: new(next - 1)}
		if err := s.Save(hs, ents, nil, true); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(next-1)/b.Elapsed().Seconds(), "entries/s")
}
