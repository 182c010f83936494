package p2p

import (
	"bytes"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/particle"
	"github.com/aquanet/aquanet/sigcache"
)

// An arriving particle's signature is verified on the stream's goroutine: by the time it is
// delivered, the process remembers the signature, and the router's check costs a lookup. A
// particle that fails its checks is delivered all the same, for the router to refuse.
func TestArrivalsAreVerifiedOnTheStream(t *testing.T) {
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	m, _ := newMetrics(nil)
	tr := newTransport(Config{Clock: clk}.withDefaults(), m)
	defer tr.cancel()
	from := actortest.Identity(t, "verified-on-arrival")
	good := actortest.Particle(t, from, particle.Particle{ID: "fresh-" + t.Name(), Timestamp: uint64(clk.Now().UnixMilli()), TTL: 60_000, MaxHops: 4, Script: "(null)"})
	forged := good
	forged.Script = "(seq (null) (null))"
	var delivered []particle.Particle
	stream := appendFrame(appendFrame(nil, good.Encode()), forged.Encode())
	if err := tr.readParticles(peer.ID("x"), bytes.NewReader(stream), &testScope{limit: 1 << 20}, func(_ string, p particle.Particle) {
		delivered = append(delivered, p)
	}); err != nil {
		t.Fatal(err)
	}
	if len(delivered) != 2 {
		t.Fatalf("%d particles delivered, want both", len(delivered))
	}
	hits := sigcache.Default.Hits()
	if err := delivered[0].Verify(); err != nil || sigcache.Default.Hits() != hits+1 {
		t.Fatal("the signature of a particle that arrived was not verified on its arrival")
	}
	if err := particle.Validate(&delivered[1], clk.Now(), particle.Limits{}); err == nil {
		t.Fatal("the forged particle validates")
	}
}
