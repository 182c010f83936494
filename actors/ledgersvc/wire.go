package ledgersvc

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/ledger"
)

// Every ledger message starts with its kind.
const (
	kindRaft   byte = 0 // ‖ a raft message (protobuf), between validators
	kindFollow byte = 1 // ‖ from u64: a follower asks a validator for the blocks from a height
	kindBlocks byte = 2 // ‖ top u64 ‖ count u32 ‖ (len u32 ‖ ledger block record)*: the answer
)

// Bounds of a blocks answer: how many records, and about how many bytes (a record may take it
// past, up to one record's bound; the whole stays under core.MaxLedgerMessage).
const (
	maxFollowBlocks = 256
	maxFollowBytes  = 4 << 20
)

// errWire is the error of every message that does not decode.
var errWire = errors.New("ledger message")

func encodeFollow(from uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{kindFollow}, from)
}

// decodeFollow reads a follow request's height (after the kind byte).
func decodeFollow(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("%w: a follow request of %d bytes, want 8", errWire, len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

// blocksAnswer is a validator's answer to a follower: the height it has committed, and the
// records of the blocks asked for that it keeps (maybe none).
type blocksAnswer struct {
	top     uint64
	records [][]byte
}

func encodeBlocks(a blocksAnswer) []byte {
	n := 1 + 8 + 4
	for _, r := range a.records {
		n += 4 + len(r)
	}
	out := make([]byte, 0, n)
	out = append(out, kindBlocks)
	out = binary.BigEndian.AppendUint64(out, a.top)
	out = binary.BigEndian.AppendUint32(out, uint32(len(a.records)))
	for _, r := range a.records {
		out = binary.BigEndian.AppendUint32(out, uint32(len(r)))
		out = append(out, r...)
	}
	return out
}

// decodeBlocks reads an answer (after the kind byte), checking each count and length against
// its bound and the bytes left before anything is allocated. The records are not decoded.
func decodeBlocks(b []byte) (blocksAnswer, error) {
	if len(b) > core.MaxLedgerMessage {
		return blocksAnswer{}, fmt.Errorf("%w: a blocks answer of %d bytes, at most %d", errWire, len(b), core.MaxLedgerMessage)
	}
	if len(b) < 12 {
		return blocksAnswer{}, fmt.Errorf("%w: a blocks answer of %d bytes, shorter than its header", errWire, len(b))
	}
	a := blocksAnswer{top: binary.BigEndian.Uint64(b)}
	n := int(binary.BigEndian.Uint32(b[8:]))
	b = b[12:]
	if n > maxFollowBlocks || n > len(b)/4 {
		return blocksAnswer{}, fmt.Errorf("%w: %d block records, at most %d (and %d bytes left)", errWire, n, maxFollowBlocks, len(b))
	}
	a.records = make([][]byte, 0, n)
	for i := range n {
		if len(b) < 4 {
			return blocksAnswer{}, fmt.Errorf("%w: block record %d: its length cut off", errWire, i)
		}
		l := int(binary.BigEndian.Uint32(b))
		b = b[4:]
		if l > ledger.MaxBlockRecordSize || l > len(b) {
			return blocksAnswer{}, fmt.Errorf("%w: block record %d: %d bytes, at most %d (and %d left)", errWire, i, l, ledger.MaxBlockRecordSize, len(b))
		}
		a.records = append(a.records, b[:l:l])
		b = b[l:]
	}
	if len(b) != 0 {
		return blocksAnswer{}, fmt.Errorf("%w: %d bytes after the last block record", errWire, len(b))
	}
	return a, nil
}
