package p2p_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/trust"
)

// A node whose TrustGraph trusts one peer (a root of its config issued that peer a
// certificate) keeps that peer when it has too many connections, and closes the others.
func TestANodeKeepsItsTrustedPeerWhenOverConnected(t *testing.T) {
	root, hubID := actortest.Identity(t, "root"), actortest.Identity(t, "hub")
	var peers []*p2p.Transport
	for i := range 5 {
		p, err := p2p.New(p2p.Config{Key: actortest.Identity(t, fmt.Sprintf("peer%d", i)).Key})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		peers = append(peers, p)
	}
	trusted := peers[3]
	k, err := trust.KeyOfPeer(trusted.ID())
	if err != nil {
		t.Fatal(err)
	}
	now := uint64(time.Now().Unix())
	cert := trust.IssueRoot(trust.Signer(ed25519.PrivateKey(root.Key)), k, now+3600, now-60)

	var node atomic.Pointer[actors.Node]
	hub, err := p2p.New(p2p.Config{Key: hubID.Key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, ConnLow: 1, ConnHigh: 2, ConnGrace: time.Millisecond,
		Weight: func(id peer.ID) uint32 {
			if n := node.Load(); n != nil {
				return n.Trust().Weight(id.String())
			}
			return 0
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	n, err := actors.NewNode(actors.Env{Key: hubID.Key, Transport: hub.Join,
		Trust: actors.TrustEnv{Roots: map[string]int{root.PeerID: 3}, Certificates: []string{cert.String()}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	defer n.Stop(context.Background())
	node.Store(n)
	if w := n.Trust().Weight(trusted.ID().String()); w != 4 {
		t.Fatalf("the trusted peer weighs %d, want 4", w)
	}

	info := peer.AddrInfo{ID: hub.ID(), Addrs: hub.Addrs()}
	for i, p := range peers {
		if err := p.Host().Connect(context.Background(), info); err != nil {
			t.Fatalf("peer %d: %v", i, err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(hub.Host().Network().Peers()) != len(peers) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond) // past the grace period
	hub.Host().ConnManager().TrimOpenConns(context.Background())
	for len(hub.Host().Network().Peers()) > 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := hub.Host().Network().Peers(); len(got) != 1 || got[0] != trusted.ID() {
		t.Fatalf("after trimming the node keeps %v, want only the trusted peer %s", got, trusted.ID())
	}
}
