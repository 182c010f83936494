package p2p

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
)

// Bootstrap connects to the peers at addrs (multiaddrs ending in /p2p/<peer id>), each within
// the dial timeout, and returns the errors of those that failed. It tries once; a node that
// must stay connected to its bootstrap peers uses StartBootstrap.
func (t *Transport) Bootstrap(ctx context.Context, addrs []string) error {
	var errs []error
	for _, a := range addrs {
		info, err := peer.AddrInfoFromString(a)
		if err != nil {
			errs = append(errs, fmt.Errorf("bootstrap address %q: %w", a, err))
			continue
		}
		t.keepAddrs(*info)
		dctx, cancel := context.WithTimeout(ctx, t.cfg.DialTimeout)
		err = t.host.Connect(dctx, *info)
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("bootstrap peer %s: %w", info.ID, err))
			continue
		}
		t.host.ConnManager().Protect(info.ID, "bootstrap")
	}
	return errors.Join(errs...)
}

// StartBootstrap keeps the transport connected to the bootstrap peers at addrs (multiaddrs
// ending in /p2p/<peer id>; several for one peer are dialled together) from now until Close,
// in the background. A peer that cannot be reached, or that goes away (it restarts, say), is
// dialled again after Config.BootstrapBackoff, then after twice as long at each failure up to
// Config.BootstrapBackoffMax; a connection resets the wait. Each connection and each loss is
// logged at info, each failed dial at warn; aquanet_p2p_bootstrap_connected counts the peers
// connected. The transport's own peer id among addrs is skipped (one config file may list a
// whole network).
//
// It fails, and starts nothing, if an address is not a peer's multiaddr, if bootstrapping has
// already started, or if the transport is closed.
func (t *Transport) StartBootstrap(addrs []string) error {
	var infos []peer.AddrInfo
	for _, a := range addrs {
		info, err := peer.AddrInfoFromString(a)
		if err != nil {
			return fmt.Errorf("p2p: bootstrap address %q: %w", a, err)
		}
		infos = append(infos, *info)
	}
	infos = mergeAddrInfos(infos)
	for _, info := range infos {
		t.keepAddrs(info)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.closed:
		return errors.New("p2p: transport closed")
	case t.bootstrap != nil:
		return errors.New("p2p: bootstrap already started")
	}
	t.bootstrap = map[peer.ID]chan struct{}{}
	for _, info := range infos {
		if info.ID == t.host.ID() {
			t.cfg.Logger.Debug("bootstrap peer is this node: skipped", "peer", info.ID.String())
			continue
		}
		gone := make(chan struct{}, 1)
		t.bootstrap[info.ID] = gone
		t.host.ConnManager().Protect(info.ID, "bootstrap")
		t.background(func() { t.keepConnected(info, gone) })
	}
	return nil
}

// mergeAddrInfos joins the addresses of the same peer, keeping the peers' first-seen order.
func mergeAddrInfos(infos []peer.AddrInfo) []peer.AddrInfo {
	var out []peer.AddrInfo
	at := map[peer.ID]int{}
	for _, info := range infos {
		if i, ok := at[info.ID]; ok {
			out[i].Addrs = append(out[i].Addrs, info.Addrs...)
			continue
		}
		at[info.ID] = len(out)
		out = append(out, info)
	}
	return out
}

// keepConnected is the loop of one bootstrap peer: dial it, and once connected wait for gone
// (sent by disconnected) until the last connection to it has closed; then start again.
func (t *Transport) keepConnected(info peer.AddrInfo, gone <-chan struct{}) {
	log := t.cfg.Logger.With("peer", info.ID.String())
	backoff := t.cfg.BootstrapBackoff // the wait after the next failed dial
	var wait time.Duration            // before the next dial: none for the first
	reconnect := false
	for {
		if wait > 0 && !t.sleep(wait) {
			return
		}
		if err := t.dialBootstrap(info); err != nil {
			if t.ctx.Err() != nil {
				return
			}
			wait, backoff = backoff, min(2*backoff, t.cfg.BootstrapBackoffMax)
			log.Warn("bootstrap peer not reached; trying again", "addrs", info.Addrs, "in", wait, "error", err)
			continue
		}
		t.metrics.bootstrapConnected.Inc()
		if reconnect {
			log.Info("bootstrap peer reconnected")
		} else {
			log.Info("bootstrap peer connected", "addrs", info.Addrs)
		}
		for t.host.Network().Connectedness(info.ID) == network.Connected {
			select {
			case <-gone:
			case <-t.ctx.Done():
			}
			if t.ctx.Err() != nil { // Close, not the peer, ends the connection
				t.metrics.bootstrapConnected.Dec()
				return
			}
		}
		t.metrics.bootstrapConnected.Dec()
		t.metrics.bootstrapLost.Inc()
		// The peer is unlikely to be back at once, and waiting bounds the dials to a peer that
		// accepts connections only to drop them.
		wait, backoff = t.cfg.BootstrapBackoff, min(2*t.cfg.BootstrapBackoff, t.cfg.BootstrapBackoffMax)
		log.Info("bootstrap peer gone; dialling it again", "in", wait)
		reconnect = true
	}
}

// keepAddrs keeps a bootstrap peer's addresses for good. The host's Connect adds them for a
// short while only, and a connection that closes before identify has run takes them along:
// a peer that restarted was then known by no address, and nothing but a new bootstrap dial
// reached it (its ledger stream, say, could not be opened again).
func (t *Transport) keepAddrs(info peer.AddrInfo) {
	if info.ID != t.host.ID() && len(info.Addrs) > 0 {
		t.host.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.PermanentAddrTTL)
	}
}

// dialBootstrap connects to a bootstrap peer (at once, if already connected) within the dial
// timeout or until Close.
func (t *Transport) dialBootstrap(info peer.AddrInfo) error {
	ctx, cancel := context.WithTimeout(t.ctx, t.cfg.DialTimeout)
	defer cancel()
	// NB: the swarm's own dial backoff (5 s, growing to 5 min, per address) would refuse some
	// of the dials keepConnected paces itself; a direct dial skips it.
	return t.host.Connect(network.WithForceDirectDial(ctx, "bootstrap"), info)
}

// sleep waits d on the transport's clock, and reports false if the transport closed first.
func (t *Transport) sleep(d time.Duration) bool {
	done := make(chan struct{})
	timer := t.cfg.Clock.AfterFunc(d, func() { close(done) })
	select {
	case <-done:
		return true
	case <-t.ctx.Done():
		timer.Stop()
		return false
	}
}
