// Package network is the node's network actor: sending a particle to a peer is a message to it.
// It hands particles for other peers to a Transport and short-circuits those for this peer back
// to the router. Transports: Hub, in memory, joins several nodes in one process; libp2p and the
// simulator's network come later, and nothing above this actor can tell them apart.
package network

import (
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/actors/router"
	"github.com/aquanet/aquanet/particle"
)

// Transport delivers particles to other peers.
type Transport interface {
	// Send delivers p to the peer to, or fails saying why. It must not block for long: the
	// network actor calls it from its mailbox.
	Send(to string, p particle.Particle) error
}

// Config is what the network actor needs.
type Config struct {
	Self      string
	Transport Transport
	Router    *actor.PID // particles for this peer go back here
	Logger    *slog.Logger
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
			ctx.Send(n.cfg.Router, &router.Incoming{Particle: m.Particle})
			return
		}
		p := m.Particle
		p.HopCount++ // this peer forwards it
		if err := n.cfg.Transport.Send(m.To, p); err != nil {
			n.stats.Failed++
			n.cfg.Logger.Warn("particle not sent", "to", m.To, "particle", p.ID, "error", err)
			return
		}
		n.stats.Sent++
	case *GetStats:
		s := n.stats
		ctx.Send(m.ReplyTo, &s)
	}
}
