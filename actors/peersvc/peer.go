// Package peersvc is the peer builtin service, which needs the node: its identity and its clock.
// It answers as Fluence's node does (particle-builtins/src/builtins.rs, the ("peer", …) arms):
// identify, timestamp_ms, timestamp_sec; timeout, which answers after the given time on the
// node's clock without holding up anything else; and the connection functions is_connected,
// get_contact and connect, which ask the node's transport (its Connectivity).
package peersvc

import (
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/interpreter/value"
)

// Config is what the peer service knows about its node.
type Config struct {
	Host, Management string // who may call connect
	Clock            clock.Clock
	NodeVersion      string   // reported by identify
	Addresses        []string // external addresses, reported by identify
	// Connectivity answers the connection functions; without it they fail.
	Connectivity Connectivity
}

// AIRVersion is the AquaVM version whose semantics the interpreter follows.
const AIRVersion = "0.62.0"

// Props returns the peer service actor.
func Props(cfg Config, opts ...actor.PropsOption) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return &peerActor{cfg: cfg} }, opts...)
}

type peerActor struct{ cfg Config }

func (p *peerActor) Receive(ctx actor.Context) {
	c, ok := ctx.Message().(*service.Call)
	if !ok {
		return
	}
	switch c.Function {
	case "timeout":
		p.timeout(ctx, c)
		return
	case "connect":
		p.connect(ctx, c)
		return
	}
	v, err := p.call(c)
	ctx.Send(c.ReplyTo, &service.Reply{ID: c.ID, Result: service.Result(v, err)})
}

func (p *peerActor) call(c *service.Call) (value.Value, error) {
	switch c.Function {
	case "identify":
		addrs := make([]value.Value, len(p.cfg.Addresses))
		for i, a := range p.cfg.Addresses {
			addrs[i] = value.String(a)
		}
		return value.Object([]string{"air_version", "external_addresses", "node_version"},
			[]value.Value{value.String(AIRVersion), value.Array(addrs...), value.String(p.cfg.NodeVersion)}), nil
	case "timestamp_ms":
		return value.Uint(clock.UnixMilli(p.cfg.Clock)), nil
	case "timestamp_sec":
		return value.Uint(clock.UnixMilli(p.cfg.Clock) / 1000), nil
	case "is_connected":
		return p.isConnected(c)
	case "get_contact":
		return p.getContact(c)
	}
	return value.Value{}, service.NotFound(c.Context.Service, c.Function)
}

// timeout(duration_ms, message?) answers message (or "") once duration_ms have passed on the
// node's clock. The duration may be a number or a string of digits, as nox reads it. A timeout
// that ends at or after the particle's deadline is never answered.
func (p *peerActor) timeout(ctx actor.Context, c *service.Call) {
	reply := func(v value.Value, err error) {
		ctx.Send(c.ReplyTo, &service.Reply{ID: c.ID, Result: service.Result(v, err)})
	}
	if len(c.Args) == 0 {
		reply(value.Value{}, builtin.MissingField("duration_ms"))
		return
	}
	ms, ok := c.Args[0].Uint64()
	if !ok || !c.Args[0].IsInteger() {
		s, isStr := c.Args[0].Str()
		n, err := strconv.ParseUint(s, 10, 64)
		if !isStr || err != nil {
			reply(value.Value{}, builtin.WrongType("duration_ms", "u64", c.Args[0]))
			return
		}
		ms = n
	}
	message := value.String("")
	if len(c.Args) > 1 {
		m := c.Args[1]
		if m.Kind() == value.KindArray && m.Len() == 1 { // an Aqua option
			m = m.Index(0)
		}
		if s, ok := m.Str(); ok {
			message = value.String(s)
		} else if !(m.Kind() == value.KindNull || (m.Kind() == value.KindArray && m.Len() == 0)) {
			reply(value.Value{}, builtin.WrongType("message", "Option<String>", c.Args[1]))
			return
		}
	}
	if now := clock.UnixMilli(p.cfg.Clock); ms >= c.Context.Deadline()-min(now, c.Context.Deadline()) {
		// The answer would come when the particle is over: nobody would take it, and a timer
		// kept for it would hold memory for nothing.
		return
	}
	d := time.Duration(ms) * time.Millisecond
	system, to, id := ctx.ActorSystem(), c.ReplyTo, c.ID
	p.cfg.Clock.AfterFunc(d, func() {
		system.Root.Send(to, &service.Reply{ID: id, Result: service.Result(message, nil)})
	})
}
