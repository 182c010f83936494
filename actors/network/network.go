// Package network is the node's network actor, the node's door out to other peers: sending a
// particle to a peer is a message to it. It hands particles for other peers to the node's
// core.Transport and short-circuits those for this peer back to the router. What a transport
// receives goes to the router straight from the transport's goroutine (actors.Node.Deliver):
// an arrival needs no turn of this actor first. Transports: Hub (in memory, several nodes in one process), actors/p2p
// (libp2p) and the simulator's network; nothing above this actor can tell them apart, and one
// suite, core/coretest, checks all three.
package network

import (
	"errors"
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
}

// GetStats asks for the counters; the reply to ReplyTo is a Stats.
type GetStats struct{ ReplyTo *actor.PID }

// Stats are the network actor's counters. Failed counts the particles the transport refused
// to send; Undelivered those it took (counted in Sent) and gave up later. NoticesPassed counts
// the notices of other peers passed on to a particle's initiator; NoticesDropped those that
// were not (about a particle this node did not send to that peer lately, or one whose notice
// was passed on already, or in which the peer speaks of another).
type Stats struct {
	Sent, Local, Failed, Undelivered uint64
	NoticesPassed, NoticesDropped    uint64
}

// NoticeIn is a notice that came from the peer From (core.NoticeTaker). If this node sent the
// particle to From lately, and the notice says what became of it on From (it failed or was
// refused there, or From could not send it on: core.Notice's By), the notice goes on to the
// particle's initiator, once: a client whose relay this node is hears what became of its
// particle one hop further. A notice about anything else is dropped.
//
// The other way, a particle this node could not send (refused by the transport, or given up
// later: Undelivered) is told to its initiator if it is connected here, else to the peer the
// node had the particle from (particles.Send's From), with By naming this node.
type NoticeIn struct {
	From   string
	Notice core.Notice
}

// Undelivered is a particle the transport gave up after it took it (core.LateFailures): its
// initiator hears of it as of a particle the transport refused.
type Undelivered struct {
	To       string
	Particle particle.Particle
	Err      error
}

// maxSent bounds the sends remembered for the notices they may bring back.
const maxSent = 4096

// Props returns the network actor.
func Props(cfg Config, opts ...actor.PropsOption) *actor.Props {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	notifier, _ := cfg.Transport.(core.Notifier)
	return actor.PropsFromProducer(func() actor.Actor { return &networkActor{cfg: cfg, notifier: notifier} }, opts...)
}

type networkActor struct {
	cfg      Config
	notifier core.Notifier // the transport, if it sends notices
	stats    Stats
	// sent remembers the last maxSent sends of other peers' particles while the transport
	// sends notices; sentOrder is their ring, oldest at sentNext once full.
	sent      map[sentTo]sentFrom
	sentOrder []sentTo
	sentNext  int
}

// sentTo is a particle sent to a peer.
type sentTo struct{ particleID, to string }

// sentFrom is what a send remembers: the particle's initiator ("" once a notice was passed on
// to it, or if two initiators used the id), and the peer this node had the particle from (""
// if none but the initiator), told if the transport gives the particle up later.
type sentFrom struct{ init, from string }

// remember notes that the particle id of the initiator init, had from the peer from, went to
// the peer to. Particles of two initiators that share an id leave no initiator to pass a
// notice on to: a notice names the particle by its id alone, and a stranger may reuse
// another's.
func (n *networkActor) remember(id, to, init, from string) {
	k := sentTo{id, to}
	if had, ok := n.sent[k]; ok {
		if had.init != init {
			n.sent[k] = sentFrom{}
		}
		return
	}
	if n.sent == nil {
		n.sent = make(map[sentTo]sentFrom)
	}
	if len(n.sentOrder) < maxSent {
		n.sentOrder = append(n.sentOrder, k)
	} else {
		delete(n.sent, n.sentOrder[n.sentNext])
		n.sentOrder[n.sentNext] = k
		n.sentNext = (n.sentNext + 1) % maxSent
	}
	n.sent[k] = sentFrom{init, from}
}

// tell tells the initiator of p that it could not be sent to the peer to: itself, if it is
// connected here (a client of this node); else the peer this node had the particle from
// (from), which passes the notice on if it is the initiator's relay. A notice goes over a
// connection the node has, or nowhere.
func (n *networkActor) tell(to string, p particle.Particle, from string, err error) {
	init := particle.PeerText(p.InitPeerID)
	if n.notifier == nil || init == n.cfg.Self {
		return
	}
	notice := core.Notice{ParticleID: p.ID, Peer: to, TooLarge: errors.Is(err, core.ErrTooLarge), Reason: err.Error()}
	if c, ok := n.cfg.Transport.(core.Connectivity); from == "" || from == init || !ok || c.Connected(init) {
		n.notifier.Notify(init, notice)
		return
	}
	notice.By = n.cfg.Self
	n.notifier.Notify(from, notice)
}

// speaksOfItself reports whether notice, from the peer from, says what became of the particle
// on from: it failed or was refused there (Peer), or from could not send it on (By). A notice
// by from cannot also say that the script failed on another peer, or that another refused it.
func speaksOfItself(from string, notice core.Notice) bool {
	if notice.By != "" {
		return notice.By == from && !notice.Failed && !notice.Rejected
	}
	return notice.Peer == from
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
		if err != nil && m.From != "" && m.From != m.To && m.To == particle.PeerText(p.InitPeerID) {
			n.cfg.Logger.Debug("particle sent on through the peer it came from", "to", m.To, "via", m.From, "particle", p.ID, "error", err)
			err = n.cfg.Transport.Send(m.From, p)
		}
		if err != nil {
			n.stats.Failed++
			n.cfg.Logger.Warn("particle not sent", "to", m.To, "particle", p.ID, "error", err)
			n.tell(m.To, p, m.From, err)
			return
		}
		n.stats.Sent++
		if n.notifier != nil {
			if init := particle.PeerText(p.InitPeerID); init != n.cfg.Self {
				n.remember(p.ID, m.To, init, m.From)
			}
		}
	case *Undelivered:
		n.stats.Undelivered++
		n.tell(m.To, m.Particle, n.sent[sentTo{m.Particle.ID, m.To}].from, m.Err)
	case *particles.Notify:
		if n.notifier == nil {
			return
		}
		to := m.To
		if c, ok := n.cfg.Transport.(core.Connectivity); m.Via != "" && (to == "" || ok && !c.Connected(to)) {
			to = m.Via
		}
		if to != "" {
			n.notifier.Notify(to, m.Notice)
		}
	case *NoticeIn:
		k := sentTo{m.Notice.ParticleID, m.From}
		e := n.sent[k]
		if e.init == "" || !speaksOfItself(m.From, m.Notice) {
			// Not a particle this node sent there lately, or passed on already, or one whose
			// id two initiators used; or a peer speaking of another: each says only what
			// became of the particle on itself.
			n.stats.NoticesDropped++
			return
		}
		init := e.init
		e.init = "" // once
		n.sent[k] = e
		n.stats.NoticesPassed++
		n.notifier.Notify(init, m.Notice) // sent holds sends only where there is a notifier
	case *GetStats:
		s := n.stats
		ctx.Send(m.ReplyTo, &s)
	}
}
