package actors

import (
	"context"
	"testing"
	"time"

	"github.com/aquanet/aquanet/actors/dhtsvc"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/kademlia"
)

// A node republishes the keys it provides on its own clock, every DHTEnv.RepublishEvery, each
// once it has lived half its life; a killed node's timer goes with it.
func TestNodeRepublishesItsKeys(t *testing.T) {
	clk := clock.NewManual(time.Unix(1_700_000_000, 0))
	id, err := scenario.NewIdentity("republisher")
	if err != nil {
		t.Fatal(err)
	}
	other, err := scenario.NewIdentity("keeper")
	if err != nil {
		t.Fatal(err)
	}
	hub := network.NewHub() // the record is kept at another node too: a lone node's would be due every time
	n := startNode(t, Env{Key: id.Key, Clock: clk, Transport: hub.Join, DHT: DHTEnv{RepublishEvery: 30 * time.Second}})
	keeper := startNode(t, Env{Key: other.Key, Clock: clk, Transport: hub.Join, DHT: DHTEnv{RepublishEvery: -1}})
	defer keeper.Kill()
	ch := kademlia.OpenChallenge([]byte("republished"))
	n.DHT().ProvideSelf(ch, nil, 100, nil, func(st dhtsvc.Stored, err error) {
		if err != nil || st.OK != 2 {
			t.Fatalf("provided: %+v, %v; want kept by both nodes", st, err)
		}
	})
	issued := func() uint64 {
		var at uint64
		n.DHT().Providers(ch.Key(), func(rs []kademlia.Record, err error) {
			if err != nil || len(rs) != 1 {
				t.Fatalf("providers: %d records, %v", len(rs), err)
			}
			at = rs[0].IssuedAt
		})
		return at
	}
	first := issued()
	clk.Advance(30 * time.Second) // a republishing, but the record is not half way
	if got := issued(); got != first {
		t.Fatalf("republished at 30 s of 100: issued at %d, was %d", got, first)
	}
	clk.Advance(30 * time.Second)
	if got := issued(); got != first+60 {
		t.Fatalf("at 60 s the record was issued at %d, want %d (republished)", got, first+60)
	}
	// Kill closes the store whatever the actors are doing, as a crash would, and is meant for
	// simulators, which run no actor while they kill a node. This node's actors run on their
	// own goroutines: its router, which reads the store as it starts, answers first.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := n.Stats(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.Kill(); err != nil {
		t.Fatal(err)
	}
	if p := clk.Pending(); p != 0 {
		t.Errorf("a killed node left %d timers on its clock", p)
	}
}
