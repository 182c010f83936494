package data

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// A journal entry is what runs changed in data since it was last written whole or journaled,
// when all they did was keep the trace up to a position and append after it, and add to the
// stores (interpreter.Outcome.Resumed): a node saves a particle's data as the data written
// whole once, then journal entries, so that a run costs the save of what it added rather than
// of the whole data (a fold of thousands of calls to a service that is not pure saves before
// every call). An entry is the position the trace was kept up to, as a varint, then data in
// the Encode format holding the trace's states from there, the store entries added, the last
// call id and the signatures (which replace the base's).

// AppendJournal appends to b the journal entry of d's changes since the trace was as it is up
// to from (0 ≤ from ≤ len(d.Trace)) and its stores without the keys of added.
func AppendJournal(b []byte, d *Data, from int, added []*Additions) []byte {
	part := &Data{Trace: d.Trace[from:], LastCallID: d.LastCallID, Signatures: d.Signatures, Stores: Stores{
		Values:         map[CID][]byte{},
		Tetraplets:     map[CID]Tetraplet{},
		CanonElements:  map[CID]CanonElement{},
		CanonResults:   map[CID]CanonResult{},
		ServiceResults: map[CID]ServiceResult{},
	}}
	for _, a := range added {
		copyKeys(part.Stores.Values, d.Stores.Values, a.keys[inValues])
		copyKeys(part.Stores.Tetraplets, d.Stores.Tetraplets, a.keys[inTetraplets])
		copyKeys(part.Stores.CanonElements, d.Stores.CanonElements, a.keys[inCanonElements])
		copyKeys(part.Stores.CanonResults, d.Stores.CanonResults, a.keys[inCanonResults])
		copyKeys(part.Stores.ServiceResults, d.Stores.ServiceResults, a.keys[inServiceResults])
	}
	b = protowire.AppendVarint(b, uint64(from))
	return append(b, part.Encode()...)
}

// copyKeys copies the entries of keys from src to dst; a key src lacks (a run that added it
// was undone since) is left out.
func copyKeys[V any](dst, src map[CID]V, keys []CID) {
	for _, c := range keys {
		if v, ok := src[c]; ok {
			dst[c] = v
		}
	}
}

// ErrJournal is the error of a journal entry that does not apply to its data.
var ErrJournal = errors.New("data: a journal entry that does not apply")

// ApplyJournal applies the journal entry e to d: the trace kept up to the entry's position and
// its states appended, its store entries added, its last call id and signatures taken. An
// entry that does not decode, or that keeps more of the trace than d has, is refused with an
// error wrapping ErrJournal, and d is left as it was.
func ApplyJournal(d *Data, e []byte) error {
	from, n := protowire.ConsumeVarint(e)
	if n < 0 {
		return fmt.Errorf("%w: its trace position does not decode", ErrJournal)
	}
	if from > uint64(len(d.Trace)) {
		return fmt.Errorf("%w: it keeps %d states of a trace of %d", ErrJournal, from, len(d.Trace))
	}
	part, err := Decode(e[n:])
	if err != nil {
		return fmt.Errorf("%w: %v", ErrJournal, err)
	}
	d.Trace = append(d.Trace[:from], part.Trace...)
	d.Stores.Merge(part.Stores)
	d.LastCallID = part.LastCallID
	d.Signatures = part.Signatures
	return nil
}
