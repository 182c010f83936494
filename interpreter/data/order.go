package data

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// keyOrder is a store's keys as its last encoding sorted them, and the keys added since. For
// the two stores that grow by one entry per call a run replays or makes, it also keeps their
// entries in that order, so that an encoding writes them without looking each one up:
// the values' texts (shared with the store) and the service results encoded.
type keyOrder struct {
	sorted, fresh []CID
	texts         [][]byte // inValues: the text of each key of sorted, when len(texts) == len(sorted)
	enc           []byte   // inServiceResults: the fields of sorted, serviceResultSize bytes each, when as long
}

// serviceResultSize is the size of a service result's field: a tag, a length and three CID
// fields of a tag, a length and 32 bytes.
const serviceResultSize = 2 + 3*(2+len(CID{}))

// appendServiceResult appends the field of a service result, serviceResultSize bytes.
func appendServiceResult(b []byte, r ServiceResult) []byte {
	b = appendTag(b, fServiceResult, protowire.BytesType)
	b = append(b, byte(serviceResultSize-2))
	b = appendCID(b, 1, r.Value)
	b = appendCID(b, 2, r.ArgumentHash)
	return appendCID(b, 3, r.Tetraplet)
}

// order returns the order of m, the store of kind k, with its keys sorted, and keeps it so for
// the next call. What was added since the last call is sorted and merged in, in place; a store
// whose keys the order does not account for (written to directly) is sorted whole.
func order[V any](s *Stores, k int, m map[CID]V) *keyOrder {
	if s.orders == nil {
		s.orders = new([storeKinds]keyOrder)
	}
	o := &s.orders[k]
	if len(o.sorted)+len(o.fresh) != len(m) {
		o.sorted = make([]CID, 0, len(m))
		for c := range m {
			o.sorted = append(o.sorted, c)
		}
		sortCIDs(o.sorted)
		o.fresh, o.texts, o.enc = nil, nil, nil
		return o
	}
	if len(o.fresh) > 0 {
		o.mergeFresh(s)
	}
	return o
}

// mergeFresh merges the fresh keys into the sorted ones, and their entries into the entries
// kept, from the end: each run of old keys that a fresh key moves up moves with one copy.
func (o *keyOrder) mergeFresh(s *Stores) {
	sortCIDs(o.fresh)
	n, f := len(o.sorted), len(o.fresh)
	texts, enc := len(o.texts) == n, len(o.enc) == n*serviceResultSize
	o.sorted = slices.Grow(o.sorted, f)[:n+f]
	if texts {
		o.texts = slices.Grow(o.texts, f)[:n+f]
	} else {
		o.texts = nil
	}
	const z = serviceResultSize
	if enc {
		o.enc = slices.Grow(o.enc, f*z)[:(n+f)*z]
	} else {
		o.enc = nil
	}
	hi := n // the old keys not yet moved are sorted[:hi]
	for j := f - 1; j >= 0; j-- {
		c := o.fresh[j]
		lo, _ := slices.BinarySearchFunc(o.sorted[:hi], c, compareCIDs) // a fresh key is not an old one
		at := lo + j                                                    // c's place: j fresh keys go before it
		copy(o.sorted[at+1:hi+j+1], o.sorted[lo:hi])
		o.sorted[at] = c
		if texts {
			copy(o.texts[at+1:hi+j+1], o.texts[lo:hi])
			o.texts[at] = s.Values[c]
		}
		if enc {
			copy(o.enc[(at+1)*z:(hi+j+1)*z], o.enc[lo*z:hi*z])
			appendServiceResult(o.enc[at*z:at*z:(at+1)*z], s.ServiceResults[c])
		}
		hi = lo
	}
	o.fresh = o.fresh[:0]
}

// valueTexts returns the texts of the values in the order's order (o is the order of s's
// values), looking up those it does not keep yet.
func (o *keyOrder) valueTexts(s *Stores) [][]byte {
	if len(o.texts) != len(o.sorted) {
		o.texts = make([][]byte, len(o.sorted))
		for i, c := range o.sorted {
			o.texts[i] = s.Values[c]
		}
	}
	return o.texts
}

// serviceResults returns the fields of the service results in the order's order (o is the
// order of s's service results), encoding those it does not keep yet.
func (o *keyOrder) serviceResults(s *Stores) []byte {
	if len(o.enc) != len(o.sorted)*serviceResultSize {
		o.enc = make([]byte, 0, len(o.sorted)*serviceResultSize)
		for _, c := range o.sorted {
			o.enc = appendServiceResult(o.enc, s.ServiceResults[c])
		}
	}
	return o.enc
}

// sortCIDs sorts cs as compareCIDs orders them. A run adds a CID or three per call to the
// stores, and sorting them with compareCIDs copies two CIDs into every comparison: here they
// sort as numbers, by their first eight bytes (sortIndexed).
func sortCIDs(cs []CID) {
	low := indexBits(len(cs))
	keys := make([]uint64, len(cs))
	for i, c := range cs {
		keys[i] = binary.BigEndian.Uint64(c[:8])&^low | uint64(i)
	}
	sortIndexed(keys, low, func(a, b int) int { return compareCIDs(cs[a], cs[b]) })
	sorted := make([]CID, len(cs))
	for j, k := range keys {
		sorted[j] = cs[k&low]
	}
	copy(cs, sorted)
}

// indexBits is the mask of the low bits that hold an index below n in a key of sortIndexed.
func indexBits(n int) uint64 { return uint64(1)<<bits.Len(uint(n)) - 1 }

// sortIndexed sorts keys that each hold an item's index in the bits of low and, above them, a
// number whose bits order as the item's first bits do, spread evenly (a hash's): as numbers,
// by sortKeys, and the items whose high bits tie (hardly ever) by cmp of their indices.
func sortIndexed(keys []uint64, low uint64, cmp func(a, b int) int) {
	sortKeys(keys)
	start := 0 // of the run of keys whose high bits tie
	for j := 1; j <= len(keys); j++ {
		if j == len(keys) || keys[j]&^low != keys[j-1]&^low {
			if j-start > 1 {
				slices.SortFunc(keys[start:j], func(a, b uint64) int { return cmp(int(a&low), int(b&low)) })
			}
			start = j
		}
	}
}

// sortKeys sorts keys whose high bits are spread evenly (they come from hashes), in time
// linear in their number: one pass counts them into about as many buckets as keys by their
// high bits, one places them, and each bucket, of a key or two, is sorted on its own. Keys
// that crowd one bucket (made so on purpose) cost no more than a comparison sort of them.
func sortKeys(keys []uint64) {
	if len(keys) < minBucketSort || len(keys) > math.MaxUint32 {
		slices.Sort(keys)
		return
	}
	width := bits.Len(uint(len(keys)))
	shift := 64 - width
	ends := make([]uint32, 1<<width) // a bucket's start, then its end once its keys are placed
	for _, k := range keys {
		ends[k>>shift]++
	}
	var sum uint32
	for b, n := range ends {
		ends[b] = sum
		sum += n
	}
	placed := make([]uint64, len(keys))
	for _, k := range keys {
		placed[ends[k>>shift]] = k
		ends[k>>shift]++
	}
	start := uint32(0)
	for _, end := range ends {
		if end-start > 1 {
			slices.Sort(placed[start:end])
		}
		start = end
	}
	copy(keys, placed)
}

// minBucketSort is the fewest keys sortKeys sorts by buckets: below it, a comparison sort
// that needs no counts is as fast.
const minBucketSort = 512
