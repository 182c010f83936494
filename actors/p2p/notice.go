package p2p

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/particle"
)

// NoticeProtocol carries core.Notice, one JSON object per stream, from a node to a client
// over their existing connection.
const NoticeProtocol = protocol.ID("/aquanet/notice/1.0.0")

// maxNotice bounds a notice on the wire.
const maxNotice = 1024

var (
	_ core.Notifier    = (*Transport)(nil)
	_ core.NoticeTaker = (*Transport)(nil)
)

// Notify sends n to the peer to on a stream of its own, if the transport has a connection to
// it; it never dials. It returns at once; the send runs on a goroutine of its own, within a
// second.
func (t *Transport) Notify(to string, n core.Notice) {
	id, err := peer.Decode(to)
	if err != nil || t.host.Network().Connectedness(id) != network.Connected {
		return
	}
	n.Reason = oneLine(n.Reason)
	b, err := json.Marshal(n)
	if err != nil || len(b) > maxNotice {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.background(func() {
		ctx, cancel := context.WithTimeout(network.WithNoDial(t.ctx, "notice"), time.Second)
		defer cancel()
		s, err := t.host.NewStream(ctx, id, NoticeProtocol)
		if err != nil {
			t.cfg.Logger.Debug("notice not sent", "to", to, "particle", n.ParticleID, "error", err)
			return
		}
		s.SetWriteDeadline(t.cfg.Clock.Now().Add(time.Second))
		if _, err := s.Write(b); err != nil {
			s.Reset()
			return
		}
		s.Close()
	})
}

// OnNotice makes the transport take notices in, handing each to f (on a stream's goroutine)
// with the peer it came from. Without it the transport refuses the notice protocol. Clients
// take notices from their relay; nodes from the peers they sent their clients' particles to,
// to pass on (core.NoticeTaker).
func (t *Transport) OnNotice(f func(from string, n core.Notice)) {
	t.host.SetStreamHandler(NoticeProtocol, func(s network.Stream) {
		defer s.Close()
		s.SetReadDeadline(t.cfg.Clock.Now().Add(time.Second))
		b, err := io.ReadAll(io.LimitReader(s, maxNotice+1))
		if err != nil || len(b) > maxNotice {
			t.metrics.dropped.WithLabelValues("bad_notice").Inc()
			s.Reset()
			return
		}
		n, err := parseNotice(b)
		if err != nil {
			t.metrics.dropped.WithLabelValues("bad_notice").Inc()
			t.cfg.Logger.Debug("notice dropped", "from", s.Conn().RemotePeer(), "error", err)
			return
		}
		f(s.Conn().RemotePeer().String(), n)
	})
}

// parseNotice decodes a notice as it came from a peer, which may be anyone: its Peer, and its
// By if set, must be peer ids and its ParticleID set, and its Reason, which a client prints, is made one line of
// printable text at most core.MaxNoticeReason long (a control character, a terminal's escape
// among them, becomes "?").
func parseNotice(b []byte) (core.Notice, error) {
	if len(b) > maxNotice {
		return core.Notice{}, fmt.Errorf("notice of %d bytes, over %d", len(b), maxNotice)
	}
	var n core.Notice
	if err := json.Unmarshal(b, &n); err != nil {
		return core.Notice{}, fmt.Errorf("notice: %w", err)
	}
	if n.ParticleID == "" {
		return core.Notice{}, errors.New("notice without a particle id")
	}
	if _, err := peer.Decode(n.Peer); err != nil {
		return core.Notice{}, fmt.Errorf("notice: its peer: %w", err)
	}
	if _, err := peer.Decode(n.By); n.By != "" && err != nil {
		return core.Notice{}, fmt.Errorf("notice: the peer it is by: %w", err)
	}
	n.Reason = oneLine(n.Reason)
	return n, nil
}

// oneLine makes a notice's reason one line of printable text, at most core.MaxNoticeReason
// bytes, cut between characters: its whitespace runs become one space (libp2p's dial errors
// put every address on a line of its own), and a control character or invalid UTF-8 "?".
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return '?'
		}
		return r
	}, strings.Join(strings.Fields(s), " "))
	if len(s) <= core.MaxNoticeReason {
		return s
	}
	cut := core.MaxNoticeReason
	for cut > 0 && !utf8.RuneStart(s[cut]) { // back to the start of the character cut through
		cut--
	}
	return s[:cut]
}

var _ core.LateFailures = (*Transport)(nil)

// OnUndelivered makes the transport tell f of every particle it gives up after Send returned
// (the peer could not be dialled, a write failed), on the sender's goroutine.
func (t *Transport) OnUndelivered(f func(to string, p particle.Particle, err error)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.onUndelivered = f
}

func (t *Transport) undelivered(to string, p particle.Particle, err error) {
	t.mu.Lock()
	f := t.onUndelivered
	t.mu.Unlock()
	if f != nil {
		f(to, p, err)
	}
}
