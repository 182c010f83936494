package p2p

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/aquanet/aquanet/core"
)

// The transport carries the ledger's raft messages between validators (core.LedgerTransport)
// on LedgerProtocol: one long-lived stream per peer and direction, as particles travel, each
// message a frame of a 4-byte big-endian length and that many bytes. The length is checked
// against core.MaxLedgerMessage before anything is allocated for the message, and the
// message's buffer then grows only with the bytes that arrive (frame.go's readBody), each step
// charged to the ledger's own cap on bytes in flight (Config.MaxLedgerBytesInFlight), not to
// the resource manager's stream limits, which are sized for particles.
//
// Delivery is best effort, as raft expects of its network: a full queue, an unreachable peer,
// a broken stream, a peer over its rate drop messages (each counted in
// aquanet_p2p_dropped_total by a ledger_ reason) and raft sends again. Messages to one peer
// are written in order on one stream; NB: when a stream breaks and the next message goes on a
// new one, the receiver may still be reading the tail of the old one, so the order across the
// break is not certain (raft tolerates reordering).

// LedgerProtocol is the libp2p protocol the ledger's messages travel on.
const LedgerProtocol = protocol.ID("/aquanet/ledger/1.0.0")

// Defaults of the ledger's Config fields.
const (
	// DefaultLedgerRate and DefaultLedgerBurst: an idle cluster sends a heartbeat per peer
	// every tick, but under load a leader gets an answer to each append and the forwarded
	// proposals from every follower: measured, over 1,000 messages a second from each at
	// 3,000 tx/s (BenchmarkLedgerLoopback), and raft takes a lost proposal for a lost leader
	// (retried seconds later). Twenty thousand a second leaves room for the ledger's best rate;
	// a peer that is no validator has its messages dropped after decoding, at that cost.
	DefaultLedgerRate  = 20_000
	DefaultLedgerBurst = 40_000
	// DefaultLedgerQueueLen and DefaultLedgerQueueBytes bound the messages waiting for one peer.
	DefaultLedgerQueueLen   = 1024
	DefaultLedgerQueueBytes = 64 << 20
	// DefaultMaxLedgerStreams bounds one peer's inbound ledger streams open at once: it needs
	// one, and a few more cover a restart whose old streams have not yet been reset.
	DefaultMaxLedgerStreams = 4
	// DefaultMaxLedgerBytesInFlight bounds the memory of the ledger messages being read, from
	// all peers: a couple of messages of the largest size at once, each briefly held 1.5 times
	// as its buffer grows.
	DefaultMaxLedgerBytesInFlight = 4 * core.MaxLedgerMessage
)

// ErrLedgerQueueFull is the error of a SendLedger to a peer whose queue is full; test with
// errors.Is.
var ErrLedgerQueueFull = errors.New("ledger queue full")

// Drop reasons of the ledger's messages (aquanet_p2p_dropped_total's label).
var ledgerDropReasons = []string{
	"ledger_oversize",     // a frame that declared more than core.MaxLedgerMessage: its stream is reset
	"ledger_queue_full",   // SendLedger to a peer whose queue is full (the newest message is dropped)
	"ledger_unreachable",  // no stream could be opened to the peer: its queue is dropped
	"ledger_write_error",  // a message whose writing failed twice, on the old stream and a new one
	"ledger_rate_limited", // a frame over the peer's LedgerRate, skipped unread
	"ledger_streams",      // an inbound stream over the peer's MaxLedgerStreams, reset unread
	"ledger_read_error",   // a broken stream, or no memory for the frame (MaxLedgerBytesInFlight)
	"ledger_unserved",     // a frame that arrived before ServeLedger, skipped unread
}

// ledger is the transport's part in carrying the ledger's messages.
type ledger struct {
	handler  atomic.Pointer[func(from string, msg []byte)] // ServeLedger's
	inFlight inFlight                                      // bytes of the frames being read

	mu      sync.Mutex
	buckets map[peer.ID]*bucket // by peer: LedgerRate and LedgerBurst
	streams map[peer.ID]int     // by peer: its inbound streams open
	// NB: the senders are in the map below, guarded by Transport.mu (not ledger.mu), so that
	// starting one and Close's check of closed are one step.
}

var _ core.LedgerTransport = (*Transport)(nil)

// startLedger serves LedgerProtocol; New calls it once.
func (t *Transport) startLedger() {
	l := &t.ledger
	l.buckets, l.streams = map[peer.ID]*bucket{}, map[peer.ID]int{}
	l.inFlight.max, l.inFlight.gauge = int64(t.cfg.MaxLedgerBytesInFlight), t.metrics.ledgerBytesInFlight
	for _, reason := range ledgerDropReasons {
		t.metrics.dropped.WithLabelValues(reason) // every reason shows, at 0, from the start
	}
	t.host.SetStreamHandler(LedgerProtocol, t.receiveLedger)
}

// ServeLedger makes h receive the ledger messages that arrive from now on, on the goroutine of
// the stream each arrived on (core.LedgerTransport); h owns msg. Before, the frames that
// arrive are read and dropped (dropped_total{reason="ledger_unserved"}).
func (t *Transport) ServeLedger(h func(from string, msg []byte)) { t.ledger.handler.Store(&h) }

// SendLedger queues a copy of msg for the peer to and returns at once: the peer's writer
// (one goroutine per peer) writes it on the peer's ledger stream, opening one if there is
// none. It fails at once if to is not a peer id or is this node, if msg is over
// core.MaxLedgerMessage (ErrFrameTooLarge), if there is no way to reach the peer
// (ErrUnreachable), or if the peer's queue is full (ErrLedgerQueueFull: Config.LedgerQueueLen
// messages or Config.LedgerQueueBytes bytes wait already; the newest is the one dropped). A
// failure later drops the message with a count.
func (t *Transport) SendLedger(to string, msg []byte) error {
	id, err := peer.Decode(to)
	switch {
	case err != nil:
		return fmt.Errorf("p2p: ledger message to %q: %w", to, err)
	case id == t.host.ID():
		return fmt.Errorf("p2p: ledger message to %s: that is this node", to)
	case len(msg) > core.MaxLedgerMessage:
		return fmt.Errorf("p2p: ledger message to %s: %w: %d bytes, limit %d", to, ErrFrameTooLarge, len(msg), core.MaxLedgerMessage)
	}
	if t.host.Network().Connectedness(id) != network.Connected && len(t.host.Peerstore().Addrs(id)) == 0 {
		t.metrics.dropped.WithLabelValues("ledger_unreachable").Inc()
		t.findPeer(id) // for the next message: raft sends again
		return fmt.Errorf("p2p: ledger message to %s: %w", to, ErrUnreachable)
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return fmt.Errorf("p2p: ledger message to %s: %w", to, errClosed)
	}
	w := t.ledgerWriters[id]
	if w == nil {
		w = &ledgerWriter{t: t, peer: id, wake: make(chan struct{}, 1)}
		t.ledgerWriters[id] = w
		t.background(w.run) // under t.mu: Close has not begun to wait
	}
	t.mu.Unlock()
	// A copy: the caller may reuse msg once SendLedger returns.
	if err := w.push(bytes.Clone(msg)); err != nil {
		reason := "ledger_queue_full"
		if errors.Is(err, ErrUnreachable) {
			reason = "ledger_unreachable"
		}
		t.metrics.dropped.WithLabelValues(reason).Inc()
		return fmt.Errorf("p2p: ledger message to %s: %w", to, err)
	}
	return nil
}

// ledgerWriter writes the messages queued for one peer, in order, on one stream, opened when
// the first comes and opened again when it breaks. It ends when the transport closes, or
// when no stream can be opened to the peer (the next SendLedger starts another).
type ledgerWriter struct {
	t    *Transport
	peer peer.ID
	wake chan struct{} // told when the queue gets a message

	mu    sync.Mutex
	queue [][]byte
	bytes int  // in queue
	gone  bool // giveUp has run: push refuses
}

// push queues msg, unless the queue is full or the writer has given up.
func (w *ledgerWriter) push(msg []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.gone:
		// SendLedger found the writer just before giveUp removed it.
		return fmt.Errorf("%w: no stream could be opened", ErrUnreachable)
	case len(w.queue) >= w.t.cfg.LedgerQueueLen || w.bytes+len(msg) > w.t.cfg.LedgerQueueBytes:
		return fmt.Errorf("%w (%d messages, %d bytes waiting)", ErrLedgerQueueFull, len(w.queue), w.bytes)
	}
	w.queue = append(w.queue, msg)
	w.bytes += len(msg)
	select {
	case w.wake <- struct{}{}:
	default: // already told
	}
	return nil
}

// take empties the queue and returns what was in it; with gone, the writer takes no more.
func (w *ledgerWriter) take(gone bool) [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	q := w.queue
	w.queue, w.bytes, w.gone = nil, 0, gone
	return q
}

func (w *ledgerWriter) run() {
	var st stream
	defer st.close()
	for {
		select {
		case <-w.wake:
		case <-w.t.ctx.Done():
			return
		}
		batch := w.take(false)
		for i, msg := range batch {
			err := w.write(&st, msg, i == len(batch)-1)
			if err == nil {
				continue
			}
			var unreachable *dialError
			if errors.As(err, &unreachable) {
				w.giveUp(len(batch)-i, err)
				return
			}
			w.t.metrics.dropped.WithLabelValues("ledger_write_error").Inc()
			w.t.cfg.Logger.Debug("ledger message not sent", "to", w.peer.String(), "error", err)
		}
	}
}

// giveUp drops the n messages of the batch not written and whatever waits still, and removes
// the writer, so that the next SendLedger tries again from scratch.
func (w *ledgerWriter) giveUp(n int, err error) {
	w.t.mu.Lock()
	if w.t.ledgerWriters[w.peer] == w {
		delete(w.t.ledgerWriters, w.peer)
	}
	w.t.mu.Unlock()
	n += len(w.take(true))
	w.t.metrics.dropped.WithLabelValues("ledger_unreachable").Add(float64(n))
	w.t.cfg.Logger.Debug("ledger messages not sent: peer unreachable", "to", w.peer.String(), "dropped", n, "error", err)
}

// write writes one message's frame, flushing if asked. A stream that fails is reset and the
// frame is written once more on a new one: the peer may have restarted, and its old stream is
// then dead (raft takes a message twice as well as once).
func (w *ledgerWriter) write(st *stream, msg []byte, flush bool) error {
	var header [4]byte
	binary.BigEndian.PutUint32(header[:], uint32(len(msg)))
	var err error
	for range 2 {
		if st.s == nil {
			ctx, cancel := context.WithTimeout(w.t.ctx, w.t.cfg.DialTimeout)
			ns, derr := w.t.host.NewStream(ctx, w.peer, LedgerProtocol)
			cancel()
			if derr != nil {
				return &dialError{derr}
			}
			st.s, st.w = ns, bufio.NewWriterSize(ns, 64<<10)
		}
		// The deadline covers one message: a message of the largest size on a slow link
		// takes longer than WriteTimeout's particles, but not a dead peer's forever.
		if err = st.s.SetWriteDeadline(w.t.cfg.Clock.Now().Add(w.t.cfg.WriteTimeout)); err == nil {
			if _, err = st.w.Write(header[:]); err == nil {
				if _, err = st.w.Write(msg); err == nil && flush {
					err = st.w.Flush()
				}
			}
		}
		if err == nil {
			return nil
		}
		st.s.Reset()
		st.s = nil
	}
	return fmt.Errorf("writing to the ledger stream: %w", err)
}

// receiveLedger reads the ledger messages of one inbound stream (libp2p runs it on the
// stream's own goroutine) until the stream ends, and hands each to ServeLedger's handler. A
// peer's streams over MaxLedgerStreams are reset unread; a frame over core.MaxLedgerMessage
// or the ledger's bytes in flight resets its stream (what follows cannot be trusted to be
// framed); a frame over the peer's rate, or that comes before ServeLedger, is skipped unread
// and the stream goes on. Each is counted.
func (t *Transport) receiveLedger(s network.Stream) {
	from := s.Conn().RemotePeer()
	if !t.openLedgerStream(from) {
		t.metrics.dropped.WithLabelValues("ledger_streams").Inc()
		s.Reset()
		return
	}
	defer t.closeLedgerStream(from)
	err := t.readLedger(from, s)
	if err == nil {
		s.Close()
		return
	}
	reason := "ledger_read_error"
	if errors.Is(err, ErrFrameTooLarge) {
		reason = "ledger_oversize"
	}
	t.metrics.dropped.WithLabelValues(reason).Inc() // first: a reset stream has been counted
	s.Reset()
	t.cfg.Logger.Debug("ledger stream ended", "from", from.String(), "reason", reason, "error", err)
}

// readLedger reads frames from r until it ends (nil) or fails.
func (t *Transport) readLedger(from peer.ID, r io.Reader) error {
	br := bufio.NewReaderSize(r, readBufferSize)
	mem := ledgerMemory{&t.ledger.inFlight}
	for {
		n, err := readLedgerLength(br)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		h := t.ledger.handler.Load()
		skip := ""
		switch {
		case !t.allowLedger(from):
			skip = "ledger_rate_limited"
		case h == nil:
			skip = "ledger_unserved"
		}
		if skip != "" {
			t.metrics.dropped.WithLabelValues(skip).Inc()
			if _, err := br.Discard(n); err != nil { // no buffer: bufio reads through its own
				return unexpected(err)
			}
			continue
		}
		msg, err := readBody(br, n, mem)
		if err != nil {
			return err
		}
		mem.release(cap(msg)) // msg is the handler's from here, outside the accounting
		(*h)(from.String(), msg)
	}
}

// readLedgerLength reads a ledger frame's 4-byte big-endian length and checks it against
// core.MaxLedgerMessage before anything is allocated. At a clean end of the stream it returns
// io.EOF; a stream that ends inside the length is io.ErrUnexpectedEOF.
func readLedgerLength(r *bufio.Reader) (int, error) {
	var n uint32
	for i := range 4 {
		b, err := r.ReadByte()
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				return 0, io.ErrUnexpectedEOF
			}
			return 0, err
		}
		n = n<<8 | uint32(b)
	}
	if n > core.MaxLedgerMessage {
		return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, core.MaxLedgerMessage)
	}
	return int(n), nil
}

// ledgerMemory is the frameMemory of the ledger's frames: the ledger's own bytes in flight.
type ledgerMemory struct{ inFlight *inFlight }

func (m ledgerMemory) reserve(n int) error {
	if m.inFlight.bytes.Add(int64(n)) > m.inFlight.max {
		m.inFlight.bytes.Add(-int64(n))
		return fmt.Errorf("%w: %d more ledger bytes would make more than %d", errInFlight, n, m.inFlight.max)
	}
	m.inFlight.gauge.Add(float64(n))
	return nil
}

func (m ledgerMemory) release(n int) { m.inFlight.add(-n) }

// openLedgerStream counts one more inbound stream of the peer, unless it has
// MaxLedgerStreams open already.
func (t *Transport) openLedgerStream(id peer.ID) bool {
	l := &t.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.streams[id] >= t.cfg.MaxLedgerStreams {
		return false
	}
	l.streams[id]++
	return true
}

func (t *Transport) closeLedgerStream(id peer.ID) {
	l := &t.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.streams[id]--; l.streams[id] <= 0 {
		delete(l.streams, id)
	}
}

// allowLedger takes a token from the peer's bucket of ledger messages, if there is one.
func (t *Transport) allowLedger(id peer.ID) bool {
	l := &t.ledger
	now := t.cfg.Clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	return takeToken(l.buckets, id, now, t.cfg.LedgerRate, t.cfg.LedgerBurst)
}

// findPeerEvery is how often a peer with no known address is looked for in the DHT.
const findPeerEvery = 2 * time.Second

// findPeer looks for the peer's addresses in the DHT (kad-dht's FindPeer, which keeps them in
// the peerstore), in the background, at most once per findPeerEvery per peer: validators that
// met only through a bootstrap peer find each other when it is gone.
func (t *Transport) findPeer(id peer.ID) {
	d := t.routing.dht
	if d == nil {
		return
	}
	t.mu.Lock()
	if t.lookedFor == nil {
		t.lookedFor = map[peer.ID]time.Time{}
	}
	now := t.cfg.Clock.Now()
	if last, ok := t.lookedFor[id]; ok && now.Sub(last) < findPeerEvery {
		t.mu.Unlock()
		return
	}
	t.lookedFor[id] = now
	t.mu.Unlock()
	t.run(func() {
		ctx, cancel := context.WithTimeout(t.ctx, t.cfg.LookupTimeout)
		defer cancel()
		if _, err := d.FindPeer(ctx, id); err != nil {
			t.cfg.Logger.Debug("a ledger peer not found in the DHT", "peer", id, "error", err)
		}
	}, func() {})
}
