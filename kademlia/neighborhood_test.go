package kademlia

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/big"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/mr-tron/base58"
)

// Five real peer ids (from nox's test configurations). Their SHA-256 places, and the XOR
// distances below, were computed apart from this package (Python's hashlib and int, big-endian),
// and their first bytes are written down so that each expected order can be checked by eye.
var nbFixedPeers = []string{
	"12D3KooWANqfCDrV79MZdMnMqTvDdqSAPSxdgFY1L6DCq2DVGB4D", // p0: sha256(id) = 8cdb3884…
	"12D3KooWAcn1f5iZ7wbo9QrYPFgq6o7DGkh7VwC8Zucn6DgWZQDo", // p1: 4f9afed2…
	"12D3KooWB9P1xmV3c7ZPpBemovbwCiRRTKd3Kq2jsVPQN4ZukDfy", // p2: 18fac627…
	"12D3KooWCGZ6t8by5ag5YMQW4k3HoPLaKdN5rB9DhAmDUeG8dj1N", // p3: d6ab7c30…
	"12D3KooWELdQw9pQVdq5NS6gEHsWMbYpLh3PjqFyNbivYWuATcik", // p4: bd389b60…
}

func nbDecodePeers(t *testing.T, ids []string) []peer.ID {
	t.Helper()
	out := make([]peer.ID, len(ids))
	for i, s := range ids {
		p, err := peer.Decode(s)
		if err != nil {
			t.Fatalf("peer %q: %v", s, err)
		}
		out[i] = p
	}
	return out
}

func nbPick(ps []peer.ID, idx ...int) []peer.ID {
	out := make([]peer.ID, len(idx))
	for i, j := range idx {
		out[i] = ps[j]
	}
	return out
}

func nbNames(ps []peer.ID) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func TestNeighborhoodKnownAnswers(t *testing.T) {
	ps := nbDecodePeers(t, nbFixedPeers)
	// The routing table's order must not matter.
	table := nbPick(ps, 3, 0, 4, 1, 2)
	cases := []struct {
		name          string
		key           string
		alreadyHashed bool
		want          []int
	}{
		// "ZiCa" is base58("abc"), what Aqua's Op.string_to_b58("abc") gives. Wrapped:
		// 12 03 61 62 63, whose SHA-256 is 17287376…; XOR with the peers' places starts
		// p0 9bf3, p1 58b2, p2 0fd2, p3 c183, p4 aa10, so p2 p1 p0 p4 p3. Hashing "abc"
		// itself (ba7816bf…) instead of the wrapped bytes would give p4 p0 p3 p2 p1.
		{"wrapped", "ZiCa", false, []int{2, 1, 0, 4, 3}},
		// What Op.sha256_string("abc") gives: the multihash 12 20 sha256("abc"), whose SHA-256
		// is 411f198c…; XOR starts p0 cdc4, p1 0e85, p2 59e5, p3 97b4, p4 fc27.
		{"already hashed", "QmatYkNGZnELf8cAGdyJpUca2PyY4szai3RHyyWofNY1pY", true, []int{1, 2, 3, 0, 4}},
		// The bare 32-byte digest sha256("abc"), wrapped, is that same multihash.
		{"digest wrapped", "DYu3G8aGTMBW1WrTw76zxQJQU4DHLw9MLyy7peG4LKkY", false, []int{1, 2, 3, 0, 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Neighborhood(c.key, c.alreadyHashed, table, NoNeighborhoodCount)
			if err != nil {
				t.Fatal(err)
			}
			if want := nbPick(ps, c.want...); !slices.Equal(got, want) {
				t.Errorf("order\n got %v\nwant %v", nbNames(got), nbNames(want))
			}
		})
	}
}

// nbGenPeers makes n ed25519 peer ids from a fixed seed.
func nbGenPeers(t *testing.T, seed uint64, n int) []peer.ID {
	t.Helper()
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	out := make([]peer.ID, n)
	for i := range out {
		_, pub, err := crypto.GenerateEd25519Key(r)
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = peer.IDFromPublicKey(pub); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// nbClosestByBig orders items by the XOR of SHA-256(target) and SHA-256(item) read as a
// big-endian integer: the Kademlia metric written out without go-libp2p-kbucket.
func nbClosestByBig(target []byte, items [][]byte) [][]byte {
	th := sha256.Sum256(target)
	dist := func(b []byte) *big.Int {
		h := sha256.Sum256(b)
		for i := range h {
			h[i] ^= th[i]
		}
		return new(big.Int).SetBytes(h[:])
	}
	out := slices.Clone(items)
	sort.SliceStable(out, func(i, j int) bool { return dist(out[i]).Cmp(dist(out[j])) < 0 })
	return out
}

func TestNeighborhoodMatchesIndependentOrder(t *testing.T) {
	ps := nbGenPeers(t, 1, 200)
	items := make([][]byte, len(ps))
	for i, p := range ps {
		items[i] = []byte(p)
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 50 {
		raw := make([]byte, r.IntN(65))
		for i := range raw {
			raw[i] = byte(r.Uint32())
		}
		target := append([]byte{0x12, byte(len(raw))}, raw...)
		want := nbClosestByBig(target, items)
		for _, count := range []int{NoNeighborhoodCount, 0, 1, 7, 200, 500} {
			got, err := Neighborhood(base58.Encode(raw), false, ps, count)
			if err != nil {
				t.Fatalf("key %x: %v", raw, err)
			}
			n := count
			if n < 0 {
				n = DefaultNeighborhoodCount
			}
			n = min(n, len(want))
			if len(got) != n {
				t.Fatalf("key %x count %d: %d peers, want %d", raw, count, len(got), n)
			}
			for i := range got {
				if !bytes.Equal([]byte(got[i]), want[i]) {
					t.Fatalf("key %x count %d: peer %d is %s, want %s", raw, count, i, got[i], peer.ID(want[i]))
				}
			}
		}
	}
}

func TestNeighborhoodCount(t *testing.T) {
	ps := nbGenPeers(t, 2, 30)
	all, err := Neighborhood("ZiCa", false, ps, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 30 {
		t.Fatalf("count above the table: %d peers, want all 30", len(all))
	}
	for _, c := range []struct{ count, want int }{{NoNeighborhoodCount, DefaultNeighborhoodCount}, {0, 0}, {3, 3}, {30, 30}} {
		got, err := Neighborhood("ZiCa", false, ps, c.count)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, all[:c.want]) {
			t.Errorf("count %d: got %d peers %v, want the first %d of the full order", c.count, len(got), nbNames(got), c.want)
		}
	}
	// A peer listed twice comes back once.
	doubled := append(slices.Clone(ps[:5]), ps[:5]...)
	got, err := Neighborhood("ZiCa", false, doubled, NoNeighborhoodCount)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Neighborhood("ZiCa", false, ps[:5], NoNeighborhoodCount)
	if !slices.Equal(got, want) {
		t.Errorf("duplicates: got %v, want %v", nbNames(got), nbNames(want))
	}
	if got, err := Neighborhood("ZiCa", false, nil, NoNeighborhoodCount); err != nil || len(got) != 0 {
		t.Errorf("empty table: %v, %v", got, err)
	}
}

// TestNeighborhoodAlreadyHashed checks what already_hashed accepts: any multihash code and
// digest up to 64 bytes, taken as its canonical bytes.
func TestNeighborhoodAlreadyHashed(t *testing.T) {
	ps := nbGenPeers(t, 3, 40)
	items := make([][]byte, len(ps))
	for i, p := range ps {
		items[i] = []byte(p)
	}
	check := func(name string, key, target []byte) {
		t.Helper()
		got, err := Neighborhood(base58.Encode(key), true, ps, 40)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := nbClosestByBig(target, items)
		for i := range got {
			if !bytes.Equal([]byte(got[i]), want[i]) {
				t.Fatalf("%s: peer %d is %s, want %s", name, i, got[i], peer.ID(want[i]))
			}
		}
	}
	identity := []byte{0x00, 0x03, 'a', 'b', 'c'}
	check("identity code", identity, identity)
	empty := []byte{0x12, 0x00}
	check("empty digest", empty, empty)
	long := append([]byte{0x13, 0x40}, bytes.Repeat([]byte{7}, 64)...)
	check("64-byte digest", long, long)
	// A code in 10 varint bytes whose last byte holds more than the 64th bit: Rust's varint
	// reader drops the excess (0x7f<<63 keeps one bit), so the code is 2^64-1 and the key is
	// its canonical encoding ff×9 01, not the bytes given.
	overlong := append(bytes.Repeat([]byte{0xff}, 9), 0x7f, 0x01, 0xaa)
	canonical := append(bytes.Repeat([]byte{0xff}, 9), 0x01, 0x01, 0xaa)
	check("overlong code", overlong, canonical)
}

func TestNeighborhoodBadKey(t *testing.T) {
	b58 := base58.Encode
	cases := []struct {
		name, key     string
		alreadyHashed bool
		want          string
	}{
		{"zero digit", "Zi0a", false, "Error while deserializing field 'key': not a base58: provided string contained invalid character '0' at byte 2"},
		{"space", " ZiCa", false, "Error while deserializing field 'key': not a base58: provided string contained invalid character ' ' at byte 0"},
		{"letter l", "ZiCl", true, "Error while deserializing field 'key': not a base58: provided string contained invalid character 'l' at byte 3"},
		{"newline", "Zi\n", false, `Error while deserializing field 'key': not a base58: provided string contained invalid character '\n' at byte 2`},
		{"control", "\x01", false, `Error while deserializing field 'key': not a base58: provided string contained invalid character '\u{1}' at byte 0`},
		{"quote", "a'", false, `Error while deserializing field 'key': not a base58: provided string contained invalid character '\'' at byte 1`},
		{"non-ascii", "Ziéa", false, "Error while deserializing field 'key': not a base58: provided string contained non-ascii character starting at byte 2"},
		// Multihash<64> cannot wrap more than 64 bytes.
		{"65 bytes", b58(bytes.Repeat([]byte{1}, 65)), false, "Invalid multihash size 65."},
		// nox's own test: base58("key") taken as a multihash reads code 0x6b and size 0x65.
		{"key as multihash", "d5FW", true, "Invalid multihash size 101."},
		{"abc as multihash", "ZiCa", true, "Invalid multihash size 98."},
		{"empty multihash", "", true, "unexpected end of file"},
		{"no size", b58([]byte{0x12}), true, "unexpected end of file"},
		{"short digest", b58([]byte{0x12, 0x03, 'a'}), true, "failed to fill whole buffer"},
		{"trailing bytes", b58([]byte{0x12, 0x01, 'a', 'b', 'c'}), true, "Invalid multihash size 2."},
		{"digest over 64", b58([]byte{0x12, 0x41}), true, "Invalid multihash size 65."},
		{"not minimal", b58([]byte{0x92, 0x00, 0x00}), true, "encoding is not minimal"},
		{"varint too long", b58(bytes.Repeat([]byte{0xff}, 11)), true, "input bytes exceed maximum"},
	}
	ps := nbGenPeers(t, 4, 3)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Neighborhood(c.key, c.alreadyHashed, ps, NoNeighborhoodCount)
			if err == nil {
				t.Fatalf("no error, peers %v", nbNames(got))
			}
			if err.Error() != c.want {
				t.Errorf("error\n got %q\nwant %q", err, c.want)
			}
			if !errors.Is(err, ErrNeighborhoodArgument) {
				t.Errorf("error %q does not wrap ErrNeighborhoodArgument", err)
			}
		})
	}
	// The limits themselves are fine: the empty key, 64 bytes wrapped.
	for _, key := range []string{"", b58(bytes.Repeat([]byte{1}, 64))} {
		if _, err := Neighborhood(key, false, ps, NoNeighborhoodCount); err != nil {
			t.Errorf("key %q: %v", key, err)
		}
	}
}

func TestMergeClosestKnownAnswers(t *testing.T) {
	p := nbFixedPeers
	cases := []struct {
		name, target string
		left, right  []string
		count        int
		want         []string
	}{
		// merge hashes the decoded target itself: sha256("abc") = ba7816bf…; XOR starts
		// p0 36a3, p1 f5e2, p2 a282, p3 6cd3, p4 0740.
		{"abc", "ZiCa", []string{p[0], p[1], p[2]}, []string{p[3], p[4]}, NoNeighborhoodCount, []string{p[4], p[0], p[3], p[2], p[1]}},
		// target p0: distance 0 to itself; p1 c341, p2 9421, p3 5a70, p4 31e3. Duplicates
		// within and across the lists come out once.
		{"peer target dedup", p[0], []string{p[1], p[0], p[1]}, []string{p[2], p[3], p[4], p[0]}, NoNeighborhoodCount, []string{p[0], p[4], p[3], p[2], p[1]}},
		{"count", p[0], []string{p[1], p[2]}, []string{p[3], p[4], p[0]}, 2, []string{p[0], p[4]}},
		{"count zero", p[0], []string{p[1]}, []string{p[0]}, 0, []string{}},
		{"empty lists", p[0], nil, []string{}, NoNeighborhoodCount, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := MergeClosest(c.target, c.left, c.right, c.count)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("merge\n got %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestMergeClosestMatchesIndependentOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	randBytes := func() []byte {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		if len(b) > 0 && r.IntN(4) == 0 {
			b[0] = 0 // leading zero bytes are leading '1's in base58
		}
		return b
	}
	for range 100 {
		target := randBytes()
		var left, right []string
		seen := map[string]bool{}
		var uniq [][]byte
		for range r.IntN(30) {
			b := randBytes()
			if r.IntN(2) == 0 {
				left = append(left, base58.Encode(b))
			} else {
				right = append(right, base58.Encode(b))
			}
			if !seen[string(b)] {
				seen[string(b)] = true
				uniq = append(uniq, b)
			}
		}
		if len(left) > 0 && r.IntN(2) == 0 {
			right = append(right, left[0]) // a duplicate across the lists
		}
		count := r.IntN(35) - 1 // NoNeighborhoodCount included
		got, err := MergeClosest(base58.Encode(target), left, right, count)
		if err != nil {
			t.Fatal(err)
		}
		want := nbClosestByBig(target, uniq)
		if count < 0 {
			count = DefaultNeighborhoodCount
		}
		want = want[:min(count, len(want))]
		if len(got) != len(want) {
			t.Fatalf("target %x: %d elements, want %d", target, len(got), len(want))
		}
		for i := range got {
			if got[i] != base58.Encode(want[i]) {
				t.Fatalf("target %x: element %d is %q, want %q", target, i, got[i], base58.Encode(want[i]))
			}
		}
	}
}

func TestMergeClosestBadArguments(t *testing.T) {
	p := nbFixedPeers
	cases := []struct {
		name, target string
		left, right  []string
		want         string
	}{
		{"target", "0x", []string{"I"}, nil, "decode base58 failed: provided string contained invalid character '0' at byte 0"},
		{"left before right", p[0], []string{p[1], "abcO"}, []string{"I"}, "decode base58 failed: provided string contained invalid character 'O' at byte 3"},
		{"right", p[0], []string{p[1]}, []string{p[2], "12ü"}, "decode base58 failed: provided string contained non-ascii character starting at byte 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := MergeClosest(c.target, c.left, c.right, NoNeighborhoodCount)
			if err == nil {
				t.Fatalf("no error, merged %v", got)
			}
			if err.Error() != c.want {
				t.Errorf("error\n got %q\nwant %q", err, c.want)
			}
			if !errors.Is(err, ErrNeighborhoodArgument) {
				t.Errorf("error %q does not wrap ErrNeighborhoodArgument", err)
			}
		})
	}
	// Elements need not be peer ids, and base58 that bs58 accepts round-trips: the empty
	// string, and leading '1's (zero bytes).
	got, err := MergeClosest("", []string{"", "1112", "ZiCa"}, nil, NoNeighborhoodCount)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"", "1112", "ZiCa"}; !slices.Equal(got, want) {
		t.Errorf("round trip: got %q, want %q", got, want)
	}
}

func TestDecodeBs58(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []byte
	}{
		{"", []byte{}},
		{"1", []byte{0}},
		{"1112", []byte{0, 0, 0, 1}},
		{"ZiCa", []byte("abc")},
	} {
		got, err := decodeBs58(c.in)
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("decodeBs58(%q) = %x, %v; want %x", c.in, got, err, c.want)
		}
	}
	// Every byte that is not a base58 digit is refused, with its index.
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	for c := 0; c < 256; c++ {
		_, err := decodeBs58("Z" + string([]byte{byte(c)}))
		if ok := strings.IndexByte(alphabet, byte(c)) >= 0; ok != (err == nil) {
			t.Errorf("byte %#x: error %v, want a digit: %v", c, err, ok)
		} else if err != nil && !strings.HasSuffix(err.Error(), " at byte 1") {
			t.Errorf("byte %#x: error %q does not name byte 1", c, err)
		}
	}
}
