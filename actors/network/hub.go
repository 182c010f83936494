package network

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/kademlia"
	"github.com/aquanet/aquanet/particle"
)

// Hub connects nodes in one process: each joins with the inbox that takes its particles in,
// and gets a Transport to the others.
type Hub struct {
	mu       sync.Mutex
	peers    map[string]core.Inbox
	handlers map[string]core.RoutingHandler
	ledgers  map[string]func(from string, msg []byte) // by peer: ServeLedger's handler
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{peers: map[string]core.Inbox{}, handlers: map[string]core.RoutingHandler{},
		ledgers: map[string]func(string, []byte){}}
}

// ServeRouting makes peer answer the DHT record requests of the others with h.
func (h *Hub) ServeRouting(peer string, handler core.RoutingHandler) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.handlers[peer] = handler
}

var _ core.Join = (*Hub)(nil).Join

// Join adds peer to the hub; in receives every particle sent to it. Its shape is core.Join.
func (h *Hub) Join(peer string, in core.Inbox) core.Transport {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.peers[peer] = in
	return hubTransport{h, peer}
}

// hubTransport is one peer's view of the hub. Every other peer on the hub counts as connected
// to it, with no addresses (in one process there are none).
type hubTransport struct {
	h    *Hub
	self string
}

var (
	_ core.Transport       = hubTransport{}
	_ core.Connectivity    = hubTransport{}
	_ core.Routing         = hubTransport{}
	_ core.RoutingServer   = hubTransport{}
	_ core.LedgerTransport = hubTransport{}
)

// ServeRouting makes this peer answer the others' DHT record requests with h.
func (t hubTransport) ServeRouting(h core.RoutingHandler) { t.h.ServeRouting(t.self, h) }

// ErrUnknownPeer is the error of a send to a peer that is not on the hub.
type ErrUnknownPeer struct{ Peer string }

func (e *ErrUnknownPeer) Error() string { return "peer " + e.Peer + " is not connected" }

// ErrLedgerMessageTooLong is the error of a SendLedger of more than core.MaxLedgerMessage
// bytes; test with errors.Is.
var ErrLedgerMessageTooLong = errors.New("ledger message too long")

// ServeLedger makes this peer receive the ledger messages the others send it, with h, from
// now on (core.LedgerTransport); until then they are dropped.
func (t hubTransport) ServeLedger(h func(from string, msg []byte)) {
	t.h.mu.Lock()
	defer t.h.mu.Unlock()
	t.h.ledgers[t.self] = h
}

// SendLedger hands msg to the peer's ServeLedger handler on the caller's goroutine, before it
// returns, as Send does particles: messages to one peer arrive in the order sent. A peer not
// on the hub and a message over core.MaxLedgerMessage are errors (*ErrUnknownPeer,
// ErrLedgerMessageTooLong); a peer on the hub that serves no ledger drops the message, as a
// libp2p node does, and that is no error (the send was best effort).
func (t hubTransport) SendLedger(to string, msg []byte) error {
	if len(msg) > core.MaxLedgerMessage {
		return fmt.Errorf("ledger message to %s: %w: %d bytes, limit %d", to, ErrLedgerMessageTooLong, len(msg), core.MaxLedgerMessage)
	}
	t.h.mu.Lock()
	_, ok := t.h.peers[to]
	h := t.h.ledgers[to]
	t.h.mu.Unlock()
	if !ok {
		return &ErrUnknownPeer{Peer: to}
	}
	if h != nil {
		// The receiver gets its own copy: the sender may reuse msg once SendLedger returns.
		h(t.self, bytes.Clone(msg))
	}
	return nil
}

func (t hubTransport) Send(to string, p particle.Particle) error {
	t.h.mu.Lock()
	in, ok := t.h.peers[to]
	t.h.mu.Unlock()
	if !ok {
		return &ErrUnknownPeer{Peer: to}
	}
	// The receiver gets its own copy of the data: in one process nothing else separates them.
	p.Data = append([]byte(nil), p.Data...)
	in.Deliver(t.self, p)
	return nil
}

// Connected reports whether peer is another peer on the hub.
func (t hubTransport) Connected(peer string) bool {
	if peer == t.self {
		return false
	}
	t.h.mu.Lock()
	defer t.h.mu.Unlock()
	_, ok := t.h.peers[peer]
	return ok
}

// Contact returns no addresses for a peer on the hub.
func (t hubTransport) Contact(peer string) ([]string, bool) {
	if !t.Connected(peer) {
		return nil, false
	}
	return []string{}, true
}

// Connect succeeds for a peer on the hub (whatever addrs say), at once.
func (t hubTransport) Connect(peer string, _ []string, done func(bool)) { done(t.Connected(peer)) }

// LocalClosest orders every other peer on the hub by its distance to key: the hub's routing
// table holds them all.
func (t hubTransport) LocalClosest(key []byte, count int) []string {
	t.h.mu.Lock()
	table := kademlia.NewRoutingTable(t.self, len(t.h.peers))
	for p := range t.h.peers {
		table.Add(p)
	}
	t.h.mu.Unlock()
	return table.Closest(key, count)
}

// Lookup answers at once with LocalClosest: on the hub every peer knows every other.
func (t hubTransport) Lookup(key []byte, count int, done func([]string, error)) {
	done(t.LocalClosest(key, count), nil)
}

// Request hands msg to the peer's RoutingHandler, at once.
func (t hubTransport) Request(to string, msg []byte, done func([]byte, error)) {
	t.h.mu.Lock()
	handler := t.h.handlers[to]
	t.h.mu.Unlock()
	if handler == nil {
		done(nil, &ErrUnknownPeer{Peer: to})
		return
	}
	var once sync.Once
	handler(t.self, append([]byte(nil), msg...), func(answer []byte) {
		once.Do(func() {
			if answer == nil {
				done(nil, fmt.Errorf("peer %s gave no answer", to))
				return
			}
			done(append([]byte(nil), answer...), nil)
		})
	})
}
