package core

import "github.com/aquanet/aquanet/particle"

// Transport carries particles from one peer to others.
type Transport interface {
	// Send delivers p to the peer to, or fails saying why (the peer is unknown or cannot be
	// reached, its queue is full). A nil error means the particle was handed on, not that it
	// arrived: a transport may still lose it on the way. Send must not block for long, since the
	// node's network actor calls it from its mailbox, and must not keep p.Data after it returns
	// unless it copies it.
	Send(to string, p particle.Particle) error
}

// Inbox takes in what a transport receives for its peer.
type Inbox interface {
	// Deliver hands over a particle that arrived from the peer from (the transport's word for
	// who sent it: the remote end of the connection, not the particle's initiator). The inbox
	// owns p from then on. Deliver may be called from several goroutines at once and must not
	// block for long.
	Deliver(from string, p particle.Particle)
}

// InboxFunc is a function used as an Inbox.
type InboxFunc func(from string, p particle.Particle)

// Deliver calls f(from, p).
func (f InboxFunc) Deliver(from string, p particle.Particle) { f(from, p) }

// Join connects a peer to a network: the node calls it once, at its start, with its own peer id
// and the inbox that takes in what arrives for it, and sends through the Transport it returns.
type Join func(self string, in Inbox) Transport

// Connectivity is what a transport that keeps connections can tell and do for the node's peer
// service (peer.is_connected, peer.get_contact, peer.connect). A Transport that also implements
// it answers those calls; without it they fail.
type Connectivity interface {
	// Connected reports whether there is a connection to the peer.
	Connected(peer string) bool
	// Contact returns the addresses of a connected peer; ok is false if it is not connected.
	Contact(peer string) (addrs []string, ok bool)
	// Connect tries to connect to the peer (at addrs, if any are given) and calls done with the
	// outcome, from any goroutine; it must not block.
	Connect(peer string, addrs []string, done func(ok bool))
}
