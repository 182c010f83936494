package air

import (
	"fmt"
	"strings"
	"testing"
)

// genScript returns a valid script of about size bytes shaped like compiled Aqua: blocks of
// xor/seq/par/fold/canon/call joined by a balanced tree of seqs.
func genScript(size int) string {
	var blocks []string
	total := 0
	for i := 0; total < size; i++ {
		b := fmt.Sprintf(`(xor
 (seq
  (call -relay- ("op" "noop") [])
  (seq
   (call %%init_peer_id%% ("getDataSrv" "peers_%[1]d") [] peers_%[1]d)
   (fold peers_%[1]d p_%[1]d
    (par
     (call p_%[1]d ("service_%[1]d" "function") [peers_%[1]d.$.[0] p_%[1]d "literal %[1]d" 42] $results_%[1]d)
     (next p_%[1]d))
    (canon -relay- $results_%[1]d #results_%[1]d))))
 (call %%init_peer_id%% ("errorHandlingSrv" "error") [:error: %[1]d]))`, i)
		blocks = append(blocks, b)
		total += len(b)
	}
	var join func([]string) string
	join = func(bs []string) string {
		if len(bs) == 1 {
			return bs[0]
		}
		m := len(bs) / 2
		return "(seq\n" + join(bs[:m]) + "\n" + join(bs[m:]) + ")"
	}
	return `(seq (call %init_peer_id% ("getDataSrv" "-relay-") [] -relay-)` + "\n" + join(blocks) + ")"
}

func TestGenScriptIsValid(t *testing.T) {
	for _, size := range []int{1 << 10, 100 << 10} {
		if _, err := Parse(genScript(size)); err != nil {
			t.Fatalf("generated %d-byte script: %v", size, err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1KB", 1 << 10}, {"100KB", 100 << 10}, {"1MB", 1 << 20}} {
		src := genScript(size.n)
		b.Run(size.name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFormat(b *testing.B) {
	src := genScript(100 << 10)
	s, err := Parse(src)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Format(s)
	}
}

// TestDeepNesting: nesting up to MaxDepth parses; one more level is an error, not a crash.
func TestDeepNesting(t *testing.T) {
	deep := func(n int) string {
		return strings.Repeat("(seq (null) ", n-1) + "(null)" + strings.Repeat(")", n-1)
	}
	if _, err := Parse(deep(MaxDepth)); err != nil {
		t.Fatalf("nesting of exactly MaxDepth: %v", err)
	}
	_, err := Parse(deep(MaxDepth + 1))
	if err == nil || !strings.Contains(err.Error(), "nested more than 10000 deep") {
		t.Fatalf("nesting past MaxDepth: %v", err)
	}
	// Far deeper input, as a hostile particle would carry, fails the same way and quickly.
	if _, err := Parse(strings.Repeat("(seq ", 1_000_000)); err == nil {
		t.Fatal("a million open parentheses parsed")
	}
}
