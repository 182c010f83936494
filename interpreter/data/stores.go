package data

import (
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
}

// NewStores returns empty stores.
func NewStores() Stores {
	return Stores{
		Values:         map[CID][]byte{},
		Tetraplets:     map[CID]Tetraplet{},
		CanonElements:  map[CID]CanonElement{},
		CanonResults:   map[CID]CanonResult{},
		ServiceResults: map[CID]ServiceResult{},
	}
}

// PutValue stores a value and returns its CID.
func (s *Stores) PutValue(v value.Value) CID {
	text := v.AppendJSON(nil)
	c := CIDOf(text)
	s.Values[c] = text
	return c
}

// PutTetraplet stores a tetraplet and returns its CID.
func (s *Stores) PutTetraplet(t Tetraplet) CID {
	c := CIDOf(t.AppendCanonical(nil))
	s.Tetraplets[c] = t
	return c
}

// PutServiceResult stores a service result and returns its CID.
func (s *Stores) PutServiceResult(r ServiceResult) CID {
	var buf [256]byte
	c := CIDOf(r.AppendCanonical(buf[:0]))
	s.ServiceResults[c] = r
	return c
}

// PutCanonElement stores a canon element and returns its CID.
func (s *Stores) PutCanonElement(e CanonElement) CID {
	c := CIDOf(e.AppendCanonical(nil))
	s.CanonElements[c] = e
	return c
}

// PutCanonResult stores a canon result and returns its CID.
func (s *Stores) PutCanonResult(r CanonResult) CID {
	c := CIDOf(r.AppendCanonical(nil))
	s.CanonResults[c] = r
	return c
}
