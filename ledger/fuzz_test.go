package ledger

// Fuzz targets for the decoders of transactions and blocks. Each checks that a decoder never
// panics, that what it accepts encodes back to exactly its input (one encoding per value), and
// that it allocates no more than a bound linear in its input: no length or count may make it
// allocate for data that is not there.
//
// Run one at a time, e.g. go test ./ledger/ -run '^$' -fuzz '^FuzzDecodeTx$' -fuzztime 60s.
// The seeds are real encodings: sampleTxs (every kind, the longest perimeter) and blocks of them.

import (
	"bytes"
	"hash/crc32"
	"runtime"
	"testing"
)

// sampled says whether the costly checks (allocation, Verify) run for this input: one input
// in 16, chosen by its hash so that a failure reproduces on the same input.
func sampled(in []byte) bool { return crc32.ChecksumIEEE(in)%16 == 0 }

// allocated is how many heap bytes f allocates (ReadMemStats is exact and slow).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// allocBound bounds what decoding n bytes may allocate: strings copied from the input, a
// slice header per string, a struct per service or transaction and Validate's maps of
// duplicates, each a small multiple of n.
func allocBound(n int) uint64 { return 16384 + 64*uint64(n) }

func checkAlloc(t *testing.T, in []byte, decode func()) {
	if !sampled(in) {
		return
	}
	if got := allocated(decode); got > allocBound(len(in)) {
		t.Fatalf("decoding %d bytes allocated %d, more than %d", len(in), got, allocBound(len(in)))
	}
}

func FuzzDecodeTx(f *testing.F) {
	for _, tx := range sampleTxs() {
		enc, err := EncodeTx(tx)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		tx, err := DecodeTx(in)
		checkAlloc(t, in, func() { _, _ = DecodeTx(in) })
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("a decoding error without a reason: %v", err)
			}
			return
		}
		out, err := EncodeTx(tx)
		if err != nil {
			t.Fatalf("decoded, and does not encode: %v", err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("decoded %x, encodes back to %x", in, out)
		}
		again, err := DecodeTx(out)
		if err != nil || again.Hash() != tx.Hash() {
			t.Fatalf("the re-encoding decodes differently: %v", err)
		}
		if sampled(in) {
			_ = tx.Verify("c") // must not panic
		}
	})
}

func FuzzDecodeBlock(f *testing.F) {
	// Not the longest perimeter (50 KiB): the fuzzer spends its time minimizing inputs that
	// long, and FuzzDecodeTx covers it.
	var txs []Tx
	for _, tx := range sampleTxs() {
		if enc, _ := EncodeTx(tx); len(enc) < 1024 {
			txs = append(txs, tx)
		}
	}
	for _, b := range []Block{{Height: 1, Time: 2}, {Height: 3, Time: 4, Txs: txs[:3]}, {Height: 5, Time: 6, Txs: txs}} {
		enc, err := EncodeBlock(b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		b, err := DecodeBlock(in)
		checkAlloc(t, in, func() { _, _ = DecodeBlock(in) })
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("a decoding error without a reason: %v", err)
			}
			return
		}
		if len(b.Txs) > MaxBlockTxs || cap(b.Txs) > MaxBlockTxs {
			t.Fatalf("accepted %d transactions (capacity %d)", len(b.Txs), cap(b.Txs))
		}
		out, err := EncodeBlock(b)
		if err != nil {
			t.Fatalf("decoded, and does not encode: %v", err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("decoded %x, encodes back to %x", in, out)
		}
		again, err := DecodeBlock(out)
		if err != nil || again.Hash() != b.Hash() {
			t.Fatalf("the re-encoding decodes differently: %v", err)
		}
	})
}
