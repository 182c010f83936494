package p2p_test

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
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
// first, whose routing tables have settled. Each trusts owner as a root, and has its
// certificate to provider: the provider has weight at every node.
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
	d := &dhtNodes{owner: trust.Signer(ed25519.NewKeyFromSeed(make([]byte, 32))), provider: trust.Signer(ed25519.PrivateKey(actortest.Identity(tb, "provider").Key))}
	now := uint64(time.Now().Unix())
	trusted := actors.TrustEnv{Roots: map[string]int{d.owner.Public().String(): 2},
		Certificates: []string{trust.IssueRoot(d.owner, d.provider.Public(), now+3600, now-10).String()}}
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
		node, err := actors.NewNode(actors.Env{Key: id.Key, Transport: tr.Join, Metrics: reg, Trust: trusted})
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
// node is found from every node; a forged solution, a record signed by someone else and an
// expired record are refused by the storing peers, each counted by reason; a flood of 1,000
// weightless providers stays in the reserve and evicts no trusted provider (flood).
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
	}{{forged, "bad-solution"}, {r.Encode(), "bad-signature"}, {d.record(t, d.provider, d.owner, ch, now-700), "expired"}} {
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
	d.flood(t, now)
}

// flood writes a record of the trusted provider under a signed challenge, then 1,000 of
// providers of no weight, each with the owner's signature (a valid solution), through every
// node at once: the storing peers keep the trusted provider first and the flood inside the
// reserve, and a read from any node finds the trusted provider first.
func (d *dhtNodes) flood(t *testing.T, now uint64) {
	ch := kademlia.SignedChallenge(d.owner.Public(), []byte("flooded room"))
	signed := func(p trust.Signer) []byte {
		return kademlia.SignRecord(p, kademlia.Record{Key: ch.Key(), IssuedAt: now, ExpiresAt: now + 600, Challenge: ch,
			Solution: kademlia.SignProvider(d.owner, ch.Key(), p.Public()), Addrs: []multiaddr.Multiaddr{multiaddr.StringCast("/ip4/127.0.0.1/tcp/1")}}).Encode()
	}
	if st := wait(t, func(done func(dhtsvc.Stored, error)) { d.nodes[0].DHT().Provide(signed(d.provider), done) }); st.OK < 2 {
		t.Fatalf("the trusted record was kept by %d peers of %d asked (%+v)", st.OK, st.Peers, st)
	}
	const n = 1000
	inFlight := make(chan struct{}, 2*len(d.nodes))
	errs := make(chan error, n)
	var refusedFull int
	var mu sync.Mutex
	for i := range n {
		seed := make([]byte, 32)
		binary.BigEndian.PutUint32(seed, uint32(i+1))
		rec := signed(trust.Signer(ed25519.NewKeyFromSeed(seed)))
		inFlight <- struct{}{}
		d.nodes[i%len(d.nodes)].DHT().Provide(rec, func(st dhtsvc.Stored, err error) {
			mu.Lock()
			refusedFull += st.Refused["list-full"]
			mu.Unlock()
			if err != nil && st.Refused["list-full"] == 0 { // a full reserve refusing it is the one failure expected
				err = fmt.Errorf("flood record %d: %w (%+v)", i, err, st)
			} else {
				err = nil
			}
			errs <- err
			<-inFlight
		})
	}
	for range n {
		select {
		case err := <-errs:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Minute):
			t.Fatal("the flood's writes were not all answered in a minute")
		}
	}
	t.Logf("the flood: %d refusals as list-full", refusedFull)
	get, _ := kademlia.Request{Op: kademlia.OpGet, Key: ch.Key()}.Encode()
	for i, node := range d.nodes {
		var a kademlia.Answer
		node.DHT().Handle("test", get, func(b []byte) { a, _ = kademlia.DecodeAnswer(b) })
		if len(a.Records) == 0 {
			continue // not among the key's closest peers
		}
		first, err := kademlia.DecodeRecord(a.Records[0])
		if err != nil || first.Provider != d.provider.Public() {
			t.Fatalf("node %d keeps %d records, the first not the trusted provider's (%v)", i, len(a.Records), err)
		}
		if len(a.Records) > 1+kademlia.DefaultReserve {
			t.Fatalf("node %d keeps %d records: the flood went past the reserve of %d", i, len(a.Records), kademlia.DefaultReserve)
		}
		rs := wait(t, func(done func([]kademlia.Record, error)) { node.DHT().Providers(ch.Key(), done) })
		if len(rs) == 0 || rs[0].Provider != d.provider.Public() {
			t.Fatalf("a read from node %d finds %d providers, the trusted one not first", i, len(rs))
		}
	}
	if refusedFull == 0 {
		t.Fatal("no storing peer refused a flood record as list-full: the reserve was never full")
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
