package ledger

import (
	"errors"
	"testing"

	"github.com/aquanet/aquanet/trust"
)

// failing is a store whose writes fail while fail is set: a disk that refuses.
type failing struct {
	Store
	fail bool
}

var errDisk = errors.New("disk refused the write")

func (f *failing) Write(ws []Write) error {
	if f.fail {
		return errDisk
	}
	return f.Store.Write(ws)
}

func testGenesis(balances map[trust.PublicKey]uint64) Genesis {
	return Genesis{ChainID: "t", Time: 10, Balances: balances, Validators: []Validator{{Key: testKey("v").Public(), Power: 1}}}
}

func TestCallOrder(t *testing.T) {
	s := newDisk(t).state(t)
	alice := testKey("alice")
	tx := SignTx(alice, "t", Tx{Body: &Transfer{To: alice.Public()}})
	if err := s.CheckTx(tx); !errors.Is(err, ErrNotInitialized) {
		t.Fatalf("CheckTx before InitChain: %v", err)
	}
	if _, err := s.ApplyBlock(Block{Height: 1}); !errors.Is(err, ErrNotInitialized) {
		t.Fatalf("ApplyBlock before InitChain: %v", err)
	}
	if _, err := s.InitChain(testGenesis(nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(); !errors.Is(err, ErrNothingPending) {
		t.Fatalf("Commit without a block: %v", err)
	}
	if _, err := s.ApplyBlock(Block{Height: 1, Time: 10, Txs: []Tx{tx}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyBlock(Block{Height: 2, Time: 10}); !errors.Is(err, ErrPending) {
		t.Fatalf("a second block before Commit: %v", err)
	}
	// The pending block is not read: the nonce is still 0 until Commit.
	if n, _ := s.Nonce(alice.Public()); n != 0 {
		t.Fatalf("nonce %d read before the commit", n)
	}
	if _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Nonce(alice.Public()); n != 1 || s.Height() != 1 {
		t.Fatalf("after the commit: nonce %d, height %d", n, s.Height())
	}
}

// A Commit whose write fails changes nothing and keeps the block pending: the next Commit
// writes it, with the same app hash as a replica whose disk never failed.
func TestCommitAfterAFailedWrite(t *testing.T) {
	alice, bob := testKey("alice"), testKey("bob")
	g := testGenesis(map[trust.PublicKey]uint64{alice.Public(): 100})
	blk := Block{Height: 1, Time: 11, Txs: []Tx{SignTx(alice, "t", Tx{Body: &Transfer{To: bob.Public(), Amount: 30}})}}

	good := newDisk(t).state(t)
	if _, err := good.InitChain(g); err != nil {
		t.Fatal(err)
	}
	if _, err := good.ApplyBlock(blk); err != nil {
		t.Fatal(err)
	}
	want, err := good.Commit()
	if err != nil {
		t.Fatal(err)
	}

	d := newDisk(t)
	store := &failing{Store: NewPebbleStore(d.db)}
	s, err := NewState(store)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.InitChain(g); err != nil {
		t.Fatal(err)
	}
	genesisHash := s.AppHash()
	if _, err := s.ApplyBlock(blk); err != nil {
		t.Fatal(err)
	}
	store.fail = true
	if _, err := s.Commit(); !errors.Is(err, errDisk) {
		t.Fatalf("Commit on a failing disk: %v", err)
	}
	if s.Height() != 0 || s.AppHash() != genesisHash {
		t.Fatalf("a failed commit moved the state to height %d", s.Height())
	}
	if b, _ := s.Balance(bob.Public()); b != 0 {
		t.Fatalf("a failed commit wrote bob's balance %d", b)
	}
	store.fail = false
	got, err := s.Commit()
	if err != nil || got != want {
		t.Fatalf("the retried commit: %x (%v), want %x", got, err, want)
	}
	// Reopened, the store holds the committed state.
	d.reopen(t)
	r := d.state(t)
	if b, _ := r.Balance(bob.Public()); b != 30 || r.AppHash() != want || r.Height() != 1 {
		t.Fatalf("reopened: bob %d, height %d", b, r.Height())
	}
}

// Two replicas that differ in one balance at genesis differ in every app hash after.
func TestDifferentStatesDifferentHashes(t *testing.T) {
	alice := testKey("alice")
	a, b := newDisk(t).state(t), newDisk(t).state(t)
	ha, _ := a.InitChain(testGenesis(map[trust.PublicKey]uint64{alice.Public(): 5}))
	hb, _ := b.InitChain(testGenesis(map[trust.PublicKey]uint64{alice.Public(): 6}))
	for h := uint64(1); ; h++ {
		if ha == hb {
			t.Fatalf("height %d: the same app hash for different states", h-1)
		}
		if h > 3 {
			return
		}
		blk := Block{Height: h, Time: 10}
		if _, err := a.ApplyBlock(blk); err != nil {
			t.Fatal(err)
		}
		if _, err := b.ApplyBlock(blk); err != nil {
			t.Fatal(err)
		}
		ha, _ = a.Commit()
		hb, _ = b.Commit()
	}
}

// A transaction built with no body, or a nil one, is rejected in the block, not a panic.
func TestNilBodiesRejected(t *testing.T) {
	s := newDisk(t).state(t)
	if _, err := s.InitChain(testGenesis(nil)); err != nil {
		t.Fatal(err)
	}
	alice := testKey("alice")
	txs := []Tx{SignTx(alice, "t", Tx{}), SignTx(alice, "t", Tx{Body: (*Transfer)(nil)}), SignTx(alice, "t", Tx{Body: (*Pay)(nil)})}
	res, err := s.ApplyBlock(Block{Height: 1, Time: 10, Txs: txs})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Reason != ReasonMalformed {
			t.Errorf("tx %d: %q, want %q", i, r.Reason, ReasonMalformed)
		}
	}
	if _, err := EncodeTx(txs[1]); ReasonOf(err) != ReasonMalformed {
		t.Errorf("EncodeTx of a nil body: %v", err)
	}
}

// A transaction signed for another chain is refused, though the same key holds an account on
// both: the chain id is under the signature.
func TestAnotherChainsTransactionIsRefused(t *testing.T) {
	s := newDisk(t).state(t)
	alice, bob := testKey("alice"), testKey("bob")
	if _, err := s.InitChain(testGenesis(map[trust.PublicKey]uint64{alice.Public(): 100})); err != nil {
		t.Fatal(err)
	}
	elsewhere := SignTx(alice, "another chain", Tx{Body: &Transfer{To: bob.Public(), Amount: 10}})
	if err := s.CheckTx(elsewhere); ReasonOf(err) != ReasonBadSignature {
		t.Fatalf("CheckTx of another chain's transaction: %v", err)
	}
	here := SignTx(alice, "t", Tx{Body: &Transfer{To: bob.Public(), Amount: 10}})
	if err := s.CheckTx(here); err != nil {
		t.Fatalf("CheckTx of this chain's transaction: %v", err)
	}
}

// The state remembers which transaction used each of a sender's last KeepUsedNonces nonces,
// and in which block; a rejected transaction uses none; older nonces are forgotten.
func TestUsedNonces(t *testing.T) {
	s := newDisk(t).state(t)
	alice, bob := testKey("alice"), testKey("bob")
	if _, err := s.InitChain(testGenesis(map[trust.PublicKey]uint64{alice.Public(): 1000})); err != nil {
		t.Fatal(err)
	}
	var hashes [][32]byte
	n := uint64(KeepUsedNonces + 6)
	for i := range n {
		ok := SignTx(alice, "t", Tx{Nonce: i, Body: &Transfer{To: bob.Public(), Amount: 1}})
		refused := SignTx(alice, "t", Tx{Nonce: i + 1, Body: &Transfer{To: bob.Public(), Amount: 1}}) // too early
		hashes = append(hashes, ok.Hash())
		if _, err := s.ApplyBlock(Block{Height: i + 1, Time: 10, Txs: []Tx{refused, ok}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		h, height, ok, err := s.UsedNonce(alice.Public(), i)
		switch {
		case err != nil:
			t.Fatal(err)
		case i < n-KeepUsedNonces && ok:
			t.Errorf("nonce %d is remembered: only the last %d are", i, KeepUsedNonces)
		case i >= n-KeepUsedNonces && (!ok || h != hashes[i] || height != i+1):
			t.Errorf("nonce %d: %x at %d (%v), want %x at %d", i, h[:4], height, ok, hashes[i][:4], i+1)
		}
	}
	if _, _, ok, _ := s.UsedNonce(alice.Public(), n); ok {
		t.Error("the next nonce, never used, is remembered")
	}
}
