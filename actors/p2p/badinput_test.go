package p2p

import (
	"bufio"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/aquanet/aquanet/core"
)

// rawStream opens a particle stream from a to b, to write anything at all on it.
func rawStream(t *testing.T, a, b *peerT) network.Stream {
	t.Helper()
	if err := a.tr.Bootstrap(context.Background(), addrStrings(b.tr)); err != nil {
		t.Fatal(err)
	}
	s, err := a.tr.Host().NewStream(context.Background(), b.tr.ID(), Protocol)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func waitCount(t *testing.T, what string, get func() float64, want float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for get() < want {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v, want %v", what, get(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Frames that are not particles are dropped and counted, and the stream goes on: a particle
// after them arrives.
func TestGarbageFramesAreDropped(t *testing.T) {
	a, b := newPeer(t, "alice", nil, nil), newPeer(t, "bob", loopback[:1], nil)
	s := rawStream(t, a, b)
	var out []byte
	for _, garbage := range [][]byte{{}, {0xff}, []byte("not a particle at all"), {1, 0x0a, 0xff, 0xff, 0xff}} {
		out = appendFrame(out, garbage)
	}
	good := signed(t, a.id, "after-garbage", nil)
	out = appendFrame(out, good.Encode())
	if _, err := s.Write(out); err != nil {
		t.Fatal(err)
	}
	if got := b.inbox.wait(t, 1); got[0].ID != "after-garbage" {
		t.Fatalf("delivered %+v", got)
	}
	if got := testutil.ToFloat64(b.tr.metrics.dropped.WithLabelValues("malformed")); got != 4 {
		t.Errorf("%v malformed frames counted, want 4", got)
	}
}

// A frame over the size limit resets the stream before anything of it is read; the peer can
// open another one.
func TestOversizeFrameResetsTheStream(t *testing.T) {
	a := newPeer(t, "alice", nil, nil)
	b := newPeer(t, "bob", loopback[:1], func(c *Config) { c.Limits.MaxScript, c.Limits.MaxData = 1000, 1000 })
	s := rawStream(t, a, b)
	// It claims 1 GiB and sends 4 bytes: the claim alone is refused.
	if _, err := s.Write([]byte{0x80, 0x80, 0x80, 0x80, 0x04, 'j', 'u', 'n', 'k'}); err != nil {
		t.Fatal(err)
	}
	waitCount(t, "oversize frames", func() float64 { return testutil.ToFloat64(b.tr.metrics.dropped.WithLabelValues("oversize")) }, 1)
	if _, err := bufio.NewReader(s).ReadByte(); err == nil {
		t.Fatal("the stream was not reset")
	}
	if err := a.tr.Send(b.id.PeerID, signed(t, a.id, "after-reset", nil)); err != nil {
		t.Fatal(err)
	}
	if got := b.inbox.wait(t, 1); got[0].ID != "after-reset" {
		t.Fatalf("delivered %+v", got)
	}
}

// A flood from one peer is cut at its rate; another peer's particle still gets through, and
// promptly.
func TestFloodFromOnePeerIsRateLimited(t *testing.T) {
	b := newPeer(t, "bob", loopback[:1], func(c *Config) { c.Rate, c.Burst = 100, 100 })
	flooder, other := newPeer(t, "flooder", nil, nil), newPeer(t, "carol", nil, nil)
	s := rawStream(t, flooder, b)
	flood := signed(t, flooder.id, "flood", nil)
	frame := appendFrame(nil, flood.Encode())
	var burst []byte
	for range 1000 {
		burst = append(burst, frame...)
	}
	// The flood goes on while carol sends: at most 100 bursts of 1,000, until she is through.
	stop, flooded := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(flooded)
		for range 100 {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Write(burst); err != nil {
				return
			}
		}
	}()
	defer func() { close(stop); s.Reset(); <-flooded }()
	waitCount(t, "rate-limited frames", func() float64 { return testutil.ToFloat64(b.tr.metrics.dropped.WithLabelValues("rate_limited")) }, 1000)
	if err := other.tr.Bootstrap(context.Background(), addrStrings(b.tr)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := other.tr.Send(b.id.PeerID, signed(t, other.id, "from-carol", nil)); err != nil {
		t.Fatal(err)
	}
	b.inbox.waitFor(t, "from-carol")
	t.Logf("carol's particle arrived %v after it was sent, during the flood", time.Since(start))
	taken, cut := testutil.ToFloat64(b.tr.metrics.received), testutil.ToFloat64(b.tr.metrics.dropped.WithLabelValues("rate_limited"))
	if taken >= cut {
		t.Errorf("%v particles taken in and %v cut: the flood was not held to its rate of 100/s", taken, cut)
	}
}

// A peer that stops reading holds up only its own queue: it fills, further particles for it
// are dropped and counted, and particles for another peer go through at once.
func TestSlowPeerStallsNoOther(t *testing.T) {
	a := newPeer(t, "alice", nil, func(c *Config) { c.QueueLen, c.WriteTimeout = 8, 30*time.Second })
	slow, carol := newPeer(t, "slow", loopback[:1], nil), newPeer(t, "carol", loopback[:1], nil)
	stuck := make(chan struct{})
	defer close(stuck)
	slow.tr.Host().SetStreamHandler(Protocol, func(s network.Stream) { <-stuck; s.Reset() }) // reads nothing
	for _, p := range []*peerT{slow, carol} {
		if err := a.tr.Bootstrap(context.Background(), addrStrings(p.tr)); err != nil {
			t.Fatal(err)
		}
	}
	big := signed(t, a.id, "big", make([]byte, 512<<10)) // flow control stops the writes soon
	for i := 0; testutil.ToFloat64(a.tr.metrics.dropped.WithLabelValues("queue_full")) == 0; i++ {
		if i == 1000 {
			t.Fatal("1,000 particles queued for a peer that reads nothing, and none dropped")
		}
		a.tr.Send(slow.id.PeerID, big)
	}
	start := time.Now()
	if err := a.tr.Send(carol.id.PeerID, signed(t, a.id, "for-carol", nil)); err != nil {
		t.Fatal(err)
	}
	carol.inbox.waitFor(t, "for-carol")
	t.Logf("carol's particle arrived %v after it was sent, with the slow peer's queue full", time.Since(start))
}

// Notices that are too long, not JSON, or name no peer are dropped as they are read and
// counted; a good one after them is taken in, its reason made one printable line.
func TestBadNoticesDroppedAndCounted(t *testing.T) {
	a, b := newPeer(t, "alice", nil, nil), newPeer(t, "bob", loopback[:1], nil)
	var mu sync.Mutex
	var got []core.Notice
	b.tr.OnNotice(func(_ string, n core.Notice) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, n)
	})
	if err := a.tr.Bootstrap(context.Background(), addrStrings(b.tr)); err != nil {
		t.Fatal(err)
	}
	send := func(msg string) {
		s, err := a.tr.Host().NewStream(context.Background(), b.tr.ID(), NoticeProtocol)
		if err != nil {
			t.Fatal(err)
		}
		s.Write([]byte(msg)) //nolint:errcheck // a reset is what some of these get
		s.Close()
	}
	for _, bad := range []string{strings.Repeat("x", maxNotice+1), "{not json", `{"particle_id":"p","peer":"nobody"}`} {
		send(bad)
	}
	waitCount(t, "bad notices", func() float64 { return testutil.ToFloat64(b.tr.metrics.dropped.WithLabelValues("bad_notice")) }, 3)
	send(`{"particle_id":"p","peer":"` + a.id.PeerID + `","rejected":true,"reason":"\u001b[2J\ntwo lines"}`)
	waitCount(t, "the good notice", func() float64 {
		mu.Lock()
		defer mu.Unlock()
		return float64(len(got))
	}, 1)
	if got[0].Reason != "?[2J two lines" || got[0].Peer != a.id.PeerID {
		t.Fatalf("taken in: %+v", got[0])
	}
}
