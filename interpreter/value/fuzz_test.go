package value

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzParse: Parse never panics; every error is a *SyntaxError of some kind inside the input; what Parse
// accepts encoding/json accepts too (serde_json's JSON is a subset of Go's); and whatever parses
// survives the round trip: Parse(AppendJSON(v)) succeeds, is Equal to v and prints the same
// bytes — except for floats that serde_json itself does not read back (its float reading is not
// correctly rounded: 1.4651248189898814e246 prints as itself but reads as ...816e246, in
// AquaVM as here). Those must stay within 3 ulps, and then only they may differ. Seeds: the
// hand-picked texts of the differential corpus (oracle_test.go) and generated ones.
func FuzzParse(f *testing.F) {
	for _, s := range edgeCases() {
		f.Add([]byte(s))
	}
	g := &gen{rng: rand.New(rand.NewPCG(1, 2))}
	for range 50 {
		f.Add([]byte(g.text(3)))
	}
	var r Reader // shared by the inputs, as a run shares one
	var earlier []Value
	var earlierText []string
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data, Limits{})
		// A Reader reads the same, error for error, from bytes and from a string, and the
		// values it read before are left as they were.
		for i, fromString := range []bool{false, true} {
			var vr Value
			var errr error
			if fromString {
				vr, errr = r.ParseString(string(data), Limits{})
			} else {
				vr, errr = r.Parse(data, Limits{})
			}
			if (err == nil) != (errr == nil) || err != nil && err.Error() != errr.Error() || err == nil && vr.String() != v.String() {
				t.Fatalf("Reader (%d) gives %v (%v), Parse %v (%v)", i, vr, errr, v, err)
			}
			if errr == nil && len(earlier) < 64 {
				earlier, earlierText = append(earlier, vr), append(earlierText, vr.String())
			}
		}
		for i, e := range earlier {
			if e.String() != earlierText[i] {
				t.Fatalf("a value the Reader read before changed: %s, was %s", e, earlierText[i])
			}
		}
		// ParseString reads the same, error for error; the text it shares is canonical.
		str := string(data)
		vs, errs := ParseString(str, Limits{})
		if (err == nil) != (errs == nil) || err != nil && err.Error() != errs.Error() || err == nil && vs.String() != v.String() {
			t.Fatalf("ParseString gives %v (%v), Parse %v (%v)", vs, errs, v, err)
		}
		if text, ok := SharedText(vs, str); ok && string(text) != string(vs.AppendJSON(nil)) {
			t.Fatalf("shared text %q is not the canonical %q", text, vs.AppendJSON(nil))
		}
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(data) || se.Msg == "" ||
				se.Kind == 0 || !errors.Is(err, se.Kind) || se.Start < 0 || se.Start > se.Offset {
				t.Fatalf("bad error %v (%T) for a %d-byte input", err, err, len(data))
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("Parse accepts %q, encoding/json does not", data)
		}
		if !Equal(v, v) {
			t.Fatalf("%s is not Equal to itself", v)
		}
		enc := v.AppendJSON(nil)
		v2, err := Parse(enc, Limits{})
		if err != nil {
			t.Fatalf("Parse(%s) of the canonical text of %q: %v", enc, data, err)
		}
		exact, ok := sameUpToFloatReading(v, v2)
		if !ok {
			t.Fatalf("round trip of %q changed the value:\n%s\n%s", data, enc, v2)
		}
		if enc2 := v2.AppendJSON(nil); exact != (string(enc2) == string(enc)) || exact != Equal(v, v2) {
			t.Fatalf("round trip of %q: exact %v, Equal %v, but\n%s\n%s", data, exact, Equal(v, v2), enc, enc2)
		}
	})
}

// sameUpToFloatReading compares a value with its re-reading b = Parse(AppendJSON(a)): ok if
// they are the same but for floats that serde_json's reading moves, by at most 3 ulps and
// keeping their sign; exact if they are the same.
func sameUpToFloatReading(a, b Value) (exact, ok bool) {
	if a.kind != b.kind {
		return false, false
	}
	switch a.kind {
	case KindNumber:
		if a.form != float || b.form != float {
			return Equal(a, b), Equal(a, b)
		}
		fa, fb := math.Float64frombits(a.n), math.Float64frombits(b.n)
		if a.n == b.n {
			return true, true
		}
		if math.Signbit(fa) != math.Signbit(fb) {
			return false, false
		}
		d := int64(math.Float64bits(math.Abs(fa))) - int64(math.Float64bits(math.Abs(fb)))
		return false, d >= -3 && d <= 3
	case KindArray, KindObject:
		if a.Len() != b.Len() || (a.kind == KindObject && !equalKeys(a, b)) {
			return false, false
		}
		exact = true
		for i := range a.c.vals {
			e, o := sameUpToFloatReading(a.c.vals[i], b.c.vals[i])
			if !o {
				return false, false
			}
			exact = exact && e
		}
		return exact, true
	}
	return Equal(a, b), Equal(a, b)
}

func equalKeys(a, b Value) bool {
	for i, k := range a.c.keys {
		if b.c.keys[i] != k {
			return false
		}
	}
	return true
}
