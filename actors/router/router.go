// Package router is the particle router actor: every particle that reaches the node comes here
// first. It validates it (particle.Validate on the node's clock), drops replays, and hands it to
// the particle's actor, spawning that actor, under its own supervision, on the particle's first
// arrival.
package router

import (
	"crypto/ed25519"
	"crypto/sha256"
	"log/slog"
	"maps"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/internal/clock"
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
	// Metrics, if set, are updated with the Stats.
	Metrics *Metrics
	// LogEvery is the least time between two log lines about rejections of one reason; default
	// one minute.
	LogEvery time.Duration
}

// Incoming is a particle that reached this node.
type Incoming struct{ Particle particle.Particle }

// GetStats asks the router for its counters; it replies to ReplyTo with Stats.
type GetStats struct{ ReplyTo *actor.PID }

// NotifyDrained asks the router to send Drained to ReplyTo once no particle is live (at once
// if none is).
type NotifyDrained struct{ ReplyTo *actor.PID }

// Drained answers NotifyDrained.
type Drained struct{}

// Stats are the router's counters.
type Stats struct {
	Live     int               // particles with a running actor
	Accepted uint64            // arrivals handed to a particle actor
	Replays  uint64            // arrivals dropped because the same particle with the same data came before
	Rejected map[string]uint64 // by particle.Reason
	Expired  uint64            // particle actors that reached their deadline
}

// key identifies a particle: the signature is part of it, so that a forged particle reusing an
// id cannot reach the real one's actor.
type key struct {
	id, init, signature string
}

type live struct {
	pid  *actor.PID
	seen map[[32]byte]bool // hashes of the data that arrived
}

// Props returns the router actor.
func Props(cfg Config, opts ...actor.PropsOption) *actor.Props {
	if cfg.LogEvery <= 0 {
		cfg.LogEvery = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return actor.PropsFromProducer(func() actor.Actor {
		return &routerActor{cfg: cfg, opts: opts, live: map[key]*live{}, byPID: map[string]key{},
			stats: Stats{Rejected: map[string]uint64{}}, lastLog: map[string]time.Time{}}
	}, append(opts, actor.WithSupervisor(actor.NewRestartingStrategy()))...)
}

type routerActor struct {
	cfg     Config
	opts    []actor.PropsOption
	live    map[key]*live
	byPID   map[string]key // particle actor id -> its particle
	stats   Stats
	lastLog map[string]time.Time // reason -> when it was last logged
	waiting []*actor.PID         // to tell when no particle is live
}

func (r *routerActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *Incoming:
		r.incoming(ctx, m.Particle)
	case *particles.Expired:
		r.stats.Expired++
		if m := r.cfg.Metrics; m != nil {
			m.Expired.Inc()
		}
	case *actor.Terminated:
		// A particle actor stopped (at its deadline): its entry goes with it; later copies of
		// the particle fail validation as expired.
		r.forget(m.Who)
		r.tellDrained(ctx)
	case *NotifyDrained:
		r.waiting = append(r.waiting, m.ReplyTo)
		r.tellDrained(ctx)
	case *GetStats:
		s := r.stats
		s.Live = len(r.live)
		s.Rejected = maps.Clone(r.stats.Rejected)
		ctx.Send(m.ReplyTo, &s)
	}
}

func (r *routerActor) tellDrained(ctx actor.Context) {
	if len(r.live) > 0 {
		return
	}
	for _, w := range r.waiting {
		ctx.Send(w, &Drained{})
	}
	r.waiting = nil
}

func (r *routerActor) forget(pid *actor.PID) {
	if k, ok := r.byPID[pid.Id]; ok {
		delete(r.byPID, pid.Id)
		delete(r.live, k)
		if m := r.cfg.Metrics; m != nil {
			m.Live.Set(float64(len(r.live)))
		}
	}
}

func (r *routerActor) incoming(ctx actor.Context, p particle.Particle) {
	now := r.cfg.Clock.Now()
	if err := particle.Validate(&p, now, r.cfg.Limits); err != nil {
		reason := particle.Reason(err)
		r.stats.Rejected[reason]++
		if m := r.cfg.Metrics; m != nil {
			m.Rejected.WithLabelValues(reason).Inc()
		}
		if last, ok := r.lastLog[reason]; !ok || now.Sub(last) >= r.cfg.LogEvery {
			r.lastLog[reason] = now
			r.cfg.Logger.Warn("particle rejected", "reason", reason, "error", err, "particle", p.ID,
				"init_peer", p.InitPeerID.String(), "rejected_so_far", r.stats.Rejected[reason])
		}
		return
	}
	k := key{p.ID, string(p.InitPeerID), string(p.Signature)}
	h := sha256.Sum256(p.Data)
	if l, ok := r.live[k]; ok {
		if l.seen[h] {
			r.stats.Replays++
			if m := r.cfg.Metrics; m != nil {
				m.Replays.Inc()
			}
			return
		}
		l.seen[h] = true
		r.accepted() // before the send: the particle may be done, elsewhere, before this turn ends
		ctx.Send(l.pid, &particles.Arrival{Data: p.Data})
		return
	}
	r.accepted() // before the spawn, for the same reason
	pid := ctx.Spawn(particles.Props(particles.Config{Particle: p, Self: r.cfg.Self, Key: r.cfg.Key, Clock: r.cfg.Clock,
		Registry: r.cfg.Registry, Network: r.cfg.Network, Reports: ctx.Self()}, r.opts...))
	r.live[k] = &live{pid: pid, seen: map[[32]byte]bool{h: true}}
	r.byPID[pid.Id] = k
	if m := r.cfg.Metrics; m != nil {
		m.Live.Set(float64(len(r.live)))
	}
}

func (r *routerActor) accepted() {
	r.stats.Accepted++
	if m := r.cfg.Metrics; m != nil {
		m.Accepted.Inc()
	}
}
