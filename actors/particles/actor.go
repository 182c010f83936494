package particles

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/fault"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// Config is what a particle actor needs.
type Config struct {
	Particle particle.Particle // as it first arrived (its Data is the first arrival)
	From     string            // the peer it first arrived from
	Hash     core.DataHash     // of Particle.Data: the first arrival
	Self     string            // this peer's id
	Key      ed25519.PrivateKey
	Clock    clock.Clock
	Registry *actor.PID // the service registry: calls go there
	Network  *actor.PID // sends go there, as *Send
	Reports  *actor.PID // gets *Finished, *Expired and *Failed (usually the router); may be nil
	// Store keeps the particle's data on this peer between visits: the actor loads it at its
	// start and saves it when the particle has nothing left to do here.
	Store core.Store
	// Restore says the store may hold data of this particle (it was here before); without it
	// the actor does not look.
	Restore bool
	Logger  *slog.Logger // nil: discard
	Metrics *Metrics     // nil: none
	// Faults are the fault points (nil outside a simulation): "particle.save" makes saving the
	// data fail, so the actor keeps it until the deadline.
	Faults fault.Points
	// ParseCache is the node's cache of parsed scripts (nil: parse at every run).
	ParseCache *interpreter.ParseCache
	// Budget is what one interpreter run may spend and accept (zero fields: the defaults).
	Budget interpreter.Limits
	// Pure, if set, says which services are pure functions of their arguments (the builtins
	// op, math, cmp, array, json): a call to one may run again after a machine crash and
	// give the same result, so a run whose calls are all to pure services does not save its
	// data before them (an Aqua hop through a relay calls op.noop there: it pays no write
	// before the call, let alone an fsync).
	Pure func(service string) bool
	// Local, if set, answers the calls it can in the actor's own turn (registry.Local: small
	// calls to pure builtins), reporting false for the others, which go to the Registry. The
	// run that asked for them goes on at once, without two messages and a turn of the
	// registry per call.
	Local func(*service.Call) (interpreter.CallResult, bool)
	// Told says that whoever spawned the actor sends it Expire at the particle's deadline (the
	// router does, from the one timer it keeps for all its particles), so the actor arms no
	// timer of its own: two per particle cost more than one per node. Without it the actor
	// expires by its own timer on Clock.
	Told bool
}

// KeyOf returns the key of particle p.
func KeyOf(p *particle.Particle) Key {
	return Key{ID: p.ID, InitPeerID: string(p.InitPeerID), Signature: string(p.Signature), Deadline: p.Timestamp + uint64(p.TTL)}
}

// Arrival is more data for the particle, from the peer From; Hash is its core.DataHash.
type Arrival struct {
	From string
	Data []byte
	Hash core.DataHash
}

// Send asks the network actor to deliver Particle to the peer To (the network actor counts the
// hop when the peer is another node).
type Send struct {
	To       string
	Particle particle.Particle
	// From is the peer this node last had the particle from, if not the initiator. A particle
	// for its initiator goes there instead when the initiator cannot be reached (From is then
	// the initiator's relay, if the initiator is a client); a particle that cannot be sent is
	// told there when the initiator is not connected here, so that the initiator's relay
	// passes it on (network.Undelivered, core.Notice's By).
	From string
	// IfConnected: send only over a connection the node already has, else not at all.
	IfConnected bool
}

// Notify asks the network actor to send Notice to the peer To if it has a connection to it
// (core.Notifier); if it has none, or To is empty, to Via (if set): the peer the particle came
// from, which passes it on to the particle's initiator if it sent the particle here and has a
// connection to the initiator (it is the initiator's relay).
type Notify struct {
	To     string
	Via    string
	Notice core.Notice
}

// Expired reports that a particle reached its deadline; Pending are the calls still unanswered.
type Expired struct {
	ID, InitPeerID string
	Pending        []uint32
}

// Finished reports that the particle has nothing left to do here for now, its data saved in
// the Store, after Arrivals arrivals (the first included). The actor may then be stopped: if
// no arrival was sent to it since (the sender counts them), nothing is lost. Or it may be kept
// for the next arrival: its data then takes some Bytes of memory (Machine.Held: encoded, and
// decoded for the next run).
type Finished struct {
	Key      Key
	Arrivals int
	Bytes    int
}

// Failed reports that the actor could not go on (its saved data could not be read) and stops.
type Failed struct {
	Key Key
	Err error
}

// errInjected is the failure of a fault point.
var errInjected = errors.New("a fault was injected")

// flush is the actor's note to itself to run the interpreter on what has come in.
type flush struct{}

// Expire tells a particle's actor that the particle's deadline has come: it reports Expired
// and stops. Its own timer sends it, or, with Config.Told, whoever spawned it.
type Expire struct{}

// Props returns the actor of one particle on this node. It runs the interpreter on the first
// arrival and on every later Arrival; it sends each call the interpreter asks for to the
// registry, with itself as the address of the answer (so the calls of par branches and fold
// iterations are in flight together), unless cfg.Local answers it at once, and feeds the
// answers back, all answers that are in by the time it runs together (while calls are out it
// runs on a note to itself, so answers queued behind the note join the same run; with none out
// it runs at once); it sends the data to the next peers through the network actor. When
// nothing is left to do (no data to merge, no call unanswered) it saves the data in cfg.Store
// and reports Finished, and the router may stop it; an actor that is still working at the
// particle's deadline (on cfg.Clock) stops itself, reporting Expired. If saving fails, the actor
// keeps the data and lives on until the deadline instead.
//
// Supervision: the particle's state (its Machine, the arrivals counted, the calls and sends not
// yet made) lives outside the actor instance, in the Props, so that an actor restarted after a
// failure goes on where it was: nothing that arrived is lost, and answers to calls already out
// reach it, since a restart keeps the actor's address. A call or send is taken off the outbox
// before it is made, so that a failure part-way never makes one twice (a call lost that way is
// answered by nobody, and the particle ends at its deadline, as with a lost message).
// Why no child actor per call: a restart stops an actor's children, and their answers with
// them.
func Props(cfg Config, opts ...actor.PropsOption) *actor.Props {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// One allocation holds the configuration and the state; each instance (a restart makes a
	// new one) points into it instead of copying the configuration.
	k := &kept{cfg: cfg}
	return actor.PropsFromProducer(func() actor.Actor { return &particleActor{cfg: &k.cfg, st: &k.st} }, opts...)
}

// kept is what a particle's Props keeps for every instance of its actor.
type kept struct {
	cfg Config
	st  state
}

// state is what a particle actor keeps across restarts.
type state struct {
	key      Key
	init     string // the particle's init peer id as text (base58: made once, not per call)
	m        *Machine
	arrivals int             // arrivals taken in, the first included
	queued   []core.DataHash // of the arrivals the machine has not run yet, oldest first
	merged   []core.DataHash // of the arrivals run since the data was last saved
	via      string          // the last peer other than this one and the initiator it came from
	complete bool            // the last run completed the script here
	flushed  bool            // a flush note is queued
	calls    []*service.Call // to make, in order
	sends    []*Send         // to hand to the network actor, in order
	timer    clock.Timer
}

type particleActor struct {
	cfg *Config
	st  *state
}

func (a *particleActor) Receive(ctx actor.Context) {
	st := a.st
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		if st.m != nil { // restarted: go on from the state kept
			a.arm(ctx)
			a.drain(ctx)
			st.flushed = false
			if st.m.Ready() {
				a.noteFlush(ctx)
			}
			return
		}
		p := a.cfg.Particle
		st.key, st.init = KeyOf(&p), particle.PeerText(p.InitPeerID)
		st.m = New(p.Script, interpreter.Params{InitPeerID: st.init, CurrentPeerID: a.cfg.Self,
			Timestamp: p.Timestamp, TTL: p.TTL, ParticleID: p.ID, Key: a.cfg.Key, SignOnlyToSend: true, ParseCache: a.cfg.ParseCache, Limits: a.cfg.Budget,
			Now: func() int64 { return int64(clock.UnixMilli(a.cfg.Clock)) }})
		if a.cfg.Restore {
			prev, err := a.cfg.Store.Load(st.key)
			if err != nil {
				// Going on without the data could repeat calls this peer made: give up instead.
				a.report(ctx, &Failed{Key: st.key, Err: err})
				ctx.Stop(ctx.Self())
				return
			}
			st.m.Restore(prev)
		}
		a.arm(ctx)
		a.arrive(ctx, a.cfg.From, p.Data, a.cfg.Hash)
	case *actor.Restarting, *actor.Stopped:
		if st.timer != nil {
			st.timer.Stop()
			st.timer = nil
		}
	case *Arrival:
		a.arrive(ctx, msg.From, msg.Data, msg.Hash)
	case *service.Reply:
		if fault.On(a.cfg.Faults, "particle.panic") {
			panic(fault.Panic{Point: "particle.panic"})
		}
		if a.answer(msg.ID, msg.Result) {
			a.runSoon(ctx)
		}
	case flush:
		st.flushed = false
		a.run(ctx)
	case Expire:
		a.cfg.Logger.Debug("particle expired here", "particle", a.cfg.Particle.ID, "init_peer", st.init, "pending_calls", st.m.Pending())
		a.report(ctx, &Expired{ID: a.cfg.Particle.ID, InitPeerID: st.init, Pending: st.m.Pending()})
		ctx.Stop(ctx.Self())
	}
}

// answer gives the machine the result of call id, and reports false if no such call waits.
func (a *particleActor) answer(id uint32, r interpreter.CallResult) bool {
	if !a.st.m.Result(id, r) {
		return false
	}
	if r.RetCode != 0 {
		if m := a.cfg.Metrics; m != nil {
			m.FailedCalls.Inc()
		}
		a.cfg.Logger.Debug("particle call failed", "particle", a.cfg.Particle.ID, "init_peer", a.st.init, "call", id,
			"ret_code", r.RetCode, "result", r.Result)
	}
	return true
}

// arm starts the deadline timer, unless Config.Told; its message comes back through the actor's
// mailbox.
func (a *particleActor) arm(ctx actor.Context) {
	if a.cfg.Told {
		return
	}
	now := clock.UnixMilli(a.cfg.Clock)
	left := time.Duration(0)
	if d := a.st.m.Deadline(); d > now {
		left = time.Duration(d-now) * time.Millisecond
	}
	self, system := ctx.Self(), ctx.ActorSystem()
	a.st.timer = a.cfg.Clock.AfterFunc(left, func() { system.Root.Send(self, Expire{}) })
}

func (a *particleActor) report(ctx actor.Context, msg any) {
	if a.cfg.Reports != nil {
		ctx.Send(a.cfg.Reports, msg)
	}
}

func (a *particleActor) arrive(ctx actor.Context, from string, data []byte, h core.DataHash) {
	a.st.arrivals++
	a.st.queued = append(a.st.queued, h)
	if from != a.cfg.Self && from != a.st.init {
		a.st.via = from
	}
	a.st.m.ArriveFrom(from, data)
	a.runSoon(ctx)
}

// runSoon runs the interpreter on what has come in: at once if no answer can join the run (no
// call of the particle is out), which saves a turn of the actor per run; otherwise on a note to
// itself, so that answers already queued behind the message at hand join the same run.
func (a *particleActor) runSoon(ctx actor.Context) {
	switch {
	case a.st.flushed: // a run is queued: what came in joins it
	case a.st.m.Outstanding() == 0:
		a.run(ctx)
	default:
		a.noteFlush(ctx)
	}
}

func (a *particleActor) noteFlush(ctx actor.Context) {
	if !a.st.flushed {
		a.st.flushed = true
		ctx.Send(ctx.Self(), flush{})
	}
}

// runsPerTurn bounds the interpreter runs of one turn of a particle's actor. Answers given in
// the turn (Config.Local) make the next run ready at once, and a script can chain a thousand of
// them; past the bound the actor goes on after a note to itself, so that what waits in its
// mailbox (a Stop, its deadline, arrivals) is read in between.
const runsPerTurn = 32

func (a *particleActor) run(ctx actor.Context) {
	st, p := a.st, a.cfg.Particle
	for runs := 0; st.m.Ready(); runs++ {
		if runs == runsPerTurn {
			a.noteFlush(ctx)
			return
		}
		start := a.cfg.Clock.Now()
		if st.m.Queued() > 0 { // this run takes the oldest arrival in
			st.merged, st.queued = append(st.merged, st.queued[0]), st.queued[1:]
		}
		e := st.m.Step()
		st.complete = e.Complete
		if m := a.cfg.Metrics; m != nil {
			m.Runs.Observe(a.cfg.Clock.Now().Sub(start).Seconds())
			if e.RetCode != 0 {
				m.Errors.WithLabelValues(strconv.FormatInt(e.RetCode, 10)).Inc()
			}
		}
		if d := e.Dropped; d.Code != 0 {
			if m := a.cfg.Metrics; m != nil {
				m.Errors.WithLabelValues(strconv.FormatInt(d.Code, 10)).Inc()
			}
			a.cfg.Logger.Debug("particle data refused; the answers that were in ran without it", "particle", p.ID, "init_peer", st.init,
				"ret_code", d.Code, "error", d.Error)
		}
		if e.RetCode != 0 {
			a.cfg.Logger.Debug("particle run failed", "particle", p.ID, "init_peer", st.init, "ret_code", e.RetCode, "error", e.Error)
			if st.init != a.cfg.Self { // its initiator hears of it, if it is a client of this node
				ctx.Send(a.cfg.Network, &Notify{To: st.init, Via: st.via, Notice: core.Notice{ParticleID: p.ID, Peer: a.cfg.Self, Failed: true,
					Reason: e.Error}})
			}
		}
		if len(e.Forward) > 0 || len(e.Pass) > 0 {
			a.cfg.Logger.Debug("particle sent on", "particle", p.ID, "init_peer", st.init, "to", e.Forward, "passed_to", passTo(e.Pass))
		}
		calls := e.Calls
		if len(calls) > 0 && !a.allPure(calls) {
			// What this run asked for is on disk before any call runs: after a machine crash
			// the restored data says the calls were made, and none runs twice (at most once:
			// an answer lost with the crash is not asked for again). Calls to pure services
			// may run twice, to the same results: a run that makes only such calls saves
			// nothing, and its data (with the arrivals it merged) goes to the store with the
			// next save, at the next impure call or when the particle goes idle. A crash
			// before then loses the run, so a copy of the particle sent again is not a replay:
			// it runs again, and so do its pure calls.
			// The save is a journal entry of what the runs since the last one added when it can
			// be (Machine.ForSave): a fold of thousands of such calls saves what each step adds.
			if err := a.cfg.Store.Write(st.key, st.m.ForSave(st.merged, true)); err == nil {
				st.merged = nil
			} else {
				st.m.SaveFailed()
				a.cfg.Logger.Error("particle data not saved: its calls fail instead of running", "particle", p.ID, "error", err)
				for _, c := range calls {
					st.m.Result(c.ID, service.Result(value.Value{}, fmt.Errorf("the node could not save the particle's data before the call: %w", err)))
				}
				calls = nil
			}
		}
		for _, c := range calls {
			call := &service.Call{ID: c.ID, Function: c.Function, Args: c.Args, ReplyTo: ctx.Self(),
				Context: service.CallContext{ParticleID: p.ID, InitPeerID: st.init, Timestamp: p.Timestamp, CallID: c.ID,
					TTL: p.TTL, Service: c.Service, Tetraplets: c.Tetraplets, Certificate: p.Certificate}}
			if a.cfg.Local != nil {
				// Answered here, the run goes on in this turn (the loop's next Step).
				if r, ok := a.cfg.Local(call); ok {
					a.answer(c.ID, r)
					continue
				}
			}
			st.calls = append(st.calls, call)
		}
		for _, peer := range e.Forward {
			out := p
			out.Data = e.Data
			st.sends = append(st.sends, &Send{To: peer, Particle: out, From: st.via})
		}
		for _, pass := range e.Pass {
			out := p
			out.Data = e.PassData
			st.sends = append(st.sends, &Send{To: pass.To, Particle: out, IfConnected: pass.IfConnected, From: st.via})
		}
		a.drain(ctx)
	}
	if !st.m.Idle() {
		return
	}
	err := errInjected
	if !fault.On(a.cfg.Faults, "particle.save") {
		err = a.cfg.Store.Write(st.key, st.m.ForSaveWhole(st.merged, false))
	}
	if err != nil {
		st.m.SaveFailed()
		st.m.Shed()
		a.cfg.Logger.Error("particle data not saved: the particle's actor keeps it until the deadline", "particle", p.ID, "error", err)
		return
	}
	st.merged = nil
	a.cfg.Logger.Debug("particle done here for now", "particle", p.ID, "init_peer", st.init, "runs", st.m.Runs(), "complete", st.complete)
	a.report(ctx, &Finished{Key: st.key, Arrivals: st.arrivals, Bytes: st.m.Held()})
}

// allPure reports whether every call is to a pure service (Config.Pure).
func (a *particleActor) allPure(calls []interpreter.CallRequest) bool {
	if a.cfg.Pure == nil {
		return false
	}
	for _, c := range calls {
		if !a.cfg.Pure(c.Service) {
			return false
		}
	}
	return true
}

func passTo(ps []Pass) []string {
	var to []string
	for _, p := range ps {
		to = append(to, p.To)
	}
	return to
}

// drain makes the calls and sends of the outbox, each taken off before it is made.
func (a *particleActor) drain(ctx actor.Context) {
	st := a.st
	for len(st.calls) > 0 {
		c := st.calls[0]
		st.calls = st.calls[1:]
		ctx.Send(a.cfg.Registry, c)
		if len(st.calls) > 0 && fault.On(a.cfg.Faults, "particle.panic") {
			panic(fault.Panic{Point: "particle.panic"}) // part-way through a run's calls
		}
	}
	for len(st.sends) > 0 {
		s := st.sends[0]
		st.sends = st.sends[1:]
		ctx.Send(a.cfg.Network, s)
	}
	st.calls, st.sends = nil, nil
}
