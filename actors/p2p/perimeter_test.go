package p2p_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/client"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/ledger/replica"
	"github.com/aquanet/aquanet/trust"
)

// perimeterScript is the paper's messenger cut to its flow: the sender posts a message to the
// room's history on one peer, whose answer (the message's number) goes on to the room's
// delivery service on another; both services are under the chat application's perimeter. If
// forger is not the sender itself, the message the history gets is one a peer outside the
// perimeter made instead (evil.forge). A refused call is caught by the xor, which reports
// %last_error%'s message to the sender. Answers go back through the sender's relay, as Aqua
// compiles them.
const perimeterScript = `
(seq
  (seq
    (seq (call %init_peer_id% ("getDataSrv" "-relay-") [] -relay-)
         (call %init_peer_id% ("getDataSrv" "history") [] history))
    (seq (call %init_peer_id% ("getDataSrv" "delivery") [] delivery)
         (seq (call %init_peer_id% ("getDataSrv" "message") [] message)
              (call %init_peer_id% ("getDataSrv" "forger") [] forger))))
  (xor
    (seq
      (xor
        (match forger %init_peer_id% (ap message $text))
        (seq (call forger ("evil" "forge") [message] forged)
             (seq (call -relay- ("op" "noop") []) (ap forged $text))))
      (seq
        (canon %init_peer_id% $text #text)
        (seq
          (call history ("history" "add") [%init_peer_id% #text.$.[0]] n)
          (seq
            (call delivery ("chat" "message") [%init_peer_id% n])
            (seq (call -relay- ("op" "noop") [])
                 (call %init_peer_id% ("callbackSrv" "response") [n]))))))
    (seq (ap %last_error%.$.message why)
         (seq (call -relay- ("op" "noop") [])
              (call %init_peer_id% ("callbackSrv" "denied") [why])))))
`

// servedCall is a call a perimeter service ran.
type servedCall struct {
	service, init string
	args          []value.Value
	tetraplets    [][]data.Tetraplet
}

// Real nodes on loopback keep a ledger; the chat application's developer sets its perimeter
// there (the history on one validator, the delivery on another, both policy perimeter) and
// certifies alice and carol. alice is served; bob, with no certificate, is refused
// (not-member); a peer outside the perimeter that puts a forged value into the particle's data
// gets it refused (foreign-argument); carol is served until the developer's revocation of her
// certificate is committed, and refused after (revoked). Each refusal reaches the script's xor
// with its reason, and is counted on the refusing node. No perimeter service ever ran a call
// with an argument from outside.
func TestMessengerUnderPerimeter(t *testing.T) {
	developer := trust.Signer(ed25519.NewKeyFromSeed(make([]byte, 32)))
	now := uint64(time.Now().Unix())
	g := ledger.Genesis{ChainID: "perimeter-test", Time: now - 10}
	var ids []string
	var nodes []*actors.Node
	var regs []*prometheus.Registry
	var addrs []string
	var relayTr *p2p.Transport
	for i := range 4 { // three validators; the fourth is the outsider
		id := actortest.Identity(t, fmt.Sprint("perimeter node ", i))
		ids = append(ids, id.PeerID)
		if i < 3 {
			g.Validators = append(g.Validators, ledger.Validator{Key: trust.Signer(id.Key).Public(), Power: 1})
		}
	}
	for i := range 4 {
		id := actortest.Identity(t, fmt.Sprint("perimeter node ", i))
		tr, err := p2p.New(p2p.Config{Key: id.Key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tr.Close() })
		reg := prometheus.NewRegistry()
		node, err := actors.NewNode(actors.Env{Key: id.Key, Transport: tr.Join, Metrics: reg, Ledger: actors.LedgerEnv{Genesis: &g}})
		if err != nil {
			t.Fatal(err)
		}
		if err := node.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { node.Stop(context.Background()) })
		addrs = append(addrs, tr.Addrs()[0].String()+"/p2p/"+tr.ID().String())
		if i > 0 {
			if err := tr.StartBootstrap(addrs[:1]); err != nil {
				t.Fatal(err)
			}
		} else {
			relayTr = tr
		}
		nodes, regs = append(nodes, node), append(regs, reg)
	}
	relay, history, delivery, outsider := 0, 1, 2, 3
	// The others dial the relay in the background: the relay reaches them only once they have
	// (it knows no address of theirs before), which on a busy machine may take a while.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		all := true
		for _, id := range ids[1:] {
			all = all && relayTr.Connected(id)
		}
		if all {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the nodes did not connect to the relay")
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var mu sync.Mutex
	var served []servedCall
	record := func(svc string) service.Handler {
		n := 0
		return service.HandlerFunc(func(cc service.CallContext, fn string, args []value.Value) (value.Value, error) {
			mu.Lock()
			defer mu.Unlock()
			served = append(served, servedCall{service: svc + "." + fn, init: cc.InitPeerID, args: args, tetraplets: cc.Tetraplets})
			n++
			return value.Int(int64(n)), nil
		})
	}
	if err := nodes[history].Spawn(ctx, "history", record("history"), actors.InPerimeter("chat")); err != nil {
		t.Fatal(err)
	}
	if err := nodes[delivery].Spawn(ctx, "chat", record("chat"), actors.InPerimeter("chat")); err != nil {
		t.Fatal(err)
	}
	if err := nodes[outsider].Spawn(ctx, "evil", service.HandlerFunc(func(_ service.CallContext, _ string, args []value.Value) (value.Value, error) {
		return value.String("forged: " + args[0].String()), nil
	})); err != nil {
		t.Fatal(err)
	}

	// Before the perimeter is on the ledger, the services serve nobody.
	alice := actortest.Identity(t, "alice")
	aliceCert := trust.IssueRoot(developer, trust.Signer(alice.Key).Public(), now+3600, now-10)
	ca, err := client.Dial(ctx, addrs[relay], client.WithKey(alice.Key), client.WithCertificate(aliceCert))
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	send := func(c *client.Client, forger string) (string, []value.Value) {
		t.Helper()
		args := map[string]value.Value{"-relay-": value.String(ids[relay]), "history": value.String(ids[history]), "delivery": value.String(ids[delivery]),
			"message": value.String("hello"), "forger": value.String(forger)}
		res, err := c.Run(ctx, perimeterScript, args, client.WithTTL(30*time.Second))
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		for _, e := range res.Events {
			if e.Service == "callbackSrv" {
				return e.Function, e.Args
			}
		}
		t.Fatalf("no answer from the script: %+v", res.Events)
		return "", nil
	}
	if fn, args := send(ca, ca.PeerID()); fn != "denied" || !strings.Contains(args[0].String(), "no-perimeter") {
		t.Fatalf("before the perimeter: %s %v; want denied, no-perimeter", fn, args)
	}

	submit := func(tx ledger.Tx) {
		t.Helper()
		for {
			st, _ := nodes[relay].Ledger().Status()
			if st.Leader != "" {
				break
			}
			if ctx.Err() != nil {
				t.Fatal("no ledger leader")
			}
			time.Sleep(20 * time.Millisecond)
		}
		a := wait(t, func(done func(replica.Applied, error)) { nodes[relay].Ledger().Submit(tx, done) })
		if a.Reason != "" {
			t.Fatalf("%s: %s", a.Reason, a.Message)
		}
		// Applied at the leader; the others apply the block at their next messages.
		for _, n := range nodes {
			want, _ := nodes[relay].Ledger().Status()
			for {
				if st, _ := n.Ledger().Status(); st.Height >= want.Height {
					break
				}
				if ctx.Err() != nil {
					t.Fatal("a node did not catch up with the ledger")
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	submit(ledger.SignTx(developer, g.ChainID, ledger.Tx{Nonce: 0, Body: &ledger.SetPerimeter{AppID: "chat", Developer: developer.Public(),
		Services: []ledger.PerimeterService{
			{ServiceRef: ledger.ServiceRef{Peer: ids[history], Service: "history"}, Policy: ledger.PolicyPerimeter},
			{ServiceRef: ledger.ServiceRef{Peer: ids[delivery], Service: "chat"}, Policy: ledger.PolicyPerimeter},
		},
		Peers: []string{ids[history], ids[delivery]}}}))

	// A member is served, end to end: the history's answer reaches the delivery.
	if fn, args := send(ca, ca.PeerID()); fn != "response" || args[0].String() != "1" {
		t.Fatalf("alice: %s %v; want response 1", fn, args)
	}

	// A peer outside the perimeter forges the message: the history refuses it.
	fn, args := send(ca, ids[outsider])
	if fn != "denied" || !strings.Contains(args[0].String(), "foreign-argument") || !strings.Contains(args[0].String(), "argument 1") ||
		!strings.Contains(args[0].String(), ids[outsider]) {
		t.Fatalf("forged: %s %v; want denied, foreign-argument naming argument 1 and the outsider", fn, args)
	}

	// A stranger with no certificate is refused.
	bob := actortest.Identity(t, "bob")
	cb, err := client.Dial(ctx, addrs[relay], client.WithKey(bob.Key))
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	if fn, args := send(cb, cb.PeerID()); fn != "denied" || !strings.Contains(args[0].String(), "not-member") {
		t.Fatalf("bob: %s %v; want denied, not-member", fn, args)
	}

	// carol is served until her certificate's revocation is committed.
	carol := actortest.Identity(t, "carol")
	carolKey := trust.Signer(carol.Key).Public()
	cc, err := client.Dial(ctx, addrs[relay], client.WithKey(carol.Key),
		client.WithCertificate(trust.IssueRoot(developer, carolKey, now+3600, now-10)))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	if fn, args := send(cc, cc.PeerID()); fn != "response" {
		t.Fatalf("carol before the revocation: %s %v; want response", fn, args)
	}
	submit(ledger.SignTx(developer, g.ChainID, ledger.Tx{Nonce: 1, Body: &ledger.PublishRevocation{
		Revocation: trust.IssueRevocation(developer, carolKey, uint64(time.Now().Unix()))}}))
	if fn, args := send(cc, cc.PeerID()); fn != "denied" || !strings.Contains(args[0].String(), "revoked") {
		t.Fatalf("carol after the revocation: %s %v; want denied, revoked", fn, args)
	}
	if fn, args := send(ca, ca.PeerID()); fn != "response" {
		t.Fatalf("alice after carol's revocation: %s %v; want response", fn, args)
	}

	// Counted where they were refused: the history's node refused them all.
	for reason, want := range map[string]float64{"no-perimeter": 1, "foreign-argument": 1, "not-member": 1, "revoked": 1} {
		if got := counter(t, regs[history], "aquanet_perimeter_denials_total", "reason", reason); got != want {
			t.Errorf("history's node counted %v denials for %s, want %v", got, reason, want)
		}
	}
	// No perimeter service ran a call with an argument from outside; the delivery got the
	// history's numbers.
	mu.Lock()
	defer mu.Unlock()
	inside := map[string]bool{ids[history]: true, ids[delivery]: true}
	for _, c := range served {
		for i, ts := range c.tetraplets {
			for _, tet := range ts {
				if !inside[tet.PeerPK] && tet.PeerPK != c.init {
					t.Errorf("%s ran with argument %d from %+v, outside the perimeter", c.service, i, tet)
				}
			}
		}
	}
	if n := len(served); n != 6 { // alice twice and carol once, at the history and the delivery
		t.Errorf("the perimeter services ran %d calls, want 6: %+v", n, served)
	}
}
