package value

import (
	"math/rand/v2"
	"testing"
)

func needsAttention(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80 }

// checkSkipPlain holds skipPlain to its contract on b from every start: every byte it skips is
// plain, and where it stops, the next eight bytes hold one that needs attention (or fewer than
// eight are left).
func checkSkipPlain(t *testing.T, b []byte) {
	t.Helper()
	for start := range len(b) + 1 {
		i := skipPlain(b, start)
		if i < start || (i-start)%8 != 0 {
			t.Fatalf("skipPlain(%q, %d) = %d: not a step of eight from the start", b, start, i)
		}
		for j := start; j < i; j++ {
			if needsAttention(b[j]) {
				t.Fatalf("skipPlain(%q, %d) = %d skipped byte %d (0x%02x)", b, start, i, j, b[j])
			}
		}
		if i+8 <= len(b) {
			found := false
			for _, c := range b[i : i+8] {
				found = found || needsAttention(c)
			}
			if !found {
				t.Fatalf("skipPlain(%q, %d) = %d stopped before eight plain bytes", b, start, i)
			}
		}
	}
}

func TestSkipPlainStopsAtEachByteThatNeedsAttention(t *testing.T) {
	// Every byte value, at every offset of a long plain run, and next to the borderline values
	// whose subtraction borrows (0x00, 0x1f, 0x20, 0x21, 0x22, 0x5b..0x5d, 0x7f, 0x80, 0xff).
	plain := make([]byte, 80)
	for i := range plain {
		plain[i] = 'a' + byte(i%26)
	}
	for c := range 256 {
		for at := range len(plain) {
			b := append([]byte(nil), plain...)
			b[at] = byte(c)
			checkSkipPlain(t, b)
			if at > 0 {
				b[at-1] = 0x21 // a neighbour one above a quote: a borrow must not hide the byte
				checkSkipPlain(t, b)
			}
		}
	}
}

func TestSkipPlainOnRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, '"', 0x23, '[', '\\', ']', 'a', 0x7f, 0x80, 0xc3, 0xff}
	for range 2000 {
		b := make([]byte, rng.IntN(100))
		for i := range b {
			if rng.IntN(8) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = 'x'
			}
		}
		checkSkipPlain(t, b)
	}
}
