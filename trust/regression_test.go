package trust

import (
	"errors"
	"math"
	"testing"
)

// Bugs of graph.go that the property tests and benchmarks ran into, each test failing before
// its fix.

// Two trusts of one pair issued in the same second, expiring at different times: the graph kept
// whichever came last, so weights depended on insertion order. A pair's relations are ordered by
// (At, revocation, ExpiresAt): the later-expiring trust wins whatever the order.
func TestTrustsOfOneSecond(t *testing.T) {
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

// Certificate checked the root's trust in itself against the time the cached weights were
// computed at, not the time asked for; so after a Weight at 50, Certificate at 150 returned a
// certificate whose root trust expired at 100 (a fresh graph refuses).
func TestCertificateFromCache(t *testing.T) {
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

// A trust expiring at the largest time (a "forever" trust) in a best chain made the cache end
// at exp+1, which wrapped to 0: every Weight recomputed every weight.
func TestNeverExpiringTrust(t *testing.T) {
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

// revokedAbove reads the peers that revoked a peer from an index kept beside the relations
// (before, it scanned every relation to the peer, n² for n trusters of one popular peer; see
// BenchmarkRecomputePopularPeer). The index follows a revocation being replaced by a newer trust
// and back.
func TestRevokersFollowRelations(t *testing.T) {
	root, r, p, q := testKey("root"), testKey("r"), testKey("p"), testKey("q")
	g := New(Config{}, NoStore{})
	if err := g.SetRoot(root.Public(), 4); err != nil {
		t.Fatal(err)
	}
	// root -> r (8), r -> p (4), p -> q (2); r, weighing more than p, decides about q.
	for _, step := range []struct {
		by Signer
		tr Trust
	}{
		{root, IssueTrust(root, r.Public(), 1000, 10)},
		{r, IssueTrust(r, p.Public(), 1000, 10)},
		{p, IssueTrust(p, q.Public(), 1000, 10)},
	} {
		if err := g.AddTrust(step.by.Public(), step.tr, 10); err != nil {
			t.Fatal(err)
		}
	}
	if w := g.Weight(q.Public(), 20); w != 2 {
		t.Fatalf("q weighs %d through p, want 2", w)
	}
	if err := g.Revoke(IssueRevocation(r, q.Public(), 20), 20); err != nil {
		t.Fatal(err)
	}
	if w := g.Weight(q.Public(), 30); w != 0 {
		t.Fatalf("q weighs %d after r (8) revoked it, want 0: p's trust (4) does not count", w)
	}
	if err := g.AddTrust(r.Public(), IssueTrust(r, q.Public(), 1000, 40), 40); err != nil {
		t.Fatal(err)
	}
	if w := g.Weight(q.Public(), 50); w != 4 {
		t.Fatalf("q weighs %d after r trusted it again, want 4", w)
	}
	if err := g.Revoke(IssueRevocation(r, q.Public(), 60), 60); err != nil {
		t.Fatal(err)
	}
	if w := g.Weight(q.Public(), 70); w != 0 {
		t.Fatalf("q weighs %d after r revoked it again, want 0", w)
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
