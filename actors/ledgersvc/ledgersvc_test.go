package ledgersvc

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/ledger/replica"
	"github.com/aquanet/aquanet/trust"
)

func key(name string) trust.Signer {
	seed := sha256.Sum256([]byte("ledgersvc test key " + name))
	return trust.Signer(ed25519.NewKeyFromSeed(seed[:]))
}

// alone is validator 1 of three, the other two never started: no leader is ever elected.
func alone(t *testing.T) (*Service, *clock.Manual, *network.Hub, ledger.Genesis) {
	t.Helper()
	clk := clock.NewManual(time.Unix(1_700_000_000, 0))
	g := ledger.Genesis{ChainID: "svc", Time: 1_700_000_000, Balances: map[trust.PublicKey]uint64{key("alice").Public(): 10}}
	for i := range 3 {
		g.Validators = append(g.Validators, ledger.Validator{Key: key(fmt.Sprint("v", i)).Public(), Power: 1})
	}
	db, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hub := network.NewHub()
	self := key("v0").Public().String()
	tr := hub.Join(self, nil).(core.LedgerTransport)
	s, err := Open(db, Config{Genesis: g, Self: self, Transport: tr, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, clk, hub, g
}

// Without a leader a linearizable read and a submission wait, and are told so when their time
// is up; a local read answers at once.
func TestWaitsEndWithoutALeader(t *testing.T) {
	s, clk, _, g := alone(t)
	var readErr, submitErr error
	read, submitted, local := false, false, false
	s.Read(true, func(_ *ledger.State, err error) { readErr, read = err, true })
	s.Read(false, func(st *ledger.State, err error) { local = err == nil && st.ChainID() == "svc" })
	tx := ledger.SignTx(key("alice"), g.ChainID, ledger.Tx{Body: &ledger.Transfer{To: key("bob").Public(), Amount: 1}})
	s.Submit(tx, func(_ replica.Applied, err error) { submitErr, submitted = err, true })
	if !local {
		t.Fatal("a local read did not answer at once")
	}
	clk.Advance(ReadTimeout)
	if !read || readErr == nil || !strings.Contains(readErr.Error(), "no leader confirmed the read") {
		t.Fatalf("the linearizable read after %v: %v, %v", ReadTimeout, read, readErr)
	}
	if submitted {
		t.Fatal("the submission was answered before its time was up")
	}
	clk.Advance(SubmitTimeout)
	if !submitted || submitErr == nil || !strings.Contains(submitErr.Error(), "not applied within") {
		t.Fatalf("the submission after %v: %v, %v", SubmitTimeout, submitted, submitErr)
	}
	if st, _ := s.Status(); st.Leader != "" {
		t.Fatalf("a leader (%s) though two of three validators never started", st.Leader)
	}
}

// A raft message counts only from the validator it says it is from: a stranger's heartbeat
// claiming to be validator 2's is dropped; validator 2's own makes 2 the leader this node knows.
func TestMessagesFromOthersAreDropped(t *testing.T) {
	s, clk, hub, _ := alone(t)
	heartbeat, err := proto.MarshalOptions{}.MarshalAppend([]byte{kindRaft}, &pb.Message{Type: new(pb.MsgHeartbeat), From: new(uint64(2)), To: new(uint64(1)), Term: new(uint64(5))})
	if err != nil {
		t.Fatal(err)
	}
	self := key("v0").Public().String()
	stranger := hub.Join(key("stranger").Public().String(), nil).(core.LedgerTransport)
	if err := stranger.SendLedger(self, heartbeat); err != nil {
		t.Fatal(err)
	}
	clk.Advance(0) // a message is stepped on the clock's goroutine, not the transport's
	if st, _ := s.Status(); st.Leader != "" {
		t.Fatalf("a stranger's heartbeat made %s the leader", st.Leader)
	}
	v2 := key("v1").Public().String()
	if err := hub.Join(v2, nil).(core.LedgerTransport).SendLedger(self, heartbeat); err != nil {
		t.Fatal(err)
	}
	clk.Advance(0)
	if st, _ := s.Status(); st.Leader != v2 {
		t.Fatalf("validator 2's heartbeat: the leader is %q, want %s", st.Leader, v2)
	}
}

// A closed service answers nothing more, and tells who waited.
func TestClosedServiceTellsWhoWaited(t *testing.T) {
	s, _, _, g := alone(t)
	var got error
	tx := ledger.SignTx(key("alice"), g.ChainID, ledger.Tx{Body: &ledger.Transfer{To: key("bob").Public(), Amount: 1}})
	s.Submit(tx, func(_ replica.Applied, err error) { got = err })
	s.Close()
	if got != ErrClosed {
		t.Fatalf("a waiting submission after Close: %v", got)
	}
	s.Read(false, func(_ *ledger.State, err error) { got = err })
	if got != ErrClosed {
		t.Fatalf("a read after Close: %v", got)
	}
}

// Linearizable reads waiting for a leader are bounded: one more is refused at once, saying so.
func TestPendingReadsAreBounded(t *testing.T) {
	s, _, _, _ := alone(t)
	for range MaxPendingReads {
		s.Read(true, func(*ledger.State, error) {})
	}
	var got error
	s.Read(true, func(_ *ledger.State, err error) { got = err })
	if got == nil || !strings.Contains(got.Error(), "linearizable reads wait already") {
		t.Fatalf("read %d: %v", MaxPendingReads+1, got)
	}
}
