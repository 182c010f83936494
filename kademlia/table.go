package kademlia

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/aquanet/aquanet/trust"
)

// TableConfig bounds what a storing peer keeps.
type TableConfig struct {
	List ListConfig
	// MaxKeys bounds the keys with providers kept. Default 100,000.
	MaxKeys int
	// MaxRecords bounds the records kept under all keys. Default 1,000,000.
	MaxRecords int
}

// Defaults of TableConfig.
const (
	DefaultMaxKeys    = 100_000
	DefaultMaxRecords = 1_000_000
)

// ErrTableFull is a record refused because the peer keeps as many keys or records as it may.
var ErrTableFull = errors.New("this peer keeps as many provider records as it may")

// TableStore keeps a table's changes. Apply writes one change at once, or fails and writes
// nothing: a record put (nil if none) and the records of providers deleted under a key.
type TableStore interface {
	Apply(k Key, put *Entry, deleted []trust.PublicKey) error
}

// NoTableStore keeps nothing (tests, and peers that do not store records).
type NoTableStore struct{}

// Apply keeps nothing.
func (NoTableStore) Apply(Key, *Entry, []trust.PublicKey) error { return nil }

// Table is a storing peer's provider lists, one per key, within its bounds. Like List it is a
// pure value: the caller passes the time and the weights in; every change reaches the store
// before the table shows it, and one the store refuses leaves the table as it was.
type Table struct {
	cfg     TableConfig
	store   TableStore
	lists   map[Key]*List
	records int
}

// NewTable returns an empty table keeping its changes in store (zero values of cfg take the
// defaults).
func NewTable(cfg TableConfig, store TableStore) *Table {
	cfg.List = cfg.List.withDefaults()
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	if cfg.MaxRecords <= 0 {
		cfg.MaxRecords = DefaultMaxRecords
	}
	return &Table{cfg: cfg, store: store, lists: map[Key]*List{}}
}

// Load adds records and tombstones as a store kept them, without writing them back. A key's records beyond
// its list's bounds (a table kept with larger ones) are dropped from memory; at now, expired
// ones too.
func (t *Table) Load(k Key, entries []Entry, now uint64, weigh Weigher) {
	for _, e := range entries {
		l := t.lists[k]
		if l == nil {
			l = NewList(t.cfg.List)
			t.lists[k] = l
		}
		before := l.Len()
		if e.Removed {
			l.Remove(e, now)
		} else {
			_, _ = l.Put(e, now, weigh)
		}
		t.records += l.Len() - before
	}
}

// Put keeps e under k (see List.Put), and returns the record it evicted to make room.
func (t *Table) Put(k Key, e Entry, now uint64, weigh Weigher) (evicted *Entry, err error) {
	l := t.lists[k]
	if l == nil {
		if len(t.lists) >= t.cfg.MaxKeys {
			t.Expire(now)
		}
		if len(t.lists) >= t.cfg.MaxKeys {
			return nil, fmt.Errorf("%w (%d keys)", ErrTableFull, t.cfg.MaxKeys)
		}
		l = NewList(t.cfg.List)
	}
	if old, _, _ := l.find(e.Provider); old == nil && t.records >= t.cfg.MaxRecords {
		t.Expire(now)
		if t.records >= t.cfg.MaxRecords {
			return nil, fmt.Errorf("%w (%d records)", ErrTableFull, t.cfg.MaxRecords)
		}
	}
	next := l.clone()
	var deleted []trust.PublicKey
	for _, x := range next.Expire(now) {
		deleted = append(deleted, x.Provider)
	}
	evicted, err = next.Put(e, now, weigh)
	if err != nil {
		if len(deleted) > 0 && t.store.Apply(k, nil, deleted) == nil {
			t.replace(k, l, next) // the expired records are gone all the same
		}
		return nil, err
	}
	if evicted != nil {
		deleted = append(deleted, evicted.Provider)
	}
	if err := t.store.Apply(k, &e, deleted); err != nil {
		return nil, fmt.Errorf("keeping the record: %w", err)
	}
	t.replace(k, l, next)
	return evicted, nil
}

// replace puts next in place of k's list l (nil if k had none), counting the records.
func (t *Table) replace(k Key, l, next *List) {
	if l != nil {
		t.records -= l.Len()
	}
	t.records += next.Len()
	if next.Len() == 0 {
		delete(t.lists, k)
		return
	}
	t.lists[k] = next
}

// Removals returns k's tombstones at now (see List.Removals).
func (t *Table) Removals(k Key, now uint64) []Entry {
	if l := t.lists[k]; l != nil {
		return l.Removals(now)
	}
	return nil
}

// Get returns k's records at now (see List.Entries).
func (t *Table) Get(k Key, now uint64, weigh Weigher) []Entry {
	l := t.lists[k]
	if l == nil {
		return nil
	}
	return l.Entries(now, weigh)
}

// Remove takes in a provider's removal under k, tomb (see List.Remove): its record goes, and
// the tombstone is kept in its place. A key without a list gets one for the tombstone, within
// the table's bounds: a removal that reaches a peer before the record it removes (or instead of
// it, across a partition) must still keep that record out.
func (t *Table) Remove(k Key, tomb Entry, now uint64) (bool, error) {
	l := t.lists[k]
	if l == nil {
		if len(t.lists) >= t.cfg.MaxKeys {
			t.Expire(now)
		}
		if len(t.lists) >= t.cfg.MaxKeys {
			return false, fmt.Errorf("%w (%d keys)", ErrTableFull, t.cfg.MaxKeys)
		}
		l = NewList(t.cfg.List)
	}
	if t.records >= t.cfg.MaxRecords {
		t.Expire(now)
		if t.records >= t.cfg.MaxRecords {
			return false, fmt.Errorf("%w (%d records)", ErrTableFull, t.cfg.MaxRecords)
		}
	}
	next := l.clone()
	var deleted []trust.PublicKey
	for _, x := range next.Expire(now) {
		deleted = append(deleted, x.Provider)
	}
	changed, dropped := next.Remove(tomb, now)
	if dropped != nil {
		deleted = append(deleted, dropped.Provider)
	}
	if !changed && len(deleted) == 0 {
		return false, nil
	}
	var put *Entry
	if i, ok := next.findRemoved(tomb.Provider); ok && changed {
		put = &next.removed[i]
	} else if changed { // the record went; the tombstone was not kept (an older one, or no room)
		deleted = append(deleted, tomb.Provider)
	}
	if err := t.store.Apply(k, put, deleted); err != nil {
		return false, fmt.Errorf("keeping the removal: %w", err)
	}
	t.replace(k, l, next)
	return changed, nil
}

// Expire drops every record that expired before now, key by key in key order, and says how
// many it dropped. A key whose deletions the store refuses keeps its records until the next
// time.
func (t *Table) Expire(now uint64) int {
	n := 0
	keys := slices.SortedFunc(maps.Keys(t.lists), func(a, b Key) int { return bytes.Compare(a[:], b[:]) })
	for _, k := range keys {
		l := t.lists[k]
		next := l.clone()
		gone := next.Expire(now)
		if len(gone) == 0 {
			continue
		}
		deleted := make([]trust.PublicKey, len(gone))
		for i, e := range gone {
			deleted[i] = e.Provider
		}
		if t.store.Apply(k, nil, deleted) != nil {
			continue
		}
		t.replace(k, l, next)
		n += len(gone)
	}
	return n
}

// Len is how many records the table keeps, and under how many keys.
func (t *Table) Len() (records, keys int) { return t.records, len(t.lists) }
