package ledger

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/aquanet/aquanet/internal/store"
)

// The block log: every committed block, by height, with the app hash the state had before it,
// under store.LedgerBlocks. A validator writes each block's record in the batch that commits
// the block's state; a node that follows the ledger fetches the records from a validator,
// checks that its own app hash is the one each record says came before, and applies the
// block. Records are not part of the state (nor of its app hash or snapshots): a validator
// that caught up from a snapshot lacks the blocks before it, and a follower asks another.

// BlockRecord is a committed block and the app hash before it.
type BlockRecord struct {
	PrevAppHash [32]byte
	Block       Block
}

// Bounds of a block record: an app hash and a block.
const MaxBlockRecordSize = 32 + MaxBlockSize

// BlockKey is the key of the record of the block at height.
func BlockKey(height uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{store.LedgerBlocks}, height)
}

// EncodeBlockRecord is r's binary form: the app hash ‖ the block as EncodeBlock writes it.
func EncodeBlockRecord(r BlockRecord) ([]byte, error) {
	b, err := EncodeBlock(r.Block)
	if err != nil {
		return nil, err
	}
	return append(r.PrevAppHash[:], b...), nil
}

// DecodeBlockRecord reads a record as EncodeBlockRecord writes it (a Rejection "malformed" when
// it does not).
func DecodeBlockRecord(in []byte) (BlockRecord, error) {
	if len(in) < 32 {
		return BlockRecord{}, malformed("block record", "%d bytes, shorter than an app hash", len(in))
	}
	var r BlockRecord
	copy(r.PrevAppHash[:], in)
	b, err := DecodeBlock(in[32:])
	if err != nil {
		return BlockRecord{}, fmt.Errorf("block record: %w", err)
	}
	r.Block = b
	return r, nil
}

// ReadBlockRecords reads the encoded records of the blocks from height on, in order, while
// they are consecutive, at most count of them and about maxBytes (at least one, if there is
// one).
func ReadBlockRecords(db *pebble.DB, from uint64, count, maxBytes int) ([][]byte, error) {
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: BlockKey(from), UpperBound: []byte{store.LedgerBlocks + 1}})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out [][]byte
	size := 0
	next := from
	for it.First(); it.Valid() && len(out) < count; it.Next() {
		if h := binary.BigEndian.Uint64(it.Key()[1:]); h != next {
			break
		}
		if len(out) > 0 && size+len(it.Value()) > maxBytes {
			break
		}
		out = append(out, append([]byte(nil), it.Value()...))
		size += len(it.Value())
		next++
	}
	return out, it.Error()
}
