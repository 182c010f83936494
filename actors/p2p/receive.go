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

// receive reads the particles of one inbound stream (libp2p runs it on the stream's own
// goroutine) until the stream ends. A frame over the size limit resets the stream: the rest of
// it cannot be trusted to be framed. A frame that is not a particle, or one over the peer's
// rate, is dropped and the stream read on.
func (t *Transport) receive(s network.Stream) {
	from := s.Conn().RemotePeer()
	defer s.Close()
	r := bufio.NewReaderSize(s, 64<<10)
	var buf []byte
	for {
		payload, err := readFrame(r, t.cfg.Limits.MaxPacket, buf)
		if err != nil {
			if errors.Is(err, ErrFrameTooLarge) {
				t.metrics.dropped.WithLabelValues("oversize").Inc()
				t.cfg.Logger.Warn("particle stream reset", "from", from.String(), "error", err)
				s.Reset()
			} else if !errors.Is(err, io.EOF) {
				t.metrics.dropped.WithLabelValues("read_error").Inc()
				t.cfg.Logger.Debug("particle stream broken", "from", from.String(), "error", err)
			}
			return
		}
		buf = payload
		if !t.allow(from) {
			t.metrics.dropped.WithLabelValues("rate_limited").Inc()
			continue
		}
		p, err := particle.Decode(payload, t.cfg.Limits)
		if err != nil {
			t.metrics.dropped.WithLabelValues("malformed").Inc()
			t.cfg.Logger.Debug("frame is not a particle", "from", from.String(), "error", err)
			continue
		}
		t.metrics.received.Inc()
		t.mu.Lock()
		in := t.inbox
		t.mu.Unlock()
		if in != nil {
			in.Deliver(from.String(), *p)
		}
	}
}

// bucket is a peer's token bucket: Rate tokens a second, at most Burst.
type bucket struct {
	tokens float64
	last   time.Time
}

// allow takes a token from the peer's bucket, if there is one.
func (t *Transport) allow(id peer.ID) bool {
	now := t.cfg.Clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buckets[id]
	if b == nil {
		b = &bucket{tokens: float64(t.cfg.Burst), last: now}
		t.buckets[id] = b
	}
	b.tokens = min(float64(t.cfg.Burst), b.tokens+now.Sub(b.last).Seconds()*t.cfg.Rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
