package sim

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/kademlia"
)

// The simulated network routes for the DHT (core.Routing), so that the DHT service and its
// builtins run in the simulator as on real nodes, on Kademlia of its own rather than kad-dht
// (whose goroutines and timers the simulator cannot drive). Where it differs from a node's:
//   - each node's routing table (kademlia.RoutingTable, 20 a bucket) is offered every other
//     node once, at the first lookup, in an order drawn from the two peers' ids: tables do not
//     learn from traffic, nor forget crashed peers;
//   - a lookup (kademlia.Lookup, alpha 3) asks the other nodes' tables directly; a node that
//     is down, or cut off from the asker, does not answer; the answer comes after a round trip
//     of the network's mean delay per round (NetStats.Lookups and LookupHops count them);
//   - record requests and their answers travel as messages on the simulated network, with its
//     delays, losses, duplicates (the second answer is dropped), partitions, clogs and crashes;
//     a request whose answer does not come within requestTimeout of virtual time fails.

// requestTimeout is how long, on the virtual clock, a record request waits for its answer.
const requestTimeout = 10 * time.Second

var errRequestTimeout = errors.New("no answer in time on the simulated network")

var (
	_ core.Routing       = (*netTransport)(nil)
	_ core.RoutingServer = (*netTransport)(nil)
)

// ServeRouting makes this node answer the DHT record requests sent to it.
func (t *netTransport) ServeRouting(h core.RoutingHandler) {
	if t.n.routing == nil {
		t.n.routing = map[string]core.RoutingHandler{}
	}
	t.n.routing[t.from] = h
}

// table is this node's routing table, the tables made at the first call.
func (t *netTransport) table() *kademlia.RoutingTable {
	n := t.n
	if n.tables == nil || len(n.tables) != len(n.peers) {
		names := make([]string, 0, len(n.peers))
		for p := range n.peers {
			names = append(names, p)
		}
		slices.Sort(names)
		n.tables = map[string]*kademlia.RoutingTable{}
		for _, self := range names {
			rt := kademlia.NewRoutingTable(self, 20)
			type offer struct {
				name string
				rank [32]byte
			}
			order := make([]offer, len(names)) // an order of self's own, drawn from the ids
			for i, p := range names {
				order[i] = offer{p, sha256.Sum256([]byte(self + p))}
			}
			slices.SortFunc(order, func(a, b offer) int { return bytes.Compare(a.rank[:], b.rank[:]) })
			for _, o := range order {
				rt.Add(o.name)
			}
			n.tables[self] = rt
		}
	}
	return n.tables[t.from]
}

// LocalClosest answers from this node's routing table.
func (t *netTransport) LocalClosest(key []byte, count int) []string {
	return t.table().Closest(key, count)
}

// Lookup runs Kademlia's lookup over the nodes' tables and answers after its rounds' time.
func (t *netTransport) Lookup(key []byte, count int, done func([]string, error)) {
	n := t.n
	start := t.table().Closest(key, 20)
	closest, hops := kademlia.Lookup(key, start, count, 3, func(p string) []string {
		if n.down[p] || n.isCut(t.from, p) || n.isCut(p, t.from) {
			return nil
		}
		return n.tables[p].Closest(key, 20)
	})
	n.stats.Lookups++
	n.stats.LookupHops += uint64(hops)
	n.stats.LookupMaxHops = max(n.stats.LookupMaxHops, hops)
	n.log.add(n.clock.Now(), fmt.Sprintf("lookup by %s: %d rounds, %d peers", n.names[t.from], hops, len(closest)))
	n.clock.AfterFunc(time.Duration(hops)*(n.faults.MinDelay+n.faults.MaxDelay), func() { done(closest, nil) })
}

// Request carries msg to the peer and its answer back as two messages on the simulated network.
func (t *netTransport) Request(to string, msg []byte, done func([]byte, error)) {
	n := t.n
	answered := false
	finish := func(b []byte, err error) {
		if !answered {
			answered = true
			done(b, err)
		}
	}
	timer := n.clock.AfterFunc(requestTimeout, func() { finish(nil, fmt.Errorf("%s: %w", to, errRequestTimeout)) })
	msg = append([]byte(nil), msg...)
	n.message(t.from, to, "dht request", func() {
		h := n.routing[to]
		if h == nil {
			return // a node that serves no DHT: the request times out
		}
		h(t.from, msg, func(a []byte) {
			a = append([]byte(nil), a...)
			n.message(to, t.from, "dht answer", func() {
				timer.Stop()
				finish(a, nil)
			})
		})
	})
}

// message delivers something other than a particle from one node to another, with the
// network's faults, by calling deliver on arrival (at most once: a duplicate is dropped).
func (n *Net) message(from, to, what string, deliver func()) {
	if _, ok := n.peers[to]; !ok {
		return
	}
	desc := fmt.Sprintf("%s %s->%s", what, n.names[from], n.names[to])
	n.stats.Sent++
	if n.isCut(from, to) {
		n.stats.Cut++
		n.log.add(n.clock.Now(), "cut "+desc)
		return
	}
	if n.rnd.Float64() < n.faults.Loss {
		n.stats.Lost++
		n.log.add(n.clock.Now(), "lose "+desc)
		return
	}
	delay := n.faults.MinDelay
	if span := n.faults.MaxDelay - n.faults.MinDelay; span > 0 {
		delay += time.Duration(n.rnd.Int64N(int64(span) + 1))
	}
	n.log.add(n.clock.Now(), "send "+desc)
	n.clock.AfterFunc(delay, func() {
		if n.isCut(from, to) {
			n.stats.Cut++
			n.log.add(n.clock.Now(), "cut in flight "+desc)
			return
		}
		n.stats.Delivered++
		n.log.add(n.clock.Now(), "deliver "+desc)
		deliver()
	})
}
