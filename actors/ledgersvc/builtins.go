package ledgersvc

import (
	"errors"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/mr-tron/base58"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/kademlia"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/ledger/replica"
	"github.com/aquanet/aquanet/trust"
)

// ServiceID is the ledger builtin's service id.
const ServiceID = "ledger"

// Props returns the actor serving the ledger builtin on l. Its functions (every read takes a last,
// optional linearizable flag: false reads what this node committed, true waits for the leader
// to confirm that nothing committed before the call is missing; a follower refuses it, and
// any submission):
//
//	submit(tx)                   a transaction (base58 of ledger.EncodeTx): {hash, applied,
//	                             height, reason, message} once it is applied or rejected
//	height(lin?)                 {chain_id, height, app_hash, time, leader, follower}
//	balance(peer_id, lin?)       {balance, nonce}
//	name(name, lin?)             {owner, target}, target a peer id or "key:" ‖ base58 of a DHT key
//	perimeter(app_id, lin?)      {app_id, developer, services: [{peer, service, policy}], peers}
//
// A call that waits answers later, without holding up the calls after it.
func Props(l Ledger, opts ...actor.PropsOption) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return &builtins{s: l} }, opts...)
}

type builtins struct{ s Ledger }

func (b *builtins) Receive(ctx actor.Context) {
	c, ok := ctx.Message().(*service.Call)
	if !ok {
		return
	}
	system, to, id := ctx.ActorSystem(), c.ReplyTo, c.ID
	reply := func(v value.Value, err error) {
		system.Root.Send(to, &service.Reply{ID: id, Result: service.Result(v, err)})
	}
	if c.Function == "submit" {
		b.submit(c, reply)
		return
	}
	read, ok := reads[c.Function]
	if !ok {
		reply(value.Value{}, service.NotFound(ServiceID, c.Function))
		return
	}
	lin, _, err := builtin.OptBoolArg(c.Args, read.args, "linearizable")
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	b.s.Read(lin, func(st *ledger.State, err error) {
		if err != nil {
			reply(value.Value{}, err)
			return
		}
		v, err := read.f(b.s, st, c.Args)
		reply(v, err)
	})
}

func (b *builtins) submit(c *service.Call, reply func(value.Value, error)) {
	raw, err := builtin.B58Arg(c.Args, 0, "tx", ledger.MaxTxSize)
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	tx, err := ledger.DecodeTx(raw)
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	b.s.Submit(tx, func(a replica.Applied, err error) {
		if err != nil {
			reply(value.Value{}, err)
			return
		}
		reply(value.Object([]string{"applied", "hash", "height", "message", "reason"},
			[]value.Value{value.Bool(a.Reason == ""), value.String(base58.Encode(a.Hash[:])), value.Uint(a.Height),
				value.String(a.Message), value.String(a.Reason)}), nil)
	})
}

// A read: how many arguments come before the linearizable flag, and what it answers.
type readFn struct {
	args int
	f    func(s Ledger, st *ledger.State, args []value.Value) (value.Value, error)
}

var errNotFound = errors.New("not in the ledger")

var reads = map[string]readFn{
	"height": {0, func(s Ledger, st *ledger.State, _ []value.Value) (value.Value, error) {
		leader := s.leaderLocked() // reads run under the lock
		_, follower := s.(*Follower)
		h := st.AppHash()
		return value.Object([]string{"app_hash", "chain_id", "follower", "height", "leader", "time"},
			[]value.Value{value.String(base58.Encode(h[:])), value.String(st.ChainID()), value.Bool(follower), value.Uint(st.Height()),
				value.String(leader), value.Uint(st.Time())}), nil
	}},
	"balance": {1, func(_ Ledger, st *ledger.State, args []value.Value) (value.Value, error) {
		pk, err := peerArg(args, 0, "peer_id")
		if err != nil {
			return value.Value{}, err
		}
		bal, err := st.Balance(pk)
		if err != nil {
			return value.Value{}, err
		}
		nonce, err := st.Nonce(pk)
		if err != nil {
			return value.Value{}, err
		}
		return value.Object([]string{"balance", "nonce"}, []value.Value{value.Uint(bal), value.Uint(nonce)}), nil
	}},
	"name": {1, func(_ Ledger, st *ledger.State, args []value.Value) (value.Value, error) {
		name, err := builtin.StringArg(args, 0, "name")
		if err != nil {
			return value.Value{}, err
		}
		rec, ok, err := st.Name(name)
		if err != nil {
			return value.Value{}, err
		}
		if !ok {
			return value.Value{}, fmt.Errorf("name %q: %w", name, errNotFound)
		}
		target := rec.Target.Peer
		if rec.Target.IsKey {
			target = "key:" + kademlia.Key(rec.Target.Key).String()
		}
		return value.Object([]string{"owner", "target"}, []value.Value{value.String(rec.Owner.String()), value.String(target)}), nil
	}},
	"perimeter": {1, func(_ Ledger, st *ledger.State, args []value.Value) (value.Value, error) {
		app, err := builtin.StringArg(args, 0, "app_id")
		if err != nil {
			return value.Value{}, err
		}
		p, ok, err := st.Perimeter(app)
		if err != nil {
			return value.Value{}, err
		}
		if !ok {
			return value.Value{}, fmt.Errorf("perimeter of %q: %w", app, errNotFound)
		}
		services := make([]value.Value, len(p.Services))
		for i, sv := range p.Services {
			services[i] = value.Object([]string{"peer", "policy", "service"},
				[]value.Value{value.String(sv.Peer), value.String(sv.Policy.String()), value.String(sv.Service)})
		}
		peers := make([]value.Value, len(p.Peers))
		for i, pr := range p.Peers {
			peers[i] = value.String(pr)
		}
		return value.Object([]string{"app_id", "developer", "peers", "services"},
			[]value.Value{value.String(p.AppID), value.String(p.Developer.String()), value.Array(peers...), value.Array(services...)}), nil
	}},
}

func peerArg(args []value.Value, i int, field string) (trust.PublicKey, error) {
	s, err := builtin.StringArg(args, i, field)
	if err != nil {
		return trust.PublicKey{}, err
	}
	pk, err := trust.ParsePeer(s)
	if err != nil {
		return trust.PublicKey{}, fmt.Errorf("%s: %w", field, err)
	}
	return pk, nil
}
