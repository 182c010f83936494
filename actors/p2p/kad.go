package p2p

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	dht "github.com/libp2p/go-libp2p-kad-dht"
	kb "github.com/libp2p/go-libp2p-kbucket"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/host/eventbus"

	"github.com/aquanet/aquanet/core"
)

// The transport takes part in a Kademlia DHT (go-libp2p-kad-dht, in server mode, on
// /aquanet/kad/1.0.0) and so is a core.Routing: kad-dht keeps the routing table and runs the
// lookups; the DHT's records travel on a protocol of aquanet's own, RoutingProtocol, one
// request and one answer per stream, each a frame as particles are (frame.go). kad-dht's own
// values and provider records are disabled: what a record is and who may write it is the DHT
// service's (package kademlia), not libp2p's.
//
// # Trust in the routing table
//
// The paper asks that peers of higher TrustGraph weight be less likely to be evicted. kad-dht
// evicts nobody for a newcomer once its table has settled (peers are "irreplaceable" a minute
// after the second refresh); it refuses the newcomer when its bucket is full. With
// Config.Weight set, the transport bends that rule twice:
//
//   - a peer of weight > 0 that completes identify and speaks the DHT protocol gets a place: if
//     its bucket is full, the bucket's peer of the lowest weight is removed for it, provided
//     that weight is lower than the newcomer's; among equals the oldest in the table goes
//     (then the lowest id, so that the choice is a function of the table). The weighted peer
//     is added irreplaceable, so that kad-dht does not swap it out for a stranger while its
//     table is still filling up (preferWeighted);
//   - a weightless peer that completes identify is refused (kad-dht's RoutingTableFilter)
//     when its bucket already holds a bucket's worth of peers, so that it does not take the
//     place of a replaceable one.
//
// NB: kad-dht adds the peers that answer its queries without asking the filter, replaceable
// while its table is filling up, and those may take the place of a replaceable peer; and a
// weighted peer that kad-dht itself added in that phase stays replaceable until the table
// freezes (a minute after the second refresh): kbucket gives no way to change the flag of a
// peer in place. So the preference is certain once the table has settled, and likely before.
// kad-dht still removes a weighted peer that stops answering: trust is no excuse for being
// unreachable. Weights are read when a peer completes identify; PreferTrustedPeers reads them
// again for every connected peer.

// RoutingProtocol is the libp2p protocol the DHT's record requests travel on
// (core.Routing.Request): one frame of at most core.MaxRoutingMessage bytes each way.
const RoutingProtocol = protocol.ID("/aquanet/dht/1.0.0")

// KadProtocolPrefix is the prefix of the Kademlia protocol kad-dht speaks:
// /aquanet/kad/1.0.0. It keeps aquanet's DHT apart from IPFS's.
const KadProtocolPrefix = protocol.ID("/aquanet")

// Defaults of the DHT's Config fields.
const (
	DefaultLookupTimeout      = 10 * time.Second
	DefaultRequestTimeout     = 10 * time.Second
	DefaultRoutingRate        = 50
	DefaultRoutingBurst       = 100
	DefaultMaxRoutingRequests = 64
)

// ErrNoDHT is the error of a Lookup on a transport that runs no DHT (a client, or NoDHT).
var ErrNoDHT = errors.New("p2p: this transport runs no DHT")

// ErrRequestTimeout is the error of a Request whose answer did not arrive within
// Config.RequestTimeout; test with errors.Is.
var ErrRequestTimeout = errors.New("no answer in time")

// Drop reasons of the DHT's record requests (aquanet_p2p_dropped_total's label).
var routingDropReasons = []string{
	"routing_oversize",     // a request that declared more than core.MaxRoutingMessage bytes
	"routing_rate_limited", // over the peer's RoutingRate
	"routing_busy",         // MaxRoutingRequests already being handled
	"routing_read_error",   // a broken stream, or no memory for the frame
	"routing_unanswered",   // the handler gave no answer (nil, too long, or none in time)
}

// routing is the transport's part in the DHT.
type routing struct {
	handler atomic.Pointer[core.RoutingHandler] // Config.RoutingHandler, or ServeRouting's
	dht     *dht.IpfsDHT                        // nil: no DHT
	sub     event.Subscription                  // identify events, for preferWeighted; nil without Weight
	slots   chan struct{}                       // one per request being handled, MaxRoutingRequests in all

	mu      sync.Mutex
	buckets map[peer.ID]*bucket // by peer: RoutingRate and RoutingBurst
}

// ServeRouting answers other peers' DHT record requests with h from now on (core.RoutingServer);
// the node calls it once its DHT service is ready. Before, RoutingProtocol is not served.
func (t *Transport) ServeRouting(h core.RoutingHandler) {
	if t.routing.handler.Swap(&h) == nil {
		t.host.SetStreamHandler(RoutingProtocol, t.serveRouting)
	}
}

var _ core.RoutingServer = (*Transport)(nil)

// startRouting starts the DHT (if the transport listens and cfg allows it) and serves
// RoutingProtocol (if there is a handler). It is called once, from New.
func (t *Transport) startRouting() error {
	cfg := t.cfg
	r := &t.routing
	r.buckets = map[peer.ID]*bucket{}
	r.slots = make(chan struct{}, cfg.MaxRoutingRequests)
	for _, reason := range routingDropReasons {
		t.metrics.dropped.WithLabelValues(reason) // every reason shows, at 0, from the start
	}
	if cfg.RoutingHandler != nil {
		t.ServeRouting(cfg.RoutingHandler)
	}
	if cfg.NoDHT || len(cfg.Listen) == 0 {
		return nil
	}
	opts := []dht.Option{
		dht.ProtocolPrefix(KadProtocolPrefix),
		// On loopback (tests) and behind NAT, ModeAuto would make the node a client that
		// answers nobody: a node that listens serves the DHT.
		dht.Mode(dht.ModeServer),
		dht.DisableValues(),
		dht.DisableProviders(),
	}
	if cfg.Weight != nil {
		opts = append(opts, dht.RoutingTableFilter(t.admitToTable))
	}
	d, err := dht.New(t.host, append(opts, cfg.kadOptions...)...)
	if err != nil {
		return fmt.Errorf("p2p: starting the DHT: %w", err)
	}
	r.dht = d
	if cfg.Weight == nil {
		return nil
	}
	// A roomy buffer, as kad-dht's own: a full one would hold up identify.
	r.sub, err = t.host.EventBus().Subscribe(new(event.EvtPeerIdentificationCompleted), eventbus.BufSize(256))
	if err != nil {
		d.Close()
		r.dht = nil
		return fmt.Errorf("p2p: subscribing to identify events: %w", err)
	}
	t.background(func() {
		for e := range r.sub.Out() {
			t.preferPeer(e.(event.EvtPeerIdentificationCompleted).Peer)
		}
	})
	return nil
}

// stopRouting stops the DHT and the identify subscription; Close calls it before closing the
// host.
func (t *Transport) stopRouting() error {
	r := &t.routing
	if r.sub != nil {
		r.sub.Close() // ends the loop of startRouting
	}
	if r.dht == nil {
		return nil
	}
	return r.dht.Close()
}

// DHT returns the transport's kad-dht, nil if it runs none.
func (t *Transport) DHT() *dht.IpfsDHT { return t.routing.dht }

var _ core.Routing = (*Transport)(nil)

// LocalClosest returns at most count peers of the DHT's routing table, closest to key first:
// sorted by the XOR of SHA-256(key) and SHA-256 of each peer id's bytes (kbucket's ConvertKey
// and ConvertPeerID), as kademlia.Neighborhood sorts. Without a DHT it returns nil.
func (t *Transport) LocalClosest(key []byte, count int) []string {
	if t.routing.dht == nil || count <= 0 {
		return nil
	}
	peers := t.routing.dht.RoutingTable().ListPeers()
	return closestIDs(peers, key, count, t.host.ID())
}

// closestIDs sorts peers by distance to key and returns the first count, self left out.
func closestIDs(peers []peer.ID, key []byte, count int, self peer.ID) []string {
	out := make([]string, 0, min(count, len(peers)))
	for _, p := range kb.SortClosestPeers(peers, kb.ConvertKey(string(key))) {
		if len(out) == count {
			break
		}
		if p != self && (len(out) == 0 || out[len(out)-1] != p.String()) {
			out = append(out, p.String())
		}
	}
	return out
}

// Lookup runs a Kademlia lookup of key (kad-dht's GetClosestPeers) on a goroutine of its own,
// within Config.LookupTimeout or until Close, and calls done with at most count of the peers
// found, closest first (never this one). An empty key, a transport with no DHT and a lookup
// that ends early are errors (and no peers).
func (t *Transport) Lookup(key []byte, count int, done func(peers []string, err error)) {
	d := t.routing.dht
	if d == nil {
		go done(nil, ErrNoDHT)
		return
	}
	k := string(key) // a copy: the caller may reuse key
	t.run(func() {
		ctx, cancel := context.WithTimeout(t.ctx, t.cfg.LookupTimeout)
		defer cancel()
		peers, err := d.GetClosestPeers(ctx, k)
		if err != nil {
			done(nil, fmt.Errorf("p2p: DHT lookup: %w", err))
			return
		}
		done(closestIDs(peers, []byte(k), max(count, 0), t.host.ID()), nil)
	}, func() { done(nil, errClosed) })
}

var errClosed = errors.New("p2p: transport closed")

// run runs f on a goroutine that Close waits for, or closed on a bare one if the transport is
// closed: after Close, no goroutine may join the wait group.
func (t *Transport) run(f, closed func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		go closed()
		return
	}
	t.background(f)
}

// Request opens a stream to peer on RoutingProtocol, writes msg as one frame and reads one
// answer frame, on a goroutine of its own, and calls done once with the answer or the error.
// Opening the stream (and the connection, if need be) takes at most Config.DialTimeout; the
// rest, writing and waiting for the answer, Config.RequestTimeout (its end is an error
// wrapping ErrRequestTimeout). A msg or an answer over core.MaxRoutingMessage is an error,
// msg's before anything is sent, the answer's before its body is read. msg may be reused once
// Request returns.
func (t *Transport) Request(to string, msg []byte, done func(answer []byte, err error)) {
	msg = bytes.Clone(msg)
	t.run(func() { done(t.request(to, msg)) }, func() { done(nil, errClosed) })
}

func (t *Transport) request(to string, msg []byte) ([]byte, error) {
	id, err := peer.Decode(to)
	switch {
	case err != nil:
		return nil, fmt.Errorf("p2p: DHT request to %q: %w", to, err)
	case id == t.host.ID():
		return nil, fmt.Errorf("p2p: DHT request to %s: that is this node", to)
	case len(msg) > core.MaxRoutingMessage:
		return nil, fmt.Errorf("p2p: DHT request to %s: %w: %d bytes, limit %d", to, ErrFrameTooLarge, len(msg), core.MaxRoutingMessage)
	}
	ctx, cancel := context.WithTimeout(t.ctx, t.cfg.DialTimeout)
	s, err := t.host.NewStream(ctx, id, RoutingProtocol)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("p2p: DHT request to %s: opening a stream: %w", to, err)
	}
	s.SetDeadline(t.cfg.Clock.Now().Add(t.cfg.RequestTimeout))
	answer, err := t.exchange(s, msg)
	if err != nil {
		s.Reset()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			err = fmt.Errorf("%w within %s (%w)", ErrRequestTimeout, t.cfg.RequestTimeout, err)
		}
		return nil, fmt.Errorf("p2p: DHT request to %s: %w", to, err)
	}
	s.Close()
	return answer, nil
}

// exchange writes msg's frame to s, closes s for writing and reads the answer's frame.
func (t *Transport) exchange(s network.Stream, msg []byte) ([]byte, error) {
	if _, err := s.Write(appendFrame(nil, msg)); err != nil {
		return nil, fmt.Errorf("writing the request: %w", err)
	}
	if err := s.CloseWrite(); err != nil {
		return nil, fmt.Errorf("writing the request: %w", err)
	}
	mem := streamMemory{scope: s.Scope(), inFlight: &t.inFlight}
	answer, err := readFrame(bufio.NewReaderSize(s, readBufferSize), core.MaxRoutingMessage, mem)
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	mem.release(cap(answer)) // the answer now belongs to the caller, outside the accounting
	return answer, nil
}

// serveRouting answers one request on RoutingProtocol (libp2p runs it on the stream's own
// goroutine): within the peer's rate and the node's count of requests being handled, it reads
// one frame (refused, the stream reset, if it declares more than core.MaxRoutingMessage), asks
// Config.RoutingHandler and writes its answer; all within Config.RequestTimeout. Every refusal
// resets the stream and is counted.
func (t *Transport) serveRouting(s network.Stream) {
	from := s.Conn().RemotePeer()
	drop := func(reason string, err error) {
		t.metrics.dropped.WithLabelValues(reason).Inc() // first: a reset stream has been counted
		s.Reset()
		t.cfg.Logger.Debug("DHT request dropped", "from", from.String(), "reason", reason, "error", err)
	}
	if !t.allowRouting(from) {
		drop("routing_rate_limited", nil)
		return
	}
	select {
	case t.routing.slots <- struct{}{}:
		defer func() { <-t.routing.slots }()
	default:
		drop("routing_busy", nil)
		return
	}
	s.SetDeadline(t.cfg.Clock.Now().Add(t.cfg.RequestTimeout))
	br := bufio.NewReaderSize(s, readBufferSize)
	n, err := readLength(br, core.MaxRoutingMessage)
	if errors.Is(err, ErrFrameTooLarge) {
		drop("routing_oversize", err)
		return
	}
	mem := streamMemory{scope: s.Scope(), inFlight: &t.inFlight}
	var msg []byte
	if err == nil {
		msg, err = readBody(br, n, mem)
	}
	if err != nil {
		drop("routing_read_error", err)
		return
	}
	answer := t.handle(from, msg)
	mem.release(cap(msg))
	if answer == nil {
		drop("routing_unanswered", nil)
		return
	}
	if _, err := s.Write(appendFrame(nil, answer)); err != nil {
		s.Reset()
		t.cfg.Logger.Debug("DHT answer not written", "to", from.String(), "error", err)
		return
	}
	s.Close()
}

// handle asks the handler and waits for its answer, at most until the stream's deadline or
// Close; nil is no answer (none, none in time, or one over core.MaxRoutingMessage).
func (t *Transport) handle(from peer.ID, msg []byte) []byte {
	answered := make(chan []byte, 1)
	var once sync.Once
	(*t.routing.handler.Load())(from.String(), msg, func(a []byte) {
		once.Do(func() { answered <- a })
	})
	timer := t.cfg.Clock.AfterFunc(t.cfg.RequestTimeout, func() {
		once.Do(func() { answered <- nil })
	})
	defer timer.Stop()
	select {
	case a := <-answered:
		if len(a) > core.MaxRoutingMessage {
			t.cfg.Logger.Warn("DHT answer over the limit: not sent", "to", from.String(), "bytes", len(a), "limit", core.MaxRoutingMessage)
			return nil
		}
		return a
	case <-t.ctx.Done():
		return nil
	}
}

// allowRouting takes a token from the peer's bucket of DHT requests, if there is one.
func (t *Transport) allowRouting(id peer.ID) bool {
	r := &t.routing
	now := t.cfg.Clock.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	return takeToken(r.buckets, id, now, t.cfg.RoutingRate, t.cfg.RoutingBurst)
}

// takeToken takes a token from the peer's bucket in buckets (made full if it has none; when
// there are maxBuckets, the full ones are dropped first, as pruneBuckets does), if there is
// one. The caller holds the lock that guards buckets.
func takeToken(buckets map[peer.ID]*bucket, id peer.ID, now time.Time, rate float64, burst int) bool {
	b := buckets[id]
	if b == nil {
		if len(buckets) >= maxBuckets {
			for id, b := range buckets {
				if b.tokens+now.Sub(b.last).Seconds()*rate >= float64(burst) {
					delete(buckets, id)
				}
			}
		}
		b = &bucket{tokens: float64(burst), last: now}
		buckets[id] = b
	}
	return b.take(now, rate, burst)
}

// admitToTable is kad-dht's RoutingTableFilter when weights are known: a peer of weight > 0 is
// always welcome, as is one already in the table (NB: kad-dht removes from its table a peer
// the filter refuses when identify reports on it again); a weightless one only if its bucket
// has room. kad-dht asks it of the peers that complete identify, not of those a query meets.
func (t *Transport) admitToTable(d any, p peer.ID) bool {
	kad := d.(*dht.IpfsDHT)
	rt := kad.RoutingTable()
	if t.cfg.Weight(p) > 0 || rt.Find(p) == p {
		return true
	}
	cpl := kb.CommonPrefixLen(kb.ConvertPeerID(t.host.ID()), kb.ConvertPeerID(p))
	return rt.NPeersForCpl(uint(cpl)) < kad.BucketSize()
}

// kadProtocol is the Kademlia protocol kad-dht speaks with KadProtocolPrefix.
const kadProtocol = KadProtocolPrefix + "/kad/1.0.0"

// preferPeer gives a weighted peer that completed identify and speaks the DHT protocol a place
// in the routing table (preferWeighted).
func (t *Transport) preferPeer(p peer.ID) {
	if t.cfg.Weight(p) == 0 {
		return
	}
	if protos, err := t.host.Peerstore().SupportsProtocols(p, kadProtocol); err != nil || len(protos) == 0 {
		return
	}
	rt := t.routing.dht.RoutingTable()
	if evicted, added := preferWeighted(rt, kb.ConvertPeerID(t.host.ID()), p, t.cfg.Weight); added && evicted != "" {
		t.cfg.Logger.Debug("routing table: a lighter peer made room for a trusted one", "added", p.String(), "evicted", evicted.String())
	}
}

// PreferTrustedPeers applies the routing table's preference for weighted peers (see the
// package's notes on trust) to every connected peer: call it when weights change, as
// RetagPeers is.
func (t *Transport) PreferTrustedPeers() {
	if t.routing.dht == nil || t.cfg.Weight == nil {
		return
	}
	for _, p := range t.host.Network().Peers() {
		t.preferPeer(p)
	}
}

// preferWeighted adds p, if its weight is above 0, to rt (whose local key is local) as an
// irreplaceable peer; if its bucket is full, it first removes the bucket's peer of the lowest
// weight (lighter), provided that weight is below p's. It returns the peer removed, if any,
// and whether p was added (false also when p was there already).
func preferWeighted(rt *kb.RoutingTable, local kb.ID, p peer.ID, weight func(peer.ID) uint32) (evicted peer.ID, added bool) {
	w := weight(p)
	if w == 0 {
		return "", false
	}
	// Another peer may take the place freed before p does (kad-dht adds peers as it meets
	// them): try again a few times, each removing one more lighter peer at most.
	for range 3 {
		added, err := rt.TryAddPeer(p, false, false)
		if !errors.Is(err, kb.ErrPeerRejectedNoCapacity) {
			return evicted, added
		}
		// A full bucket that refuses is never the last one (kbucket splits the last one until
		// it has room), so it holds exactly the peers with p's common prefix length.
		cpl := kb.CommonPrefixLen(local, kb.ConvertPeerID(p))
		var same []kb.PeerInfo
		for _, info := range rt.GetPeerInfos() {
			if kb.CommonPrefixLen(local, kb.ConvertPeerID(info.Id)) == cpl {
				same = append(same, info)
			}
		}
		victim, vw, ok := lighter(same, weight)
		if !ok || vw >= w {
			return evicted, false
		}
		rt.RemovePeer(victim)
		evicted = victim
	}
	return evicted, false
}

// lighter returns the peer of infos to evict first: the lowest weight, then the oldest in the
// table, then the lowest id.
func lighter(infos []kb.PeerInfo, weight func(peer.ID) uint32) (peer.ID, uint32, bool) {
	if len(infos) == 0 {
		return "", 0, false
	}
	type cand struct {
		info kb.PeerInfo
		w    uint32
	}
	cands := make([]cand, len(infos))
	for i, info := range infos {
		cands[i] = cand{info, weight(info.Id)}
	}
	c := slices.MinFunc(cands, func(a, b cand) int {
		return cmp.Or(cmp.Compare(a.w, b.w), a.info.AddedAt.Compare(b.info.AddedAt), cmp.Compare(a.info.Id, b.info.Id))
	})
	return c.info.Id, c.w, true
}
