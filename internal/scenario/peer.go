package scenario

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
)

// peerCall answers the peer service on the peer named name as package actors/peersvc answers
// it on a node (its argument checks, in its order, and its texts) whose clock is the scenario's,
// whose host and operator are the peer itself, with no version and no addresses, and whose
// transport reaches every other peer of the scenario. peersvc is an actor that needs a node
// around it (and the actor runtime's tests import this package), so its rules are followed here
// rather than called; TestPeerServiceAsANode runs both on the same calls and compares.
func (h *host) peerCall(name, function string, args []value.Value) reply {
	done := func(v value.Value, err error) reply { return reply{result: nodeResult(v, err)} }
	switch function {
	case "identify":
		return done(value.Object([]string{"air_version", "external_addresses", "node_version"},
			[]value.Value{value.String(data.ReferenceInterpreterVersion), value.Array(), value.String("")}), nil)
	case "timestamp_ms":
		return done(value.Uint(h.now), nil)
	case "timestamp_sec":
		return done(value.Uint(h.now/1000), nil)
	case "is_connected":
		id, err := peerArg(args)
		if err != nil {
			return done(value.Value{}, err)
		}
		return done(value.Bool(h.reaches(name, id)), nil)
	case "get_contact":
		id, err := peerArg(args)
		if err != nil {
			return done(value.Value{}, err)
		}
		if !h.reaches(name, id) {
			return done(value.String(""), nil)
		}
		return done(value.Object([]string{"addresses", "peer_id"}, []value.Value{value.Array(), value.String(id)}), nil)
	case "connect":
		id, err := peerArg(args)
		if err == nil {
			err = checkAddresses(args)
		}
		if err == nil && h.s.Init != name { // the caller is the particle's initiator
			err = errNotHost
		}
		if err != nil {
			return done(value.Value{}, err)
		}
		return done(value.Bool(h.reaches(name, id)), nil)
	case "timeout":
		return h.timeout(args)
	}
	return done(value.Value{}, notFound("peer", function))
}

var errNotHost = errors.New("This function is only available to the host or worker spells")

// reaches reports whether the transport of the peer named name reaches the peer id: any other
// peer of the scenario.
func (h *host) reaches(name, id string) bool {
	other, ok := h.byID[id]
	return ok && other != name
}

// timeout(duration_ms, message?) is answered message (or "") duration_ms later on the clock,
// never if that is at or after the particle's deadline. The duration may be a number or a
// string of digits; the message may be an Aqua option.
func (h *host) timeout(args []value.Value) reply {
	fail := func(err error) reply { return reply{result: nodeResult(value.Value{}, err)} }
	if len(args) == 0 {
		return fail(builtin.MissingField("duration_ms"))
	}
	ms, ok := args[0].Uint64()
	if !ok || !args[0].IsInteger() {
		s, isStr := args[0].Str()
		n, err := strconv.ParseUint(s, 10, 64)
		if !isStr || err != nil {
			return fail(builtin.WrongType("duration_ms", "u64", args[0]))
		}
		ms = n
	}
	message := value.String("")
	if len(args) > 1 {
		m := args[1]
		if m.Kind() == value.KindArray && m.Len() == 1 {
			m = m.Index(0)
		}
		if s, ok := m.Str(); ok {
			message = value.String(s)
		} else if !(m.Kind() == value.KindNull || (m.Kind() == value.KindArray && m.Len() == 0)) {
			return fail(builtin.WrongType("message", "Option<String>", args[1]))
		}
	}
	if ms >= h.deadline-min(h.now, h.deadline) {
		return reply{when: whenNever}
	}
	return reply{result: nodeResult(message, nil), when: whenLater, after: ms}
}

// peerArg reads argument 0, a peer id, as the node's peer service does.
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

// checkAddresses checks connect's optional argument 1, multiaddrs, as the node's peer service
// does: absent, null, or an array of multiaddr strings (an Aqua option of one array too).
func checkAddresses(args []value.Value) error {
	if len(args) < 2 || args[1].Kind() == value.KindNull {
		return nil
	}
	a := args[1]
	if a.Kind() == value.KindArray && a.Len() == 1 && a.Index(0).Kind() == value.KindArray {
		a = a.Index(0)
	}
	if a.Kind() != value.KindArray {
		return builtin.WrongType("addresses", "Vec<Multiaddr>", args[1])
	}
	for i := range a.Len() {
		s, ok := a.Index(i).Str()
		if !ok {
			return builtin.WrongType("addresses", "Vec<Multiaddr>", args[1])
		}
		if _, err := multiaddr.NewMultiaddr(s); err != nil {
			return fmt.Errorf("Error: Error deserializing field 'addresses': invalid multiaddr '%s': %v", s, err)
		}
	}
	return nil
}
