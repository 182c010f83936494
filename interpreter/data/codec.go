package data

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/aquanet/aquanet/interpreter/value"
)

// FormatVersion is the first byte of encoded data.
const FormatVersion = 1

// The encoding is a version byte followed by protobuf-style fields (google.golang.org/protobuf's
// protowire), written in a fixed order with store entries sorted, so equal data encodes to equal
// bytes. Stores are sent without their keys: a CID is the hash of its entry, so the decoder
// recomputes it, and a store can never disagree with its keys.
//
//	1 state (repeated)     2 last call id
//	3 value (repeated): canonical JSON text
//	4 tetraplet: 1 peer_pk 2 service_id 3 function_name 4 lens
//	5 canon element: 1 value 2 tetraplet 3 provenance kind 4 provenance cid
//	6 canon result: 1 tetraplet 2 values (concatenated 32-byte digests)
//	7 service result: 1 value 2 argument hash 3 tetraplet
//	8 signature: 1 public key 2 signature
//
// A state is one field: 1 par (1 left, 2 right), 2 call (1 kind, 2 peer, 3 has call id,
// 4 call id, 5 value kind, 6 cid, 7 generation), 3 fold (1 lore: 1 value pos, 2 before pos,
// 3 before len, 4 after pos, 5 after len), 4 ap (1 gens, packed), 5 canon (1 executed, 2 sent by,
// 3 cid). CIDs travel as their 32-byte digests.
const (
	fState protowire.Number = iota + 1
	fLastCallID
	fValue
	fTetraplet
	fCanonElement
	fCanonResult
	fServiceResult
	fSignature
)

// ErrMalformed marks every decoding error.
var ErrMalformed = errors.New("malformed data")

// ErrUnsupportedVersion is wrapped by Decode's error for data in a format version this build
// does not read (the reference's "unsupported interpreter version").
var ErrUnsupportedVersion = errors.New("unsupported data format version")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Encode returns d's byte encoding. It keeps the order of the stores' keys and the trace it
// encoded for its next call (see Stores and traceMemo), whose trace it copies from this one:
// the result must not be changed, and Encode must not be called on the same Data from two
// goroutines at once.
func (d *Data) Encode() []byte { return d.encode(largePart) }

// encode is Encode with the parts of large bytes or more joined at the end (see chunks).
func (d *Data) encode(large int) []byte {
	st := &d.Stores
	values := order(st, inValues, st.Values).valueTexts(st)
	tetraplets := order(st, inTetraplets, st.Tetraplets).sorted
	elements := order(st, inCanonElements, st.CanonElements).sorted
	canons := order(st, inCanonResults, st.CanonResults).sorted
	results := order(st, inServiceResults, st.ServiceResults).serviceResults(st)
	// The trace goes first: the fields of the states the last encoding shared with this one,
	// as it wrote them, then the rest written in place. The whole encoding is allocated once,
	// with room guessed for the states not shared: growing a buffer that holds a megabyte value
	// copies the megabyte. Parts of a large size (the shared fields, a value's text, the service
	// results) are not copied into that buffer but joined with it at the end (see chunks).
	memo, shared := d.traceStart()
	fresh := d.Trace[memo.shared():]
	w := chunks{large: large}
	size := 1 + len(shared) + len(fresh)*stateSizeGuess + d.storesSizeBound(values, results) - w.aside(shared) - w.aside(results)
	for _, text := range values {
		size -= w.aside(text)
	}
	w.buf = make([]byte, 1, size)
	w.buf[0] = FormatVersion
	w.add(shared)
	start := len(w.buf)
	for _, s := range fresh {
		w.buf = appendStateField(w.buf, s)
		memo.note(s, len(shared)+len(w.buf)-start)
	}
	traceLen := len(shared) + len(w.buf) - start
	w.buf = appendVarint(w.buf, fLastCallID, uint64(d.LastCallID))
	var scratch []byte // one entry's message at a time, reused
	for _, text := range values {
		w.buf = appendUvarint(appendTag(w.buf, fValue, protowire.BytesType), uint64(len(text)))
		w.add(text)
	}
	for _, c := range tetraplets {
		t := st.Tetraplets[c]
		m := scratch[:0]
		m = appendString(m, 1, t.PeerPK)
		m = appendString(m, 2, t.ServiceID)
		m = appendString(m, 3, t.FunctionName)
		m = appendString(m, 4, t.Lens)
		w.buf = appendMessage(w.buf, fTetraplet, m)
		scratch = m
	}
	for _, c := range elements {
		e := st.CanonElements[c]
		m := scratch[:0]
		m = appendCID(m, 1, e.Value)
		m = appendCID(m, 2, e.Tetraplet)
		m = appendVarint(m, 3, uint64(e.Provenance))
		if e.Provenance != FromLiteral {
			m = appendCID(m, 4, e.ProvenanceCID)
		}
		w.buf = appendMessage(w.buf, fCanonElement, m)
		scratch = m
	}
	for _, c := range canons {
		r := st.CanonResults[c]
		m := scratch[:0]
		m = appendCID(m, 1, r.Tetraplet)
		m = appendUvarint(appendTag(m, 2, protowire.BytesType), uint64(len(r.Values)*len(CID{})))
		for _, v := range r.Values {
			m = append(m, v[:]...)
		}
		w.buf = appendMessage(w.buf, fCanonResult, m)
		scratch = m
	}
	w.add(results)
	pks := make([]string, 0, len(d.Signatures))
	for pk := range d.Signatures {
		pks = append(pks, pk)
	}
	slices.Sort(pks)
	for _, pk := range pks {
		m := scratch[:0]
		m = appendString(m, 1, pk)
		m = appendMessage(m, 2, d.Signatures[pk])
		w.buf = appendMessage(w.buf, fSignature, m)
		scratch = m
	}
	out := w.join()
	memo.wrote(out, traceLen)
	return out
}

// largePart is the size from which Encode joins a part of the encoding with the rest at the
// end instead of copying it into the buffer the rest is written to.
const largePart = 64 << 10

// chunks is an encoding written in pieces: the small fields into buf, and parts of large bytes
// or more kept aside, in order, and copied once into the result by join, into memory the
// runtime did not clear first (bytes.Join's). A buffer sized for them up front is cleared
// before anything is written to it: for a trace of a few hundred KiB, encoded run after run
// into memory the heap already holds, that clearing cost as much as the copy.
type chunks struct {
	buf    []byte
	pieces [][]byte // the encoding before buf[mark:]
	mark   int
	large  int
}

// add appends part, copying it into buf if it is small.
func (w *chunks) add(part []byte) {
	if len(part) < w.large {
		w.buf = append(w.buf, part...)
		return
	}
	w.pieces = append(w.pieces, w.buf[w.mark:], part)
	w.mark = len(w.buf)
}

// aside is how much of part add keeps aside instead of copying into buf.
func (w *chunks) aside(part []byte) int {
	if len(part) < w.large {
		return 0
	}
	return len(part)
}

// join returns the encoding: buf itself when no part was kept aside.
func (w *chunks) join() []byte {
	if w.pieces == nil {
		return w.buf
	}
	return bytes.Join(append(w.pieces, w.buf[w.mark:]), nil)
}

// storesSizeBound is at least the encoded size of everything after the trace, given the texts
// of the values and the fields of the service results: each field costs at most its payload
// plus maxFieldOverhead (a one-byte tag and a length varint of at most five bytes for any
// payload under 4 GiB; data is limited well below that).
func (d *Data) storesSizeBound(values [][]byte, results []byte) int {
	const (
		o    = maxFieldOverhead
		cid  = o + len(CID{})
		elem = o + 4*cid + o
	)
	n := 2*o + len(results) // last call id
	for _, v := range values {
		n += o + len(v)
	}
	for _, t := range d.Stores.Tetraplets {
		n += o + 4*o + len(t.PeerPK) + len(t.ServiceID) + len(t.FunctionName) + len(t.Lens)
	}
	n += len(d.Stores.CanonElements) * elem
	for _, r := range d.Stores.CanonResults {
		n += o + cid + o + len(r.Values)*len(CID{})
	}
	for pk, sig := range d.Signatures {
		n += o + o + len(pk) + o + len(sig)
	}
	return n
}

// maxFieldOverhead bounds a field's tag and length prefix (see storesSizeBound).
const maxFieldOverhead = 6

// appendStateField appends one state to b as a field of the data: fState around the field of
// its kind. The message of its kind is written once, on the stack (a trace's states are small
// but many), and copied once, into b.
func appendStateField(b []byte, s State) []byte {
	var buf [96]byte
	num, m := appendStateMessage(buf[:0], s)
	b = appendTag(b, fState, protowire.BytesType)
	b = appendUvarint(b, uint64(protowire.SizeTag(num)+protowire.SizeBytes(len(m))))
	return appendMessage(b, num, m)
}

// appendStateMessage appends the message of one state to m, and returns the field number of
// its kind.
func appendStateMessage(m []byte, s State) (protowire.Number, []byte) {
	var num protowire.Number
	switch s := s.(type) {
	case ParState:
		num = 1
		m = appendVarint(m, 1, uint64(s.Left))
		m = appendVarint(m, 2, uint64(s.Right))
	case CallState:
		num = 2
		m = appendVarint(m, 1, uint64(s.Kind))
		if s.Kind == CallSentBy {
			m = appendString(m, 2, s.Peer)
			if s.HasCallID {
				m = appendVarint(m, 3, 1)
				m = appendVarint(m, 4, uint64(s.CallID))
			}
		} else {
			m = appendVarint(m, 5, uint64(s.Value))
			m = appendCID(m, 6, s.CID)
			m = appendVarint(m, 7, uint64(s.Generation))
		}
	case FoldState:
		num = 3
		for _, l := range s.Lore {
			var lm []byte
			lm = appendVarint(lm, 1, uint64(l.ValuePos))
			lm = appendVarint(lm, 2, uint64(l.Before.Pos))
			lm = appendVarint(lm, 3, uint64(l.Before.Len))
			lm = appendVarint(lm, 4, uint64(l.After.Pos))
			lm = appendVarint(lm, 5, uint64(l.After.Len))
			m = appendMessage(m, 1, lm)
		}
	case ApState:
		num = 4
		var packed []byte
		for _, g := range s.Gens {
			packed = appendUvarint(packed, uint64(g))
		}
		m = appendMessage(m, 1, packed)
	case CanonState:
		num = 5
		if s.Executed {
			m = appendVarint(m, 1, 1)
			m = appendCID(m, 3, s.CID)
		} else {
			m = appendString(m, 2, s.SentBy)
		}
	}
	return num, m
}

// appendVarint, appendString, appendCID and appendMessage append a field of their type. Every
// field number here is under 16 and most values and lengths under 128, so each field's tag and
// most of their lengths are one byte, written without protowire's general varint.
func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	return appendUvarint(appendTag(b, num, protowire.VarintType), v)
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = appendUvarint(appendTag(b, num, protowire.BytesType), uint64(len(s)))
	return append(b, s...)
}

func appendCID(b []byte, num protowire.Number, c CID) []byte {
	b = appendUvarint(appendTag(b, num, protowire.BytesType), uint64(len(c)))
	return append(b, c[:]...)
}

func appendMessage(b []byte, num protowire.Number, m []byte) []byte {
	b = appendUvarint(appendTag(b, num, protowire.BytesType), uint64(len(m)))
	return append(b, m...)
}

// appendTag appends a tag of one byte: every field number of the format is under 16
// (TestTagsOfOneByte).
func appendTag(b []byte, num protowire.Number, typ protowire.Type) []byte {
	return append(b, byte(num)<<3|byte(typ))
}

func appendUvarint(b []byte, v uint64) []byte {
	if v < 0x80 {
		return append(b, byte(v))
	}
	return protowire.AppendVarint(b, v)
}

// Decode parses encoded data. Empty input is empty data, as in the reference. Values are kept as
// the JSON text that arrived, their CIDs computed over it; they are parsed (and rejected if they
// are not JSON) when the interpreter uses them. Errors wrap ErrMalformed (or
// ErrUnsupportedVersion) and say what was wrong;
// nothing is allocated beyond what the input holds.
//
// The stores are sized from a first pass that counts their entries, and the order in which each
// store's entries arrive is kept for the next Encode when it is the sorted order Encode writes
// (checked as the entries are read), so that data decoded, added to and encoded again sorts
// only what was added.
func Decode(buf []byte) (*Data, error) {
	if len(buf) == 0 {
		return New(), nil
	}
	if buf[0] != FormatVersion {
		return nil, fmt.Errorf("%w: the data is in format version %d, this build reads version %d", ErrUnsupportedVersion, buf[0], FormatVersion)
	}
	n := countFields(buf[1:])
	d := &Data{
		Trace: make([]State, 0, sizeHint(n.states)),
		Stores: Stores{
			Values:         make(map[CID][]byte, sizeHint(n.entries[inValues])),
			Tetraplets:     make(map[CID]Tetraplet, sizeHint(n.entries[inTetraplets])),
			CanonElements:  make(map[CID]CanonElement, sizeHint(n.entries[inCanonElements])),
			CanonResults:   make(map[CID]CanonResult, sizeHint(n.entries[inCanonResults])),
			ServiceResults: make(map[CID]ServiceResult, sizeHint(n.entries[inServiceResults])),
			parsed:         map[CID]value.Value{},
			work:           newStoreWork(),
		},
		Signatures: map[string][]byte{},
	}
	orders := new([storeKinds]keyOrder)
	for k := range orders {
		orders[k].sorted = make([]CID, 0, sizeHint(n.entries[k]))
	}
	unsorted := [storeKinds]bool{}
	// note keeps c, the key of an entry of kind k, in the order while the keys arrive sorted,
	// and reports whether it did (the entry's caller keeps what the order keeps of entries).
	note := func(k int, c CID) bool {
		o := &orders[k]
		if unsorted[k] {
			return false
		}
		if len(o.sorted) > 0 && compareCIDs(o.sorted[len(o.sorted)-1], c) >= 0 {
			unsorted[k] = true
			o.sorted, o.texts, o.enc = nil, nil, nil
			return false
		}
		o.sorted = append(o.sorted, c)
		return true
	}
	texts := make([]byte, 0, n.valueBytes) // the values' texts, copied out of buf in one piece
	var scratch []byte                     // canonical JSON to hash, reused
	r := reader{buf: buf[1:]}
	var lastPeer string // see decodeState
	for !r.done() {
		num, typ := r.tag()
		if r.err != nil {
			break
		}
		switch num {
		case fLastCallID:
			d.LastCallID = r.uint32(typ, "last call id")
		case fState:
			s, err := decodeState(r.bytes(typ, "state"), &lastPeer)
			if err != nil {
				return nil, fmt.Errorf("state %d: %w", len(d.Trace), err)
			}
			d.Trace = append(d.Trace, s)
		case fValue:
			text := r.bytes(typ, "value")
			if r.err != nil {
				break
			}
			// The CID is the hash of the text as it is; the text is parsed when it is used.
			if len(texts)+len(text) > cap(texts) { // not counted: input the count stopped before
				texts = make([]byte, 0, len(text))
			}
			at := len(texts)
			texts = append(texts, text...)
			c := CIDOf(text)
			d.Stores.Values[c] = texts[at:len(texts):len(texts)]
			if note(inValues, c) {
				orders[inValues].texts = append(orders[inValues].texts, d.Stores.Values[c])
			}
		case fTetraplet:
			f := fields(r.bytes(typ, "tetraplet"))
			t := Tetraplet{PeerPK: f.str(1), ServiceID: f.str(2), FunctionName: f.str(3), Lens: f.str(4)}
			if f.err != nil {
				return nil, malformed("tetraplet: %v", f.err)
			}
			scratch = t.AppendCanonical(scratch[:0])
			c := CIDOf(scratch)
			d.Stores.Tetraplets[c] = t
			note(inTetraplets, c)
		case fCanonElement:
			f := fields(r.bytes(typ, "canon element"))
			e := CanonElement{Value: f.cid(1), Tetraplet: f.cid(2), Provenance: ProvenanceKind(f.uint(3)), ProvenanceCID: f.optCID(4)}
			if f.err == nil && e.Provenance > FromCanon {
				f.err = fmt.Errorf("unknown provenance %d", e.Provenance)
			}
			if f.err != nil {
				return nil, malformed("canon element: %v", f.err)
			}
			scratch = e.AppendCanonical(scratch[:0])
			c := CIDOf(scratch)
			d.Stores.CanonElements[c] = e
			note(inCanonElements, c)
		case fCanonResult:
			f := fields(r.bytes(typ, "canon result"))
			res := CanonResult{Tetraplet: f.cid(1)}
			raw := f.raw(2)
			if f.err == nil && len(raw)%32 != 0 {
				f.err = errors.New("values are not a whole number of CIDs")
			}
			if f.err != nil {
				return nil, malformed("canon result: %v", f.err)
			}
			if len(raw) > 0 {
				res.Values = make([]CID, 0, len(raw)/32)
			}
			for i := 0; i < len(raw); i += 32 {
				res.Values = append(res.Values, CID(raw[i:i+32]))
			}
			scratch = res.AppendCanonical(scratch[:0])
			c := CIDOf(scratch)
			d.Stores.CanonResults[c] = res
			note(inCanonResults, c)
		case fServiceResult:
			f := fields(r.bytes(typ, "service result"))
			sr := ServiceResult{Value: f.cid(1), ArgumentHash: f.cid(2), Tetraplet: f.cid(3)}
			if f.err != nil {
				return nil, malformed("service result: %v", f.err)
			}
			scratch = sr.AppendCanonical(scratch[:0])
			c := CIDOf(scratch)
			d.Stores.ServiceResults[c] = sr
			if note(inServiceResults, c) {
				orders[inServiceResults].enc = appendServiceResult(orders[inServiceResults].enc, sr)
			}
		case fSignature:
			f := fields(r.bytes(typ, "signature"))
			pk, sig := f.str(1), f.raw(2)
			if f.err == nil && (len(pk) != 32 || len(sig) != 64) {
				f.err = fmt.Errorf("public key of %d bytes or signature of %d bytes, want 32 and 64", len(pk), len(sig))
			}
			if f.err != nil {
				return nil, malformed("signature: %v", f.err)
			}
			d.Signatures[pk] = bytes.Clone(sig)
		default:
			r.skip(num, typ)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	d.Stores.orders = orders
	return d, nil
}

// maxSizeHint bounds what Decode sizes from its count of fields before it reads them: a field
// can take 2 bytes of input and an entry of a store 100 bytes of memory, so that data of empty
// fields would have Decode allocate 50 times its size for entries that never come. Past the
// bound, the stores grow as their entries are read.
const maxSizeHint = 1 << 14

func sizeHint(n int) int { return min(n, maxSizeHint) }

// fieldCounts are the sizes countFields finds.
type fieldCounts struct {
	states     int
	entries    [storeKinds]int
	valueBytes int
}

// countFields counts the states and store entries of encoded data (without its version byte),
// and the bytes of its values, up to the first malformed field (which Decode reports).
func countFields(b []byte) (n fieldCounts) {
	for len(b) > 0 {
		num, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return n
		}
		b = b[l:]
		l = protowire.ConsumeFieldValue(num, typ, b)
		if l < 0 {
			return n
		}
		switch num {
		case fState:
			n.states++
		case fValue:
			n.entries[inValues]++
			n.valueBytes += l // the text and its length prefix: a bound
		case fTetraplet:
			n.entries[inTetraplets]++
		case fCanonElement:
			n.entries[inCanonElements]++
		case fCanonResult:
			n.entries[inCanonResults]++
		case fServiceResult:
			n.entries[inServiceResults]++
		}
		b = b[l:]
	}
	return n
}

// interned returns b as a string, *last itself when they are equal, and remembers it.
func interned(last *string, b []byte) string {
	if string(b) != *last { // compared without converting
		*last = string(b)
	}
	return *last
}

// decodeState decodes one state; lastPeer is the peer named by the previous state, whose string
// is reused when this state names the same peer (a trace names a few peers thousands of times).
func decodeState(b []byte, lastPeer *string) (State, error) {
	r := reader{buf: b}
	num, typ := r.tag()
	body := r.bytes(typ, "state")
	if r.err != nil {
		return nil, r.err
	}
	if !r.done() {
		return nil, malformed("a state holds more than one field")
	}
	f := fields(body)
	var s State
	switch num {
	case 1:
		s = ParState{Left: f.uint32(1), Right: f.uint32(2)}
	case 2:
		c := CallState{Kind: CallKind(f.uint(1))}
		switch c.Kind {
		case CallSentBy:
			c.Peer = interned(lastPeer, f.raw(2))
			c.HasCallID = f.uint(3) == 1
			c.CallID = f.uint32(4)
		case CallExecuted, CallFailed:
			c.Value = ValueKind(f.uint(5))
			c.CID = f.cid(6)
			c.Generation = f.uint32(7)
			if c.Value > UnusedValue {
				f.err = fmt.Errorf("unknown value kind %d", c.Value)
			}
		default:
			f.err = fmt.Errorf("unknown call kind %d", c.Kind)
		}
		s = c
	case 3:
		var fs FoldState
		for _, raw := range f.all(1) {
			l := fields(raw)
			fs.Lore = append(fs.Lore, FoldLore{
				ValuePos: l.uint32(1),
				Before:   SubTrace{Pos: l.uint32(2), Len: l.uint32(3)},
				After:    SubTrace{Pos: l.uint32(4), Len: l.uint32(5)},
			})
			if l.err != nil {
				f.err = l.err
			}
		}
		s = fs
	case 4:
		var as ApState
		packed := f.raw(1)
		for len(packed) > 0 && f.err == nil {
			v, n := protowire.ConsumeVarint(packed)
			if n < 0 || v > math.MaxUint32 {
				f.err = errors.New("bad generation")
				break
			}
			as.Gens = append(as.Gens, uint32(v))
			packed = packed[n:]
		}
		s = as
	case 5:
		cs := CanonState{Executed: f.uint(1) == 1}
		if cs.Executed {
			cs.CID = f.cid(3)
		} else {
			cs.SentBy = interned(lastPeer, f.raw(2))
		}
		s = cs
	default:
		return nil, malformed("unknown state kind %d", num)
	}
	if f.err != nil {
		return nil, malformed("%v", f.err)
	}
	return s, nil
}

// reader walks the fields of one message.
type reader struct {
	buf []byte
	err error
}

func (r *reader) done() bool { return r.err != nil || len(r.buf) == 0 }

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = malformed(format, args...)
	}
	r.buf = nil
}

func (r *reader) tag() (protowire.Number, protowire.Type) {
	num, typ, n := protowire.ConsumeTag(r.buf)
	if n < 0 {
		r.fail("bad field tag: %v", protowire.ParseError(n))
		return 0, 0
	}
	r.buf = r.buf[n:]
	return num, typ
}

func (r *reader) bytes(typ protowire.Type, what string) []byte {
	if r.err != nil {
		return nil
	}
	if typ != protowire.BytesType {
		r.fail("%s has wire type %d, want length-delimited", what, typ)
		return nil
	}
	v, n := protowire.ConsumeBytes(r.buf)
	if n < 0 {
		r.fail("%s: %v", what, protowire.ParseError(n))
		return nil
	}
	r.buf = r.buf[n:]
	return v
}

func (r *reader) uint32(typ protowire.Type, what string) uint32 {
	if typ != protowire.VarintType {
		r.fail("%s has wire type %d, want varint", what, typ)
		return 0
	}
	v, n := protowire.ConsumeVarint(r.buf)
	if n < 0 || v > math.MaxUint32 {
		r.fail("%s is not a u32", what)
		return 0
	}
	r.buf = r.buf[n:]
	return uint32(v)
}

func (r *reader) skip(num protowire.Number, typ protowire.Type) {
	n := protowire.ConsumeFieldValue(num, typ, r.buf)
	if n < 0 {
		r.fail("field %d: %v", num, protowire.ParseError(n))
		return
	}
	r.buf = r.buf[n:]
}

// fieldSet is a small message read into its fields. Messages have a handful of fields, so they
// are kept in fixed arrays (no allocation) with slices only for the rare longer message (a fold
// state's lore).
type fieldSet struct {
	n    int
	nums [8]protowire.Number
	vals [8]uint64
	raws [8][]byte
	more []extraField
	err  error
}

type extraField struct {
	num protowire.Number
	val uint64
	raw []byte
}

func (f *fieldSet) add(num protowire.Number, val uint64, raw []byte) {
	if f.n < len(f.nums) {
		f.nums[f.n], f.vals[f.n], f.raws[f.n] = num, val, raw
		f.n++
		return
	}
	f.more = append(f.more, extraField{num, val, raw})
}

// field returns the i-th field.
func (f *fieldSet) field(i int) (protowire.Number, uint64, []byte) {
	if i < len(f.nums) {
		return f.nums[i], f.vals[i], f.raws[i]
	}
	e := f.more[i-len(f.nums)]
	return e.num, e.val, e.raw
}

func (f *fieldSet) count() int { return f.n + len(f.more) }

func fields(b []byte) (f fieldSet) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			f.err = protowire.ParseError(n)
			return
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				f.err = protowire.ParseError(n)
				return
			}
			f.add(num, v, nil)
			b = b[n:]
		case protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				f.err = protowire.ParseError(n)
				return
			}
			if v == nil {
				v = []byte{} // present but empty, not absent
			}
			f.add(num, 0, v)
			b = b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				f.err = protowire.ParseError(n)
				return
			}
			b = b[n:]
		}
	}
	return
}

// find returns the value and bytes of a field that may appear once; ok is false when absent.
func (f *fieldSet) find(num protowire.Number) (val uint64, raw []byte, ok bool) {
	count := 0
	for i := range f.count() {
		if n, v, r := f.field(i); n == num {
			val, raw, ok = v, r, true
			count++
		}
	}
	if count > 1 && f.err == nil {
		f.err = fmt.Errorf("field %d appears twice", num)
	}
	return val, raw, ok
}

func (f *fieldSet) uint(num protowire.Number) uint64 {
	v, _, _ := f.find(num)
	return v
}

func (f *fieldSet) uint32(num protowire.Number) uint32 {
	v := f.uint(num)
	if v > math.MaxUint32 && f.err == nil {
		f.err = fmt.Errorf("field %d is not a u32", num)
	}
	return uint32(v)
}

func (f *fieldSet) raw(num protowire.Number) []byte {
	_, r, _ := f.find(num)
	return r
}

func (f *fieldSet) str(num protowire.Number) string { return string(f.raw(num)) }

// cid reads a required CID field.
func (f *fieldSet) cid(num protowire.Number) CID {
	raw := f.raw(num)
	if raw == nil && f.err == nil {
		f.err = fmt.Errorf("CID field %d is missing", num)
	}
	return f.toCID(num, raw)
}

// optCID reads a CID field that may be absent.
func (f *fieldSet) optCID(num protowire.Number) CID { return f.toCID(num, f.raw(num)) }

func (f *fieldSet) toCID(num protowire.Number, raw []byte) CID {
	var c CID
	if raw == nil {
		return c
	}
	if len(raw) != len(c) {
		if f.err == nil {
			f.err = fmt.Errorf("field %d is a CID of %d bytes, want 32", num, len(raw))
		}
		return c
	}
	copy(c[:], raw)
	return c
}

// all returns every occurrence of a repeated length-delimited field.
func (f *fieldSet) all(num protowire.Number) [][]byte {
	var out [][]byte
	for i := range f.count() {
		if n, _, r := f.field(i); n == num {
			out = append(out, r)
		}
	}
	return out
}
