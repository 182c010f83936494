// Package sim runs many aquanet nodes in one process, deterministically: the real node code
// (actors, interpreter, services) on one seeded scheduler (dispatch.Loop) and one virtual clock
// that jumps to the next timer when nothing is runnable, joined by a simulated network that
// loses, duplicates and reorders particles. Every actor turn, delivery, fault and clock step
// goes into an event log whose hash a seed reproduces bit for bit; checkers judge the outcome.
package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/dispatch"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/actors/router"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/fault"
	"github.com/aquanet/aquanet/internal/rng"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// Options are what one run does; a seed and a fault class expand into them (Expand).
type Options struct {
	Seed     uint64          `json:"seed"`
	Nodes    int             `json:"nodes"`
	Duration time.Duration   `json:"duration"` // virtual time in which messages are sent
	Faults   string          `json:"faults"`   // a fault class: FaultClasses
	Net      NetFaults       `json:"net"`
	Splits   []split         `json:"splits,omitempty"`   // partitions in the safety phase
	Swizzles []swizzle       `json:"swizzles,omitempty"` // swizzle-clogs in the safety phase
	Skews    []time.Duration `json:"skews,omitempty"`    // each node's clock skew
	Crashes  []crash         `json:"crashes,omitempty"`  // kills and restarts in the safety phase
	// Buggify turns on the fault points in the node code (internal/fault): each point is
	// enabled for the run with probability 1/2 and then fires 1 time in 10.
	Buggify bool `json:"buggify,omitempty"`
	// Points, if set, are the only fault points that may fire.
	Points []string `json:"points,omitempty"`
	Room   int      `json:"room,omitempty"` // the messenger's members per chat; 0: one chat of all
	// Perimeter, in the messenger workload, puts the chat under an application's security
	// perimeter (perimeter.go): members are served on their certificates, one of which the
	// developer revokes mid-run, and some messages are forged; only the messenger reads it.
	Perimeter bool `json:"perimeter,omitempty"`
	// Followers, in the ledger workload, is how many of the nodes (the last ones) follow the
	// ledger rather than validate it.
	Followers int           `json:"followers,omitempty"`
	Messages  int           `json:"messages"` // sent in the safety phase
	TTL       time.Duration `json:"ttl"`      // of each message's particle
	// KeepEvents keeps the text of every event (for finding where two runs diverge); KeepHops
	// every particle's trips (for the report).
	KeepEvents bool `json:"-"`
	KeepHops   bool `json:"-"`
	// WasmCacheDir, if set, is a directory on the OS's disk where the nodes of a run with Wasm
	// services keep their compiled modules, shared by every node and run ("aquanet sim" makes
	// a temporary one for each command); "" compiles each module again on every node and
	// restart, in memory. It changes how long a run takes, never what it does.
	WasmCacheDir string `json:"-"`
	// Progress, if set, is told how far the run is (virtual time done and to do) about a
	// hundred times a run.
	Progress func(done, total time.Duration) `json:"-"`
	// Ended, if set, is called once the run has ended (every deadline past, the checks not yet
	// made) while its nodes are still up: what the heap holds then is what the nodes keep
	// ("aquanet sim --memprofile" writes its profile there).
	Ended func() `json:"-"`
}

// Fault classes: none; net (loss, duplication, reordering); partition (splits, symmetric or
// one-way, and swizzle-clogs); crash (nodes killed and restarted from their disks, which keep
// a seeded share of unsynced writes); all (every one of them, and clock skew up to 10 s per
// node, and the fault points in the node code).
var FaultClasses = []string{"none", "net", "partition", "crash", "all"}

// Expand fills in what the seed decides (as VOPR does, every rate is drawn): with faults
// "net", the network's loss (0–30%), duplication (0–50%) and delay spread; with "partition",
// 1–5 splits of 1–30 s and 0–2 swizzle-clogs; with "all", both and each node's clock skew
// (within ±0–10 s); the message count if zero.
func Expand(o Options) (Options, error) {
	if o.Nodes < 1 || o.Nodes > 10_000 {
		return o, fmt.Errorf("nodes %d: want 1 to 10,000", o.Nodes)
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Minute
	}
	if o.TTL <= 0 {
		o.TTL = time.Minute
	}
	if o.Messages <= 0 {
		o.Messages = 2 * o.Nodes
	}
	r := newRand(o.Seed, "expand")
	o.Net = NetFaults{MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
	if !slices.Contains(FaultClasses, o.Faults) {
		return o, fmt.Errorf("faults %q: want one of %s", o.Faults, strings.Join(FaultClasses, ", "))
	}
	o.Splits, o.Swizzles, o.Skews, o.Crashes = nil, nil, nil, nil
	if o.Faults == "net" || o.Faults == "all" {
		o.Net.Loss = 0.3 * r.Float64()
		o.Net.Duplicate = 0.5 * r.Float64()
		o.Net.MaxDelay = time.Duration(1+r.IntN(500)) * time.Millisecond
	}
	if o.Faults == "partition" || o.Faults == "all" {
		o.Splits = drawSplits(r, o.Nodes, 1+r.IntN(5), o.Duration)
		o.Swizzles = drawSwizzles(r, o.Nodes, r.IntN(3), o.Duration)
	}
	if o.Faults == "crash" || o.Faults == "all" {
		o.Crashes = drawCrashes(r, o.Nodes, 1+r.IntN(3), o.Duration)
	}
	o.Buggify = o.Faults == "all"
	if o.Faults == "all" {
		maxSkew := time.Duration(r.Int64N(int64(10 * time.Second)))
		o.Skews = make([]time.Duration, o.Nodes)
		for i := range o.Skews {
			o.Skews[i] = time.Duration(r.Int64N(int64(2*maxSkew)+1)) - maxSkew
		}
	}
	return o, nil
}

// Check is one checker's verdict.
type Check struct {
	Pass   bool   `json:"pass"`
	Detail string `json:"detail,omitempty"`
}

// Result is what a run found.
type Result struct {
	Seed           uint64           `json:"seed"`
	Options        Options          `json:"options"`
	Hash           string           `json:"hash"`
	Events         int              `json:"events"`
	VirtualSeconds float64          `json:"virtual_seconds"`
	RealSeconds    float64          `json:"real_seconds"`
	Checks         map[string]Check `json:"checks"`
	Net            NetStats         `json:"net"`
	FaultsFired    []string         `json:"faults_fired,omitempty"` // fault points: point=count
	Nodes          []NodeStats      `json:"nodes"`
	Hops           []Hop            `json:"-"` // with KeepHops
	Marks          []Event          `json:"-"` // faults and healing
	Log            *EventLog        `json:"-"`
}

// NodeStats are one node's counters at the end of a run.
type NodeStats struct {
	Name     string `json:"name"`
	Accepted uint64 `json:"accepted"` // particle arrivals taken in
	Rejected uint64 `json:"rejected"` // by validation
	Replays  uint64 `json:"replays"`
	Expired  uint64 `json:"expired"`
	Crashes  int    `json:"crashes"`
}

// Passed reports whether every check passed.
func (r *Result) Passed() bool {
	for _, c := range r.Checks {
		if !c.Pass {
			return false
		}
	}
	return true
}

func newRand(seed uint64, label string) *rand.Rand { return rng.New(rng.Derive(seed, label)) }

// callKey names a call: the particle, the node, the interpreter's call id.
type callKey struct {
	particle, node string
	id             uint32
}

// workload is what the nodes of a run do.
type workload interface {
	// identities names the nodes (and so gives their keys).
	identities(o Options) ([]scenario.Identity, error)
	// prepare sets the workload up on the nodes, before they start.
	prepare(s *simulation)
	// services are n's services (for each of its incarnations), and overrides its stand-ins
	// for functions of the services the node has itself.
	services(n *simNode) map[string]service.HandlerFunc
	overrides(n *simNode) []registry.Override
	// safety starts the particles of the safety phase; liveness those that must get through
	// after healing, from at on, and says how long after at the last one starts.
	safety(s *simulation, o Options)
	liveness(s *simulation, o Options, at time.Duration) time.Duration
	// check adds the workload's verdicts.
	check(s *simulation, o Options, checks map[string]Check)
}

// nodeHooks are what a workload may add to each incarnation of a node: its environment before
// it starts, the options of each of its services' spawns, and what to do once it runs.
type nodeHooks interface {
	nodeEnv(n *simNode, env *actors.Env)
	spawnOptions(n *simNode, service string) []actors.SpawnOption
	started(n *simNode) error
}

// simNode is one node of the simulation, across its incarnations.
type simNode struct {
	name    string // the identity's name
	id      scenario.Identity
	clock   clock.Clock
	fs      *vfs.MemFS // its disk, which outlives crashes
	noWAL   bool       // its disk never crashes: its store keeps no write-ahead log
	node    *actors.Node
	gate    *gate // its incarnation's: dead while the node is down
	crashes int
	cert    []byte // the certificate its particles carry (particle.Certificate), if any
}

// simulation is one run's world.
type simulation struct {
	clk       *clock.Manual
	loop      *dispatch.Loop
	log       *EventLog
	net       *Net
	logger    *slog.Logger
	nodes     []*simNode
	work      workload
	faults    fault.Points   // nil without Buggify
	hold      *holdable      // what faults holds (with Buggify), held off while Wasm services install
	cache     *pebble.Cache  // every node's store reads through it (storeCache)
	system    *actors.System // every node's actors run in it
	seed      uint64
	wasm      []scenario.WasmService // installed before the workload starts (wasm.go)
	wasmCache string
	install   installState
	calls     map[callKey]int
	twice     []string // calls that ran more than once
	failures  []string // actors that failed (at most 10)
	err       error    // the first failure to spawn or restart
}

// spawnServices starts the workload's services on n, each counting its calls by (particle,
// node, call id): no call may run twice.
func (s *simulation) spawnServices(n *simNode) {
	services := s.work.services(n)
	hooks, _ := s.work.(nodeHooks)
	for _, name := range slices.Sorted(maps.Keys(services)) {
		var opts []actors.SpawnOption
		if hooks != nil {
			opts = hooks.spawnOptions(n, name)
		}
		n.node.SpawnAsync(name, s.counted(n, services[name]), func(err error) {
			if err != nil && s.err == nil {
				s.err = fmt.Errorf("%s: spawning %s: %w", n.name, name, err)
			}
		}, opts...)
	}
}

// counted is h counting its calls on n by (particle, node, call id): no call may run twice.
func (s *simulation) counted(n *simNode, h service.Handler) service.HandlerFunc {
	return func(c service.CallContext, fn string, args []value.Value) (value.Value, error) {
		k := callKey{c.ParticleID, n.name, c.CallID}
		if s.calls[k]++; s.calls[k] == 2 && len(s.twice) < 10 {
			s.twice = append(s.twice, fmt.Sprintf("%s.%s of %s on %s (call %d)", c.Service, fn, c.ParticleID, n.name, c.CallID))
		}
		return h.Call(c, fn, args)
	}
}

// overrides are the workload's stand-ins for n's own services, their calls counted.
func (s *simulation) overrides(n *simNode) []registry.Override {
	out := s.work.overrides(n)
	for i := range out {
		out[i].Handler = s.counted(n, out[i].Handler)
	}
	return out
}

// startAt starts a particle of script with id at sender, at virtual time at.
func (s *simulation) startAt(at time.Duration, sender *simNode, id, script string, ttl time.Duration) {
	s.startWith(at, sender, id, func() string { return script }, ttl)
}

// startWith starts a particle with id at sender, at virtual time at, of the script that script
// returns then ("" starts none).
func (s *simulation) startWith(at time.Duration, sender *simNode, id string, script func() string, ttl time.Duration) {
	s.clk.AfterFunc(at, func() {
		script := script()
		if script == "" {
			return
		}
		p, err := signedParticle(sender.id, sender.cert, id, script, sender.clock.Now(), ttl)
		if err != nil {
			panic(err) // a scenario identity always signs
		}
		s.log.add(s.clk.Now(), "start "+id+" at "+sender.name)
		sender.node.Deliver(sender.node.PeerID(), p)
	})
}

// Run runs o (already expanded) to its end and judges it. realNow gives the wall time, only to
// report how long the run took.
func Run(o Options, realNow func() time.Time) (*Result, error) {
	return run(o, newMessenger(o.Room, o.Perimeter), realNow)
}

// run runs o with the workload work.
func run(o Options, work workload, realNow func() time.Time) (*Result, error) {
	began := realNow()
	start := time.UnixMilli(1_700_000_000_000)
	clk := clock.NewManual(start)
	log := newEventLog(start, o.KeepEvents)
	loop := dispatch.NewLoop(rng.Derive(o.Seed, "scheduler"))
	net := newNet(clk, o.Seed, o.Net, log)
	net.keep = o.KeepHops
	s := &simulation{clk: clk, loop: loop, log: log, net: net, logger: slog.New(slog.DiscardHandler), work: work, calls: map[callKey]int{},
		seed: o.Seed, wasmCache: o.WasmCacheDir, hold: &holdable{}}
	var points *fault.Seeded
	if o.Buggify {
		points = fault.NewSeeded(newRand(o.Seed, "buggify"), 0.5, 0.1)
		if o.Points != nil {
			points.Only(o.Points...)
		}
		s.hold.Points = points
		s.faults = s.hold
	}

	ids, err := work.identities(o)
	if err != nil {
		return nil, err
	}
	nodes := make([]*simNode, len(ids))
	for i, id := range ids {
		var nodeClock clock.Clock = clk
		if o.Skews != nil {
			nodeClock = skewClock{clk, o.Skews[i%len(o.Skews)]}
		}
		crashable := crashes(o, i)
		nodes[i] = &simNode{name: id.Name, id: id, clock: nodeClock, fs: newDisk(crashable), noWAL: !crashable}
	}
	s.nodes = nodes
	s.system = actors.NewSystem(s.logger)
	s.cache = pebble.NewCache(storeCache)
	defer s.cache.Unref() // after release, once every store is closed
	defer s.release()
	work.prepare(s)
	for _, n := range nodes {
		if err := s.start(n); err != nil {
			return nil, err
		}
	}
	loop.Run(1 << 30)
	if s.err != nil {
		return nil, s.err
	}
	if len(s.wasm) > 0 {
		if err := s.installWasm(); err != nil {
			return nil, err
		}
	}
	// The phases start now: at start, or once the Wasm services are in.
	phases := clk.Now()
	baseActors := s.system.Actors()

	// The safety phase: the workload's particles under the faults.
	work.safety(s, o)
	peers := make([]string, len(nodes))
	for i, n := range nodes {
		peers[i] = n.id.PeerID
	}
	scheduleFaults(o, clk, net, peers, log)
	s.scheduleCrashes(o)
	// The liveness phase: every fault heals; then each member sends one message, which must
	// get through.
	clk.AfterFunc(o.Duration, func() {
		log.mark(clk.Now(), "heal")
		net.heal(true)
		if points != nil {
			points.Off()
		}
		for _, n := range nodes {
			s.restart(n)
		}
	})
	// The liveness phase: once everything has healed, the workload's last particles must get
	// through.
	liveFor := work.liveness(s, o, o.Duration+time.Second)
	// Run: everything runnable, then the clock to the next timer, until every particle is
	// past its deadline on every node's clock: a sender's clock may be ahead by maxSkew (its
	// particles' deadlines are later) and a receiver's behind by as much (it sees them later).
	maxSkew := time.Duration(0)
	for _, s := range o.Skews {
		maxSkew = max(maxSkew, s, -s)
	}
	end := phases.Add(o.Duration + time.Second + liveFor + o.TTL + 2*maxSkew + time.Second)
	const maxSteps = 50_000_000
	steps := 0
	reported := phases
	for {
		steps += loop.Run(maxSteps - steps)
		if steps >= maxSteps {
			return nil, errors.New("the run did not settle within 50,000,000 steps")
		}
		next, ok := clk.Next()
		if !ok || next.After(end) {
			break
		}
		log.add(next, "clock")
		clk.AdvanceTo(next)
		if o.Progress != nil && next.Sub(reported) >= end.Sub(phases)/100 {
			reported = next
			o.Progress(next.Sub(phases), end.Sub(phases))
		}
	}
	clk.AdvanceTo(end)
	loop.Run(maxSteps)
	if s.err != nil {
		return nil, s.err
	}
	if o.Ended != nil {
		o.Ended()
	}

	res := &Result{Seed: o.Seed, Options: o, Log: log, Net: net.stats, Checks: map[string]Check{},
		VirtualSeconds: end.Sub(start).Seconds()}
	res.Checks["no_actor_failures"] = verdict(s.failures, "")
	res.Checks["calls_at_most_once"] = verdict(s.twice, fmt.Sprintf("%d calls to the workload's services", len(s.calls)))
	work.check(s, o, res.Checks)
	var stats []router.Stats
	res.Checks["no_leaks"], stats = leaks(nodes, baseActors, s.system.Actors, loop)
	for i, n := range nodes {
		ns := NodeStats{Name: n.name, Accepted: stats[i].Accepted, Replays: stats[i].Replays, Expired: stats[i].Expired, Crashes: n.crashes}
		for _, c := range stats[i].Rejected {
			ns.Rejected += c
		}
		res.Nodes = append(res.Nodes, ns)
	}
	res.Hops, res.Marks = net.hops, log.Marks()
	if points != nil {
		res.FaultsFired = points.Fired()
	}
	res.Hash, res.Events = log.Hash(), log.Len()
	res.RealSeconds = realNow().Sub(began).Seconds()
	return res, nil
}

// addTurn records an actor turn as the log has it: "turn", the node, the actor (its id after
// the node's part in the shared actor system, "<peer id>$5/"), the message's type as %T
// prints it. It writes the text straight into the log's buffer: a run records one for every
// turn.
func (l *EventLog) addTurn(now time.Time, n *simNode, t dispatch.Turn) {
	who := "?"
	if t.Actor != nil {
		_, who, _ = strings.Cut(t.Actor.Id, "/")
	}
	typ := "<nil>" // as fmt's %T has it
	if t.Message != nil {
		typ = reflect.TypeOf(t.Message).String()
	}
	b := append(l.begin(now), "turn "...)
	b = append(b, n.name...)
	b = append(b, ' ')
	b = append(b, who...)
	b = append(b, ' ')
	l.buf = append(b, typ...)
	l.end(now)
}

// signedParticle is a particle from from, carrying cert (nil: none), signed.
func signedParticle(from scenario.Identity, cert []byte, id, script string, now time.Time, ttl time.Duration) (particle.Particle, error) {
	priv, err := crypto.UnmarshalEd25519PrivateKey(from.Key)
	if err != nil {
		return particle.Particle{}, err
	}
	init, err := peer.Decode(from.PeerID)
	if err != nil {
		return particle.Particle{}, err
	}
	p := particle.Particle{ID: id, InitPeerID: init, Timestamp: uint64(now.UnixMilli()), TTL: uint32(ttl.Milliseconds()),
		MaxHops: particle.DefaultMaxHops, Script: script, Certificate: cert}
	return p, p.Sign(priv)
}

// leaks: after every deadline, no node has a particle left, and each has the actors it started
// with (base, by peer id; actors counts them now).
func leaks(nodes []*simNode, base map[string]int, actors func() map[string]int, loop *dispatch.Loop) (Check, []router.Stats) {
	stats := make([]router.Stats, len(nodes))
	for i, n := range nodes {
		n.node.StatsAsync(func(s router.Stats) { stats[i] = s })
	}
	loop.Run(1 << 30)
	var bad []string
	now := actors()
	for i, n := range nodes {
		if s := stats[i]; s.Live != 0 || s.Finished != 0 {
			bad = append(bad, fmt.Sprintf("%s: %d live and %d finished particles after every deadline", n.name, s.Live, s.Finished))
		}
		if a, b := now[n.id.PeerID], base[n.id.PeerID]; a != b {
			bad = append(bad, fmt.Sprintf("%s: %d actors, %d at the start", n.name, a, b))
		}
	}
	if len(bad) > 0 {
		return Check{Detail: strings.Join(bad, "; ")}, stats
	}
	return Check{Pass: true}, stats
}
