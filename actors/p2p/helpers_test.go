package p2p_test

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/actors/router"
)

// startNode starts a node with key on a libp2p transport listening on loopback TCP, with its
// metrics in reg (if any); both stop when the test ends.
func startNode(t testing.TB, key ed25519.PrivateKey, reg *prometheus.Registry) (*p2p.Transport, *actors.Node) {
	t.Helper()
	// BenchmarkHop sends b.N particles of one initiator, each kept until its deadline, and
	// from one peer faster than the default 2,000 a second: no bound on particles per
	// initiator here, and no rate limit of one peer's particles (a particle over it is
	// dropped, and the benchmark would wait for it in vain).
	cfg := p2p.Config{Key: key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, Rate: 1e9, Burst: 1 << 30}
	env := actors.Env{Key: key, Bounds: router.Bounds{MaxParticlesPerInit: 1 << 30, MaxParticles: 1 << 30}}
	if reg != nil {
		cfg.Metrics, env.Metrics = reg, reg
	}
	tr, err := p2p.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env.Transport = tr.Join
	n, err := actors.NewNode(env)
	if err != nil {
		tr.Close()
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		tr.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n.Stop(ctx) //nolint:errcheck // the test is over
		tr.Close()
	})
	return tr, n
}
