package ledgersvc

import (
	"testing"

	"github.com/aquanet/aquanet/ledger"
)

// The cache answers only for the exact bytes that verified: a changed signature, amount or
// chain is verified again, and refused; it forgets the oldest past its size.
func TestVerifiedAnswersOnlyForTheSameBytes(t *testing.T) {
	alice, bob := key("alice"), key("bob")
	v := newVerified("t", 2)
	tx := ledger.SignTx(alice, "t", ledger.Tx{Nonce: 3, Body: &ledger.Transfer{To: bob.Public(), Amount: 5}})
	if err := v.Verify(tx, "t"); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(tx, "t"); err != nil {
		t.Fatalf("verified twice: %v", err)
	}
	sig := tx
	sig.Signature = append([]byte(nil), tx.Signature...)
	sig.Signature[10] ^= 1
	amount := tx
	amount.Body = &ledger.Transfer{To: bob.Public(), Amount: 6}
	for name, c := range map[string]struct {
		tx    ledger.Tx
		chain string
	}{"a changed signature": {sig, "t"}, "a changed amount": {amount, "t"}, "another chain": {tx, "other"}} {
		if err := v.Verify(c.tx, c.chain); ledger.ReasonOf(err) != ledger.ReasonBadSignature {
			t.Errorf("%s: %v, want %s", name, err, ledger.ReasonBadSignature)
		}
	}
	for i := range 3 {
		if err := v.Verify(ledger.SignTx(alice, "t", ledger.Tx{Nonce: uint64(10 + i), Body: &ledger.Transfer{To: bob.Public(), Amount: 1}}), "t"); err != nil {
			t.Fatal(err)
		}
	}
	if len(v.set) != 2 || len(v.ring) != 2 {
		t.Fatalf("%d remembered (%d in the ring), want the last 2", len(v.set), len(v.ring))
	}
	if _, ok := v.set[tx.Hash()]; ok {
		t.Fatal("the oldest is still remembered past the size")
	}
}
