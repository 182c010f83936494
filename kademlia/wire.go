package kademlia

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The DHT's record protocol (/aquanet/dht/1.0.0): a peer sends one Request, the storing peer
// answers with one Answer. Both are binary, version first:
//
//	request: version (1) ‖ op u8 ‖ add: record len u16 LE ‖ record
//	                             get: key (32)
//	                             remove: removal len u16 LE ‖ removal
//	answer:  version (1) ‖ status u8 ‖ reason len u8 ‖ reason ‖ message len u16 LE ‖ message ‖
//	         record count u8 ‖ (record len u16 LE ‖ record) per record ‖
//	         [removal count u8 ‖ (removal len u16 LE ‖ removal) per removal]
//
// The removals, and their count, are there only when there are some (an answer without them is
// as the first peers wrote it).
//
// Nothing may follow; every length is checked against its bound before anything is allocated.

// Op is what a request asks.
type Op uint8

// The requests.
const (
	OpAdd    Op = 1 // keep a provider record
	OpGet    Op = 2 // the records of a key
	OpRemove Op = 3 // drop a provider's record (a signed removal)
)

func (o Op) String() string {
	switch o {
	case OpAdd:
		return "add"
	case OpGet:
		return "get"
	case OpRemove:
		return "remove"
	}
	return fmt.Sprintf("op %d", uint8(o))
}

// Status is how a storing peer answered.
type Status uint8

// The answers.
const (
	StatusOK      Status = 1
	StatusRefused Status = 2 // the record or removal was refused: Reason says why
	StatusFailed  Status = 3 // the peer could not do it (full, its disk): Message says why
)

// Bounds of the wire forms.
const (
	wireVersion = 1
	// MaxWireRecord bounds a record or removal in a message.
	MaxWireRecord = 8 << 10
	// MaxAnswerRecords bounds the records of an answer: a list's cap at most.
	MaxAnswerRecords = 255
	maxReason        = 64
	maxMessage       = 1 << 10
)

// Request is a message of the record protocol.
type Request struct {
	Op      Op
	Record  []byte // OpAdd: the record, encoded
	Key     Key    // OpGet
	Removal []byte // OpRemove: the removal, encoded
}

// Answer is a storing peer's answer to a Request.
type Answer struct {
	Status  Status
	Reason  string   // StatusRefused: one of the Refusal reasons
	Message string   // what went wrong, for people
	Records [][]byte // OpGet: the key's records, encoded, best first
	// Removals (OpGet) are the key's tombstones: providers' signed removals, encoded, that
	// outdate the records of theirs issued at or before them.
	Removals [][]byte
}

var errWire = errors.New("dht message")

func wireErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errWire, fmt.Sprintf(format, args...))
}

// Encode is the request's wire form.
func (r Request) Encode() ([]byte, error) {
	b := []byte{wireVersion, byte(r.Op)}
	switch r.Op {
	case OpAdd:
		return appendBlob(b, r.Record, "record")
	case OpGet:
		return append(b, r.Key[:]...), nil
	case OpRemove:
		return appendBlob(b, r.Removal, "removal")
	}
	return nil, wireErr("unknown %s", r.Op)
}

// DecodeRequest reads a request as Encode writes it.
func DecodeRequest(b []byte) (Request, error) {
	if len(b) < 2 || b[0] != wireVersion {
		return Request{}, wireErr("a request of %d bytes without version %d", len(b), wireVersion)
	}
	r := Request{Op: Op(b[1])}
	rest := b[2:]
	var err error
	switch r.Op {
	case OpAdd:
		r.Record, rest, err = cutBlob(rest, "record")
	case OpGet:
		if len(rest) < len(r.Key) {
			return Request{}, wireErr("key: %d bytes, want %d", len(rest), len(r.Key))
		}
		r.Key, rest = Key(rest[:len(r.Key)]), rest[len(r.Key):]
	case OpRemove:
		r.Removal, rest, err = cutBlob(rest, "removal")
	default:
		return Request{}, wireErr("unknown %s", r.Op)
	}
	if err != nil {
		return Request{}, err
	}
	if len(rest) != 0 {
		return Request{}, wireErr("%d bytes after the %s request", len(rest), r.Op)
	}
	return r, nil
}

// Encode is the answer's wire form.
func (a Answer) Encode() ([]byte, error) {
	if len(a.Reason) > maxReason || len(a.Message) > maxMessage || len(a.Records) > MaxAnswerRecords || len(a.Removals) > MaxAnswerRecords {
		return nil, wireErr("an answer over its bounds (reason %d, message %d bytes, %d records, %d removals)",
			len(a.Reason), len(a.Message), len(a.Records), len(a.Removals))
	}
	b := []byte{wireVersion, byte(a.Status), byte(len(a.Reason))}
	b = append(b, a.Reason...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(a.Message)))
	b = append(append(b, a.Message...), byte(len(a.Records)))
	var err error
	for _, r := range a.Records {
		if b, err = appendBlob(b, r, "record"); err != nil {
			return nil, err
		}
	}
	if len(a.Removals) == 0 {
		return b, nil
	}
	b = append(b, byte(len(a.Removals)))
	for _, r := range a.Removals {
		if b, err = appendBlob(b, r, "removal"); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// DecodeAnswer reads an answer as Encode writes it.
func DecodeAnswer(b []byte) (Answer, error) {
	if len(b) < 3 || b[0] != wireVersion {
		return Answer{}, wireErr("an answer of %d bytes without version %d", len(b), wireVersion)
	}
	a := Answer{Status: Status(b[1])}
	if a.Status < StatusOK || a.Status > StatusFailed {
		return Answer{}, wireErr("unknown status %d", b[1])
	}
	n, rest := int(b[2]), b[3:]
	if n > maxReason || len(rest) < n {
		return Answer{}, wireErr("reason: %d bytes of at most %d, %d left", n, maxReason, len(rest))
	}
	a.Reason, rest = string(rest[:n]), rest[n:]
	if len(rest) < 2 {
		return Answer{}, wireErr("message: %d bytes left, too few", len(rest))
	}
	n, rest = int(binary.LittleEndian.Uint16(rest)), rest[2:]
	if n > maxMessage || len(rest) < n {
		return Answer{}, wireErr("message: %d bytes of at most %d, %d left", n, maxMessage, len(rest))
	}
	a.Message, rest = string(rest[:n]), rest[n:]
	if len(rest) < 1 {
		return Answer{}, wireErr("no record count")
	}
	var err error
	if a.Records, rest, err = cutBlobs(rest, "record"); err != nil {
		return Answer{}, err
	}
	if len(rest) > 0 {
		if a.Removals, rest, err = cutBlobs(rest, "removal"); err != nil {
			return Answer{}, err
		}
		if len(a.Removals) == 0 {
			return Answer{}, wireErr("a removal count of 0: an answer without removals has none")
		}
	}
	if len(rest) != 0 {
		return Answer{}, wireErr("%d bytes after the answer", len(rest))
	}
	return a, nil
}

// cutBlobs splits a count u8 and that many length-prefixed blobs off b.
func cutBlobs(b []byte, what string) (blobs [][]byte, rest []byte, err error) {
	count, rest := int(b[0]), b[1:]
	if count > len(rest)/2 { // each blob takes two bytes at least
		return nil, nil, wireErr("%d %ss in %d bytes", count, what, len(rest))
	}
	if count > 0 {
		blobs = make([][]byte, 0, count)
	}
	for i := range count {
		var blob []byte
		if blob, rest, err = cutBlob(rest, what); err != nil {
			return nil, nil, fmt.Errorf("%s %d: %w", what, i, err) // named only when it fails: no allocation per blob
		}
		blobs = append(blobs, blob)
	}
	return blobs, rest, nil
}

func appendBlob(b, blob []byte, what string) ([]byte, error) {
	if len(blob) > MaxWireRecord {
		return nil, wireErr("%s: %d bytes, at most %d", what, len(blob), MaxWireRecord)
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(blob)))
	return append(b, blob...), nil
}

// cutBlob splits a length-prefixed blob off b, copied (b is a network buffer).
func cutBlob(b []byte, what string) (blob, rest []byte, err error) {
	if len(b) < 2 {
		return nil, nil, wireErr("%s: %d bytes left, too few for its length", what, len(b))
	}
	n := int(binary.LittleEndian.Uint16(b))
	if n > MaxWireRecord || len(b)-2 < n {
		return nil, nil, wireErr("%s: %d bytes of at most %d, %d left", what, n, MaxWireRecord, len(b)-2)
	}
	return append([]byte(nil), b[2:2+n]...), b[2+n:], nil
}
