package p2p

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/actors/internal/actortest"
)

// Over its connection limit, a node closes the connections of the lowest TrustGraph weight
// first and keeps its trusted peers: six peers connect to a node that keeps two; the two that
// weigh most stay, whatever order they came in.
func TestOverConnectedNodeDropsTheLowestWeightFirst(t *testing.T) {
	weights := map[peer.ID]uint32{}
	hub, err := New(Config{Key: actortest.Identity(t, "hub").Key, Listen: []string{"/ip4/127.0.0.1/tcp/0"},
		ConnLow: 2, ConnHigh: 3, ConnGrace: time.Millisecond,
		Weight: func(id peer.ID) uint32 { return weights[id] }})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	ws := []uint32{0, 8, 1, 1024, 0, 2} // 1024: a peer the node trusts; 8 the next
	var peers []*Transport
	for i, w := range ws {
		p, err := New(Config{Key: actortest.Identity(t, fmt.Sprintf("peer%d", i)).Key})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		weights[p.host.ID()] = w
		peers = append(peers, p)
	}
	info := peer.AddrInfo{ID: hub.host.ID(), Addrs: hub.host.Addrs()}
	for i, p := range peers {
		if err := p.host.Connect(context.Background(), info); err != nil {
			t.Fatalf("peer %d: %v", i, err)
		}
	}
	eventually(t, "six peers connected", func() bool { return len(hub.host.Network().Peers()) == 6 })
	time.Sleep(10 * time.Millisecond) // past the grace period
	hub.host.ConnManager().TrimOpenConns(context.Background())
	eventually(t, "trimmed to two", func() bool { return len(hub.host.Network().Peers()) == 2 })
	for i, p := range peers {
		connected := hub.Connected(p.host.ID().String())
		if want := ws[i] >= 8; connected != want {
			t.Errorf("peer %d (weight %d): connected %v, want %v", i, ws[i], connected, want)
		}
	}
}
