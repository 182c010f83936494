package trust

import (
	"errors"
	"math"
	"os"
	"testing"
	"time"
)

// Bugs of graph.go that the property tests and benchmarks ran into. Each test here fails on
// graph.go as it is; it is skipped unless TRUST_KNOWN_BUGS=1, and its skip goes once the fix in
// its comment is in.

func knownBug(t *testing.T) {
	if os.Getenv("TRUST_KNOWN_BUGS") == "" {
		t.Skip("a known bug of graph.go (see the comment); TRUST_KNOWN_BUGS=1 runs it")
	}
}

// Two trusts of one pair issued in the same second, expiring at different times: the graph
// keeps whichever came last (change() replaces one trust by another of the same At), so
// weights depend on insertion order. Fix, in change(): order a pair's relations by (At,
// revocation, ExpiresAt), i.e. add the case
//
//	case old.At == r.At && !old.Revocation && !r.Revocation && old.ExpiresAt > r.ExpiresAt:
//		return fmt.Errorf(... ErrOutdated ...)
//
// so that the later-expiring trust wins whatever the order.
func TestKnownBugTrustsOfOneSecond(t *testing.T) {
	knownBug(t)
	root, a := testKey("root"), testKey("alice")
	short, long := IssueTrust(root, a.Public(), 100, 10), IssueTrust(root, a.Public(), 1000, 10)
	var got []uint32
	for _, order := range [][]Trust{{short, long}, {long, short}} {
		g := New(Config{}, NoStore{})
		if err := g.SetRoot(root.Public(), 2); err != nil {
			t.Fatal(err)
		}
		for _, tr := range order {
			if err := g.AddTrust(root.Public(), tr, 10); err != nil && !errorsIsOutdated(err) {
				t.Fatal(err)
			}
		}
		got = append(got, g.Weight(a.Public(), 500))
	}
	if got[0] != got[1] {
		t.Fatalf("alice weighs %d at 500 when root's trust expiring at 1000 comes last, %d when the one expiring at 100 does", got[0], got[1])
	}
}

// Certificate checks the root's trust in itself against the time the cached weights were
// computed at (weights.at), not the time asked for, and the cache does not end when that trust
// expires; so after a Weight at 50, Certificate at 150 returns a certificate whose root trust
// expired at 100 (a fresh graph refuses). Fix: pass now to weights.certificate and check
// self.ExpiresAt < now there (or end the cache at the roots' self-trusts' expiry too).
func TestKnownBugCertificateFromCache(t *testing.T) {
	knownBug(t)
	root, a := testKey("root"), testKey("alice")
	g := New(Config{}, NoStore{})
	if err := g.SetRoot(root.Public(), 2); err != nil {
		t.Fatal(err)
	}
	for _, tr := range []Trust{IssueTrust(root, root.Public(), 100, 10), IssueTrust(root, a.Public(), 1000, 10)} {
		if err := g.AddTrust(root.Public(), tr, 10); err != nil {
			t.Fatal(err)
		}
	}
	g.Weight(a.Public(), 50)
	c, err := g.Certificate(a.Public(), 150)
	if err == nil {
		t.Fatalf("a certificate at 150 from a root whose trust in itself expired at 100 (it verifies: %v)",
			c.Verify([]PublicKey{root.Public()}, 150, DefaultSkew))
	}
}

// A trust expiring at the largest time (a "forever" trust) in a best chain makes the cache end
// at exp+1, which wraps to 0: every Weight recomputes every weight. Fix, in compute: lower
// validUntil with `if exp < w.validUntil-1 { w.validUntil = exp + 1 }`.
func TestKnownBugNeverExpiringTrust(t *testing.T) {
	knownBug(t)
	if n := warmWeightAllocs(t, math.MaxUint64); n != 0 {
		t.Fatalf("Weight allocates %v times a call with a trust expiring at 2^64−1 in the chain: it recomputes", n)
	}
}

// TestWeightCached: asking again at a time the cache covers computes nothing (no allocation).
func TestWeightCached(t *testing.T) {
	if n := warmWeightAllocs(t, 1000); n != 0 {
		t.Fatalf("Weight allocates %v times a call on a warm cache", n)
	}
}

func warmWeightAllocs(t *testing.T, expires uint64) float64 {
	root, a := testKey("root"), testKey("alice")
	g := New(Config{}, NoStore{})
	if err := g.SetRoot(root.Public(), 2); err != nil {
		t.Fatal(err)
	}
	if err := g.AddTrust(root.Public(), IssueTrust(root, a.Public(), expires, 10), 10); err != nil {
		t.Fatal(err)
	}
	if w := g.Weight(a.Public(), 50); w != 2 {
		t.Fatalf("alice weighs %d, want 2", w)
	}
	return testing.AllocsPerRun(100, func() { g.Weight(a.Public(), 50) })
}

// Computing weights costs, for each trust in a peer Q pushed, a pass over every relation of Q
// (revokedAbove looks for revocations among all of them): n peers trusting one popular peer
// cost n² (20,000 of them: 4 s). Fix: keep revocations apart, revokers[q] = the peers that
// revoked q (kept in put), and have revokedAbove range over those only; n trusts then cost n
// log n. BenchmarkRecomputePopularPeer shows the growth.
func TestKnownBugPopularPeerQuadratic(t *testing.T) {
	knownBug(t)
	g, hub := popularGraph(20_000)
	start := time.Now()
	if w := g.Weight(hub, 50); w != 8 {
		t.Fatalf("the popular peer weighs %d, want 8", w)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("weights of 20,000 peers trusting one peer took %v, want well under a second", d)
	}
}

// popularGraph is a root (max chain 5) trusting n peers who all trust one more, hub, loaded
// without signatures (Load keeps what a store kept).
func popularGraph(n int) (*Graph, PublicKey) {
	root, hub := testKey("root").Public(), testKey("hub").Public()
	rels := make([]Relation, 0, 2*n)
	for i := range n {
		var k PublicKey
		k[0], k[1], k[2], k[3] = byte(i), byte(i>>8), byte(i>>16), 0xaa
		rels = append(rels, Relation{For: k, By: root, At: 1, ExpiresAt: 1 << 40},
			Relation{For: hub, By: k, At: 1, ExpiresAt: 1 << 40})
	}
	g := New(Config{}, NoStore{})
	g.Load(map[PublicKey]int{root: 5}, rels)
	return g, hub
}

func errorsIsOutdated(err error) bool { return errors.Is(err, ErrOutdated) }
