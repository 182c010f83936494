package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/kademlia"
	"github.com/aquanet/aquanet/particle"
)

// NetFaults are the simulated network's misbehaviours.
type NetFaults struct {
	Loss      float64       // probability a particle is lost
	Duplicate float64       // probability it is delivered twice
	MinDelay  time.Duration // each delivery takes a delay drawn uniformly from [MinDelay, MaxDelay]:
	MaxDelay  time.Duration // independent delays reorder particles
}

// Net is the simulated network: a transport per node, deliveries on the virtual clock after a
// seeded delay, with loss and duplication. It is the network actor's transport, as a Hub or
// libp2p is, so nothing above it can tell.
type Net struct {
	clock  *clock.Manual
	rnd    *rand.Rand
	faults NetFaults
	log    *EventLog
	peers  map[string]core.Inbox
	names  map[string]string // peer id -> node name, for the log
	stats  NetStats
	hops   []Hop // every particle on the network, when kept
	keep   bool

	// Partitions: group[peer] says which side of a split a peer is on (no entry: no split);
	// with oneWay, only side 0 → side 1 is cut. A clogged peer neither sends nor receives.
	group   map[string]int
	oneWay  bool
	clogged map[string]bool
	down    map[string]bool // crashed peers: nothing reaches them

	routing map[string]core.RoutingHandler           // the DHT record handlers, by peer (routing.go)
	ledgers map[string]func(from string, msg []byte) // the ledger's handlers, by peer (ledger.go)
	tables  map[string]*kademlia.RoutingTable
}

// Hop is one particle's trip between two nodes, as the report draws it.
type Hop struct {
	Particle string        `json:"particle"`
	From, To string        `json:"-"`
	Sent     time.Duration `json:"sent"`
	Arrived  time.Duration `json:"arrived"` // when it was delivered, or dropped on the way
	Fate     string        `json:"fate"`    // delivered, lost, cut
}

// maxHops bounds the hops a report keeps.
const maxHops = 20_000

func (n *Net) hop(h Hop) {
	if n.keep && len(n.hops) < maxHops {
		n.hops = append(n.hops, h)
	}
}

// NetStats count what the network did: particles, and the DHT's requests and answers.
type NetStats struct {
	Sent, Delivered, Lost, Duplicated, Cut uint64
	// SentData is the data of the particles the network carried, in bytes (a duplicate's
	// twice; a lost or cut one's not): a workload's work grows with it, as every peer decodes,
	// verifies, merges and encodes the data it gets.
	SentData uint64
	// DHT lookups, and the rounds of questions they took in all (routing.go).
	Lookups, LookupHops uint64 `json:",omitempty"`
	LookupMaxHops       int    `json:",omitempty"` // the most rounds one lookup took
}

func newNet(clk *clock.Manual, seed uint64, faults NetFaults, log *EventLog) *Net {
	return &Net{clock: clk, rnd: newRand(seed, "net"), faults: faults, log: log,
		peers: map[string]core.Inbox{}, names: map[string]string{}, clogged: map[string]bool{}, down: map[string]bool{}}
}

// join is actors.Env.Transport (a core.Join) for the node called name.
func (n *Net) join(name string) core.Join {
	return func(self string, in core.Inbox) core.Transport {
		n.peers[self] = in
		n.names[self] = name
		return &netTransport{n: n, from: self}
	}
}

type netTransport struct {
	n    *Net
	from string
}

var errNoSuchPeer = errors.New("no such peer on the simulated network")

var _ core.Connectivity = (*netTransport)(nil)

// Connected reports whether peer is another node of the simulated network. The network keeps
// every node connected to every other, as the scenario host has it (internal/scenario): its
// faults lose, delay and cut particles, not connections, so peer.is_connected answers alike in
// a run with faults and in one without.
func (t *netTransport) Connected(peer string) bool {
	_, ok := t.n.peers[peer]
	return ok && peer != t.from
}

// Contact returns no addresses for another node: the simulated network has none.
func (t *netTransport) Contact(peer string) ([]string, bool) {
	if !t.Connected(peer) {
		return nil, false
	}
	return []string{}, true
}

// Connect succeeds, at once, for another node of the network.
func (t *netTransport) Connect(peer string, _ []string, done func(bool)) { done(t.Connected(peer)) }

func (t *netTransport) Send(to string, p particle.Particle) error {
	n := t.n
	in, ok := n.peers[to]
	if !ok {
		return fmt.Errorf("%s: %w", to, errNoSuchPeer)
	}
	n.stats.Sent++
	fromName, toName := n.names[t.from], n.names[to]
	what := "send " + p.ID + " " + fromName + "->" + toName
	sent := n.clock.Now().Sub(n.log.start)
	if n.isCut(t.from, to) {
		n.stats.Cut++
		n.log.add(n.clock.Now(), "cut "+what)
		n.hop(Hop{p.ID, fromName, toName, sent, sent, "cut"})
		return nil
	}
	if n.rnd.Float64() < n.faults.Loss {
		n.stats.Lost++
		n.log.add(n.clock.Now(), "lose "+what)
		n.hop(Hop{p.ID, fromName, toName, sent, sent, "lost"})
		return nil
	}
	copies := 1
	if n.rnd.Float64() < n.faults.Duplicate {
		n.stats.Duplicated++
		copies = 2
	}
	n.log.add(n.clock.Now(), what+" x"+strconv.Itoa(copies))
	for range copies {
		n.stats.SentData += uint64(len(p.Data))
		q := p
		q.Data = append([]byte(nil), p.Data...) // the receiver's own copy
		delay := n.faults.MinDelay
		if span := n.faults.MaxDelay - n.faults.MinDelay; span > 0 {
			delay += time.Duration(n.rnd.Int64N(int64(span) + 1))
		}
		from := t.from
		n.clock.AfterFunc(delay, func() {
			arrived := n.clock.Now().Sub(n.log.start)
			if n.isCut(from, to) { // the link broke while the particle was on it
				n.stats.Cut++
				n.log.add(n.clock.Now(), "cut in flight "+what)
				n.hop(Hop{p.ID, fromName, toName, sent, arrived, "cut"})
				return
			}
			n.hop(Hop{p.ID, fromName, toName, sent, arrived, "delivered"})
			n.stats.Delivered++
			n.log.add(n.clock.Now(), "deliver "+what)
			in.Deliver(from, q)
		})
	}
	return nil
}

// isCut reports whether a partition or a clog stops a particle from going from one peer to
// another.
func (n *Net) isCut(from, to string) bool {
	if n.clogged[from] || n.clogged[to] || n.down[to] {
		return true
	}
	gf, okf := n.group[from]
	gt, okt := n.group[to]
	if !okf || !okt || gf == gt {
		return false
	}
	return !n.oneWay || gf == 0
}

// split cuts the network in two: side 1 holds the given peers. oneWay cuts only side 0 → 1.
func (n *Net) split(side1 []string, oneWay bool) {
	n.group = map[string]int{}
	for p := range n.peers {
		n.group[p] = 0
	}
	for _, p := range side1 {
		n.group[p] = 1
	}
	n.oneWay = oneWay
}

// heal ends every partition and clog and, with all, the network's loss and duplication too.
func (n *Net) heal(all bool) {
	n.group, n.oneWay = nil, false
	clear(n.clogged)
	if all {
		n.faults.Loss, n.faults.Duplicate = 0, 0
	}
}
