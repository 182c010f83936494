package ledger

import (
	"bytes"
	"sort"
)

// Store is where a State keeps what it has committed. The state machine reads single keys and
// writes each block's changes at once; it never iterates, so that an implementation needs no
// ordered index (and no iteration order can reach an output).
//
// A Store is used by one State, from one goroutine.
type Store interface {
	// Get returns the value of key and true, or false when key has none. The value is the
	// caller's (the store keeps no reference to it, nor to key). An error is a failure of the
	// store, never "not found".
	Get(key []byte) (value []byte, ok bool, err error)
	// Write applies writes atomically and durably: when it returns nil all of them are on
	// disk, and after a crash either all or none are. The writes are sorted by key, each key
	// once. The store keeps no reference to them.
	Write(writes []Write) error
}

// Write is a change of one key: its new value, or its deletion.
type Write struct {
	Key    []byte
	Value  []byte
	Delete bool
}

// overlay is a set of pending writes over a reader: what a block (or a CheckTx) has changed
// and not committed yet. Its map is read by key only; sorted() is the only way out.
type overlay struct {
	base interface {
		Get([]byte) ([]byte, bool, error)
	}
	writes map[string]Write
}

func newOverlay(base interface {
	Get([]byte) ([]byte, bool, error)
}) *overlay {
	return &overlay{base: base, writes: map[string]Write{}}
}

func (o *overlay) Get(key []byte) ([]byte, bool, error) {
	if w, ok := o.writes[string(key)]; ok {
		return w.Value, !w.Delete, nil
	}
	return o.base.Get(key)
}

func (o *overlay) set(key, value []byte) {
	o.writes[string(key)] = Write{Key: key, Value: value}
}

func (o *overlay) del(key []byte) {
	o.writes[string(key)] = Write{Key: key, Delete: true}
}

// merge moves child's writes into o.
func (o *overlay) merge(child *overlay) {
	for k, w := range child.writes {
		o.writes[k] = w
	}
}

// sorted is the writes in key order.
func (o *overlay) sorted() []Write {
	ws := make([]Write, 0, len(o.writes))
	for _, w := range o.writes {
		ws = append(ws, w)
	}
	sort.Slice(ws, func(i, j int) bool { return bytes.Compare(ws[i].Key, ws[j].Key) < 0 })
	return ws
}
