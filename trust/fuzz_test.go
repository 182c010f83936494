package trust

// Fuzz targets for every decoder of the package's formats. Each checks that a decoder never
// panics, that what it accepts encodes back to exactly its input (binary) or to a canonical text
// that parses back to the same value, and that it allocates no more than a bound linear in its
// input (its length fields are bytes: none may make it allocate for data that is not there).
//
// Run one at a time, e.g. go test ./trust/ -run '^$' -fuzz '^FuzzDecodeTrust$' -fuzztime 75s.
// The seeds are real encodings: trusts and certificates signed with the keys of testKey, and
// Fluence's own certificates (testdata/fuzz/*/fluence-*, from testdata/fluence/init_certs.json).

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// sampled says whether the costly checks (allocation, Verify) run for this input: for one input
// in 16, chosen by its hash so that a failure reproduces on the same input.
func sampled(in []byte) bool { return crc32.ChecksumIEEE(in)%16 == 0 }

// allocated is how many heap bytes f allocates. ReadMemStats is exact (it stops the world),
// too slow to run on every input.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Allocation bounds of a decode of n bytes. The binary decoders keep at most MaxChain trusts
// of fixed size, whatever their length fields say. The text ones split lines (a string header
// per line), base58-decode them and quote bad ones in their errors, each a small multiple of n.
func binaryAllocBound(n int) uint64 { return 8192 + 4*uint64(n) }
func textAllocBound(n int) uint64   { return 8192 + 64*uint64(n) }

func checkAlloc(t *testing.T, in []byte, bound uint64, decode func()) {
	if !sampled(in) {
		return
	}
	if got := allocated(decode); got > bound {
		t.Fatalf("decoding %d bytes allocated %d, more than %d", len(in), got, bound)
	}
}

// seedTrusts are real trusts: alice's in bob, a root's in itself, and extreme times.
func seedTrusts() []Trust {
	alice, bob := testKey("alice"), testKey("bob")
	return []Trust{
		IssueTrust(alice, bob.Public(), 10000, 10),
		IssueTrust(alice, alice.Public(), 1<<63, 0),
		IssueTrust(bob, alice.Public(), ^uint64(0), ^uint64(0)),
	}
}

// seedCerts are real certificates: a root's first, a chain of three, one of MaxChain trusts.
func seedCerts(t testing.TB) []Certificate {
	peer := func(i int) Signer { return testKey(fmt.Sprint("peer", i)) }
	first := IssueRoot(testKey("dev"), peer(0).Public(), 10000, 10)
	long := first
	for i := 1; len(long.Chain) < MaxChain; i++ {
		var err error
		if long, err = long.Extend(peer(i-1), peer(i).Public(), 10000, 10); err != nil {
			t.Fatal(err)
		}
	}
	three, err := first.Extend(peer(0), testKey("carol").Public(), 20000, 20)
	if err != nil {
		t.Fatal(err)
	}
	return []Certificate{first, three, long}
}

func FuzzDecodeTrust(f *testing.F) {
	for _, tr := range seedTrusts() {
		f.Add(tr.Encode())
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		tr, err := DecodeTrust(in)
		checkAlloc(t, in, binaryAllocBound(len(in)), func() { _, _ = DecodeTrust(in) })
		if err != nil {
			return
		}
		if len(in) != EncodedTrustLen || len(tr.Signature) != 64 {
			t.Fatalf("accepted %d bytes with a signature of %d", len(in), len(tr.Signature))
		}
		if out := tr.Encode(); !bytes.Equal(out, in) {
			t.Fatalf("decoded %x, encodes back to %x", in, out)
		}
	})
}

func FuzzDecodeCertificate(f *testing.F) {
	for _, c := range seedCerts(f) {
		f.Add(c.Encode())
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := DecodeCertificate(in)
		checkAlloc(t, in, binaryAllocBound(len(in)), func() { _, _ = DecodeCertificate(in) })
		if err != nil {
			return
		}
		if n := len(c.Chain); n < 2 || n > MaxChain || cap(c.Chain) > MaxChain {
			t.Fatalf("accepted a chain of %d trusts (capacity %d)", n, cap(c.Chain))
		}
		if out := c.Encode(); !bytes.Equal(out, in) {
			t.Fatalf("decoded %x, encodes back to %x", in, out)
		}
		if sampled(in) {
			_ = c.Verify([]PublicKey{c.Chain[0].IssuedFor}, 100, 60) // must not panic
		}
	})
}

// sameNumber says whether two lines of a text form are the same number of seconds: the only
// freedom the text forms allow (leading zeros).
func sameNumber(a, b string) bool {
	x, errA := strconv.ParseUint(a, 10, 64)
	y, errB := strconv.ParseUint(b, 10, 64)
	return errA == nil && errB == nil && x == y
}

// checkCanonical checks that in, which parsed, differs from its canonical text only where the
// text forms allow it: a trailing newline and the zeros before a number. Base58 has one
// spelling per byte string, so the key and signature lines must be the canonical ones.
func checkCanonical(t *testing.T, in, canonical string, numeric func(i int) bool) {
	got := strings.Split(strings.TrimRight(in, "\n"), "\n")
	want := strings.Split(strings.TrimRight(canonical, "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("%q parsed, and prints back as %q: %d lines, not %d", in, canonical, len(want), len(got))
	}
	for i := range got {
		if got[i] != want[i] && !(numeric(i) && sameNumber(got[i], want[i])) {
			t.Fatalf("%q parsed, and prints back as %q: line %d is %q, not %q", in, canonical, i, want[i], got[i])
		}
	}
}

func FuzzParseTrust(f *testing.F) {
	for _, tr := range seedTrusts() {
		f.Add(tr.String())
		f.Add(tr.String() + "\n")
	}
	f.Fuzz(func(t *testing.T, in string) {
		tr, err := ParseTrust(in)
		checkAlloc(t, []byte(in), textAllocBound(len(in)), func() { _, _ = ParseTrust(in) })
		if err != nil {
			return
		}
		canonical := tr.String()
		again, err := ParseTrust(canonical)
		if err != nil {
			t.Fatalf("%q parsed, its canonical text %q does not: %v", in, canonical, err)
		}
		if !reflect.DeepEqual(again, tr) || again.String() != canonical {
			t.Fatalf("%q parsed to %+v, its canonical text %q to %+v", in, tr, canonical, again)
		}
		checkCanonical(t, in, canonical, func(i int) bool { return i >= 2 })
	})
}

func FuzzParseCertificate(f *testing.F) {
	for _, c := range seedCerts(f) {
		f.Add(c.String())
		f.Add(strings.TrimSuffix(c.String(), "\n"))
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseCertificate(in)
		checkAlloc(t, []byte(in), textAllocBound(len(in)), func() { _, _ = ParseCertificate(in) })
		if err != nil {
			return
		}
		if n := len(c.Chain); n < 2 || n > MaxChain {
			t.Fatalf("accepted a chain of %d trusts", n)
		}
		canonical := c.String()
		again, err := ParseCertificate(canonical)
		if err != nil {
			t.Fatalf("%q parsed, its canonical text %q does not: %v", in, canonical, err)
		}
		if !reflect.DeepEqual(again, c) || again.String() != canonical {
			t.Fatalf("%q parsed to %+v, its canonical text %q to %+v", in, c, canonical, again)
		}
		// Lines 2 and 3 of each trust (from the third line on) are its times.
		checkCanonical(t, in, canonical, func(i int) bool { return i >= 2 && (i-2)%4 >= 2 })
		if b, err := DecodeCertificate(c.Encode()); err != nil || !reflect.DeepEqual(b, c) {
			t.Fatalf("%q parsed, its binary form does not decode to the same: %v", in, err)
		}
	})
}

func FuzzDecodeRevocation(f *testing.F) {
	alice, bob := testKey("alice"), testKey("bob")
	for _, r := range []Revocation{
		IssueRevocation(alice, bob.Public(), 100),
		IssueRevocation(bob, bob.Public(), 0),
		IssueRevocation(bob, alice.Public(), ^uint64(0)),
	} {
		f.Add(r.Encode())
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := DecodeRevocation(in)
		checkAlloc(t, in, binaryAllocBound(len(in)), func() { _, _ = DecodeRevocation(in) })
		if err != nil {
			return
		}
		if len(in) != EncodedRevocationLen || len(r.Signature) != 64 {
			t.Fatalf("accepted %d bytes with a signature of %d", len(in), len(r.Signature))
		}
		if out := r.Encode(); !bytes.Equal(out, in) {
			t.Fatalf("decoded %x, encodes back to %x", in, out)
		}
		if sampled(in) {
			if err := r.Verify(^uint64(0)-60, 60); err != nil && !errors.Is(err, ErrBadSignature) {
				t.Fatalf("Verify: %v, want nil or %v", err, ErrBadSignature)
			}
		}
	})
}

// The allocation bounds hold, on every input rather than the fuzz targets' sample, for inputs
// whose length fields or line counts promise much more than they hold.
func TestDecodeAllocationBounded(t *testing.T) {
	cert := seedCerts(t)[2]
	binaries := map[string][]byte{
		"255 trusts promised, none there": {0, 0, 0, 0, 0, 0, 255},
		"17 trusts promised, one there":   append([]byte{0, 0, 0, 0, 0, 0, 17, 116}, cert.Chain[0].Encode()...),
		"a key of 255 bytes promised":     append([]byte{255, 0}, make([]byte, 40)...),
		"the longest certificate":         cert.Encode(),
	}
	for name, in := range binaries {
		if got := allocated(func() { _, _ = DecodeCertificate(in) }); got > binaryAllocBound(len(in)) {
			t.Errorf("DecodeCertificate, %s: %d bytes allocated, bound %d", name, got, binaryAllocBound(len(in)))
		}
		if got := allocated(func() { _, _ = DecodeTrust(in) }); got > binaryAllocBound(len(in)) {
			t.Errorf("DecodeTrust, %s: %d bytes allocated, bound %d", name, got, binaryAllocBound(len(in)))
		}
	}
	texts := map[string]string{
		"1202 empty lines":        strings.Repeat("\n", 1202),
		"a 10 KB line of \\x00s":  "11\n1111\n" + strings.Repeat("\x00", 10000) + strings.Repeat("\n1", 7),
		"a 10 KB base58 key line": "11\n1111\n" + strings.Repeat("2", 10000) + strings.Repeat("\n1", 7),
		"the longest certificate": cert.String(),
	}
	for name, in := range texts {
		if got := allocated(func() { _, _ = ParseCertificate(in) }); got > textAllocBound(len(in)) {
			t.Errorf("ParseCertificate, %s: %d bytes allocated, bound %d", name, got, textAllocBound(len(in)))
		}
		if got := allocated(func() { _, _ = ParseTrust(in) }); got > textAllocBound(len(in)) {
			t.Errorf("ParseTrust, %s: %d bytes allocated, bound %d", name, got, textAllocBound(len(in)))
		}
	}
}
