package p2p

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/internal/clock"
)

// eventually polls ok until it holds, failing the test after a generous bound.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// freeAddrs returns loopback addresses (TCP, and QUIC if quic) that a transport listened on a
// moment ago and nothing listens on now.
func freeAddrs(t *testing.T, quic bool) []string {
	t.Helper()
	listen := loopback[:1]
	if quic {
		listen = loopback[:2]
	}
	tr, err := New(Config{Key: actortest.Identity(t, "probe").Key, Listen: listen})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var out []string
	for _, a := range tr.Host().Network().ListenAddresses() {
		out = append(out, a.String())
	}
	return out
}

// withPeer appends /p2p/<id> to each address.
func withPeer(addrs []string, id string) []string {
	var out []string
	for _, a := range addrs {
		out = append(out, a+"/p2p/"+id)
	}
	return out
}

// The waits between dials to a bootstrap peer, on the transport's clock: 5 s, doubling at each
// failure up to a minute; once connected, none; once the peer is gone, 5 s again.
func TestBootstrapBackoffDoublesAndResets(t *testing.T) {
	clk := clock.NewManual(time.Now())
	var logs actortest.Logs
	b := newPeer(t, "bob", nil, func(c *Config) { c.Clock, c.Logger = clk, logs.Logger(slog.LevelInfo) })
	alice := actortest.Identity(t, "alice")
	addrs := freeAddrs(t, false)
	if err := b.tr.StartBootstrap(withPeer(addrs, alice.PeerID)); err != nil {
		t.Fatal(err)
	}
	// nextWait waits for the loop to schedule its next dial and returns how far off it is.
	nextWait := func() time.Duration {
		t.Helper()
		eventually(t, "the next dial to be scheduled", func() bool { return clk.Pending() == 1 })
		at, _ := clk.Next()
		return at.Sub(clk.Now())
	}
	startAlice := func() *Transport {
		tr, err := New(Config{Key: alice.Key, Listen: addrs})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tr.Close() })
		return tr
	}
	for _, want := range []time.Duration{5, 10, 20, 40, 60, 60} {
		if got := nextWait(); got != want*time.Second {
			t.Fatalf("next dial in %v, want %v", got, want*time.Second)
		}
		clk.AdvanceToNext()
	}
	nextWait()
	a := startAlice()
	clk.AdvanceToNext()
	eventually(t, "bob connected to alice", func() bool { return b.tr.Connected(alice.PeerID) })
	eventually(t, "the gauge at 1", func() bool { return testutil.ToFloat64(b.tr.metrics.bootstrapConnected) == 1 })
	if n := clk.Pending(); n != 0 {
		t.Fatalf("%d dials scheduled while connected", n)
	}

	a.Close()
	if got := nextWait(); got != 5*time.Second {
		t.Fatalf("alice gone: next dial in %v, want 5s", got)
	}
	clk.AdvanceToNext()
	if got := nextWait(); got != 10*time.Second {
		t.Fatalf("alice still gone: next dial in %v, want 10s", got)
	}
	startAlice()
	clk.AdvanceToNext()
	eventually(t, "bob reconnected to alice", func() bool { return b.tr.Connected(alice.PeerID) })
	eventually(t, "the log to say so", func() bool { return strings.Contains(logs.String(), "bootstrap peer reconnected") })
	if got := testutil.ToFloat64(b.tr.metrics.bootstrapLost); got != 1 {
		t.Errorf("bootstrap disconnects counted: %v, want 1", got)
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"bootstrap peer not reached; trying again\" peer="+alice.PeerID) {
		t.Errorf("failed dials not logged:\n%s", logs.String())
	}
}

// A node's bootstrap peer restarts on the same address: the node logs that it went, dials it
// until it is back, and particles cross again. Closed, the transports leave no goroutine behind.
func TestBootstrapPeerRestarts(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	var logs actortest.Logs
	alice := actortest.Identity(t, "alice")
	addrs := freeAddrs(t, true)
	a, err := New(Config{Key: alice.Key, Listen: addrs})
	if err != nil {
		t.Fatal(err)
	}
	b := newPeer(t, "bob", loopback[:1], func(c *Config) {
		c.Logger = logs.Logger(slog.LevelInfo)
		c.BootstrapBackoff, c.BootstrapBackoffMax = 20*time.Millisecond, 200*time.Millisecond
		c.DialTimeout = 2 * time.Second // a dial of QUIC to a closed port waits this long
	})
	if err := b.tr.StartBootstrap(withPeer(addrs, alice.PeerID)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bob connected to alice", func() bool { return testutil.ToFloat64(b.tr.metrics.bootstrapConnected) == 1 })

	a.Close()
	eventually(t, "bob to see alice gone", func() bool {
		return strings.Contains(logs.String(), `level=INFO msg="bootstrap peer gone; dialling it again" peer=`+alice.PeerID)
	})
	if testutil.ToFloat64(b.tr.metrics.bootstrapConnected) != 0 || b.tr.Connected(alice.PeerID) {
		t.Fatal("alice gone, bob still counts her connected")
	}
	a, err = New(Config{Key: alice.Key, Listen: addrs})
	if err != nil {
		t.Fatal(err)
	}
	got := newInbox()
	a.Join(alice.PeerID, got)
	eventually(t, "bob reconnected to alice", func() bool { return testutil.ToFloat64(b.tr.metrics.bootstrapConnected) == 1 })
	if err := b.tr.Send(alice.PeerID, signed(t, b.id, "after-restart", nil)); err != nil {
		t.Fatal(err)
	}
	got.waitFor(t, "after-restart")
	// Logged just after the count goes up: on a busy machine, a moment after.
	eventually(t, "the reconnection logged", func() bool {
		return strings.Contains(logs.String(), `level=INFO msg="bootstrap peer reconnected" peer=`+alice.PeerID)
	})

	b.tr.Close()
	a.Close()
	goleak.VerifyNone(t, opt)
}

// StartBootstrap refuses an address that names no peer and a second start, starting nothing;
// the transport's own peer id among the addresses is skipped.
func TestStartBootstrapArguments(t *testing.T) {
	b := newPeer(t, "bob", loopback[:1], nil)
	if err := b.tr.StartBootstrap([]string{"/ip4/127.0.0.1/tcp/1"}); err == nil || !strings.Contains(err.Error(), `bootstrap address "/ip4/127.0.0.1/tcp/1"`) {
		t.Fatalf("an address without /p2p/: %v", err)
	}
	if err := b.tr.StartBootstrap(addrStrings(b.tr)); err != nil {
		t.Fatal(err)
	}
	b.tr.mu.Lock()
	loops := len(b.tr.bootstrap)
	b.tr.mu.Unlock()
	if loops != 0 {
		t.Fatalf("%d bootstrap loops for the transport's own address", loops)
	}
	if err := b.tr.StartBootstrap(nil); err == nil || !strings.Contains(err.Error(), "already started") {
		t.Fatalf("a second start: %v", err)
	}
	b.tr.Close()
	if err := b.tr.StartBootstrap(nil); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("a start after Close: %v", err)
	}
}

// A bootstrap peer's addresses are kept for good: a connection that closes before identify
// has run expires the addresses the host's Connect added (temporary ones), and a peer that
// restarted was then known by no address at all (TestLedgerReachesARestartedPeer failed so,
// now and then, on a busy machine).
func TestBootstrapPeerAddressesKept(t *testing.T) {
	a := newPeer(t, "alice", nil, nil)
	b := newPeer(t, "bob", freeAddrs(t, false), nil)
	c := newPeer(t, "carol", freeAddrs(t, false), nil)
	if err := a.tr.Bootstrap(context.Background(), addrStrings(b.tr)); err != nil {
		t.Fatal(err)
	}
	if err := a.tr.StartBootstrap(addrStrings(c.tr)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*peerT{b, c} {
		id := p.tr.Host().ID()
		// What identify does when the last connection closes before it ran.
		a.tr.Host().Peerstore().UpdateAddrs(id, peerstore.TempAddrTTL, 0)
		if got := a.tr.Host().Peerstore().Addrs(id); len(got) == 0 {
			t.Errorf("%s: no address left once the temporary ones expired", p.id.Name)
		}
	}
}
