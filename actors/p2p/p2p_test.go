package p2p

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/particle"
)

// inbox collects what a transport delivers.
type inbox struct {
	mu  sync.Mutex
	got []particle.Particle
	ch  chan struct{}
}

func newInbox() *inbox { return &inbox{ch: make(chan struct{}, 1024)} }

// Deliver makes inbox a core.Inbox.
func (b *inbox) Deliver(_ string, p particle.Particle) {
	b.mu.Lock()
	b.got = append(b.got, p)
	b.mu.Unlock()
	b.ch <- struct{}{}
}

func (b *inbox) wait(t *testing.T, n int) []particle.Particle {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		b.mu.Lock()
		if len(b.got) >= n {
			got := append([]particle.Particle(nil), b.got...)
			b.mu.Unlock()
			return got
		}
		b.mu.Unlock()
		select {
		case <-b.ch:
		case <-deadline:
			t.Fatalf("%d particles delivered, want %d", len(b.got), n)
		}
	}
}

// waitFor waits until a particle with id has been delivered.
func (b *inbox) waitFor(t *testing.T, id string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for seen := 0; ; {
		b.mu.Lock()
		for _, p := range b.got[seen:] {
			if p.ID == id {
				b.mu.Unlock()
				return
			}
		}
		seen = len(b.got)
		b.mu.Unlock()
		select {
		case <-b.ch:
		case <-deadline:
			t.Fatalf("particle %s was not delivered", id)
		}
	}
}

// peerT is a transport on loopback with its identity and inbox.
type peerT struct {
	id    scenario.Identity
	tr    *Transport
	inbox *inbox
}

func newPeer(t *testing.T, name string, listen []string, tweak func(*Config)) *peerT {
	t.Helper()
	id := actortest.Identity(t, name)
	cfg := Config{Key: id.Key, Listen: listen}
	if tweak != nil {
		tweak(&cfg)
	}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	p := &peerT{id: id, tr: tr, inbox: newInbox()}
	tr.Join(id.PeerID, p.inbox)
	return p
}

var loopback = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1", "/ip4/127.0.0.1/tcp/0/ws"}

func signed(t *testing.T, from scenario.Identity, id string, data []byte) particle.Particle {
	return actortest.Particle(t, from, particle.Particle{ID: id, Timestamp: uint64(time.Now().UnixMilli()), TTL: 60_000, MaxHops: 8,
		Script: `(null)`, Data: data})
}

func addrStrings(tr *Transport) []string {
	var out []string
	for _, a := range tr.Addrs() {
		out = append(out, a.String())
	}
	return out
}

// A particle sent from one transport arrives whole at the other, over each of TCP, QUIC and
// WebSocket; many in a row arrive in order on the one reused stream.
func TestParticlesCrossOverEachTransport(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	b := newPeer(t, "bob", loopback, nil)
	var clients []*Transport
	addrs := addrStrings(b.tr)
	for _, kind := range []string{"/tcp/", "/quic-v1/", "/ws/"} {
		t.Run(strings.Trim(kind, "/"), func(t *testing.T) {
			var addr string
			for _, a := range addrs {
				if strings.Contains(a, kind) && (kind != "/tcp/" || !strings.Contains(a, "/ws/")) {
					addr = a
				}
			}
			if addr == "" {
				t.Fatalf("bob listens on %v: no %s address", addrs, kind)
			}
			a := newPeer(t, "alice-"+strings.Trim(kind, "/"), nil, nil)
			clients = append(clients, a.tr)
			if err := a.tr.Bootstrap(context.Background(), []string{addr}); err != nil {
				t.Fatal(err)
			}
			before := len(b.inbox.wait(t, 0))
			const n = 50
			for i := range n {
				if err := a.tr.Send(b.id.PeerID, signed(t, a.id, a.id.Name+"-"+string(rune('a'+i%26)), []byte{byte(i)})); err != nil {
					t.Fatal(err)
				}
			}
			got := b.inbox.wait(t, before+n)[before:]
			for i, p := range got {
				if p.Data[0] != byte(i) || p.InitPeerID.String() != a.id.PeerID || p.Verify() != nil {
					t.Fatalf("particle %d arrived as %+v", i, p)
				}
			}
			if !b.tr.Connected(a.id.PeerID) || !a.tr.Connected(b.id.PeerID) {
				t.Error("the peers do not see each other connected")
			}
		})
	}
	if got := testutil.ToFloat64(b.tr.metrics.received); got != 150 {
		t.Errorf("bob counted %v particles received, want 150", got)
	}
	// Closed, the transports leave no goroutine of theirs (nor libp2p's) behind.
	for _, tr := range append(clients, b.tr) {
		if err := tr.Close(); err != nil {
			t.Error(err)
		}
	}
	goleak.VerifyNone(t, opt)
}

// A client listens nowhere; particles for it go back over the connection it made.
func TestClientGetsParticlesOverItsConnection(t *testing.T) {
	relay := newPeer(t, "relay", loopback[:1], nil)
	client := newPeer(t, "client", nil, nil)
	if len(client.tr.Addrs()) != 0 {
		t.Fatalf("a client listens on %v", client.tr.Addrs())
	}
	if err := client.tr.Bootstrap(context.Background(), addrStrings(relay.tr)); err != nil {
		t.Fatal(err)
	}
	if err := relay.tr.Send(client.id.PeerID, signed(t, relay.id, "to-client", nil)); err != nil {
		t.Fatal(err)
	}
	if got := client.inbox.wait(t, 1); got[0].ID != "to-client" {
		t.Fatalf("client got %+v", got)
	}
	addrs, ok := relay.tr.Contact(client.id.PeerID)
	if !ok || len(addrs) != 1 || !strings.HasPrefix(addrs[0], "/ip4/127.0.0.1/tcp/") {
		t.Errorf("the relay's contact of the client: %v, %v", addrs, ok)
	}
}

// A peer with no connection and no address fails at once; one whose address is dead fails
// at the dial, counted.
func TestUnreachablePeers(t *testing.T) {
	a := newPeer(t, "alice", nil, func(c *Config) { c.DialTimeout = 2 * time.Second })
	nobody := actortest.Identity(t, "nobody")
	if err := a.tr.Send(nobody.PeerID, signed(t, a.id, "p", nil)); err == nil || !strings.Contains(err.Error(), "not connected and no address known") {
		t.Fatalf("send to an unknown peer: %v", err)
	}
	if err := a.tr.Send("not-a-peer", signed(t, a.id, "p", nil)); err == nil {
		t.Fatal("send to a bad peer id succeeded")
	}
	gone := newPeer(t, "gone", loopback[:1], nil)
	addr := addrStrings(gone.tr)
	gone.tr.Close()
	done := make(chan bool, 1)
	a.tr.Connect(gone.id.PeerID, []string{strings.Split(addr[0], "/p2p/")[0]}, func(ok bool) { done <- ok })
	if <-done {
		t.Fatal("connected to a closed peer")
	}
	if err := a.tr.Send(gone.id.PeerID, signed(t, a.id, "p", nil)); err != nil {
		t.Fatalf("send to a peer with a known address: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for testutil.ToFloat64(a.tr.metrics.dropped.WithLabelValues("unreachable")) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("unreachable drops: %v", testutil.ToFloat64(a.tr.metrics.dropped.WithLabelValues("unreachable")))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A particle over MaxParticleSize is not sent: Send fails at once with an error that names both
// sizes (the peer, with the same limit, would reset the stream, and the sender would hear
// nothing), counted; one of exactly the limit goes through.
func TestOversizeParticleIsNotSent(t *testing.T) {
	const limit = 16 << 10
	small := func(c *Config) { c.MaxParticleSize = limit }
	a, b := newPeer(t, "alice", nil, small), newPeer(t, "bob", loopback[:1], small)
	if err := a.tr.Bootstrap(context.Background(), addrStrings(b.tr)); err != nil {
		t.Fatal(err)
	}
	p := signed(t, a.id, "biggest", nil)
	p = signed(t, a.id, "biggest", make([]byte, limit-p.EncodedLen()-8)) // the data's own length takes a few bytes
	p = signed(t, a.id, "biggest", append(p.Data, make([]byte, limit-p.EncodedLen())...))
	if p.EncodedLen() != limit {
		t.Fatalf("the particle is %d bytes, want %d", p.EncodedLen(), limit)
	}
	if err := a.tr.Send(b.id.PeerID, p); err != nil {
		t.Fatalf("a particle of exactly the limit: %v", err)
	}
	b.inbox.waitFor(t, "biggest")

	over := signed(t, a.id, "toolong", append(p.Data, 0)) // an id as long: a byte over
	err := a.tr.Send(b.id.PeerID, over)
	var tooLarge *TooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.ParticleID != "toolong" || tooLarge.Size != over.EncodedLen() || tooLarge.Limit != limit {
		t.Fatalf("sending %d bytes over a limit of %d: %v", over.EncodedLen(), limit, err)
	}
	if want := "p2p: particle toolong is 16,385 bytes, over the 16,384-byte limit of a particle"; err.Error() != want {
		t.Errorf("the error reads %q, want %q", err, want)
	}
	if n := testutil.ToFloat64(a.tr.metrics.dropped.WithLabelValues("too_large_to_send")); n != 1 {
		t.Errorf("%v particles dropped as too large to send, want 1", n)
	}
}
