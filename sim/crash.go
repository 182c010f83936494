package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/dispatch"
	"github.com/aquanet/aquanet/actors/router"
	"github.com/aquanet/aquanet/internal/fault"
)

// crash kills a node at At and restarts it Down later from its disk as the crash left it:
// what was synced, and each unsynced block with probability UnsyncedPercent.
type crash struct {
	At, Down        time.Duration
	Node            int
	UnsyncedPercent int
}

func drawCrashes(r *rand.Rand, nodes, count int, d time.Duration) []crash {
	out := make([]crash, count)
	for i := range out {
		out[i] = crash{At: time.Duration(r.Int64N(int64(d))), Down: time.Second + time.Duration(r.Int64N(int64(29*time.Second))),
			Node: r.IntN(nodes), UnsyncedPercent: r.IntN(101)}
	}
	return out
}

// newDisk is a node's disk: one that can crash if the node crashes. A crashable disk copies a
// whole file at each sync (its synced image): for write-ahead logs synced at every write, a
// third of a 300-node run's heap and a tenth of its time. The other nodes need none of it,
// nor a write-ahead log: a node that never crashes is never started again on its disk, so its
// store keeps none (actors.StoreEnv.NoWAL, simNode.noWAL). Without one, a write costs no
// hand-off to pebble's log writer, a goroutine that the simulation's loop would wake at every
// write (a fifth of a chat's wall time); what the node does is the same, write for write.
func newDisk(crashable bool) *vfs.MemFS {
	if crashable {
		return vfs.NewCrashableMem()
	}
	return vfs.NewMem()
}

// crashes reports whether o crashes node i.
func crashes(o Options, i int) bool {
	for _, c := range o.Crashes {
		if c.Node == i && c.At < o.Duration {
			return true
		}
	}
	return false
}

// A run's nodes share one block cache, the size pebble gives a single database, and share
// storeMemTables among their memtables: pebble sizes both for one database on a machine (an
// 8 MB cache, 4 MB memtables) and a run has up to 10,000 nodes. A node's memtable is its share,
// within storeMemTableMin and pebble's 4 MB: 64 KiB at 2,000 nodes and more, 1.3 MB at 100.
// One of 64 KiB for every run made a chat of 100 nodes, whose stores take 825 MB of data in
// all, flush and compact them over and over: 47–52 s against 39.5 s with 1.3 MB. The
// memtable bounds the write-ahead log too, which on a memory disk is kept whole (a live log
// and a recycled one) until the memtable is flushed. None of it changes what a node does,
// only where its data sits; nor does granting compactions without pebble's ticker, which
// would wake every node's store ten times a second.
const (
	storeCache       = 8 << 20
	storeMemTables   = 128 << 20
	storeMemTableMin = 64 << 10
	storeMemTableMax = 4 << 20
)

// memTableSize is each node's memtable in a run of n nodes.
func memTableSize(n int) uint64 {
	return uint64(min(max(storeMemTables/max(n, 1), storeMemTableMin), storeMemTableMax))
}

// parseCacheSize is how many parsed scripts each node keeps: a workload runs a few scripts (the
// chat's, a forgery, a scenario's), where the interpreter's default of 256, made up front, is
// sized for a node serving many applications.
const parseCacheSize = 16

// keptActors bounds the particle actors each node keeps for a particle's next arrival
// (router.Bounds.MaxKept, MaxKeptBytes), and what their data holds: a node's defaults (32, 64
// MiB) are sized for one node on a machine and a run has thousands. A chat's particle returns
// to its sender soon after it left, so a few keep most returns.
const (
	keptActors     = 4
	keptActorBytes = 256 << 10
)

// gate is one incarnation of a node's dispatcher: its turns run on the simulation's loop until
// the node crashes, after which they are dropped.
type gate struct {
	loop *dispatch.Loop
	dead bool
}

func (g *gate) Schedule(fn func()) {
	g.loop.Schedule(func() {
		if !g.dead {
			fn()
		}
	})
}

func (*gate) Throughput() int { return 1 }

// start starts the node's next incarnation on its filesystem.
func (s *simulation) start(n *simNode) error {
	n.gate = &gate{loop: s.loop}
	observe := func(t dispatch.Turn) { s.log.addTurn(s.clk.Now(), n, t) }
	opts := []actor.PropsOption{actor.WithDispatcher(n.gate), actor.WithMailbox(dispatch.NewObservedMailbox(observe))}
	var ledgerEnv actors.LedgerEnv
	if lw, ok := s.work.(interface{ ledger() actors.LedgerEnv }); ok {
		ledgerEnv = lw.ledger()
	}
	env := actors.Env{Key: n.id.Key, Clock: n.clock, Transport: s.net.join(n.name), Logger: s.logger,
		ActorOptions: opts, System: s.system, DataDir: "store", FS: n.fs,
		Store: actors.StoreEnv{Cache: s.cache, MemTableSize: memTableSize(len(s.nodes)), NoCompactionTicker: true, NoWAL: n.noWAL}, ParseCacheSize: parseCacheSize, Faults: s.faults, Overrides: s.overrides(n), Wasm: s.wasmEnv(n),
		Bounds: router.Bounds{MaxKept: keptActors, MaxKeptBytes: keptActorBytes},
		Ledger: ledgerEnv, OnActorFailure: func(who string, reason any) {
			if _, injected := reason.(fault.Panic); injected {
				return // a fault point's: supervision must make up for it, which the other checks judge
			}
			if len(s.failures) < 10 {
				s.failures = append(s.failures, fmt.Sprintf("%s: actor %s failed: %v", n.name, who, reason))
			}
		}}
	hooks, _ := s.work.(nodeHooks)
	if hooks != nil {
		hooks.nodeEnv(n, &env)
	}
	node, err := actors.NewNode(env)
	if err != nil {
		return err
	}
	if err := node.Start(); err != nil {
		return err
	}
	n.node = node
	if hooks != nil {
		if err := hooks.started(n); err != nil {
			return err
		}
	}
	s.spawnServices(n)
	s.spawnWasmSource(n)
	return nil
}

// scheduleCrashes puts o's crashes on the clock. A node already down when its next crash
// comes stays down until its restart.
func (s *simulation) scheduleCrashes(o Options) {
	for _, c := range o.Crashes {
		if c.At >= o.Duration {
			continue
		}
		n := s.nodes[c.Node]
		s.clk.AfterFunc(c.At, func() {
			if n.gate.dead {
				return
			}
			s.log.mark(s.clk.Now(), fmt.Sprintf("crash %s keeping %d%% of unsynced data", n.name, c.UnsyncedPercent))
			n.gate.dead = true
			s.net.down[n.id.PeerID] = true
			image := n.fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: c.UnsyncedPercent, RNG: newRand(uint64(c.At), "crash")})
			n.node.Kill() //nolint:errcheck // the node is gone either way
			n.fs = image
			n.crashes++
			s.clk.AfterFunc(c.Down, func() { s.restart(n) })
		})
	}
}

// release kills every node still running, closing its store: a finished run must leave
// nothing behind, and an open pebble store keeps goroutines that hold the whole run's world
// (a swarm of a thousand seeds grew to gigabytes).
func (s *simulation) release() {
	for _, n := range s.nodes {
		if n.node != nil && !n.gate.dead {
			n.gate.dead = true
			n.node.Kill() //nolint:errcheck // the run is over: its verdicts are in
		}
	}
}

// restart brings a crashed node back (if it is still down: the healing at the end of the
// safety phase may have done it already).
func (s *simulation) restart(n *simNode) {
	if !n.gate.dead {
		return
	}
	s.log.mark(s.clk.Now(), "restart "+n.name)
	delete(s.net.down, n.id.PeerID)
	if err := s.start(n); err != nil && s.err == nil {
		s.err = fmt.Errorf("restarting %s: %w", n.name, err)
	}
}
