package raftlog

import (
	"errors"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// FuzzDecodeEntry feeds DecodeEntry arbitrary values: it must not panic, a value it refuses
// must be ErrCorrupt, and an entry it accepts must say the index asked and encode again to a
// value that decodes to the same entry.
func FuzzDecodeEntry(f *testing.F) {
	for _, e := range []*pb.Entry{
		{Index: new(uint64(1)), Term: new(uint64(1))},
		{Index: new(uint64(7)), Term: new(uint64(3)), Type: pb.EntryConfChange.Enum(), Data: []byte("cc")},
		{Index: new(uint64(1 << 40)), Term: new(uint64(9)), Data: make([]byte, 300)},
	} {
		v, err := encodeEntry(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(e.GetIndex(), v)
	}
	f.Add(uint64(1), []byte{})
	f.Add(uint64(1), []byte{2, 0x10, 1})
	f.Fuzz(func(t *testing.T, index uint64, v []byte) {
		e, err := DecodeEntry(index, v)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("DecodeEntry(%d, %x) = %v, not ErrCorrupt", index, v, err)
			}
			return
		}
		if e.GetIndex() != index {
			t.Fatalf("DecodeEntry(%d, %x) accepted entry %d", index, v, e.GetIndex())
		}
		again, err := encodeEntry(e)
		if err != nil {
			t.Fatal(err)
		}
		e2, err := DecodeEntry(index, again)
		if err != nil || !proto.Equal(e, e2) {
			t.Fatalf("entry %v encodes to %x, which decodes to %v, %v", e, again, e2, err)
		}
	})
}

// TestCorruptValuesAreErrors plants bad values under each key and checks that Open or the read
// that meets them returns an error naming what is wrong, never a panic.
func TestCorruptValuesAreErrors(t *testing.T) {
	good := func(t *testing.T) (*Storage, func(key, v []byte)) {
		db := openDB(t, vfs.NewMem(), "db")
		s := mustOpen(t, db)
		ents := []*pb.Entry{{Index: new(uint64(1)), Term: new(uint64(1))}, {Index: new(uint64(2)), Term: new(uint64(1))}, {Index: new(uint64(3)), Term: new(uint64(2))}}
		if err := s.Save(&pb.HardState{Term: new(uint64(2)), Commit: new(uint64(3))}, ents, nil, true); err != nil {
			t.Fatal(err)
		}
		return s, func(key, v []byte) {
			if err := db.Set(key, v, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	wrongIndex, _ := encodeEntry(&pb.Entry{Index: new(uint64(9)), Term: new(uint64(1))})
	for _, c := range []struct {
		name string
		key  []byte
		v    []byte
		want string
	}{
		{"entry with another index", entryKey(2), wrongIndex, "entry 2"},
		{"entry of a future version", entryKey(2), []byte{9, 1}, "entry 2"},
		{"entry that is not protobuf", entryKey(3), []byte{1, 0xff, 0xff, 0xff}, "entry 3"},
		{"empty entry value", entryKey(1), []byte{}, "entry 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, set := good(t)
			set(c.key, c.v)
			_, err := s.Entries(1, 4, ^uint64(0))
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Entries over a corrupt value: %v; want ErrCorrupt naming %q", err, c.want)
			}
			i, _ := entryIndex(c.key)
			if _, err := s.Term(i); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Term(%d) over a corrupt value: %v; want ErrCorrupt", i, err)
			}
		})
	}
	for _, c := range []struct {
		name string
		key  []byte
		v    []byte
	}{
		{"hard state", hardKey, []byte{1, 0x08}},
		{"snapshot", snapshotKey, []byte{0}},
		{"compaction point", offsetKey, []byte{1, 2, 3}},
		{"gap in the entries", entryKey(5), wrongIndex},
	} {
		t.Run("open with corrupt "+c.name, func(t *testing.T) {
			db := openDB(t, vfs.NewMem(), "db")
			s := mustOpen(t, db)
			if err := s.Append([]*pb.Entry{{Index: new(uint64(1)), Term: new(uint64(1))}}); err != nil {
				t.Fatal(err)
			}
			if err := db.Set(c.key, c.v, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := Open(db); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open over a corrupt %s: %v; want ErrCorrupt", c.name, err)
			}
		})
	}
}
