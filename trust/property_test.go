package trust

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Property tests of issue 16 over random graphs (propgen_test.go): the result does not depend
// on insertion order; a peer weighs 2^(M−h) for its best certificate, and a longer chain never
// weighs more; a revocation removes every path through the revoked edge; an expired trust
// counts for nothing; a chain past a root's length weighs nothing; and Graph agrees with a
// brute-force reference. Every case is seeded: a failure names its seed.

// label names the case's peers by index in failures and descriptions.
func (c *propCase) label(k PublicKey) string {
	for i, p := range c.peers {
		if p.Public() == k {
			return fmt.Sprint(i)
		}
	}
	for i, p := range c.spare {
		if p.Public() == k {
			return fmt.Sprint("x", i)
		}
	}
	return k.String()
}

// chainText is a certificate as its peers and its trusts' times.
func (c *propCase) chainText(cert Certificate, err error) string {
	if err != nil {
		return "none"
	}
	var parts []string
	for _, t := range cert.Chain {
		parts = append(parts, fmt.Sprintf("%s@%d-%d", c.label(t.IssuedFor), t.IssuedAt, t.ExpiresAt))
	}
	return strings.Join(parts, ">")
}

// describe is every peer's weight, best certificate and path from one fixed peer at at.
func (c *propCase) describe(g *Graph, at uint64) []string {
	var out []string
	from := c.peers[len(c.peers)/2].Public()
	for i, p := range c.peers {
		cert, err := g.Certificate(p.Public(), at)
		path, perr := g.Path(from, p.Public(), at)
		out = append(out, fmt.Sprintf("t=%d peer %d: weight %d, certificate %s, path %s", at, i,
			g.Weight(p.Public(), at), c.chainText(cert, err), c.chainText(path, perr)))
	}
	return out
}

// sameDescription fails t at the first line where two graphs' descriptions differ.
func sameDescription(t *testing.T, c *propCase, what string, a, b []string) {
	t.Helper()
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			t.Fatalf("seed %d: %s:\n  %s\n  %s", c.seed, what, a[i], b[i])
		}
	}
}

// (a) The same trusts, revocations and certificates, inserted in two random orders (roots set
// in random orders too, weights asked for in between), give the same weights, certificates and
// paths at every time.
func TestPropertyOrderIndependence(t *testing.T) {
	for seed := range uint64(50) {
		c := genCase(seed, genOpts{minPeers: 10, maxPeers: 60, revocations: true})
		rng := rand.New(rand.NewPCG(seed, 1))
		g1, g2 := c.build(t, rng, c.steps), c.build(t, rng, c.steps)
		for _, at := range propTimes {
			sameDescription(t, c, "two insertion orders differ", c.describe(g1, at), c.describe(g2, at))
		}
	}
}

// (b) A peer's weight is 0 or 2^(M−h) for the h hops of the certificate Graph returns, which
// verifies against the roots, and each peer along it weighs twice the next; no peer weighs more
// than the heaviest root, nor more than half its heaviest truster unless it is a root itself.
func TestPropertyWeightIsBestChain(t *testing.T) {
	for seed := range uint64(50) {
		c := genCase(1000+seed, genOpts{minPeers: 10, maxPeers: 60, revocations: true})
		g := c.build(t, nil, c.steps)
		roots := sortedKeys(c.roots)
		var heaviest uint32
		for _, m := range c.roots {
			heaviest = max(heaviest, 1<<m)
		}
		for _, at := range propTimes {
			w := map[PublicKey]uint32{}
			for _, p := range c.peers {
				w[p.Public()] = g.Weight(p.Public(), at)
			}
			for _, p := range c.peers {
				k := p.Public()
				if w[k] > heaviest || w[k]&(w[k]-1) != 0 {
					t.Fatalf("seed %d t=%d: peer %s weighs %d, not a power of two up to %d", c.seed, at, c.label(k), w[k], heaviest)
				}
				bound := uint32(0)
				if m, ok := c.roots[k]; ok {
					bound = 1 << m
				}
				for _, q := range c.peers {
					if r, ok := g.Relation(k, q.Public()); ok && !r.Revocation && r.ExpiresAt >= at && q.Public() != k {
						bound = max(bound, w[q.Public()]/2)
					}
				}
				if w[k] > bound {
					t.Fatalf("seed %d t=%d: peer %s weighs %d, more than its root weight or half its heaviest truster's (%d)", c.seed, at, c.label(k), w[k], bound)
				}
				c.checkCertificate(t, g, k, w, at, roots)
			}
		}
	}
}

// checkCertificate checks k's certificate at at against the weights w.
func (c *propCase) checkCertificate(t *testing.T, g *Graph, k PublicKey, w map[PublicKey]uint32, at uint64, roots []PublicKey) {
	t.Helper()
	cert, err := g.Certificate(k, at)
	if w[k] == 0 {
		if err == nil {
			t.Fatalf("seed %d t=%d: peer %s weighs 0 but has a certificate %s", c.seed, at, c.label(k), c.chainText(cert, nil))
		}
		return
	}
	if err != nil {
		// Only a root without a trust in itself gives weight without certificates.
		for _, r := range roots {
			if self, ok := g.Relation(r, r); !ok || self.Revocation || self.ExpiresAt < at {
				return
			}
		}
		t.Fatalf("seed %d t=%d: peer %s weighs %d but: %v", c.seed, at, c.label(k), w[k], err)
	}
	if err := cert.Verify(roots, at, propSkew); err != nil {
		t.Fatalf("seed %d t=%d: peer %s's certificate %s: %v", c.seed, at, c.label(k), c.chainText(cert, nil), err)
	}
	root := cert.Chain[0].IssuedFor
	hops := len(cert.Chain) - 1
	if hops == 1 && cert.Chain[1].IssuedFor == root {
		hops = 0 // a root's certificate: its trust in itself, twice
	}
	m := c.roots[root]
	if hops > m || w[k] != 1<<(m-hops) {
		t.Fatalf("seed %d t=%d: peer %s weighs %d, but its certificate %s has %d hops from a root of max %d",
			c.seed, at, c.label(k), w[k], c.chainText(cert, nil), hops, m)
	}
	for i := 1; i <= hops; i++ {
		by, tr := cert.Chain[i-1].IssuedFor, cert.Chain[i]
		if w[tr.IssuedFor] != 1<<(m-i) {
			t.Fatalf("seed %d t=%d: certificate %s: peer %d of it weighs %d, want %d", c.seed, at, c.chainText(cert, nil), i, w[tr.IssuedFor], 1<<(m-i))
		}
		if r, _ := g.Relation(tr.IssuedFor, by); r.Revocation || r.At != tr.IssuedAt || r.ExpiresAt != tr.ExpiresAt {
			t.Fatalf("seed %d t=%d: certificate %s: trust %d is not the relation kept", c.seed, at, c.chainText(cert, nil), i)
		}
	}
}

// (b, e) Extending a chain by a hop to a new peer gives it half its issuer's weight, and changes
// no other weight; a chain from the heaviest root longer than its max chain length gives the
// peers past it no weight and no certificate.
func TestPropertyLongerChainWeighsLess(t *testing.T) {
	for seed := range uint64(60) {
		c := genCase(2000+seed, genOpts{minPeers: 10, maxPeers: 60, revocations: true})
		rng := rand.New(rand.NewPCG(seed, 2))
		g := c.build(t, nil, c.steps)
		from := c.peers[rng.IntN(len(c.peers))]
		var top PublicKey
		for _, r := range sortedKeys(c.roots) {
			if c.roots[r] >= c.roots[top] {
				top = r
			}
		}
		fresh := c.spare
		ext := chainOf(from, fresh[:3])
		self := IssueTrust(keyOf(c, top), top, forever, 0)
		long := append(chainOf(keyOf(c, top), fresh[3:3+c.roots[top]+1]), step{by: top, trust: &self})
		g2 := c.build(t, nil, append(slices.Clone(c.steps), append(ext, long...)...))
		for _, at := range propTimes {
			for _, p := range c.peers {
				if a, b := g.Weight(p.Public(), at), g2.Weight(p.Public(), at); a != b {
					t.Fatalf("seed %d t=%d: peer %s weighs %d, %d once new peers hang from it", c.seed, at, c.label(p.Public()), a, b)
				}
			}
			w := g.Weight(from.Public(), at)
			for i, x := range fresh[:3] {
				if got := g2.Weight(x.Public(), at); got != w>>(i+1) {
					t.Fatalf("seed %d t=%d: %d hops from peer %s (weight %d): weight %d, want %d", c.seed, at, i+1, c.label(from.Public()), w, got, w>>(i+1))
				}
			}
			m := c.roots[top]
			for i, x := range fresh[3 : 3+m+1] {
				want := uint32(1) << m >> (i + 1)
				_, err := g2.Certificate(x.Public(), at)
				if got := g2.Weight(x.Public(), at); got != want || (want == 0) != (err != nil) {
					t.Fatalf("seed %d t=%d: %d hops from the heaviest root (max %d): weight %d (certificate error %v), want %d", c.seed, at, i+1, m, got, err, want)
				}
			}
		}
	}
}

// chainOf is from's trust in the first of next, its trust in the second, and so on, never
// expiring.
func chainOf(from Signer, next []Signer) []step {
	var out []step
	for _, n := range next {
		t := IssueTrust(from, n.Public(), forever, 0)
		out = append(out, step{by: from.Public(), trust: &t})
		from = n
	}
	return out
}

func keyOf(c *propCase, k PublicKey) Signer {
	i := slices.IndexFunc(c.peers, func(s Signer) bool { return s.Public() == k })
	return c.peers[i]
}

// keptTrust picks a pair whose relation kept in g is a trust, as the step that made it.
func (c *propCase) keptTrust(g *Graph, rng *rand.Rand) (step, bool) {
	var kept []step
	for _, s := range c.flatSteps() {
		if s.trust == nil || s.by == s.trust.IssuedFor {
			continue
		}
		if r, _ := g.Relation(s.trust.IssuedFor, s.by); !r.Revocation && r.At == s.trust.IssuedAt && r.ExpiresAt == s.trust.ExpiresAt {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		return step{}, false
	}
	return kept[rng.IntN(len(kept))], true
}

// (b) In a graph without revocations, making a trust P→Q into a chain P→X→Q through a new
// peer X never makes any peer weigh more.
func TestPropertySubdividedEdge(t *testing.T) {
	for seed := range uint64(60) {
		c := genCase(3000+seed, genOpts{minPeers: 10, maxPeers: 60})
		rng := rand.New(rand.NewPCG(seed, 3))
		g := c.build(t, nil, c.steps)
		s, ok := c.keptTrust(g, rng)
		if !ok {
			continue
		}
		x := c.spare[0]
		p := keyOf(c, s.by)
		t1 := IssueTrust(p, x.Public(), s.trust.ExpiresAt, s.trust.IssuedAt)
		t2 := IssueTrust(x, s.trust.IssuedFor, s.trust.ExpiresAt, s.trust.IssuedAt)
		g2 := c.build(t, nil, append(c.flatSteps(s.pair()), step{by: p.Public(), trust: &t1}, step{by: x.Public(), trust: &t2}))
		for _, at := range propTimes {
			for _, q := range c.peers {
				if a, b := g.Weight(q.Public(), at), g2.Weight(q.Public(), at); b > a {
					t.Fatalf("seed %d t=%d: peer %s weighs %d, %d once %s→%s goes through a new peer",
						c.seed, at, c.label(q.Public()), a, b, c.label(s.by), c.label(s.trust.IssuedFor))
				}
			}
		}
	}
}

// (c) Once the issuer of a trust P→Q revokes it (later than it issued it), no certificate or
// path of any peer goes from P to Q, and Q weighs at most what it weighs in a graph that never
// had the trust. A revocation older than the trust changes nothing.
func TestPropertyRevocationRemovesPaths(t *testing.T) {
	for seed := range uint64(40) {
		c := genCase(4000+seed, genOpts{minPeers: 10, maxPeers: 60, revocations: true})
		rng := rand.New(rand.NewPCG(seed, 4))
		g := c.build(t, nil, c.steps)
		s, ok := c.keptTrust(g, rng)
		if !ok {
			continue
		}
		p, q := keyOf(c, s.by), s.trust.IssuedFor
		rev := IssueRevocation(p, q, s.trust.IssuedAt+1+rng.Uint64N(50))
		revoked := c.build(t, nil, append(slices.Clone(c.steps), step{rev: &rev}))
		without := c.build(t, nil, c.flatSteps(s.pair()))
		for _, at := range propTimes {
			for _, line := range revoked.describeAll(c, at) {
				if usesEdge(line, c.label(p.Public()), c.label(q)) {
					t.Fatalf("seed %d: %s→%s revoked, yet %s", c.seed, c.label(p.Public()), c.label(q), line)
				}
			}
			if a, b := revoked.Weight(q, at), without.Weight(q, at); a > b {
				t.Fatalf("seed %d t=%d: %s→%s revoked, %s weighs %d, more than without the trust (%d)", c.seed, at, c.label(p.Public()), c.label(q), c.label(q), a, b)
			}
		}
		if s.trust.IssuedAt > 0 && seed%2 == 0 {
			old := IssueRevocation(p, q, s.trust.IssuedAt-1)
			g2 := c.build(t, nil, append(slices.Clone(c.steps), step{rev: &old}))
			for _, at := range propTimes {
				sameDescription(t, c, "a revocation older than the trust changed the graph", c.describe(g, at), c.describe(g2, at))
			}
		}
	}
}

// describeAll is describe, plus every peer's path from each root.
func (g *Graph) describeAll(c *propCase, at uint64) []string {
	out := c.describe(g, at)
	for _, r := range sortedKeys(c.roots) {
		for _, p := range c.peers {
			path, err := g.Path(r, p.Public(), at)
			out = append(out, "path "+c.chainText(path, err))
		}
	}
	return out
}

// usesEdge says whether the chain in line goes from peer a straight to peer b.
func usesEdge(line, a, b string) bool {
	for _, part := range strings.Fields(line) {
		part = strings.TrimSuffix(part, ",")
		hops := strings.Split(part, ">")
		for i := 1; i < len(hops); i++ {
			if strings.HasPrefix(hops[i-1], a+"@") && strings.HasPrefix(hops[i], b+"@") {
				return true
			}
		}
	}
	return false
}

// (d) After a trust expires, the graph answers as one that never had it.
func TestPropertyExpiredTrustCountsForNothing(t *testing.T) {
	for seed := range uint64(60) {
		c := genCase(5000+seed, genOpts{minPeers: 10, maxPeers: 60, revocations: true})
		rng := rand.New(rand.NewPCG(seed, 5))
		g := c.build(t, nil, c.steps)
		s, ok := c.keptTrust(g, rng)
		if !ok {
			continue
		}
		without := c.build(t, nil, c.flatSteps(s.pair()))
		for _, at := range append([]uint64{s.trust.ExpiresAt + 1}, propTimes...) {
			if at > s.trust.ExpiresAt {
				sameDescription(t, c, fmt.Sprintf("%s→%s expired at %d, yet it counts", c.label(s.by), c.label(s.trust.IssuedFor), s.trust.ExpiresAt),
					g.describeAll(c, at), without.describeAll(c, at))
			}
		}
	}
}

// (f) On small graphs Graph's weights are those of a brute-force reference: the best over all
// simple paths from the roots, with the revocation rule iterated to its fixed point. The
// relation Graph keeps of each pair is the reference's newest.
func TestPropertyReference(t *testing.T) {
	for seed := range uint64(400) {
		c := genCase(6000+seed, genOpts{minPeers: 3, maxPeers: 10, revocations: true})
		g := c.build(t, nil, c.steps)
		ref := newReference(c.roots, c.flatSteps())
		for p, r := range ref.rels {
			kept, ok := g.Relation(p[1], p[0])
			if !ok || kept.Revocation != r.revocation || kept.At != r.at || !r.revocation && kept.ExpiresAt != r.exp {
				t.Fatalf("seed %d: %s's relation to %s: kept %+v, the newest is %+v", c.seed, c.label(p[0]), c.label(p[1]), kept, r)
			}
		}
		for _, at := range propTimes {
			want := ref.weights(t, at)
			for _, p := range c.peers {
				if got := g.Weight(p.Public(), at); got != want[p.Public()] {
					t.Fatalf("seed %d t=%d: peer %s weighs %d, the reference says %d", c.seed, at, c.label(p.Public()), got, want[p.Public()])
				}
			}
		}
	}
}
