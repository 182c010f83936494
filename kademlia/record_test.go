package kademlia

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/multiformats/go-multiaddr"

	"github.com/aquanet/aquanet/trust"
)

func signer(name string) trust.Signer {
	seed := sha256.Sum256([]byte("kademlia test key " + name))
	return trust.Signer(ed25519.NewKeyFromSeed(seed[:]))
}

const (
	testNow  = 1_000_000
	testSkew = 60
	testTTL  = 3600
)

// record is a record of provider's under c with solution, valid at testNow.
func record(provider trust.Signer, c Challenge, solution []byte) Record {
	return SignRecord(provider, Record{Key: c.Key(), Addrs: []multiaddr.Multiaddr{multiaddr.StringCast("/ip4/127.0.0.1/tcp/7770")},
		IssuedAt: testNow - 10, ExpiresAt: testNow + 600, Challenge: c, Solution: solution})
}

// ownedSolution is a certificate from owner through the given peers to the last of them.
func ownedSolution(owner trust.Signer, path ...trust.Signer) []byte {
	c := trust.IssueRoot(owner, path[0].Public(), testNow+1000, testNow-100)
	for i := 1; i < len(path); i++ {
		var err error
		if c, err = c.Extend(path[i-1], path[i].Public(), testNow+1000, testNow-100); err != nil {
			panic(err)
		}
	}
	return c.Encode()
}

func TestRecordKinds(t *testing.T) {
	owner, alice, bob := signer("owner"), signer("alice"), signer("bob")
	open := OpenChallenge([]byte("relays for browsers"))
	signed := SignedChallenge(owner.Public(), []byte("room 1"))
	owned := OwnedChallenge(owner.Public(), 2, []byte("chat"))
	for _, c := range []struct {
		name string
		r    Record
		want string // "" or the reason
	}{
		{"open", record(alice, open, nil), ""},
		{"open with a solution", record(alice, open, []byte{1}), "bad-solution"},
		{"signed", record(alice, signed, SignProvider(owner, signed.Key(), alice.Public())), ""},
		{"signed for another provider", record(alice, signed, SignProvider(owner, signed.Key(), bob.Public())), "bad-solution"},
		{"signed for another key", record(alice, signed, SignProvider(owner, owned.Key(), alice.Public())), "bad-solution"},
		{"signed by another owner", record(alice, signed, SignProvider(bob, signed.Key(), alice.Public())), "bad-solution"},
		{"owned, one hop", record(alice, owned, ownedSolution(owner, alice)), ""},
		{"owned, two hops", record(alice, owned, ownedSolution(owner, bob, alice)), ""},
		{"owned, three hops", record(alice, owned, ownedSolution(owner, bob, signer("carol"), alice)), "bad-solution"},
		{"owned, another root", record(alice, owned, ownedSolution(bob, alice)), "bad-solution"},
		{"owned, ends at another peer", record(alice, owned, ownedSolution(owner, bob)), "bad-solution"},
		{"owned, not a certificate", record(alice, owned, []byte("junk")), "bad-solution"},
	} {
		err := c.r.Verify(testNow, testSkew, testTTL)
		if got := ReasonOf(err); got != c.want || (c.want == "" && err != nil) {
			t.Errorf("%s: %v, want reason %q", c.name, err, c.want)
		}
		d, err := DecodeRecord(c.r.Encode())
		if err != nil || !bytes.Equal(d.Encode(), c.r.Encode()) {
			t.Errorf("%s: does not round-trip: %v", c.name, err)
		}
	}
}

// Each refusal reason, from a record built to hit it alone.
func TestRecordRefusals(t *testing.T) {
	alice := signer("alice")
	c := OpenChallenge([]byte("attr"))
	ok := record(alice, c, nil)
	resign := func(f func(*Record)) Record { r := ok; f(&r); return SignRecord(alice, r) }
	for _, x := range []struct {
		r    Record
		want string
	}{
		{resign(func(r *Record) { r.Key = OpenChallenge([]byte("other")).Key() }), "key-mismatch"},
		{func() Record { r := SignRecord(signer("mallory"), ok); r.Provider = alice.Public(); return r }(), "bad-signature"},
		{resign(func(r *Record) { r.ExpiresAt = testNow - 1 }), "expired"},
		{resign(func(r *Record) { r.IssuedAt = testNow + testSkew + 1; r.ExpiresAt = r.IssuedAt + 10 }), "future"},
		{resign(func(r *Record) { r.ExpiresAt = r.IssuedAt + testTTL + 1 }), "ttl-too-long"},
	} {
		if got := ReasonOf(x.r.Verify(testNow, testSkew, testTTL)); got != x.want {
			t.Errorf("got %q, want %q", got, x.want)
		}
	}
}

// Any byte changed in a signed record makes it fail to decode or to verify.
func TestRecordTamper(t *testing.T) {
	owner, alice := signer("owner"), signer("alice")
	owned := OwnedChallenge(owner.Public(), 2, []byte("chat"))
	b := record(alice, owned, ownedSolution(owner, alice)).Encode()
	for i := range b {
		for _, flip := range []byte{1, 0x80} {
			c := bytes.Clone(b)
			c[i] ^= flip
			r, err := DecodeRecord(c)
			if err == nil {
				err = r.Verify(testNow, testSkew, testTTL)
			}
			if err == nil {
				t.Fatalf("byte %d ^ %#x: the record still verifies", i, flip)
			}
		}
	}
}

func TestChallengeErrors(t *testing.T) {
	owner := signer("owner").Public()
	good := OwnedChallenge(owner, 3, []byte("n")).Encode()
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{nil, "without version"},
		{[]byte{2, 1, 1, 'a'}, "without version"},
		{[]byte{1, 9, 0}, "unknown kind 9"},
		{[]byte{1, 1, 0}, "needs a nonce"},
		{[]byte{1, 2, 1, 2}, "owner: 2 bytes"},
		{append(bytes.Clone(good[:34]), 0, 0), "max path length 0"},
		{append(bytes.Clone(good[:34]), 17, 0), "max path length 17"},
		{append(bytes.Clone(good), 'x'), "nonce: 3 bytes left"},
		{append([]byte{1, 1, 65}, make([]byte, 65)...), "at most"},
		{append([]byte{1, 2}, make([]byte, 33)...), "the owner is the zero key"},
	} {
		if _, err := DecodeChallenge(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%x: %v, want %q", c.in, err, c.want)
		}
	}
	for _, ch := range []Challenge{OpenChallenge([]byte("a")), SignedChallenge(owner, nil), OwnedChallenge(owner, 16, bytes.Repeat([]byte{1}, MaxNonce))} {
		d, err := DecodeChallenge(ch.Encode())
		if err != nil || d.Key() != ch.Key() {
			t.Errorf("%s challenge: %v", ch.Kind, err)
		}
	}
}

func FuzzDecodeChallenge(f *testing.F) {
	owner := signer("owner").Public()
	for _, c := range []Challenge{OpenChallenge([]byte("a")), SignedChallenge(owner, []byte("n")), OwnedChallenge(owner, 2, nil)} {
		f.Add(c.Encode())
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := DecodeChallenge(in)
		if err != nil {
			return
		}
		if out := c.Encode(); !bytes.Equal(out, in) {
			t.Fatalf("%x decodes to %+v, which encodes to %x", in, c, out)
		}
	})
}

func FuzzDecodeRecord(f *testing.F) {
	owner, alice := signer("owner"), signer("alice")
	signed := SignedChallenge(owner.Public(), []byte("room"))
	owned := OwnedChallenge(owner.Public(), 2, []byte("chat"))
	for _, r := range []Record{record(alice, OpenChallenge([]byte("a")), nil),
		record(alice, signed, SignProvider(owner, signed.Key(), alice.Public())),
		record(alice, owned, ownedSolution(owner, alice))} {
		f.Add(r.Encode())
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := DecodeRecord(in)
		if n := testing.AllocsPerRun(1, func() { _, _ = DecodeRecord(in) }); n > 40 {
			t.Fatalf("%d allocations decoding %d bytes", int(n), len(in))
		}
		if err != nil {
			if ReasonOf(err) != "malformed" {
				t.Fatalf("a decoding error that is not a malformed refusal: %v", err)
			}
			return
		}
		if out := r.Encode(); !bytes.Equal(out, in) {
			t.Fatalf("%x decodes to a record that encodes to %x", in, out)
		}
		_ = r.Verify(testNow, testSkew, testTTL) // must not panic
	})
}
