package p2p

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/multiformats/go-multiaddr"
)

// A node must listen on every address it was given, or not start. Two things in libp2p stand
// in the way, and New works around both:
//
//   - libp2p's TCP transport listens with SO_REUSEPORT by default, so a second node on a port
//     the first holds shares the port instead of failing: the kernel then splits the
//     connections that arrive between the two, and the first node's clients fail now and then
//     with "peer id mismatch". New gives the TCP transport tcp.DisableReuseport.
//   - Swarm.Listen (and so libp2p.ListenAddrs) succeeds when any one of its addresses does,
//     logging the others only in libp2p's own log, so a QUIC port in use went unnoticed. New
//     starts the host with no addresses and listen takes them one at a time.

// addrListener is the swarm's AddListenAddr, which listens on one address and returns that
// address's own error; Network.Listen would wrap it in "failed to listen on any addresses".
type addrListener interface {
	AddListenAddr(multiaddr.Multiaddr) error
}

// listen makes n listen on each of addrs, and fails with the first address it cannot take,
// named in the error. An address in use says so and wraps syscall.EADDRINUSE.
func listen(n network.Network, addrs []multiaddr.Multiaddr) error {
	for _, a := range addrs {
		var err error
		if l, ok := n.(addrListener); ok {
			err = l.AddListenAddr(a)
		} else {
			err = n.Listen(a)
		}
		switch {
		case errors.Is(err, syscall.EADDRINUSE):
			return fmt.Errorf("p2p: listen address %s is in use (another node or program listens on it): %w", a, err)
		case err != nil:
			return fmt.Errorf("p2p: listen address %s: %w", a, err)
		}
	}
	return nil
}
