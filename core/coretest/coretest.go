// Package coretest is the conformance suite of core.Transport: every transport of aquanet (the
// in-memory Hub, libp2p, the simulator's network) runs it from its own tests, so that the node
// above them cannot tell them apart. It follows go-libp2p's transport suites: the implementation
// under test provides a Network (how to add a peer, how to let the network run), the suite
// asserts the behaviour.
package coretest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/particle"
)

// Network is a transport implementation under test.
type Network interface {
	// AddPeer joins a new peer, whose key is key, to the network with in as its inbox, and
	// returns its transport. After AddPeer returns, the peer can send to every peer added before
	// it, and they to it.
	AddPeer(t *testing.T, key ed25519.PrivateKey, in core.Inbox) core.Transport
	// Settle lets the network run until done reports true, failing the test if that does not
	// happen within a generous bound (real networks wait on the wall clock, a simulated one
	// runs its clock).
	Settle(t *testing.T, done func() bool)
}

// Run runs the suite; newNetwork returns a fresh, empty network for each test.
func Run(t *testing.T, newNetwork func(t *testing.T) Network) {
	t.Run("DeliversWithSender", func(t *testing.T) { testDelivers(t, newNetwork(t)) })
	t.Run("AllPairs", func(t *testing.T) { testAllPairs(t, newNetwork(t)) })
	t.Run("UnknownPeerFails", func(t *testing.T) { testUnknownPeer(t, newNetwork(t)) })
	t.Run("ReceiverOwnsItsCopy", func(t *testing.T) { testOwnCopy(t, newNetwork(t)) })
}

// peerUnderTest is one peer of a test: its identity, transport and what it received.
type peerUnderTest struct {
	id  string
	key ed25519.PrivateKey
	tr  core.Transport
	mu  sync.Mutex
	got []arrival
}

type arrival struct {
	from string
	p    particle.Particle
}

func (p *peerUnderTest) Deliver(from string, pt particle.Particle) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, arrival{from, pt})
}

func (p *peerUnderTest) received() []arrival {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]arrival(nil), p.got...)
}

// addPeer adds a peer whose key is derived from name.
func addPeer(t *testing.T, n Network, name string) *peerUnderTest {
	t.Helper()
	seed := sha256.Sum256([]byte("coretest " + name))
	key := ed25519.NewKeyFromSeed(seed[:])
	p := &peerUnderTest{id: peerID(t, key), key: key}
	p.tr = n.AddPeer(t, key, p)
	return p
}

func peerID(t *testing.T, key ed25519.PrivateKey) string {
	t.Helper()
	pub, err := crypto.UnmarshalEd25519PublicKey(key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

// signed returns a particle from p, signed, carrying data.
func signed(t *testing.T, from *peerUnderTest, id string, data []byte) particle.Particle {
	t.Helper()
	priv, err := crypto.UnmarshalEd25519PrivateKey(from.key)
	if err != nil {
		t.Fatal(err)
	}
	init, err := peer.Decode(from.id)
	if err != nil {
		t.Fatal(err)
	}
	p := particle.Particle{ID: id, InitPeerID: init, Timestamp: 1_700_000_000_000, TTL: 60_000, MaxHops: 8,
		Script: `(call %init_peer_id% ("op" "noop") [])`, Data: data}
	if err := p.Sign(priv); err != nil {
		t.Fatal(err)
	}
	return p
}

// sameParticle reports how got differs from want, or "".
func sameParticle(got, want particle.Particle) string {
	switch {
	case got.ID != want.ID || got.InitPeerID != want.InitPeerID || got.Timestamp != want.Timestamp || got.TTL != want.TTL:
		return fmt.Sprintf("header %s/%s/%d/%d, want %s/%s/%d/%d", got.ID, got.InitPeerID, got.Timestamp, got.TTL,
			want.ID, want.InitPeerID, want.Timestamp, want.TTL)
	case got.Script != want.Script:
		return "script differs"
	case !bytes.Equal(got.Signature, want.Signature):
		return "signature differs"
	case !bytes.Equal(got.Data, want.Data):
		return fmt.Sprintf("data %q, want %q", got.Data, want.Data)
	}
	return ""
}

// Every particle sent arrives once, intact, with the sender's peer id.
func testDelivers(t *testing.T, n Network) {
	a, b := addPeer(t, n, "a"), addPeer(t, n, "b")
	const count = 20
	var sent []particle.Particle
	for i := range count {
		p := signed(t, a, fmt.Sprint("p-", i), []byte(fmt.Sprintf("data of %d", i)))
		if err := a.tr.Send(b.id, p); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		sent = append(sent, p)
	}
	n.Settle(t, func() bool { return len(b.received()) >= count })
	got := b.received()
	if len(got) != count {
		t.Fatalf("%d particles arrived, want %d", len(got), count)
	}
	byID := map[string]arrival{}
	for _, g := range got {
		if _, dup := byID[g.p.ID]; dup {
			t.Fatalf("particle %s arrived twice", g.p.ID)
		}
		byID[g.p.ID] = g
	}
	for _, want := range sent {
		g, ok := byID[want.ID]
		if !ok {
			t.Fatalf("particle %s did not arrive", want.ID)
		}
		if g.from != a.id {
			t.Errorf("particle %s arrived from %q, want the sender %s", want.ID, g.from, a.id)
		}
		if d := sameParticle(g.p, want); d != "" {
			t.Errorf("particle %s: %s", want.ID, d)
		}
	}
	if len(a.received()) != 0 {
		t.Errorf("the sender received %d particles", len(a.received()))
	}
}

// Three peers each send to the two others; each receives one particle from each.
func testAllPairs(t *testing.T, n Network) {
	peers := []*peerUnderTest{addPeer(t, n, "x"), addPeer(t, n, "y"), addPeer(t, n, "z")}
	for i, from := range peers {
		for j, to := range peers {
			if i != j {
				if err := from.tr.Send(to.id, signed(t, from, fmt.Sprintf("%d->%d", i, j), nil)); err != nil {
					t.Fatalf("send %d->%d: %v", i, j, err)
				}
			}
		}
	}
	n.Settle(t, func() bool {
		for _, p := range peers {
			if len(p.received()) < 2 {
				return false
			}
		}
		return true
	})
	for j, to := range peers {
		got := to.received()
		if len(got) != 2 {
			t.Fatalf("peer %d received %d particles, want 2", j, len(got))
		}
		for _, g := range got {
			var i, k int
			if _, err := fmt.Sscanf(g.p.ID, "%d->%d", &i, &k); err != nil || k != j || g.from != peers[i].id {
				t.Errorf("peer %d received %s from %s", j, g.p.ID, g.from)
			}
		}
	}
}

// A send to a peer the network does not know fails at once, saying so; the transport goes on.
func testUnknownPeer(t *testing.T, n Network) {
	a, b := addPeer(t, n, "a"), addPeer(t, n, "b")
	seed := sha256.Sum256([]byte("coretest nobody"))
	nobody := peerID(t, ed25519.NewKeyFromSeed(seed[:]))
	if err := a.tr.Send(nobody, signed(t, a, "lost", nil)); err == nil {
		t.Fatal("a send to a peer nobody knows succeeded")
	}
	if err := a.tr.Send(b.id, signed(t, a, "after", nil)); err != nil {
		t.Fatalf("a send after the failed one: %v", err)
	}
	n.Settle(t, func() bool { return len(b.received()) >= 1 })
	if got := b.received(); len(got) != 1 || got[0].p.ID != "after" {
		t.Fatalf("received %v", got)
	}
}

// The sender may reuse its particle's data once Send returns: the receiver's copy is its own.
func testOwnCopy(t *testing.T, n Network) {
	a, b := addPeer(t, n, "a"), addPeer(t, n, "b")
	data := []byte("original")
	if err := a.tr.Send(b.id, signed(t, a, "p", data)); err != nil {
		t.Fatal(err)
	}
	copy(data, "mutated!")
	n.Settle(t, func() bool { return len(b.received()) >= 1 })
	if got := b.received(); len(got) != 1 || string(got[0].p.Data) != "original" {
		t.Fatalf("received %q, want the data as sent", got[0].p.Data)
	}
}
