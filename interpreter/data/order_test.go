package data

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/interpreter/value"
)

// Encode keeps the stores' order, with the values' texts and the service results encoded, from
// one encoding to the next, merging in what was added since (and dropping what an Undo took
// out), and the trace encoded, re-encoding the states after those that did not change. Round
// after round of changes, its encoding must be the one of the same data encoded from scratch.
func TestEncodeKeptOrderMatchesScratch(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 2))
		d := New()
		if seed%2 == 1 { // kept orders as Decode leaves them: keys, no entries
			var err error
			if d, err = Decode(sampleData().Encode()); err != nil {
				t.Fatal(err)
			}
		}
		addTo := func(st *Stores, round int) {
			for i := range rng.IntN(40) {
				v := value.String(fmt.Sprintf("%d.%d.%s", round, i, strings.Repeat("x", rng.IntN(300))))
				c := st.PutValue(v)
				tet := st.PutTetraplet(Tetraplet{PeerPK: "p", FunctionName: fmt.Sprint(rng.IntN(5))})
				st.PutServiceResult(ServiceResult{Value: c, ArgumentHash: CIDOf([]byte(fmt.Sprint(i))), Tetraplet: tet})
			}
		}
		add := func(round int) { addTo(&d.Stores, round) }
		randomState := func() State {
			switch rng.IntN(6) {
			case 0:
				return ParState{Left: rng.Uint32N(9), Right: rng.Uint32N(9)}
			case 1:
				return CallState{Kind: CallSentBy, Peer: fmt.Sprint("p", rng.IntN(3)), HasCallID: rng.IntN(2) == 0, CallID: rng.Uint32N(9)}
			case 2:
				return FoldState{Lore: []FoldLore{{ValuePos: rng.Uint32N(9), Before: SubTrace{1, rng.Uint32N(3)}}}}
			case 3:
				return ApState{Gens: []uint32{rng.Uint32N(3)}}
			case 4:
				return CanonState{Executed: true, CID: CIDOf([]byte{byte(rng.IntN(3))})}
			}
			return CallState{Kind: CallExecuted, Value: StreamValue, CID: CIDOf([]byte{byte(rng.IntN(3))}), Generation: rng.Uint32N(3)}
		}
		var last, lastCopy []byte
		for round := range 30 {
			// The trace grows, and now and then changes within or shrinks, or one of the
			// states already encoded changes in place.
			switch rng.IntN(6) {
			case 0:
				if len(d.Trace) > 0 {
					d.Trace[rng.IntN(len(d.Trace))] = randomState()
				}
			case 1:
				d.Trace = d.Trace[:rng.IntN(len(d.Trace)+1)]
			case 2:
				for _, s := range d.Trace {
					if f, ok := s.(FoldState); ok {
						f.Lore[0].After.Len++
						break
					}
				}
			}
			for range rng.IntN(20) {
				d.Trace = append(d.Trace, randomState())
			}
			if rng.IntN(4) == 0 { // a run that fails: its additions undone
				var a Additions
				d.Stores.Record(&a)
				add(round)
				d.Stores.Undo(&a)
			}
			if rng.IntN(3) == 0 { // data that arrived merged in: some of its entries new, some not
				other := New()
				for i := range 5 { // the same in every merge: new only in the first
					other.Stores.PutValue(value.String(fmt.Sprint("arrived.", i)))
				}
				addTo(&other.Stores, round)
				d.Stores.Merge(other.Stores)
			}
			add(round)
			d.Stores.Record(nil)
			got := d.Encode()
			// This encoding copied the trace's shared fields from the last one, which must be
			// as it was.
			if !bytes.Equal(last, lastCopy) {
				t.Fatalf("seed %d round %d: encoding changed the last encoding", seed, round)
			}
			last, lastCopy = got, bytes.Clone(got)
			if want := fromScratch(d).Encode(); !bytes.Equal(got, want) {
				t.Fatalf("seed %d round %d: the encoding with the kept order differs from the one from scratch (%d and %d bytes)", seed, round, len(got), len(want))
			}
		}
	}
}

// fromScratch is d with its stores' maps and no order kept: Encode sorts and looks up all.
func fromScratch(d *Data) *Data {
	return &Data{Trace: d.Trace, LastCallID: d.LastCallID, Signatures: d.Signatures, Stores: Stores{
		Values: d.Stores.Values, Tetraplets: d.Stores.Tetraplets, CanonElements: d.Stores.CanonElements,
		CanonResults: d.Stores.CanonResults, ServiceResults: d.Stores.ServiceResults,
	}}
}

// sortCIDs orders as compareCIDs does, CIDs that share a prefix of any length included.
func TestSortCIDs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{0, 1, 2, 3, 10, 1000, 1<<16 + 5} {
		cs := make([]CID, n)
		for i := range cs {
			for j := range cs[i] {
				cs[i][j] = byte(rng.IntN(256))
			}
			if rng.IntN(3) == 0 { // a prefix shared with others, of 0 to 32 bytes
				copy(cs[i][:rng.IntN(33)], []byte("a prefix some CIDs share, 32 by."))
			}
		}
		if n > 5 {
			cs[1], cs[3] = cs[0], cs[0] // equal CIDs too
		}
		want := slices.Clone(cs)
		slices.SortFunc(want, compareCIDs)
		sortCIDs(cs)
		if !slices.Equal(cs, want) {
			t.Fatalf("%d CIDs: sortCIDs differs from sorting with compareCIDs", n)
		}
	}
}

// sortKeys sorts as slices.Sort does, whether the keys' high bits are spread or crowded into
// few buckets, with duplicates, at sizes on both sides of where it starts using buckets.
func TestSortKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	spreads := map[string]func() uint64{
		"even":       rng.Uint64,
		"one bucket": func() uint64 { return 0xabcd<<48 | rng.Uint64N(1<<20) },
		"few values": func() uint64 { return rng.Uint64N(3) << 62 },
		"low bits":   func() uint64 { return rng.Uint64N(1 << 16) },
	}
	for name, next := range spreads {
		for _, n := range []int{0, 1, minBucketSort - 1, minBucketSort, minBucketSort + 1, 5000, 1 << 15} {
			keys := make([]uint64, n)
			for i := range keys {
				keys[i] = next()
			}
			want := slices.Clone(keys)
			slices.Sort(want)
			sortKeys(keys)
			if !slices.Equal(keys, want) {
				t.Fatalf("%s, %d keys: sortKeys differs from slices.Sort", name, n)
			}
		}
	}
}
