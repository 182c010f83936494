package p2p

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/particle"
)

// testScope is a resource scope that refuses to hold more than limit bytes and remembers the
// most it held.
type testScope struct{ held, peak, limit int }

func (s *testScope) ReserveMemory(n int, _ uint8) error {
	if s.held+n > s.limit {
		return errors.New("test scope: over its limit")
	}
	s.held += n
	s.peak = max(s.peak, s.held)
	return nil
}

func (s *testScope) ReleaseMemory(n int) { s.held -= n }

// The receive path's limits in the fuzz: small, so that a short input reaches each of them.
// The node's burst is below the peer's, as if other peers had spent the rest of it: one
// stream reaches both.
const (
	fuzzMaxParticle = 8 << 10
	fuzzScopeLimit  = 12 << 10
	fuzzBurst       = 3
	fuzzGlobalBurst = 2
)

// FuzzReceive feeds a byte stream to the whole receive path of one stream: framing, memory,
// rate limits (the peer's and the node's), decoding and delivery. Whatever arrives, the
// stream's end is counted once by its reason, every byte reserved is given back, the memory
// held follows what arrived, each complete frame is delivered or counted as dropped, and the
// frames over the peer's rate spend none of the node's.
func FuzzReceive(f *testing.F) {
	from := actortest.Identity(f, "fuzz")
	fromID, err := peer.Decode(from.PeerID)
	if err != nil {
		f.Fatal(err)
	}
	good := actortest.Particle(f, from, particle.Particle{ID: "p", Timestamp: 1, TTL: 1000, MaxHops: 4, Script: "(null)", Data: []byte(`{"a":1}`)})
	frame := appendFrame(nil, good.Encode())
	f.Add(frame)
	f.Add(bytes.Repeat(frame, fuzzBurst+2))
	f.Add(appendFrame(appendFrame(nil, []byte("not a particle")), good.Encode()))
	f.Add(binary.AppendUvarint(nil, fuzzMaxParticle+1))
	f.Add(append(binary.AppendUvarint(nil, fuzzMaxParticle), make([]byte, fuzzMaxParticle/2)...))
	f.Add(append(binary.AppendUvarint(nil, fuzzMaxParticle), make([]byte, fuzzMaxParticle)...))
	f.Fuzz(func(t *testing.T, stream []byte) {
		m, err := newMetrics(nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{Clock: clock.NewManual(time.Unix(1, 0)), Rate: 1, Burst: fuzzBurst, GlobalRate: 1, GlobalBurst: fuzzGlobalBurst,
			MaxParticleSize: fuzzMaxParticle, MaxPeerFrameBytes: 2 * fuzzMaxParticle, MaxFrameBytesInFlight: 2 * fuzzMaxParticle}.withDefaults()
		tr := newTransport(cfg, m)
		defer tr.cancel()
		var r io.Reader = bytes.NewReader(stream)
		if len(stream)%2 == 1 { // the bytes arrive one at a time
			r = iotest.OneByteReader(r)
		}
		mem := &testScope{limit: fuzzScopeLimit}
		var got []particle.Particle
		err = tr.readParticles(fromID, r, mem, func(_ string, p particle.Particle) { got = append(got, p) })

		reason := dropReason(err)
		ends := 0.0
		for _, r := range []string{"oversize", "memory", "in_flight", "read_error"} {
			ends += testutil.ToFloat64(m.dropped.WithLabelValues(r))
		}
		if (reason == "") != (ends == 0) || ends > 1 || (reason != "" && testutil.ToFloat64(m.dropped.WithLabelValues(reason)) != 1) {
			t.Fatalf("the stream ended with %v (%q) and %v ends were counted", err, reason, ends)
		}
		if mem.held != 0 || tr.inFlight.bytes.Load() != 0 || testutil.ToFloat64(m.bytesInFlight) != 0 || testutil.ToFloat64(m.frames) != 0 {
			t.Fatalf("after the stream: %d bytes held in its scope, %d in flight, %v frames being read", mem.held, tr.inFlight.bytes.Load(), testutil.ToFloat64(m.frames))
		}
		if bound := max(firstChunk, 2*len(stream)); mem.peak > bound+bound/2 || mem.peak > 2*fuzzMaxParticle {
			t.Fatalf("%d bytes reserved at once for a %d-byte stream", mem.peak, len(stream))
		}

		// The same stream read by the frame reader alone: its complete frames are each
		// delivered or dropped, unless memory ran out first.
		br := bufio.NewReader(bytes.NewReader(stream))
		complete := 0
		for ; ; complete++ {
			if _, err := readFrame(br, fuzzMaxParticle, nil); err != nil {
				break
			}
		}
		globalCut := testutil.ToFloat64(m.dropped.WithLabelValues("global_rate_limited"))
		taken := float64(len(got)) + testutil.ToFloat64(m.dropped.WithLabelValues("malformed")) + testutil.ToFloat64(m.dropped.WithLabelValues("rate_limited")) + globalCut
		if reason == "memory" || reason == "in_flight" {
			if taken > float64(complete) {
				t.Fatalf("%v frames taken of %d complete ones", taken, complete)
			}
		} else if taken != float64(complete) {
			t.Fatalf("%v frames delivered or dropped of %d complete ones", taken, complete)
		}
		if len(got) > fuzzGlobalBurst || testutil.ToFloat64(m.received) != float64(len(got)) {
			t.Fatalf("%d particles delivered (%v counted) within the node's burst of %d", len(got), testutil.ToFloat64(m.received), fuzzGlobalBurst)
		}
		// The node's bucket sees only what the peer's let through: its burst, less what the
		// node's burst took.
		if globalCut > fuzzBurst-fuzzGlobalBurst {
			t.Fatalf("%v frames cut by the node's rate, but the peer's burst of %d leaves it %d at most", globalCut, fuzzBurst, fuzzBurst-fuzzGlobalBurst)
		}
		for _, p := range got {
			if _, err := particle.Decode(p.Encode(), particle.Limits{}); err != nil {
				t.Fatalf("a delivered particle does not decode again: %v", err)
			}
		}
	})
}

// The receive path runs without libp2p: a frame that is not a particle, then five particles,
// from one peer with a burst of three and a clock that stands still: the garbage is dropped
// (its token spent: the rate is checked before the cost of decoding), two particles are
// delivered and three cut.
func TestReadParticles(t *testing.T) {
	from := actortest.Identity(t, "alice")
	id, _ := peer.Decode(from.PeerID)
	m, _ := newMetrics(nil)
	tr := newTransport(Config{Clock: clock.NewManual(time.Unix(1, 0)), Rate: 1, Burst: 3}.withDefaults(), m)
	defer tr.cancel()
	good := actortest.Particle(t, from, particle.Particle{ID: "p", Timestamp: 1, TTL: 1000, MaxHops: 4, Script: "(null)"})
	stream := appendFrame(nil, []byte("not a particle"))
	for range 5 {
		stream = appendFrame(stream, good.Encode())
	}
	mem := &testScope{limit: 1 << 20}
	var got []string
	err := tr.readParticles(id, bytes.NewReader(stream), mem, func(from string, p particle.Particle) { got = append(got, from+"/"+p.ID) })
	if err != nil || len(got) != 2 || got[0] != from.PeerID+"/p" {
		t.Fatalf("delivered %v, %v", got, err)
	}
	for reason, want := range map[string]float64{"malformed": 1, "rate_limited": 3, "read_error": 0} {
		if n := testutil.ToFloat64(m.dropped.WithLabelValues(reason)); n != want {
			t.Errorf("%v dropped as %s, want %v", n, reason, want)
		}
	}
	if mem.held != 0 || mem.peak == 0 {
		t.Errorf("%d bytes still held in the stream's scope, %d at most", mem.held, mem.peak)
	}
}
