package difffuzz

import (
	"flag"
	"testing"

	"github.com/aquanet/aquanet/internal/resumecheck"
)

var flagResumeCases = flag.Int("difffuzz.resumecases", 3000, "the number of generated cases TestDecodedRunsMatchReplay plays")

// TestDecodedRunsMatchReplay plays generated cases with every peer running as a node does, its
// data kept decoded between runs (interpreter.RunDecoded) and, in "resumed", going on from the
// runs that paused (interpreter.ResumeDecoded), and holds each run to interpreter.Run's replay
// of the encoded data, which the differential tests hold to the reference. Before this test,
// RunDecoded took an executed call of the data for a call it met without resolving the call's
// arguments: seeds 28, 141 and 2192 of the first 3,000 diverged from the reference there.
func TestDecodedRunsMatchReplay(t *testing.T) {
	for _, mode := range []string{"decoded", "resumed"} {
		t.Run(mode, func(t *testing.T) {
			r := resumecheck.New()
			r.NoResume = mode == "decoded"
			for seed := uint64(1); seed <= uint64(*flagResumeCases); seed++ {
				before := len(r.Diffs)
				Generate(seed).playWith(r.Run)
				if len(r.Diffs) > before {
					t.Errorf("seed %d: %s", seed, r.Diffs[before])
				}
			}
			t.Logf("%d cases: %d runs paused, %d resumed", *flagResumeCases, r.Paused, r.Resumed)
			if mode == "resumed" && r.Resumed == 0 {
				t.Error("no run resumed")
			}
		})
	}
}

// FuzzDecodedRuns is TestDecodedRunsMatchReplay under Go's fuzzing engine, the input bytes the
// generator's decisions (FromBytes). It needs no reference process.
func FuzzDecodedRuns(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x07\x01\x08\x03\x02\x05\x01\x00\x09\x04\x02\x01\x06\x03"))
	f.Add([]byte("a fold with seq over a scalar, an xor, a call that fails"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := FromBytes(b)
		r := resumecheck.New()
		c.playWith(r.Run)
		for _, d := range r.Diffs {
			t.Errorf("peers %v, choices %v: %s", c.Peers, c.Choices, d)
		}
	})
}
