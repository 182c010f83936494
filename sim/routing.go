package sim

import (
	"errors"
	"fmt"
	"time"

	kb "github.com/libp2p/go-libp2p-kbucket"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/core"
)

// The simulated network routes for the DHT (core.Routing), so that the DHT service and its
// builtins run in the simulator as on real nodes. Where it differs from a node's kad-dht:
//   - its routing is an oracle: every node's table holds every other node, and a lookup answers
//     at once with the closest of them all (a real lookup walks ~log2(N) peers first, with
//     their own faults);
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

// LocalClosest orders every other node by its distance to key.
func (t *netTransport) LocalClosest(key []byte, count int) []string {
	ids := make([]peer.ID, 0, len(t.n.peers))
	names := make(map[peer.ID]string, len(t.n.peers))
	for p := range t.n.peers {
		if p == t.from {
			continue
		}
		id, err := peer.Decode(p)
		if err != nil {
			id = peer.ID(p)
		}
		ids = append(ids, id)
		names[id] = p
	}
	sorted := kb.SortClosestPeers(ids, kb.ConvertKey(string(key))) // a total order: map order cannot leak
	out := make([]string, 0, min(count, len(sorted)))
	for _, id := range sorted[:min(count, len(sorted))] {
		out = append(out, names[id])
	}
	return out
}

// Lookup answers at once with LocalClosest (see above).
func (t *netTransport) Lookup(key []byte, count int, done func([]string, error)) {
	done(t.LocalClosest(key, count), nil)
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
	if n.isCut(from, to) {
		n.log.add(n.clock.Now(), "cut "+desc)
		return
	}
	if n.rnd.Float64() < n.faults.Loss {
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
			n.log.add(n.clock.Now(), "cut in flight "+desc)
			return
		}
		n.log.add(n.clock.Now(), "deliver "+desc)
		deliver()
	})
}
