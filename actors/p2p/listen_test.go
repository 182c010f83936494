package p2p

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"go.uber.org/goleak"

	"github.com/aquanet/aquanet/actors/internal/actortest"
)

// A transport asked to listen on a port another one holds, over TCP, QUIC or both, fails to
// start, naming the address and saying it is in use, and leaves nothing running; the one that
// holds the port goes on serving its own peer id there.
func TestBusyPortFailsStart(t *testing.T) {
	first := newPeer(t, "first", loopback[:2], nil)
	opt := goleak.IgnoreCurrent()
	var tcp, quic string
	for _, a := range first.tr.Host().Network().ListenAddresses() {
		if s := a.String(); strings.Contains(s, "/tcp/") {
			tcp = s
		} else if strings.Contains(s, "/quic-v1") {
			quic = s
		}
	}
	if tcp == "" || quic == "" {
		t.Fatalf("first listens on %v", first.tr.Host().Network().ListenAddresses())
	}
	second := actortest.Identity(t, "second")
	for name, tc := range map[string]struct {
		listen []string
		busy   string // the address the error must name
	}{
		"tcp and quic": {[]string{tcp, quic}, tcp},
		"tcp":          {[]string{"/ip4/127.0.0.1/udp/0/quic-v1", tcp}, tcp},
		"quic":         {[]string{"/ip4/127.0.0.1/tcp/0", quic}, quic},
		"websocket":    {[]string{tcp + "/ws"}, tcp + "/ws"},
	} {
		t.Run(name, func(t *testing.T) {
			tr, err := New(Config{Key: second.Key, Listen: tc.listen})
			if err == nil {
				tr.Close()
				t.Fatalf("a second transport started on %v", tc.listen)
			}
			if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), "listen address "+tc.busy+" is in use") {
				t.Fatalf("error %q, want one saying %s is in use", err, tc.busy)
			}
		})
	}
	// The first host's identify service starts its push goroutine when it gets to it, which
	// may be after IgnoreCurrent took its snapshot: that goroutine is the first's, not a leak.
	goleak.VerifyNone(t, opt, goleak.IgnoreTopFunction("github.com/libp2p/go-libp2p/p2p/protocol/identify.(*idService).loop.func1"))

	// Each dial of the first's address reaches the first: no second listener shares the port.
	for i := range 3 {
		c := newPeer(t, "client", nil, nil)
		if err := c.tr.Bootstrap(context.Background(), []string{tcp + "/p2p/" + first.id.PeerID, quic + "/p2p/" + first.id.PeerID}); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		c.tr.Close()
	}
}

// A listen address that is not a multiaddr, or that no transport serves, is named in the error.
func TestBadListenAddress(t *testing.T) {
	key := actortest.Identity(t, "x").Key
	for addr, want := range map[string]string{
		"127.0.0.1:7770":                `listen address "127.0.0.1:7770"`,
		"/ip4/127.0.0.1/udp/0":          "listen address /ip4/127.0.0.1/udp/0:",
		"/ip4/127.0.0.1/tcp/0/http/xyz": "listen address",
	} {
		tr, err := New(Config{Key: key, Listen: []string{addr}})
		if err == nil {
			tr.Close()
			t.Errorf("listening on %q worked", addr)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("listening on %q: %q, want it to contain %q", addr, err, want)
		}
	}
}
