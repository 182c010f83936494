package data

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/aquanet/aquanet/interpreter/value"
)

func sampleData() *Data {
	d := New()
	tet := d.Stores.PutTetraplet(Tetraplet{PeerPK: "12D3KooWpeer", ServiceID: "s", FunctionName: "f", Lens: ".$.a"})
	v := d.Stores.PutValue(value.Array(value.Int(1), value.String("x\n\"")))
	args := CIDOf([]byte("[]"))
	sr := d.Stores.PutServiceResult(ServiceResult{Value: v, ArgumentHash: args, Tetraplet: tet})
	el := d.Stores.PutCanonElement(CanonElement{Value: v, Tetraplet: tet, Provenance: FromServiceResult, ProvenanceCID: sr})
	lit := d.Stores.PutCanonElement(CanonElement{Value: v, Tetraplet: tet})
	cr := d.Stores.PutCanonResult(CanonResult{Tetraplet: tet, Values: []CID{el, lit}})
	d.Trace = []State{
		ParState{Left: 1, Right: 2},
		CallState{Kind: CallSentBy, Peer: "12D3KooWpeer"},
		CallState{Kind: CallSentBy, Peer: "12D3KooWpeer", HasCallID: true, CallID: 7},
		CallState{Kind: CallExecuted, Value: ScalarValue, CID: sr},
		CallState{Kind: CallExecuted, Value: StreamValue, CID: sr, Generation: 3},
		CallState{Kind: CallExecuted, Value: UnusedValue, CID: v},
		CallState{Kind: CallFailed, CID: sr},
		FoldState{Lore: []FoldLore{{ValuePos: 4, Before: SubTrace{5, 1}, After: SubTrace{6, 0}}}},
		FoldState{},
		ApState{Gens: []uint32{2}},
		CanonState{SentBy: "12D3KooWother"},
		CanonState{Executed: true, CID: cr},
	}
	d.LastCallID = 7
	d.Signatures[string(bytes.Repeat([]byte{1}, 32))] = bytes.Repeat([]byte{2}, 64)
	return d
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	d := sampleData()
	enc := d.Encode()
	got, err := Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	// Empty slices decode as nil; compare through the canonical encoding and the view.
	if !bytes.Equal(got.Encode(), enc) {
		t.Fatal("re-encoding the decoded data gives other bytes")
	}
	a, _ := d.View()
	b, _ := got.View()
	if !bytes.Equal(a, b) {
		t.Fatalf("views differ:\n%s\n%s", a, b)
	}
	// The stores' entries; what they keep parsed is memory, not data.
	for name, pair := range map[string][2]any{
		"values":          {got.Stores.Values, d.Stores.Values},
		"tetraplets":      {got.Stores.Tetraplets, d.Stores.Tetraplets},
		"canon elements":  {got.Stores.CanonElements, d.Stores.CanonElements},
		"canon results":   {got.Stores.CanonResults, d.Stores.CanonResults},
		"service results": {got.Stores.ServiceResults, d.Stores.ServiceResults},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Fatalf("the %s store differs after a round trip", name)
		}
	}
}

func TestEncodeIsDeterministic(t *testing.T) {
	first := sampleData().Encode()
	for range 20 {
		if !bytes.Equal(sampleData().Encode(), first) {
			t.Fatal("the same data encoded to different bytes (map order leaked)")
		}
	}
}

// Encode allocates its buffer once, from a bound on the size of what follows the trace; a bound
// that falls short makes it copy the whole encoding, megabyte values included.
func TestEncodeSizeBoundHolds(t *testing.T) {
	// One case per kind of entry, with fields long enough for two-byte and three-byte length
	// prefixes, so that no entry's slack covers another's shortfall.
	cases := map[string]func(d *Data){
		"empty":  func(*Data) {},
		"sample": func(d *Data) { *d = *sampleData() },
		"tetraplet": func(d *Data) {
			d.Stores.PutTetraplet(Tetraplet{PeerPK: strings.Repeat("p", 300), ServiceID: strings.Repeat("s", 200), FunctionName: "f", Lens: strings.Repeat(".$.a", 100)})
		},
		"value":     func(d *Data) { d.Stores.PutValue(value.String(strings.Repeat("v", 1<<17))) },
		"signature": func(d *Data) { d.Signatures[strings.Repeat("k", 200)] = bytes.Repeat([]byte{3}, 64) },
		"canon result": func(d *Data) {
			d.Stores.PutCanonResult(CanonResult{Values: make([]CID, 300)})
		},
		"canon element":  func(d *Data) { d.Stores.PutCanonElement(CanonElement{Provenance: FromServiceResult}) },
		"service result": func(d *Data) { d.Stores.PutServiceResult(ServiceResult{}) },
		"last call id":   func(d *Data) { d.LastCallID = 1<<32 - 1 },
	}
	for name, fill := range cases {
		d := New()
		fill(d)
		enc := d.Encode()
		st := &d.Stores
		values := order(st, inValues, st.Values).valueTexts(st)
		results := order(st, inServiceResults, st.ServiceResults).serviceResults(st)
		if bound := 1 + len(traceFields(d.Trace)) + d.storesSizeBound(values, results); len(enc) > bound {
			t.Errorf("%s: encoding is %d bytes, over the bound %d", name, len(enc), bound)
		}
	}
}

func TestDecodeEmptyIsEmptyData(t *testing.T) {
	d, err := Decode(nil)
	if err != nil || len(d.Trace) != 0 || d.LastCallID != 0 {
		t.Fatalf("Decode(nil) = %+v, %v", d, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	valid := sampleData().Encode()
	cases := map[string][]byte{
		"truncated":     valid[:len(valid)-3],
		"bad tag":       {FormatVersion, 0x80},
		"short cid":     append([]byte{FormatVersion}, appendMessage(nil, fServiceResult, appendCID(nil, 1, CID{})[:5])...),
		"bad state":     append([]byte{FormatVersion}, appendMessage(nil, fState, appendMessage(nil, 9, nil))...),
		"bad call kind": append([]byte{FormatVersion}, appendMessage(nil, fState, appendMessage(nil, 2, appendVarint(nil, 1, 7)))...),
		"short sig":     append([]byte{FormatVersion}, appendMessage(nil, fSignature, appendString(nil, 1, "k"))...),
	}
	for name, b := range cases {
		if _, err := Decode(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Decode = %v, want ErrMalformed", name, err)
		}
	}
	if _, err := Decode(append([]byte{9}, valid[1:]...)); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("version 9: Decode = %v, want ErrUnsupportedVersion", err)
	}
}

func TestSigningMessageLayout(t *testing.T) {
	c := CIDOf([]byte("[]"))
	msg := SigningMessage([]CID{c}, "p1")
	want := append([]byte{1, 0, 0, 0, byte(len(c.String())), 0, 0, 0}, c.String()...)
	want = append(want, 2, 0, 0, 0, 'p', '1')
	if !bytes.Equal(msg, want) {
		t.Fatalf("signing message %x, want %x", msg, want)
	}
}

// FuzzDecode: any bytes decode to data or an ErrMalformed error, never a panic; what decodes
// re-encodes canonically.
func FuzzDecode(f *testing.F) {
	f.Add(sampleData().Encode())
	f.Add([]byte{})
	f.Add([]byte{FormatVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupportedVersion) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrUnsupportedVersion", err)
			}
			return
		}
		enc := d.Encode()
		// With the order and the entries Decode kept, as from scratch.
		if !bytes.Equal(fromScratch(d).Encode(), enc) {
			t.Fatal("the encoding with what Decode kept differs from the one from scratch")
		}
		d2, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-encoded data does not decode: %v", err)
		}
		if !bytes.Equal(d2.Encode(), enc) {
			t.Fatal("encoding is not canonical")
		}
		// The next encoding copies the trace's fields from this one, and writes nothing there.
		before := bytes.Clone(enc)
		if again := d.Encode(); !bytes.Equal(again, enc) || !bytes.Equal(enc, before) {
			t.Fatal("encoding the data again changed it, or the last encoding")
		}
		if _, err := d.View(); err != nil {
			t.Fatal(err)
		}
		d.PeerCIDs()
	})
}

// Encode keeps the order of the keys between encodings and merges in what was added since, or
// undone: each encoding is the bytes of the same data decoded afresh and encoded.
func TestEncodeAfterAdditionsAndUndo(t *testing.T) {
	d := New()
	check := func(when string) {
		t.Helper()
		enc := d.Encode()
		fresh, err := Decode(enc)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if !bytes.Equal(fresh.Encode(), enc) {
			t.Fatalf("%s: the encoding differs from the same data's decoded afresh", when)
		}
	}
	put := func(from, to int) {
		for i := from; i < to; i++ {
			v := value.Int(int64(i * 7919 % 1000))
			d.Stores.PutServiceResult(ServiceResult{Value: d.Stores.PutValue(v), Tetraplet: d.Stores.PutTetraplet(Tetraplet{PeerPK: "p", Lens: fmt.Sprint(i % 13)})})
		}
	}
	put(0, 50)
	check("first")
	put(50, 120)
	check("after additions")
	var a Additions
	d.Stores.Record(&a)
	put(100, 200) // half of them there already
	d.Stores.Undo(&a)
	check("after an undo")
	if len(d.Stores.ServiceResults) != 120 {
		t.Fatalf("%d service results after the undo, want 120", len(d.Stores.ServiceResults))
	}
	put(200, 230)
	d.Stores.Values[CIDOf([]byte(`"direct"`))] = []byte(`"direct"`) // written directly: not in the order
	check("after a direct write")
}

// A CID's text is "b" and the lower-case, unpadded base32 of the binary CID.
func TestCIDTextIsBase32(t *testing.T) {
	cids := []CID{{}, CID(bytes.Repeat([]byte{0xff}, 32))}
	for i := range 200 {
		cids = append(cids, CIDOf([]byte(fmt.Sprint(i))))
	}
	for _, c := range cids {
		raw := append(cidPrefix[:], c[:]...)
		want := "b" + strings.ToLower(b32.EncodeToString(raw))
		if got := c.String(); got != want {
			t.Fatalf("CID text %s, want %s", got, want)
		}
		if got := string(c.AppendText([]byte(`{"x":"`))); got != `{"x":"`+want {
			t.Fatalf("CID text appended: %s, want it after what was there", got)
		}
	}
}

// Decode keeps the order of the entries it reads when they arrive sorted, and only then: data
// whose entries arrive out of order (or twice) encodes as the same data with sorted entries.
func TestDecodeKeepsOnlySortedOrder(t *testing.T) {
	texts := [][]byte{[]byte(`1`), []byte(`"b"`), []byte(`[2]`), []byte(`{"a":3}`)}
	slices.SortFunc(texts, func(a, b []byte) int { return compareCIDs(CIDOf(a), CIDOf(b)) })
	encode := func(order ...int) []byte {
		b := []byte{FormatVersion}
		for _, i := range order {
			b = protowire.AppendTag(b, fValue, protowire.BytesType)
			b = protowire.AppendBytes(b, texts[i])
		}
		return b
	}
	want := New()
	for _, text := range texts {
		want.Stores.Values[CIDOf(text)] = text
	}
	sorted := want.Encode()
	for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 0, 2, 3}, {0, 1, 1, 2, 3}, {0, 1, 2, 3, 0}} {
		d, err := Decode(encode(order...))
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Encode(); !bytes.Equal(got, sorted) {
			t.Fatalf("entries in order %v encode as %x, want %x", order, got, sorted)
		}
		d.Stores.PutValue(value.Int(99)) // and one added after, merged into the order
		want.Stores.PutValue(value.Int(99))
		if got, want := d.Encode(), want.Encode(); !bytes.Equal(got, want) {
			t.Fatalf("entries in order %v, with one added: %x, want %x", order, got, want)
		}
	}
}

// Reserve copies small stores into larger ones, with the same entries, and leaves the stores it
// was called on a copy of as they were.
func TestReserve(t *testing.T) {
	d := sampleData()
	before := d.Encode()
	copied := d.Stores
	copied.Reserve(1000)
	copied.PutValue(value.Int(5))
	if !bytes.Equal(d.Encode(), before) {
		t.Fatal("the stores' copy that Reserve made room in changed the original")
	}
	withCopy := &Data{Trace: d.Trace, LastCallID: d.LastCallID, Stores: copied, Signatures: d.Signatures}
	d.Stores.PutValue(value.Int(5))
	if !bytes.Equal(withCopy.Encode(), d.Encode()) {
		t.Fatal("the reserved stores encode differently")
	}
}

// Decode sizes its stores from a count of the fields it is given, but no further than a bound:
// data made of empty fields (2 bytes each) does not make it allocate for entries that never
// come.
func TestDecodeOfEmptyFieldsAllocatesLittle(t *testing.T) {
	buf := []byte{FormatVersion}
	for len(buf) < 1<<20 {
		buf = protowire.AppendTag(buf, fValue, protowire.BytesType)
		buf = protowire.AppendBytes(buf, nil)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	d, err := Decode(buf)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Stores.Values) != 1 {
		t.Fatalf("%d values, want the one empty text", len(d.Stores.Values))
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Fatalf("decoding %d bytes of empty fields allocated %d bytes", len(buf), got)
	}
}

// Parts of the encoding of largePart bytes or more (a value's text, the trace, the service
// results) are joined with the rest at the end instead of copied into its buffer: the bytes
// must be those of the encoding that copies everything, on both sides of the threshold.
func TestEncodeWithLargePartsMatchesCopyingAll(t *testing.T) {
	d := New()
	for _, n := range []int{largePart - 3, largePart - 2, largePart + 5, 3 * largePart} {
		// A string's text is its length plus two quotes: these straddle the threshold.
		d.Stores.PutValue(value.String(strings.Repeat("v", n)))
	}
	d.Stores.PutValue(value.Int(7))
	tet := d.Stores.PutTetraplet(Tetraplet{PeerPK: "12D3KooWpeer", ServiceID: "s", FunctionName: "f"})
	for i := range 2000 { // service results and a trace of more than largePart bytes each
		v := d.Stores.PutValue(value.Int(int64(i)))
		sr := d.Stores.PutServiceResult(ServiceResult{Value: v, ArgumentHash: CIDOf([]byte("[]")), Tetraplet: tet})
		d.Trace = append(d.Trace, CallState{Kind: CallExecuted, Value: ScalarValue, CID: sr})
	}
	d.Signatures[string(bytes.Repeat([]byte{1}, 32))] = bytes.Repeat([]byte{2}, 64)
	st := &d.Stores
	if tr, res := len(traceFields(d.Trace)), len(order(st, inServiceResults, st.ServiceResults).serviceResults(st)); tr < largePart || res < largePart {
		t.Fatalf("the trace (%d bytes) and the service results (%d) must each pass largePart", tr, res)
	}
	joined := d.Encode()
	copied := d.encode(math.MaxInt)
	if !bytes.Equal(joined, copied) {
		t.Fatalf("the encoding with large parts joined (%d bytes) differs from the one that copies them (%d)", len(joined), len(copied))
	}
	got, err := Decode(joined)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Stores.Values, d.Stores.Values) || len(got.Trace) != len(d.Trace) {
		t.Fatal("the data decoded from the joined encoding differs")
	}
}

// Encode writes the states it does not share with the last encoding in place, in room guessed
// at stateSizeGuess bytes a state: a trace of larger states (sent-by states name a peer of 52
// characters) outgrows the guess, and the encoding must still be the one from scratch.
func TestEncodeOutgrowsItsGuess(t *testing.T) {
	d := New()
	peer := "12D3KooW" + strings.Repeat("p", 44)
	for i := range 500 {
		d.Trace = append(d.Trace, CallState{Kind: CallSentBy, Peer: peer, HasCallID: true, CallID: uint32(i + 1)})
	}
	if n := len(traceFields(d.Trace)); n <= len(d.Trace)*stateSizeGuess {
		t.Fatalf("the trace encodes to %d bytes, within the guess of %d: the test needs larger states", n, len(d.Trace)*stateSizeGuess)
	}
	enc := d.Encode()
	if want := fromScratch(d).Encode(); !bytes.Equal(enc, want) {
		t.Fatalf("Encode gave %d bytes, from scratch %d, and they differ", len(enc), len(want))
	}
	got, err := Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Trace, d.Trace) {
		t.Fatal("the trace decoded differs")
	}
}

// BenchmarkEncodeTrace encodes a trace as a fold of 1,000 with par leaves it when it has asked
// for its calls: a par state and a call state sent by this peer for each element.
func BenchmarkEncodeTrace(b *testing.B) {
	peer := "12D3KooW" + strings.Repeat("p", 44)
	var states []State
	for i := range 1000 {
		states = append(states, ParState{Left: 1, Right: uint32(2*(999-i) + 1)}, CallState{Kind: CallSentBy, Peer: peer, HasCallID: true, CallID: uint32(i + 1)})
	}
	buf := traceFields(states)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		buf = buf[:0]
		for _, s := range states {
			buf = appendStateField(buf, s)
		}
	}
}

// traceFields is the trace's states encoded as the data's fields.
func traceFields(states []State) []byte {
	var b []byte
	for _, s := range states {
		b = appendStateField(b, s)
	}
	return b
}

// appendTag writes every tag in one byte, which holds for field numbers under 16 only: every
// field of the format, the data's own (the last is fSignature) and those of the messages in it
// (7 at most), must be one.
func TestTagsOfOneByte(t *testing.T) {
	for num := protowire.Number(1); num <= fSignature; num++ {
		for _, typ := range []protowire.Type{protowire.VarintType, protowire.BytesType} {
			if got, want := appendTag(nil, num, typ), protowire.AppendTag(nil, num, typ); !bytes.Equal(got, want) {
				t.Fatalf("appendTag(%d, %d) = %x, want %x", num, typ, got, want)
			}
		}
	}
}
