package actors

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/ledger/replica"
	"github.com/aquanet/aquanet/trust"
)

// The ledger's throughput on real nodes: 3 and 5 validators on libp2p over loopback, each with
// its pebble database on disk (a temp dir, real fsyncs). Clients of 128 accounts submit b.N
// pre-signed transfers, each account keeping up to 32 in flight, through the validators in
// turn; the benchmark reports committed tx/s and the commit latency (submission to applied,
// p50 and p99), beside pebble's raw rate of synced batches on the same disk, in the same run:
//
//	go test ./actors -run '^$' -bench LedgerLoopback -benchtime 20000x
func BenchmarkLedgerLoopback(b *testing.B) {
	rawSync := pebbleSyncedBatches(b, 2000)
	for _, n := range []int{3, 5} {
		b.Run(fmt.Sprintf("validators=%d", n), func(b *testing.B) {
			benchLedger(b, n, rawSync)
		})
	}
}

// pebbleSyncedBatches is how many synced batches of one 100-byte record a pebble database on
// the benchmark's disk commits per second, one after the other.
func pebbleSyncedBatches(b *testing.B, count int) float64 {
	db, err := pebble.Open(b.TempDir(), &pebble.Options{FS: vfs.Default})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, 100)
	start := time.Now()
	for i := range count {
		if err := db.Set(fmt.Appendf(nil, "k%08d", i), val, pebble.Sync); err != nil {
			b.Fatal(err)
		}
	}
	return float64(count) / time.Since(start).Seconds()
}

func benchLedger(b *testing.B, validators int, rawSync float64) {
	const accounts, window = 128, 32
	g := ledger.Genesis{ChainID: "bench", Time: uint64(time.Now().Unix()), Balances: map[trust.PublicKey]uint64{}}
	var keys []ed25519.PrivateKey
	for i := range validators {
		id, err := scenario.NewIdentity(fmt.Sprint("validator ", i))
		if err != nil {
			b.Fatal(err)
		}
		keys = append(keys, id.Key)
		g.Validators = append(g.Validators, ledger.Validator{Key: trust.Signer(id.Key).Public(), Power: 1})
	}
	var senders []trust.Signer
	for i := range accounts {
		id, err := scenario.NewIdentity(fmt.Sprint("account ", i))
		if err != nil {
			b.Fatal(err)
		}
		senders = append(senders, trust.Signer(id.Key))
		g.Balances[senders[i].Public()] = uint64(b.N) + 1
	}

	// Every transfer signed before the clock starts: signing is the clients' work.
	perAccount := make([][]ledger.Tx, accounts)
	for i := range b.N {
		a := i % accounts
		to := senders[(a+1)%accounts].Public()
		perAccount[a] = append(perAccount[a], ledger.SignTx(senders[a], g.ChainID,
			ledger.Tx{Nonce: uint64(len(perAccount[a])), Body: &ledger.Transfer{To: to, Amount: 1}}))
	}

	var nodes []*Node
	var transports []*p2p.Transport
	var addrs []string
	for _, k := range keys {
		tr, err := p2p.New(p2p.Config{Key: k, Listen: []string{"/ip4/127.0.0.1/tcp/0"}})
		if err != nil {
			b.Fatal(err)
		}
		transports = append(transports, tr)
		addrs = append(addrs, fmt.Sprintf("%s/p2p/%s", tr.Addrs()[0], tr.ID()))
	}
	dir := b.TempDir()
	for i, k := range keys {
		n := startNode(b, Env{Key: k, Transport: transports[i].Join, DataDir: filepath.Join(dir, fmt.Sprint(i)), FS: vfs.Default,
			Ledger: LedgerEnv{Genesis: &g}})
		nodes = append(nodes, n)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for i, n := range nodes {
			if err := n.Stop(ctx); err != nil {
				b.Error(err)
			}
			transports[i].Close()
		}
	}()
	for _, tr := range transports {
		if err := tr.StartBootstrap(addrs); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := nodes[0].Ledger().Status()
		if err == nil && st.Leader != "" {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("no leader after 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}

	latencies := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	var failMu sync.Mutex
	var failure error
	b.ResetTimer()
	start := time.Now()
	for a := range accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := nodes[a%len(nodes)].Ledger()
			slots := make(chan struct{}, window)
			var mine sync.WaitGroup
			for j, tx := range perAccount[a] {
				slots <- struct{}{}
				mine.Add(1)
				at := time.Now()
				svc.Submit(tx, func(res replica.Applied, err error) {
					defer mine.Done()
					latencies[j*accounts+a] = time.Since(at)
					if err == nil && res.Reason != "" {
						err = fmt.Errorf("%s: %s", res.Reason, res.Message)
					}
					if err != nil {
						failMu.Lock()
						failure = cmpOrErr(failure, fmt.Errorf("account %d, nonce %d: %w", a, tx.Nonce, err))
						failMu.Unlock()
					}
					<-slots
				})
			}
			mine.Wait()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if failure != nil {
		b.Fatal(failure)
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tx/s")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(rawSync, "pebble-synced-batches/s")
	st, err := nodes[0].Ledger().Status()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/float64(max(st.Height, 1)), "tx/block")
}

func cmpOrErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
