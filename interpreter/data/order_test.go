package data

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/interpreter/value"
)

// Encode keeps the stores' order, with the values' texts and the service results encoded, from
// one encoding to the next, merging in what was added since (and dropping what an Undo took
// out). Round after round of additions, its encoding must be the one of the same data encoded
// from scratch.
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
		add := func(round int) {
			for i := range rng.IntN(40) {
				v := value.String(fmt.Sprintf("%d.%d.%s", round, i, strings.Repeat("x", rng.IntN(300))))
				c := d.Stores.PutValue(v)
				tet := d.Stores.PutTetraplet(Tetraplet{PeerPK: "p", FunctionName: fmt.Sprint(rng.IntN(5))})
				d.Stores.PutServiceResult(ServiceResult{Value: c, ArgumentHash: CIDOf([]byte(fmt.Sprint(i))), Tetraplet: tet})
			}
		}
		for round := range 30 {
			if rng.IntN(4) == 0 { // a run that fails: its additions undone
				var a Additions
				d.Stores.Record(&a)
				add(round)
				d.Stores.Undo(&a)
			}
			add(round)
			d.Stores.Record(nil)
			got := d.Encode()
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
