package ledgersvc

import (
	"bytes"
	"testing"

	"github.com/aquanet/aquanet/ledger"
)

// A blocks answer is network input: whatever the bytes, decodeBlocks returns an error or an
// answer that encodes back to exactly those bytes, within its bounds.
func FuzzDecodeBlocks(f *testing.F) {
	rec, err := ledger.EncodeBlockRecord(ledger.BlockRecord{Block: ledger.Block{Height: 3, Time: 9}})
	if err != nil {
		f.Fatal(err)
	}
	for _, a := range []blocksAnswer{{}, {top: 7}, {top: 3, records: [][]byte{rec}}, {top: 4, records: [][]byte{rec, {1, 2}}}} {
		f.Add(encodeBlocks(a)[1:])
	}
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		a, err := decodeBlocks(in)
		if err != nil {
			return
		}
		if len(a.records) > maxFollowBlocks {
			t.Fatalf("%d records, over the bound", len(a.records))
		}
		for _, r := range a.records {
			if len(r) > ledger.MaxBlockRecordSize {
				t.Fatalf("a record of %d bytes, over the bound", len(r))
			}
		}
		if out := encodeBlocks(a)[1:]; !bytes.Equal(out, in) {
			t.Fatalf("decoded and encoded again: %x, want %x", out, in)
		}
	})
}

// A follow request is 8 bytes exactly.
func FuzzDecodeFollow(f *testing.F) {
	f.Add(encodeFollow(12)[1:])
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := decodeFollow(in)
		if (err == nil) != (len(in) == 8) {
			t.Fatalf("%x: %v", in, err)
		}
		if err == nil && !bytes.Equal(encodeFollow(h)[1:], in) {
			t.Fatalf("%x does not round-trip", in)
		}
	})
}
