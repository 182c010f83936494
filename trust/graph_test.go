package trust

import (
	"errors"
	"testing"
)

// Relations of issuers who weigh nothing are kept up to a bound; a root's, or a weighed peer's,
// are not held by it.
func TestUnanchoredRelationsAreBounded(t *testing.T) {
	g := New(Config{MaxUnanchored: 2}, NoStore{})
	root, alice, mallory := testKey("root"), testKey("alice"), testKey("mallory")
	if err := g.SetRoot(root.Public(), 2); err != nil {
		t.Fatal(err)
	}
	add := func(by Signer, name string) error {
		return g.AddTrust(by.Public(), IssueTrust(by, testKey(name).Public(), 1000, 10), 10)
	}
	for _, n := range []string{"m1", "m2"} {
		if err := add(mallory, n); err != nil {
			t.Fatalf("an unanchored trust under the bound: %v", err)
		}
	}
	if err := add(mallory, "m3"); !errors.Is(err, ErrFull) {
		t.Fatalf("an unanchored trust over the bound: %v", err)
	}
	if err := add(root, "alice"); err != nil {
		t.Fatalf("a root's trust: %v", err)
	}
	if err := add(alice, "a1"); err != nil {
		t.Fatalf("a trust by a peer the root trusts: %v", err)
	}
	if g.Len() != 4 {
		t.Fatalf("%d relations kept, want 4", g.Len())
	}
}

// A changed byte anywhere in a trust or revocation fails its signature.
func TestAChangedByteFailsTheSignature(t *testing.T) {
	by, k := testKey("root"), testKey("alice").Public()
	tr := IssueTrust(by, k, 1000, 10)
	if err := tr.Verify(by.Public(), 10, 0); err != nil {
		t.Fatal(err)
	}
	enc := tr.Encode()
	for i := range enc {
		b := append([]byte(nil), enc...)
		b[i] ^= 1
		if d, err := DecodeTrust(b); err == nil && d.Verify(by.Public(), 10, 1<<62) == nil {
			t.Fatalf("byte %d changed, the trust still verifies", i)
		}
	}
	r := IssueRevocation(by, k, 10)
	r.RevokedAt++
	if r.Verify(10, 60) == nil {
		t.Fatal("a revocation with its time changed verifies")
	}
}
