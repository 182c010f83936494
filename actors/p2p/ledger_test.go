package p2p

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/aquanet/aquanet/core"
)

// ledgerInbox collects the ledger messages a transport hands to ServeLedger's handler.
type ledgerInbox struct {
	mu   sync.Mutex
	from []string
	msgs [][]byte
	ch   chan struct{}
}

func serveLedger(tr *Transport) *ledgerInbox {
	l := &ledgerInbox{ch: make(chan struct{}, 1)}
	tr.ServeLedger(func(from string, msg []byte) {
		l.mu.Lock()
		l.from, l.msgs = append(l.from, from), append(l.msgs, msg)
		l.mu.Unlock()
		select {
		case l.ch <- struct{}{}:
		default:
		}
	})
	return l
}

func (l *ledgerInbox) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.msgs)
}

// wait waits until n messages have arrived and returns them with their senders.
func (l *ledgerInbox) wait(t *testing.T, n int) ([]string, [][]byte) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		l.mu.Lock()
		if len(l.msgs) >= n {
			from, msgs := append([]string(nil), l.from...), append([][]byte(nil), l.msgs...)
			l.mu.Unlock()
			return from, msgs
		}
		got := len(l.msgs)
		l.mu.Unlock()
		select {
		case <-l.ch:
		case <-deadline:
			t.Fatalf("%d ledger messages arrived, want %d", got, n)
		}
	}
}

func dropped(tr *Transport, reason string) float64 {
	return testutil.ToFloat64(tr.metrics.dropped.WithLabelValues(reason))
}

// ledgerFrame is the frame of msg on a ledger stream.
func ledgerFrame(msg []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(msg))), msg...)
}

// rawLedgerStream opens a ledger stream from a to b, to write anything at all on it.
func rawLedgerStream(t *testing.T, a, b *peerT) network.Stream {
	t.Helper()
	if err := a.tr.Bootstrap(context.Background(), addrStrings(b.tr)); err != nil {
		t.Fatal(err)
	}
	s, err := a.tr.Host().NewStream(context.Background(), b.tr.ID(), LedgerProtocol)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Two transports exchange a thousand messages each way, each side's in the order sent, named
// by their sender, on one reused stream per direction; a message of exactly MaxLedgerMessage
// bytes follows them. Closed, the transports leave no goroutine behind: the writers stop.
func TestLedgerMessagesArriveInOrder(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	a, b := newPeer(t, "alice", nil, nil), newPeer(t, "bob", loopback[:1], nil)
	if err := a.tr.Bootstrap(context.Background(), addrStrings(b.tr)); err != nil {
		t.Fatal(err)
	}
	inA, inB := serveLedger(a.tr), serveLedger(b.tr)
	const n = 1000
	buf := make([]byte, 16)
	for i := range n {
		// One buffer for every message: SendLedger must take a copy.
		copy(buf, fmt.Sprintf("alice-%06d", i))
		if err := a.tr.SendLedger(b.id.PeerID, buf); err != nil {
			t.Fatal(err)
		}
		if err := b.tr.SendLedger(a.id.PeerID, fmt.Appendf(nil, "bob-%06d", i)); err != nil {
			t.Fatal(err)
		}
	}
	big := bytes.Repeat([]byte{0xab}, core.MaxLedgerMessage)
	if err := a.tr.SendLedger(b.id.PeerID, big); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in         *ledgerInbox
		from, name string
		last       []byte
	}{{inB, a.id.PeerID, "alice", big}, {inA, b.id.PeerID, "bob", nil}} {
		want := n
		if c.last != nil {
			want++
		}
		from, msgs := c.in.wait(t, want)
		for i := range n {
			if w := fmt.Sprintf("%s-%06d", c.name, i); string(bytes.TrimRight(msgs[i], "\x00")) != w || from[i] != c.from {
				t.Fatalf("message %d from %s: %q, want %q", i, from[i], msgs[i], w)
			}
		}
		if c.last != nil && !bytes.Equal(msgs[n], c.last) {
			t.Fatalf("the message of MaxLedgerMessage bytes arrived as %d bytes", len(msgs[n]))
		}
		if len(msgs) != want {
			t.Fatalf("%d messages from %s, want %d", len(msgs), c.name, want)
		}
	}
	// One stream per direction, kept: bob has one inbound ledger stream from alice.
	inbound := 0
	for _, c := range b.tr.Host().Network().ConnsToPeer(a.tr.ID()) {
		for _, s := range c.GetStreams() {
			if s.Protocol() == LedgerProtocol && s.Stat().Direction == network.DirInbound {
				inbound++
			}
		}
	}
	if inbound != 1 {
		t.Errorf("bob has %d inbound ledger streams from alice, want 1", inbound)
	}
	if got := testutil.ToFloat64(b.tr.metrics.ledgerBytesInFlight); got != 0 {
		t.Errorf("%v ledger bytes still in flight once every message was handled", got)
	}
	for _, p := range []*peerT{a, b} {
		if err := p.tr.Close(); err != nil {
			t.Error(err)
		}
	}
	goleak.VerifyNone(t, opt)
}

// SendLedger refuses at once what it cannot send: a bad peer id, this node, a message over
// MaxLedgerMessage, a peer with no address, and any message after Close.
func TestSendLedgerRefuses(t *testing.T) {
	a := newPeer(t, "alice", loopback[:1], nil)
	stranger := newPeer(t, "stranger", nil, nil)
	for name, c := range map[string]struct {
		to   string
		msg  []byte
		want error
	}{
		"bad peer id":  {"not-a-peer", []byte("x"), nil},
		"this node":    {a.id.PeerID, []byte("x"), nil},
		"too long":     {stranger.id.PeerID, make([]byte, core.MaxLedgerMessage+1), ErrFrameTooLarge},
		"no addresses": {stranger.id.PeerID, []byte("x"), ErrUnreachable},
	} {
		err := a.tr.SendLedger(c.to, c.msg)
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: %v, want an error (%v)", name, err, c.want)
		}
	}
	a.tr.Close()
	if err := a.tr.SendLedger(stranger.id.PeerID, []byte("x")); err == nil {
		t.Error("SendLedger after Close: no error")
	}
}

// A frame that declares more than MaxLedgerMessage is refused on its length: nothing is
// allocated for it though its whole body is there to be read.
func TestLedgerOversizeAllocatesNothing(t *testing.T) {
	a, b := newPeer(t, "alice", nil, nil), newPeer(t, "bob", loopback[:1], nil)
	in := serveLedger(b.tr)
	stream := ledgerFrame(make([]byte, core.MaxLedgerMessage+1))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := b.tr.readLedger(a.tr.ID(), bytes.NewReader(stream))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("err %v, want ErrFrameTooLarge", err)
	}
	// Reading the message would have taken at least its MaxLedgerMessage+1 bytes.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > core.MaxLedgerMessage/8 {
		t.Fatalf("%d bytes allocated for a frame refused on its length", grew)
	}
	if in.count() != 0 {
		t.Fatal("the handler got the oversize message")
	}
}

// Over the network, the oversize frame resets its stream and is counted; nothing of it is
// held; the peer's next messages, on a new stream, arrive.
func TestLedgerOversizeResetsTheStream(t *testing.T) {
	a, b := newPeer(t, "alice", nil, nil), newPeer(t, "bob", loopback[:1], nil)
	in := serveLedger(b.tr)
	s := rawLedgerStream(t, a, b)
	header := binary.BigEndian.AppendUint32(nil, core.MaxLedgerMessage+1)
	if _, err := s.Write(append(header, make([]byte, 64<<10)...)); err != nil {
		t.Fatal(err)
	}
	waitCount(t, "oversize ledger frames", func() float64 { return dropped(b.tr, "ledger_oversize") }, 1)
	if _, err := bufio.NewReader(s).ReadByte(); err == nil {
		t.Fatal("the stream was not reset")
	}
	if got := testutil.ToFloat64(b.tr.metrics.ledgerBytesInFlight); got != 0 {
		t.Errorf("%v ledger bytes in flight after the refusal", got)
	}
	if err := a.tr.SendLedger(b.id.PeerID, []byte("after the reset")); err != nil {
		t.Fatal(err)
	}
	if _, msgs := in.wait(t, 1); string(msgs[0]) != "after the reset" {
		t.Fatalf("arrived: %q", msgs[0])
	}
}

// A peer flooding ledger messages is cut at its LedgerRate, counted, and its particles still
// get through meanwhile.
func TestLedgerFloodIsRateLimited(t *testing.T) {
	b := newPeer(t, "bob", loopback[:1], func(c *Config) { c.LedgerRate, c.LedgerBurst = 100, 100 })
	in := serveLedger(b.tr)
	flooder := newPeer(t, "flooder", nil, nil)
	s := rawLedgerStream(t, flooder, b)
	var burst []byte
	for range 1000 {
		burst = append(burst, ledgerFrame([]byte("append entries, again"))...)
	}
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
	waitCount(t, "rate-limited ledger frames", func() float64 { return dropped(b.tr, "ledger_rate_limited") }, 1000)
	if err := flooder.tr.Send(b.id.PeerID, signed(t, flooder.id, "particle-during-flood", nil)); err != nil {
		t.Fatal(err)
	}
	b.inbox.waitFor(t, "particle-during-flood")
	if taken, cut := float64(in.count()), dropped(b.tr, "ledger_rate_limited"); taken >= cut {
		t.Errorf("%v ledger messages taken and %v cut: the flood was not held to 100/s", taken, cut)
	}
}

// A peer's inbound ledger streams over MaxLedgerStreams are reset unread, and counted; those
// within it carry on.
func TestLedgerStreamsPerPeerAreBounded(t *testing.T) {
	b := newPeer(t, "bob", loopback[:1], func(c *Config) { c.MaxLedgerStreams = 2 })
	in := serveLedger(b.tr)
	a := newPeer(t, "alice", nil, nil)
	var open []network.Stream
	for i := range 2 {
		s := rawLedgerStream(t, a, b)
		open = append(open, s)
		if _, err := s.Write(ledgerFrame(fmt.Appendf(nil, "stream %d", i))); err != nil {
			t.Fatal(err)
		}
		in.wait(t, i+1) // its handler runs: the stream counts
	}
	defer func() {
		for _, s := range open {
			s.Reset()
		}
	}()
	extra := rawLedgerStream(t, a, b)
	extra.Write(ledgerFrame([]byte("one stream too many"))) //nolint:errcheck // the reset is what counts
	if _, err := bufio.NewReader(extra).ReadByte(); err == nil {
		t.Fatal("the third stream was not reset")
	}
	waitCount(t, "ledger streams refused", func() float64 { return dropped(b.tr, "ledger_streams") }, 1)
	if _, err := open[0].Write(ledgerFrame([]byte("still open"))); err != nil {
		t.Fatal(err)
	}
	if _, msgs := in.wait(t, 3); string(msgs[2]) != "still open" {
		t.Fatalf("third message: %q", msgs[2])
	}
}

// A peer that reads nothing fills its queue: further messages for it are refused with
// ErrLedgerQueueFull and counted, and messages for another peer go through.
func TestLedgerQueueFullDropsTheNewest(t *testing.T) {
	a := newPeer(t, "alice", nil, func(c *Config) { c.LedgerQueueLen, c.WriteTimeout = 8, 30*time.Second })
	slow, carol := newPeer(t, "slow", loopback[:1], nil), newPeer(t, "carol", loopback[:1], nil)
	stuck := make(chan struct{})
	defer close(stuck)
	slow.tr.Host().SetStreamHandler(LedgerProtocol, func(s network.Stream) { <-stuck; s.Reset() }) // reads nothing
	inCarol := serveLedger(carol.tr)
	for _, p := range []*peerT{slow, carol} {
		if err := a.tr.Bootstrap(context.Background(), addrStrings(p.tr)); err != nil {
			t.Fatal(err)
		}
	}
	big := make([]byte, 1<<20) // flow control stops the writes soon
	var err error
	for i := 0; err == nil; i++ {
		if i == 1000 {
			t.Fatal("1,000 messages queued for a peer that reads nothing, and none refused")
		}
		err = a.tr.SendLedger(slow.id.PeerID, big)
	}
	if !errors.Is(err, ErrLedgerQueueFull) || dropped(a.tr, "ledger_queue_full") != 1 {
		t.Fatalf("refused with %v, %v counted; want ErrLedgerQueueFull, 1", err, dropped(a.tr, "ledger_queue_full"))
	}
	if err := a.tr.SendLedger(carol.id.PeerID, []byte("for carol")); err != nil {
		t.Fatal(err)
	}
	inCarol.wait(t, 1)
}

// A peer that restarts (a new host with the same key, on the same address) gets messages
// again: the stream to its old host is dead, and the writer replaces it.
func TestLedgerReachesARestartedPeer(t *testing.T) {
	addrs := freeAddrs(t, false)
	a := newPeer(t, "alice", nil, nil)
	b := newPeer(t, "bob", addrs, nil)
	in := serveLedger(b.tr)
	if err := a.tr.Bootstrap(context.Background(), addrStrings(b.tr)); err != nil {
		t.Fatal(err)
	}
	if err := a.tr.SendLedger(b.id.PeerID, []byte("before")); err != nil {
		t.Fatal(err)
	}
	in.wait(t, 1)
	if err := b.tr.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := New(Config{Key: b.id.Key, Listen: addrs})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	in = serveLedger(again)
	// Raft sends again what is lost: so does the test, until a message arrives.
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; in.count() == 0; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("no message reached the restarted peer in %d tries", i)
		}
		a.tr.SendLedger(b.id.PeerID, fmt.Appendf(nil, "after %d", i)) //nolint:errcheck // some are lost
		time.Sleep(50 * time.Millisecond)
	}
	from, _ := in.wait(t, 1)
	if from[0] != a.id.PeerID {
		t.Fatalf("from %s, want alice", from[0])
	}
}
