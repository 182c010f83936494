package p2p

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dht "github.com/libp2p/go-libp2p-kad-dht"
	kb "github.com/libp2p/go-libp2p-kbucket"
	"github.com/libp2p/go-libp2p/core/peer"
	pstore "github.com/libp2p/go-libp2p/p2p/host/peerstore"
	"github.com/mr-tron/base58"
	mh "github.com/multiformats/go-multihash"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/kademlia"
)

// testPeers returns n made-up peer ids (SHA-256 multihashes, as a peer id may be) whose
// kbucket keys share exactly cpl leading bits with local's, always the same ones.
func testPeers(local kb.ID, cpl, n int) []peer.ID {
	var out []peer.ID
	for i := 0; len(out) < n; i++ {
		h, err := mh.Sum(fmt.Appendf(nil, "peer-%d", i), mh.SHA2_256, -1)
		if err != nil {
			panic(err)
		}
		id := peer.ID(h)
		if kb.CommonPrefixLen(local, kb.ConvertPeerID(id)) == cpl {
			out = append(out, id)
		}
	}
	return out
}

// In a full bucket, a weighted newcomer takes the place of the bucket's lightest peer, if that
// one is lighter; a weightless one, or one no heavier than the lightest, gets nothing; peers of
// other buckets are never touched.
func TestPreferWeightedEvictsTheLightest(t *testing.T) {
	local := kb.ConvertPeerID("local")
	rt, err := kb.NewRoutingTable(2, local, time.Hour, pstore.NewMetrics(), time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	near := testPeers(local, 0, 5)
	a, b, c, d, e := near[0], near[1], near[2], near[3], near[4]
	g := testPeers(local, 1, 1)[0] // another bucket: weightless, and the oldest of all
	weights := map[peer.ID]uint32{a: 0, b: 1, c: 0, d: 5, e: 1, g: 0}
	weight := func(p peer.ID) uint32 { return weights[p] }
	for _, p := range []peer.ID{g, a, b} {
		if added, err := rt.TryAddPeer(p, false, false); !added || err != nil {
			t.Fatalf("adding %s: %v %v", p, added, err)
		}
	}
	if _, err := rt.TryAddPeer(c, false, false); !errors.Is(err, kb.ErrPeerRejectedNoCapacity) {
		t.Fatalf("the bucket of a and b takes a third peer (err %v): the test needs it full", err)
	}
	steps := []struct {
		name    string
		p       peer.ID
		evicted peer.ID
		added   bool
		table   []peer.ID
	}{
		{"weightless c", c, "", false, []peer.ID{g, a, b}},
		{"d (5) evicts a (0), not g of another bucket", d, a, true, []peer.ID{g, b, d}},
		{"e (1) is no heavier than b (1)", e, "", false, []peer.ID{g, b, d}},
		{"d again: already there", d, "", false, []peer.ID{g, b, d}},
	}
	for _, s := range steps {
		evicted, added := preferWeighted(rt, local, s.p, weight)
		got := rt.ListPeers()
		slices.Sort(got)
		want := slices.Sorted(slices.Values(s.table))
		if evicted != s.evicted || added != s.added || !slices.Equal(got, want) {
			t.Errorf("%s: evicted %q, added %v, table %v; want %q, %v, %v", s.name, evicted, added, got, s.evicted, s.added, want)
		}
	}
	weights[e] = 3 // e's weight rises over b's
	if evicted, added := preferWeighted(rt, local, e, weight); evicted != b || !added {
		t.Errorf("e (3) against b (1) and d (5): evicted %q, added %v; want b evicted, e added", evicted, added)
	}
}

// The lightest peer is the one of the lowest weight, then the oldest, then the lowest id.
func TestLighterOrder(t *testing.T) {
	t0 := time.Unix(1000, 0)
	infos := []kb.PeerInfo{
		{Id: "x", AddedAt: t0.Add(2 * time.Second)},
		{Id: "w", AddedAt: t0.Add(1 * time.Second)},
		{Id: "v", AddedAt: t0.Add(1 * time.Second)},
		{Id: "u", AddedAt: t0},
	}
	weights := map[peer.ID]uint32{"u": 4, "v": 2, "w": 2, "x": 2}
	weight := func(p peer.ID) uint32 { return weights[p] }
	if p, w, ok := lighter(infos, weight); p != "v" || w != 2 || !ok {
		t.Errorf("lighter = %q (%d); want v: weight 2, oldest of those, lowest id of the oldest", p, w)
	}
	weights["x"] = 1
	if p, _, _ := lighter(infos, weight); p != "x" {
		t.Errorf("lighter = %q; want x, the lightest though the youngest", p)
	}
	if _, _, ok := lighter(nil, weight); ok {
		t.Error("lighter of no peers found one")
	}
}

// On a real DHT whose bucket 0 is full of weightless peers, a trusted peer that connects and
// completes identify takes the place of one of them; a weightless one does not get in, until
// it gets a weight and PreferTrustedPeers runs.
func TestTrustedPeerGetsIntoAFullBucket(t *testing.T) {
	weights := map[string]uint32{}
	var mu sync.Mutex
	a := newPeer(t, "kad-a", loopback[:1], func(c *Config) {
		c.Weight = func(p peer.ID) uint32 { mu.Lock(); defer mu.Unlock(); return weights[p.String()] }
		// No refresh: it would query the made-up peers below, fail, and remove them.
		c.kadOptions = []dht.Option{dht.DisableAutoRefresh()}
	})
	local := kb.ConvertPeerID(a.tr.ID())
	rt := a.tr.DHT().RoutingTable()
	fill := testPeers(local, 0, 20)
	for _, p := range fill[:20] {
		if ok, err := rt.TryAddPeer(p, false, false); !ok || err != nil {
			t.Fatalf("filling bucket 0: %v %v", ok, err)
		}
	}
	// Two real peers whose keys fall in bucket 0 of a's table.
	var near []*peerT
	for i := 0; len(near) < 2; i++ {
		id := actortest.Identity(t, fmt.Sprintf("near-%d", i))
		pid, _ := peer.Decode(id.PeerID)
		if kb.CommonPrefixLen(local, kb.ConvertPeerID(pid)) == 0 {
			near = append(near, newPeer(t, id.Name, loopback[:1], nil))
		}
	}
	trusted, stranger := near[0], near[1]
	mu.Lock()
	weights[trusted.id.PeerID] = 3
	mu.Unlock()
	for _, p := range near {
		if err := p.tr.Bootstrap(context.Background(), addrStrings(a.tr)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the trusted peer in a's table", func() bool { return rt.Find(trusted.tr.ID()) == trusted.tr.ID() })
	// The stranger completed identify too (a heard from it: it is in a's peerstore with the
	// DHT's protocol), and was refused.
	eventually(t, "a to know the stranger speaks the DHT", func() bool {
		protos, _ := a.tr.Host().Peerstore().SupportsProtocols(stranger.tr.ID(), kadProtocol)
		return len(protos) == 1
	})
	if rt.Find(stranger.tr.ID()) != "" {
		t.Error("a weightless stranger got into a full bucket")
	}
	left := 0
	for _, p := range fill[:20] {
		if rt.Find(p) == p {
			left++
		}
	}
	if left != 19 || rt.Size() != 20 {
		t.Errorf("%d of the 20 weightless peers left, table of %d; want 19 and 20", left, rt.Size())
	}

	// The stranger earns trust: once weights are read again, it takes a place too.
	mu.Lock()
	weights[stranger.id.PeerID] = 1
	mu.Unlock()
	a.tr.PreferTrustedPeers()
	if rt.Find(stranger.tr.ID()) != stranger.tr.ID() || rt.Find(trusted.tr.ID()) != trusted.tr.ID() || rt.Size() != 20 {
		t.Errorf("after PreferTrustedPeers: stranger in the table: %v, trusted: %v, size %d",
			rt.Find(stranger.tr.ID()) != "", rt.Find(trusted.tr.ID()) != "", rt.Size())
	}
}

// kadNet starts n transports on loopback TCP, all bootstrapped to the first, and waits until
// the first has every other in its routing table and each other has at least the first.
func kadNet(t *testing.T, n int, tweak func(*Config)) []*peerT {
	t.Helper()
	nodes := make([]*peerT, n)
	for i := range nodes {
		nodes[i] = newPeer(t, fmt.Sprintf("kad-%d", i), loopback[:1], tweak)
	}
	hub := addrStrings(nodes[0].tr)
	for _, nd := range nodes[1:] {
		if err := nd.tr.StartBootstrap(hub); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the DHT to settle", func() bool {
		if nodes[0].tr.DHT().RoutingTable().Size() != n-1 {
			return false
		}
		for _, nd := range nodes[1:] {
			if nd.tr.DHT().RoutingTable().Size() == 0 {
				return false
			}
		}
		return true
	})
	return nodes
}

// Twenty nodes in a star: from every node, a lookup of a random key finds the k peers closest
// to it, as a brute-force sort of all the ids finds them (without the node itself, which a
// lookup never returns); each routing table orders its peers as kademlia.Neighborhood does.
// Closed, the transports and their DHTs leave no goroutine behind.
func TestDHTLookupFindsTheClosest(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	const n, k = 20, 5
	// A minute per lookup: under -race on two busy cores one took more than the default 10 s.
	nodes := kadNet(t, n, func(c *Config) { c.LookupTimeout = time.Minute })
	ids := make([]peer.ID, n)
	for i, nd := range nodes {
		ids[i] = nd.tr.ID()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i, nd := range nodes {
		key := make([]byte, 16)
		for j := range key {
			key[j] = byte(rng.Uint32())
		}
		want := closestIDs(ids, key, k, nd.tr.ID())
		got, err := lookup(nd.tr, key, k)
		// The star's hub has every node in its table, and a lookup asks it: every lookup
		// learns of all the nodes, so the k closest must come back exactly.
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("node %d: Lookup = %v, %v; want %v", i, got, err, want)
		}

		// LocalClosest takes the pre-image as is; Neighborhood wraps base58-decoded bytes as a
		// SHA2-256 multihash first: give LocalClosest that multihash, and both must agree.
		raw := key[:]
		preimage := append([]byte{0x12, byte(len(raw))}, raw...)
		table := nd.tr.DHT().RoutingTable().ListPeers()
		wantLocal, err := kademlia.Neighborhood(base58.Encode(raw), false, table, n)
		if err != nil {
			t.Fatal(err)
		}
		gotLocal := nd.tr.LocalClosest(preimage, n)
		if !slices.Equal(gotLocal, peerStrings(wantLocal)) || len(gotLocal) != len(table) {
			t.Errorf("node %d: LocalClosest = %v; Neighborhood = %v", i, gotLocal, wantLocal)
		}
		if short := nd.tr.LocalClosest(preimage, 2); len(table) >= 2 && !slices.Equal(short, gotLocal[:2]) {
			t.Errorf("node %d: LocalClosest(2) = %v; want %v", i, short, gotLocal[:2])
		}
	}
	for _, nd := range nodes {
		if err := nd.tr.Close(); err != nil {
			t.Error(err)
		}
	}
	goleak.VerifyNone(t, opt)
}

// lookup runs Lookup and waits for its answer.
func lookup(tr *Transport, key []byte, count int) ([]string, error) {
	type result struct {
		peers []string
		err   error
	}
	ch := make(chan result, 1)
	tr.Lookup(key, count, func(peers []string, err error) { ch <- result{peers, err} })
	r := <-ch
	return r.peers, r.err
}

func peerStrings(ids []peer.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// request runs Request and waits for its answer.
func request(tr *Transport, to string, msg []byte) ([]byte, error) {
	type result struct {
		answer []byte
		err    error
	}
	ch := make(chan result, 1)
	tr.Request(to, msg, func(a []byte, err error) { ch <- result{a, err} })
	r := <-ch
	return r.answer, r.err
}

// routingPair starts a server answering DHT requests with handler and a client (a transport
// that listens nowhere, so runs no DHT) connected to it.
func routingPair(t *testing.T, handler core.RoutingHandler, tweak func(*Config)) (server, client *peerT) {
	t.Helper()
	server = newPeer(t, "dht-server", loopback[:1], func(c *Config) {
		c.RoutingHandler = handler
		if tweak != nil {
			tweak(c)
		}
	})
	client = newPeer(t, "dht-client", nil, func(c *Config) { c.RequestTimeout = 500 * time.Millisecond })
	if err := client.tr.Bootstrap(context.Background(), addrStrings(server.tr)); err != nil {
		t.Fatal(err)
	}
	return server, client
}

// A request reaches the handler with its sender, and the answer comes back; a request over
// the limit is refused before anything is sent. A client runs no DHT.
func TestRoutingRequestRoundTrip(t *testing.T) {
	server, client := routingPair(t, func(from string, msg []byte, answer func([]byte)) {
		go answer(append([]byte(from+" asked "), msg...))
	}, nil)
	got, err := request(client.tr, server.id.PeerID, []byte("find x"))
	if want := client.id.PeerID + " asked find x"; err != nil || string(got) != want {
		t.Fatalf("answer %q, %v; want %q", got, err, want)
	}
	big := make([]byte, core.MaxRoutingMessage+1)
	if _, err := request(client.tr, server.id.PeerID, big); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("an oversize request: %v; want ErrFrameTooLarge", err)
	}
	if _, err := request(client.tr, "not a peer", nil); err == nil {
		t.Error("a request to a malformed peer id succeeded")
	}
	if client.tr.DHT() != nil || client.tr.LocalClosest([]byte("k"), 3) != nil {
		t.Error("a client runs a DHT")
	}
	if _, err := lookup(client.tr, []byte("k"), 3); !errors.Is(err, ErrNoDHT) {
		t.Errorf("a client's lookup: %v; want ErrNoDHT", err)
	}
}

// A request that declares more than core.MaxRoutingMessage bytes resets its stream before
// its body is read: the handler never sees it, no memory is held, and it is counted.
func TestRoutingOversizeRequestRefused(t *testing.T) {
	var called atomic.Bool
	server, client := routingPair(t, func(string, []byte, func([]byte)) { called.Store(true) }, nil)
	s, err := client.tr.Host().NewStream(context.Background(), server.tr.ID(), RoutingProtocol)
	if err != nil {
		t.Fatal(err)
	}
	frame := binary.AppendUvarint(nil, core.MaxRoutingMessage+1)
	frame = append(frame, bytes.Repeat([]byte{'x'}, 1000)...)
	if _, err := s.Write(frame); err != nil {
		t.Fatal(err)
	}
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := s.Read(make([]byte, 1)); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("the stream answered (%d bytes, %v); want it reset", n, err)
	}
	if got := testutil.ToFloat64(server.tr.metrics.dropped.WithLabelValues("routing_oversize")); got != 1 {
		t.Errorf("routing_oversize counted %v; want 1", got)
	}
	if called.Load() || server.tr.inFlight.bytes.Load() != 0 {
		t.Errorf("handler called: %v; bytes in flight: %d", called.Load(), server.tr.inFlight.bytes.Load())
	}
}

// A handler that never answers: the requester's done gets one timeout error (the client's
// RequestTimeout, 500 ms, is the shorter), and the server counts the request unanswered once
// its own deadline passes.
func TestRoutingUnansweredRequestTimesOut(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	server, client := routingPair(t, func(string, []byte, func([]byte)) {}, func(c *Config) {
		c.RequestTimeout = time.Second
	})
	var calls atomic.Int32
	errs := make(chan error, 2)
	client.tr.Request(server.id.PeerID, []byte("hello?"), func(a []byte, err error) {
		calls.Add(1)
		errs <- err
	})
	if err := <-errs; !errors.Is(err, ErrRequestTimeout) {
		t.Errorf("done got %v; want ErrRequestTimeout", err)
	}
	eventually(t, "the server to give up", func() bool {
		return testutil.ToFloat64(server.tr.metrics.dropped.WithLabelValues("routing_unanswered")) == 1
	})
	client.tr.Close() // waits for the request's goroutine: no second call can come after
	server.tr.Close()
	if n := calls.Load(); n != 1 {
		t.Errorf("done called %d times", n)
	}
	goleak.VerifyNone(t, opt)
}

// Over MaxRoutingRequests being handled, a request is reset and counted; over a peer's burst,
// too.
func TestRoutingBusyAndRateLimited(t *testing.T) {
	release := make(chan struct{})
	var held sync.WaitGroup
	held.Add(1)
	var first atomic.Bool
	server, client := routingPair(t, func(_ string, msg []byte, answer func([]byte)) {
		if first.CompareAndSwap(false, true) {
			held.Done()
			go func() { <-release; answer(msg) }()
			return
		}
		answer(msg)
	}, func(c *Config) {
		c.MaxRoutingRequests = 1
		c.RoutingBurst, c.RoutingRate = 3, 1e-9
	})
	slow := make(chan error, 1)
	client.tr.Request(server.id.PeerID, []byte("slow"), func(_ []byte, err error) { slow <- err })
	held.Wait()
	if _, err := request(client.tr, server.id.PeerID, []byte("second")); err == nil {
		t.Error("a request over MaxRoutingRequests was answered")
	}
	if got := testutil.ToFloat64(server.tr.metrics.dropped.WithLabelValues("routing_busy")); got != 1 {
		t.Errorf("routing_busy counted %v; want 1", got)
	}
	close(release)
	if err := <-slow; err != nil {
		t.Errorf("the held request: %v", err)
	}
	// Its answer may arrive before the server's goroutine frees the slot.
	eventually(t, "the slot to be free", func() bool { return len(server.tr.routing.slots) == 0 })
	// Three tokens: the slow one, the busy one, then one more; the fourth is over the burst.
	if a, err := request(client.tr, server.id.PeerID, []byte("third")); err != nil || string(a) != "third" {
		t.Errorf("third request: %q, %v", a, err)
	}
	if _, err := request(client.tr, server.id.PeerID, []byte("fourth")); err == nil {
		t.Error("a request over the peer's burst was answered")
	}
	if got := testutil.ToFloat64(server.tr.metrics.dropped.WithLabelValues("routing_rate_limited")); got != 1 {
		t.Errorf("routing_rate_limited counted %v; want 1", got)
	}
}

// benchTransport starts a transport on loopback TCP (listen) or a client, closed when b ends.
func benchTransport(b *testing.B, name string, listen bool, tweak func(*Config)) *Transport {
	cfg := Config{Key: actortest.Identity(b, name).Key}
	if listen {
		cfg.Listen = loopback[:1]
	}
	if tweak != nil {
		tweak(&cfg)
	}
	tr, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Close() })
	return tr
}

// BenchmarkRoutingRequest: one DHT record request of 100 bytes and its answer of 1 KiB over
// loopback libp2p (TCP, Noise, Yamux), a new stream each, one at a time.
func BenchmarkRoutingRequest(b *testing.B) {
	answer := bytes.Repeat([]byte{'a'}, 1024)
	server := benchTransport(b, "bench-server", true, func(c *Config) {
		c.RoutingHandler = func(_ string, _ []byte, done func([]byte)) { done(answer) }
		c.RoutingRate, c.RoutingBurst = 1e9, 1e9
	})
	client := benchTransport(b, "bench-client", false, nil)
	if err := client.Bootstrap(context.Background(), addrStrings(server)); err != nil {
		b.Fatal(err)
	}
	msg := bytes.Repeat([]byte{'m'}, 100)
	for b.Loop() {
		if a, err := request(client, server.ID().String(), msg); err != nil || len(a) != len(answer) {
			b.Fatalf("answer of %d bytes, %v", len(a), err)
		}
	}
}

// BenchmarkDHTLookup: a Kademlia lookup among 20 nodes on loopback, bootstrapped in a star.
func BenchmarkDHTLookup(b *testing.B) {
	const n = 20
	nodes := make([]*Transport, n)
	for i := range nodes {
		nodes[i] = benchTransport(b, fmt.Sprintf("kad-%d", i), true, nil)
	}
	for _, nd := range nodes[1:] {
		if err := nd.StartBootstrap(addrStrings(nodes[0])); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for nodes[0].DHT().RoutingTable().Size() != n-1 {
		if time.Now().After(deadline) {
			b.Fatal("the DHT did not settle")
		}
		time.Sleep(10 * time.Millisecond)
	}
	key := make([]byte, 16)
	i := 0
	for b.Loop() {
		i++
		binary.BigEndian.PutUint64(key, uint64(i))
		if peers, err := lookup(nodes[i%n], key, 5); err != nil || len(peers) != 5 {
			b.Fatalf("lookup: %v, %v", peers, err)
		}
	}
}
