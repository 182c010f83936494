package interpreter

import (
	"testing"

	"github.com/aquanet/aquanet/interpreter/value"
)

// TestStreamGenerationAcrossChunks adds more values to one generation than several chunks hold
// and reads them back in order by every way the interpreter reads a stream.
func TestStreamGenerationAcrossChunks(t *testing.T) {
	const n = 3*maxChunk + 7
	s := &stream{}
	if err := s.add(aggregate{val: value.Uint(0), tracePos: 0}, generation{kind: genPrevious, idx: 0}, n+10); err != nil {
		t.Fatal(err)
	}
	s.addNewGeneration()
	for i := 1; i <= n; i++ {
		if err := s.add(aggregate{val: value.Uint(uint64(i)), tracePos: uint32(i)}, generation{kind: genNew}, n+10); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string, got []aggregate, from int) {
		t.Helper()
		if len(got) != n+1-from {
			t.Fatalf("%s: %d values, want %d", what, len(got), n+1-from)
		}
		for i, a := range got {
			if a.tracePos != uint32(from+i) {
				t.Fatalf("%s: value %d has trace position %d, want %d", what, i, a.tracePos, from+i)
			}
		}
	}
	check("values", s.values(), 0)
	gens := s.generationsFrom([3]int{1, 0, 0})
	if len(gens) != 1 {
		t.Fatalf("%d generations after the previous one, want 1", len(gens))
	}
	check("the new generation", gens[0], 1)
	gens[0][0].tracePos = 999999 // a fold's copy: the stream keeps its own
	check("values after a fold's copy changed", s.values(), 0)
}
