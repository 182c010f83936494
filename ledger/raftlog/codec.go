package raftlog

import (
	"encoding/binary"
	"errors"
	"fmt"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/aquanet/aquanet/internal/store"
)

// KeyPrefix is the first byte of every key the raft log keeps in a node's pebble database.
const KeyPrefix = store.LedgerRaft

// The second byte of a key says what it holds.
const (
	kindEntry    byte = 'e' // 'e' ‖ index u64 big-endian → one entry
	kindHard     byte = 'h' // the HardState
	kindOffset   byte = 'o' // the index and term the log was compacted to
	kindSnapshot byte = 's' // the latest snapshot, metadata and data
)

// valueVersion is the first byte of every value: the format can change without guessing.
const valueVersion byte = 1

// MaxValueSize bounds what Open and the reads accept from the disk: a longer value is
// reported as corrupt rather than decoded. It also bounds what the writes accept, so that
// everything written can be read back.
const MaxValueSize = 256 << 20

// ErrCorrupt marks a value read back from the database that does not decode, or that
// contradicts its key or the rest of the log. Errors that wrap it name the key.
var ErrCorrupt = errors.New("raftlog: corrupt value")

var (
	hardKey     = []byte{KeyPrefix, kindHard}
	offsetKey   = []byte{KeyPrefix, kindOffset}
	snapshotKey = []byte{KeyPrefix, kindSnapshot}
	// entriesStart and entriesEnd bound every entry key: [start, end).
	entriesStart = []byte{KeyPrefix, kindEntry}
	entriesEnd   = []byte{KeyPrefix, kindEntry + 1}
)

// entryKey is the key of the entry at index i; big-endian, so keys sort as indexes do.
func entryKey(i uint64) []byte {
	k := make([]byte, 2+8)
	k[0], k[1] = KeyPrefix, kindEntry
	binary.BigEndian.PutUint64(k[2:], i)
	return k
}

// entryIndex reads the index back out of an entry key.
func entryIndex(key []byte) (uint64, error) {
	if len(key) != 10 || key[0] != KeyPrefix || key[1] != kindEntry {
		return 0, fmt.Errorf("raftlog: entry key %x: %w: not 'r' 'e' and 8 bytes", key, ErrCorrupt)
	}
	return binary.BigEndian.Uint64(key[2:]), nil
}

var marshal = proto.MarshalOptions{Deterministic: true}

// encodeMsg is the stored form of a raftpb message: the version byte, then its protobuf
// encoding (which keeps field presence, so a value reads back proto.Equal to what was written).
func encodeMsg(m proto.Message) ([]byte, error) {
	out, err := marshal.MarshalAppend([]byte{valueVersion}, m)
	if err != nil {
		return nil, fmt.Errorf("raftlog: encoding %T: %w", m, err)
	}
	if len(out) > MaxValueSize {
		return nil, fmt.Errorf("raftlog: encoding %T: %d bytes, more than MaxValueSize (%d)", m, len(out), MaxValueSize)
	}
	return out, nil
}

// decodeMsg reads what encodeMsg wrote into m. what names the key for errors.
func decodeMsg(what string, v []byte, m proto.Message) error {
	switch {
	case len(v) == 0:
		return fmt.Errorf("raftlog: %s: %w: empty value", what, ErrCorrupt)
	case len(v) > MaxValueSize:
		return fmt.Errorf("raftlog: %s: %w: %d bytes, more than MaxValueSize", what, ErrCorrupt, len(v))
	case v[0] != valueVersion:
		return fmt.Errorf("raftlog: %s: %w: version %d, want %d", what, ErrCorrupt, v[0], valueVersion)
	}
	if err := proto.Unmarshal(v[1:], m); err != nil {
		return fmt.Errorf("raftlog: %s: %w: %w", what, ErrCorrupt, err)
	}
	return nil
}

// encodeEntry is the stored form of an entry.
func encodeEntry(e *pb.Entry) ([]byte, error) { return encodeMsg(e) }

// DecodeEntry reads the value stored for the entry at index: it must decode and say that
// index. It never panics and allocates no more than the value's length; a bad value is an
// error wrapping ErrCorrupt that names the index.
func DecodeEntry(index uint64, v []byte) (*pb.Entry, error) {
	e := new(pb.Entry)
	if err := decodeMsg(fmt.Sprintf("entry %d", index), v, e); err != nil {
		return nil, err
	}
	if e.Index == nil || e.GetIndex() != index {
		return nil, fmt.Errorf("raftlog: entry %d: %w: it says index %d", index, ErrCorrupt, e.GetIndex())
	}
	return e, nil
}

// encodeOffset is the stored form of the compaction point: the version byte, index, term.
func encodeOffset(index, term uint64) []byte {
	v := make([]byte, 1+16)
	v[0] = valueVersion
	binary.BigEndian.PutUint64(v[1:], index)
	binary.BigEndian.PutUint64(v[9:], term)
	return v
}

func decodeOffset(v []byte) (index, term uint64, err error) {
	if len(v) != 17 || v[0] != valueVersion {
		return 0, 0, fmt.Errorf("raftlog: compaction point: %w: %d bytes, want version %d and 16 bytes", ErrCorrupt, len(v), valueVersion)
	}
	return binary.BigEndian.Uint64(v[1:]), binary.BigEndian.Uint64(v[9:]), nil
}
