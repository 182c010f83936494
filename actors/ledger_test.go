package actors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mr-tron/base58"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/ledgersvc"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/ledger/replica"
	"github.com/aquanet/aquanet/particle"
	"github.com/aquanet/aquanet/trust"
)

// Three validators on a hub elect a leader on their clocks; a client's transfer submitted
// through one of them (the ledger builtin, from a particle) comes back applied, and a
// linearizable read at another sees it; a node that is no validator says so.
func TestLedgerOnThreeValidators(t *testing.T) {
	clk := clock.NewManual(time.Unix(1_700_000_000, 0))
	hub := network.NewHub()
	var ids []scenario.Identity
	g := ledger.Genesis{ChainID: "actors-test", Time: 1_700_000_000, Balances: map[trust.PublicKey]uint64{}}
	for i := range 3 {
		id, err := scenario.NewIdentity(fmt.Sprint("validator ", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		g.Validators = append(g.Validators, ledger.Validator{Key: trust.Signer(id.Key).Public(), Power: 1})
	}
	alice, err := scenario.NewIdentity("alice")
	if err != nil {
		t.Fatal(err)
	}
	g.Balances[trust.Signer(alice.Key).Public()] = 100
	var nodes []*Node
	for _, id := range ids {
		n := startNode(t, Env{Key: id.Key, Clock: clk, Transport: hub.Join, Ledger: LedgerEnv{Genesis: &g}})
		defer n.Kill()
		nodes = append(nodes, n)
	}
	other, err := scenario.NewIdentity("not a validator")
	if err != nil {
		t.Fatal(err)
	}
	outsider := startNode(t, Env{Key: other.Key, Clock: clk, Transport: hub.Join})
	defer outsider.Kill()

	tick := func() { clk.Advance(100 * time.Millisecond) }
	for range 100 {
		if st, _ := nodes[0].Ledger().Status(); st.Leader != "" {
			break
		}
		tick()
	}
	if st, _ := nodes[0].Ledger().Status(); st.Leader == "" {
		t.Fatal("no leader after 10 s")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got := make(chan string, 4)
	if err := nodes[1].Spawn(ctx, "callback", service.HandlerFunc(func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
		got <- fn + " " + args[0].String()
		return value.Null(), nil
	})); err != nil {
		t.Fatal(err)
	}
	bob := trust.Signer(ids[2].Key).Public()
	tx := ledger.SignTx(trust.Signer(alice.Key), g.ChainID, ledger.Tx{Body: &ledger.Transfer{To: bob, Amount: 30}})
	enc, err := ledger.EncodeTx(tx)
	if err != nil {
		t.Fatal(err)
	}
	run := func(at *Node, id, script string) {
		p := actortest.Particle(t, ids[1], particle.Particle{ID: id, Timestamp: uint64(clk.Now().UnixMilli()), TTL: 60_000, MaxHops: 8, Script: script})
		at.Deliver(at.PeerID(), p)
	}
	run(nodes[1], "submit", fmt.Sprintf(`(xor (seq (call %%init_peer_id%% ("ledger" "submit") ["%s"] r) (call %%init_peer_id%% ("callback" "submitted") [r.$.applied]))
 (call %%init_peer_id%% ("callback" "failed") [%%last_error%%.$.message]))`, base58.Encode(enc)))
	wait := func(want string) {
		t.Helper()
		for range 200 {
			select {
			case s := <-got:
				if s != want {
					t.Fatalf("callback %s, want %s", s, want)
				}
				return
			default:
				tick()
				time.Sleep(time.Millisecond)
			}
		}
		t.Fatalf("no callback %s", want)
	}
	wait("submitted true")
	run(nodes[1], "read", fmt.Sprintf(`(xor (seq (call "%s" ("ledger" "balance") ["%s" true] b) (call %%init_peer_id%% ("callback" "balance") [b.$.balance]))
 (call %%init_peer_id%% ("callback" "failed") [%%last_error%%.$.message]))`, nodes[2].PeerID(), bob))
	wait("balance 30")
	run(nodes[1], "outsider", fmt.Sprintf(`(xor (call "%s" ("ledger" "height") [] h)
 (call %%init_peer_id%% ("callback" "failed") [%%last_error%%.$.message]))`, outsider.PeerID()))
	for range 200 {
		select {
		case s := <-got:
			if !strings.Contains(s, "keeps no ledger") {
				t.Fatalf("the outsider's ledger: %s", s)
			}
			return
		default:
			tick()
			time.Sleep(time.Millisecond)
		}
	}
	t.Fatal("no answer from the outsider")
}

// A revocation committed in the ledger reaches the TrustGraph of every validator and of a node
// that follows the ledger: the revoked peer, trusted through a root's certificate, weighs
// nothing on each of them once it is applied. The follower's copy reaches the validators'
// height and app hash; it refuses transactions and linearizable reads.
func TestLedgerRevocationReachesTheTrustGraph(t *testing.T) {
	clk := clock.NewManual(time.Unix(1_700_000_000, 0))
	hub := network.NewHub()
	root, bob := trust.Signer(mustIdentity(t, "root").Key), mustIdentity(t, "bob")
	cert := trust.IssueRoot(root, trust.Signer(bob.Key).Public(), 1_800_000_000, 1_699_999_000)
	g := ledger.Genesis{ChainID: "revocations", Time: 1_700_000_000}
	var ids []scenario.Identity
	for i := range 3 {
		id := mustIdentity(t, fmt.Sprint("validator ", i))
		ids = append(ids, id)
		g.Validators = append(g.Validators, ledger.Validator{Key: trust.Signer(id.Key).Public(), Power: 1})
	}
	var nodes []*Node
	for _, id := range ids {
		n := startNode(t, Env{Key: id.Key, Clock: clk, Transport: hub.Join, Ledger: LedgerEnv{Genesis: &g},
			Trust: TrustEnv{Roots: map[string]int{root.Public().String(): 2}, Certificates: []string{cert.String()}}})
		defer n.Kill()
		nodes = append(nodes, n)
	}
	follower := startNode(t, Env{Key: mustIdentity(t, "follower").Key, Clock: clk, Transport: hub.Join, Ledger: LedgerEnv{Genesis: &g},
		Trust: TrustEnv{Roots: map[string]int{root.Public().String(): 2}, Certificates: []string{cert.String()}}})
	defer follower.Kill()
	nodes = append(nodes, follower) // last
	for i, n := range nodes {
		if w := n.Trust().Weight(bob.PeerID); w == 0 {
			t.Fatalf("validator %d: bob weighs nothing before the revocation", i)
		}
	}
	rev := trust.IssueRevocation(root, trust.Signer(bob.Key).Public(), uint64(clk.Now().Unix()))
	tx := ledger.SignTx(root, g.ChainID, ledger.Tx{Body: &ledger.PublishRevocation{Revocation: rev}})
	applied := make(chan error, 1)
	submitted := false
	for range 300 {
		if st, _ := nodes[1].Ledger().Status(); st.Leader != "" && !submitted {
			submitted = true
			nodes[1].Ledger().Submit(tx, func(a replica.Applied, err error) {
				if err == nil && a.Reason != "" {
					err = fmt.Errorf("%s: %s", a.Reason, a.Message)
				}
				applied <- err
			})
		}
		select {
		case err := <-applied:
			if err != nil {
				t.Fatal(err)
			}
			for range 30 { // the other validators apply the block at their next messages, the follower at its next poll
				clk.Advance(100 * time.Millisecond)
				time.Sleep(time.Millisecond)
			}
			for i, n := range nodes {
				if w := n.Trust().Weight(bob.PeerID); w != 0 {
					t.Errorf("node %d: bob weighs %d after the ledger committed his revocation", i, w)
				}
			}
			want, _ := nodes[0].Ledger().Status()
			got, err := follower.Ledger().Status()
			if err != nil || !got.Follower || got.Height != want.Height || got.AppHash != want.AppHash || want.Height == 0 {
				t.Errorf("the follower's status %+v (%v), a validator's %+v", got, err, want)
			}
			follower.Ledger().Submit(tx, func(_ replica.Applied, err error) {
				if !errors.Is(err, ledgersvc.ErrFollower) {
					t.Errorf("a follower took a transaction: %v", err)
				}
			})
			follower.Ledger().Read(true, func(_ *ledger.State, err error) {
				if !errors.Is(err, ledgersvc.ErrFollower) {
					t.Errorf("a follower made a linearizable read: %v", err)
				}
			})
			return
		default:
			clk.Advance(100 * time.Millisecond)
			time.Sleep(time.Millisecond)
		}
	}
	t.Fatal("the revocation was not applied in 30 s")
}

func mustIdentity(t *testing.T, name string) scenario.Identity {
	t.Helper()
	id, err := scenario.NewIdentity(name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
