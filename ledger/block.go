package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Block is a batch of transactions the validators agreed on, applied at once. Time is set by
// the proposer (seconds since the Unix epoch): the state machine reads no clock, it takes the
// block's; it must not go back from the previous block's.
type Block struct {
	Height uint64
	Time   uint64
	Txs    []Tx
}

// Bounds of a block.
const (
	MaxBlockTxs  = 10_000
	MaxBlockSize = 4 << 20
)

const blockVersion = 1

// A block's binary form, little-endian: version (1) ‖ height u64 ‖ time u64 ‖ count u32 ‖
// (len u32 ‖ tx as EncodeTx writes it) per transaction. Nothing may follow.
const blockHeaderSize = 1 + 8 + 8 + 4

// EncodeBlock is b's binary form. It fails when a transaction does not encode (EncodeTx) or
// when the block is past MaxBlockTxs or MaxBlockSize.
func EncodeBlock(b Block) ([]byte, error) {
	if len(b.Txs) > MaxBlockTxs {
		return nil, fmt.Errorf("block %d: %d transactions, at most %d", b.Height, len(b.Txs), MaxBlockTxs)
	}
	out := make([]byte, 0, blockHeaderSize+len(b.Txs)*(4+160))
	out = append(out, blockVersion)
	out = binary.LittleEndian.AppendUint64(out, b.Height)
	out = binary.LittleEndian.AppendUint64(out, b.Time)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(b.Txs)))
	for i, tx := range b.Txs {
		enc, err := EncodeTx(tx)
		if err != nil {
			return nil, fmt.Errorf("block %d: transaction %d: %w", b.Height, i, err)
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(len(enc)))
		out = append(out, enc...)
		if len(out) > MaxBlockSize {
			return nil, fmt.Errorf("block %d: more than %d bytes", b.Height, MaxBlockSize)
		}
	}
	return out, nil
}

// DecodeBlock reads a block as EncodeBlock writes it, exactly. Every transaction must decode
// (DecodeTx); their signatures are not checked (ApplyBlock does, and rejects those that fail,
// without failing the block). Counts and lengths are checked against their bounds and the
// bytes left before anything is allocated. Errors are Rejections "malformed".
func DecodeBlock(in []byte) (Block, error) {
	if len(in) > MaxBlockSize {
		return Block{}, malformed("block", "%d bytes, at most %d", len(in), MaxBlockSize)
	}
	d := decoder{b: in}
	if v := d.u8("block version"); d.err == nil && v != blockVersion {
		return Block{}, malformed("block version", "%d, want %d", v, blockVersion)
	}
	b := Block{Height: d.u64("block height"), Time: d.u64("block time")}
	var n int
	if f := d.take("block count", 4); f != nil {
		n = int(binary.LittleEndian.Uint32(f))
	}
	if d.err != nil {
		return Block{}, d.err
	}
	if n > MaxBlockTxs || n > len(d.b)/(4+minTxSize) {
		return Block{}, malformed("block count", "%d transactions, at most %d (and %d bytes left)", n, MaxBlockTxs, len(d.b))
	}
	if n > 0 {
		b.Txs = make([]Tx, 0, n)
	}
	for i := range n {
		what := fmt.Sprintf("block transaction %d", i)
		var l int
		if f := d.take(what+" length", 4); f != nil {
			l = int(binary.LittleEndian.Uint32(f))
		}
		if d.err == nil && l > MaxTxSize {
			d.err = malformed(what, "%d bytes, at most %d", l, MaxTxSize)
		}
		enc := d.take(what, l)
		if d.err != nil {
			return Block{}, d.err
		}
		tx, err := DecodeTx(enc)
		if err != nil {
			return Block{}, fmt.Errorf("%s: %w", what, err)
		}
		b.Txs = append(b.Txs, tx)
	}
	if len(d.b) != 0 {
		return Block{}, malformed("block", "%d bytes after the last transaction", len(d.b))
	}
	return b, nil
}

// Hash is the SHA-256 of the block's header and of its transactions' hashes: the same for
// every replica that holds the same block. Unlike EncodeBlock it is defined for any block,
// even one whose transactions do not encode (their Hash is then not meaningful, but it is
// deterministic).
func (b Block) Hash() [32]byte {
	h := sha256.New()
	var hdr [blockHeaderSize]byte
	hdr[0] = blockVersion
	binary.LittleEndian.PutUint64(hdr[1:], b.Height)
	binary.LittleEndian.PutUint64(hdr[9:], b.Time)
	binary.LittleEndian.PutUint32(hdr[17:], uint32(len(b.Txs)))
	h.Write(hdr[:])
	for _, tx := range b.Txs {
		th := tx.Hash()
		h.Write(th[:])
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}
