package value

import (
	"strings"
	"testing"
	"unsafe"
)

// ParseString reads what Parse reads, and a plain string that is the whole input is its own
// canonical text (SharedText) with no copy; anything else is not.
func TestParseStringAndSharedText(t *testing.T) {
	big := strings.Repeat("x", 1000)
	for _, tc := range []struct {
		in     string
		shared bool
	}{
		{`"` + big + `"`, true},
		{`"é` + big + `"`, true},
		{` "` + big + `"`, false},            // whitespace around: not canonical
		{`"` + big + `\n"`, false},           // an escape: decoded, a copy
		{`["` + big + `"]`, false},           // not a string
		{`{"k":"` + big + `","j":1}`, false}, // a part of it
		{`"ab"`, true},
		{`""`, false},
		{`"a\"b"`, false},
		{`1`, false},
	} {
		want, err := Parse([]byte(tc.in), Limits{})
		if err != nil {
			t.Fatalf("%.20q: %v", tc.in, err)
		}
		got, err := ParseString(tc.in, Limits{})
		if err != nil || got.String() != want.String() {
			t.Fatalf("%.20q: ParseString gives %.20v (%v), Parse %.20v", tc.in, got, err, want)
		}
		text, ok := SharedText(got, tc.in)
		if ok != tc.shared {
			t.Fatalf("%.20q: shared %v, want %v", tc.in, ok, tc.shared)
		}
		if ok && string(text) != string(got.AppendJSON(nil)) {
			t.Fatalf("%.20q: the shared text is not the value's canonical JSON", tc.in)
		}
	}
	// A small string of a large input is copied: it does not keep the input alive.
	in := `{"k":"ab","pad":"` + big + `"}`
	v, _ := ParseString(in, Limits{})
	k, _ := v.Get("k")
	s, _ := k.Str()
	start, end := uintptr(unsafe.Pointer(unsafe.StringData(in))), uintptr(unsafe.Pointer(unsafe.StringData(in)))+uintptr(len(in))
	if p := uintptr(unsafe.Pointer(unsafe.StringData(s))); p >= start && p < end {
		t.Fatal("a small string shares the memory of a large input")
	}
}
