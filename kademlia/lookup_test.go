package kademlia

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// lookupNet is n peers, each with a routing table offered every other peer in a seeded order.
func lookupNet(n int, seed uint64) ([]string, map[string]*RoutingTable) {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprint("peer ", seed, " ", i)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	tables := map[string]*RoutingTable{}
	for _, self := range names {
		t := NewRoutingTable(self, 20)
		order := slices.Clone(names)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, p := range order {
			t.Add(p)
		}
		tables[self] = t
	}
	return names, tables
}

// Lookups among 1,000 peers, each knowing 20 peers a bucket, find the true 20 closest; the
// rounds they take are reported (about 3: buckets of 20 shorten Kademlia's log2 N) and bounded
// by log2 N.
func TestLookupFindsTheClosest(t *testing.T) {
	names, tables := lookupNet(1000, 7)
	all := NewRoutingTable("nobody", 1<<20)
	for _, n := range names {
		all.Add(n)
	}
	total, worst := 0, 0
	rng := rand.New(rand.NewPCG(9, 9))
	const lookups = 200
	for i := range lookups {
		key := []byte(fmt.Sprint("key ", i))
		from := names[rng.IntN(len(names))]
		got, hops := Lookup(key, tables[from].Closest(key, 20), 20, 3, func(p string) []string { return tables[p].Closest(key, 20) })
		want := all.Closest(key, 20)
		if !slices.Equal(got, want) {
			t.Fatalf("lookup %d from %s: got %d peers, not the 20 closest", i, from, len(got))
		}
		total += hops
		worst = max(worst, hops)
	}
	mean := float64(total) / lookups
	t.Logf("1,000 peers, k=20, alpha=3: %.2f rounds a lookup on average, %d at worst (log2 N = %.1f)", mean, worst, math.Log2(1000))
	if float64(worst) > math.Log2(1000) {
		t.Fatalf("a lookup took %d rounds, more than log2 N", worst)
	}
}

// A peer that does not answer is left out, and the lookup still ends with the closest that do.
func TestLookupWithoutAnswers(t *testing.T) {
	names, tables := lookupNet(200, 3)
	key := []byte("k")
	silent := tables[names[0]].Closest(key, 1)[0]
	got, _ := Lookup(key, tables[names[0]].Closest(key, 20), 20, 3, func(p string) []string {
		if p == silent {
			return nil
		}
		return tables[p].Closest(key, 20)
	})
	if slices.Contains(got, silent) || len(got) != 20 {
		t.Fatalf("got %d peers, the silent one among them: %v", len(got), slices.Contains(got, silent))
	}
}
