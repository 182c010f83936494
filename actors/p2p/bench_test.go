package p2p_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// BenchmarkHop: one particle from node A to node B and back over loopback libp2p (TCP, Noise,
// Yamux), one at a time: A starts it, B runs op.noop, A's callback ends it. "raw" is a libp2p
// stream echo of a message the size of the particle as it travels, on the same kind of hosts
// in the same run: the floor the hop is measured against.
func BenchmarkHop(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	aliceID, bobID := actortest.Identity(b, "alice"), actortest.Identity(b, "bob")
	aTr, a := startNode(b, aliceID.Key, nil)
	bTr, _ := startNode(b, bobID.Key, nil)
	if err := aTr.Bootstrap(ctx, []string{bTr.Addrs()[0].String()}); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{}, 1)
	if err := a.Spawn(ctx, "callback", service.HandlerFunc(func(service.CallContext, string, []value.Value) (value.Value, error) {
		done <- struct{}{}
		return value.Null(), nil
	})); err != nil {
		b.Fatal(err)
	}
	script := fmt.Sprintf(`(seq (call "%s" ("op" "noop") []) (call %%init_peer_id%% ("callback" "done") []))`, bobID.PeerID)
	particleSize := 0
	b.Run("hop", func(b *testing.B) {
		ps := make([]particle.Particle, b.N)
		for i := range ps {
			ps[i] = actortest.Particle(b, aliceID, particle.Particle{ID: fmt.Sprint("hop-", i), Timestamp: uint64(time.Now().UnixMilli()),
				TTL: 600_000, MaxHops: 8, Script: script})
		}
		particleSize = ps[0].EncodedLen() + 600 // the data it carries back (measured: ~600 bytes)
		b.ResetTimer()
		for i := range ps {
			a.Deliver(a.PeerID(), ps[i])
			select {
			case <-done:
			case <-ctx.Done():
				b.Fatal("the particle did not come back")
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
	})
	b.Run("raw", func(b *testing.B) {
		benchRawEcho(b, aTr, bTr, max(particleSize, 1000))
	})
}

// benchRawEcho echoes size-byte messages over one libp2p stream between two hosts.
func benchRawEcho(b *testing.B, from, to *p2p.Transport, size int) {
	const echo = protocol.ID("/aquanet/bench-echo/1.0.0")
	to.Host().SetStreamHandler(echo, func(s network.Stream) {
		defer s.Close()
		buf := make([]byte, size)
		for {
			if _, err := io.ReadFull(s, buf); err != nil {
				return
			}
			if _, err := s.Write(buf); err != nil {
				return
			}
		}
	})
	s, err := from.Host().NewStream(context.Background(), peer.ID(to.ID()), echo)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	msg := make([]byte, size)
	r := bufio.NewReader(s)
	b.ResetTimer()
	for range b.N {
		if _, err := s.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(r, msg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}
