package registry

import (
	"errors"
	"maps"
	"slices"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/actors/supervise"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/fault"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
)

// Spawn asks the registry actor to start a service with a new id; it answers ReplyTo with
// Spawned.
type Spawn struct {
	ID         string
	Owner      string // the peer that creates it; it may remove it
	NewHandler func() service.Handler
	ReplyTo    *actor.PID
	// App, if set, puts the service under the perimeter of that application (Service.App).
	App string
}

// Spawned answers Spawn: Err is nil if the service runs.
type Spawned struct {
	ID  string
	Err error
}

// Config is the registry actor's configuration.
type Config struct {
	Host, Management string
	Clock            clock.Clock  // service actors skip calls that come after their particle's deadline
	Faults           fault.Points // the service actors' fault points (nil: none)
	// NodeServices are services that need the node (such as peer): the registry spawns them
	// at start, next to the builtins, and like the builtins they cannot be removed or aliased
	// over. Services given the same *actor.Props share one actor.
	NodeServices map[string]*actor.Props
	// Overrides take calls of some functions of services the node serves itself in place of
	// them; none in production.
	Overrides []Override
	Metrics   *Metrics // nil: none
	// Wasm, if set, lets the node make services of Wasm blueprints and brings back those it
	// made before.
	Wasm *Wasm
	// Guard checks a call to a service under the perimeter of application app (by its id, not
	// the alias called) before the service gets it; an error fails the call with its message
	// instead. Nil refuses every such call: a node that cannot check a perimeter serves none.
	Guard func(app, service string, c *service.Call) error
	// TriggerData, if set, serves getDataSrv and callbackSrv for the particles of the node's
	// own triggers (those Serves says are): their arguments and their answers, as a client's
	// serve its own. Other calls to those services are routed as any.
	TriggerData *TriggerData
}

// TriggerData is where the getDataSrv calls of the node's triggers' particles go.
type TriggerData struct {
	Props  *actor.Props
	Serves func(service.CallContext) bool
	// Owner returns the owner of the trigger whose particle makes the call, if it is one: the
	// registry sets every such call's Context.TriggerOwner, so that services see who the node
	// runs the script for.
	Owner func(service.CallContext) (string, bool)
}

// Override takes the calls of Functions of Service, a builtin or node service, in place of the
// node's own, which keeps the service's other functions: the stand-in of a test or a
// simulation (aquanet sim runs a scenario whose rules answer, say, peer.timestamp_ms).
type Override struct {
	Service   string
	Functions []string
	Handler   service.Handler
}

// Props returns the registry actor of node cfg.Host, operated by cfg.Management. It spawns a
// service actor per builtin and node service at start and per Spawn; it routes every
// *service.Call to the service its Context.Service names, by id or alias (the builtins first),
// and serves the srv and stat services, and calls with small arguments to the pure builtins of
// package builtin (op, math, …), itself. A call to a service that does not exist fails as on
// Fluence's node.
//
// Supervision: a service actor that panics is restarted (supervise.Strategy: the call that
// panicked fails, the others are served; more than ten failures within ten seconds of the
// node's clock stop it). The registry itself is supervised by the node root, which resumes it
// with its table and its services after a failure (actors.spawnRoot).
//
// opts (a dispatcher, a mailbox) apply to the registry and to every service actor it spawns.
func Props(cfg Config, opts ...actor.PropsOption) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor {
		return &registryActor{cfg: cfg, opts: opts}
	}, append(opts, actor.WithSupervisor(&supervise.Strategy{Clock: cfg.Clock}))...)
}

type registryActor struct {
	cfg       Config
	opts      []actor.PropsOption
	nodeSvcs  map[string]*actor.PID // the node services' actors
	builtins  map[string]*actor.PID // the builtins' actors, for calls local does not answer
	local     func(*service.Call) (interpreter.CallResult, bool)
	overrides map[string]map[string]*actor.PID
	data      *actor.PID // TriggerData's
	services  *Registry[*actor.PID]
	wasm      wasmState
}

func (r *registryActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		r.start(ctx)
	case *Spawn:
		ctx.Send(m.ReplyTo, &Spawned{ID: m.ID, Err: r.spawn(ctx, m)})
	case *service.Call:
		if fault.On(r.cfg.Faults, "registry.panic") {
			panic(fault.Panic{Point: "registry.panic"})
		}
		r.route(ctx, m)
	}
}

// Reserved returns the service ids a registry with these node services keeps for itself: the
// builtins, srv, stat and the node services. No spawned service or alias may take one.
func Reserved(nodeServices ...string) []string {
	return append(append(builtin.Services(), "srv", "stat"), nodeServices...)
}

// start spawns the builtins' and the node services' actors. The node root never restarts the registry (it resumes it), so
// this runs once.
func (r *registryActor) start(ctx actor.Context) {
	nodeIDs := slices.Sorted(maps.Keys(r.cfg.NodeServices)) // spawned in a fixed order
	r.services = New[*actor.PID](r.cfg.Host, r.cfg.Management, Reserved(nodeIDs...)...)
	r.nodeSvcs = map[string]*actor.PID{}
	r.builtins = map[string]*actor.PID{}
	for _, id := range builtin.Services() {
		h, _ := service.Builtin(id)
		r.builtins[id] = ctx.Spawn(service.Props(service.Env{Clock: r.cfg.Clock, Faults: r.cfg.Faults}, func() service.Handler { return h }, r.opts...))
	}
	// Every builtin a call reaches here is served as a pure one: an override of one of its
	// functions takes the call before (route).
	r.local = Local(r.cfg.Clock, r.cfg.Faults, r.cfg.Metrics, func(string) bool { return true })
	// Services given the same props share one actor (the node's triggers serve script, spell
	// and their particles' getDataSrv from one).
	spawned := map[*actor.Props]*actor.PID{}
	spawn := func(p *actor.Props) *actor.PID {
		if pid, ok := spawned[p]; ok {
			return pid
		}
		pid := ctx.Spawn(p)
		spawned[p] = pid
		return pid
	}
	for _, id := range nodeIDs {
		r.nodeSvcs[id] = spawn(r.cfg.NodeServices[id])
	}
	r.overrides = map[string]map[string]*actor.PID{}
	for _, o := range r.cfg.Overrides {
		pid := ctx.Spawn(service.Props(service.Env{Clock: r.cfg.Clock, Faults: r.cfg.Faults}, func() service.Handler { return o.Handler }, r.opts...))
		if r.overrides[o.Service] == nil {
			r.overrides[o.Service] = map[string]*actor.PID{}
		}
		for _, fn := range o.Functions {
			r.overrides[o.Service][fn] = pid
		}
	}
	if d := r.cfg.TriggerData; d != nil {
		r.data = spawn(d.Props)
	}
	if r.cfg.Wasm != nil {
		r.restoreWasm(ctx)
	}
}

func (r *registryActor) spawn(ctx actor.Context, m *Spawn) error {
	if err := r.services.Add(m.ID, m.Owner, nil); err != nil {
		return err
	}
	s, _ := r.services.Resolve(m.ID)
	s.App = m.App
	s.Handle = ctx.Spawn(service.Props(service.Env{Clock: r.cfg.Clock, Faults: r.cfg.Faults}, m.NewHandler, r.opts...))
	return nil
}

func (r *registryActor) route(ctx actor.Context, c *service.Call) {
	id := c.Context.Service
	if d := r.cfg.TriggerData; d != nil && d.Owner != nil && c.Context.InitPeerID == r.cfg.Host {
		if owner, ok := d.Owner(c.Context); ok {
			c.Context.TriggerOwner = owner
		}
	}
	if pid, ok := r.overrides[id][c.Function]; ok {
		r.cfg.Metrics.call("spawned")
		ctx.Send(pid, c)
		return
	}
	if (id == "getDataSrv" || id == "callbackSrv") && r.data != nil && r.cfg.TriggerData.Serves(c.Context) {
		r.cfg.Metrics.call("node")
		ctx.Send(r.data, c)
		return
	}
	switch id {
	case "srv":
		r.cfg.Metrics.call("srv")
		v, err := r.srv(ctx, c)
		reply(ctx, c, v, err)
		return
	case "stat":
		r.cfg.Metrics.call("stat")
		r.stat(ctx, c)
		return
	}
	if pid, ok := r.builtins[id]; ok {
		// A call with small arguments is answered here, as a particle's actor answers it
		// (Local, which counts it); a large one (an array.sort of a hundred thousand strings)
		// goes to the builtin's actor, since the registry routes every call of the node and
		// must be held up by nothing that takes long.
		if res, ok := r.local(c); ok {
			ctx.Send(c.ReplyTo, &service.Reply{ID: c.ID, Result: res})
			return
		}
		r.cfg.Metrics.call("builtin")
		ctx.Send(pid, c)
		return
	}
	if pid, ok := r.nodeSvcs[id]; ok {
		r.cfg.Metrics.call("node")
		ctx.Send(pid, c)
		return
	}
	if s, ok := r.services.Resolve(id); ok {
		r.cfg.Metrics.call("spawned")
		if s.App != "" {
			err := errors.New("this node checks no perimeters, so it serves no service under one")
			if r.cfg.Guard != nil {
				err = r.cfg.Guard(s.App, s.ID, c)
			}
			if err != nil {
				reply(ctx, c, value.Value{}, err)
				return
			}
		}
		ctx.Send(s.Handle, c)
		return
	}
	r.cfg.Metrics.call("unknown")
	reply(ctx, c, value.Value{}, service.NotFound(id, c.Function))
}

// smallArgs bounds the arguments the registry serves a builtin call with itself: values (each
// scalar, element and field counts one) and the bytes of their strings and keys, 64 to a value.
const smallArgs = 256

// small reports whether args are within smallArgs; it stops counting at the bound.
func small(args []value.Value) bool {
	left := smallArgs
	for _, a := range args {
		if !within(a, &left) {
			return false
		}
	}
	return true
}

// within takes v's cost off *left and reports whether some is left.
func within(v value.Value, left *int) bool {
	*left--
	switch v.Kind() {
	case value.KindString:
		s, _ := v.Str()
		*left -= len(s) / 64
	case value.KindArray:
		for i := range v.Len() {
			if !within(v.Index(i), left) {
				return false
			}
		}
	case value.KindObject:
		for i := range v.Len() {
			k, f := v.Field(i)
			*left -= len(k) / 64
			if !within(f, left) {
				return false
			}
		}
	}
	return *left >= 0
}

// reply answers a call the registry serves itself.
func reply(ctx actor.Context, c *service.Call, v value.Value, err error) {
	ctx.Send(c.ReplyTo, &service.Reply{ID: c.ID, Result: service.Result(v, err)})
}
