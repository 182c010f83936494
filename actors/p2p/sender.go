package p2p

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/particle"
)

// This file holds the transport's goroutines: network I/O is its job, and it never runs in the
// simulator, whose network is a transport of its own.

// background runs f on a goroutine that Close waits for.
func (t *Transport) background(f func()) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		f()
	}()
}

// sender writes the particles queued for one peer to one stream, opened when the first comes
// and opened again if it breaks. It stops when the peer disconnects, when a dial fails (the
// next Send starts a new one), or when the transport closes.
type sender struct {
	t       *Transport
	peer    peer.ID
	queue   chan particle.Particle
	done    chan struct{}
	once    sync.Once
	dialing atomic.Bool
}

// startSender starts the sender of peer id; t.mu is held.
func (t *Transport) startSender(id peer.ID) *sender {
	s := &sender{t: t, peer: id, queue: make(chan particle.Particle, t.cfg.QueueLen), done: make(chan struct{})}
	t.background(s.run)
	return s
}

func (s *sender) stop() { s.once.Do(func() { close(s.done) }) }

// isDialing reports whether the sender is connecting: a disconnection then is not its end.
func (s *sender) isDialing() bool { return s.dialing.Load() }

func (s *sender) run() {
	var st stream
	defer st.close()
	var frame []byte
	for {
		var p particle.Particle
		select {
		case p = <-s.queue:
		case <-s.done:
			return
		}
		frame = binary.AppendUvarint(frame[:0], uint64(p.EncodedLen()))
		frame = p.AppendEncode(frame)
		err := s.write(&st, frame, len(s.queue) == 0)
		if err == nil {
			s.t.metrics.sent.Inc()
			continue
		}
		var unreachable *dialError
		if errors.As(err, &unreachable) {
			s.giveUp(p, err)
			return
		}
		s.t.metrics.dropped.WithLabelValues("write_error").Inc()
		s.t.cfg.Logger.Warn("particle not sent", "to", s.peer.String(), "particle", p.ID, "error", err)
		s.t.undelivered(s.peer.String(), p, err)
	}
}

// giveUp drops p and whatever else waits for the peer, and removes the sender, so that the
// next Send tries again from scratch.
func (s *sender) giveUp(p particle.Particle, err error) {
	s.t.mu.Lock()
	if s.t.senders[s.peer] == s {
		delete(s.t.senders, s.peer)
	}
	s.t.mu.Unlock()
	n := 1
	s.t.undelivered(s.peer.String(), p, err)
	for {
		select {
		case q := <-s.queue:
			n++
			s.t.undelivered(s.peer.String(), q, err)
			continue
		default:
		}
		break
	}
	s.t.metrics.dropped.WithLabelValues("unreachable").Add(float64(n))
	s.t.cfg.Logger.Warn("particles not sent: peer unreachable", "to", s.peer.String(), "particle", p.ID, "dropped", n, "error", err)
}

type dialError struct{ err error }

func (e *dialError) Error() string { return "opening a stream: " + e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// stream is the sender's stream with its buffered writer.
type stream struct {
	s network.Stream
	w *bufio.Writer
}

func (st *stream) close() {
	if st.s != nil {
		st.w.Flush()
		st.s.Close()
		st.s = nil
	}
}

// write writes one frame, flushing if asked. A stream that fails is reset and the frame is
// written once more on a new one (the peer may have closed an idle stream).
func (s *sender) write(st *stream, frame []byte, flush bool) error {
	var err error
	for range 2 {
		if st.s == nil {
			s.dialing.Store(true)
			ctx, cancel := context.WithTimeout(context.Background(), s.t.cfg.DialTimeout)
			ns, derr := s.t.host.NewStream(ctx, s.peer, Protocol)
			cancel()
			s.dialing.Store(false)
			if derr != nil {
				return &dialError{derr}
			}
			st.s, st.w = ns, bufio.NewWriterSize(ns, 64<<10)
		}
		if err = st.s.SetWriteDeadline(s.t.cfg.Clock.Now().Add(s.t.cfg.WriteTimeout)); err == nil {
			if _, err = st.w.Write(frame); err == nil && flush {
				err = st.w.Flush()
			}
		}
		if err == nil {
			return nil
		}
		st.s.Reset()
		st.s = nil
	}
	return fmt.Errorf("writing to the stream: %w", err)
}
