package trust

import (
	"errors"
	"maps"
	"math/rand/v2"
	"testing"
)

// The weights a graph keeps up to date, as relations change and time passes, are the weights
// it would compute afresh: every peer's weight and best chain's parent, after every change and
// at every later time, for random cases with and without revocations.
func TestPropertyKeptWeightsAreFresh(t *testing.T) {
	kept, changes := 0, 0
	for seed := range uint64(60) {
		c := genCase(seed, genOpts{minPeers: 10, maxPeers: 60, revocations: seed%3 == 0})
		rng := rand.New(rand.NewPCG(seed, 2))
		steps := c.flatSteps()
		rng.Shuffle(len(steps), func(i, j int) { steps[i], steps[j] = steps[j], steps[i] })
		g := New(Config{Skew: propSkew}, NoStore{})
		for _, r := range sortedKeys(c.roots) {
			if err := g.SetRoot(r, c.roots[r]); err != nil {
				t.Fatal(err)
			}
		}
		now := uint64(0)
		for i, s := range steps {
			now += rng.Uint64N(7)
			g.Weight(c.peers[0].Public(), now) // the graph has weights to keep up to date
			before := g.recomputes
			var err error
			if s.rev != nil {
				err = g.Revoke(*s.rev, now)
			} else {
				err = g.AddTrust(s.by, *s.trust, now)
			}
			if err != nil && !errors.Is(err, ErrOutdated) && !errors.Is(err, ErrExpired) {
				t.Fatalf("seed %d step %d: %v", seed, i, err)
			}
			changes++
			if g.Weight(c.peers[0].Public(), now); g.recomputes == before {
				kept++
			}
			checkFresh(t, g, c, now, "seed %d after step %d", seed, i)
			if rng.IntN(8) == 0 { // time passes with no change
				now += rng.Uint64N(60)
				g.Weight(c.peers[0].Public(), now)
				checkFresh(t, g, c, now, "seed %d at %d after step %d", seed, now, i)
			}
		}
	}
	// Most changes are kept up to date (a revocation by a peer of weight computes afresh):
	// were none, this test would only compare compute with itself.
	if kept < changes/2 {
		t.Fatalf("the weights were kept up to date after %d of %d changes, want most", kept, changes)
	}
	t.Logf("kept up to date after %d of %d changes", kept, changes)
}

// checkFresh fails t unless g's kept weights at now are those computed afresh.
func checkFresh(t *testing.T, g *Graph, c *propCase, now uint64, format string, args ...any) {
	t.Helper()
	kept := g.weights(now)
	fresh := g.compute(g.roots, now, false)
	if maps.Equal(kept.weight, fresh.weight) && maps.Equal(kept.parent, fresh.parent) {
		return
	}
	for _, k := range sortedKeys(unionKeys(kept.weight, fresh.weight)) {
		kp, kok := kept.parent[k]
		fp, fok := fresh.parent[k]
		if kept.weight[k] != fresh.weight[k] || kp != fp || kok != fok {
			args = append(args, c.label(k), kept.weight[k], c.label(kp), kok, fresh.weight[k], c.label(fp), fok)
			t.Fatalf(format+": peer %s kept weight %d parent %s (%v), fresh weight %d parent %s (%v)", args...)
		}
	}
}

func unionKeys(a, b map[PublicKey]uint32) map[PublicKey]bool {
	out := map[PublicKey]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// A peer that revoked q gains weight, so that its revocation now outweighs the trust q's best
// chain ends with; then it loses it when its own chain expires, and the trust counts again. The
// kept weights follow both (computing them afresh, as a revoker's weight decides which trusts
// count).
func TestKeptWeightsFollowARevoker(t *testing.T) {
	root, a, p, q, r := testKey("root"), testKey("a"), testKey("p"), testKey("q"), testKey("r")
	g := New(Config{}, NoStore{})
	if err := g.SetRoot(root.Public(), 3); err != nil {
		t.Fatal(err)
	}
	// root (8) -> a (4) -> p (2) -> q (1); r, weighing nothing yet, revoked q.
	for _, s := range []struct {
		by Signer
		tr Trust
	}{
		{root, IssueTrust(root, a.Public(), 1000, 10)},
		{a, IssueTrust(a, p.Public(), 1000, 10)},
		{p, IssueTrust(p, q.Public(), 1000, 10)},
	} {
		if err := g.AddTrust(s.by.Public(), s.tr, 10); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Revoke(IssueRevocation(r, q.Public(), 10), 10); err != nil {
		t.Fatal(err)
	}
	if w := g.Weight(q.Public(), 20); w != 1 {
		t.Fatalf("q weighs %d, want 1: r weighs nothing, its revocation does not count", w)
	}
	// root trusts r until 100: r weighs 4, more than p (2), and q's trust from p stops counting.
	if err := g.AddTrust(root.Public(), IssueTrust(root, r.Public(), 100, 30), 30); err != nil {
		t.Fatal(err)
	}
	if w := g.Weight(q.Public(), 40); w != 0 {
		t.Fatalf("q weighs %d once r (4) outweighs p (2), want 0", w)
	}
	checkFresh(t, g, &propCase{}, 40, "after root trusted r")
	if w := g.Weight(q.Public(), 101); w != 1 {
		t.Fatalf("q weighs %d after root's trust in r expired, want 1", w)
	}
	checkFresh(t, g, &propCase{}, 101, "after root's trust in r expired")
}

// Weights kept up to date at a change hold from the change's time on: asked for at an earlier
// time, they are computed afresh (a trust that expired between the two counts then).
func TestKeptWeightsHoldFromTheChange(t *testing.T) {
	root, q, z := testKey("root"), testKey("q"), testKey("z")
	g := New(Config{}, NoStore{})
	if err := g.SetRoot(root.Public(), 3); err != nil {
		t.Fatal(err)
	}
	if err := g.AddTrust(q.Public(), IssueTrust(q, z.Public(), 80, 10), 10); err != nil {
		t.Fatal(err)
	}
	if w := g.Weight(z.Public(), 10); w != 0 {
		t.Fatalf("z weighs %d, want 0: q weighs nothing", w)
	}
	if err := g.AddTrust(root.Public(), IssueTrust(root, q.Public(), 1000, 100), 100); err != nil {
		t.Fatal(err)
	}
	if w := g.Weight(z.Public(), 100); w != 0 {
		t.Fatalf("z weighs %d at 100, want 0: q's trust in z expired at 80", w)
	}
	if w := g.Weight(z.Public(), 60); w != 2 {
		t.Fatalf("z weighs %d at 60, want 2: q's trust in z holds until 80", w)
	}
}
