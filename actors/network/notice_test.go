package network

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/particle"
)

// noticeTransport sends every particle but to the peers in unreachable, is connected to the
// peers in connected, and records the notices it is asked to send.
type noticeTransport struct {
	connected   map[string]bool
	unreachable map[string]bool
	notices     []string // "to: particle id peer", and " by peer" if By is set
}

func (t *noticeTransport) Send(to string, _ particle.Particle) error {
	if t.unreachable[to] {
		return errors.New("no addresses")
	}
	return nil
}

func (t *noticeTransport) Notify(to string, n core.Notice) {
	s := to + ": " + n.ParticleID + " " + n.Peer
	if n.By != "" {
		s += " by " + n.By
	}
	t.notices = append(t.notices, s)
}
func (t *noticeTransport) Connected(peer string) bool                    { return t.connected[peer] }
func (t *noticeTransport) Contact(string) ([]string, bool)               { return nil, false }
func (t *noticeTransport) Connect(_ string, _ []string, done func(bool)) { done(false) }

// A notice from a peer this node sent a particle to goes on to the particle's initiator,
// once; a notice about a particle not sent there, or in which the peer speaks of another, is
// dropped. A node's own notice goes to the initiator if connected, else to the peer the
// particle came from, and only there when the initiator cannot be trusted (To empty).
func TestNoticesPassedOnToTheInitiator(t *testing.T) {
	w := newWorld(t)
	client, relay := w.node("client"), w.node("relay") // identities; only the client's key signs
	other := "12D3KooWOtherPeerxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	tr := &noticeTransport{connected: map[string]bool{client.id.PeerID: true, other: true}}
	net := w.system.Root.Spawn(Props(Config{Self: relay.id.PeerID, Transport: tr, Router: relay.router}, w.opts...))
	p := w.particle(client, `(null)`)
	send := func(m any) {
		w.system.Root.Send(net, m)
		w.run()
	}
	send(&particles.Send{To: other, Particle: p})

	send(&NoticeIn{From: other, Notice: core.Notice{ParticleID: "not-sent", Peer: other, Rejected: true}})
	send(&NoticeIn{From: "12D3KooWStranger", Notice: core.Notice{ParticleID: p.ID, Peer: "12D3KooWStranger", Rejected: true}})
	send(&NoticeIn{From: other, Notice: core.Notice{ParticleID: p.ID, Peer: "12D3KooWSomeoneElse", Rejected: true}})
	send(&NoticeIn{From: other, Notice: core.Notice{ParticleID: p.ID, Peer: other, By: "12D3KooWSomeoneElse"}})
	// By itself, but saying that the script failed on another peer, or that another refused it.
	send(&NoticeIn{From: other, Notice: core.Notice{ParticleID: p.ID, Peer: "12D3KooWSomeoneElse", By: other, Failed: true}})
	send(&NoticeIn{From: other, Notice: core.Notice{ParticleID: p.ID, Peer: "12D3KooWSomeoneElse", By: other, Rejected: true}})
	if len(tr.notices) != 0 {
		t.Fatalf("notices passed on: %q; want none", tr.notices)
	}
	send(&NoticeIn{From: other, Notice: core.Notice{ParticleID: p.ID, Peer: other, Rejected: true}})
	send(&NoticeIn{From: other, Notice: core.Notice{ParticleID: p.ID, Peer: other, Rejected: true}})
	if want := []string{client.id.PeerID + ": " + p.ID + " " + other}; !reflect.DeepEqual(tr.notices, want) {
		t.Fatalf("notices passed on: %q; want %q (once)", tr.notices, want)
	}

	tr.notices = nil
	n := core.Notice{ParticleID: p.ID, Peer: relay.id.PeerID, Failed: true}
	send(&particles.Notify{To: client.id.PeerID, Via: other, Notice: n}) // connected: straight
	send(&particles.Notify{To: "12D3KooWGone", Via: other, Notice: n})   // not connected: through Via
	send(&particles.Notify{Via: other, Notice: n})                       // To empty: Via only
	send(&particles.Notify{To: "12D3KooWGone", Notice: n})               // no Via: the transport drops it
	want := []string{client.id.PeerID, other, other, "12D3KooWGone"}
	for i := range want {
		want[i] += ": " + p.ID + " " + relay.id.PeerID
	}
	if !reflect.DeepEqual(tr.notices, want) {
		t.Fatalf("notices sent: %q; want %q", tr.notices, want)
	}
	var s *Stats
	probe := w.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*Stats); ok {
			s = m
		}
	}, w.opts...))
	send(&GetStats{ReplyTo: probe})
	if s == nil || s.NoticesPassed != 1 || s.NoticesDropped != 7 {
		t.Fatalf("stats %+v, want 1 notice passed on and 7 dropped", s)
	}
}

// A node past the initiator's relay that cannot send the initiator's particle on tells the
// peer it had the particle from (By: itself), at once or when the transport gives the particle
// up later; the relay passes such a notice on to the initiator when By is the peer it sent the
// particle to. A node the initiator is connected to tells the initiator itself.
func TestSendFailuresPastTheRelayPassedBack(t *testing.T) {
	w := newWorld(t)
	client, relay, middle := w.node("client"), w.node("relay"), w.node("middle")
	gone, far := "12D3KooWGonePeerxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "12D3KooWFarPeerxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	p := w.particle(client, `(null)`)
	send := func(net *actor.PID, m any) {
		w.system.Root.Send(net, m)
		w.run()
	}

	// The middle node: the client is not connected to it; it had the particle from the relay.
	mtr := &noticeTransport{connected: map[string]bool{relay.id.PeerID: true, far: true}, unreachable: map[string]bool{gone: true}}
	mid := w.system.Root.Spawn(Props(Config{Self: middle.id.PeerID, Transport: mtr, Router: middle.router}, w.opts...))
	send(mid, &particles.Send{To: gone, Particle: p, From: relay.id.PeerID})                            // refused at once
	send(mid, &particles.Send{To: far, Particle: p, From: relay.id.PeerID})                             // taken...
	send(mid, &Undelivered{To: far, Particle: p, Err: errors.New("dial backoff")})                      // ...and given up
	send(mid, &particles.Send{To: gone, Particle: w.particle(middle, `(null)`), From: relay.id.PeerID}) // its own: no one to tell
	want := []string{
		relay.id.PeerID + ": " + p.ID + " " + gone + " by " + middle.id.PeerID,
		relay.id.PeerID + ": " + p.ID + " " + far + " by " + middle.id.PeerID,
	}
	if !reflect.DeepEqual(mtr.notices, want) {
		t.Fatalf("the middle node's notices: %q; want %q", mtr.notices, want)
	}

	// The relay: connected to the client, it sent the particle to the middle node.
	rtr := &noticeTransport{connected: map[string]bool{client.id.PeerID: true, middle.id.PeerID: true}, unreachable: map[string]bool{gone: true}}
	rel := w.system.Root.Spawn(Props(Config{Self: relay.id.PeerID, Transport: rtr, Router: relay.router}, w.opts...))
	send(rel, &particles.Send{To: middle.id.PeerID, Particle: p})
	send(rel, &NoticeIn{From: middle.id.PeerID, Notice: core.Notice{ParticleID: p.ID, Peer: gone, By: middle.id.PeerID, Reason: "no addresses"}})
	send(rel, &particles.Send{To: gone, Particle: p, From: middle.id.PeerID}) // the client is connected here: told at once
	want = []string{
		client.id.PeerID + ": " + p.ID + " " + gone + " by " + middle.id.PeerID,
		client.id.PeerID + ": " + p.ID + " " + gone,
	}
	if !reflect.DeepEqual(rtr.notices, want) {
		t.Fatalf("the relay's notices: %q; want %q", rtr.notices, want)
	}
}

// The sends remembered are the last maxSent.
func TestSentRemembersTheLast(t *testing.T) {
	n := &networkActor{}
	for i := range 2*maxSent + 1 {
		n.remember(fmt.Sprint(i), "to", "init", "")
	}
	if _, ok := n.sent[sentTo{fmt.Sprint(maxSent), "to"}]; ok || len(n.sent) != maxSent {
		t.Fatalf("%d remembered, one sent %d sends before the last among them: %v", len(n.sent), maxSent+1, ok)
	}
	if n.sent[sentTo{fmt.Sprint(2 * maxSent), "to"}].init != "init" {
		t.Fatal("the last send is not remembered")
	}
}

// A particle id that two initiators used names no initiator to pass a notice on to: a
// stranger reusing a client's particle id cannot make it hear of the stranger's particle.
func TestSharedParticleIDPassesNoNotice(t *testing.T) {
	w := newWorld(t)
	client, stranger, relay := w.node("client"), w.node("stranger"), w.node("relay")
	other := "12D3KooWOtherPeerxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	tr := &noticeTransport{connected: map[string]bool{client.id.PeerID: true, stranger.id.PeerID: true, other: true}}
	net := w.system.Root.Spawn(Props(Config{Self: relay.id.PeerID, Transport: tr, Router: relay.router}, w.opts...))
	p := w.particle(client, `(null)`)
	q := actortest.Particle(t, stranger.id, particle.Particle{ID: p.ID, Timestamp: p.Timestamp, TTL: p.TTL, MaxHops: 8, Script: `(null)`})
	for _, m := range []any{
		&particles.Send{To: other, Particle: p},
		&particles.Send{To: other, Particle: q},
		&NoticeIn{From: other, Notice: core.Notice{ParticleID: p.ID, Peer: other, Rejected: true}},
	} {
		w.system.Root.Send(net, m)
		w.run()
	}
	if len(tr.notices) != 0 {
		t.Fatalf("notices passed on: %q; want none", tr.notices)
	}
}
