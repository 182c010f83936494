package p2p

import (
	"bufio"
	"errors"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/particle"
)

// readBufferSize is the buffer each inbound stream reads through: small, as every open stream
// holds one, and a frame's payload is read past it into the frame's own buffer.
const readBufferSize = 4 << 10

// receive reads the particles of one inbound stream (libp2p runs it on the stream's own
// goroutine) until the stream ends, and hands them to the node. A stream whose frame cannot
// be taken in (too large, or no memory for it) is reset: the rest of it cannot be trusted to
// be framed, and a peer that wants to be heard sends smaller particles or sends them later.
func (t *Transport) receive(s network.Stream) {
	err := t.readParticles(s.Conn().RemotePeer(), s, s.Scope(), t.deliver)
	if errors.Is(err, ErrFrameTooLarge) || errors.Is(err, errMemory) || errors.Is(err, errInFlight) {
		s.Reset()
		return
	}
	s.Close()
}

// deliver hands p to the node the transport is joined to, if any.
func (t *Transport) deliver(from string, p particle.Particle) {
	t.mu.Lock()
	in := t.inbox
	t.mu.Unlock()
	if in != nil {
		in.Deliver(from, p)
	}
}

// readParticles reads frames from r until it ends or fails, charging each frame's memory to
// mem (and the transport's bytes in flight) as it arrives: a frame over the size limit or the
// memory limits ends the stream with an error, as does a broken stream; a frame that is not a
// particle, or one over the peer's rate or the node's, is dropped and the stream read on. Each
// is counted. The particles that pass go to deliver. A clean end of the stream is nil.
func (t *Transport) readParticles(from peer.ID, r io.Reader, mem scope, deliver func(string, particle.Particle)) error {
	br := bufio.NewReaderSize(r, readBufferSize)
	charge := streamMemory{scope: mem, inFlight: &t.inFlight}
	fromText := particle.PeerText(from)
	for {
		n, err := readLength(br, t.cfg.MaxParticleSize)
		if err == nil {
			t.metrics.frames.Inc()
			var payload []byte
			payload, err = readBody(br, n, charge)
			t.metrics.frames.Dec()
			if err == nil {
				p := t.take(from, payload)
				charge.release(cap(payload))
				if p != nil {
					t.metrics.received.Inc()
					deliver(fromText, *p)
				}
				continue
			}
		}
		switch reason := dropReason(err); reason {
		case "":
			return nil
		case "read_error":
			t.metrics.dropped.WithLabelValues(reason).Inc()
			t.cfg.Logger.Debug("particle stream broken", "from", fromText, "error", err)
		default:
			t.metrics.dropped.WithLabelValues(reason).Inc()
			t.cfg.Logger.Warn("particle stream reset", "from", fromText, "error", err)
		}
		return err
	}
}

// dropReason is the drop reason of the error that ended a stream; "" is its clean end (nil
// or io.EOF).
func dropReason(err error) string {
	switch {
	case err == nil || errors.Is(err, io.EOF):
		return ""
	case errors.Is(err, ErrFrameTooLarge):
		return "oversize"
	case errors.Is(err, errMemory):
		return "memory"
	case errors.Is(err, errInFlight):
		return "in_flight"
	default:
		return "read_error"
	}
}

// take decodes one frame's payload, within the peer's rate and the node's; nil is a frame
// dropped (and counted). The particle owns its memory (particle.Decode copies): the frame's
// buffer is free once it is decoded, and delivery, which may take a while, holds none of it.
func (t *Transport) take(from peer.ID, payload []byte) *particle.Particle {
	// The peer's bucket first: a peer flooding over its own rate is cut there, and spends
	// none of the tokens the other peers share.
	if !t.allow(from) {
		t.metrics.dropped.WithLabelValues("rate_limited").Inc()
		return nil
	}
	if !t.allowGlobal() {
		t.metrics.dropped.WithLabelValues("global_rate_limited").Inc()
		return nil
	}
	p, err := particle.Decode(payload, t.cfg.Limits)
	if err != nil {
		t.metrics.dropped.WithLabelValues("malformed").Inc()
		t.cfg.Logger.Debug("frame is not a particle", "from", from.String(), "error", err)
		return nil
	}
	// The particle's checks, its signature's verification above all (some 50 µs), are the
	// inbox's: the node's (actors.Node.Deliver) runs them on the goroutine that delivers, this
	// stream's, so that arrivals are verified on every core, once each.
	return p
}

// bucket is a token bucket: a peer's (Rate tokens a second, at most Burst) or the node's
// (GlobalRate, GlobalBurst).
type bucket struct {
	tokens float64
	last   time.Time
}

// take refills the bucket for the time since it was last asked, at rate tokens a second up to
// burst, then takes a token, if there is one.
func (b *bucket) take(now time.Time, rate float64, burst int) bool {
	b.tokens = min(float64(burst), b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// maxBuckets is how many peers' rate buckets the transport keeps before it drops the full
// ones (a full bucket says nothing a new one would not).
const maxBuckets = 4096

// pruneBuckets drops the buckets that have refilled by now.
func (t *Transport) pruneBuckets(now time.Time) {
	for id, b := range t.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*t.cfg.Rate >= float64(t.cfg.Burst) {
			delete(t.buckets, id)
		}
	}
}

// allow takes a token from the peer's bucket, if there is one.
func (t *Transport) allow(id peer.ID) bool {
	now := t.cfg.Clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buckets[id]
	if b == nil {
		if len(t.buckets) >= maxBuckets {
			t.pruneBuckets(now)
		}
		b = &bucket{tokens: float64(t.cfg.Burst), last: now}
		t.buckets[id] = b
	}
	return b.take(now, t.cfg.Rate, t.cfg.Burst)
}

// allowGlobal takes a token from the node's bucket, if there is one.
func (t *Transport) allowGlobal() bool {
	now := t.cfg.Clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.global.take(now, t.cfg.GlobalRate, t.cfg.GlobalBurst)
}
