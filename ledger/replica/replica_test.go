package replica

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"testing"
	"testing/cryptotest"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/ledger/raftlog"
	"github.com/aquanet/aquanet/trust"
)

func key(name string) trust.Signer {
	seed := sha256.Sum256([]byte("replica test key " + name))
	return trust.Signer(ed25519.NewKeyFromSeed(seed[:]))
}

// validator is one replica on its own crashable disk.
type validator struct {
	id uint64
	fs *vfs.MemFS
	db *pebble.DB
	r  *Replica
	up bool
}

type cluster struct {
	t         *testing.T
	genesis   ledger.Genesis
	vals      []*validator
	queue     []*pb.Message
	now       uint64
	results   map[[32]byte]Applied
	reads     []uint64
	unknown   [][32]byte // Output.Unknown, all validators'
	snapEvery uint64
	dropProps bool   // lose the proposals forwarded to the leader
	isolated  uint64 // a validator whose messages, both ways, are lost
}

func newCluster(t *testing.T, n int, snapEvery uint64) *cluster {
	cryptotest.SetGlobalRandom(t, 7) // raft's election jitter reads crypto/rand
	g := ledger.Genesis{ChainID: "replica-test", Time: 1000, Balances: map[trust.PublicKey]uint64{}}
	for i := range n {
		g.Validators = append(g.Validators, ledger.Validator{Key: key(fmt.Sprint("v", i)).Public(), Power: 1})
	}
	for i := range 4 {
		g.Balances[key(fmt.Sprint("client", i)).Public()] = 1000
	}
	c := &cluster{t: t, genesis: g, now: 1000, results: map[[32]byte]Applied{}, snapEvery: snapEvery}
	for i := range n {
		v := &validator{id: uint64(i + 1), fs: vfs.NewCrashableMem()}
		c.vals = append(c.vals, v)
		c.start(v)
	}
	return c
}

func (c *cluster) start(v *validator) {
	db, err := store.Open(store.Options{FS: v.fs, Dir: "db"})
	if err != nil {
		c.t.Fatal(err)
	}
	r, err := Open(Config{ID: v.id, DB: db, Genesis: c.genesis, SnapshotEvery: c.snapEvery})
	if err != nil {
		db.Close()
		c.t.Fatalf("validator %d: %v", v.id, err)
	}
	v.db, v.r, v.up = db, r, true
}

// crash cuts v's power: its disk keeps what was synced.
func (c *cluster) crash(v *validator) {
	clone := v.fs.CrashClone(vfs.CrashCloneCfg{})
	v.db.Close()
	v.fs, v.up = clone, false
}

// run ticks every live validator and delivers messages for ticks rounds.
func (c *cluster) run(ticks int) {
	for range ticks {
		c.now++
		for _, v := range c.vals {
			if v.up {
				v.r.Tick()
			}
		}
		c.settle()
	}
}

// settle handles Readys and delivers messages until nothing moves.
func (c *cluster) settle() {
	for range 1000 {
		for _, v := range c.vals {
			if !v.up {
				continue
			}
			out, err := v.r.Ready(c.now)
			if err != nil {
				c.t.Fatalf("validator %d: %v", v.id, err)
			}
			c.queue = append(c.queue, out.Messages...)
			for _, a := range out.Applied {
				// Two replicas a client submitted the same transaction to both tell of its one
				// application.
				if old, dup := c.results[a.Hash]; dup && old != a {
					c.t.Fatalf("tx %x applied twice: %+v then %+v", a.Hash[:4], old, a)
				}
				c.results[a.Hash] = a
			}
			c.reads = append(c.reads, out.Reads...)
			for _, h := range out.Unknown {
				c.unknown = append(c.unknown, h)
			}
		}
		if len(c.queue) == 0 {
			return
		}
		queue := c.queue
		c.queue = nil
		for _, m := range queue {
			if c.dropProps && m.GetType() == pb.MsgProp || c.isolated != 0 && (m.GetTo() == c.isolated || m.GetFrom() == c.isolated) {
				continue
			}
			if to := c.vals[m.GetTo()-1]; to.up {
				if err := to.r.Step(m); err != nil {
					c.t.Fatalf("validator %d stepping %v: %v", to.id, m.GetType(), err)
				}
			}
		}
	}
	c.t.Fatal("the cluster did not settle")
}

func (c *cluster) leader() *validator {
	for _, v := range c.vals {
		if v.up && v.r.Leader() == v.id {
			return v
		}
	}
	return nil
}

// agree checks that every live validator's state is the same: height, app hash, balances.
func (c *cluster) agree() {
	c.t.Helper()
	var first *validator
	for _, v := range c.vals {
		if !v.up {
			continue
		}
		if first == nil {
			first = v
			continue
		}
		a, b := first.r.State(), v.r.State()
		if a.Height() != b.Height() || a.AppHash() != b.AppHash() {
			c.t.Fatalf("validators %d and %d differ: height %d/%d, app hash %x/%x", first.id, v.id, a.Height(), b.Height(), a.AppHash(), b.AppHash())
		}
	}
	total := uint64(0)
	for i := range 4 {
		bal, err := first.r.State().Balance(key(fmt.Sprint("client", i)).Public())
		if err != nil {
			c.t.Fatal(err)
		}
		total += bal
	}
	if total != 4000 {
		c.t.Fatalf("the balances total %d, want 4000: value was made or lost", total)
	}
}

func transfer(from, to string, nonce, amount uint64) ledger.Tx {
	return ledger.SignTx(key(from), "replica-test", ledger.Tx{Nonce: nonce, Body: &ledger.Transfer{To: key(to).Public(), Amount: amount}})
}

// Three validators elect a leader; four clients each submit ten transactions, one at a time,
// at the validators in turn, and submit one again elsewhere when no answer comes; the leader is
// killed under this load and another takes over; every transaction is applied once, nothing
// acknowledged is lost, all agree; the killed validator restarts from its disk and catches up
// (from a snapshot: the log before it was dropped); a linearizable read answers.
func TestReplicasAgreeThroughALeadersCrash(t *testing.T) {
	c := newCluster(t, 3, 20)
	c.run(30)
	lead := c.leader()
	if lead == nil {
		t.Fatal("no leader after 30 ticks")
	}
	type client struct {
		tx     *ledger.Tx
		nonce  uint64
		sentAt int
		turn   int
		acked  [][32]byte
	}
	clients := make([]*client, 4)
	for i := range clients {
		clients[i] = &client{turn: i}
	}
	submit := func(i int, cl *client, tick int) {
		for range c.vals {
			cl.turn++
			if at := c.vals[cl.turn%len(c.vals)]; at.up {
				if err := at.r.Submit(*cl.tx); err != nil {
					t.Fatalf("client %d at %d: %v", i, at.id, err)
				}
				cl.sentAt = tick
				return
			}
		}
	}
	for tick := range 300 {
		for i, cl := range clients {
			switch {
			case cl.tx == nil && cl.nonce < 10:
				tx := transfer(fmt.Sprint("client", i), fmt.Sprint("client", (i+1)%4), cl.nonce, 1+cl.nonce)
				cl.tx = &tx
				submit(i, cl, tick)
			case cl.tx != nil:
				if a, ok := c.results[cl.tx.Hash()]; ok {
					if a.Reason != "" {
						t.Fatalf("client %d's tx %d: %s %s", i, cl.nonce, a.Reason, a.Message)
					}
					cl.acked = append(cl.acked, a.Hash)
					cl.tx = nil
					cl.nonce++
				} else if tick-cl.sentAt > 40 {
					submit(i, cl, tick) // no answer: its validator may have died
				}
			}
		}
		if tick == 12 {
			c.crash(lead) // the leader dies with transactions on the way
		}
		c.run(1)
	}
	for i, cl := range clients {
		if len(cl.acked) != 10 {
			t.Fatalf("client %d: %d transactions acknowledged of 10", i, len(cl.acked))
		}
		n, err := c.leader().r.State().Nonce(key(fmt.Sprint("client", i)).Public())
		if err != nil || n != 10 {
			t.Fatalf("client %d's nonce is %d, want 10 (every acknowledged transaction kept): %v", i, n, err)
		}
	}
	if c.leader() == nil || c.leader() == lead {
		t.Fatal("no new leader after the crash")
	}
	c.agree()
	c.start(lead) // back from its disk: it catches up
	c.run(60)
	c.agree()
	if lead.r.State().Height() != c.leader().r.State().Height() {
		t.Fatal("the restarted validator did not catch up")
	}
	c.leader().r.ReadIndex(42)
	c.run(5)
	if len(c.reads) != 1 || c.reads[0] != 42 {
		t.Fatalf("reads answered: %v, want [42]", c.reads)
	}
}

// A sender's transaction with a nonce past what waits is refused at once, with the reason;
// a replay of an applied one is refused too.
func TestSubmitChecksNonces(t *testing.T) {
	c := newCluster(t, 1, 1000)
	c.run(20)
	v := c.vals[0]
	if err := v.r.Submit(transfer("client0", "client1", 1, 5)); ledger.ReasonOf(err) != ledger.ReasonBadNonce {
		t.Fatalf("nonce 1 before 0: %v", err)
	}
	first := transfer("client0", "client1", 0, 5)
	if err := v.r.Submit(first); err != nil {
		t.Fatal(err)
	}
	if err := v.r.Submit(transfer("client0", "client1", 1, 5)); err != nil {
		t.Fatalf("nonce 1 after 0 waits: %v", err)
	}
	c.run(3)
	if len(c.results) != 2 {
		t.Fatalf("%d results, want 2", len(c.results))
	}
	if err := v.r.Submit(first); ledger.ReasonOf(err) != ledger.ReasonBadNonce {
		t.Fatalf("a replay: %v", err)
	}
	if err := v.r.Submit(transfer("client0", "client1", 2, 5000)); err != nil {
		t.Fatal(err) // taken in; the block rejects it
	}
	c.run(3)
	var funds int
	for _, a := range c.results {
		if a.Reason == ledger.ReasonInsufficientFunds {
			funds++
		}
	}
	if funds != 1 {
		t.Fatalf("results %v: want one insufficient-funds", c.results)
	}
}

// Every validator loses power at once: what was acknowledged is on their disks (the log synced
// before messages went out, the state with the index it reached), so after the restart they
// hold the same blocks, none applied twice, and go on.
func TestAllValidatorsRestart(t *testing.T) {
	c := newCluster(t, 3, 1000) // no snapshot: the restart replays the log
	c.run(30)
	var hashes [][32]byte
	for n := range uint64(8) {
		for i := range 2 {
			tx := transfer(fmt.Sprint("client", i), "client3", n, 1)
			if err := c.vals[i].r.Submit(tx); err != nil {
				t.Fatal(err)
			}
			hashes = append(hashes, tx.Hash())
		}
		c.run(2)
	}
	for _, h := range hashes {
		if a, ok := c.results[h]; !ok || a.Reason != "" {
			t.Fatalf("tx %x: %+v, %v", h[:4], a, ok)
		}
	}
	height, hash := c.leader().r.State().Height(), c.leader().r.State().AppHash()
	for _, v := range c.vals {
		c.crash(v)
	}
	for _, v := range c.vals {
		c.start(v)
	}
	c.run(40)
	c.agree()
	if st := c.leader().r.State(); st.Height() != height || st.AppHash() != hash {
		t.Fatalf("after the restart: height %d, app hash %x; before: %d, %x", st.Height(), st.AppHash(), height, hash)
	}
	tx := transfer("client0", "client1", 8, 1)
	if err := c.leader().r.Submit(tx); err != nil {
		t.Fatal(err)
	}
	c.run(3)
	if a, ok := c.results[tx.Hash()]; !ok || a.Reason != "" || a.Height != height+1 {
		t.Fatalf("the first transaction after the restart: %+v, %v; want applied at height %d", a, ok, height+1)
	}
}

// A read asked for before any leader is known (raft drops it) is asked for again, and answered
// once one is elected.
func TestReadBeforeALeaderIsAnswered(t *testing.T) {
	c := newCluster(t, 3, 1000)
	c.vals[1].r.ReadIndex(7)
	c.run(40)
	if c.leader() == nil || len(c.reads) != 1 || c.reads[0] != 7 {
		t.Fatalf("leader %v, reads answered %v; want [7]", c.leader() != nil, c.reads)
	}
}

// A proposal lost on its way to the leader is proposed again after RetryTicks, and applied
// once.
func TestLostProposalIsProposedAgain(t *testing.T) {
	c := newCluster(t, 3, 1000)
	c.run(30)
	lead := c.leader()
	follower := c.vals[lead.id%3]
	tx := transfer("client0", "client1", 0, 5)
	if err := follower.r.Submit(tx); err != nil {
		t.Fatal(err)
	}
	c.dropProps = true
	c.run(1)
	c.dropProps = false
	if _, ok := c.results[tx.Hash()]; ok {
		t.Fatal("applied though its proposal was lost")
	}
	c.run(10)
	if _, ok := c.results[tx.Hash()]; ok {
		t.Fatal("proposed again before RetryTicks")
	}
	c.run(30)
	if a, ok := c.results[tx.Hash()]; !ok || a.Reason != "" {
		t.Fatalf("after RetryTicks: %+v, %v; want applied", a, ok)
	}
}

// A follower cut off while transactions wait on it catches up from a snapshot (the leader
// dropped the log it missed). A waiting transaction whose nonce the snapshot passed is
// reported as the state remembers it: applied (the client gave up and submitted it at the
// leader), or refused (another transaction used its nonce). The ones after it still count, so
// their sender's next transaction is taken, and everything is applied in order.
func TestSnapshotPastWaitingTransactions(t *testing.T) {
	c := newCluster(t, 3, 5)
	c.run(30)
	lead := c.leader()
	follower := c.vals[lead.id%3]
	c.isolated = follower.id
	first, second := transfer("client0", "client1", 0, 5), transfer("client0", "client1", 1, 5)
	for _, tx := range []ledger.Tx{first, second} {
		if err := follower.r.Submit(tx); err != nil {
			t.Fatal(err)
		}
	}
	if err := lead.r.Submit(first); err != nil {
		t.Fatal(err)
	}
	mine, theirs := transfer("client3", "client1", 0, 1), transfer("client3", "client1", 0, 2)
	if err := follower.r.Submit(mine); err != nil {
		t.Fatal(err)
	}
	if err := lead.r.Submit(theirs); err != nil {
		t.Fatal(err)
	}
	for i := range 10 { // past SnapshotEvery: the leader compacts its log
		if err := lead.r.Submit(transfer("client2", "client3", uint64(i), 1)); err != nil {
			t.Fatal(err)
		}
		c.run(1)
	}
	c.isolated, c.dropProps = 0, true // the follower catches up; its proposals are still lost
	c.run(5)
	if follower.r.State().Height() != lead.r.State().Height() {
		t.Fatalf("the follower is at height %d, the leader at %d", follower.r.State().Height(), lead.r.State().Height())
	}
	if a, ok := c.results[first.Hash()]; !ok || a.Reason != "" || len(c.unknown) != 0 {
		t.Fatalf("the transaction the snapshot passed, applied: %+v, %v (unknown: %x)", a, ok, c.unknown)
	}
	if a := c.results[mine.Hash()]; a.Reason != ledger.ReasonBadNonce || a.Height != c.results[theirs.Hash()].Height {
		t.Fatalf("the transaction whose nonce another used: %+v", a)
	}
	third := transfer("client0", "client1", 2, 5)
	if err := follower.r.Submit(third); err != nil {
		t.Fatalf("the sender's next transaction after the snapshot, while the one before it waits: %v", err)
	}
	c.run(1)
	c.dropProps = false
	c.run(40)
	for _, tx := range []ledger.Tx{second, third} {
		if a, ok := c.results[tx.Hash()]; !ok || a.Reason != "" {
			t.Fatalf("nonce %d: %+v, %v; want applied", tx.Nonce, a, ok)
		}
	}
	c.agree()
	if n, err := follower.r.State().Nonce(key("client0").Public()); err != nil || n != 3 {
		t.Fatalf("client0's nonce %d (%v), want 3", n, err)
	}
}

// A transaction whose proposal overtook the one before it (that one's was lost) is not
// rejected for its nonce while the one before it waits here: both are proposed again, in
// order, and both are applied.
func TestOvertakingTransactionWaitsForItsPredecessor(t *testing.T) {
	c := newCluster(t, 3, 1000)
	c.run(30)
	follower := c.vals[c.leader().id%3]
	first, second := transfer("client0", "client1", 0, 5), transfer("client0", "client1", 1, 5)
	if err := follower.r.Submit(first); err != nil {
		t.Fatal(err)
	}
	c.dropProps = true
	c.run(1)
	c.dropProps = false
	if err := follower.r.Submit(second); err != nil {
		t.Fatal(err)
	}
	c.run(5) // well before RetryTicks: no retry of the lost one but this
	for _, tx := range []ledger.Tx{first, second} {
		if a, ok := c.results[tx.Hash()]; !ok || a.Reason != "" {
			t.Fatalf("nonce %d: %+v, %v; want applied", tx.Nonce, a, ok)
		}
	}
	c.agree()
}

// A validator whose state applied entries past the commit index its log kept (raft does not
// sync a commit index alone, so a crash may lose it while the state's later write survives)
// starts, learns the commit index again, and agrees with the others without applying twice.
func TestStateAheadOfTheLoggedCommitIndex(t *testing.T) {
	c := newCluster(t, 3, 1000)
	c.run(30)
	for i := range 5 {
		if err := c.leader().r.Submit(transfer("client0", "client1", uint64(i), 1)); err != nil {
			t.Fatal(err)
		}
		c.run(1)
	}
	v := c.vals[c.leader().id%3]
	c.crash(v)
	db, err := store.Open(store.Options{FS: v.fs, Dir: "db"})
	if err != nil {
		t.Fatal(err)
	}
	lg, err := raftlog.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	hs, _, err := lg.InitialState()
	if err != nil {
		t.Fatal(err)
	}
	applied, err := (&appliedStore{PebbleStore: ledger.NewPebbleStore(db)}).applied()
	if err != nil || applied < 3 || hs.GetCommit() < applied {
		t.Fatalf("applied %d (%v), commit %d: the test needs applied entries", applied, err, hs.GetCommit())
	}
	hs.Commit = new(applied - 2)
	if err := lg.SetHardState(hs); err != nil {
		t.Fatal(err)
	}
	db.Close()
	c.start(v)
	c.run(20)
	c.agree()
	if n, _ := v.r.State().Nonce(key("client0").Public()); n != 5 {
		t.Fatalf("client0's nonce %d on the restarted validator, want 5", n)
	}
}
