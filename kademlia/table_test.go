package kademlia

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/trust"
)

// failingStore refuses every change while fail is set.
type failingStore struct{ fail bool }

var errDisk = errors.New("disk says no")

func (s *failingStore) Apply(Key, *Entry, []trust.PublicKey) error {
	if s.fail {
		return errDisk
	}
	return nil
}

func tableKey(name string) Key {
	var k Key
	copy(k[:], name)
	return k
}

// The table's bounds: a key more than MaxKeys is refused until records expire; a record more
// than MaxRecords likewise; a provider's newer record under a full table replaces its older one.
func TestTableBounds(t *testing.T) {
	s := &providerStory{weights: map[trust.PublicKey]uint32{}, names: map[trust.PublicKey]string{}}
	tb := NewTable(TableConfig{MaxKeys: 2, MaxRecords: 3}, NoTableStore{})
	put := func(key, provider string, issued, expires, now uint64) error {
		_, err := tb.Put(tableKey(key), Entry{Provider: s.key(provider), IssuedAt: issued, ExpiresAt: expires}, now, s.weigh)
		return err
	}
	for _, p := range []struct{ key, provider string }{{"a", "p1"}, {"a", "p2"}, {"b", "p3"}} {
		if err := put(p.key, p.provider, 1, 100, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := put("c", "p4", 1, 100, 1); !errors.Is(err, ErrTableFull) {
		t.Fatalf("a third key: %v, want ErrTableFull", err)
	}
	if err := put("b", "p4", 1, 100, 1); !errors.Is(err, ErrTableFull) {
		t.Fatalf("a fourth record: %v, want ErrTableFull", err)
	}
	if err := put("a", "p1", 2, 200, 2); err != nil {
		t.Fatalf("a provider's newer record in a full table: %v", err)
	}
	if r, k := tb.Len(); r != 3 || k != 2 {
		t.Fatalf("%d records under %d keys, want 3 under 2", r, k)
	}
	// At 101 the records expiring at 100 go, and room comes back.
	if err := put("c", "p4", 101, 300, 101); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if r, k := tb.Len(); r != 2 || k != 2 {
		t.Fatalf("%d records under %d keys, want 2 (p1's newer one and p4's) under 2", r, k)
	}
}

// A change the store refuses leaves the table as it was.
func TestTableStoreRefuses(t *testing.T) {
	s := &providerStory{weights: map[trust.PublicKey]uint32{}, names: map[trust.PublicKey]string{}}
	fs := &failingStore{}
	tb := NewTable(TableConfig{List: ListConfig{Cap: 2, Reserve: 1}}, fs)
	k := tableKey("k")
	s.weights[s.key("heavy")] = 8
	s.weights[s.key("light")] = 1
	if _, err := tb.Put(k, Entry{Provider: s.key("light"), IssuedAt: 1, ExpiresAt: 100}, 1, s.weigh); err != nil {
		t.Fatal(err)
	}
	fs.fail = true
	if _, err := tb.Put(k, Entry{Provider: s.key("heavy"), IssuedAt: 1, ExpiresAt: 100}, 1, s.weigh); !errors.Is(err, errDisk) {
		t.Fatalf("put on a failing disk: %v", err)
	}
	if ok, err := tb.Remove(k, Entry{Provider: s.key("light"), IssuedAt: 50, ExpiresAt: 150}, 1); ok || !errors.Is(err, errDisk) {
		t.Fatalf("remove on a failing disk: %v, %v", ok, err)
	}
	got := tb.Get(k, 1, s.weigh)
	if len(got) != 1 || got[0].Provider != s.key("light") {
		t.Fatalf("after refused changes the list is %v, want light's record alone", s.entries(got))
	}
	if n := tb.Expire(200); n != 0 {
		t.Fatalf("expired %d records the store would not delete", n)
	}
	if r, _ := tb.Len(); r != 1 {
		t.Fatalf("%d records, want 1", r)
	}
}

// What a table keeps in pebble comes back after a restart, in the same order; the records an
// eviction or expiry dropped do not.
func TestTablePebbleRestart(t *testing.T) {
	s := &providerStory{weights: map[trust.PublicKey]uint32{}, names: map[trust.PublicKey]string{}}
	fs := vfs.NewMem()
	open := func() (*Table, func()) {
		db, err := store.Open(store.Options{Dir: "db", FS: fs})
		if err != nil {
			t.Fatal(err)
		}
		st, keys, entries, err := OpenPebbleTable(db)
		if err != nil {
			t.Fatal(err)
		}
		st.Sync = true
		tb := NewTable(TableConfig{List: ListConfig{Cap: 3, Reserve: 1}}, st)
		for _, k := range keys {
			tb.Load(k, entries[k], 10, s.weigh)
		}
		return tb, func() { db.Close() }
	}
	tb, closeDB := open()
	for i := range 6 {
		p := s.key(fmt.Sprint("p", i))
		s.weights[p] = uint32(i % 4)
		e := Entry{Provider: p, IssuedAt: uint64(i), ExpiresAt: uint64(50 + 100*(i%2)), Open: i == 5, Value: []byte{byte(i)}}
		if _, err := tb.Put(tableKey(fmt.Sprint("k", i%2)), e, 10, s.weigh); err != nil && !errors.Is(err, ErrListFull) {
			t.Fatal(err)
		}
	}
	want := map[string][]string{}
	for _, k := range []string{"k0", "k1"} {
		want[k] = s.entries(tb.Get(tableKey(k), 10, s.weigh))
	}
	closeDB()
	tb, closeDB = open()
	for _, k := range []string{"k0", "k1"} {
		if got := s.entries(tb.Get(tableKey(k), 10, s.weigh)); fmt.Sprint(got) != fmt.Sprint(want[k]) {
			t.Fatalf("%s after a restart: %v, want %v", k, got, want[k])
		}
	}
	if n := tb.Expire(60); n == 0 {
		t.Fatal("nothing expired at 60")
	}
	closeDB()
	tb, closeDB = open()
	for _, e := range append(tb.Get(tableKey("k0"), 10, s.weigh), tb.Get(tableKey("k1"), 10, s.weigh)...) {
		if e.ExpiresAt < 60 {
			t.Fatalf("%s's record expired at %d came back after its expiry was kept", s.names[e.Provider], e.ExpiresAt)
		}
	}
	// A removal's tombstone is kept in its record's place and outlives a restart: the removed
	// record cannot come back, under a key that had one or under one that had none.
	kept := tb.Get(tableKey("k1"), 60, s.weigh)[0]
	for _, k := range []string{"k1", "k9"} {
		tomb := Entry{Provider: kept.Provider, IssuedAt: 70, ExpiresAt: 500, Removed: true, Value: []byte("the removal")}
		if ok, err := tb.Remove(tableKey(k), tomb, 70); err != nil || !ok {
			t.Fatalf("removal under %s: %v, %v", k, ok, err)
		}
	}
	closeDB()
	tb, closeDB = open()
	defer closeDB()
	for _, k := range []string{"k1", "k9"} {
		if got := tb.Removals(tableKey(k), 70); len(got) != 1 || got[0].Provider != kept.Provider || string(got[0].Value) != "the removal" {
			t.Fatalf("%s's tombstones after a restart: %v", k, s.entries(got))
		}
		stale := kept
		stale.ExpiresAt = 400
		if _, err := tb.Put(tableKey(k), stale, 70, s.weigh); !errors.Is(err, ErrOutdated) {
			t.Fatalf("%s: the removed record was put again after a restart: %v", k, err)
		}
	}
	if got := tb.Get(tableKey("k1"), 70, s.weigh); slices.ContainsFunc(got, func(e Entry) bool { return e.Provider == kept.Provider }) {
		t.Fatal("the removed record came back after a restart")
	}
}
