package value

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchDoc returns a JSON text of about 100 KB shaped like service results: an array of records
// with strings (some escaped or non-ASCII), integers, floats, booleans, nulls and nested arrays,
// keys not in sorted order.
func benchDoc() []byte {
	rng := rand.New(rand.NewPCG(100, 1000))
	var b strings.Builder
	b.WriteString("[")
	for i := 0; b.Len() < 100_000; i++ {
		if i > 0 {
			b.WriteString(",\n ")
		}
		fmt.Fprintf(&b, `{"peer_id": "12D3KooW%039d", "name": "service \"%d\"\tné", "weight": %d, `+
			`"score": %g, "tags": ["a", "b\u00e9", %d, %.3f, null, true], "ok": %v, "nested": {"z": [], "y": {}, "x": %d}}`,
			rng.Uint64(), i, rng.Int64()-rng.Int64()/2, rng.Float64()*1e6, rng.IntN(1000), rng.Float64(), i%2 == 0, -i)
	}
	b.WriteString("]")
	return []byte(b.String())
}

func BenchmarkParse(b *testing.B) {
	doc := benchDoc()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	v, err := Parse(benchDoc(), Limits{})
	if err != nil {
		b.Fatal(err)
	}
	buf := v.AppendJSON(nil)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = v.AppendJSON(buf[:0])
	}
}

// BenchmarkParseLongString: a call's result of one plain string of 1 MiB, read a word at a time.
func BenchmarkParseLongString(b *testing.B) {
	s := `"` + strings.Repeat("abcdefgh", 1<<17) + `"`
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if _, err := ParseString(s, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
