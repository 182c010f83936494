package dhtsvc

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/multiformats/go-multiaddr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/kademlia"
	"github.com/aquanet/aquanet/trust"
)

func signer(name string) trust.Signer {
	seed := sha256.Sum256([]byte("dhtsvc test key " + name))
	return trust.Signer(ed25519.NewKeyFromSeed(seed[:]))
}

var start = time.Unix(1_000_000, 0)

// swarm is n DHT services on a hub, sharing a clock and the weights they give.
type swarm struct {
	clock    *clock.Manual
	services []*Service
	names    []string
	mu       sync.Mutex
	weights  map[trust.PublicKey]uint32
	hub      *network.Hub
}

func newSwarm(t *testing.T, n int) *swarm {
	t.Helper()
	s := &swarm{clock: clock.NewManual(start), weights: map[trust.PublicKey]uint32{}}
	hub := network.NewHub()
	s.hub = hub
	for i := range n {
		key := signer(fmt.Sprint("node ", i))
		name := key.Public().String()
		db, err := store.Open(store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		tr := hub.Join(name, nil)
		svc, err := Open(db, Config{Key: key, Clock: s.clock, Routing: tr.(core.Routing), Weigh: s.weigh, Replicas: 5, Metrics: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		hub.ServeRouting(name, svc.Handle)
		s.services, s.names = append(s.services, svc), append(s.names, name)
	}
	return s
}

func (s *swarm) weigh(k trust.PublicKey) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.weights[k]
}

func (s *swarm) now() uint64 { return uint64(s.clock.Now().Unix()) }

func (s *swarm) record(provider trust.Signer, c kademlia.Challenge, solution []byte) []byte {
	now := s.now()
	return kademlia.SignRecord(provider, kademlia.Record{Key: c.Key(), IssuedAt: now, ExpiresAt: now + 600, Challenge: c,
		Solution: solution, Addrs: []multiaddr.Multiaddr{multiaddr.StringCast("/ip4/127.0.0.1/tcp/1")}}).Encode()
}

// provide stores a record through node i and waits for what became of it (the hub answers at
// once, on the caller's goroutine).
func (s *swarm) provide(t *testing.T, i int, rec []byte) (Stored, error) {
	t.Helper()
	var st Stored
	var err error
	done := false
	s.services[i].Provide(rec, func(x Stored, e error) { st, err, done = x, e, true })
	if !done {
		t.Fatal("Provide did not answer")
	}
	return st, err
}

func (s *swarm) providers(t *testing.T, i int, k kademlia.Key) []kademlia.Record {
	t.Helper()
	var out []kademlia.Record
	done := false
	s.services[i].Providers(k, func(rs []kademlia.Record, err error) {
		if err != nil {
			t.Fatal(err)
		}
		out, done = rs, true
	})
	if !done {
		t.Fatal("Providers did not answer")
	}
	return out
}

func ownedCert(t *testing.T, owner trust.Signer, provider trust.PublicKey, now uint64) []byte {
	return trust.IssueRoot(owner, provider, now+3600, now-10).Encode()
}

// A provider registered under an owned challenge through one node is found from every node; a
// forged solution, a record signed by someone else and an expired record are refused by the
// storing peers, each with its reason, counted.
func TestProvideAndFind(t *testing.T) {
	s := newSwarm(t, 12)
	owner, alice, mallory := signer("owner"), signer("alice"), signer("mallory")
	ch := kademlia.OwnedChallenge(owner.Public(), 2, []byte("chat room 7"))
	st, err := s.provide(t, 3, s.record(alice, ch, ownedCert(t, owner, alice.Public(), s.now())))
	if err != nil || st.OK != 6 || st.Failed != 0 {
		t.Fatalf("providing: %+v, %v; want kept by node 3 and the 5 closest", st, err)
	}
	for i := range s.services {
		rs := s.providers(t, i, ch.Key())
		if len(rs) != 1 || rs[0].Provider != alice.Public() {
			t.Fatalf("node %d finds %d providers, want alice", i, len(rs))
		}
	}
	// Mallory forges: a certificate from himself, one from the owner for alice, a record of
	// alice's re-signed by him, an expired record.
	forged := s.record(mallory, ch, ownedCert(t, mallory, mallory.Public(), s.now()))
	stolen := s.record(mallory, ch, ownedCert(t, owner, alice.Public(), s.now()))
	r, _ := kademlia.DecodeRecord(s.record(alice, ch, ownedCert(t, owner, alice.Public(), s.now())))
	r.Provider = mallory.Public() // alice's record claimed for mallory, signature unchanged
	old := kademlia.SignRecord(mallory, kademlia.Record{Key: ch.Key(), IssuedAt: s.now() - 700, ExpiresAt: s.now() - 100,
		Challenge: ch, Solution: ownedCert(t, owner, mallory.Public(), s.now()-700)}).Encode()
	for _, c := range []struct {
		rec    []byte
		reason string
	}{{forged, "bad-solution"}, {stolen, "bad-solution"}, {r.Encode(), "bad-signature"}, {old, "expired"}} {
		st, err := s.provide(t, 5, c.rec)
		if err == nil || st.Refused[c.reason] != 1 || st.OK != 0 {
			t.Fatalf("a %s record: %+v, %v", c.reason, st, err)
		}
		// The storing peers refuse it too when it is sent to them directly.
		closest := s.services[0].cfg.Routing.LocalClosest(ch.Key().Bytes(), 1)[0]
		for i, name := range s.names {
			if name != closest {
				continue
			}
			var a kademlia.Answer
			req, _ := kademlia.Request{Op: kademlia.OpAdd, Record: c.rec}.Encode()
			s.services[i].Handle("mallory", req, func(b []byte) { a, _ = kademlia.DecodeAnswer(b) })
			if a.Status != kademlia.StatusRefused || a.Reason != c.reason {
				t.Fatalf("storing peer %d answers %+v to a %s record", i, a, c.reason)
			}
			if n := testutil.ToFloat64(s.services[i].refused.WithLabelValues(c.reason)); n < 1 {
				t.Fatalf("storing peer %d counted %v refusals for %s", i, n, c.reason)
			}
		}
	}
	if rs := s.providers(t, 0, ch.Key()); len(rs) != 1 {
		t.Fatalf("after the forgeries %d providers are listed, want alice alone", len(rs))
	}
}

// A flood of 1,000 weightless providers of an open challenge stays in the storing peers'
// reserves and never evicts a trusted provider.
func TestFloodStaysInReserve(t *testing.T) {
	s := newSwarm(t, 8)
	trusted := signer("trusted")
	s.weights[trusted.Public()] = 4
	ch := kademlia.SignedChallenge(signer("owner").Public(), []byte("k"))
	if _, err := s.provide(t, 0, s.record(trusted, ch, kademlia.SignProvider(signer("owner"), ch.Key(), trusted.Public()))); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		p := signer(fmt.Sprint("flood ", i))
		sol := kademlia.SignProvider(signer("owner"), ch.Key(), p.Public()) // even with valid solutions
		if st, err := s.provide(t, i%len(s.services), s.record(p, ch, sol)); err != nil && st.Refused["list-full"] == 0 {
			t.Fatalf("flood %d: %v", i, err) // a full reserve of records as new is the one refusal expected
		}
		if i%100 == 99 {
			s.clock.Advance(time.Second)
		}
	}
	for i := range s.services {
		rs := s.providers(t, i, ch.Key())
		if len(rs) == 0 || rs[0].Provider != trusted.Public() {
			t.Fatalf("node %d: the trusted provider is not first of %d", i, len(rs))
		}
		if len(rs) > 1+kademlia.DefaultReserve {
			t.Fatalf("node %d lists %d providers: the flood went past the reserve", i, len(rs))
		}
	}
}

// A node providing a key itself republishes its record once it has lived half its life, and
// stops after it forgets the key; expired records leave the storing peers.
func TestRepublish(t *testing.T) {
	s := newSwarm(t, 6)
	ch := kademlia.OpenChallenge([]byte(RelayAttribute))
	var st Stored
	s.services[2].ProvideSelf(ch, nil, 100, nil, func(x Stored, err error) {
		if err != nil {
			t.Fatal(err)
		}
		st = x
	})
	if st.OK == 0 {
		t.Fatalf("provided: %+v", st)
	}
	issued := func() uint64 {
		rs := s.providers(t, 0, ch.Key())
		if len(rs) != 1 {
			t.Fatalf("%d providers, want node 2", len(rs))
		}
		return rs[0].IssuedAt
	}
	first := issued()
	s.clock.Advance(40 * time.Second)
	s.services[2].Republish(nil)
	if got := issued(); got != first {
		t.Fatalf("republished at 40 s of 100: issued %d, was %d", got, first)
	}
	s.clock.Advance(20 * time.Second)
	s.services[2].Republish(nil)
	if got := issued(); got != first+60 {
		t.Fatalf("at 60 s of 100 the record was issued at %d, want %d (republished)", got, first+60)
	}
	s.services[2].Forget(ch.Key(), func(Stored, error) {})
	if rs := s.providers(t, 0, ch.Key()); len(rs) != 0 {
		t.Fatalf("after Forget, %d providers", len(rs))
	}
	s.services[2].ProvideSelf(ch, nil, 100, nil, func(Stored, error) {})
	s.services[2].Forget(ch.Key(), func(Stored, error) {}) // the removal drops it everywhere
	s.services[3].ProvideSelf(ch, nil, 100, nil, func(Stored, error) {})
	s.clock.Advance(101 * time.Second)
	for _, svc := range s.services {
		svc.Republish(nil) // node 3 republishes; nothing else is due
	}
	if rs := s.providers(t, 0, ch.Key()); len(rs) != 1 || rs[0].Provider != s.services[3].cfg.Key.Public() {
		t.Fatalf("%d providers after expiry and republishing, want node 3 alone", len(rs))
	}
}

// holds says whether node i keeps a record of provider under k.
func (s *swarm) holds(i int, k kademlia.Key, provider trust.PublicKey) bool {
	req, _ := kademlia.Request{Op: kademlia.OpGet, Key: k}.Encode()
	var a kademlia.Answer
	s.services[i].Handle("test", req, func(b []byte) { a, _ = kademlia.DecodeAnswer(b) })
	for _, b := range a.Records {
		if r, err := kademlia.DecodeRecord(b); err == nil && r.Provider == provider {
			return true
		}
	}
	return false
}

// Provider lists converge as they are read: a record provided while some of the peers closest
// to its key were cut off reaches them at the next read after they are back.
func TestProvidersRepairAfterAPartition(t *testing.T) {
	s := newSwarm(t, 12)
	alice := signer("alice")
	ch := kademlia.OpenChallenge([]byte("after the split"))
	closest := s.services[0].cfg.Routing.LocalClosest(ch.Key().Bytes(), 5)
	index := map[string]int{}
	for i, n := range s.names {
		index[n] = i
	}
	cut := closest[:3]
	for _, n := range cut { // the split: these answer nothing
		s.hub.ServeRouting(n, nil)
	}
	from := 0
	for slices.Contains(cut, s.names[from]) || slices.Contains(closest, s.names[from]) {
		from++
	}
	st, err := s.provide(t, from, s.record(alice, ch, nil))
	if err != nil || st.Failed != len(cut) {
		t.Fatalf("provided across the split: %+v, %v; want %d failures", st, err, len(cut))
	}
	for _, n := range cut {
		if s.holds(index[n], ch.Key(), alice.Public()) {
			t.Fatalf("%s got the record across the split", n)
		}
		s.hub.ServeRouting(n, s.services[index[n]].Handle) // healed
	}
	if rs := s.providers(t, from, ch.Key()); len(rs) != 1 {
		t.Fatalf("read after healing: %d providers", len(rs))
	}
	for _, n := range closest {
		if !s.holds(index[n], ch.Key(), alice.Public()) {
			t.Fatalf("%s, one of the closest, lacks the record after a read repaired the list", n)
		}
	}
}

// After Close (the node's store is about to close), requests still on the way are answered
// "failed" and touch nothing: writing to a closed pebble panics (found by the simulator, where
// a crashed node's requests came back after its crash).
func TestClosedServiceTouchesNothing(t *testing.T) {
	s := newSwarm(t, 3)
	db, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := Open(db, Config{Key: signer("x"), Clock: s.clock})
	if err != nil {
		t.Fatal(err)
	}
	svc.Close()
	db.Close()
	req, _ := kademlia.Request{Op: kademlia.OpAdd, Record: s.record(signer("alice"), kademlia.OpenChallenge([]byte("k")), nil)}.Encode()
	var a kademlia.Answer
	svc.Handle("peer", req, func(b []byte) { a, _ = kademlia.DecodeAnswer(b) })
	if a.Status != kademlia.StatusFailed {
		t.Fatalf("a closed service answered %+v", a)
	}
	svc.Republish(nil)
	if n := svc.Expire(); n != 0 {
		t.Fatalf("a closed service expired %d records", n)
	}
}

// The keys a node provides outlive a restart: a restarted node republishes them at its first
// Republish (not only after half their life, which it no longer knows), and not those it was
// told to forget. A kept key that is corrupt stops Open, saying so.
func TestProvidedKeysSurviveARestart(t *testing.T) {
	fs := vfs.NewMem()
	clk := clock.NewManual(start)
	key := signer("restarting")
	open := func() (*Service, *pebble.DB) {
		db, err := store.Open(store.Options{FS: fs, Dir: "db"})
		if err != nil {
			t.Fatal(err)
		}
		svc, err := Open(db, Config{Key: key, Clock: clk})
		if err != nil {
			db.Close()
			t.Fatal(err)
		}
		return svc, db
	}
	issued := func(svc *Service, ch kademlia.Challenge) []uint64 {
		var out []uint64
		svc.Providers(ch.Key(), func(rs []kademlia.Record, err error) {
			for _, r := range rs {
				out = append(out, r.IssuedAt)
			}
		})
		return out
	}
	kept, forgotten := kademlia.OpenChallenge([]byte("kept")), kademlia.OpenChallenge([]byte("forgotten"))
	svc, db := open()
	for _, ch := range []kademlia.Challenge{kept, forgotten} {
		svc.ProvideSelf(ch, nil, 100, nil, func(_ Stored, err error) {
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	svc.Forget(forgotten.Key(), func(Stored, error) {})
	first := issued(svc, kept)
	svc.Close()
	db.Close()

	clk.Advance(10 * time.Second) // a fifth of the record's life
	svc, db = open()
	svc.Republish(nil)
	if got := issued(svc, kept); len(got) != 1 || got[0] != first[0]+10 {
		t.Errorf("after a restart the kept key's record was issued at %v, want [%d] (republished)", got, first[0]+10)
	}
	if got := issued(svc, forgotten); len(got) != 0 {
		t.Errorf("a forgotten key was provided again after a restart: issued at %v", got)
	}
	svc.Close()
	if err := db.Set(ownKey(kept.Key()), []byte{1, 2, 3}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err := store.Open(store.Options{FS: fs, Dir: "db"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Open(db, Config{Key: key, Clock: clk}); err == nil || !strings.Contains(err.Error(), "provided key is corrupt") {
		t.Errorf("opening over a corrupt provided key: %v", err)
	}
}

// A read repairs at most maxRepairs records, so that one read cannot cost hundreds of writes
// elsewhere; the next reads repair the rest.
func TestRepairsAreBounded(t *testing.T) {
	s := newSwarm(t, 12)
	owner := signer("owner")
	ch := kademlia.SignedChallenge(owner.Public(), []byte("many"))
	closest := s.services[0].cfg.Routing.LocalClosest(ch.Key().Bytes(), 5)
	index := map[string]int{}
	for i, n := range s.names {
		index[n] = i
	}
	cut := closest[1:]
	for _, n := range cut {
		s.hub.ServeRouting(n, nil)
	}
	from := 0
	for slices.Contains(closest, s.names[from]) {
		from++
	}
	const providers = kademlia.DefaultCap - kademlia.DefaultReserve // weighted: 28, missing at 4 peers: 112 repairs
	var keys []trust.Signer
	for i := range providers {
		p := signer(fmt.Sprint("provider ", i))
		s.weights[p.Public()] = 1
		keys = append(keys, p)
		if _, err := s.provide(t, from, s.record(p, ch, kademlia.SignProvider(owner, ch.Key(), p.Public()))); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range cut {
		s.hub.ServeRouting(n, s.services[index[n]].Handle)
	}
	held := func() int {
		n := 0
		for _, peer := range cut {
			for _, p := range keys {
				if s.holds(index[peer], ch.Key(), p.Public()) {
					n++
				}
			}
		}
		return n
	}
	if got := held(); got != 0 {
		t.Fatalf("the cut peers hold %d records before any read", got)
	}
	if rs := s.providers(t, from, ch.Key()); len(rs) != providers {
		t.Fatalf("read %d providers, want %d", len(rs), providers)
	}
	if got := held(); got != maxRepairs {
		t.Fatalf("one read repaired %d records at the peers that lacked them, want the budget of %d", got, maxRepairs)
	}
	s.providers(t, from, ch.Key())
	if got, want := held(), len(cut)*providers; got != want {
		t.Fatalf("after a second read the peers hold %d records, want %d", got, want)
	}
}

// A removal made while some of the peers closest to the key were cut off wins when they are
// back: the next read finds the record at those peers but the removal at others, returns no
// record, and sends the removal to the peers that lacked it; the stale copies are not spread
// again (before tombstones, the read resurrected the record everywhere).
func TestRemovalOutlivesAPartition(t *testing.T) {
	s := newSwarm(t, 12)
	alice := signer("alice")
	ch := kademlia.OpenChallenge([]byte("removed across a split"))
	closest := s.services[0].cfg.Routing.LocalClosest(ch.Key().Bytes(), 5)
	index := map[string]int{}
	for i, n := range s.names {
		index[n] = i
	}
	from := 0
	for slices.Contains(closest, s.names[from]) {
		from++
	}
	original := s.record(alice, ch, nil)
	if st, err := s.provide(t, from, original); err != nil || st.OK < 5 {
		t.Fatalf("provided: %+v, %v", st, err)
	}
	s.clock.Advance(time.Second)
	cut := closest[:3]
	for _, n := range cut {
		s.hub.ServeRouting(n, nil)
	}
	removal, _ := kademlia.Request{Op: kademlia.OpRemove, Removal: kademlia.SignRemoval(alice, ch.Key(), s.now()).Encode()}.Encode()
	s.services[from].spread(ch.Key(), removal, func(Stored, error) {})
	for _, n := range cut {
		if !s.holds(index[n], ch.Key(), alice.Public()) {
			t.Fatalf("%s lost the record across the split", n)
		}
		s.hub.ServeRouting(n, s.services[index[n]].Handle) // healed
	}
	reader := from + 1
	for slices.Contains(closest, s.names[reader]) {
		reader++
	}
	if rs := s.providers(t, reader, ch.Key()); len(rs) != 0 {
		t.Fatalf("a read after healing found %d providers; alice removed hers", len(rs))
	}
	for _, n := range closest {
		if s.holds(index[n], ch.Key(), alice.Public()) {
			t.Errorf("%s, one of the closest, keeps the removed record after a read", n)
		}
	}
	// The stale copy coming back (a replay, or a read of a peer that missed all this) is refused.
	if st, _ := s.provide(t, reader, original); st.OK > 0 {
		t.Errorf("the record the removal outdates was kept again by %d peers", st.OK)
	}
}

// A record that no majority of the peers asked kept (the node was cut off) is provided again at
// the next Republish, not half its life later: left alone, it would expire at the peers closest
// to its key (the simulator found it, a provider clogged through its republishing).
func TestRepublishRetriesWhatNoMajorityKept(t *testing.T) {
	s := newSwarm(t, 6)
	ch := kademlia.OpenChallenge([]byte("cut off"))
	for i, n := range s.names {
		if i != 2 {
			s.hub.ServeRouting(n, nil)
		}
	}
	var st Stored
	s.services[2].ProvideSelf(ch, nil, 600, nil, func(x Stored, _ error) { st = x })
	if st.OK != 1 || st.Peers < 4 {
		t.Fatalf("provided while cut off: %+v, want kept here alone", st)
	}
	for i, n := range s.names {
		s.hub.ServeRouting(n, s.services[i].Handle)
	}
	s.clock.Advance(time.Minute) // a tenth of the record's life
	s.services[2].Republish(nil)
	kept := 0
	for i := range s.services {
		if i != 2 && s.holds(i, ch.Key(), s.services[2].cfg.Key.Public()) {
			kept++
		}
	}
	if kept < 3 {
		t.Fatalf("after the next Republish %d other peers keep the record, want the closest", kept)
	}
	s.clock.Advance(time.Minute)
	before := s.providers(t, 0, ch.Key())[0].IssuedAt
	s.services[2].Republish(nil)
	if after := s.providers(t, 0, ch.Key())[0].IssuedAt; after != before {
		t.Fatalf("republished again at once (issued %d, was %d) once a majority kept it", after, before)
	}
}

// A removal sent while the node was cut off is sent again at each Republish until a majority of
// the peers closest to the key keep it; then it is not sent again (the simulator found a
// provider that removed itself while clogged, its record alive at every other peer).
func TestRemovalIsSentAgainUntilKept(t *testing.T) {
	s := newSwarm(t, 6)
	ch := kademlia.OpenChallenge([]byte("going away"))
	me := s.services[2].cfg.Key.Public()
	s.services[2].ProvideSelf(ch, nil, 600, nil, func(st Stored, err error) {
		if err != nil || st.OK != st.Peers {
			t.Fatalf("provided: %+v, %v", st, err)
		}
	})
	for i, n := range s.names {
		if i != 2 {
			s.hub.ServeRouting(n, nil)
		}
	}
	s.clock.Advance(time.Second)
	var st Stored
	s.services[2].Forget(ch.Key(), func(x Stored, _ error) { st = x })
	if st.OK != 1 {
		t.Fatalf("removed while cut off: %+v, want kept here alone", st)
	}
	for i, n := range s.names {
		s.hub.ServeRouting(n, s.services[i].Handle)
	}
	holders := func() int {
		n := 0
		for i := range s.services {
			if s.holds(i, ch.Key(), me) {
				n++
			}
		}
		return n
	}
	if h := holders(); h < 3 {
		t.Fatalf("%d peers hold the record before the removal is sent again; the test needs them to", h)
	}
	s.clock.Advance(time.Minute)
	s.services[2].Republish(nil)
	if h := holders(); h != 0 {
		t.Fatalf("%d peers hold the record after the removal was sent again", h)
	}
	s.services[2].mu.Lock()
	left := len(s.services[2].own)
	s.services[2].mu.Unlock()
	if left != 0 {
		t.Fatalf("the node still keeps %d keys of its own once its removal was kept", left)
	}
}
