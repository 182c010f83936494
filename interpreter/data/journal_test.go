package data

import (
	"bytes"
	"testing"

	"github.com/aquanet/aquanet/interpreter/value"
)

// journalBase is data of three executed calls, and the same data grown by two more calls and a
// value, with the additions that growth recorded.
func journalBase(t testing.TB) (base []byte, grown *Data, from int, added []*Additions) {
	parse := func(text string) value.Value {
		v, err := value.Parse([]byte(text), value.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	d := New()
	put := func(text string) {
		c := d.Stores.PutValue(parse(text))
		d.Trace = append(d.Trace, CallState{Kind: CallExecuted, Value: ScalarValue, CID: c})
	}
	for _, v := range []string{`1`, `"a"`, `[2]`} {
		put(v)
	}
	base = d.Encode()
	g, err := Decode(base)
	if err != nil {
		t.Fatal(err)
	}
	var a Additions
	g.Stores.Record(&a)
	g.Trace = g.Trace[:2] // the last state is answered again
	g.Trace = append(g.Trace, CallState{Kind: CallExecuted, Value: ScalarValue, CID: g.Stores.PutValue(parse(`{"x":3}`))})
	g.Trace = append(g.Trace, CallState{Kind: CallSentBy, Peer: "12D3KooWpeer", HasCallID: true, CallID: 7})
	g.LastCallID = 7
	g.Stores.Record(nil)
	return base, g, 2, []*Additions{&a}
}

// The data with an entry applied is the grown data, byte for byte.
func TestJournalAppliesToTheData(t *testing.T) {
	base, grown, from, added := journalBase(t)
	e := AppendJournal(nil, grown, from, added)
	d, err := Decode(base)
	if err != nil {
		t.Fatal(err)
	}
	if err := ApplyJournal(d, e); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Encode(), grown.Encode()) {
		t.Fatal("the data with the entry applied differs from the grown data")
	}
	if len(e) >= len(grown.Encode()) {
		t.Errorf("an entry of %d bytes for data of %d", len(e), len(grown.Encode()))
	}
	// An entry that keeps more of the trace than the data has is refused.
	short := New()
	if err := ApplyJournal(short, e); err == nil {
		t.Fatal("an entry keeping 2 states applied to an empty trace")
	}
}

// Any entry either applies or is refused with an error, leaving the data as it was; none
// panics.
func FuzzApplyJournal(f *testing.F) {
	base, grown, from, added := journalBase(f)
	f.Add(AppendJournal(nil, grown, from, added))
	f.Add([]byte{0x80})
	f.Add([]byte{0, FormatVersion})
	f.Fuzz(func(t *testing.T, e []byte) {
		d, err := Decode(base)
		if err != nil {
			t.Fatal(err)
		}
		if err := ApplyJournal(d, e); err != nil {
			if !bytes.Equal(d.Encode(), base) {
				t.Fatalf("a refused entry changed the data: %v", err)
			}
			return
		}
		d.Encode()
	})
}
