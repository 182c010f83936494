package kademlia

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/multiformats/go-multiaddr"

	"github.com/aquanet/aquanet/trust"
)

// BenchmarkTableMemory stores 10,000 signed records (owned challenges, one-hop certificates,
// one address each: 480 bytes encoded) under 1,000 keys and reports the heap they take.
func BenchmarkTableMemory(b *testing.B) {
	owner := signer("owner")
	providers := make([]trust.Signer, 100)
	for i := range providers {
		providers[i] = signer(fmt.Sprint("provider ", i))
	}
	var entries []struct {
		key Key
		e   Entry
	}
	for k := range 1000 {
		ch := OwnedChallenge(owner.Public(), 2, []byte(fmt.Sprint("key ", k)))
		for p := range 10 {
			prov := providers[(k+p)%len(providers)]
			r := SignRecord(prov, Record{Key: ch.Key(), Addrs: []multiaddr.Multiaddr{multiaddr.StringCast("/ip4/10.0.0.1/tcp/7770")},
				IssuedAt: testNow, ExpiresAt: testNow + 600, Challenge: ch, Solution: ownedSolution(owner, prov)})
			entries = append(entries, struct {
				key Key
				e   Entry
			}{ch.Key(), Entry{Provider: prov.Public(), IssuedAt: r.IssuedAt, ExpiresAt: r.ExpiresAt, Value: r.Encode()}})
		}
	}
	weigh := func(trust.PublicKey) uint32 { return 1 }
	b.ResetTimer()
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		t := NewTable(TableConfig{}, NoTableStore{})
		for _, x := range entries {
			if _, err := t.Put(x.key, x.e, testNow, weigh); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB/10k-records")
		b.ReportMetric(float64(len(entries[0].e.Value)), "record-bytes")
		runtime.KeepAlive(t)
	}
}
