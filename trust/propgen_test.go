package trust

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// Random graphs for the property tests (property_test.go): a seeded generator of cases, a way
// to build a case into a Graph in any order, and a brute-force reference of the weight rules
// written apart from Graph's best-first search.

const (
	// propSkew lets every step be inserted at time 0 whatever it is dated: the properties are
	// about weights at later times, not about the checks at insertion (time.txt tells those).
	propSkew = 1 << 20
	forever  = 1 << 40
)

// propTimes are the times at which a case's weights are compared: trusts are issued in
// [0, 100] and expire up to 300 seconds later, so these see them before, during and after.
var propTimes = []uint64{0, 40, 80, 120, 160, 200, 260, 330, 420}

// propKeys are the keys cases draw their peers from (signing keys are slow to derive).
var propKeys = sync.OnceValue(func() []Signer {
	ks := make([]Signer, 80)
	for i := range ks {
		ks[i] = testKey(fmt.Sprintf("prop%d", i))
	}
	return ks
})

// step is one thing a case inserts: a trust by a peer, a revocation or a certificate.
type step struct {
	by    PublicKey // the trust's issuer
	trust *Trust
	rev   *Revocation
	cert  *Certificate
}

func (s step) apply(g *Graph) error {
	switch {
	case s.trust != nil:
		return g.AddTrust(s.by, *s.trust, 0)
	case s.rev != nil:
		return g.Revoke(*s.rev, 0)
	default:
		return g.InsertCertificate(*s.cert, 0)
	}
}

// flat is s as trusts and revocations (a certificate is its trusts, each by the peer before).
func (s step) flat() []step {
	if s.cert == nil {
		return []step{s}
	}
	var out []step
	for i, t := range s.cert.Chain {
		by := t.IssuedFor
		if i > 0 {
			by = s.cert.Chain[i-1].IssuedFor
		}
		out = append(out, step{by: by, trust: &t})
	}
	return out
}

// pair is the ordered pair (by, for) a flat step relates.
func (s step) pair() [2]PublicKey {
	if s.rev != nil {
		return [2]PublicKey{s.rev.RevokedBy, s.rev.Revoked}
	}
	return [2]PublicKey{s.by, s.trust.IssuedFor}
}

// propCase is one random graph: roots, peers, and the steps that build it.
type propCase struct {
	seed  uint64
	peers []Signer // the peers the steps mention
	spare []Signer // keys no step mentions, for peers a property adds
	roots map[PublicKey]int
	steps []step
}

type genOpts struct {
	minPeers, maxPeers int
	revocations        bool
}

// genCase makes the case of seed: 1–3 roots (max chain lengths 1–6, most with their trust in
// themselves, which never expires), random trusts and revocations between the peers (some
// pairs several times, the newest winning) and a few certificates.
func genCase(seed uint64, o genOpts) *propCase {
	rng := rand.New(rand.NewPCG(seed, 0x74727573))
	pool := slices.Clone(propKeys())
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	n := o.minPeers + rng.IntN(o.maxPeers-o.minPeers+1)
	c := &propCase{seed: seed, peers: pool[:n], spare: pool[n:], roots: map[PublicKey]int{}}
	selfTrust := func(r Signer) *Trust { t := IssueTrust(r, r.Public(), forever, 0); return &t }
	for _, r := range c.peers[:1+rng.IntN(3)] {
		c.roots[r.Public()] = 1 + rng.IntN(6)
		if rng.IntN(8) > 0 {
			c.steps = append(c.steps, step{by: r.Public(), trust: selfTrust(r)})
		}
	}
	// NB: no two trusts of a pair share an issued_at: which of them a graph keeps depends on
	// the order they came in (TestKnownBugTrustsOfOneSecond).
	trustAt := map[[2]PublicKey]map[uint64]bool{}
	issue := func(by, to Signer, minLife uint64) *Trust {
		p := [2]PublicKey{by.Public(), to.Public()}
		if trustAt[p] == nil {
			trustAt[p] = map[uint64]bool{}
		}
		at := rng.Uint64N(101)
		for trustAt[p][at] {
			at = rng.Uint64N(1000)
		}
		trustAt[p][at] = true
		t := IssueTrust(by, to.Public(), at+minLife+rng.Uint64N(300), at)
		return &t
	}
	peer := func() Signer { return c.peers[rng.IntN(n)] }
	for range n * (1 + rng.IntN(3)) {
		p, q := peer(), peer()
		if p.Public() == q.Public() {
			continue
		}
		k := 1
		if rng.IntN(5) == 0 {
			k += 1 + rng.IntN(2)
		}
		for range k {
			if o.revocations && rng.IntN(4) == 0 {
				r := IssueRevocation(p, q.Public(), rng.Uint64N(101))
				c.steps = append(c.steps, step{rev: &r})
			} else {
				c.steps = append(c.steps, step{by: p.Public(), trust: issue(p, q, 0)})
			}
		}
	}
	for range rng.IntN(4) {
		root := peer()
		if rng.IntN(3) > 0 {
			root = c.peers[0]
		}
		cert := Certificate{Chain: []Trust{*selfTrust(root)}}
		at := root
		for range 1 + rng.IntN(4) {
			next := peer()
			if next.Public() == at.Public() || next.Public() == root.Public() {
				break
			}
			cert.Chain = append(cert.Chain, *issue(at, next, 100))
			at = next
		}
		if len(cert.Chain) > 1 {
			c.steps = append(c.steps, step{cert: &cert})
		}
	}
	return c
}

// build makes a graph of the case's roots and steps, and extra steps after them. With rng, the
// roots and steps come in a random order, with weights asked for between them (so that the
// cache sees changes); without, in the case's order.
func (c *propCase) build(t *testing.T, rng *rand.Rand, steps []step) *Graph {
	t.Helper()
	g := New(Config{Skew: propSkew}, NoStore{})
	roots := sortedKeys(c.roots)
	if rng != nil {
		rng.Shuffle(len(roots), func(i, j int) { roots[i], roots[j] = roots[j], roots[i] })
		steps = slices.Clone(steps)
		rng.Shuffle(len(steps), func(i, j int) { steps[i], steps[j] = steps[j], steps[i] })
	}
	for _, r := range roots {
		if err := g.SetRoot(r, c.roots[r]); err != nil {
			t.Fatalf("seed %d: root: %v", c.seed, err)
		}
	}
	for i, s := range steps {
		if err := s.apply(g); err != nil && !errors.Is(err, ErrOutdated) {
			t.Fatalf("seed %d: step %d: %v", c.seed, i, err)
		}
		if rng != nil && rng.IntN(6) == 0 {
			g.Weight(c.peers[rng.IntN(len(c.peers))].Public(), propTimes[rng.IntN(len(propTimes))])
		}
	}
	return g
}

// flatSteps is the case's steps as trusts and revocations, less those of the pairs in drop.
func (c *propCase) flatSteps(drop ...[2]PublicKey) []step {
	var out []step
	for _, s := range c.steps {
		for _, f := range s.flat() {
			if !slices.Contains(drop, f.pair()) {
				out = append(out, f)
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[PublicKey]V) []PublicKey {
	ks := make([]PublicKey, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b PublicKey) int { return slices.Compare(a[:], b[:]) })
	return ks
}

// refRel is the reference's relation of a pair.
type refRel struct {
	revocation bool
	at, exp    uint64
}

// reference is the brute-force model: for each pair the newest of its trusts and revocations
// (a revocation winning a tie), and weights as the best over every simple path from a root.
type reference struct {
	roots map[PublicKey]int
	rels  map[[2]PublicKey]refRel
	out   map[PublicKey][]PublicKey // by -> peers it has a relation with
}

func newReference(roots map[PublicKey]int, steps []step) *reference {
	m := &reference{roots: roots, rels: map[[2]PublicKey]refRel{}, out: map[PublicKey][]PublicKey{}}
	for _, s := range steps {
		p := s.pair()
		r := refRel{revocation: true}
		if s.trust != nil {
			r = refRel{at: s.trust.IssuedAt, exp: s.trust.ExpiresAt}
		} else {
			r.at = s.rev.RevokedAt
		}
		old, ok := m.rels[p]
		if !ok {
			m.out[p[0]] = append(m.out[p[0]], p[1])
		}
		if !ok || r.at > old.at || r.at == old.at && r.revocation {
			m.rels[p] = r
		}
	}
	return m
}

// weights are the reference's weights at now: the fixed point of pathWeights, found by
// iterating from no weights at all. The fixed point is unique (a trust is cut only by a
// heavier peer than its issuer, so the weights settle from the top down), and iterating
// reaches it in at most one round per weight level.
func (m *reference) weights(t *testing.T, now uint64) map[PublicKey]uint32 {
	t.Helper()
	w := map[PublicKey]uint32{}
	for range 2*MaxChainLen + 4 {
		next := m.pathWeights(now, w)
		if mapsEqual(next, w) {
			return w
		}
		w = next
	}
	t.Fatalf("the reference found no fixed point at %d", now)
	return nil
}

// pathWeights gives each peer the best 2^(M−h) over the simple paths from a root, through
// trusts kept (the newest relation of their pair), not expired at now, and not cut: a trust by
// P in Q is cut when some R with cut[R] > cut[P] revoked Q.
func (m *reference) pathWeights(now uint64, cut map[PublicKey]uint32) map[PublicKey]uint32 {
	revokers := map[PublicKey][]PublicKey{}
	for p, r := range m.rels {
		if r.revocation {
			revokers[p[1]] = append(revokers[p[1]], p[0])
		}
	}
	counts := func(p, q PublicKey) bool {
		r := m.rels[[2]PublicKey{p, q}]
		if r.revocation || r.exp < now || p == q {
			return false
		}
		for _, by := range revokers[q] {
			if cut[by] > cut[p] {
				return false
			}
		}
		return true
	}
	out := map[PublicKey]uint32{}
	var walk func(p PublicKey, w uint32, on map[PublicKey]bool)
	walk = func(p PublicKey, w uint32, on map[PublicKey]bool) {
		if w > out[p] {
			out[p] = w
		}
		if w < 2 {
			return
		}
		on[p] = true
		for _, q := range m.out[p] {
			if !on[q] && counts(p, q) {
				walk(q, w/2, on)
			}
		}
		delete(on, p)
	}
	for r, max := range m.roots {
		walk(r, 1<<max, map[PublicKey]bool{})
	}
	return out
}

func mapsEqual(a, b map[PublicKey]uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
