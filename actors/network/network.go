// Package network is the node's network actor, the node's door out to other peers: sending a
// particle to a peer is a message to it. It hands particles for other peers to the node's
// core.Transport and short-circuits those for this peer back to the router. What a transport
// receives goes to the router straight from the transport's goroutine (actors.Node.Deliver):
// an arrival needs no turn of this actor first. Transports: Hub (in memory, several nodes in one process), actors/p2p
// (libp2p) and the simulator's network; nothing above this actor can tell them apart, and one
// suite, core/coretest, checks all three.
package network

import (
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/actors/router"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/particle"
)

// Config is what the network actor needs.
type Config struct {
	Self      string
	Transport core.Transport
	Router    *actor.PID // particles that arrive, and those for this peer, go here
	Logger    *slog.Logger
	// Failed, if set, hears of every particle that could not be sent (on the actor's goroutine;
	// it must not block): the node tells the particle's client, and counts it.
	Failed func(to string, p particle.Particle, err error)
}

// GetStats asks for the counters; the reply to ReplyTo is a Stats.
type GetStats struct{ ReplyTo *actor.PID }

// Stats are the network actor's counters.
type Stats struct {
	Sent, Local, Failed uint64
}

// Props returns the network actor.
func Props(cfg Config, opts ...actor.PropsOption) *actor.Props {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return actor.PropsFromProducer(func() actor.Actor { return &networkActor{cfg: cfg} }, opts...)
}

type networkActor struct {
	cfg   Config
	stats Stats
}

func (n *networkActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *particles.Send:
		if m.To == n.cfg.Self {
			n.stats.Local++
			ctx.Send(n.cfg.Router, &router.Incoming{From: n.cfg.Self, Particle: m.Particle})
			return
		}
		p := m.Particle
		p.HopCount++ // this peer forwards it
		if m.IfConnected {
			if c, ok := n.cfg.Transport.(core.Connectivity); !ok || !c.Connected(m.To) {
				return
			}
		}
		err := n.cfg.Transport.Send(m.To, p)
		if err != nil && m.Via != "" && m.Via != m.To {
			n.cfg.Logger.Debug("particle sent on through the peer it came from", "to", m.To, "via", m.Via, "particle", p.ID, "error", err)
			err = n.cfg.Transport.Send(m.Via, p)
		}
		if err != nil {
			n.stats.Failed++
			n.cfg.Logger.Warn("particle not sent", "to", m.To, "particle", p.ID, "error", err)
			if n.cfg.Failed != nil {
				n.cfg.Failed(m.To, p, err)
			}
			return
		}
		n.stats.Sent++
	case *particles.Notify:
		if nt, ok := n.cfg.Transport.(core.Notifier); ok {
			nt.Notify(m.To, m.Notice)
		}
	case *GetStats:
		s := n.stats
		ctx.Send(m.ReplyTo, &s)
	}
}
