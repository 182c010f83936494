package p2p_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/multiformats/go-multiaddr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/dhtsvc"
	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/kademlia"
	"github.com/aquanet/aquanet/trust"
)

// dhtNodes are real nodes on loopback, each its own libp2p host, all bootstrapped from the
// first, whose routing tables have settled.
type dhtNodes struct {
	nodes    []*actors.Node
	trs      []*p2p.Transport
	regs     []*prometheus.Registry
	ids      []string
	owner    trust.Signer
	provider trust.Signer
}

func startDHTNodes(tb testing.TB, n int) *dhtNodes {
	tb.Helper()
	d := &dhtNodes{}
	var first string
	for i := range n {
		id := actortest.Identity(tb, fmt.Sprint("dht node ", i))
		reg := prometheus.NewRegistry()
		// A minute per lookup: under -race on two busy cores one can take more than the default.
		tr, err := p2p.New(p2p.Config{Key: id.Key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, LookupTimeout: time.Minute})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { tr.Close() })
		node, err := actors.NewNode(actors.Env{Key: id.Key, Transport: tr.Join, Metrics: reg})
		if err != nil {
			tb.Fatal(err)
		}
		if err := node.Start(); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { node.Stop(context.Background()) })
		if i == 0 {
			first = tr.Addrs()[0].String() + "/p2p/" + tr.ID().String()
		} else if err := tr.StartBootstrap([]string{first}); err != nil {
			tb.Fatal(err)
		}
		d.nodes, d.regs, d.ids, d.trs = append(d.nodes, node), append(d.regs, reg), append(d.ids, id.PeerID), append(d.trs, tr)
	}
	// Settled: every node knows every other, or lookups already reach them.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ok := true
		for _, tr := range d.trs {
			if len(tr.LocalClosest([]byte("probe"), n)) < min(n-1, 3) {
				ok = false
			}
		}
		if ok {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.owner, d.provider = trust.Signer(ed25519.NewKeyFromSeed(make([]byte, 32))), trust.Signer(ed25519.PrivateKey(actortest.Identity(tb, "provider").Key))
	return d
}

func (d *dhtNodes) record(tb testing.TB, provider trust.Signer, certRoot trust.Signer, ch kademlia.Challenge, issued uint64) []byte {
	cert := trust.IssueRoot(certRoot, provider.Public(), issued+3600, issued-10)
	return kademlia.SignRecord(provider, kademlia.Record{Key: ch.Key(), IssuedAt: issued, ExpiresAt: issued + 600, Challenge: ch,
		Solution: cert.Encode(), Addrs: []multiaddr.Multiaddr{multiaddr.StringCast("/ip4/127.0.0.1/tcp/1")}}).Encode()
}

func wait[T any](tb testing.TB, f func(done func(T, error))) T {
	tb.Helper()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	f(func(v T, err error) { ch <- result{v, err} })
	select {
	case r := <-ch:
		if r.err != nil {
			tb.Fatal(r.err)
		}
		return r.v
	case <-time.After(30 * time.Second):
		tb.Fatal("no answer in 30 s")
	}
	panic("unreachable")
}

// Twenty real nodes on loopback: a provider registered under an owned challenge through one
// node is found from every node; a forged solution and a record signed by someone else are
// refused by the storing peers, each counted by reason.
func TestDHTOnTwentyNodes(t *testing.T) {
	d := startDHTNodes(t, 20)
	ch := kademlia.OwnedChallenge(d.owner.Public(), 2, []byte("chat room 7"))
	now := uint64(time.Now().Unix())
	st := wait(t, func(done func(dhtsvc.Stored, error)) {
		d.nodes[7].DHT().Provide(d.record(t, d.provider, d.owner, ch, now), func(s dhtsvc.Stored, err error) { done(s, err) })
	})
	t.Logf("the record: %+v", st)
	if st.OK < 2 {
		t.Fatalf("the record was kept by %d peers of %d asked (%+v)", st.OK, st.Peers, st)
	}
	for i, n := range d.nodes {
		rs := wait(t, func(done func([]kademlia.Record, error)) { n.DHT().Providers(ch.Key(), done) })
		if len(rs) != 1 || rs[0].Provider != d.provider.Public() {
			t.Fatalf("node %d finds %d providers, want the provider", i, len(rs))
		}
	}
	mallory := trust.Signer(ed25519.PrivateKey(actortest.Identity(t, "mallory").Key))
	forged := d.record(t, mallory, mallory, ch, now) // a certificate from himself, not the owner
	r, _ := kademlia.DecodeRecord(d.record(t, d.provider, d.owner, ch, now+1))
	r.Provider = mallory.Public() // the provider's record claimed by mallory
	for _, c := range []struct {
		rec    []byte
		reason string
	}{{forged, "bad-solution"}, {r.Encode(), "bad-signature"}} {
		// Sent over the wire straight to every other node, as a writer that skips its own
		// node's check would: each refuses it, with the reason.
		refusedBefore := d.refused(t, c.reason)
		req, _ := kademlia.Request{Op: kademlia.OpAdd, Record: c.rec}.Encode()
		for i, id := range d.ids {
			if i == 3 {
				continue
			}
			b := wait(t, func(done func([]byte, error)) { d.trs[3].Request(id, req, done) })
			a, err := kademlia.DecodeAnswer(b)
			if err != nil || a.Status != kademlia.StatusRefused || a.Reason != c.reason {
				t.Fatalf("node %d answers a %s record with %+v, %v", i, c.reason, a, err)
			}
		}
		if got := d.refused(t, c.reason); got != refusedBefore+float64(len(d.ids)-1) {
			t.Fatalf("%s refusals counted: %v, before %v", c.reason, got, refusedBefore)
		}
	}
	if rs := wait(t, func(done func([]kademlia.Record, error)) { d.nodes[0].DHT().Providers(ch.Key(), done) }); len(rs) != 1 {
		t.Fatalf("after the forgeries %d providers are listed", len(rs))
	}
}

// refused sums aquanet_dht_refused_total{reason} over the nodes.
func (d *dhtNodes) refused(t *testing.T, reason string) float64 {
	total := 0.0
	for _, reg := range d.regs {
		total += counter(t, reg, "aquanet_dht_refused_total", "reason", reason)
	}
	return total
}

// BenchmarkDHTResolve times Providers of one key from random nodes of twenty on loopback.
func BenchmarkDHTResolve(b *testing.B) {
	d := startDHTNodes(b, 20)
	ch := kademlia.OwnedChallenge(d.owner.Public(), 2, []byte("bench"))
	wait(b, func(done func(dhtsvc.Stored, error)) {
		d.nodes[0].DHT().Provide(d.record(b, d.provider, d.owner, ch, uint64(time.Now().Unix())), done)
	})
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		wait(b, func(done func([]kademlia.Record, error)) { d.nodes[i%20].DHT().Providers(ch.Key(), done) })
		ds = append(ds, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds()), "p99-µs")
}
