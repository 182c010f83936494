package kademlia

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestWireRoundTrip(t *testing.T) {
	for _, r := range []Request{
		{Op: OpAdd, Record: []byte("a record")},
		{Op: OpGet, Key: tableKey("some key")},
		{Op: OpRemove, Removal: bytes.Repeat([]byte{7}, MaxWireRecord)},
	} {
		b, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeRequest(b)
		if err != nil || got.Op != r.Op || got.Key != r.Key || !bytes.Equal(got.Record, r.Record) || !bytes.Equal(got.Removal, r.Removal) {
			t.Fatalf("%s request: got %+v, %v", r.Op, got, err)
		}
	}
	a := Answer{Status: StatusRefused, Reason: "bad-solution", Message: "the certificate is not rooted at the owner",
		Records: [][]byte{[]byte("one"), {}, bytes.Repeat([]byte{1}, 100)}}
	b, err := a.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeAnswer(b)
	if err != nil || got.Status != a.Status || got.Reason != a.Reason || got.Message != a.Message || len(got.Records) != 3 ||
		!bytes.Equal(got.Records[2], a.Records[2]) || len(got.Records[1]) != 0 {
		t.Fatalf("answer: got %+v, %v", got, err)
	}
	a = Answer{Status: StatusOK, Records: [][]byte{[]byte("rec")}, Removals: [][]byte{[]byte("removal"), []byte("another")}}
	if b, err = a.Encode(); err != nil {
		t.Fatal(err)
	}
	if got, err = DecodeAnswer(b); err != nil || len(got.Removals) != 2 || !bytes.Equal(got.Removals[1], a.Removals[1]) || len(got.Records) != 1 {
		t.Fatalf("answer with removals: got %+v, %v", got, err)
	}
}

// Bad input gets an error naming what was wrong; nothing over a bound is encoded.
func TestWireErrors(t *testing.T) {
	if _, err := (Request{Op: OpAdd, Record: make([]byte, MaxWireRecord+1)}).Encode(); err == nil {
		t.Fatal("encoded a record over the bound")
	}
	if _, err := (Answer{Status: StatusOK, Records: make([][]byte, MaxAnswerRecords+1)}).Encode(); err == nil {
		t.Fatal("encoded an answer of too many records")
	}
	get, _ := Request{Op: OpGet}.Encode()
	add, _ := Request{Op: OpAdd, Record: []byte("r")}.Encode()
	ok, _ := Answer{Status: StatusOK}.Encode()
	for _, c := range []struct {
		in   []byte
		req  bool
		want string
	}{
		{nil, true, "a request of 0 bytes without version 1"},
		{[]byte{2, 1}, true, "without version 1"},
		{[]byte{1, 9}, true, "unknown op 9"},
		{get[:20], true, "key: 18 bytes, want 32"},
		{append(add, 0), true, "1 bytes after the add request"},
		{[]byte{1, 1, 0xff, 0xff}, true, "record: 65535 bytes of at most 8192, 0 left"},
		{[]byte{1, 9, 0}, false, "unknown status 9"},
		{[]byte{1, 1, 200}, false, "reason: 200 bytes of at most 64"},
		{[]byte{1, 1, 0, 0xff, 0xff}, false, "message: 65535 bytes of at most 1024"},
		{[]byte{1, 1, 0, 0, 0, 200}, false, "200 records in 0 bytes"},
		{slices.Concat(ok, []byte{1}), false, "1 removals in 0 bytes"},
		{slices.Concat(ok, []byte{0}), false, "a removal count of 0"},
		{slices.Concat(ok, []byte{1, 1, 0, 7, 9}), false, "1 bytes after the answer"},
	} {
		var err error
		if c.req {
			_, err = DecodeRequest(c.in)
		} else {
			_, err = DecodeAnswer(c.in)
		}
		if err == nil || !errors.Is(err, errWire) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%x: %v, want an error saying %q", c.in, err, c.want)
		}
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, r := range []Request{{Op: OpAdd, Record: []byte("rec")}, {Op: OpGet}, {Op: OpRemove, Removal: []byte{1, 2}}} {
		b, _ := r.Encode()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := DecodeRequest(in)
		if err != nil {
			return
		}
		out, err := r.Encode()
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("%x decodes to %+v, which encodes to %x, %v", in, r, out, err)
		}
		if n := testing.AllocsPerRun(1, func() { _, _ = DecodeRequest(in) }); n > 2 {
			t.Fatalf("%d allocations decoding %d bytes", int(n), len(in))
		}
	})
}

func FuzzDecodeAnswer(f *testing.F) {
	for _, a := range []Answer{{Status: StatusOK, Records: [][]byte{[]byte("a"), []byte("bc")}}, {Status: StatusRefused, Reason: "expired", Message: "at 5"},
		{Status: StatusOK, Records: [][]byte{[]byte("a")}, Removals: [][]byte{[]byte("r")}}} {
		b, _ := a.Encode()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		a, err := DecodeAnswer(in)
		if err != nil {
			return
		}
		out, err := a.Encode()
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("%x decodes to %+v, which encodes to %x, %v", in, a, out, err)
		}
		// Bytes allocated stay in proportion to the input (records and removals are copied
		// once).
		if n := testing.AllocsPerRun(1, func() { _, _ = DecodeAnswer(in) }); n > float64(4+2*(len(a.Records)+len(a.Removals))+4) {
			t.Fatalf("%d allocations decoding %d records and %d removals", int(n), len(a.Records), len(a.Removals))
		}
	})
}
