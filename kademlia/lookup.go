package kademlia

import (
	"bytes"
	"slices"

	kb "github.com/libp2p/go-libp2p-kbucket"
	"github.com/libp2p/go-libp2p/core/peer"
)

// RoutingTable is a Kademlia routing table of its own, for where kad-dht cannot run (the
// simulator, whose time and goroutines are its own): a bucket per common prefix length with
// the local peer's place, each keeping the first K peers it is offered (Kademlia's preference
// for peers known longest). Places are libp2p's: SHA-256 of a peer id's bytes.
type RoutingTable struct {
	self    kb.ID
	k       int
	buckets [][]member
}

type member struct {
	name  string // as the caller names the peer
	place kb.ID
}

// NewRoutingTable returns an empty table of the peer self (a peer id, or any name), keeping k
// peers per bucket.
func NewRoutingTable(self string, k int) *RoutingTable {
	return &RoutingTable{self: placeOf(self), k: k, buckets: make([][]member, 257)}
}

// placeOf is a peer's place: SHA-256 of its id's bytes, or of the name if it is not a peer id.
func placeOf(name string) kb.ID {
	if id, err := peer.Decode(name); err == nil {
		return kb.ConvertPeerID(id)
	}
	return kb.ConvertKey(name)
}

// Add offers a peer to the table; it says whether the peer is kept (its bucket had room).
func (t *RoutingTable) Add(name string) bool {
	m := member{name: name, place: placeOf(name)}
	if bytes.Equal(m.place, t.self) {
		return false
	}
	b := kb.CommonPrefixLen(m.place, t.self)
	if len(t.buckets[b]) >= t.k || slices.ContainsFunc(t.buckets[b], func(x member) bool { return x.name == name }) {
		return false
	}
	t.buckets[b] = append(t.buckets[b], m)
	return true
}

// Closest returns at most count peers of the table closest to key (a pre-image: its place is
// SHA-256 of it), closest first.
func (t *RoutingTable) Closest(key []byte, count int) []string {
	target := kb.ConvertKey(string(key))
	var all []member
	for _, b := range t.buckets {
		all = append(all, b...)
	}
	return closestOf(all, target, count)
}

func closestOf(ms []member, target kb.ID, count int) []string {
	slices.SortFunc(ms, func(a, b member) int { return bytes.Compare(kb.Xor(a.place, target), kb.Xor(b.place, target)) })
	out := make([]string, 0, min(count, len(ms)))
	for _, m := range ms[:min(count, len(ms))] {
		out = append(out, m.name)
	}
	return out
}

// Lookup is Kademlia's iterative lookup of the count peers closest to key, starting from the
// peers start knows, asking alpha of the closest not yet asked at each round (ask returns the
// peers a peer knows closest to key, or nil if it does not answer). It returns the closest
// peers that answered, closest first, and how many rounds it took (its hops).
func Lookup(key []byte, start []string, count, alpha int, ask func(peer string) []string) (closest []string, hops int) {
	target := kb.ConvertKey(string(key))
	known := map[string]member{}
	asked := map[string]bool{}
	answered := map[string]bool{}
	add := func(names []string) {
		for _, n := range names {
			if _, ok := known[n]; !ok {
				known[n] = member{name: n, place: placeOf(n)}
			}
		}
	}
	sorted := func() []string {
		ms := make([]member, 0, len(known))
		for _, m := range known {
			ms = append(ms, m)
		}
		return closestOf(ms, target, len(ms))
	}
	add(start)
	count = max(count, 1)
	// Rounds of alpha questions to the closest not asked yet, among the count closest still in
	// the running; once a round brings no peer closer than the closest known, the next asks
	// all the rest of the count closest at once, and the lookup ends when they have been asked.
	width := alpha
	for {
		var round []string
		seen := 0
		for _, n := range sorted() {
			if asked[n] && !answered[n] {
				continue // asked, no answer: out of the running
			}
			if seen == count {
				break
			}
			seen++
			if !asked[n] && len(round) < width {
				round = append(round, n)
			}
		}
		if len(round) == 0 {
			break
		}
		hops++
		best := ""
		if s := sorted(); len(s) > 0 {
			best = s[0]
		}
		for _, n := range round {
			asked[n] = true
			if got := ask(n); got != nil {
				answered[n] = true
				add(got)
			}
		}
		if s := sorted(); len(s) > 0 && s[0] == best {
			width = count // no progress: ask the rest
		}
	}
	for _, n := range sorted() {
		if answered[n] && len(closest) < count {
			closest = append(closest, n)
		}
	}
	return closest, hops
}
