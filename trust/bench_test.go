package trust

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// Benchmarks of issue 16: Weight with 100,000 certificates stored (goal: under 1 ms at p50,
// under 5 ms at p99), on a warm cache and right after a change, and the rate of
// InsertCertificate into a graph that holds them. Run with
//
//	go test -run XXX -bench . ./trust/ -benchtime 200000x   (or 20x for the slow ones)
//
// p50-ns and p99-ns are percentiles of Weight calls timed one by one.

const (
	benchLeaves = 100_000
	benchNow    = 1_000_000 // the benchmarks' clock; every trust was issued before it
	benchMax    = 5         // the roots' max chain length
)

// benchFixture is a graph's worth of signed certificates: root A (max 5) → 40 organisations
// → 2,000 groups → 100,000 peers, one certificate per peer (A's trust in itself, then three
// hops); root B (max 5) trusting 1,000 of the peers directly; 5,000 cross trusts from groups
// to peers of other groups; 500 revocations of peers by organisations (which cut the trusts
// of the lighter groups) and 100 by their own group.
type benchFixture struct {
	roots   map[PublicKey]int
	rels    []Relation    // every relation the certificates and the rest make, the newest per pair
	certs   []Certificate // one per peer
	peers   []PublicKey   // the certificates' peers
	rootA   Signer
	groups  []Signer
	setupIn time.Duration
}

var benchData = sync.OnceValue(func() *benchFixture {
	start := time.Now()
	rng := rand.New(rand.NewPCG(16, 100_000))
	f := &benchFixture{rootA: benchKey("root A"), roots: map[PublicKey]int{}}
	rootB := benchKey("root B")
	f.roots[f.rootA.Public()], f.roots[rootB.Public()] = benchMax, benchMax
	orgs := make([]Signer, 40)
	for i := range orgs {
		orgs[i] = benchKey(fmt.Sprint("org ", i))
	}
	f.groups = make([]Signer, 2000)
	for i := range f.groups {
		f.groups[i] = benchKey(fmt.Sprint("group ", i))
	}
	f.peers = make([]PublicKey, benchLeaves)
	for i := range f.peers {
		f.peers[i] = benchPeer(i) // peers sign nothing: their public keys are enough
	}
	self := IssueTrust(f.rootA, f.rootA.Public(), benchNow+1e8, 1)
	selfB := IssueTrust(rootB, rootB.Public(), benchNow+1e8, 1)
	orgTrust := make([]Trust, len(orgs))
	for i, o := range orgs {
		orgTrust[i] = IssueTrust(f.rootA, o.Public(), benchNow+1e8, 1)
	}
	groupTrust := make([]Trust, len(f.groups))
	for i, g := range f.groups {
		groupTrust[i] = IssueTrust(orgs[i%len(orgs)], g.Public(), benchNow+1e8, 1)
	}
	// The peers' trusts are most of the signing: two goroutines share it.
	f.certs = make([]Certificate, benchLeaves)
	var wg sync.WaitGroup
	for part := range 2 {
		wg.Go(func() {
			for i := part; i < benchLeaves; i += 2 {
				gi := i % len(f.groups)
				leaf := IssueTrust(f.groups[gi], f.peers[i], benchNow+1e8, 1)
				f.certs[i] = Certificate{Chain: []Trust{self, orgTrust[gi%len(orgs)], groupTrust[gi], leaf}}
			}
		})
	}
	wg.Wait()
	newest := map[[2]PublicKey]Relation{}
	keep := func(r Relation) {
		p := [2]PublicKey{r.By, r.For}
		if old, ok := newest[p]; !ok || r.At > old.At || r.At == old.At && r.Revocation {
			newest[p] = r
		}
	}
	trust := func(by PublicKey, t Trust) {
		keep(Relation{For: t.IssuedFor, By: by, At: t.IssuedAt, ExpiresAt: t.ExpiresAt, Signature: t.Signature})
	}
	for _, c := range f.certs {
		for i, t := range c.Chain {
			by := t.IssuedFor
			if i > 0 {
				by = c.Chain[i-1].IssuedFor
			}
			trust(by, t)
		}
	}
	trust(rootB.Public(), selfB)
	for range 1000 {
		trust(rootB.Public(), IssueTrust(rootB, f.peers[rng.IntN(benchLeaves)], benchNow+1e8, 2))
	}
	for range 5000 {
		g := f.groups[rng.IntN(len(f.groups))]
		trust(g.Public(), IssueTrust(g, f.peers[rng.IntN(benchLeaves)], benchNow+1e8, 2))
	}
	for range 500 {
		o, p := orgs[rng.IntN(len(orgs))], f.peers[rng.IntN(benchLeaves)]
		r := IssueRevocation(o, p, 3)
		keep(Relation{For: p, By: o.Public(), Revocation: true, At: 3, Signature: r.Signature})
	}
	for range 100 {
		i := rng.IntN(benchLeaves)
		g := f.groups[i%len(f.groups)]
		r := IssueRevocation(g, f.peers[i], 3)
		keep(Relation{For: f.peers[i], By: g.Public(), Revocation: true, At: 3, Signature: r.Signature})
	}
	for _, r := range newest {
		f.rels = append(f.rels, r)
	}
	slices.SortFunc(f.rels, func(a, b Relation) int {
		if c := slices.Compare(a.For[:], b.For[:]); c != 0 {
			return c
		}
		return slices.Compare(a.By[:], b.By[:])
	})
	f.setupIn = time.Since(start)
	return f
})

func benchKey(name string) Signer { return testKey("bench " + name) }

func benchPeer(i int) PublicKey {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(i))
	return PublicKey(sha256.Sum256(append([]byte("bench peer "), b[:]...)))
}

// graph is a new graph holding the fixture: loaded as a PebbleStore would give it back (the
// signatures were checked when they came in; InsertCertificate of all 100,000 would check
// 800,000 signatures, minutes of setup, and BenchmarkInsert measures that path).
func (f *benchFixture) graph(b *testing.B) *Graph {
	b.Helper()
	if err := checkFixture(); err != nil {
		b.Fatalf("the fixture: %v", err)
	}
	g := New(Config{}, NoStore{})
	g.Load(f.roots, f.rels)
	start := time.Now()
	g.Weight(f.peers[0], benchNow) // computes every weight: the benchmarks start from a node that has
	b.Logf("fixture: %d certificates, %d relations, built in %v; weights computed in %v", len(f.certs), g.Len(),
		f.setupIn.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	return g
}

// checkFixture checks on a sample that the fixture's certificates insert and weigh in a graph
// as the loaded fixture says (so that the benchmarks measure the graph a node would hold).
var checkFixture = sync.OnceValue(func() error {
	f := benchData()
	loaded := New(Config{}, NoStore{})
	loaded.Load(f.roots, f.rels)
	inserted := New(Config{}, NoStore{})
	for k, m := range f.roots {
		if err := inserted.SetRoot(k, m); err != nil {
			return err
		}
	}
	var zero, counted int
	for i := 0; i < benchLeaves; i += 997 {
		if err := inserted.InsertCertificate(f.certs[i], benchNow); err != nil {
			return fmt.Errorf("certificate %d: %w", i, err)
		}
		w := loaded.Weight(f.peers[i], benchNow)
		if w == 0 {
			zero++ // revoked by its organisation or group, and no other way in
			continue
		}
		counted++
		if w < 4 {
			return fmt.Errorf("peer %d weighs %d in the fixture, less than its certificate's 2^(5−3)", i, w)
		}
		if got := inserted.Weight(f.peers[i], benchNow); got != 4 {
			return fmt.Errorf("peer %d: its certificate alone gives %d, want 4", i, got)
		}
	}
	if counted == 0 || zero > counted/10 {
		return fmt.Errorf("%d sampled peers weigh something, %d nothing", counted, zero)
	}
	return nil
})

// percentiles reports the p50 and p99 of ds (which it sorts) on b.
func percentiles(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(ds[len(ds)*99/100].Nanoseconds()), "p99-ns")
}

// maxSamples bounds the durations kept (the first ones of a run).
const maxSamples = 1 << 20

// BenchmarkWeight asks for the weights of random peers of the 100,000: warm, on the cache the
// first call filled; after-change and after-stranger-change, each right after one new trust
// (which the graph's kept weights take in as it comes: AddTrust's cost, not timed here, is in
// BenchmarkInsert); after-revocation, right after a group (weight 8) revokes a peer, which
// computes every weight afresh (a revocation by a peer of weight does).
func BenchmarkWeight(b *testing.B) {
	f := benchData()
	b.Run("warm", func(b *testing.B) {
		g := f.graph(b)
		weightsAfter(b, f, g, rand.New(rand.NewPCG(1, 2)), func(int) error { return nil })
	})
	// A trust by a group (weight 8) in a new peer, or by a stranger (no weight) in another.
	for _, stranger := range []bool{false, true} {
		name := map[bool]string{false: "after-change", true: "after-stranger-change"}[stranger]
		b.Run(name, func(b *testing.B) {
			g := f.graph(b)
			rng := rand.New(rand.NewPCG(3, 4))
			changes := make([]Trust, b.N)
			issuers := make([]Signer, b.N)
			for i := range changes {
				if stranger {
					issuers[i] = benchKey(fmt.Sprint("stranger ", i))
				} else {
					issuers[i] = f.groups[rng.IntN(len(f.groups))]
				}
				changes[i] = IssueTrust(issuers[i], benchPeer(benchLeaves+i), benchNow+1e8, benchNow)
			}
			weightsAfter(b, f, g, rng, func(i int) error { return g.AddTrust(issuers[i].Public(), changes[i], benchNow) })
		})
	}
}

// BenchmarkWeightAfterRevocation times Weight right after a group revokes a peer.
func BenchmarkWeightAfterRevocation(b *testing.B) {
	f := benchData()
	g := f.graph(b)
	rng := rand.New(rand.NewPCG(5, 6))
	revs := make([]Revocation, b.N)
	for i := range revs {
		j := rng.IntN(benchLeaves)
		revs[i] = IssueRevocation(f.groups[j%len(f.groups)], f.peers[j], benchNow-uint64(i))
	}
	weightsAfter(b, f, g, rng, func(i int) error {
		if err := g.Revoke(revs[i], benchNow); !errors.Is(err, ErrOutdated) {
			return err
		}
		return nil
	})
}

// weightsAfter makes change i (none for warm), then times the weight of a random peer, b.N times, and reports
// the percentiles of the weights' times (the changes' are in ns/op).
func weightsAfter(b *testing.B, f *benchFixture, g *Graph, rng *rand.Rand, change func(i int) error) {
	ds := make([]time.Duration, 0, min(b.N, maxSamples))
	b.ResetTimer()
	for i := range b.N {
		if err := change(i); err != nil {
			b.Fatal(err)
		}
		p := f.peers[rng.IntN(benchLeaves)]
		start := time.Now()
		g.Weight(p, benchNow)
		if d := time.Since(start); len(ds) < maxSamples {
			ds = append(ds, d)
		}
	}
	b.StopTimer()
	percentiles(b, ds)
}

// BenchmarkInsert inserts certificates of new peers into a graph that holds the 100,000:
// deep, root A → organisation → group → the peer (as the fixture's), and shallow, root A →
// the peer. It reports certificates a second.
func BenchmarkInsert(b *testing.B) {
	f := benchData()
	self := IssueTrust(f.rootA, f.rootA.Public(), benchNow+1e8, 1)
	for _, deep := range []bool{true, false} {
		name := map[bool]string{true: "deep", false: "shallow"}[deep]
		b.Run(name, func(b *testing.B) {
			g := f.graph(b)
			certs := make([]Certificate, b.N)
			for i := range certs {
				p := benchPeer(2*benchLeaves + i)
				if deep {
					c := f.certs[i%benchLeaves]
					group := f.groups[i%benchLeaves%len(f.groups)]
					certs[i] = Certificate{Chain: append(slices.Clone(c.Chain[:3]), IssueTrust(group, p, benchNow+1e8, benchNow))}
				} else {
					certs[i] = Certificate{Chain: []Trust{self, IssueTrust(f.rootA, p, benchNow+1e8, benchNow)}}
				}
			}
			b.ResetTimer()
			for _, c := range certs {
				if err := g.InsertCertificate(c, benchNow); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
		})
	}
}

// BenchmarkRecomputePopularPeer computes the weights of n peers who all trust one more: the
// cost grew as n² before revocations were indexed (TestRevokersFollowRelations).
func BenchmarkRecomputePopularPeer(b *testing.B) {
	for _, n := range []int{1000, 2000, 4000, 8000} {
		b.Run(fmt.Sprint("trusters=", n), func(b *testing.B) {
			g, hub := popularGraph(n)
			root := testKey("root").Public()
			for range b.N {
				if err := g.SetRoot(root, 5); err != nil { // ends the cache
					b.Fatal(err)
				}
				g.Weight(hub, 50)
			}
		})
	}
}
