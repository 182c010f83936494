package sim

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/perimeter"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/chat"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/trust"
)

// The messenger under a security perimeter (Options.Perimeter): the developer of application
// "chat" puts the relay's history and every member's chat in its perimeter (policy perimeter),
// with the relay as its only peer, and certifies every member, whose particles carry the
// certificate: a member is served because the developer vouches for it, not because it is a
// peer. The membership check (app, members-*) stays outside, so the non-member is turned away
// by it as without a perimeter. Two kinds of messages must be refused: forgeries, whose text a
// peer outside the perimeter (the non-member) loads into the particle, which history.add
// refuses (foreign-argument) and the script's xor turns into the sender's chat.error; and
// those of one member after the developer revokes its certificate mid-run, which history.add
// refuses (revoked), and with them the sender's own chat.error, its chat being in the
// perimeter too.

// perimeterApp is the application whose perimeter the messenger runs under.
const perimeterApp = "chat"

// What a message's particle must meet under the perimeter (message.Fate).
const (
	served  = iota // as without a perimeter
	forged         // its text comes from the non-member: history.add refuses it
	revoked        // sent after its sender's certificate was revoked: refused
	racing         // sent by the revoked member so shortly before the revocation that either may happen
)

// loadMessage is the call of chat.Script that loads the message's text from the sender.
const loadMessage = `(call %init_peer_id% ("load" "message") [] message)`

// perim is the perimeter's part of the messenger: the developer, the perimeter, the
// revocation, and what the nodes did under it.
type perim struct {
	m         *messenger
	clk       *clock.Manual
	developer trust.Signer
	devPeer   string
	set       ledger.SetPerimeter
	forgery   string // the forged script

	revoked    int           // the node index of the member whose certificate is revoked
	revokeAt   time.Duration // when, in the safety phase
	revocation trust.Revocation
	revokedAt  time.Time // when it was applied on the nodes; zero before

	inside  int      // calls to perimeter services whose caller and arguments were inside
	outside []string // the others (at most 10)
	strays  int      // how many others

	denials map[string][]denial // particle id -> the calls the nodes refused
}

// denial is a call a node refused (actors.PerimeterEnv.OnDenial).
type denial struct {
	node, call, reason string
}

func newPerim(m *messenger, s *simulation) (*perim, error) {
	dev, err := scenario.NewIdentity(fmt.Sprintf("sim-%d-developer", s.seed))
	if err != nil {
		return nil, err
	}
	nonMember := m.nodes[len(m.nodes)-1].id.PeerID
	if strings.Count(chat.Script, loadMessage) != 1 {
		return nil, fmt.Errorf("the chat script does not load its message as %s: no forgery to make", loadMessage)
	}
	p := &perim{m: m, clk: s.clk, developer: trust.Signer(dev.Key), devPeer: dev.PeerID, denials: map[string][]denial{},
		forgery: strings.Replace(chat.Script, loadMessage, fmt.Sprintf(`(call %q ("load" "message") [] message)`, nonMember), 1)}
	p.set = ledger.SetPerimeter{AppID: perimeterApp, Developer: p.developer.Public(), Peers: []string{m.relay},
		Services: []ledger.PerimeterService{{ServiceRef: ledger.ServiceRef{Peer: m.relay, Service: "history"}, Policy: ledger.PolicyPerimeter}}}
	for _, member := range m.members {
		p.set.Services = append(p.set.Services, ledger.PerimeterService{ServiceRef: ledger.ServiceRef{Peer: member, Service: "chat"}, Policy: ledger.PolicyPerimeter})
	}
	return p, nil
}

// listed says whether the perimeter lists service on peer.
func (p *perim) listed(peer, service string) bool {
	return slices.ContainsFunc(p.set.Services, func(s ledger.PerimeterService) bool { return s.Peer == peer && s.Service == service })
}

// plan certifies the members, picks the revoked member and the time of the revocation, and
// the fate of each message of the safety phase (which goes out at its at): the revoked
// member's after the revocation are refused, and about one in five of the other members' is
// forged (at least one). Its draws have their own stream: the workload's are as without a
// perimeter.
func (p *perim) plan(s *simulation, o Options, msgs []*message, ats []time.Duration) {
	r := newRand(o.Seed, "perimeter")
	now := uint64(s.clk.Now().Unix())
	// Valid from an hour before the run (a node's clock may be behind) to a day after it.
	issued, expires := now-3600, now+uint64((o.Duration+24*time.Hour)/time.Second)
	for _, n := range p.m.nodes[1 : len(p.m.nodes)-1] {
		n.cert = trust.IssueRoot(p.developer, trust.Signer(n.id.Key).Public(), expires, issued).Encode()
	}
	p.revoked = 1 + r.IntN(len(p.m.members))
	p.revokeAt = o.Duration/4 + time.Duration(r.Int64N(int64(o.Duration/2)))
	// A particle lives TTL on its sender's clock, which may be ahead of a receiver's by twice
	// the largest skew: one sent earlier than that before the revocation is done with by then.
	window := o.TTL + time.Second
	for _, sk := range o.Skews {
		window = max(window, o.TTL+time.Second+2*max(sk, -sk))
	}
	var eligible []*message
	for i, msg := range msgs {
		switch {
		case msg.From == p.revoked && ats[i] >= p.revokeAt:
			msg.Fate = revoked
		case msg.From == p.revoked && ats[i] >= p.revokeAt-window:
			msg.Fate = racing
		case msg.Member && msg.From != p.revoked:
			eligible = append(eligible, msg)
			if r.IntN(5) == 0 {
				msg.Fate = forged
			}
		}
	}
	if len(eligible) > 0 && !slices.ContainsFunc(eligible, func(m *message) bool { return m.Fate == forged }) {
		eligible[r.IntN(len(eligible))].Fate = forged
	}
	s.clk.AfterFunc(p.revokeAt, func() { p.revoke(s) })
}

// revoke has the developer revoke the member's certificate now, on every node that runs. It
// stands in for the ledger's publish_revocation, which each node's TrustGraph gets once
// committed (actors.Node.revokeInTrust): this messenger's nodes keep no ledger, so every node
// learns it at once, and a node that is down now learns it when it restarts (started), as it
// would replay the ledger.
func (p *perim) revoke(s *simulation) {
	p.revokedAt = s.clk.Now()
	n := p.m.nodes[p.revoked]
	p.revocation = trust.IssueRevocation(p.developer, trust.Signer(n.id.Key).Public(), uint64(p.revokedAt.Unix()))
	s.log.mark(p.revokedAt, "the developer revokes the certificate of "+n.name)
	for _, n := range s.nodes {
		if !n.gate.dead {
			if err := n.node.Trust().Revoke(p.revocation); err != nil && s.err == nil {
				s.err = fmt.Errorf("%s: revoking: %w", n.name, err)
			}
		}
	}
}

// nodeEnv gives every node the perimeter, and has it tell the simulation each call its
// perimeter refused.
func (p *perim) nodeEnv(n *simNode, env *actors.Env) {
	env.Perimeters = actors.PerimeterEnv{Source: perimeter.Static{perimeterApp: p.set},
		OnDenial: func(d *perimeter.Denial, c service.CallContext) {
			p.denials[c.ParticleID] = append(p.denials[c.ParticleID], denial{node: n.name, call: c.Service + "." + d.Function, reason: string(d.Reason)})
		}}
}

// spawnOptions puts the services the perimeter lists under it; the others (the membership
// check, load, the non-member's chat) stay outside.
func (p *perim) spawnOptions(n *simNode, name string) []actors.SpawnOption {
	if p.listed(n.id.PeerID, name) {
		return []actors.SpawnOption{actors.InPerimeter(perimeterApp)}
	}
	return nil
}

// started gives a node that (re)starts after the revocation the revocation again: its disk
// may have lost it in a crash, as the ledger would give it back.
func (p *perim) started(n *simNode) error {
	if p.revokedAt.IsZero() {
		return nil
	}
	return n.node.Trust().Revoke(p.revocation)
}

// watch wraps the services under the perimeter on n to judge, apart from the node, every call
// they run: its caller must be inside the perimeter (the developer, the relay, a member whose
// certificate is not revoked yet) and so must every argument's origin (perimeter_held).
func (p *perim) watch(n *simNode, services map[string]service.HandlerFunc) {
	for _, name := range slices.Sorted(maps.Keys(services)) {
		if !p.listed(n.id.PeerID, name) {
			continue
		}
		h := services[name]
		services[name] = func(c service.CallContext, fn string, args []value.Value) (value.Value, error) {
			if why := p.stray(n, c); why != "" {
				if p.strays++; len(p.outside) < 10 {
					p.outside = append(p.outside, fmt.Sprintf("%s.%s of %s on %s ran: %s", name, fn, c.ParticleID, n.name, why))
				}
			} else {
				p.inside++
			}
			return h(c, fn, args)
		}
	}
}

// stray says why call c on n should not have run, or "".
func (p *perim) stray(n *simNode, c service.CallContext) string {
	init := c.InitPeerID
	switch {
	case init == p.devPeer, init == p.m.relay:
	case init == p.m.nodes[p.revoked].id.PeerID && !p.revokedAt.IsZero() && !p.clk.Now().Before(p.revokedAt):
		return fmt.Sprintf("its initiator %s (%s) had its certificate revoked %v before", p.m.nodes[p.revoked].name, init, p.clk.Now().Sub(p.revokedAt))
	case !slices.Contains(p.m.members, init):
		return "its initiator " + init + " is neither the developer, nor a peer of the perimeter, nor a certified member"
	}
	for i, ts := range c.Tetraplets {
		for _, t := range ts {
			switch {
			case t.PeerPK == init, t.PeerPK == p.devPeer, t.PeerPK == p.m.relay, p.listed(t.PeerPK, t.ServiceID):
			case t.PeerPK == n.id.PeerID && (t.ServiceID == "" || strings.HasPrefix(t.ServiceID, ".") || slices.Contains(actors.ReservedServices(), t.ServiceID)):
			default:
				return fmt.Sprintf("argument %d came from %s", i, tetrapletText(t))
			}
		}
	}
	return ""
}

func tetrapletText(t data.Tetraplet) string {
	return fmt.Sprintf("peer %s, service %q, function %q", t.PeerPK, t.ServiceID, t.FunctionName)
}

// refused: every forgery and every message of the revoked member after the revocation reached
// no member, and its sender heard nothing but the error; no other message was refused by a
// perimeter. Where every particle must get through (strict: without faults, or after healing),
// each was refused where and why it must be: history.add on the relay (foreign-argument or
// revoked), and for a revoked member its own chat.error too (revoked).
func (p *perim) refused(o Options) Check {
	var bad []string
	count := map[int]int{}
	live := map[string]bool{}
	for _, id := range p.m.live {
		live[id] = true
	}
	relay := p.m.nodes[0].name
	for _, id := range slices.Sorted(maps.Keys(p.m.byID)) {
		msg := p.m.byID[id]
		count[msg.Fate]++
		reason := map[int]string{forged: string(perimeter.ForeignArgument), revoked: string(perimeter.Revoked)}[msg.Fate]
		for _, d := range p.denials[id] {
			switch {
			case msg.Fate == racing:
			case reason == "":
				bad = append(bad, fmt.Sprintf("%s from %s: %s on %s refused (%s), though nothing should be", id, p.m.nodes[msg.From].name, d.call, d.node, d.reason))
			case d.reason != reason:
				bad = append(bad, fmt.Sprintf("%s from %s: %s on %s refused (%s), want %s", id, p.m.nodes[msg.From].name, d.call, d.node, d.reason, reason))
			}
		}
		if reason == "" {
			continue
		}
		if got := len(p.m.received[id]); got != 0 {
			bad = append(bad, fmt.Sprintf("%s from %s (%s) reached %d members", id, p.m.nodes[msg.From].name, reason, got))
		}
		heard := p.m.outcome[id]
		if strings.HasPrefix(heard, "delivered") || msg.Fate == revoked && heard != "" {
			bad = append(bad, fmt.Sprintf("%s from %s (%s): its sender heard %q", id, p.m.nodes[msg.From].name, reason, heard))
		}
		if o.Faults != "none" && !live[id] {
			continue
		}
		want := []denial{{node: relay, call: "history.add", reason: reason}}
		if msg.Fate == forged && heard != notMemberError {
			bad = append(bad, fmt.Sprintf("%s from %s (%s): its sender heard %q, want %q", id, p.m.nodes[msg.From].name, reason, heard, notMemberError))
		}
		if msg.Fate == revoked {
			want = append(want, denial{node: p.m.nodes[msg.From].name, call: "chat.error", reason: reason})
		}
		for _, w := range want {
			if !slices.Contains(p.denials[id], w) {
				bad = append(bad, fmt.Sprintf("%s from %s: %s was not refused on %s (%s)", id, p.m.nodes[msg.From].name, w.call, w.node, w.reason))
			}
		}
	}
	if len(bad) > 0 {
		return Check{Detail: strings.Join(bad, "; ")}
	}
	reasons := map[string]int{}
	for _, ds := range p.denials {
		for _, d := range ds {
			reasons[d.reason]++
		}
	}
	var by []string
	for _, r := range slices.Sorted(maps.Keys(reasons)) {
		by = append(by, fmt.Sprintf("%s %d", r, reasons[r]))
	}
	return Check{Pass: true, Detail: fmt.Sprintf("%s and %s of %s after its revocation reached no member (%d racing it); denials: %s",
		plural(count[forged], "forgery", "forgeries"), plural(count[revoked], "message", "messages"), p.m.nodes[p.revoked].name,
		count[racing], strings.Join(by, ", "))}
}

// held: no service under the perimeter ran a call whose caller or argument was outside it.
func (p *perim) held() Check {
	if p.strays > 0 {
		return Check{Detail: fmt.Sprintf("%d calls outside the perimeter ran: %s", p.strays, strings.Join(p.outside, "; "))}
	}
	return Check{Pass: true, Detail: fmt.Sprintf("%d calls inside, none outside", p.inside)}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
