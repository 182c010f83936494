// Package router is the particle router actor: every particle that reaches the node comes here
// first. It validates it (particle.Validate on the node's clock), drops replays, and hands it to
// the particle's actor, spawning that actor, under its own supervision, when the particle has
// none.
//
// A particle on this node is active (its actor runs: it has data to merge or calls out) or
// finished (its actor reported Finished; its data waits in the particle store). The actors of
// the particles that finished last are kept, within Bounds.MaxKept and MaxKeptBytes, the
// oldest stopped first: a particle that comes back (a relay sees most twice: on the way out and
// back) goes on in the actor it had, without a new actor and a load of its data from the store.
// Until the particle's deadline the router keeps, for both, the entry that recognises replays;
// at the deadline the entry and the stored data go. One timer of the router's, armed for the
// earliest deadline of the particles it knows (a heap of their keys), stands for all of them,
// rather than a timer per particle: when it fires, the finished particles whose deadline has
// come are forgotten, in the keys' order, and the actors of the active ones are told to expire
// (they arm no timer of their own); an active one goes when its actor, expiring, stops, or when
// it reports Finished past its deadline.
package router

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/actors/supervise"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/fault"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/particle"
)

// Config is what the router needs.
type Config struct {
	Self     string // this node's peer id
	Key      ed25519.PrivateKey
	Clock    clock.Clock
	Logger   *slog.Logger
	Limits   particle.Limits
	Registry *actor.PID // given to particle actors
	Network  *actor.PID // given to particle actors
	Store    core.Store // the particles' data between visits; required
	// Metrics, if set, are updated with the Stats; ParticleMetrics go to the particle actors.
	Metrics         *Metrics
	ParticleMetrics *particles.Metrics
	Faults          fault.Points // given to particle actors
	// ParseCache is the node's cache of parsed scripts, given to particle actors (nil: none).
	ParseCache *interpreter.ParseCache
	// Pure says which services are pure functions of their arguments (particles.Config.Pure).
	Pure func(service string) bool
	// Local answers calls in the particle actors' own turns (particles.Config.Local).
	Local func(*service.Call) (interpreter.CallResult, bool)
	// Budget is given to particle actors: what one interpreter run may spend.
	Budget interpreter.Limits
	// LogEvery is the least time between two log lines about rejections of one reason; default
	// one minute.
	LogEvery time.Duration
	Bounds
	// Weight, if set, is the trust the node puts in an initiator, by its peer id in base58 (the
	// TrustGraph's weight; 0: none). Once the node holds nine tenths of MaxParticles or MaxBytes,
	// only particles of initiators of some weight are taken: the last tenth is theirs, so that a
	// crowd of strangers cannot fill the node to the exclusion of the peers it trusts. Nil: no
	// initiator is told apart, and the whole of both bounds is anyone's.
	Weight func(initPeer string) uint64
}

// Bounds are what strangers can make the router keep or do (docs/SECURITY.md); a zero field
// takes its default. Over a bound, an arrival is rejected and counted under its reason.
type Bounds struct {
	// MaxArrivals: arrivals with different data of one particle (default 1,024, a particle's
	// default MaxHops: an honest particle makes no more hops in all): each costs an
	// interpreter run, and the signature covers the script, not the data.
	MaxArrivals int
	// MaxArrivalsPerSender: of those, from one peer (default 512: a loop that goes back and
	// forth between two peers arrives from each at every turn, and takes two hops a turn).
	MaxArrivalsPerSender int
	// MaxParticlesPerInit: particles of one initiator known here, active or waiting for their
	// deadline (default 1,024).
	MaxParticlesPerInit int
	// MaxParticles: all of them (default 100,000).
	MaxParticles int
	// MaxBytesPerInit: the data of one initiator's particles known here, each counted at the
	// largest data of it that arrived (default 256 MiB); what the node's own calls add to it
	// is bounded by the interpreter's memory budget.
	MaxBytesPerInit int
	// MaxBytes: the data of all of them (default 4 GiB).
	MaxBytes int
	// MaxKept: finished particles whose actor is kept for their next arrival, and MaxKeptBytes
	// the memory their data takes, encoded and decoded (particles.Finished.Bytes; defaults 32
	// and 64 MiB); past either, the actor kept longest is stopped (its particle's data is in
	// the store).
	MaxKept, MaxKeptBytes int
}

// Defaults of Config's bounds.
const (
	DefaultMaxArrivals          = 1024
	DefaultMaxArrivalsPerSender = 512
	DefaultMaxParticlesPerInit  = 1024
	DefaultMaxParticles         = 100_000
	DefaultMaxBytesPerInit      = 256 << 20
	DefaultMaxBytes             = 4 << 30
	DefaultMaxKept              = 32
	DefaultMaxKeptBytes         = 64 << 20
)

// Rejections of the router's own (particle.Reason labels the others), counted under
// "too_many_arrivals", "too_many_particles" and "too_much_data".
var (
	ErrTooManyArrivals  = errors.New("too many arrivals of this particle")
	ErrTooManyParticles = errors.New("too many particles")
	ErrTooMuchData      = errors.New("too much particle data")
)

// reasonOf labels a rejection for the stats and metrics.
func reasonOf(err error) string {
	switch {
	case errors.Is(err, ErrTooManyArrivals):
		return "too_many_arrivals"
	case errors.Is(err, ErrTooManyParticles):
		return "too_many_particles"
	case errors.Is(err, ErrTooMuchData):
		return "too_much_data"
	}
	return particle.Reason(err)
}

// Incoming is a particle that reached this node from the peer From (this node's own id for a
// particle it sends itself); the router validates it.
type Incoming struct {
	From     string
	Particle particle.Particle
}

// Checked is a particle that reached this node and that whoever hands it in has validated
// already (particle.Validate on the node's clock and limits; Err is the outcome): a transport
// that does so on its own goroutines spreads the cost of checking signatures, the largest of
// a short particle's, over the machine's cores instead of the router's one mailbox.
type Checked struct {
	From     string
	Particle particle.Particle
	Err      error
}

// GetStats asks the router for its counters; it replies to ReplyTo with Stats.
type GetStats struct{ ReplyTo *actor.PID }

// NotifyDrained asks the router to send Drained to ReplyTo once no particle is active (at once
// if none is).
type NotifyDrained struct{ ReplyTo *actor.PID }

// Drained answers NotifyDrained.
type Drained struct{}

// Stats are the router's counters.
type Stats struct {
	Live     int               // active particles: their actor runs
	Finished int               // particles done here for now, waiting for more data or their deadline
	Kept     int               // of those, particles whose actor is kept (Bounds.MaxKept)
	Bytes    int               // data of those, each at the largest data of it that arrived (Bounds.MaxBytes)
	Accepted uint64            // arrivals handed to a particle actor
	Replays  uint64            // arrivals dropped because the same particle with the same data came before
	Rejected map[string]uint64 // by particle.Reason
	Expired  uint64            // particles that reached their deadline here
	Failed   uint64            // particle actors that could not go on (their data could not be read)
}

type entry struct {
	pid  *actor.PID // nil while finished, unless its actor is kept
	sent int        // arrivals handed to pid, the first included
	// kept, if not 0, is the entry's place among the kept actors (routerActor.kept): the
	// particle is finished and its actor, pid, waits for the next arrival. keptBytes is the data
	// it holds.
	kept      uint64
	keptBytes int
	// seen are the hashes of the data that arrived, each once, and from the arrivals accepted
	// by sender: slices, not maps, since most particles have one arrival on a node and none
	// more than MaxArrivals, and a scan of a few costs less than two maps made per particle.
	seen  []core.DataHash
	from  []sender
	bytes int // the largest data of the particle that arrived, counted in the bounds
}

// sender counts the arrivals of a particle accepted from one peer.
type sender struct {
	peer string
	n    int
}

func (e *entry) saw(h core.DataHash) bool { return slices.Contains(e.seen, h) }

func (e *entry) see(h core.DataHash) {
	if !e.saw(h) {
		e.seen = append(e.seen, h)
	}
}

// fromPeer returns how many arrivals were accepted from peer.
func (e *entry) fromPeer(peer string) int {
	for _, s := range e.from {
		if s.peer == peer {
			return s.n
		}
	}
	return 0
}

func (e *entry) countFrom(peer string) {
	for i := range e.from {
		if e.from[i].peer == peer {
			e.from[i].n++
			return
		}
	}
	e.from = append(e.from, sender{peer, 1})
}

// keptKey is a place in routerActor.kept.
type keptKey struct {
	key particles.Key
	gen uint64
}

// use is what the particles of one initiator, or of all, hold on the node.
type use struct{ particles, bytes int }

// tick is the router's timer's message: the first of its deadlines has come. Gen tells the
// timer armed last from one stopped after its message was sent.
type tick struct{ gen uint64 }

// Props returns the router actor.
func Props(cfg Config, opts ...actor.PropsOption) *actor.Props {
	if cfg.LogEvery <= 0 {
		cfg.LogEvery = time.Minute
	}
	for _, b := range []struct {
		v   *int
		def int
	}{{&cfg.MaxArrivals, DefaultMaxArrivals}, {&cfg.MaxArrivalsPerSender, DefaultMaxArrivalsPerSender},
		{&cfg.MaxParticlesPerInit, DefaultMaxParticlesPerInit}, {&cfg.MaxParticles, DefaultMaxParticles},
		{&cfg.MaxBytesPerInit, DefaultMaxBytesPerInit}, {&cfg.MaxBytes, DefaultMaxBytes},
		{&cfg.MaxKept, DefaultMaxKept}, {&cfg.MaxKeptBytes, DefaultMaxKeptBytes}} {
		if *b.v <= 0 {
			*b.v = b.def
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return actor.PropsFromProducer(func() actor.Actor {
		return &routerActor{cfg: cfg, opts: opts, entries: map[particles.Key]*entry{}, perInit: map[string]use{}, byPID: map[string]particles.Key{},
			stats: Stats{Rejected: map[string]uint64{}}, lastLog: map[string]time.Time{}}
	}, append(opts, actor.WithSupervisor(&supervise.Strategy{Clock: cfg.Clock, HandBack: true,
		GiveUp: func(child *actor.PID, message, reason any) {
			cfg.Logger.Error("a message failed a particle actor twice and is dropped", "actor", child.Id, "message", fmt.Sprintf("%T", message), "reason", reason)
		}}))...)
}

type routerActor struct {
	cfg     Config
	opts    []actor.PropsOption
	entries map[particles.Key]*entry
	perInit map[string]use           // entries by initiator
	total   use                      // all entries
	byPID   map[string]particles.Key // particle actor id -> its particle, until the actor terminates
	active  int                      // entries with an actor that is not kept
	// kept are the keys of the finished particles whose actor is kept, oldest first, each with
	// its entry's place (entry.kept): a key whose entry has another place, or none, is skipped
	// (its particle came back, or went). nKept and keptBytes count the valid ones; keptGen is
	// the last place given.
	kept      []keptKey
	nKept     int
	keptBytes int
	keptGen   uint64
	// storedBefore is the latest deadline of the data the store held at the start: a new
	// particle with a later one cannot have data there.
	storedBefore uint64
	stats        Stats
	lastLog      map[string]time.Time // reason -> when it was last logged
	waiting      []*actor.PID         // to tell when no particle is active
	// deadlines are the keys of the entries, each put in when its entry is made; one timer,
	// armed for the first (at timerAt, generation gen), stands for all of them, instead of one
	// per particle.
	deadlines deadlines
	timer     clock.Timer
	timerAt   uint64
	gen       uint64
	stopping  bool // the router stops, and its particles' actors with it
}

func (r *routerActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		// What an earlier run of the node left behind: what is out of date goes, and the rest
		// is looked for when its particle comes back.
		if err := r.cfg.Store.DeleteExpired(clock.UnixMilli(r.cfg.Clock)); err != nil {
			r.cfg.Logger.Error("expired particle data not deleted", "error", err)
		}
		if d, ok, err := r.cfg.Store.LastDeadline(); err != nil {
			r.cfg.Logger.Error("particle store unreadable: every new particle looks for old data", "error", err)
			r.storedBefore = ^uint64(0)
		} else if ok {
			r.storedBefore = d
		}
	case *actor.Stopping:
		r.stopping = true
	case *actor.Stopped:
		if r.timer != nil {
			r.timer.Stop()
		}
	case *Incoming:
		r.faultPoint()
		r.incoming(ctx, m.From, m.Particle, particle.Validate(&m.Particle, r.cfg.Clock.Now(), r.cfg.Limits))
	case *Checked:
		r.faultPoint()
		r.incoming(ctx, m.From, m.Particle, m.Err)
	case *particles.Finished:
		r.finished(ctx, m)
	case *particles.Expired:
		r.expired()
	case *particles.Failed:
		r.stats.Failed++
		r.cfg.Logger.Error("particle dropped: its data could not be read", "particle", m.Key.ID, "error", m.Err)
	case tick:
		if m.gen == r.gen {
			r.timer = nil
			r.deadlinesPassed(ctx)
		}
	case *actor.Terminated:
		// A particle actor stopped: after Finished, its entry stays; otherwise (its deadline, a
		// failure) the particle is over here, and later copies fail validation as expired.
		k, ok := r.byPID[m.Who.Id]
		if !ok {
			return
		}
		delete(r.byPID, m.Who.Id)
		if len(r.byPID) == 0 {
			r.byPID = map[string]particles.Key{}
		}
		e := r.entries[k]
		switch {
		case e == nil || e.pid == nil || e.pid.Id != m.Who.Id:
		case e.kept != 0:
			// A kept actor does nothing of its own: it stopped with the router (the node
			// stops). The particle stays finished, its data in the store for a restart.
			r.unkeep(e)
			e.pid = nil
		case r.stopping:
			// An active particle's actor stopped with the router (the node stops before the
			// particle is done here): its data stays in the store as last saved (before its
			// calls, durably), so that the restarted node goes on from it and makes no call
			// twice. Forgetting it would delete that data.
			r.setActive(-1)
			e.pid = nil
			r.tellDrained(ctx)
		default:
			r.setActive(-1)
			r.forget(k)
			r.tellDrained(ctx)
		}
	case *NotifyDrained:
		r.waiting = append(r.waiting, m.ReplyTo)
		r.tellDrained(ctx)
	case *GetStats:
		s := r.stats
		s.Live, s.Finished, s.Kept, s.Bytes = r.active, len(r.entries)-r.active, r.nKept, r.total.bytes
		s.Rejected = maps.Clone(r.stats.Rejected)
		ctx.Send(m.ReplyTo, &s)
	}
}

// faultPoint panics when the simulator (or a test) injects a failure of the router: the
// router's supervisor must then lose nothing (actors.spawnRoot).
func (r *routerActor) faultPoint() {
	if fault.On(r.cfg.Faults, "router.panic") {
		panic(fault.Panic{Point: "router.panic"})
	}
}

func (r *routerActor) incoming(ctx actor.Context, from string, p particle.Particle, invalid error) {
	if invalid != nil {
		r.reject(ctx, from, p, invalid)
		return
	}
	k := particles.KeyOf(&p)
	h := core.DataHash(sha256.Sum256(p.Data))
	e, ok := r.entries[k]
	switch {
	case ok && e.saw(h):
		r.stats.Replays++
		if m := r.cfg.Metrics; m != nil {
			m.Replays.Inc()
		}
		return
	case ok && len(e.seen) >= r.cfg.MaxArrivals:
		r.reject(ctx, from, p, fmt.Errorf("%w: %d with different data, the limit", ErrTooManyArrivals, len(e.seen)))
		return
	case ok && e.fromPeer(from) >= r.cfg.MaxArrivalsPerSender:
		r.reject(ctx, from, p, fmt.Errorf("%w: %d with different data from %s, the limit per sender", ErrTooManyArrivals, e.fromPeer(from), from))
		return
	case ok:
		grow := max(0, len(p.Data)-e.bytes)
		if err := r.room(&p, 0, grow); err != nil {
			r.reject(ctx, from, p, err)
			return
		}
		r.hold(k.InitPeerID, 0, grow)
		e.bytes += grow
		e.see(h)
	default:
		if err := r.room(&p, 1, len(p.Data)); err != nil {
			r.reject(ctx, from, p, err)
			return
		}
		e = &entry{bytes: len(p.Data)}
		r.entries[k] = e
		r.hold(k.InitPeerID, 1, e.bytes)
		r.deadlines.push(k)
		r.arm(ctx)
		if k.Deadline <= r.storedBefore && r.seenBefore(k, e, h) {
			// A replay of what the node merged before it restarted: the particle is finished
			// here, as it was then.
			r.stats.Replays++
			if m := r.cfg.Metrics; m != nil {
				m.Replays.Inc()
			}
			return
		}
		e.see(h)
	}
	e.countFrom(from)
	r.accept(ctx, from, p, k, h, e, ok)
}

// room says whether the node may keep n more particles of p's initiator and grow their data by b
// bytes (nothing to check when neither grows): within its bounds and, for an initiator of no
// weight when Config.Weight is set, within nine tenths of the node-wide ones.
func (r *routerActor) room(p *particle.Particle, n, b int) error {
	if n <= 0 && b <= 0 {
		return nil
	}
	mine := r.perInit[string(p.InitPeerID)]
	maxParticles, maxBytes, limit := r.cfg.MaxParticles, r.cfg.MaxBytes, "the limit"
	if r.cfg.Weight != nil && r.cfg.Weight(p.InitPeerID.String()) == 0 {
		maxParticles, maxBytes = maxParticles-maxParticles/10, maxBytes-maxBytes/10
		limit = "the limit for an initiator the node does not trust"
	}
	switch {
	case n > 0 && mine.particles+n > r.cfg.MaxParticlesPerInit:
		return fmt.Errorf("%w: %d of its initiator are here, the limit per initiator", ErrTooManyParticles, mine.particles)
	case n > 0 && r.total.particles+n > maxParticles:
		return fmt.Errorf("%w: %d are here, %s", ErrTooManyParticles, r.total.particles, limit)
	case b > 0 && mine.bytes+b > r.cfg.MaxBytesPerInit:
		return fmt.Errorf("%w: its initiator's particles hold %d bytes here, and %d more would pass the limit per initiator, %d", ErrTooMuchData, mine.bytes, b, r.cfg.MaxBytesPerInit)
	case b > 0 && r.total.bytes+b > maxBytes:
		return fmt.Errorf("%w: particles hold %d bytes here, and %d more would pass %s, %d", ErrTooMuchData, r.total.bytes, b, limit, maxBytes)
	}
	return nil
}

// hold counts n more particles of init, and b more bytes of their data (both negative when a
// particle goes).
func (r *routerActor) hold(init string, n, b int) {
	if n == 0 && b == 0 {
		return
	}
	u := r.perInit[init]
	u.particles, u.bytes = u.particles+n, u.bytes+b
	r.total.particles, r.total.bytes = r.total.particles+n, r.total.bytes+b
	if m := r.cfg.Metrics; m != nil {
		m.Known.Set(float64(r.total.particles))
		m.Bytes.Set(float64(r.total.bytes))
	}
	if u.particles <= 0 {
		delete(r.perInit, init)
		return
	}
	r.perInit[init] = u
}

// seenBefore fills e.seen with the arrivals of the particle the store says were merged before
// the node restarted, and reports whether h is one of them.
func (r *routerActor) seenBefore(k particles.Key, e *entry, h core.DataHash) bool {
	merged, err := r.cfg.Store.Merged(k)
	if err != nil {
		// Not knowing costs a run that finds nothing new to do, not a call run twice: the
		// data the calls were asked for in is what the particle's actor loads.
		r.cfg.Logger.Error("particle store unreadable: a replay may run again", "particle", k.ID, "error", err)
		return false
	}
	for _, m := range merged {
		e.see(m)
	}
	return e.saw(h)
}

// reject counts and logs a particle the node does not take, and tells its initiator why if it
// came straight from it (a client of this node).
func (r *routerActor) reject(ctx actor.Context, from string, p particle.Particle, err error) {
	now := r.cfg.Clock.Now()
	reason := reasonOf(err)
	r.stats.Rejected[reason]++
	if m := r.cfg.Metrics; m != nil {
		m.Rejected.WithLabelValues(reason).Inc()
	}
	if from != r.cfg.Self && r.cfg.Network != nil {
		// Its initiator hears why: straight if it sent the particle (a client of this node),
		// or through the peer that did, which passes the notice on if it is the client's relay
		// (particles.Notify). Not straight otherwise: the particle may not be what it says,
		// and a client must not hear a refusal of its particle made up by a stranger.
		n := &particles.Notify{Notice: core.Notice{ParticleID: p.ID, Peer: r.cfg.Self, Rejected: true, Reason: err.Error()}}
		if init := particle.PeerText(p.InitPeerID); from == init {
			n.To = init
		} else {
			n.Via = from
		}
		ctx.Send(r.cfg.Network, n)
	}
	if last, ok := r.lastLog[reason]; !ok || now.Sub(last) >= r.cfg.LogEvery {
		r.lastLog[reason] = now
		r.cfg.Logger.Warn("particle rejected", "reason", reason, "error", err, "particle", p.ID,
			"init_peer", p.InitPeerID.String(), "rejected_so_far", r.stats.Rejected[reason])
	}
}

// accept hands an arrival to its particle's actor, spawning it if the particle has none (ok:
// the particle was known here).
func (r *routerActor) accept(ctx actor.Context, from string, p particle.Particle, k particles.Key, h core.DataHash, e *entry, ok bool) {
	// Counted before it is handed on: the particle may be done, elsewhere, before this turn
	// ends.
	r.stats.Accepted++
	if m := r.cfg.Metrics; m != nil {
		m.Accepted.Inc()
	}
	if e.pid != nil {
		if e.kept != 0 { // back to the actor it had
			r.unkeep(e)
			r.setActive(+1)
		}
		e.sent++
		ctx.Send(e.pid, &particles.Arrival{From: from, Data: p.Data, Hash: h})
		return
	}
	restore := ok || k.Deadline <= r.storedBefore // finished here, or maybe before a restart
	e.pid = ctx.Spawn(particles.Props(particles.Config{Particle: p, From: from, Hash: h, Self: r.cfg.Self, Key: r.cfg.Key, Clock: r.cfg.Clock,
		Registry: r.cfg.Registry, Network: r.cfg.Network, Reports: ctx.Self(), Store: r.cfg.Store, Restore: restore,
		Logger: r.cfg.Logger, Metrics: r.cfg.ParticleMetrics, Faults: r.cfg.Faults, ParseCache: r.cfg.ParseCache, Budget: r.cfg.Budget, Pure: r.cfg.Pure, Local: r.cfg.Local,
		Told: true}, r.opts...))
	e.sent = 1
	r.byPID[e.pid.Id] = k
	r.setActive(+1)
}

// finished stops the actor of a particle that has nothing left to do, unless an arrival is on
// its way to it (then it reports again), and keeps the entry until the deadline.
func (r *routerActor) finished(ctx actor.Context, m *particles.Finished) {
	e, ok := r.entries[m.Key]
	if !ok || e.pid == nil || e.kept != 0 || e.sent != m.Arrivals {
		return
	}
	r.setActive(-1)
	if m.Key.Deadline <= clock.UnixMilli(r.cfg.Clock) {
		// It finished as its deadline came: its key came out of the deadlines (or is about
		// to) while it was active, so it goes now.
		ctx.Stop(e.pid)
		e.pid = nil
		r.expired()
		r.forget(m.Key)
	} else {
		r.keep(ctx, m.Key, e, m.Bytes)
	}
	r.tellDrained(ctx)
}

// keep keeps the actor of a particle that finished for its next arrival, and stops the actors
// kept longest while the kept ones are over their bounds.
func (r *routerActor) keep(ctx actor.Context, k particles.Key, e *entry, bytes int) {
	r.keptGen++
	e.kept, e.keptBytes = r.keptGen, bytes
	r.kept = append(r.kept, keptKey{k, r.keptGen})
	r.nKept++
	r.keptBytes += bytes
	for r.nKept > r.cfg.MaxKept || r.keptBytes > r.cfg.MaxKeptBytes {
		oldest := r.kept[0]
		r.kept[0] = keptKey{}
		r.kept = r.kept[1:]
		if o := r.entries[oldest.key]; o != nil && o.kept == oldest.gen {
			r.stopKept(ctx, o)
		}
	}
	if len(r.kept) > 2*r.nKept+64 { // the skipped places outnumber the kept: drop them
		r.kept = slices.DeleteFunc(r.kept, func(kk keptKey) bool {
			o := r.entries[kk.key]
			return o == nil || o.kept != kk.gen
		})
	}
	if m := r.cfg.Metrics; m != nil {
		m.Kept.Set(float64(r.nKept))
	}
}

// stopKept stops the kept actor of e; its particle stays finished, its data in the store.
func (r *routerActor) stopKept(ctx actor.Context, e *entry) {
	r.unkeep(e)
	ctx.Stop(e.pid)
	e.pid = nil
}

// unkeep takes e out of the kept actors: its particle came back, or goes.
func (r *routerActor) unkeep(e *entry) {
	r.nKept--
	r.keptBytes -= e.keptBytes
	e.kept, e.keptBytes = 0, 0
	if m := r.cfg.Metrics; m != nil {
		m.Kept.Set(float64(r.nKept))
	}
}

// deadlinesPassed forgets every finished particle whose deadline has come, and tells the actor
// of every active one to expire (particles.Config.Told: it has no timer of its own), in the
// deadlines' order. An active one's entry goes when its actor has stopped (Terminated), or when
// it reports Finished first. A key whose entry went before its deadline (its actor failed) may
// come out after a new entry of the same key was made: that entry is due all the same.
func (r *routerActor) deadlinesPassed(ctx actor.Context) {
	now := clock.UnixMilli(r.cfg.Clock)
	for len(r.deadlines) > 0 && r.deadlines.first().Deadline <= now {
		k := r.deadlines.pop()
		switch e, ok := r.entries[k]; {
		case !ok:
		case e.pid == nil:
			r.expired()
			r.forget(k)
		case e.kept != 0: // finished, its actor kept: nothing of it runs
			r.stopKept(ctx, e)
			r.expired()
			r.forget(k)
		default:
			ctx.Send(e.pid, particles.Expire{})
		}
	}
	r.arm(ctx)
}

// arm keeps the router's timer armed for the first of its deadlines: it moves it when an
// earlier one comes in, and stops it when none is left.
func (r *routerActor) arm(ctx actor.Context) {
	if len(r.deadlines) == 0 {
		if r.timer != nil {
			r.timer.Stop()
			r.timer = nil
		}
		return
	}
	at := r.deadlines.first().Deadline
	if r.timer != nil {
		if r.timerAt <= at {
			return
		}
		r.timer.Stop()
	}
	left := time.Duration(0)
	if now := clock.UnixMilli(r.cfg.Clock); at > now {
		left = time.Duration(at-now) * time.Millisecond
	}
	r.gen++
	self, system, gen := ctx.Self(), ctx.ActorSystem(), r.gen
	r.timer, r.timerAt = r.cfg.Clock.AfterFunc(left, func() { system.Root.Send(self, tick{gen}) }), at
}

func (r *routerActor) expired() {
	r.stats.Expired++
	if m := r.cfg.Metrics; m != nil {
		m.Expired.Inc()
	}
}

// forget drops a particle's entry and its stored data.
func (r *routerActor) forget(k particles.Key) {
	e := r.entries[k]
	delete(r.entries, k)
	r.hold(k.InitPeerID, -1, -e.bytes)
	if len(r.entries) == 0 {
		r.entries = map[particles.Key]*entry{} // Go maps do not shrink: give a burst's room back
	}
	slices.SortFunc(e.seen, func(a, b core.DataHash) int { return bytes.Compare(a[:], b[:]) }) // the entry goes: sorted in place
	if err := r.cfg.Store.Delete(k, e.seen); err != nil {
		r.cfg.Logger.Error("particle data not deleted; it goes at the next start", "particle", k.ID, "error", err)
	}
}

func (r *routerActor) setActive(delta int) {
	r.active += delta
	if m := r.cfg.Metrics; m != nil {
		m.Live.Set(float64(r.active))
	}
}

func (r *routerActor) tellDrained(ctx actor.Context) {
	if r.active > 0 {
		return
	}
	for _, w := range r.waiting {
		ctx.Send(w, &Drained{})
	}
	r.waiting = nil
}
