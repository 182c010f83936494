package actors

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aquanet/aquanet/actors/perimeter"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/ledger"
)

// PerimeterEnv is how a node enforces applications' security perimeters (package perimeter) on
// the services spawned under one (InPerimeter).
type PerimeterEnv struct {
	// Source gives the perimeters. Default: the node's ledger, read as committed on this node;
	// a node without a ledger and without a Source refuses every call to a service under a
	// perimeter (no-perimeter).
	Source perimeter.Source
	// LogEvery is how often denials are logged: the first of each reason at once, then one line
	// per reason and interval with the count since. Default 10 s.
	LogEvery time.Duration
	// OnDenial, if set, hears of every call refused, with the call's context: a test's or a
	// simulation's record of them. It runs on the registry's goroutine and must not block.
	OnDenial func(d *perimeter.Denial, c service.CallContext)
}

// DefaultPerimeterLogEvery is PerimeterEnv.LogEvery's default.
const DefaultPerimeterLogEvery = 10 * time.Second

// SpawnOption changes how Spawn starts a service.
type SpawnOption func(*registry.Spawn)

// InPerimeter puts the service under the perimeter of application app: before each call to it
// runs, the node checks the caller and the origins of the arguments against the perimeter the
// ledger (or PerimeterEnv.Source) holds for app, with the policy it sets for this service on
// this peer; a refused call fails with a catchable error that says why.
func InPerimeter(app string) SpawnOption {
	return func(s *registry.Spawn) { s.App = app }
}

// perimeterGuard checks the calls of one node and counts and logs its denials.
type perimeterGuard struct {
	guard    perimeter.Guard
	source   func(app string) (ledger.SetPerimeter, bool, error)
	clock    clock.Clock
	logger   *slog.Logger
	logEvery time.Duration
	onDenial func(*perimeter.Denial, service.CallContext) // nil: none
	denials  *prometheus.CounterVec                       // nil: no metrics

	mu     sync.Mutex
	logged map[perimeter.Reason]*denialLog
}

type denialLog struct {
	at    time.Time // of the last line
	since int       // denials not logged since
}

func newPerimeterGuard(n *Node, reg prometheus.Registerer) (*perimeterGuard, error) {
	own := map[string]bool{}
	for _, id := range registry.Reserved(nodeServices...) {
		own[id] = true
	}
	g := &perimeterGuard{
		guard: perimeter.Guard{Self: n.self, Own: func(s string) bool { return own[s] }, Vouches: n.trust.Vouches},
		clock: n.env.Clock, logger: n.env.Logger, logEvery: n.env.Perimeters.LogEvery, onDenial: n.env.Perimeters.OnDenial,
		logged: map[perimeter.Reason]*denialLog{},
	}
	if g.logEvery <= 0 {
		g.logEvery = DefaultPerimeterLogEvery
	}
	switch {
	case n.env.Perimeters.Source != nil:
		g.source = n.env.Perimeters.Source.Perimeter
	case n.ledger != nil:
		lg := n.ledger
		g.source = func(app string) (p ledger.SetPerimeter, ok bool, err error) {
			lg.Read(false, func(st *ledger.State, rerr error) {
				if err = rerr; err == nil {
					p, ok, err = st.Perimeter(app)
				}
			})
			return p, ok, err
		}
	default:
		g.source = func(string) (ledger.SetPerimeter, bool, error) {
			return ledger.SetPerimeter{}, false, errors.New("this node keeps no ledger and was given no perimeters")
		}
	}
	if reg != nil {
		g.denials = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aquanet_perimeter_denials_total",
			Help: "Calls to services under an application's perimeter that the node refused, by reason."}, []string{"reason"})
		if err := reg.Register(g.denials); err != nil {
			return nil, err
		}
		for _, r := range perimeter.Reasons {
			g.denials.WithLabelValues(string(r))
		}
	}
	return g, nil
}

// check is the registry's Guard.
func (g *perimeterGuard) check(app, serviceID string, c *service.Call) error {
	p, ok, err := g.source(app)
	var d *perimeter.Denial
	switch {
	case err != nil:
		d = &perimeter.Denial{App: app, Service: serviceID, Called: c.Context.Service, Function: c.Function, Reason: perimeter.NoPerimeter, Err: err}
	case !ok:
		d = &perimeter.Denial{App: app, Service: serviceID, Called: c.Context.Service, Function: c.Function, Reason: perimeter.NoPerimeter,
			Err: errors.New("the application has no perimeter on the ledger (yet)")}
	default:
		d = g.guard.Check(p, perimeter.Call{Service: serviceID, Called: c.Context.Service, Function: c.Function, InitPeerID: c.Context.InitPeerID,
			Certificate: c.Context.Certificate, Tetraplets: c.Context.Tetraplets})
	}
	if d == nil {
		return nil
	}
	g.record(d, c)
	return d
}

// record counts a denial and logs it: the first of its reason at once, then at most one line
// per reason and LogEvery, with how many there were since.
func (g *perimeterGuard) record(d *perimeter.Denial, c *service.Call) {
	if g.denials != nil {
		g.denials.WithLabelValues(string(d.Reason)).Inc()
	}
	if g.onDenial != nil {
		g.onDenial(d, c.Context)
	}
	now := g.clock.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.logged[d.Reason]
	if l != nil && now.Sub(l.at) < g.logEvery {
		l.since++
		return
	}
	since := 0
	if l != nil {
		since = l.since
	}
	g.logged[d.Reason] = &denialLog{at: now}
	g.logger.Warn("perimeter denied a call", "reason", string(d.Reason), "particle", c.Context.ParticleID,
		"init_peer", c.Context.InitPeerID, "error", d.Error(), "denied_since_last_line", since)
}
