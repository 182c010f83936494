package p2p_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
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
	"github.com/aquanet/aquanet/sigcache"
)

// BenchmarkHop: one particle from node A to node B and back over loopback libp2p (TCP, Noise,
// Yamux), one at a time: A starts it, B runs op.noop, A's callback ends it. B runs in a process
// of its own (this test binary again: TestHopPeer), as two nodes do: in one process they would
// share the signature cache (sigcache.Default) and skip the checks the other made. "raw" is a
// libp2p stream echo of a message the size of the particle as it travels, to B's process on the
// same kind of host in the same run. "floor" is that echo making the signatures and
// verifications the round trip requires, where the nodes make them (floor_bench_test.go): the
// floor the hop is measured against. verifies/op and signs/op are the ed25519 work of both
// processes a round trip (sigcache's counts); the floor's must equal the hop's.
func BenchmarkHop(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	aliceID, bobID := actortest.Identity(b, "alice"), actortest.Identity(b, "bob")
	aTr, a := startNode(b, aliceID.Key, nil)
	bob := startHopPeer(b)
	if err := aTr.Bootstrap(ctx, []string{bob.addr}); err != nil {
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
			// Ids new to both processes, as every particle's is: the data's signatures cover it.
			ps[i] = actortest.Particle(b, aliceID, particle.Particle{ID: fmt.Sprint("hop-", time.Now().UnixNano(), "-", i), Timestamp: uint64(time.Now().UnixMilli()),
				TTL: 600_000, MaxHops: 8, Script: script})
		}
		particleSize = ps[0].EncodedLen() + 600 // the data it carries back (measured: ~600 bytes)
		report := countCrypto(b, bob)
		lost := time.NewTimer(time.Hour)
		defer lost.Stop()
		b.ResetTimer()
		for i := range ps {
			a.Deliver(a.PeerID(), ps[i])
			lost.Reset(10 * time.Second)
			select {
			case <-done:
			case <-lost.C:
				b.Fatalf("particle %d did not come back in 10 s", i)
			}
		}
		b.StopTimer()
		report()
	})
	b.Run("raw", func(b *testing.B) {
		benchRawEcho(b, aTr, bob.id, max(particleSize, 1000))
	})
	b.Run("floor", func(b *testing.B) {
		benchFloor(b, aTr, aliceID.Key, bob.id, bob, max(particleSize, 1000))
	})
}

// hopPeerEnv, set, makes this test binary BenchmarkHop's other process (TestHopPeer).
const hopPeerEnv = "AQUANET_HOP_PEER"

// hopPeerProfileEnv names a file for the CPU profile of BenchmarkHop's other process, which
// -cpuprofile does not reach: AQUANET_HOP_PEER_PROFILE=/tmp/b.prof go test -bench Hop -cpuprofile /tmp/a.prof.
const hopPeerProfileEnv = "AQUANET_HOP_PEER_PROFILE"

// TestHopPeer is BenchmarkHop's other process, not a test of its own: bob's node and an echo.
// It prints its address, then answers each "counts" line on its stdin with its signature
// cache's verifications and signatures, until stdin closes.
func TestHopPeer(t *testing.T) {
	if os.Getenv(hopPeerEnv) == "" {
		t.Skip("BenchmarkHop's peer process: it runs when the benchmark starts it")
	}
	bob := actortest.Identity(t, "bob")
	tr, _ := startNode(t, bob.Key, nil)
	serveEcho(tr)
	serveFloor(tr, bob.Key)
	fmt.Println("addr", tr.Addrs()[0])
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "counts" {
			fmt.Println("counts", sigcache.Default.Verified(), sigcache.Default.Signs())
		}
	}
}

// hopPeer is TestHopPeer's process, seen from the benchmark.
type hopPeer struct {
	addr string
	id   peer.ID
	in   io.Writer
	out  *bufio.Scanner
}

// startHopPeer starts TestHopPeer in a process of its own, stopped when b ends.
func startHopPeer(b *testing.B) *hopPeer {
	args := []string{"-test.run=^TestHopPeer$"}
	if f := os.Getenv(hopPeerProfileEnv); f != "" {
		args = append(args, "-test.cpuprofile="+f)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), hopPeerEnv+"=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		in.Close()
		cmd.Wait() //nolint:errcheck // its output is the benchmark's
	})
	p := &hopPeer{in: in, out: bufio.NewScanner(out)}
	p.addr = strings.TrimPrefix(p.line(b, "addr "), "addr ")
	info, err := peer.AddrInfoFromString(p.addr)
	if err != nil {
		b.Fatal(err)
	}
	p.id = info.ID
	return p
}

// line returns the peer's next line that starts with prefix.
func (p *hopPeer) line(b *testing.B, prefix string) string {
	for p.out.Scan() {
		if strings.HasPrefix(p.out.Text(), prefix) {
			return p.out.Text()
		}
	}
	b.Fatalf("the peer process ended before printing %q: %v", prefix, p.out.Err())
	return ""
}

// countCrypto starts counting the ed25519 work of both processes; the function it returns, called
// with the timer stopped, reports round trips a second and the verifications and signatures of
// both a round trip.
func countCrypto(b *testing.B, bob *hopPeer) (report func()) {
	verified, signs := sigcache.Default.Verified(), sigcache.Default.Signs()
	bobVerified, bobSigns := bob.counts(b)
	return func() {
		bobVerified2, bobSigns2 := bob.counts(b)
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
		b.ReportMetric(float64(sigcache.Default.Verified()-verified+bobVerified2-bobVerified)/float64(b.N), "verifies/op")
		b.ReportMetric(float64(sigcache.Default.Signs()-signs+bobSigns2-bobSigns)/float64(b.N), "signs/op")
	}
}

// counts returns the peer's verifications and signatures so far.
func (p *hopPeer) counts(b *testing.B) (verified, signs uint64) {
	if _, err := io.WriteString(p.in, "counts\n"); err != nil {
		b.Fatal(err)
	}
	if _, err := fmt.Sscanf(p.line(b, "counts "), "counts %d %d", &verified, &signs); err != nil {
		b.Fatal(err)
	}
	return verified, signs
}

const echoProtocol = protocol.ID("/aquanet/bench-echo/1.0.0")

// openSized opens a stream of proto to the peer to, for messages of size bytes: its first
// line says the size (readSize reads it). The stream closes when b ends.
func openSized(b *testing.B, from *p2p.Transport, to peer.ID, proto protocol.ID, size int) network.Stream {
	s, err := from.Host().NewStream(b.Context(), to, proto)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := fmt.Fprintln(s, size); err != nil {
		b.Fatal(err)
	}
	return s
}

// readSize reads the size openSized wrote first on s, at most 1 MiB, and returns s's reader.
func readSize(s network.Stream) (r *bufio.Reader, size int, ok bool) {
	r = bufio.NewReader(s)
	if _, err := fmt.Fscanln(r, &size); err != nil || size <= 0 || size > 1<<20 {
		return nil, 0, false
	}
	return r, size, true
}

// serveEcho echoes what comes on each echo stream to tr, in messages of the size of the first
// line: the size, then that many bytes at a time.
func serveEcho(tr *p2p.Transport) {
	tr.Host().SetStreamHandler(echoProtocol, func(s network.Stream) {
		defer s.Close()
		r, size, ok := readSize(s)
		if !ok {
			return
		}
		buf := make([]byte, size)
		for {
			if _, err := io.ReadFull(r, buf); err != nil {
				return
			}
			if _, err := s.Write(buf); err != nil {
				return
			}
		}
	})
}

// benchRawEcho echoes size-byte messages over one libp2p stream to the echo of the peer to.
func benchRawEcho(b *testing.B, from *p2p.Transport, to peer.ID, size int) {
	s := openSized(b, from, to, echoProtocol, size)
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
