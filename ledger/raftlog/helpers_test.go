package raftlog

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/aquanet/aquanet/internal/store"
)

// openDB opens the pebble database at dir on fs, closed when the test ends unless the test
// closes it first (closeDB).
func openDB(t testing.TB, fs vfs.FS, dir string) *pebble.DB {
	t.Helper()
	db, err := store.Open(store.Options{FS: fs, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, done := closedDBs.Load(db); !done {
			_ = db.Close()
		}
	})
	return db
}

// closedDBs are the databases a test closed itself: pebble panics on a second Close.
var closedDBs sync.Map

func closeDB(t testing.TB, db *pebble.DB) {
	t.Helper()
	closedDBs.Store(db, true)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func mustOpen(t testing.TB, db *pebble.DB) *Storage {
	t.Helper()
	s, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sameErr says whether got is what MemoryStorage answered (want, a sentinel or nil).
func sameErr(got, want error) bool {
	if want == nil {
		return got == nil
	}
	return errors.Is(got, want)
}

func sameEntries(a, b []*pb.Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !proto.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func describe(ents []*pb.Entry) string {
	s := "["
	for _, e := range ents {
		s += fmt.Sprintf(" %d/%d(%dB)", e.GetIndex(), e.GetTerm(), len(e.GetData()))
	}
	return s + " ]"
}

// logView is everything a raft.Storage answers about a whole log, in one comparable string:
// the reads of a model and of a Storage are equal exactly when their views are.
func logView(s raft.Storage) string {
	hs, cs, err := s.InitialState()
	out := fmt.Sprintf("hs=%v cs=%v err=%v", hs, cs, err)
	first, _ := s.FirstIndex()
	last, _ := s.LastIndex()
	t, err := s.Term(first - 1)
	out += fmt.Sprintf(" first=%d last=%d dummy term=%d err=%v", first, last, t, err)
	if last >= first {
		ents, err := s.Entries(first, last+1, ^uint64(0))
		out += fmt.Sprintf(" entries=%s err=%v", describeFull(ents), err)
	}
	snap, err := s.Snapshot()
	return out + fmt.Sprintf(" snap=%v err=%v", snap, err)
}

func describeFull(ents []*pb.Entry) string {
	s := "["
	for _, e := range ents {
		s += fmt.Sprintf(" %d/%d/%v/%x", e.GetIndex(), e.GetTerm(), e.GetType(), sha256.Sum256(e.GetData()))
	}
	return s + " ]"
}
