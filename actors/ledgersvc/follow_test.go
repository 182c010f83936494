package ledgersvc

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/ledger/replica"
	"github.com/aquanet/aquanet/trust"
)

// A follower asks the validators in turn for the blocks after its height. A block whose record
// says another app hash came before it is refused, and its validator asked no more; the one
// that follows is applied; an answer from a peer that is no validator is ignored.
func TestFollowerAppliesOnlyBlocksThatFollow(t *testing.T) {
	clk := clock.NewManual(time.Unix(1_700_000_000, 0))
	g := ledger.Genesis{ChainID: "follow", Time: 1_700_000_000, Balances: map[trust.PublicKey]uint64{key("alice").Public(): 10}}
	for _, v := range []string{"v0", "v1"} {
		g.Validators = append(g.Validators, ledger.Validator{Key: key(v).Public(), Power: 1})
	}
	hub := network.NewHub()
	asked := map[string][]uint64{}
	peers := map[string]core.LedgerTransport{}
	for _, name := range []string{"v0", "v1", "stranger"} {
		id := key(name).Public().String()
		tr := hub.Join(id, nil).(core.LedgerTransport)
		tr.ServeLedger(func(_ string, msg []byte) {
			if h, err := decodeFollow(msg[1:]); msg[0] == kindFollow && err == nil {
				asked[name] = append(asked[name], h)
			}
		})
		peers[name] = tr
	}
	db, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	self := key("follower").Public().String()
	f, err := OpenFollower(db, FollowerConfig{Genesis: g, Self: self, Transport: hub.Join(self, nil).(core.LedgerTransport), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	// The block, as a validator applied it.
	vdb, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer vdb.Close()
	v, err := ledger.NewState(ledger.NewPebbleStore(vdb))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.InitChain(g); err != nil {
		t.Fatal(err)
	}
	block := ledger.Block{Height: 1, Time: g.Time, Txs: []ledger.Tx{ledger.SignTx(key("alice"), g.ChainID,
		ledger.Tx{Body: &ledger.Transfer{To: key("bob").Public(), Amount: 4}})}}
	good, err := ledger.EncodeBlockRecord(ledger.BlockRecord{PrevAppHash: v.AppHash(), Block: block})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.ApplyBlock(block); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Commit(); err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(good)
	bad[0] ^= 1

	clk.Advance(0)
	first := "v0"
	if len(asked["v1"]) > 0 {
		first = "v1"
	}
	other := map[string]string{"v0": "v1", "v1": "v0"}[first]
	if len(asked[first]) != 1 || asked[first][0] != 1 || len(asked[other]) != 0 {
		t.Fatalf("asked at the start: %v, want one validator asked for height 1", asked)
	}
	answer := encodeBlocks(blocksAnswer{top: 1, records: [][]byte{good}})
	if err := peers["stranger"].SendLedger(self, answer); err != nil {
		t.Fatal(err)
	}
	if err := peers[first].SendLedger(self, encodeBlocks(blocksAnswer{top: 1, records: [][]byte{bad}})); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.Status(); st.Height != 0 {
		t.Fatalf("height %d after a stranger's blocks and a block that does not follow", st.Height)
	}
	for range 3 {
		clk.Advance(DefaultPollEvery)
	}
	if len(asked[first]) != 1 || len(asked[other]) != 3 {
		t.Fatalf("asked after a refused block: %v, want the other validator only", asked)
	}
	if err := peers[other].SendLedger(self, answer); err != nil {
		t.Fatal(err)
	}
	st, err := f.Status()
	if err != nil || st.Height != 1 || st.AppHash != v.AppHash() || !st.Follower {
		t.Fatalf("after the block that follows: %+v (%v), want height 1 and app hash %x", st, err, v.AppHash())
	}
	f.Read(false, func(s *ledger.State, err error) {
		if b, _ := s.Balance(key("bob").Public()); err != nil || b != 4 {
			t.Errorf("bob's balance on the follower: %d (%v), want 4", b, err)
		}
	})
	if _, err := OpenFollower(db, FollowerConfig{Genesis: g, Self: key("v0").Public().String(), Transport: hub.Join("x", nil).(core.LedgerTransport), Clock: clk}); err == nil {
		t.Error("a validator opened as a follower")
	}
	var got error
	f.Submit(block.Txs[0], func(_ replica.Applied, err error) { got = err })
	if !errors.Is(got, ErrFollower) {
		t.Errorf("a follower's submission: %v", got)
	}
}

// A validator serves followers' requests up to followRate a second, from all peers together: a
// stranger's flood gets that many answers, and more once the clock moves on; a request of the
// wrong length gets none.
func TestValidatorBoundsFollowRequests(t *testing.T) {
	_, clk, hub, _ := alone(t)
	self := key("v0").Public().String()
	answers := 0
	flood := hub.Join(key("flood").Public().String(), nil).(core.LedgerTransport)
	flood.ServeLedger(func(_ string, msg []byte) {
		if msg[0] == kindBlocks {
			answers++
		}
	})
	if err := flood.SendLedger(self, append(encodeFollow(1), 0)); err != nil {
		t.Fatal(err)
	}
	if answers != 0 {
		t.Fatal("a malformed request was answered")
	}
	for range 3 * followRate {
		if err := flood.SendLedger(self, encodeFollow(1)); err != nil {
			t.Fatal(err)
		}
	}
	if answers != followRate {
		t.Fatalf("%d answers to %d requests at once, want %d", answers, 3*followRate, followRate)
	}
	clk.Advance(time.Second)
	if err := flood.SendLedger(self, encodeFollow(1)); err != nil {
		t.Fatal(err)
	}
	if answers != followRate+1 {
		t.Fatalf("%d answers after a second, want one more", answers)
	}
}
