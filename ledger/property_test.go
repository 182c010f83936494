package ledger

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/aquanet/aquanet/trust"
)

var propSeeds = flag.Int("ledger.seeds", 8, "how many seeds TestReplicasAgree runs")

// gen makes random blocks of valid and invalid transactions from a seed.
type gen struct {
	r        *rand.Rand
	keys     []trust.Signer
	names    []string
	services []ServiceRef
	apps     []string
}

func newGen(seed uint64) *gen {
	g := &gen{r: rand.New(rand.NewPCG(seed, 0x1ed9e7))}
	for i := range 6 {
		g.keys = append(g.keys, testKey(fmt.Sprint("prop", i)))
	}
	g.names = []string{"a", "b.c", "d-e"}
	g.services = []ServiceRef{{"p1", "s1"}, {"p1", "s2"}, {"p2", "s1"}}
	g.apps = []string{"app1", "app2"}
	return g
}

func (g *gen) genesis() Genesis {
	gen := Genesis{ChainID: "prop", Time: 1000, Balances: map[trust.PublicKey]uint64{},
		Validators: []Validator{{Key: g.keys[0].Public(), Power: 1}}}
	for _, k := range g.keys[:4] {
		gen.Balances[k.Public()] = g.r.Uint64N(1000)
	}
	return gen
}

func (g *gen) key() trust.Signer { return g.keys[g.r.IntN(len(g.keys))] }

// body is a random body, mostly one that can apply.
func (g *gen) body(now uint64) Body {
	switch g.r.IntN(6) {
	case 0:
		return &Transfer{To: g.key().Public(), Amount: g.r.Uint64N(400)}
	case 1:
		p := &SetPerimeter{AppID: g.apps[g.r.IntN(len(g.apps))], Developer: g.key().Public()}
		for _, s := range g.services[:g.r.IntN(len(g.services)+1)] {
			p.Services = append(p.Services, PerimeterService{s, Policy(g.r.IntN(3))})
		}
		p.Peers = []string{"p1", "p2"}[:g.r.IntN(3)]
		return p
	case 2:
		r := &RegisterName{Name: g.names[g.r.IntN(len(g.names))]}
		if g.r.IntN(2) == 0 {
			r.Target = Target{IsKey: true, Key: [32]byte{byte(g.r.IntN(256))}}
		} else {
			r.Target.Peer = fmt.Sprint("peer", g.r.IntN(4))
		}
		return r
	case 3:
		by := g.key()
		rev := trust.IssueRevocation(by, g.key().Public(), now-100+g.r.Uint64N(200))
		if g.r.IntN(8) == 0 {
			rev.Signature[0] ^= 1
		}
		return &PublishRevocation{Revocation: rev}
	case 4:
		return &SetPrice{ServiceRef: g.services[g.r.IntN(len(g.services))], Price: g.r.Uint64N(20)}
	}
	calls := g.r.Uint64N(10)
	if g.r.IntN(10) == 0 {
		calls = ^uint64(0) / 3
	}
	return &Pay{ServiceRef: g.services[g.r.IntN(len(g.services))], Calls: calls}
}

// block is a random block on top of s: most senders' nonces are their next (counting the
// block's earlier transactions), some are off, some signatures are another key's.
func (g *gen) block(t *testing.T, s *State) Block {
	b := Block{Height: s.Height() + 1, Time: s.Time() + g.r.Uint64N(30)}
	sent := map[trust.PublicKey]uint64{}
	for range g.r.IntN(25) {
		signer := g.key()
		nonce, err := s.Nonce(signer.Public())
		if err != nil {
			t.Fatal(err)
		}
		nonce += sent[signer.Public()]
		if g.r.IntN(10) == 0 {
			nonce += g.r.Uint64N(3) - 1
		} else {
			sent[signer.Public()]++
		}
		tx := SignTx(signer, "prop", Tx{Nonce: nonce, Body: g.body(b.Time)})
		if g.r.IntN(15) == 0 {
			tx.Sender = g.key().Public()
		}
		b.Txs = append(b.Txs, tx)
	}
	return b
}

// snapshot is every read of a state the generator can name.
func snapshot(t *testing.T, g *gen, s *State) string {
	out := fmt.Sprintf("height %d hash %x time %d\n", s.Height(), s.AppHash(), s.Time())
	must := func(v any, ok bool, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%v %+v\n", ok, v)
	}
	for _, k := range g.keys {
		bal, err1 := s.Balance(k.Public())
		n, err2 := s.Nonce(k.Public())
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		out += fmt.Sprintf("%s %d %d\n", k.Public(), bal, n)
		for _, by := range g.keys {
			r, ok, err := s.Revocation(k.Public(), by.Public())
			out += must(r, ok, err)
		}
	}
	for _, n := range g.names {
		r, ok, err := s.Name(n)
		out += must(r, ok, err)
	}
	for _, a := range g.apps {
		p, ok, err := s.Perimeter(a)
		out += must(p, ok, err)
	}
	for _, sv := range g.services {
		p, ok, err := s.Price(sv.Peer, sv.Service)
		out += must(p, ok, err)
	}
	return out
}

func total(t *testing.T, g *gen, s *State) uint64 {
	var sum uint64
	for _, k := range g.keys {
		b, err := s.Balance(k.Public())
		if err != nil {
			t.Fatal(err)
		}
		sum += b
	}
	return sum
}

// TestReplicasAgree applies random blocks to two replicas: the same results, the same app
// hashes and reads after every block, the total of the balances unchanged, and a replica
// reopened from its pebble database the same as before.
func TestReplicasAgree(t *testing.T) {
	reasons := map[string]int{}
	for seed := range uint64(*propSeeds) {
		g := newGen(seed)
		diskA, diskB := newDisk(t), newDisk(t)
		a, b := diskA.state(t), diskB.state(t)
		gen := g.genesis()
		ha, errA := a.InitChain(gen)
		hb, errB := b.InitChain(gen)
		if errA != nil || errB != nil || ha != hb {
			t.Fatalf("seed %d: genesis: %v %v, hashes %x %x", seed, errA, errB, ha, hb)
		}
		want := total(t, g, a)
		seen := map[[32]byte]bool{ha: true}
		for range 30 {
			blk := g.block(t, a)
			ra, errA := a.ApplyBlock(blk)
			rb, errB := b.ApplyBlock(blk)
			if errA != nil || errB != nil || !reflect.DeepEqual(ra, rb) {
				t.Fatalf("seed %d block %d: results differ (%v, %v)", seed, blk.Height, errA, errB)
			}
			for _, r := range ra {
				reasons[r.Reason]++
			}
			ha, errA = a.Commit()
			hb, errB = b.Commit()
			if errA != nil || errB != nil || ha != hb {
				t.Fatalf("seed %d block %d: app hashes %x and %x (%v, %v)", seed, blk.Height, ha, hb, errA, errB)
			}
			if seen[ha] {
				t.Fatalf("seed %d block %d: an app hash seen before", seed, blk.Height)
			}
			seen[ha] = true
			if sa, sb := snapshot(t, g, a), snapshot(t, g, b); sa != sb {
				t.Fatalf("seed %d block %d: the replicas' states differ:\n%s\n%s", seed, blk.Height, sa, sb)
			}
			if got := total(t, g, a); got != want {
				t.Fatalf("seed %d block %d: balances total %d, want %d", seed, blk.Height, got, want)
			}
		}
		before := snapshot(t, g, a)
		diskA.reopen(t)
		if after := snapshot(t, g, diskA.state(t)); after != before {
			t.Fatalf("seed %d: reopened, the state differs:\n%s\nwas\n%s", seed, after, before)
		}
	}
	t.Logf("outcomes over %d seeds (\"\" is applied): %v", *propSeeds, reasons)
	// The generator must reach every outcome, or the test proves little.
	for _, r := range append([]string{""}, Reasons...) {
		if r != ReasonMalformed && r != ReasonUnknownKind && reasons[r] == 0 {
			t.Errorf("no transaction ended %q in %d seeds: %v", r, *propSeeds, reasons)
		}
	}
}
