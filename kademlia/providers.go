package kademlia

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/aquanet/aquanet/trust"
)

// ListConfig bounds a key's provider list.
type ListConfig struct {
	// Cap is how many providers a list keeps in all. Default 32.
	Cap int
	// Reserve is how many of them are kept for providers that weigh nothing and for records
	// under open challenges; the others, Cap − Reserve, for providers of weight. Default 4.
	Reserve int
}

// Defaults of ListConfig.
const (
	DefaultCap     = 32
	DefaultReserve = 4
)

func (c ListConfig) withDefaults() ListConfig {
	if c.Cap <= 0 {
		c.Cap = DefaultCap
	}
	if c.Reserve <= 0 {
		c.Reserve = DefaultReserve
	}
	if c.Reserve > c.Cap {
		c.Reserve = c.Cap
	}
	return c
}

// Entry is what a list keeps of one provider's record.
type Entry struct {
	Provider            trust.PublicKey
	IssuedAt, ExpiresAt uint64 // the record's, in seconds
	// Open says the record is under an open challenge: it goes to the reserve whatever its
	// provider weighs.
	Open bool
	// Value is the record, encoded; the list does not read it.
	Value []byte
	// Removed makes the entry a tombstone: the provider's removal, signed at IssuedAt, kept
	// until ExpiresAt (when every record it could outdate has expired) so that an older record
	// coming back (a stale copy a read repairs from, or a replay) is refused. Value is the
	// removal, encoded.
	Removed bool
}

// Weigher gives the storing peer's trust weight of a provider now (its TrustGraph's).
type Weigher func(trust.PublicKey) uint32

// Errors of Put.
var (
	ErrOutdated = errors.New("a newer record of the provider is kept")
	ErrListFull = errors.New("the provider list is full of providers that weigh as much or more")
)

// List is one key's providers on a storing peer: the providers of weight, ordered by weight
// (highest first), and the reserve, newest first. It is a pure value: the caller passes the
// time and the weights in, and keeps it where it likes.
//
// Weights are read when they matter, not kept: a provider whose weight changed moves in the
// order at once, but stays in the part it was put in (the reserve or not) until its provider
// puts its record again.
type List struct {
	cfg      ListConfig
	weighted []Entry
	reserve  []Entry
	removed  []Entry // tombstones, at most cfg.Cap, by provider
}

// NewList returns an empty list bounded by cfg (zero values take the defaults).
func NewList(cfg ListConfig) *List { return &List{cfg: cfg.withDefaults()} }

// Put keeps e, replacing the provider's older record. In the part of the list e belongs to (the
// reserve when it is open or its provider weighs nothing), a full part makes room by evicting
// its last entry when e comes before it: the lowest weight (at equal weights the older record)
// among the providers of weight, the oldest record in the reserve. It returns what it evicted,
// or why it kept nothing (ErrOutdated, ErrListFull).
func (l *List) Put(e Entry, now uint64, weigh Weigher) (evicted *Entry, err error) {
	l.Expire(now)
	if e.ExpiresAt < now {
		return nil, fmt.Errorf("the record expired at %d, it is %d", e.ExpiresAt, now)
	}
	if i, ok := l.findRemoved(e.Provider); ok {
		if at := l.removed[i].IssuedAt; at >= e.IssuedAt {
			return nil, fmt.Errorf("%w (removed at %d, this record issued at %d)", ErrOutdated, at, e.IssuedAt)
		}
		tomb := l.removed[i]
		l.removed = slices.Delete(l.removed, i, i+1) // a record issued since the removal
		defer func() {
			if err != nil {
				l.removed = slices.Insert(l.removed, i, tomb)
			}
		}()
	}
	if old, part, i := l.find(e.Provider); old != nil {
		if old.IssuedAt > e.IssuedAt {
			return nil, fmt.Errorf("%w (issued at %d, this one at %d)", ErrOutdated, old.IssuedAt, e.IssuedAt)
		}
		kept := *old
		*part = slices.Delete(*part, i, i+1)
		defer func() {
			if err != nil { // the new record is refused: the old one stays
				*part = append(*part, kept)
			}
		}()
	}
	e.Value = slices.Clone(e.Value)
	w := weigh(e.Provider)
	inReserve := e.Open || w == 0
	part, room, before := &l.weighted, l.cfg.Cap-l.cfg.Reserve, l.byWeight(weigh)
	if inReserve {
		part, room, before = &l.reserve, l.cfg.Reserve, byAge
	}
	slices.SortStableFunc(*part, before)
	if len(*part) >= room {
		if room == 0 || before((*part)[len(*part)-1], e) <= 0 {
			return nil, fmt.Errorf("%w (%d providers)", ErrListFull, len(*part))
		}
		last := (*part)[len(*part)-1]
		evicted = &last
		*part = (*part)[:len(*part)-1]
	}
	i, _ := slices.BinarySearchFunc(*part, e, before)
	*part = slices.Insert(*part, i, e)
	return evicted, nil
}

// Remove takes in a provider's removal, tomb (Removed, IssuedAt the removal's time): it drops
// the provider's record unless that is newer (a removal signed at at cannot remove a record
// issued later), and keeps tomb until its ExpiresAt, in place of an older one, so that the
// record does not come back. A full set of tombstones (cfg.Cap) makes room by dropping the one
// that expires first, when tomb expires later. It says whether the list changed, and returns
// the tombstone it dropped to make room.
func (l *List) Remove(tomb Entry, now uint64) (changed bool, dropped *Entry) {
	l.Expire(now)
	tomb.Removed = true
	if old, _, _ := l.find(tomb.Provider); old != nil && old.IssuedAt > tomb.IssuedAt {
		return false, nil
	}
	if tomb.ExpiresAt < now {
		return l.drop(tomb.Provider), nil
	}
	if i, ok := l.findRemoved(tomb.Provider); ok {
		if l.removed[i].IssuedAt >= tomb.IssuedAt {
			return l.drop(tomb.Provider), nil
		}
		l.removed = slices.Delete(l.removed, i, i+1)
	} else if len(l.removed) >= l.cfg.Cap {
		first := slices.MinFunc(l.removed, byExpiry)
		if byExpiry(first, tomb) >= 0 {
			return l.drop(tomb.Provider), nil
		}
		i, _ := l.findRemoved(first.Provider)
		l.removed = slices.Delete(l.removed, i, i+1)
		dropped = &first
	}
	l.drop(tomb.Provider)
	tomb.Value = slices.Clone(tomb.Value)
	i, _ := slices.BinarySearchFunc(l.removed, tomb, byProvider)
	l.removed = slices.Insert(l.removed, i, tomb)
	return true, dropped
}

// drop deletes the provider's record, saying whether there was one.
func (l *List) drop(p trust.PublicKey) bool {
	_, part, i := l.find(p)
	if part == nil {
		return false
	}
	*part = slices.Delete(*part, i, i+1)
	return true
}

// Removals returns the tombstones kept at now, by provider.
func (l *List) Removals(now uint64) []Entry {
	var out []Entry
	for _, e := range l.removed {
		if e.ExpiresAt >= now {
			out = append(out, e)
		}
	}
	return out
}

func (l *List) findRemoved(p trust.PublicKey) (int, bool) {
	return slices.BinarySearchFunc(l.removed, Entry{Provider: p}, byProvider)
}

func byProvider(a, b Entry) int { return bytes.Compare(a.Provider[:], b.Provider[:]) }

// byExpiry orders tombstones: the first to expire first, then by provider.
func byExpiry(a, b Entry) int {
	if a.ExpiresAt != b.ExpiresAt {
		if a.ExpiresAt < b.ExpiresAt {
			return -1
		}
		return 1
	}
	return byProvider(a, b)
}

// Expire drops the records and tombstones that expired before now and returns them.
func (l *List) Expire(now uint64) []Entry {
	var gone []Entry
	expired := func(e Entry) bool {
		if e.ExpiresAt < now {
			gone = append(gone, e)
			return true
		}
		return false
	}
	l.weighted = slices.DeleteFunc(l.weighted, expired)
	l.reserve = slices.DeleteFunc(l.reserve, expired)
	l.removed = slices.DeleteFunc(l.removed, expired)
	return gone
}

// clone is a copy of l that shares no slices with it (entries' values are never changed).
func (l *List) clone() *List {
	return &List{cfg: l.cfg, weighted: slices.Clone(l.weighted), reserve: slices.Clone(l.reserve), removed: slices.Clone(l.removed)}
}

// Entries returns the unexpired records at now, the providers of weight first by their weight
// now, then the reserve, newest first.
func (l *List) Entries(now uint64, weigh Weigher) []Entry {
	var out []Entry
	for _, part := range []struct {
		entries []Entry
		before  func(a, b Entry) int
	}{{l.weighted, l.byWeight(weigh)}, {l.reserve, byAge}} {
		from := len(out)
		for _, e := range part.entries {
			if e.ExpiresAt >= now {
				out = append(out, e)
			}
		}
		slices.SortStableFunc(out[from:], part.before)
	}
	return out
}

// Len is how many records and tombstones the list keeps, expired ones included until Expire or
// Put.
func (l *List) Len() int { return len(l.weighted) + len(l.reserve) + len(l.removed) }

func (l *List) find(p trust.PublicKey) (*Entry, *[]Entry, int) {
	for _, part := range []*[]Entry{&l.weighted, &l.reserve} {
		for i := range *part {
			if (*part)[i].Provider == p {
				return &(*part)[i], part, i
			}
		}
	}
	return nil, nil, 0
}

// byWeight orders the providers of weight: heavier first, then the newer record, then by key
// (so that the order never depends on the order of arrival).
func (l *List) byWeight(weigh Weigher) func(a, b Entry) int {
	return func(a, b Entry) int {
		if wa, wb := weigh(a.Provider), weigh(b.Provider); wa != wb {
			if wa > wb {
				return -1
			}
			return 1
		}
		return byAge(a, b)
	}
}

// byAge orders the reserve: the newer record first, then by key.
func byAge(a, b Entry) int {
	if a.IssuedAt != b.IssuedAt {
		if a.IssuedAt > b.IssuedAt {
			return -1
		}
		return 1
	}
	return bytes.Compare(a.Provider[:], b.Provider[:])
}
