package particles

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"
	"testing"

	"github.com/aquanet/aquanet/core"

	"github.com/aquanet/aquanet/internal/store"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	db, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return NewStore(db)
}

func TestStoreKeepsDataByKeyAndDropsItAtTheDeadline(t *testing.T) {
	s := newStore(t)
	a := Key{ID: "p-1", InitPeerID: "12D3A", Signature: "sig", Deadline: 1000}
	forged := a
	forged.Signature = "other"
	// Length prefixes keep ("ab","c") and ("a","bc") apart.
	shifted := Key{ID: "p-1" + "12D3", InitPeerID: "A", Signature: "sig", Deadline: 1000}
	later := Key{ID: "p-2", InitPeerID: "12D3A", Signature: "sig", Deadline: 2000}
	for k, v := range map[Key]string{a: "a", forged: "forged", shifted: "shifted", later: "later"} {
		if err := s.Write(k, core.Write{Data: []byte(v)}); err != nil {
			t.Fatal(err)
		}
	}
	for k, want := range map[Key]string{a: "a", forged: "forged", shifted: "shifted", later: "later"} {
		if got, err := s.Load(k); err != nil || string(got) != want {
			t.Errorf("Load(%+v) = %q, %v; want %q", k, got, err, want)
		}
	}
	if d, ok, err := s.LastDeadline(); d != 2000 || !ok || err != nil {
		t.Errorf("LastDeadline() = %d, %v, %v; want 2000", d, ok, err)
	}
	if got, err := s.Load(Key{ID: "unknown", Deadline: 1000}); got != nil || err != nil {
		t.Errorf("Load(unknown) = %q, %v", got, err)
	}

	// A particle is expired from its deadline on (particle.Validate).
	if err := s.DeleteExpired(999); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(); n != 4 {
		t.Fatalf("%d records after DeleteExpired(999), want 4", n)
	}
	if err := s.DeleteExpired(1000); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(); n != 1 {
		t.Fatalf("%d records after DeleteExpired(1000), want 1", n)
	}
	if got, _ := s.Load(later); string(got) != "later" {
		t.Errorf("the later particle's data is %q", got)
	}
	if err := s.Delete(later, nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(); n != 0 {
		t.Fatalf("%d records after Delete, want 0", n)
	}
	if _, ok, err := s.LastDeadline(); ok || err != nil {
		t.Errorf("an empty store has a last deadline (%v)", err)
	}
}

// The arrivals saved with a particle's data are kept, added to at each save, and go with the
// data: by Delete and at the deadline.
func TestStoreKeepsTheArrivalsMergedWithTheData(t *testing.T) {
	s := newStore(t)
	a := Key{ID: "p-1", InitPeerID: "12D3A", Signature: "sig", Deadline: 1000}
	b := Key{ID: "p-2", InitPeerID: "12D3A", Signature: "sig", Deadline: 1000}
	later := Key{ID: "p-3", InitPeerID: "12D3A", Signature: "sig", Deadline: 2000}
	h := func(s string) core.DataHash { return core.DataHash(sha256.Sum256([]byte(s))) }
	if err := s.Write(a, core.Write{Data: []byte("a1"), Merged: []core.DataHash{h("x")}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(a, core.Write{Data: []byte("a2"), Merged: []core.DataHash{h("y"), h("z")}, Durably: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(a, core.Write{Data: []byte("a3")}); err != nil {
		t.Fatal(err)
	}
	for k, hs := range map[Key][]core.DataHash{b: {h("b")}, later: {h("later")}} {
		if err := s.Write(k, core.Write{Data: []byte("data"), Merged: hs}); err != nil {
			t.Fatal(err)
		}
	}
	merged := func(k Key) []core.DataHash {
		t.Helper()
		got, err := s.Merged(k)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(x, y core.DataHash) int { return bytes.Compare(x[:], y[:]) })
		return got
	}
	want := []core.DataHash{h("x"), h("y"), h("z")}
	slices.SortFunc(want, func(x, y core.DataHash) int { return bytes.Compare(x[:], y[:]) })
	if got := merged(a); !slices.Equal(got, want) {
		t.Fatalf("Merged(a) = %x, want %x", got, want)
	}
	if got, _ := s.Load(a); string(got) != "a3" {
		t.Fatalf("Load(a) = %q", got)
	}
	// Delete is given every arrival its caller has seen, merged or not.
	if err := s.Delete(a, []core.DataHash{h("x"), h("y"), h("z"), h("seen, not merged")}); err != nil {
		t.Fatal(err)
	}
	if got := merged(a); len(got) != 0 {
		t.Fatalf("after Delete, Merged(a) = %x", got)
	}
	if got := merged(b); !slices.Equal(got, []core.DataHash{h("b")}) {
		t.Fatalf("deleting a took b's arrivals: %x", got)
	}
	// An arrival Delete is not given stays until the deadline.
	if err := s.Delete(b, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Load(b); got != nil {
		t.Fatalf("after Delete, Load(b) = %q", got)
	}
	if got := merged(b); !slices.Equal(got, []core.DataHash{h("b")}) {
		t.Fatalf("Delete without b's arrival took it: %x", got)
	}
	if err := s.DeleteExpired(1000); err != nil {
		t.Fatal(err)
	}
	if got := merged(b); len(got) != 0 {
		t.Fatalf("after its deadline, Merged(b) = %x", got)
	}
	if got := merged(later); !slices.Equal(got, []core.DataHash{h("later")}) {
		t.Fatalf("DeleteExpired took a later particle's arrivals: %x", got)
	}
}

// The keys are what a node's disk holds: a node restarted on data an earlier version wrote
// must find it under the same key.
func TestStoreKeysDoNotChange(t *testing.T) {
	k := Key{ID: "p-1", InitPeerID: "12D3KooWalice", Signature: "sig", Deadline: 1_700_000_060_000}
	const want = "700000018bcfe652603aeaa343ba0d240714690707586589122bcb4d539ece23e7b73d1540a5f41497"
	if got := fmt.Sprintf("%x", keyPrefix(store.ParticleData, k)); got != want {
		t.Fatalf("data key %s, want %s", got, want)
	}
}
