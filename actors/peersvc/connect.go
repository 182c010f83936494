package peersvc

import (
	"errors"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/interpreter/value"
)

// Connectivity is what the node's transport knows about other peers (core.Connectivity): the
// connection functions of the peer service ask it.
type Connectivity = core.Connectivity

// errNoConnectivity is the answer of a node whose transport does not track connections.
var errNoConnectivity = errors.New("this node's transport does not track connections")

// peerArg reads argument 0, a peer id.
func peerArg(args []value.Value) (string, error) {
	s, err := builtin.StringArg(args, 0, "peer_id")
	if err != nil {
		return "", err
	}
	if _, err := peer.Decode(s); err != nil {
		return "", fmt.Errorf("invalid peer id '%s': %v", s, err)
	}
	return s, nil
}

// connectedPeer reads the peer id of is_connected and get_contact, and checks that there is a
// transport to ask about it.
func (p *peerActor) connectedPeer(c *service.Call) (string, error) {
	id, err := peerArg(c.Args)
	if err != nil {
		return "", err
	}
	if p.cfg.Connectivity == nil {
		return "", errNoConnectivity
	}
	return id, nil
}

// isConnected(peer_id) -> bool.
func (p *peerActor) isConnected(c *service.Call) (value.Value, error) {
	id, err := p.connectedPeer(c)
	if err != nil {
		return value.Value{}, err
	}
	return value.Bool(p.cfg.Connectivity.Connected(id)), nil
}

// getContact(peer_id) -> {peer_id, addresses} of a connected peer, or "" (nox's empty outcome)
// for another.
func (p *peerActor) getContact(c *service.Call) (value.Value, error) {
	id, err := p.connectedPeer(c)
	if err != nil {
		return value.Value{}, err
	}
	addrs, ok := p.cfg.Connectivity.Contact(id)
	if !ok {
		return value.String(""), nil
	}
	vs := make([]value.Value, len(addrs))
	for i, a := range addrs {
		vs[i] = value.String(a)
	}
	return value.Object([]string{"addresses", "peer_id"}, []value.Value{value.Array(vs...), value.String(id)}), nil
}

// connect(peer_id, addresses?) -> bool, for the host and the management peer only, as on nox;
// the answer comes when the transport has tried.
func (p *peerActor) connect(ctx actor.Context, c *service.Call) {
	reply := func(v value.Value, err error) {
		ctx.Send(c.ReplyTo, &service.Reply{ID: c.ID, Result: service.Result(v, err)})
	}
	id, err := peerArg(c.Args)
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	addrs, err := addressesArg(c.Args)
	if err != nil {
		reply(value.Value{}, err)
		return
	}
	if caller := c.Context.InitPeerID; caller != p.cfg.Host && caller != p.cfg.Management {
		reply(value.Value{}, errors.New("This function is only available to the host or worker spells"))
		return
	}
	if p.cfg.Connectivity == nil {
		reply(value.Value{}, errNoConnectivity)
		return
	}
	system, to, callID := ctx.ActorSystem(), c.ReplyTo, c.ID
	p.cfg.Connectivity.Connect(id, addrs, func(ok bool) {
		system.Root.Send(to, &service.Reply{ID: callID, Result: service.Result(value.Bool(ok), nil)})
	})
}

// addressesArg reads the optional argument 1, multiaddrs: absent, null, or an array of
// strings (an Aqua option of one array is taken too).
func addressesArg(args []value.Value) ([]string, error) {
	if len(args) < 2 || args[1].Kind() == value.KindNull {
		return nil, nil
	}
	a := args[1]
	if a.Kind() == value.KindArray && a.Len() == 1 && a.Index(0).Kind() == value.KindArray {
		a = a.Index(0)
	}
	if a.Kind() != value.KindArray {
		return nil, builtin.WrongType("addresses", "Vec<Multiaddr>", args[1])
	}
	out := make([]string, a.Len())
	for i := range out {
		s, ok := a.Index(i).Str()
		if !ok {
			return nil, builtin.WrongType("addresses", "Vec<Multiaddr>", args[1])
		}
		if _, err := multiaddr.NewMultiaddr(s); err != nil {
			return nil, fmt.Errorf("Error: Error deserializing field 'addresses': invalid multiaddr '%s': %v", s, err)
		}
		out[i] = s
	}
	return out, nil
}
