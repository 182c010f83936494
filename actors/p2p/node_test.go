package p2p_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
	"github.com/aquanet/aquanet/sigcache"
)

// Particles with a forged signature, expired, or from the future, sent over libp2p to a node,
// are each rejected and counted in its metrics by reason; a good one sent after them is served.
func TestNodeRejectsForgedAndExpiredParticlesOverTheWire(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	bob, alice := actortest.Identity(t, "bob"), actortest.Identity(t, "alice")
	metrics := prometheus.NewRegistry()
	tr, node := startNode(t, bob.Key, metrics)
	got := make(chan string, 4)
	if err := node.Spawn(ctx, "inbox", service.HandlerFunc(func(c service.CallContext, _ string, args []value.Value) (value.Value, error) {
		got <- c.ParticleID
		return value.Null(), nil
	})); err != nil {
		t.Fatal(err)
	}

	client, err := p2p.New(p2p.Config{Key: alice.Key})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	addr := tr.Addrs()[0].String()
	if err := client.Bootstrap(ctx, []string{addr}); err != nil {
		t.Fatal(err)
	}
	script := `(call "` + bob.PeerID + `" ("inbox" "put") [])`
	now := uint64(time.Now().UnixMilli())
	good := actortest.Particle(t, alice, particle.Particle{ID: "good", Timestamp: now, TTL: 60_000, MaxHops: 4, Script: script})
	forged := good
	forged.ID = "forged" // the signature no longer matches
	expired := actortest.Particle(t, alice, particle.Particle{ID: "expired", Timestamp: now - 120_000, TTL: 60_000, MaxHops: 4, Script: script})
	future := actortest.Particle(t, alice, particle.Particle{ID: "future", Timestamp: now + 3_600_000, TTL: 60_000, MaxHops: 4, Script: script})
	for _, p := range []particle.Particle{forged, expired, future, good} {
		if err := client.Send(bob.PeerID, p); err != nil {
			t.Fatal(err)
		}
	}
	// The node stays responsive: the good particle, sent last, is served.
	select {
	case id := <-got:
		if id != "good" {
			t.Fatalf("served %s", id)
		}
	case <-ctx.Done():
		t.Fatal("the good particle was not served")
	}
	for reason, want := range map[string]float64{"bad_signature": 1, "expired": 1, "from_future": 1} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			if n := counter(t, metrics, "aquanet_router_rejected_total", "reason", reason); n == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("rejected{reason=%s} = %v, want %v", reason, counter(t, metrics, "aquanet_router_rejected_total", "reason", reason), want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if n := counter(t, metrics, "aquanet_p2p_received_total"); n != 4 {
		t.Errorf("the transport took in %v particles, want 4", n)
	}
	// The node verified the good particle's signature as it arrived, and remembers it.
	if hits := sigcache.Default.Hits(); good.Verify() != nil || sigcache.Default.Hits() != hits+1 {
		t.Error("the signature of the particle served was not remembered")
	}
}

// counter reads the counter name (with the label, if one is given) from g; 0 if it is not there.
func counter(t *testing.T, g prometheus.Gatherer, name string, label ...string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if len(label) == 0 {
				return m.GetCounter().GetValue()
			}
			for _, l := range m.GetLabel() {
				if l.GetName() == label[0] && l.GetValue() == label[1] {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
