// Package actors is aquanet's runtime: a Node is a protoactor-go actor system in which the
// particle router, one actor per live particle, the service registry with one actor per service
// instance, and the network actor do the work (../shared/DESIGN.md, "How AIR maps onto actors").
// The subpackages hold each actor; this package wires them into a node.
package actors

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/dhtsvc"
	"github.com/aquanet/aquanet/actors/dispatch"
	"github.com/aquanet/aquanet/actors/ledgersvc"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/actors/peersvc"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/actors/router"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/actors/triggersvc"
	"github.com/aquanet/aquanet/actors/trustsvc"
	"github.com/aquanet/aquanet/actors/wasmsvc"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/fault"
	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/kademlia"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/particle"
	"github.com/aquanet/aquanet/trust"
	"github.com/aquanet/aquanet/wasmhost"
)

// Env is everything a node takes from its surroundings.
type Env struct {
	// Key is the node's ed25519 key; its peer id is derived from it. Required.
	Key ed25519.PrivateKey
	// Clock gives time to everything in the node: particle validation, deadlines, peer.timeout.
	// Default: the real clock (a clock.Manual in tests and the simulator).
	Clock clock.Clock
	// Transport connects the node to others: it is called once at Start with the node's peer id
	// and the inbox that takes particles in (the Node itself). Required (network.Hub.Join for
	// nodes in one process, p2p.Transport.Join on libp2p). If the transport is also a
	// core.Connectivity, it answers peer.is_connected, peer.get_contact and peer.connect;
	// otherwise those fail.
	Transport core.Join
	// DataDir is the directory of the node's pebble database, on FS (default: the OS's
	// filesystem). Without a DataDir the database is in memory and dies with the node. The node
	// opens it at Start and closes it at Stop.
	DataDir string
	FS      vfs.FS
	// Store sizes that database; the zero value takes pebble's defaults.
	Store StoreEnv
	// Management is the peer id of the node's operator, who may manage every service; default
	// the node itself.
	Management string
	// Logger; default discards.
	Logger *slog.Logger
	// Limits on arriving particles; zero fields take particle's defaults.
	Limits particle.Limits
	// Bounds on what strangers can make the node keep or do (particles per initiator,
	// arrivals per particle); zero fields take router's defaults.
	Bounds router.Bounds
	// Budget is what one interpreter run of a particle may spend (steps, memory) and accept
	// (sizes); zero fields take the interpreter's defaults (interpreter.Limits).
	Budget interpreter.Limits
	// ParseCacheSize is how many parsed scripts the node keeps (interpreter.ParseCache); 0:
	// the interpreter's default, made up front (about 28 KB). A simulator's nodes, thousands
	// running a few scripts each, keep few.
	ParseCacheSize int
	// Metrics, if set, receives the node's Prometheus metrics, labelled with its peer id (so
	// several nodes can share one registry).
	Metrics prometheus.Registerer
	// NodeVersion and Addresses (the multiaddrs others reach the node at) are what
	// peer.identify reports.
	NodeVersion string
	Addresses   []string
	// Faults are fault points for a simulator (internal/fault); nil, as in production, injects
	// none.
	Faults fault.Points
	// Overrides answer some functions of the node's own services in place of them (a
	// simulator's scenario rules); nil, as in production, overrides none.
	Overrides []registry.Override
	// OnActorFailure, if set, hears of every actor of the node that failed (panicked) and was
	// handled by its supervisor: the actor's id and the reason. It runs on the failing actor's
	// goroutine and must not block.
	OnActorFailure func(actor string, reason any)
	// ActorOptions apply to every actor the node spawns: a dispatcher and mailbox from package
	// dispatch make the node deterministic; without them protoactor's defaults run it on
	// goroutines.
	ActorOptions []actor.PropsOption
	// System, if set, is the actor system the node runs in, shared with other nodes (a
	// simulator's thousands; see System); nil: a system of the node's own.
	System *System
	// Wasm is how the node runs Wasm services.
	Wasm WasmEnv
	// Trust is how the node's TrustGraph starts: its roots and initial certificates.
	Trust TrustEnv
	// DHT bounds the provider records the node stores for the DHT (package kademlia). The node
	// takes part in the DHT when its transport routes for it (core.Routing).
	DHT DHTEnv
	// Ledger makes the node a validator of the ledger (package ledger/replica, the ledger
	// builtin); without a genesis it is none, and the ledger builtin says so.
	Ledger LedgerEnv
	// Perimeters is how the node enforces the perimeters of the services spawned under one
	// (InPerimeter).
	Perimeters PerimeterEnv
	// Triggers bounds the scripts peers may install on the node to run by itself (package
	// triggersvc); zero fields take its defaults.
	Triggers TriggerEnv
}

// StoreEnv sizes a node's pebble database. Pebble's defaults are sized for one database on a
// machine; a simulator running thousands of nodes in one process shrinks them.
type StoreEnv struct {
	// Cache is the block cache the database reads through, which other nodes' databases may
	// share (pebble.NewCache; its owner unrefs it once they are closed); nil: one of its own,
	// of pebble's default size.
	Cache *pebble.Cache
	// MemTableSize bounds what the database holds in memory before it writes a table, and so
	// its write-ahead log, which is rotated with it; 0: pebble's default (4 MB).
	MemTableSize uint64
	// NoCompactionTicker grants the database's compactions only as it asks for them and as
	// its compactions end. Pebble's scheduler also wakes ten times a second, a goroutine and
	// a ticker per database, to grant what more backlog allows: nothing for one database, a
	// core's tenth for a thousand in one process.
	NoCompactionTicker bool
	// NoWAL runs the database without a write-ahead log (store.Options.NoWAL): only for a disk
	// that never crashes and a node that is never started again on it, whose writes then
	// cost no hand-off to pebble's log writer.
	NoWAL bool
}

// TriggerEnv bounds a node's triggers (triggersvc.Config).
type TriggerEnv struct {
	MaxPerOwner int
	MaxTotal    int
	MinEvery    time.Duration
	TTL         time.Duration
}

// LedgerEnv is how a validator takes part in the ledger.
type LedgerEnv struct {
	// Genesis is the chain's (its validators' keys are their peer ids); nil: the node keeps
	// no ledger. A node that is one of its validators keeps the ledger with the others; any
	// other node follows it (ledgersvc.Follower: it asks the validators for committed blocks).
	Genesis *ledger.Genesis
	// TickEvery is raft's tick on the node's clock (default ledgersvc.DefaultTickEvery).
	TickEvery time.Duration
	// PollEvery is how often a follower asks for new blocks (default
	// ledgersvc.DefaultPollEvery).
	PollEvery time.Duration
}

// DHTEnv is how a node takes part in the DHT (package dhtsvc, served as the kad and dht
// builtins). Zero values take dhtsvc's defaults.
type DHTEnv struct {
	Table    kademlia.TableConfig
	Replicas int
	MaxTTL   uint64
	// RepublishEvery is how often, on the node's clock, the node republishes the keys it
	// provides (each once it has lived half its life, and all of them at the first time after
	// a restart) and drops the records that expired: default a minute; negative, never.
	RepublishEvery time.Duration
}

// DefaultRepublishEvery is DHTEnv.RepublishEvery's default.
const DefaultRepublishEvery = time.Minute

// TrustEnv is how a node's TrustGraph (package trust, served as the trust-graph builtin)
// starts. The graph itself is kept in the node's database.
type TrustEnv struct {
	// Roots are set at every start: peer id -> max chain length (0–16; a root weighs
	// 2^max_chain_len, each hop halves it).
	Roots map[string]int
	// Certificates, in Fluence's text form, are inserted at every start (Fluence's
	// init_certs); one that does not verify stops the start.
	Certificates []string
}

// WasmEnv is how a node runs Wasm services (package wasmhost): the dist builtin keeps modules
// and blueprints in the node's database, srv.create makes services of them, and a restarted
// node brings them back.
type WasmEnv struct {
	// Host configures the runtime: limits, effectors granted, guests' logs. Its clock is the
	// node's whatever it says. The zero value takes wasmhost.NewConfig().
	Host *wasmhost.Config
	// OpenDeploy lets any peer add modules and blueprints and create services; by default
	// only the host and the management peer may.
	OpenDeploy bool
	// Seed makes service ids and the guests' randomness reproducible (a simulation's); a
	// node in production takes a random one.
	Seed uint64
	// Dir, on the OS's filesystem, holds compiled modules (Dir/cache, so a restart compiles
	// nothing again) and the services' own dirs (Dir/services/<id>/storage and tmp, their
	// /storage and /tmp). Empty: modules compile in memory and services have no dirs.
	Dir string
	// Bounds on what peers other than the host and its management peer may make the node keep
	// when OpenDeploy is on (0: wasmsvc's defaults): bytes of modules stored, blueprints,
	// services one peer owns.
	MaxStoredModuleBytes int64
	MaxBlueprints        int
	MaxServicesPerPeer   int
	// PoolSize is how many instances of a stateless service (one that says so in its
	// interface) may serve calls at once; 0 or 1 serves every service one call at a time.
	PoolSize int
}

// Node is one aquanet peer.
type Node struct {
	env    Env
	self   string
	system *actor.ActorSystem
	// shared is the system the node shares with others (Env.System), nil if it has its own;
	// prefix then begins the id of each of its actors ("<peer id>$5/"), "" otherwise.
	shared *System
	prefix string

	mu       sync.Mutex
	started  bool
	stopping bool
	db       *pebble.DB
	wasmHost *wasmhost.Host
	trust    *trustsvc.Service
	dht      *dhtsvc.Service
	triggers *triggersvc.Service
	ledger   ledgersvc.Ledger // nil: no ledger
	// republish is the timer of the DHT's next republishing (keepDHT), stopped with the node.
	republish clock.Timer
	// wasmDispatch runs the Wasm service actors of a node on protoactor's goroutines (no
	// ActorOptions): goroutines kept warm, whose stacks stay grown.
	wasmDispatch *dispatch.Warm
	// warm runs the node's own actors (router, particles, builtins) when it runs on
	// protoactor's goroutines.
	warm     *dispatch.Warm
	root     *actor.PID // the node root actor: the parent of all the others
	registry *actor.PID
	router   *actor.PID
	network  *actor.PID
}

// NewNode checks env and returns a node that is not started.
func NewNode(env Env) (*Node, error) {
	if len(env.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("actors: Env.Key must be an ed25519 private key")
	}
	if env.Clock == nil {
		env.Clock = clock.Real{}
	}
	if env.Transport == nil {
		return nil, errors.New("actors: Env.Transport is required")
	}
	pub, err := crypto.UnmarshalEd25519PublicKey(env.Key.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("actors: %w", err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("actors: %w", err)
	}
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	n := &Node{env: env, self: id.String()}
	if env.Management == "" {
		n.env.Management = n.self
	}
	if env.System != nil {
		n.system, n.shared = env.System.system, env.System
		n.prefix = n.self + n.system.ProcessRegistry.NextId() + "/"
		return n, nil
	}
	n.system = newActorSystem(env.Logger)
	if f := env.OnActorFailure; f != nil {
		// Every supervisor strategy publishes its decisions on the system's event stream,
		// synchronously.
		n.system.EventStream.Subscribe(func(evt any) {
			if e, ok := evt.(*actor.SupervisorEvent); ok {
				f(e.Child.Id, e.Reason)
			}
		})
	}
	return n, nil
}

// PeerID returns the node's peer id.
func (n *Node) PeerID() string { return n.self }

// Start spawns the node's actors and connects it to its transport.
func (n *Node) Start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.started {
		return errors.New("actors: node already started")
	}
	if n.shared != nil {
		n.shared.join(n)
	}
	if err := n.start(); err != nil {
		if n.shared != nil {
			n.shared.leave(n)
		}
		return err
	}
	return nil
}

// warmIdle is the most goroutines of the node's dispatcher kept waiting for work, each with
// the stack it grew (a few KiB to some tens: at most a few MiB in all).
const warmIdle = 256

// start is Start once the node has joined its shared system, if it has one (whose failure
// hook then reaches it). The caller holds n.mu.
func (n *Node) start() error {
	db, err := store.Open(store.Options{Dir: n.env.DataDir, FS: n.env.FS, Logger: n.env.Logger,
		Cache: n.env.Store.Cache, MemTableSize: n.env.Store.MemTableSize, NoCompactionTicker: n.env.Store.NoCompactionTicker, NoWAL: n.env.Store.NoWAL})
	if err != nil {
		return fmt.Errorf("actors: %w", err)
	}
	n.db = db
	n.started = true
	opts := n.env.ActorOptions
	if len(opts) == 0 { // on protoactor's goroutines and real time, not simulated
		// The node's own actors run the interpreter, whose recursion grows a fresh
		// goroutine's stack by copying it on every activation: they run on goroutines kept
		// warm instead (a particle's run spent 15% of its time copying stacks). Every actor
		// with mail holds a goroutine, however few the cores, so the goroutines kept idle are
		// sized by the actors busy at once, not by GOMAXPROCS: with 64 particles in flight
		// and 4 kept (2 per core), 6% of a node's CPU still went to growing the stacks of new
		// ones; with warmIdle, none. A warm goroutine idle for 500 ms ends.
		n.warm = dispatch.NewWarm(warmIdle, 300)
		opts = []actor.PropsOption{actor.WithDispatcher(n.warm)}
	}
	var metrics *router.Metrics
	var particleMetrics *particles.Metrics
	var registryMetrics *registry.Metrics
	if n.env.Metrics != nil {
		reg := prometheus.WrapRegistererWith(prometheus.Labels{"peer": n.self}, n.env.Metrics)
		var err error
		if metrics, err = router.NewMetrics(reg); err == nil {
			if particleMetrics, err = particles.NewMetrics(reg); err == nil {
				registryMetrics, err = registry.NewMetrics(reg)
			}
		}
		if err != nil {
			n.db.Close()
			n.started = false
			return fmt.Errorf("actors: registering metrics: %w", err)
		}
	}
	transport := n.env.Transport(n.self, n)
	connectivity, _ := transport.(core.Connectivity) // without it, peer.connect and the like fail
	if late, ok := transport.(core.LateFailures); ok {
		late.OnUndelivered(n.undelivered)
	}
	wasm, err := n.startWasm(db)
	if err != nil {
		n.db.Close()
		n.started = false
		return fmt.Errorf("actors: %w", err)
	}
	n.wasmHost = wasm.Catalog.Host()
	tg, err := trustsvc.Open(db, trustsvc.Config{Host: n.self, Clock: n.env.Clock, Roots: n.env.Trust.Roots, Certificates: n.env.Trust.Certificates,
		MaySetRoots: func(p string) bool { return p == n.self || p == n.env.Management }})
	if err != nil {
		n.db.Close()
		n.started = false
		return fmt.Errorf("actors: %w", err)
	}
	n.trust = tg
	routing, _ := transport.(core.Routing) // without it, the node stores records but finds no peers
	var dhtMetrics prometheus.Registerer
	if n.env.Metrics != nil {
		dhtMetrics = prometheus.WrapRegistererWith(prometheus.Labels{"peer": n.self}, n.env.Metrics)
	}
	dht, err := dhtsvc.Open(db, dhtsvc.Config{Key: trust.Signer(n.env.Key), Clock: n.env.Clock, Routing: routing,
		Weigh: tg.WeightOf, Table: n.env.DHT.Table, Replicas: n.env.DHT.Replicas, MaxTTL: n.env.DHT.MaxTTL, Metrics: dhtMetrics})
	if err != nil {
		n.db.Close()
		n.started = false
		return fmt.Errorf("actors: %w", err)
	}
	n.dht = dht
	triggers, err := triggersvc.Open(db, triggersvc.Config{Key: n.env.Key, Management: n.env.Management, Clock: n.env.Clock,
		Start: func(p particle.Particle) { n.Deliver(n.self, p) }, MaxPerOwner: n.env.Triggers.MaxPerOwner, MaxTotal: n.env.Triggers.MaxTotal,
		MinEvery: n.env.Triggers.MinEvery, TTL: n.env.Triggers.TTL, Logger: n.env.Logger})
	if err != nil {
		n.db.Close()
		n.started = false
		return fmt.Errorf("actors: %w", err)
	}
	n.triggers = triggers
	if every := cmp.Or(n.env.DHT.RepublishEvery, DefaultRepublishEvery); every > 0 {
		n.keepDHT(every)
	}
	if server, ok := transport.(core.RoutingServer); ok {
		server.ServeRouting(dht.Handle)
	}
	ledgerProps := service.Props(service.Env{Clock: n.env.Clock}, func() service.Handler {
		return service.HandlerFunc(func(service.CallContext, string, []value.Value) (value.Value, error) {
			return value.Value{}, errors.New("this node keeps no ledger: it is not a validator (its config names no genesis)")
		})
	}, opts...)
	if g := n.env.Ledger.Genesis; g != nil {
		lt, ok := transport.(core.LedgerTransport)
		if !ok {
			n.db.Close()
			n.started = false
			return errors.New("actors: a validator needs a transport that carries the ledger's messages")
		}
		var lg ledgersvc.Ledger
		if slices.ContainsFunc(g.Validators, func(v ledger.Validator) bool { return v.Key.String() == n.self }) {
			lg, err = ledgersvc.Open(db, ledgersvc.Config{Genesis: *g, Self: n.self,
				Transport: lt, Clock: n.env.Clock, TickEvery: n.env.Ledger.TickEvery, Logger: n.env.Logger,
				Revoked: n.revokeInTrust})
		} else {
			lg, err = ledgersvc.OpenFollower(db, ledgersvc.FollowerConfig{Genesis: *g, Self: n.self,
				Transport: lt, Clock: n.env.Clock, PollEvery: n.env.Ledger.PollEvery, Logger: n.env.Logger,
				Revoked: n.revokeInTrust})
		}
		if err != nil {
			n.db.Close()
			n.started = false
			return fmt.Errorf("actors: %w", err)
		}
		n.ledger = lg
		ledgerProps = ledgersvc.Props(lg, opts...)
	}
	var guardMetrics prometheus.Registerer
	if n.env.Metrics != nil {
		guardMetrics = prometheus.WrapRegistererWith(prometheus.Labels{"peer": n.self}, n.env.Metrics)
	}
	guard, err := newPerimeterGuard(n, guardMetrics)
	if err != nil {
		if n.ledger != nil {
			n.ledger.Close()
		}
		n.db.Close()
		n.started = false
		return fmt.Errorf("actors: registering metrics: %w", err)
	}
	// One actor serves the triggers' builtins and their particles' getDataSrv and callbackSrv.
	triggerProps := service.Props(service.Env{Clock: n.env.Clock, Faults: n.env.Faults}, func() service.Handler { return triggers }, opts...)
	dhtBuiltins := dhtsvc.BuiltinConfig{Host: n.self, Management: n.env.Management, Addresses: n.multiaddrs}
	registryProps := registry.Props(registry.Config{Host: n.self, Management: n.env.Management, Clock: n.env.Clock,
		NodeServices: map[string]*actor.Props{
			peerService: peersvc.Props(peersvc.Config{Host: n.self, Management: n.env.Management,
				Clock: n.env.Clock, NodeVersion: n.env.NodeVersion, Addresses: n.env.Addresses, Connectivity: connectivity}, opts...),
			distService:              service.Props(service.Env{Clock: n.env.Clock, Faults: n.env.Faults}, func() service.Handler { return wasm.Dist }, opts...),
			trustsvc.ServiceID:       service.Props(service.Env{Clock: n.env.Clock, Faults: n.env.Faults}, func() service.Handler { return tg }, opts...),
			triggersvc.ScriptService: triggerProps,
			triggersvc.SpellService:  triggerProps,
			dhtsvc.KadService:        dht.Props(dhtBuiltins, opts...),
			dhtsvc.DHTService:        dht.Props(dhtBuiltins, opts...),
			ledgersvc.ServiceID:      ledgerProps,
		},
		Metrics: registryMetrics, Faults: n.env.Faults, Overrides: n.env.Overrides, Wasm: wasm, Guard: guard.check,
		TriggerData: &registry.TriggerData{Serves: triggers.DataFor, Owner: triggers.OwnerOf, Props: triggerProps}}, opts...)
	pure := pureServices(n.env.Overrides)
	local := registry.Local(n.env.Clock, n.env.Faults, registryMetrics, pure)
	routerProps := func(registry, network *actor.PID) *actor.Props {
		return router.Props(router.Config{Self: n.self, Key: n.env.Key, Clock: n.env.Clock, Logger: n.env.Logger,
			Limits: n.env.Limits, Bounds: n.env.Bounds, Budget: n.env.Budget, Metrics: metrics, Registry: registry, Network: network,
			Store: particles.NewStore(db), ParticleMetrics: particleMetrics, Faults: n.env.Faults,
			ParseCache: interpreter.NewParseCache(n.env.ParseCacheSize), Pure: pure,
			Local: local}, opts...)
	}
	networkProps := func(router *actor.PID) *actor.Props {
		return network.Props(network.Config{Self: n.self, Transport: transport, Router: router, Logger: n.env.Logger}, opts...)
	}
	pids, err := spawnRoot(n.system, n.prefix+rootName, n.env, registryProps, routerProps, networkProps)
	if err != nil {
		if n.ledger != nil {
			n.ledger.Close()
		}
		n.db.Close()
		n.started = false
		return fmt.Errorf("actors: %w", err)
	}
	n.root, n.registry, n.router, n.network = pids.root, pids.registry, pids.router, pids.network
	if nt, ok := transport.(core.NoticeTaker); ok {
		nt.OnNotice(n.noticeIn)
	}
	triggers.Start()
	return nil
}

// noticeIn hands a notice that came from the peer from to the network actor, which passes it
// on to the particle's initiator if this node sent it the particle (network.NoticeIn).
func (n *Node) noticeIn(from string, notice core.Notice) {
	n.mu.Lock()
	pid, ok := n.network, n.started && !n.stopping
	n.mu.Unlock()
	if ok {
		n.system.Root.Send(pid, &network.NoticeIn{From: from, Notice: notice})
	}
}

var _ core.Inbox = (*Node)(nil)

// pureServices says which services are pure functions of their arguments: the builtins of
// package builtin, unless an override answers one of their functions.
func pureServices(overrides []registry.Override) func(service string) bool {
	pure := map[string]bool{}
	for _, id := range builtin.Services() {
		pure[id] = true
	}
	for _, o := range overrides {
		delete(pure, o.Service)
	}
	return func(service string) bool { return pure[service] }
}

// undelivered hands a particle the transport gave up after Send to the network actor, which
// tells its initiator (network.Undelivered).
func (n *Node) undelivered(to string, p particle.Particle, err error) {
	n.mu.Lock()
	pid, ok := n.network, n.started && !n.stopping
	n.mu.Unlock()
	if ok {
		n.system.Root.Send(pid, &network.Undelivered{To: to, Particle: p, Err: err})
	}
}

// Deliver takes in a particle that arrived from the peer from (the node is the core.Inbox of
// its transport; a local client may call it too). It validates the particle (signature
// included) on the caller's goroutine, so that transports delivering from several goroutines
// check signatures in parallel, and hands it straight to the router, which counts and logs
// what fails validation (the network actor sends; an arrival needs no actor turn before the
// router's). After Stop begins, particles are dropped.
func (n *Node) Deliver(from string, p particle.Particle) {
	n.mu.Lock()
	rt, ok := n.router, n.started && !n.stopping
	n.mu.Unlock()
	if ok {
		err := particle.Validate(&p, n.env.Clock.Now(), n.env.Limits)
		n.system.Root.Send(rt, &router.Checked{From: from, Particle: p, Err: err})
	}
}

// SpawnAsync starts a service with a new id, owned by the node's operator; done gets the
// outcome, from an actor's goroutine. Use it when the node runs on a step dispatcher, whose loop
// the caller drives.
func (n *Node) SpawnAsync(id string, h service.Handler, done func(error), opts ...SpawnOption) {
	reply := n.system.Root.SpawnPrefix(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*registry.Spawned); ok {
			done(m.Err)
			ctx.Stop(ctx.Self())
		}
	}, n.env.ActorOptions...), n.prefix)
	spawn := &registry.Spawn{ID: id, Owner: n.env.Management, NewHandler: func() service.Handler { return h }, ReplyTo: reply}
	for _, o := range opts {
		o(spawn)
	}
	n.system.Root.Send(n.registry, spawn)
}

// Spawn starts a service with a new id and waits until it runs or ctx ends. With a step
// dispatcher, whose loop only the caller runs, use SpawnAsync instead.
func (n *Node) Spawn(ctx context.Context, id string, h service.Handler, opts ...SpawnOption) error {
	errc := make(chan error, 1)
	n.SpawnAsync(id, h, func(err error) { errc <- err }, opts...)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return fmt.Errorf("actors: spawning service %s: %w", id, ctx.Err())
	}
}

// The services a node runs next to the builtins: peer (package peersvc), dist (Wasm modules
// and blueprints, package wasmsvc) and trust-graph (package trustsvc).
const (
	peerService = "peer"
	distService = "dist"
)

// nodeServices are the services a node runs next to the builtins.
var nodeServices = []string{peerService, distService, trustsvc.ServiceID, dhtsvc.KadService, dhtsvc.DHTService, ledgersvc.ServiceID,
	triggersvc.ScriptService, triggersvc.SpellService}

// startWasm makes the node's Wasm host and catalog (their files under Env.Wasm.Dir).
func (n *Node) startWasm(db *pebble.DB) (*registry.Wasm, error) {
	cfg := wasmhost.NewConfig()
	if n.env.Wasm.Host != nil {
		cfg = *n.env.Wasm.Host
	}
	cfg = cfg.WithClock(n.env.Clock).WithSeed(n.env.Wasm.Seed)
	var servicesDir string
	if dir := n.env.Wasm.Dir; dir != "" {
		cfg = cfg.WithCompilationCacheDir(filepath.Join(dir, "cache"))
		servicesDir = filepath.Join(dir, "services")
	}
	host, err := wasmhost.New(cfg)
	if err != nil {
		return nil, err
	}
	catalog := wasmsvc.NewCatalog(db, host)
	dist := wasmsvc.NewDist(wasmsvc.DistConfig{Host: n.self, Management: n.env.Management, OpenDeploy: n.env.Wasm.OpenDeploy,
		MaxStoredModuleBytes: n.env.Wasm.MaxStoredModuleBytes, MaxBlueprints: n.env.Wasm.MaxBlueprints, MaxServicesPerPeer: n.env.Wasm.MaxServicesPerPeer}, catalog)
	w := &registry.Wasm{Catalog: catalog, Dist: dist, Dir: servicesDir, Seed: n.env.Wasm.Seed, PoolSize: n.env.Wasm.PoolSize}
	if len(n.env.ActorOptions) == 0 { // on protoactor's goroutines and real time, not simulated
		n.wasmDispatch = dispatch.NewWarm(2*runtime.GOMAXPROCS(0), 300)
		w.ActorOptions = []actor.PropsOption{actor.WithDispatcher(n.wasmDispatch)}
		w.StopAtDeadline = true
	}
	return w, nil
}

// ReservedServices returns the service ids every node serves itself (its builtins, srv, stat,
// peer): a Go service cannot take one.
func ReservedServices() []string { return registry.Reserved(nodeServices...) }

// StatsAsync asks for the particle router's counters; done gets them, from an actor's
// goroutine. Use it when the node runs on a step dispatcher, whose loop the caller drives.
func (n *Node) StatsAsync(done func(router.Stats)) {
	reply := n.system.Root.SpawnPrefix(actor.PropsFromFunc(func(c actor.Context) {
		if m, ok := c.Message().(*router.Stats); ok {
			done(*m)
			c.Stop(c.Self())
		}
	}, n.env.ActorOptions...), n.prefix)
	n.system.Root.Send(n.router, &router.GetStats{ReplyTo: reply})
}

// Actors returns how many actors the node has: with nothing going on, its own (the root,
// router, registry and services, network); each live particle adds its actor. A node with a
// system of its own counts the system's own processes too; in a shared one, this walks every
// node's actors (System.Actors counts them all at once).
func (n *Node) Actors() int {
	count := 0
	for _, bucket := range n.system.ProcessRegistry.LocalPIDs.LocalPIDs {
		if n.shared == nil {
			count += bucket.Count()
			continue
		}
		bucket.IterCb(func(id string, _ any) {
			if strings.HasPrefix(id, n.prefix) {
				count++
			}
		})
	}
	return count
}

// Stats returns the particle router's counters (live particles, arrivals, rejections by
// reason, expiries), or an error if ctx ends first. Like Spawn, it needs a dispatcher that runs
// on its own.
func (n *Node) Stats(ctx context.Context) (router.Stats, error) {
	statsc := make(chan router.Stats, 1)
	n.StatsAsync(func(s router.Stats) { statsc <- s })
	select {
	case s := <-statsc:
		return s, nil
	case <-ctx.Done():
		return router.Stats{}, fmt.Errorf("actors: asking for the router's stats: %w", ctx.Err())
	}
}

// Kill abandons the node as a crash would: nothing more is taken in and the store is closed
// at once, whatever the actors had in flight. It is for simulators, which stop running the
// node's actors themselves (and take the filesystem's crash image first); the actor system is
// left to the garbage collector.
func (n *Node) Kill() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.started || n.stopping {
		return errors.New("actors: node not running")
	}
	n.stopping = true
	if n.republish != nil {
		n.republish.Stop()
	}
	n.triggers.Close()
	n.dht.Close()
	if n.ledger != nil {
		n.ledger.Close()
	}
	if n.shared != nil {
		n.shared.leave(n)
	}
	return n.db.Close()
}

// keepDHT republishes the node's keys and drops expired records every period, until the node
// stops. The caller holds n.mu.
func (n *Node) keepDHT(every time.Duration) {
	n.republish = n.env.Clock.AfterFunc(every, func() {
		n.mu.Lock()
		stopping := n.stopping
		n.mu.Unlock()
		if stopping {
			return
		}
		n.dht.Republish(n.multiaddrs())
		n.mu.Lock()
		defer n.mu.Unlock()
		if !n.stopping {
			n.keepDHT(every)
		}
	})
}

// Stop stops taking particles in, lets the active ones (those with data to merge or calls out)
// go on until they are done, reach their deadlines or ctx ends, then stops every actor of the
// node, waits for them to stop and closes the store. If an actor does not stop before ctx ends
// (a service stuck in its handler), the store stays open, so that nothing writes to a closed
// one, and the error says so.
func (n *Node) Stop(ctx context.Context) error {
	n.mu.Lock()
	if !n.started || n.stopping {
		n.mu.Unlock()
		return errors.New("actors: node not running")
	}
	n.stopping = true
	if n.republish != nil {
		n.republish.Stop()
	}
	n.triggers.Close()
	n.mu.Unlock()

	drained := make(chan struct{}, 1)
	routerPID := n.router
	waiter := n.system.Root.SpawnPrefix(actor.PropsFromFunc(func(ctx actor.Context) {
		switch ctx.Message().(type) {
		case *actor.Started:
			ctx.Watch(routerPID) // a router that is gone has nothing left to drain
		case *router.Drained, *actor.Terminated:
			select {
			case drained <- struct{}{}:
			default:
			}
		}
	}, n.env.ActorOptions...), n.prefix)
	n.system.Root.Send(n.router, &router.NotifyDrained{ReplyTo: waiter})
	var err error
	select {
	case <-drained:
	case <-ctx.Done():
		err = fmt.Errorf("actors: stopping with particles still live: %w", ctx.Err())
	}
	return errors.Join(err, n.stopAll(ctx, []*actor.PID{waiter, n.root}))
}

// stopAll stops pids and waits until each has terminated (with its children), then closes the
// store; or it returns when ctx ends: an actor stuck in a handler that never returns cannot
// stop, and Stop must not hang on it. The store is closed only once every actor has stopped, so
// that nothing writes to a closed one.
func (n *Node) stopAll(ctx context.Context, pids []*actor.PID) error {
	all := make(chan error, 1)
	var left atomic.Int64
	left.Store(int64(len(pids)))
	// The watcher stays, if ctx ends first, to close the store once the last actor stops.
	n.system.Root.SpawnPrefix(actor.PropsFromFunc(func(c actor.Context) {
		switch c.Message().(type) {
		case *actor.Started:
			for _, p := range pids {
				c.Watch(p)
			}
		case *actor.Terminated:
			if left.Add(-1) == 0 {
				var err error
				n.dht.Close()
				if n.ledger != nil {
					n.ledger.Close()
				}
				if closeErr := n.db.Close(); closeErr != nil {
					err = fmt.Errorf("actors: closing the store: %w", closeErr)
				}
				n.wasmHost.Close(context.Background())
				if n.wasmDispatch != nil {
					n.wasmDispatch.Close()
				}
				if n.warm != nil {
					n.warm.Close()
				}
				if n.shared != nil {
					n.shared.leave(n)
				}
				all <- err
				c.Stop(c.Self())
			}
		}
	}, n.env.ActorOptions...), n.prefix)
	for _, p := range pids {
		n.system.Root.Stop(p)
	}
	select {
	case err := <-all:
		return err
	case <-ctx.Done():
		select {
		case err := <-all: // both were ready
			return err
		default:
		}
		return fmt.Errorf("actors: %d actors had not stopped when the context ended (the store closes when they do): %w", left.Load(), ctx.Err())
	}
}

// quieter is a handler that lowers records below warnings to debug.
type quieter struct{ slog.Handler }

func (q quieter) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		r.Level = slog.LevelDebug
	}
	if !q.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return q.Handler.Handle(ctx, r)
}

func (q quieter) Enabled(ctx context.Context, l slog.Level) bool {
	return q.Handler.Enabled(ctx, l) || l < slog.LevelWarn && q.Handler.Enabled(ctx, slog.LevelDebug)
}

func (q quieter) WithAttrs(as []slog.Attr) slog.Handler { return quieter{q.Handler.WithAttrs(as)} }
func (q quieter) WithGroup(g string) slog.Handler       { return quieter{q.Handler.WithGroup(g)} }

// Trust is the node's TrustGraph: other parts ask it for weights (connection management, the
// DHT, service access). Nil before Start.
func (n *Node) Trust() *trustsvc.Service { return n.trust }

// Triggers are the scripts the node runs by itself: Invoke runs an HTTP trigger.
func (n *Node) Triggers() *triggersvc.Service { return n.triggers }

// DHT is the node's part in the DHT: the records it stores, its lookups.
func (n *Node) DHT() *dhtsvc.Service { return n.dht }

// revokeInTrust gives the node's TrustGraph the revocations the ledger committed: once
// committed, a revocation holds on every node that keeps the ledger.
func (n *Node) revokeInTrust(revs []trust.Revocation) {
	for _, r := range revs {
		if err := n.trust.Revoke(r); err != nil {
			n.env.Logger.Warn("a revocation the ledger committed is refused by the trust graph", "revoked", r.Revoked.String(), "by", r.RevokedBy.String(), "error", err)
		}
	}
}

// Ledger returns the node's ledger, nil when it is no validator.
func (n *Node) Ledger() ledgersvc.Ledger { return n.ledger }

// multiaddrs are the node's addresses (Env.Addresses) that parse, for the records it signs.
func (n *Node) multiaddrs() []multiaddr.Multiaddr {
	var out []multiaddr.Multiaddr
	for _, a := range n.env.Addresses {
		if m, err := multiaddr.NewMultiaddr(a); err == nil && len(out) < kademlia.MaxAddrs {
			out = append(out, m)
		}
	}
	return out
}
