package sim

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/dhtsvc"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/kademlia"
	"github.com/mr-tron/base58"
)

// RunDHT runs o with the DHT workload: nodes n0 … n(N-1) and one key per 50 nodes (at least
// one), each an open challenge of its own provided by dhtProviders nodes the seed draws.
//
// In the safety phase, under the faults, each provider adds itself (dht.add_provider, a record
// of dhtRecordTTL, so that it is republished within the phase) at a seeded time in its first
// half, the first provider of each key removes itself (dht.remove_provider) at a seeded time in
// its second half, and o.Messages reads (dht.get_providers) go out from seeded nodes at seeded times; the
// nodes republish their keys on their own clocks, as real nodes do (actors.DHTEnv). After
// healing, once the restarted nodes have republished (dhtSettle), every key is read by
// dhtReaders seeded nodes, and again five seconds later.
//
// Checks: the providers of each key that the nodes kept (those held by any of the Replicas
// nodes closest to it, which include every provider whose add was acknowledged but the one that
// removes itself, and not that one if its removal was acknowledged) are kept by each of those nodes: the lists converged, through the reads'
// repairs and republishing; and the second round of reads found exactly them (liveness). The summary reports the lookups'
// rounds beside log2(N).
func RunDHT(o Options, realNow func() time.Time) (*Result, error) {
	return run(o, newDHTWork(), realNow)
}

const (
	dhtNodesPerKey = 50
	dhtProviders   = 3 // within the reserve of open records (kademlia.DefaultReserve)
	dhtReaders     = 3
	dhtRecordTTL   = 10 * time.Minute
	// dhtSettle is how long after healing the converging reads start: a node that restarted
	// at healing republishes its keys at its first tick (a record it alone kept may have been
	// lost with its unsynced writes); the lists' repair is left to the reads.
	dhtSettle = actors.DefaultRepublishEvery + 10*time.Second
)

// dhtKey is one key of the workload.
type dhtKey struct {
	challenge kademlia.Challenge
	providers []int // node indexes, in order
}

// dhtRead is one dht.get_providers of the workload, and what it found.
type dhtRead struct {
	key    int
	from   int
	found  []string // peer ids, as read
	err    string
	answer bool
}

type dhtWork struct {
	nodes []*simNode
	keys  []dhtKey
	reads map[string]*dhtRead // by particle id
	final []string            // the liveness phase's second round
	adds  map[string]string   // particle id -> what became of the add
}

func newDHTWork() *dhtWork { return &dhtWork{reads: map[string]*dhtRead{}, adds: map[string]string{}} }

func (w *dhtWork) identities(o Options) ([]scenario.Identity, error) {
	if o.Nodes < dhtProviders+1 {
		return nil, fmt.Errorf("nodes %d: the DHT workload needs at least %d", o.Nodes, dhtProviders+1)
	}
	return numberedIdentities(o)
}

func (w *dhtWork) prepare(s *simulation) {
	w.nodes = s.nodes
	r := newRand(s.seed, "dht keys")
	for k := range max(1, len(s.nodes)/dhtNodesPerKey) {
		providers := r.Perm(len(s.nodes))[:dhtProviders]
		slices.Sort(providers)
		w.keys = append(w.keys, dhtKey{challenge: kademlia.OpenChallenge(fmt.Appendf(nil, "sim-%d-key-%d", s.seed, k)), providers: providers})
	}
}

func (w *dhtWork) overrides(*simNode) []registry.Override { return nil }

// services: every node's probe hears what its particles found.
func (w *dhtWork) services(*simNode) map[string]service.HandlerFunc {
	return map[string]service.HandlerFunc{"probe": func(c service.CallContext, fn string, args []value.Value) (value.Value, error) {
		switch fn {
		case "stored":
			w.adds[c.ParticleID] = args[0].String()
		case "providers":
			read := w.reads[c.ParticleID]
			if read == nil {
				return value.Value{}, fmt.Errorf("probe: no read %s", c.ParticleID)
			}
			read.answer = true
			for i := range args[0].Len() {
				p, _ := args[0].Index(i).Get("peer_id")
				id, _ := p.Str()
				read.found = append(read.found, id)
			}
		case "failed":
			msg, _ := args[0].Str()
			if read := w.reads[c.ParticleID]; read != nil {
				read.err = msg
			} else {
				w.adds[c.ParticleID] = "failed: " + msg
			}
		default:
			return value.Value{}, service.NotFound("probe", fn)
		}
		return value.Null(), nil
	}}
}

// addScript has the node it starts at provide the challenge.
func addScript(ch kademlia.Challenge) string {
	return fmt.Sprintf(`(xor (seq (call %%init_peer_id%% ("dht" "add_provider") ["%s" "" %d] st) (call %%init_peer_id%% ("probe" "stored") [st]))
 (call %%init_peer_id%% ("probe" "failed") [%%last_error%%.$.message]))`, base58.Encode(ch.Encode()), int(dhtRecordTTL.Seconds()))
}

// removeScript has the node it starts at stop providing the key.
func removeScript(k kademlia.Key) string {
	return fmt.Sprintf(`(xor (seq (call %%init_peer_id%% ("dht" "remove_provider") ["%s"] st) (call %%init_peer_id%% ("probe" "stored") [st]))
 (call %%init_peer_id%% ("probe" "failed") [%%last_error%%.$.message]))`, k)
}

// readScript has the node it starts at read the key's providers.
func readScript(k kademlia.Key) string {
	return fmt.Sprintf(`(xor (seq (call %%init_peer_id%% ("dht" "get_providers") ["%s"] ps) (call %%init_peer_id%% ("probe" "providers") [ps]))
 (call %%init_peer_id%% ("probe" "failed") [%%last_error%%.$.message]))`, k)
}

func (w *dhtWork) read(s *simulation, o Options, id string, key, from int, at time.Duration) {
	w.reads[id] = &dhtRead{key: key, from: from}
	s.startAt(at, w.nodes[from], id, readScript(w.keys[key].challenge.Key()), o.TTL)
}

// safety: the providers add themselves at seeded times in the first half of the phase, and the
// first of each key removes itself at a seeded time in the second; the reads go out at seeded
// times over all of it.
func (w *dhtWork) safety(s *simulation, o Options) {
	r := newRand(o.Seed, "workload")
	for k, key := range w.keys {
		for _, p := range key.providers {
			s.startAt(time.Duration(r.Int64N(int64(o.Duration/2))), w.nodes[p], addID(k, p), addScript(key.challenge), o.TTL)
		}
		at := o.Duration/2 + time.Duration(r.Int64N(int64(o.Duration/2)))
		s.startAt(at, w.nodes[key.providers[0]], removeID(k), removeScript(key.challenge.Key()), o.TTL)
	}
	for i := range o.Messages {
		w.read(s, o, fmt.Sprintf("read-%d", i), r.IntN(len(w.keys)), r.IntN(len(w.nodes)), time.Duration(r.Int64N(int64(o.Duration))))
	}
}

// liveness: two rounds of reads of every key, from dhtReaders seeded nodes, dhtSettle after
// healing and five seconds later.
func (w *dhtWork) liveness(s *simulation, o Options, at time.Duration) time.Duration {
	r := newRand(o.Seed, "liveness")
	step := 10 * time.Millisecond
	for round := range 2 {
		start := at + dhtSettle + time.Duration(round)*5*time.Second
		for k := range w.keys {
			for i := range dhtReaders {
				id := fmt.Sprintf("live-%d-%d-%d", round, k, i)
				w.read(s, o, id, k, r.IntN(len(w.nodes)), start+time.Duration(k*dhtReaders+i)*step)
				if round == 1 {
					w.final = append(w.final, id)
				}
			}
		}
	}
	return dhtSettle + 5*time.Second + time.Duration(len(w.keys)*dhtReaders)*step
}

func (w *dhtWork) check(s *simulation, o Options, checks map[string]Check) {
	kept, verdict := w.converged()
	checks["providers_converge"] = verdict
	checks["liveness"] = w.finalReads(kept)
}

// converged: each of the dhtsvc.DefaultReplicas nodes closest to a key keeps the same providers
// of it, among them every provider whose add was acknowledged; it returns them, by key.
func (w *dhtWork) converged() ([][]string, Check) {
	all := kademlia.NewRoutingTable("", len(w.nodes)) // every node, for the true closest
	byID := map[string]*simNode{}
	for _, n := range w.nodes {
		all.Add(n.id.PeerID)
		byID[n.id.PeerID] = n
	}
	var bad []string
	kept := make([][]string, len(w.keys))
	for k, key := range w.keys {
		get, _ := kademlia.Request{Op: kademlia.OpGet, Key: key.challenge.Key()}.Encode()
		replicas := all.Closest(key.challenge.Key().Bytes(), dhtsvc.DefaultReplicas)
		held := make([][]string, len(replicas))
		for i, p := range replicas {
			byID[p].node.DHT().Handle("check", get, func(b []byte) {
				a, err := kademlia.DecodeAnswer(b)
				if err != nil {
					return
				}
				for _, rb := range a.Records {
					if r, err := kademlia.DecodeRecord(rb); err == nil {
						held[i] = append(held[i], r.Provider.String())
					}
				}
			})
			slices.Sort(held[i])
			kept[k] = append(kept[k], held[i]...)
		}
		slices.Sort(kept[k])
		kept[k] = slices.Compact(kept[k])
		// The first provider removes itself: kept or not, unless its removal was acknowledged
		// (its acknowledgement may be lost: a fault in the probe).
		removed, removing := w.removed(k), w.nodes[key.providers[0]].id.PeerID
		for _, p := range w.acknowledged(k) {
			if p != removing && !slices.Contains(kept[k], p) {
				bad = append(bad, fmt.Sprintf("key %d: provider %s was acknowledged but no node closest to the key keeps it", k, byID[p].name))
			}
		}
		if removed != "" && slices.Contains(kept[k], removed) {
			bad = append(bad, fmt.Sprintf("key %d: provider %s removed itself, acknowledged, but is kept", k, byID[removed].name))
		}
		for i, p := range replicas {
			if !slices.Equal(held[i], kept[k]) {
				bad = append(bad, fmt.Sprintf("key %d: %s keeps %d of its %d providers", k, byID[p].name, len(held[i]), len(kept[k])))
			}
		}
	}
	if len(bad) > 0 {
		return kept, Check{Detail: strings.Join(bad[:min(len(bad), 10)], "; ")}
	}
	return kept, Check{Pass: true, Detail: fmt.Sprintf("%d keys, each kept alike by its %d closest nodes", len(w.keys), dhtsvc.DefaultReplicas)}
}

// finalReads: every read of the last round found the providers the nodes kept.
func (w *dhtWork) finalReads(kept [][]string) Check {
	var bad []string
	for _, id := range w.final {
		read := w.reads[id]
		got := slices.Sorted(slices.Values(read.found))
		switch {
		case !read.answer:
			bad = append(bad, fmt.Sprintf("%s (key %d from %s): no answer (%s)", id, read.key, w.nodes[read.from].name, cmp.Or(read.err, "the particle did not come back")))
		case !slices.Equal(got, kept[read.key]):
			bad = append(bad, fmt.Sprintf("%s (key %d from %s): found %d providers, the nodes keep %d", id, read.key, w.nodes[read.from].name, len(got), len(kept[read.key])))
		}
	}
	if len(bad) > 0 {
		return Check{Detail: strings.Join(bad[:min(len(bad), 10)], "; ")}
	}
	return Check{Pass: true, Detail: fmt.Sprintf("%d reads after healing found every provider kept", len(w.final))}
}

// acknowledged are the peer ids of key k's providers whose add said it was stored.
func (w *dhtWork) acknowledged(k int) []string {
	var out []string
	for _, p := range w.keys[k].providers {
		if strings.Contains(w.adds[addID(k, p)], `"success":true`) {
			out = append(out, w.nodes[p].id.PeerID)
		}
	}
	return out
}

// removed is the peer id of key k's provider whose removal said it was stored, or "".
func (w *dhtWork) removed(k int) string {
	if strings.Contains(w.adds[removeID(k)], `"success":true`) {
		return w.nodes[w.keys[k].providers[0]].id.PeerID
	}
	return ""
}

func addID(key, node int) string { return fmt.Sprintf("add-%d-n%d", key, node) }

func removeID(key int) string { return fmt.Sprintf("remove-%d", key) }
