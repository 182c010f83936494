package p2p

import (
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// protocolMemory is the memory the resource manager counts reserved on the particle protocol.
func protocolMemory(t *testing.T, p *peerT) int64 {
	t.Helper()
	var mem int64
	err := p.tr.Host().Network().ResourceManager().ViewProtocol(Protocol, func(s network.ProtocolScope) error {
		mem = s.Stat().Memory
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return mem
}

// Twelve slowloris streams, from three identities, each declaring a 32 MiB frame and sending
// nothing, a trickle or a little of it, cost what they sent, not what they declared: the
// live heap grows by far less than the 384 MiB declared, and the node takes a particle from
// another peer meanwhile. When the streams go, so does every byte reserved for them.
func TestSlowlorisStreamsStayUnderTheCap(t *testing.T) {
	const declared = 32 << 20
	b := newPeer(t, "bob", loopback[:1], func(c *Config) { c.MaxParticleSize, c.MaxFrameBytesInFlight = declared, 2*declared })
	sends := []int{0, 10, 64 << 10} // what each identity's streams send of their frame
	var attackers []*peerT
	for i := range sends {
		a := newPeer(t, fmt.Sprintf("slowloris-%d", i), nil, nil)
		if err := a.tr.Bootstrap(context.Background(), addrStrings(b.tr)); err != nil {
			t.Fatal(err)
		}
		attackers = append(attackers, a)
	}
	body := make([]byte, 64<<10)
	header := binary.AppendUvarint(nil, declared)

	before := liveHeap()
	var streams []network.Stream
	want := 0 // bytes reserved once every stream's bytes are read
	for i, a := range attackers {
		for range 4 {
			s := rawStream(t, a, b)
			streams = append(streams, s)
			if _, err := s.Write(append(header, body[:sends[i]]...)); err != nil {
				t.Fatal(err)
			}
			if sends[i] > 0 {
				want += max(firstChunk, sends[i])
			}
		}
	}
	defer func() {
		for _, s := range streams {
			s.Reset()
		}
	}()
	waitCount(t, "frames being read", func() float64 { return testutil.ToFloat64(b.tr.metrics.frames) }, 12)
	waitCount(t, "frame bytes in flight", func() float64 { return testutil.ToFloat64(b.tr.metrics.bytesInFlight) }, float64(want))
	after := liveHeap()
	growth := int64(after) - int64(before)
	t.Logf("12 streams declaring %d MiB each, %d bytes reserved: live heap %+.1f MiB", declared>>20, want, float64(growth)/(1<<20))
	if limit := int64(12 * declared / 32); growth > limit {
		t.Fatalf("the live heap grew by %d bytes with 12 slowloris streams open; want under %d", growth, limit)
	}
	if got := protocolMemory(t, b); got != int64(want) {
		t.Errorf("the resource manager counts %d bytes on the protocol, want %d", got, want)
	}

	carol := newPeer(t, "carol", nil, nil)
	if err := carol.tr.Bootstrap(context.Background(), addrStrings(b.tr)); err != nil {
		t.Fatal(err)
	}
	if err := carol.tr.Send(b.id.PeerID, signed(t, carol.id, "during-slowloris", []byte("hello"))); err != nil {
		t.Fatal(err)
	}
	b.inbox.waitFor(t, "during-slowloris")

	for _, s := range streams {
		s.Reset()
	}
	waitCount(t, "broken streams", func() float64 { return testutil.ToFloat64(b.tr.metrics.dropped.WithLabelValues("read_error")) }, 12)
	if n, m := testutil.ToFloat64(b.tr.metrics.bytesInFlight), protocolMemory(t, b); n != 0 || m != 0 || b.tr.inFlight.bytes.Load() != 0 {
		t.Fatalf("the streams are gone and %v bytes are in flight, %d reserved on the protocol", n, m)
	}
}

// A frame that would take a peer's frames over MaxPeerFrameBytes, or everyone's over
// MaxFrameBytesInFlight, resets its stream, counted by its reason; the frames within the
// limits are still being read.
func TestFrameMemoryLimits(t *testing.T) {
	const size = 1 << 20
	for name, tc := range map[string]struct {
		identities, streams int
		tweak               func(*Config)
		reason              string
	}{
		"one peer's streams":     {1, 3, func(c *Config) { c.MaxParticleSize = size }, "memory"},
		"several peers' streams": {3, 1, func(c *Config) { c.MaxParticleSize, c.MaxFrameBytesInFlight = size, 2*size }, "in_flight"},
	} {
		t.Run(name, func(t *testing.T) {
			b := newPeer(t, "bob", loopback[:1], tc.tweak)
			// Each stream sends three quarters of a 1 MiB frame: its buffer has grown to 1 MiB, and
			// only two such buffers fit.
			frame := append(binary.AppendUvarint(nil, size), make([]byte, 3*size/4)...)
			var wg sync.WaitGroup
			var streams []network.Stream
			for i := range tc.identities {
				a := newPeer(t, fmt.Sprintf("greedy-%d", i), nil, nil)
				for range tc.streams {
					s := rawStream(t, a, b)
					streams = append(streams, s)
					wg.Add(1)
					go func() { defer wg.Done(); s.Write(frame) }() // fails once the stream is reset
				}
			}
			defer func() {
				for _, s := range streams {
					s.Reset()
				}
				wg.Wait()
			}()
			// It settles with every stream either reset or holding a whole 1 MiB buffer (which one
			// gets refused, and whether a second one does, is a race: a buffer is held twice as it
			// grows).
			total := float64(tc.identities * tc.streams)
			settled := func() float64 {
				reset := testutil.ToFloat64(b.tr.metrics.dropped.WithLabelValues(tc.reason))
				reading := testutil.ToFloat64(b.tr.metrics.frames)
				if reset >= 1 && reset+reading == total && testutil.ToFloat64(b.tr.metrics.bytesInFlight) == reading*size {
					return 1
				}
				return 0
			}
			waitCount(t, "streams reset or holding their frame", settled, 1)
			if got := testutil.ToFloat64(b.tr.metrics.frames); got < 1 {
				t.Errorf("%v frames still being read, want at least 1: the limits leave room for two", got)
			}
			for _, r := range []string{"memory", "in_flight", "oversize"} {
				if got := testutil.ToFloat64(b.tr.metrics.dropped.WithLabelValues(r)); r != tc.reason && got != 0 {
					t.Errorf("%v streams reset for %s", got, r)
				}
			}
		})
	}
}

// The default particle size is 4 MiB: a particle of exactly that arrives, a frame that declares
// a byte more is refused before anything of it is read.
func TestDefaultMaxParticleSize(t *testing.T) {
	a, b := newPeer(t, "alice", nil, nil), newPeer(t, "bob", loopback[:1], nil)
	p := signed(t, a.id, "biggest", nil)
	p.Data = make([]byte, DefaultMaxParticleSize-p.EncodedLen()-8) // the data's own length takes a few bytes
	p = signed(t, a.id, "biggest", p.Data)
	p.Data = append(p.Data, make([]byte, DefaultMaxParticleSize-p.EncodedLen())...)
	p = signed(t, a.id, "biggest", p.Data)
	if p.EncodedLen() != DefaultMaxParticleSize {
		t.Fatalf("the particle is %d bytes, want %d", p.EncodedLen(), DefaultMaxParticleSize)
	}
	s := rawStream(t, a, b)
	if _, err := s.Write(appendFrame(nil, p.Encode())); err != nil {
		t.Fatal(err)
	}
	b.inbox.waitFor(t, "biggest")
	if _, err := s.Write(binary.AppendUvarint(nil, DefaultMaxParticleSize+1)); err != nil {
		t.Fatal(err)
	}
	waitCount(t, "oversize frames", func() float64 { return testutil.ToFloat64(b.tr.metrics.dropped.WithLabelValues("oversize")) }, 1)
	if n := testutil.ToFloat64(b.tr.metrics.bytesInFlight); n != 0 {
		t.Errorf("%v bytes in flight after the oversize frame", n)
	}
}
