package data

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"
)

// producedBy returns data in which the peer of pub made one call for each result, signed
// with sig (MergeSignatures compares CIDs, it does not verify).
func producedBy(pub ed25519.PublicKey, sig string, results ...string) *Data {
	d := New()
	t := Tetraplet{PeerPK: PeerIDOf(pub), ServiceID: "s", FunctionName: "f"}
	tc := CIDOf(t.AppendCanonical(nil))
	d.Stores.Tetraplets[tc] = t
	for _, r := range results {
		sr := ServiceResult{Value: CIDOf([]byte(r)), Tetraplet: tc}
		c := CIDOf(sr.AppendCanonical(nil))
		d.Stores.ServiceResults[c] = sr
		d.Trace = append(d.Trace, CallState{Kind: CallExecuted, Value: ScalarValue, CID: c})
	}
	d.Signatures[string(pub)] = []byte(sig)
	return d
}

// The signature over the larger set of a peer's CIDs is kept when the smaller set is in it; two
// sets neither of which holds the other are refused, as the reference's MergeMismatch; a peer's
// signature that is the same on both sides merges as it is, and so does one on one side only.
func TestMergeSignatures(t *testing.T) {
	seed := sha256.Sum256([]byte("x"))
	x := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
	seed = sha256.Sum256([]byte("y"))
	y := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
	for _, c := range []struct {
		name      string
		prev, cur *Data
		want      string // x's signature kept, or the error's start
	}{
		{"the same signature", producedBy(x, "s1", "1", "2"), producedBy(x, "s1", "1", "2"), "s1"},
		{"more in the current data", producedBy(x, "s1", "1"), producedBy(x, "s2", "1", "2"), "s2"},
		{"more in the previous data", producedBy(x, "s1", "1", "2"), producedBy(x, "s2", "2"), "s1"},
		{"neither holds the other", producedBy(x, "s1", "1", "2"), producedBy(x, "s2", "1", "3"), "inconsistent CID multisets on merge"},
		{"only in the previous data", producedBy(x, "s1", "1"), producedBy(y, "t1", "9"), "s1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := MergeSignatures(c.prev, c.cur)
			if err != nil {
				if !strings.HasPrefix(err.Error(), c.want) {
					t.Fatalf("error %v, want %q", err, c.want)
				}
				return
			}
			if !bytes.Equal(got[string(x)], []byte(c.want)) {
				t.Fatalf("x's signature %q kept, want %q", got[string(x)], c.want)
			}
			for pk, sig := range c.cur.Signatures {
				if _, ok := c.prev.Signatures[pk]; !ok && !bytes.Equal(got[pk], sig) {
					t.Fatalf("a signature of the current data only was not kept: %q", got[pk])
				}
			}
		})
	}
}

// A peer's signature carried onto other CIDs does not verify: what lets MergeSignatures take
// a signature that is the same on both sides as being over the same CIDs (run verifies the
// arriving data before it merges it).
func TestSignatureOverOtherCIDsRefused(t *testing.T) {
	seed := sha256.Sum256([]byte("x"))
	key := ed25519.NewKeyFromSeed(seed[:])
	pub := key.Public().(ed25519.PublicKey)
	prev := producedBy(pub, "", "1", "2")
	cids, err := prev.PeerCIDs()
	if err != nil {
		t.Fatal(err)
	}
	prev.Signatures[string(pub)] = Sign(key, cids[PeerIDOf(pub)], "p")
	if err := prev.VerifySignatures("p"); err != nil {
		t.Fatalf("the peer's own signature: %v", err)
	}
	moved := producedBy(pub, string(prev.Signatures[string(pub)]), "1", "3")
	if err := moved.VerifySignatures("p"); err == nil || !strings.HasPrefix(err.Error(), "signature mismatch") {
		t.Fatalf("a signature over other CIDs: %v, want a signature mismatch", err)
	}
}
