package data

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"

	"github.com/aquanet/aquanet/interpreter/value"
)

// Tetraplet says where a value came from: the peer, service and function of the call that
// produced it (empty service and function for literals), and the lens applied to it.
type Tetraplet struct {
	PeerPK       string
	ServiceID    string
	FunctionName string
	Lens         string
}

// AppendCanonical appends the JSON the reference hashes for a tetraplet: its fields in
// declaration order.
func (t Tetraplet) AppendCanonical(dst []byte) []byte {
	dst = append(dst, `{"peer_pk":`...)
	dst = value.String(t.PeerPK).AppendJSON(dst)
	dst = append(dst, `,"service_id":`...)
	dst = value.String(t.ServiceID).AppendJSON(dst)
	dst = append(dst, `,"function_name":`...)
	dst = value.String(t.FunctionName).AppendJSON(dst)
	dst = append(dst, `,"lens":`...)
	dst = value.String(t.Lens).AppendJSON(dst)
	return append(dst, '}')
}

// ServiceResult ties a call's result to how it was obtained: the value, the CID of the call's
// arguments (a JSON array), and the tetraplet of the call.
type ServiceResult struct {
	Value        CID
	ArgumentHash CID
	Tetraplet    CID
}

// AppendCanonical appends the JSON the reference hashes for a service result.
func (r ServiceResult) AppendCanonical(dst []byte) []byte {
	dst = append(dst, `{"value_cid":"`...)
	dst = r.Value.AppendText(dst)
	dst = append(dst, `","argument_hash":"`...)
	dst = r.ArgumentHash.AppendText(dst)
	dst = append(dst, `","tetraplet_cid":"`...)
	dst = r.Tetraplet.AppendText(dst)
	return append(dst, `"}`...)
}

// ProvenanceKind says where a canon element came from.
type ProvenanceKind uint8

const (
	FromLiteral       ProvenanceKind = iota // a literal or a special value put into the stream
	FromServiceResult                       // a call result; the provenance CID names its ServiceResult
	FromCanon                               // an element of another canon; the CID names its CanonResult
)

var provenanceNames = [...]string{"literal", "service_result", "canon"}

// CanonElement is one element of a canon stream: its value, tetraplet and provenance.
type CanonElement struct {
	Value         CID
	Tetraplet     CID
	Provenance    ProvenanceKind
	ProvenanceCID CID // FromServiceResult and FromCanon only
}

// AppendCanonical appends the JSON the reference hashes for a canon element.
func (e CanonElement) AppendCanonical(dst []byte) []byte {
	dst = append(dst, `{"value":"`...)
	dst = e.Value.AppendText(dst)
	dst = append(dst, `","tetraplet":"`...)
	dst = e.Tetraplet.AppendText(dst)
	dst = append(dst, `","provenance":`...)
	dst = e.appendProvenance(dst)
	return append(dst, '}')
}

func (e CanonElement) appendProvenance(dst []byte) []byte {
	dst = append(dst, `{"type":"`...)
	dst = append(dst, provenanceNames[e.Provenance]...)
	if e.Provenance != FromLiteral {
		dst = append(dst, `","cid":"`...)
		dst = e.ProvenanceCID.AppendText(dst)
	}
	return append(dst, `"}`...)
}

// CanonResult is a frozen canon stream: the canon's tetraplet and its elements in order.
type CanonResult struct {
	Tetraplet CID
	Values    []CID // CanonElement CIDs
}

// AppendCanonical appends the JSON the reference hashes for a canon result.
func (r CanonResult) AppendCanonical(dst []byte) []byte {
	dst = append(dst, `{"tetraplet":"`...)
	dst = r.Tetraplet.AppendText(dst)
	dst = append(dst, `","values":[`...)
	for i, v := range r.Values {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = v.AppendText(dst)
		dst = append(dst, '"')
	}
	return append(dst, "]}"...)
}

// Stores are the content-addressed stores of AIR data: everything the trace refers to by CID.
type Stores struct {
	Values         map[CID][]byte // canonical JSON text of each value
	Tetraplets     map[CID]Tetraplet
	CanonElements  map[CID]CanonElement
	CanonResults   map[CID]CanonResult
	ServiceResults map[CID]ServiceResult

	added  *Additions          // where the Puts note what they add, if anywhere (Record)
	parsed map[CID]value.Value // Values parsed, by Parsed and PutValue (nil: none kept)
	work   *storeWork          // shared by the copies of the stores; nil in stores made by hand
	// orders keep each store's keys sorted for Encode, from one encoding to the next, with
	// the keys added since: a run then sorts what it added, not the whole history. Shared by
	// the copies of the stores; nil until the first encoding.
	orders *[storeKinds]keyOrder
}

// storeWork is what the Puts and Parsed reuse from one call to the next.
type storeWork struct {
	reader   value.Reader // parses values for Parsed
	scratch  []byte       // canonical JSON to hash
	resolved []resolvedAt // by trace position: see ResolvedAt
	trace    traceMemo    // see Data.traceStart
}

func newStoreWork() *storeWork { return &storeWork{scratch: make([]byte, 0, 512)} }

// hash returns the CID of the canonical JSON that appendJSON appends, written into s's scratch
// buffer if s has one.
func (s *Stores) hash(appendJSON func([]byte) []byte) CID {
	if s.work == nil {
		return CIDOf(appendJSON(nil))
	}
	b := appendJSON(s.work.scratch[:0])
	if cap(b) <= maxScratch {
		s.work.scratch = b
	}
	return CIDOf(b)
}

// maxScratch bounds the scratch buffer kept between Puts.
const maxScratch = 64 << 10

// compareCIDs orders CIDs bytewise, by their first eight bytes first: sorting thousands of
// CIDs is most of an encoding's work after a large fold.
func compareCIDs(a, b CID) int {
	if x, y := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8]); x != y {
		return cmp.Compare(x, y)
	}
	return bytes.Compare(a[8:], b[8:])
}

// Additions are the keys Puts added to stores that did not hold them: what to take out again
// (Undo) to have the stores as they were. A run adds to the stores it was given rather than to
// a copy, so that it costs what it adds, and undoes its additions if it fails.
type Additions struct {
	keys [storeKinds][]CID
}

// The stores, as indexes of Additions.keys.
const (
	inValues = iota
	inTetraplets
	inCanonElements
	inCanonResults
	inServiceResults
	storeKinds
)

// Record makes the Puts of s note in a what they add, from now on.
func (s *Stores) Record(a *Additions) { s.added = a }

// Undo takes out of s what a recorded, and stops recording.
func (s *Stores) Undo(a *Additions) {
	if s.work != nil {
		// The memo may rest on what goes (a service result of the data merged in, say).
		s.work.resolved = nil
	}
	for k, keys := range a.keys {
		if s.orders != nil {
			// The keys a recorded were added to the order's fresh keys as they were to a.
			o := &s.orders[k]
			o.fresh = o.fresh[:max(len(o.fresh)-len(keys), 0)]
		}
		for _, c := range keys {
			switch k {
			case inValues:
				delete(s.Values, c)
				delete(s.parsed, c)
			case inTetraplets:
				delete(s.Tetraplets, c)
			case inCanonElements:
				delete(s.CanonElements, c)
			case inCanonResults:
				delete(s.CanonResults, c)
			case inServiceResults:
				delete(s.ServiceResults, c)
			}
		}
	}
	*a = Additions{}
	s.added = nil
}

// put stores v under c in m, the store of kind k, noting c if s records and it is new there.
// Nothing between the store and the note can panic (an append that cannot get memory is fatal,
// not a panic), so a run stopped by a panic still undoes every entry it added.
func put[V any](s *Stores, k int, m map[CID]V, c CID, v V) {
	n := len(m)
	m[c] = v
	if len(m) == n || (s.added == nil && s.orders == nil) {
		return
	}
	// A key the map did not hold (its length grew: one lookup, not two; a run puts three or
	// four entries per call, into maps that outgrow the caches in a fold of thousands).
	if s.added != nil {
		s.added.keys[k] = appendKey(s.added.keys[k], c)
	}
	if s.orders != nil {
		s.orders[k].fresh = appendKey(s.orders[k].fresh, c)
	}
}

// appendKey appends c to ks, doubling its capacity when it is full: append grows a slice of
// 256 keys and more by a quarter, copying the keys a fold of thousands adds some five times.
func appendKey(ks []CID, c CID) []CID {
	if len(ks) == cap(ks) {
		ks = slices.Grow(ks, max(len(ks), 8))
	}
	return append(ks, c)
}

// Merge adds the entries of o to s: content-addressed, entries agree whenever keys do.
func (s *Stores) Merge(o Stores) {
	for c, v := range o.Values {
		put(s, inValues, s.Values, c, v)
	}
	for c, v := range o.Tetraplets {
		put(s, inTetraplets, s.Tetraplets, c, v)
	}
	for c, v := range o.CanonElements {
		put(s, inCanonElements, s.CanonElements, c, v)
	}
	for c, v := range o.CanonResults {
		put(s, inCanonResults, s.CanonResults, c, v)
	}
	for c, v := range o.ServiceResults {
		put(s, inServiceResults, s.ServiceResults, c, v)
	}
}

// Reserve makes room for n more values and service results: the results of n calls a run is
// about to take. A store smaller than n is copied into one of its size to come, which costs
// less than growing it there entry by entry; a larger one grows as it goes.
func (s *Stores) Reserve(n int) {
	s.Values = reserve(s.Values, n)
	s.ServiceResults = reserve(s.ServiceResults, n)
	if s.parsed != nil {
		s.parsed = reserve(s.parsed, n)
	}
	if s.orders != nil && n >= minReserve {
		for _, k := range []int{inValues, inServiceResults} {
			s.orders[k].fresh = slices.Grow(s.orders[k].fresh, n)
		}
	}
}

func reserve[V any](m map[CID]V, n int) map[CID]V {
	if n < minReserve || len(m) >= n {
		return m
	}
	r := make(map[CID]V, len(m)+n)
	for c, v := range m {
		r[c] = v
	}
	return r
}

// minReserve is the fewest entries worth a reservation.
const minReserve = 64

// NewStores returns empty stores.
func NewStores() Stores {
	return Stores{
		Values:         map[CID][]byte{},
		Tetraplets:     map[CID]Tetraplet{},
		CanonElements:  map[CID]CanonElement{},
		CanonResults:   map[CID]CanonResult{},
		ServiceResults: map[CID]ServiceResult{},
		parsed:         map[CID]value.Value{},
		work:           newStoreWork(),
	}
}

// Parsed returns the value stored under c, parsed: the first time from its text, after that
// from memory, so that data kept between runs (interpreter.RunDecoded) parses each value once
// however often its runs replay it. found is false if s has no value c.
func (s *Stores) Parsed(c CID) (v value.Value, found bool, err error) {
	if v, ok := s.parsed[c]; ok {
		return v, true, nil
	}
	text, ok := s.Values[c]
	if !ok {
		return value.Value{}, false, nil
	}
	if s.work != nil {
		v, err = s.work.reader.Parse(text, value.Limits{})
	} else {
		v, err = value.Parse(text, value.Limits{})
	}
	if err != nil {
		return value.Value{}, true, err
	}
	if s.parsed != nil {
		s.parsed[c] = v
	}
	return v, true, nil
}

// PutValue stores a value and returns its CID.
func (s *Stores) PutValue(v value.Value) CID {
	var text []byte
	if s.work == nil {
		text = v.AppendJSON(nil)
	} else {
		// Written into the scratch buffer first, to keep a copy of exactly its size.
		b := v.AppendJSON(s.work.scratch[:0])
		text = bytes.Clone(b)
		if cap(b) <= maxScratch {
			s.work.scratch = b
		}
	}
	c := CIDOf(text)
	put(s, inValues, s.Values, c, text)
	if s.parsed != nil {
		s.parsed[c] = v
	}
	return c
}

// PutValueText stores a value whose canonical JSON text is text, which the store keeps (the
// caller must not change it), and returns its CID.
func (s *Stores) PutValueText(v value.Value, text []byte) CID {
	c := CIDOf(text)
	put(s, inValues, s.Values, c, text)
	if s.parsed != nil {
		s.parsed[c] = v
	}
	return c
}

// PutTetraplet stores a tetraplet and returns its CID.
func (s *Stores) PutTetraplet(t Tetraplet) CID {
	c := s.hash(t.AppendCanonical)
	put(s, inTetraplets, s.Tetraplets, c, t)
	return c
}

// PutServiceResult stores a service result and returns its CID.
func (s *Stores) PutServiceResult(r ServiceResult) CID {
	c := s.hash(r.AppendCanonical)
	put(s, inServiceResults, s.ServiceResults, c, r)
	return c
}

// PutCanonElement stores a canon element and returns its CID.
func (s *Stores) PutCanonElement(e CanonElement) CID {
	c := s.hash(e.AppendCanonical)
	put(s, inCanonElements, s.CanonElements, c, e)
	return c
}

// PutCanonResult stores a canon result and returns its CID.
func (s *Stores) PutCanonResult(r CanonResult) CID {
	c := s.hash(r.AppendCanonical)
	put(s, inCanonResults, s.CanonResults, c, r)
	return c
}
