package dhtsvc

import (
	"errors"
	"fmt"
	"slices"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/multiformats/go-multiaddr"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/kademlia"
)

// The builtins' service ids.
const (
	KadService = "kad"
	DHTService = "dht"
)

// BuiltinConfig is what the dht and kad builtins need besides the Service.
type BuiltinConfig struct {
	// Host and Management may make the node provide keys itself (dht.add_provider,
	// dht.remove_provider): the node signs those records, and republishes them.
	Host, Management string
	// Addresses are the node's own, put in the records it signs.
	Addresses func() []multiaddr.Multiaddr
	// DefaultTTL is the life of a record the node signs when the call gives none; default 1 h.
	DefaultTTL uint64
}

// Props returns the actor serving both builtins (the registry routes "kad" and "dht" to it).
// Calls that need the network answer later, when the network has answered, without holding up
// the calls after them.
func (s *Service) Props(cfg BuiltinConfig, opts ...actor.PropsOption) *actor.Props {
	if cfg.DefaultTTL == 0 {
		cfg.DefaultTTL = 3600
	}
	if cfg.Addresses == nil {
		cfg.Addresses = func() []multiaddr.Multiaddr { return nil }
	}
	return actor.PropsFromProducer(func() actor.Actor { return &builtins{s: s, cfg: cfg} }, opts...)
}

type builtins struct {
	s   *Service
	cfg BuiltinConfig
}

func (b *builtins) Receive(ctx actor.Context) {
	c, ok := ctx.Message().(*service.Call)
	if !ok {
		return
	}
	system, to, id := ctx.ActorSystem(), c.ReplyTo, c.ID
	reply := func(v value.Value, err error) {
		system.Root.Send(to, &service.Reply{ID: id, Result: service.Result(v, err)})
	}
	var f func(*service.Call, func(value.Value, error))
	switch c.Context.Service + "." + c.Function {
	case "kad.neighborhood":
		f = b.neighborhood
	case "kad.merge":
		f = b.merge
	case "dht.add_provider", "dht.remove_provider":
		if caller := c.Context.InitPeerID; caller != b.cfg.Host && caller != b.cfg.Management {
			reply(value.Value{}, errors.New("only the node and its management peer may make the node provide a key: a client provides with a record of its own (dht.put_record)"))
			return
		}
		f = b.addProvider
		if c.Function == "remove_provider" {
			f = b.removeProvider
		}
	case "dht.put_record":
		f = b.putRecord
	case "dht.remove_record":
		f = b.removeRecord
	case "dht.get_providers":
		f = b.getProviders
	default:
		reply(value.Value{}, service.NotFound(c.Context.Service, c.Function))
		return
	}
	f(c, reply)
}

// kad.neighborhood(key, already_hashed?, count?): the peers of this node's routing table
// closest to key, as nox picks them (kademlia.Neighborhood).
func (b *builtins) neighborhood(c *service.Call, reply func(value.Value, error)) {
	key, err := builtin.StringArg(c.Args, 0, "key")
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	hashed, _, err := builtin.OptBoolArg(c.Args, 1, "already_hashed")
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	count, set, err := builtin.OptUint64Arg(c.Args, 2, "count")
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	if !set {
		count = kademlia.DefaultNeighborhoodCount
	}
	pre, err := kademlia.NeighborhoodKey(key, hashed)
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	if b.s.cfg.Routing == nil {
		reply(value.Value{}, errNoRouting)
		return
	}
	peers := b.s.cfg.Routing.LocalClosest(pre, int(min(count, 1<<16)))
	reply(stringsValue(peers), nil)
}

// kad.merge(target, left, right, count?): left and right, closest to target first, as nox.
func (b *builtins) merge(c *service.Call, reply func(value.Value, error)) {
	target, err := builtin.StringArg(c.Args, 0, "target")
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	left, err := builtin.StringsArg(c.Args, 1, "left")
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	right, err := builtin.StringsArg(c.Args, 2, "right")
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	count, set, err := builtin.OptUint64Arg(c.Args, 3, "count")
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	n := kademlia.NoNeighborhoodCount
	if set {
		n = int(min(count, 1<<16))
	}
	out, err := kademlia.MergeClosest(target, left, right, n)
	reply(stringsValue(out), err)
}

// dht.add_provider(challenge, solution, ttl_sec?): this node provides the challenge's key, at
// its addresses, for ttl_sec (default 1 h): it signs the record, stores it at the peers
// closest to the key, and republishes it until dht.remove_provider. challenge and solution
// are base58 of their binary forms.
func (b *builtins) addProvider(c *service.Call, reply func(value.Value, error)) {
	ch, err := builtin.B58Arg(c.Args, 0, "challenge", kademlia.MaxChallengeLen)
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	solution, err := builtin.B58Arg(c.Args, 1, "solution", kademlia.MaxSolution)
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	ttl, set, err := builtin.OptUint64Arg(c.Args, 2, "ttl_sec")
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	if !set {
		ttl = b.cfg.DefaultTTL
	}
	challenge, err := kademlia.DecodeChallenge(ch)
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	b.s.ProvideSelf(challenge, solution, ttl, b.cfg.Addresses(), func(st Stored, err error) { reply(storedValue(st, err), nil) })
}

// dht.put_record(record): stores a record signed by its provider (a client of this node, say)
// at the peers closest to its key.
func (b *builtins) putRecord(c *service.Call, reply func(value.Value, error)) {
	rec, err := builtin.B58Arg(c.Args, 0, "record", kademlia.MaxRecordSize)
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	b.s.Provide(rec, func(st Stored, err error) { reply(storedValue(st, err), nil) })
}

// dht.remove_record(removal): stores a provider's signed removal of its record (a client's,
// say) at the peers closest to its key, where it outdates the record for good.
func (b *builtins) removeRecord(c *service.Call, reply func(value.Value, error)) {
	rm, err := builtin.B58Arg(c.Args, 0, "removal", kademlia.EncodedRemovalLen)
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	b.s.Remove(rm, func(st Stored, err error) { reply(storedValue(st, err), nil) })
}

// dht.remove_provider(key): this node no longer provides key (nor republishes it).
func (b *builtins) removeProvider(c *service.Call, reply func(value.Value, error)) {
	key, err := keyArg(c.Args, 0)
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	b.s.Forget(key, func(st Stored, err error) { reply(storedValue(st, err), nil) })
}

// dht.get_providers(key): key's providers, best first: [{peer_id, addresses, issued_at,
// expires_at, weight, challenge}].
func (b *builtins) getProviders(c *service.Call, reply func(value.Value, error)) {
	key, err := keyArg(c.Args, 0)
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	b.s.Providers(key, func(rs []kademlia.Record, err error) {
		if err != nil {
			reply(value.Value{}, err)
			return
		}
		out := make([]value.Value, len(rs))
		for i, r := range rs {
			addrs := make([]string, len(r.Addrs))
			for j, a := range r.Addrs {
				addrs[j] = a.String()
			}
			out[i] = value.Object(
				[]string{"addresses", "challenge", "expires_at", "issued_at", "peer_id", "weight"},
				[]value.Value{stringsValue(addrs), value.String(r.Challenge.Kind.String()), value.Uint(r.ExpiresAt),
					value.Uint(r.IssuedAt), value.String(r.Provider.String()), value.Uint(uint64(b.s.cfg.Weigh(r.Provider)))})
		}
		reply(value.Array(out...), nil)
	})
}

// storedValue is what became of a record: success when some peer kept it (this node
// included), error saying what went wrong if anything did (a lookup that failed, say).
func storedValue(st Stored, err error) value.Value {
	reasons := make([]string, 0, len(st.Refused))
	for r := range st.Refused {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	vals := make([]value.Value, len(reasons))
	for i, r := range reasons {
		vals[i] = value.Uint(uint64(st.Refused[r]))
	}
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	return value.Object([]string{"error", "failed", "peers", "refused", "stored", "success"},
		[]value.Value{value.String(msg), value.Uint(uint64(st.Failed)), value.Uint(uint64(st.Peers)),
			value.Object(reasons, vals), value.Uint(uint64(st.OK)), value.Bool(st.OK > 0)})
}

func keyArg(args []value.Value, i int) (kademlia.Key, error) {
	b, err := builtin.B58Arg(args, i, "key", len(kademlia.Key{}))
	if err != nil {
		return kademlia.Key{}, err
	}
	if len(b) != len(kademlia.Key{}) {
		return kademlia.Key{}, fmt.Errorf("key: %d bytes, want %d (the base58 of a DHT key)", len(b), len(kademlia.Key{}))
	}
	return kademlia.Key(b), nil
}

func stringsValue(ss []string) value.Value {
	vals := make([]value.Value, len(ss))
	for i, s := range ss {
		vals[i] = value.String(s)
	}
	return value.Array(vals...)
}
