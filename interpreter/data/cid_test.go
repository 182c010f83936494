package data

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	zeebo "github.com/zeebo/blake3"
	lukechampine "lukechampine.com/blake3"
)

// The CIDs below were read from the reference interpreter's JSON view of real runs.
func TestCIDMatchesReference(t *testing.T) {
	cases := map[string]string{
		`{"a":[1,2.5,"x"],"b":null}`: "bagaaihra6glbkddklpqp2ny6qduruo3mkmgsmgsejdynm6qhkdlmqyocjq5q",
		`[]`:                         "bagaaihra2u6rrqrsclvhwyyalff3rg6omaqy63x7foowfc4myqwt46n32wvq",
		`{"peer_pk":"12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm","service_id":"s","function_name":"a","lens":""}`: "bagaaihraeztptk6x2fm4gkf4a3w6pm3t72fupk6dramrelzh76gh57bf5juq",
	}
	for text, want := range cases {
		c := CIDOf([]byte(text))
		if c.String() != want {
			t.Errorf("CIDOf(%s) = %s, want %s", text, c, want)
		}
		back, err := ParseCID(want)
		if err != nil || back != c {
			t.Errorf("ParseCID(%s) = %v, %v", want, back, err)
		}
	}
	for _, bad := range []string{"", "x", "b!!!!", "bafkreigh2akiscaildc", "b" + "aaaa"} {
		if _, err := ParseCID(bad); err == nil {
			t.Errorf("ParseCID(%q) accepted", bad)
		}
	}
}

// SigningMessage sorts the CIDs' texts as strings, whatever the order they come in, and keeps
// duplicates: few and many CIDs, hashes and CIDs made to share their first bytes (which tie on
// the characters the sort looks at first), all of whose characters are digits included.
func TestSigningMessageSortsTexts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	var cids []CID
	for _, n := range []int{300, 3000} {
		cids = cids[:0]
		for i := range n {
			cids = append(cids, CIDOf([]byte(fmt.Sprint(i%(n-50)))))
		}
		for i := range n / 10 {
			var c CID
			if i%2 == 0 {
				c = CID{0xff, 0xff, 0xff, 0xff, 0xff} // "77777777": digits sort first
			} else {
				c = CID{0x12, 0x34, 0x56, 0x78, 0x9a}
			}
			for j := 5; j < len(c); j++ {
				c[j] = byte(rng.IntN(256))
			}
			cids = append(cids, c)
		}
		rng.Shuffle(len(cids), func(i, j int) { cids[i], cids[j] = cids[j], cids[i] })
		var texts []string
		for _, c := range cids {
			texts = append(texts, c.String())
		}
		slices.Sort(texts)
		want := binary.LittleEndian.AppendUint32(nil, uint32(len(texts)))
		for _, s := range texts {
			want = binary.LittleEndian.AppendUint32(want, uint32(len(s)))
			want = append(want, s...)
		}
		want = binary.LittleEndian.AppendUint32(want, 2)
		want = append(want, "p1"...)
		if got := SigningMessage(cids, "p1"); !bytes.Equal(got, want) {
			t.Fatalf("%d CIDs: the signing message does not hold the CIDs' texts sorted", len(cids))
		}
	}
	if cidTextSharedLen != 9 || !strings.HasPrefix(cids[0].String(), cids[1].String()[:cidTextSharedLen]) {
		t.Fatalf("CIDs do not share their first %d characters", cidTextSharedLen)
	}
}

// compareCIDs orders CIDs as their bytes do.
func TestCompareCIDs(t *testing.T) {
	var cids []CID
	for i := range 200 {
		c := CIDOf([]byte(fmt.Sprint(i)))
		cids = append(cids, c)
		c[31] ^= 1 // equal first eight bytes
		cids = append(cids, c)
	}
	for _, a := range cids {
		for _, b := range cids[:40] {
			if got, want := compareCIDs(a, b), bytes.Compare(a[:], b[:]); got != want {
				t.Fatalf("compareCIDs(%x, %x) = %d, want %d", a, b, got, want)
			}
		}
	}
}

// CIDOf hashes with lukechampine.com/blake3 up to a chunk and from parallelHashFrom, and with
// github.com/zeebo/blake3 between: the two must give the same digest at every length a tree of
// chunks changes shape (within a chunk of 1,024 bytes, at its edges, across several and many
// chunks), and CIDOf the same on both sides of each switch.
func TestCIDOfAgreesWithAnotherBlake3(t *testing.T) {
	var lengths []int
	for n := range 130 {
		lengths = append(lengths, n)
	}
	for _, chunks := range []int{1, 2, 3, 4, 7, 8, 9, 16, 17, 31, 64, 65, 1024, 1025} {
		lengths = append(lengths, chunks*1024-1, chunks*1024, chunks*1024+1)
	}
	buf := make([]byte, 1025*1024+1)
	for i := range buf {
		buf[i] = byte(i % 251) // the BLAKE3 test vectors' input
	}
	for _, n := range lengths {
		z, l := CID(zeebo.Sum256(buf[:n])), CID(lukechampine.Sum256(buf[:n]))
		if z != l {
			t.Fatalf("%d bytes: zeebo/blake3 says %s, lukechampine.com/blake3 %s", n, z, l)
		}
		if c := CIDOf(buf[:n]); c != z {
			t.Fatalf("CIDOf of %d bytes = %s, want %s", n, c, z)
		}
	}
}

// BenchmarkBlake3 times the two implementations CIDOf chooses between, at the lengths of the
// texts it hashes most (a small value, a service result, a tetraplet) and around its switches.
func BenchmarkBlake3(b *testing.B) {
	for _, n := range []int{20, 234, chunkLen, chunkLen + 1, 4 << 10, 64 << 10} {
		text := make([]byte, n)
		b.Run(fmt.Sprintf("zeebo/%dB", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				zeebo.Sum256(text)
			}
		})
		b.Run(fmt.Sprintf("lukechampine/%dB", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				lukechampine.Sum256(text)
			}
		})
	}
}
