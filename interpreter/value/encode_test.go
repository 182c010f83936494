package value

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestAppendJSON: serde_json::to_string's output for each kind of value.
func TestAppendJSON(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{Value{}, `null`},
		{Null(), `null`},
		{Bool(true), `true`},
		{Bool(false), `false`},
		{Int(0), `0`},
		{Int(-1), `-1`},
		{Int(math.MinInt64), `-9223372036854775808`},
		{Int(math.MaxInt64), `9223372036854775807`},
		{Uint(math.MaxUint64), `18446744073709551615`},
		{Float(math.NaN()), `null`},
		{Float(math.Inf(1)), `null`},
		{Float(math.Inf(-1)), `null`},
		{String(""), `""`},
		{String("\"\\/\b\f\n\r\t"), `"\"\\/\b\f\n\r\t"`},
		{String("\x00\x01\x0b\x1a\x1f\x20\x7f"), `"\u0000\u0001\u000b\u001a\u001f ` + "\x7f" + `"`},
		{String("é日本😀\u2028\u2029\ufeff</script>&"), "\"é日本😀\u2028\u2029\ufeff</script>&\""},
		{String("a\xffb"), "\"a\uFFFDb\""},
		{Array(), `[]`},
		{Array(Int(1), String("x"), Null(), Array()), `[1,"x",null,[]]`},
		{Object(nil, nil), `{}`},
		{Object([]string{"b", "a", "c\n"}, []Value{Int(1), Array(Bool(true)), Null()}), `{"a":[true],"b":1,"c\n":null}`},
		{Object([]string{"é", "z", "Z", "", "aa", "a"}, []Value{Int(1), Int(2), Int(3), Int(4), Int(5), Int(6)}),
			`{"":4,"Z":3,"a":6,"aa":5,"z":2,"é":1}`},
	}
	for _, tc := range tests {
		if got := string(tc.v.AppendJSON(nil)); got != tc.want {
			t.Errorf("AppendJSON: got %s, want %s", got, tc.want)
		}
		if got := tc.v.String(); got != tc.want {
			t.Errorf("String: got %s, want %s", got, tc.want)
		}
		if got, err := tc.v.MarshalJSON(); err != nil || string(got) != tc.want {
			t.Errorf("MarshalJSON: got %s, %v, want %s", got, err, tc.want)
		}
		if got := string(tc.v.AppendJSON([]byte("prefix:"))); got != "prefix:"+tc.want {
			t.Errorf("AppendJSON after a prefix: got %s", got)
		}
	}
}

// TestAppendFloat: ryu's layout of the shortest digits (format64 in ryu's pretty/mod.rs).
func TestAppendFloat(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-1, "-1.0"},
		{100, "100.0"},
		{1.5, "1.5"},
		{0.1, "0.1"},
		{math.Nextafter(0.3, 1), "0.30000000000000004"}, // 0.1 + 0.2 at run time
		{1.0 / 3, "0.3333333333333333"},
		{123456789, "123456789.0"},
		{1e15, "1000000000000000.0"},
		{9007199254740992, "9007199254740992.0"},
		{1234567890123456, "1234567890123456.0"},
		{1e16, "1e16"},
		{1.5e16, "1.5e16"},
		{12345678901234567, "1.2345678901234568e16"},
		{1e21, "1e21"},
		{1e22, "1e22"},
		{1e23, "1e23"},
		{-1.2345e300, "-1.2345e300"},
		{math.MaxFloat64, "1.7976931348623157e308"},
		{123456789012345.6, "123456789012345.6"},
		{1234567890123456.8, "1234567890123456.8"},
		{0.001234, "0.001234"},
		{0.0001, "0.0001"},
		{0.00001, "0.00001"},
		{0.00001234, "0.00001234"},
		{0.000001, "1e-6"},
		{0.000001234, "1.234e-6"},
		{1e-7, "1e-7"},
		{1.5e-7, "1.5e-7"},
		{5e-324, "5e-324"},
		{-5e-324, "-5e-324"},
		{2.2250738585072014e-308, "2.2250738585072014e-308"},
		{float64(float32(0.1)), "0.10000000149011612"},
	}
	for _, tc := range tests {
		if got := Float(tc.f).String(); got != tc.want {
			t.Errorf("Float(%g): got %s, want %s", tc.f, got, tc.want)
		}
		// The text reads back as the same float.
		if v := mustParse(t, tc.want); !Equal(v, Float(tc.f)) || math.Signbit(tc.f) != strings.HasPrefix(tc.want, "-") {
			t.Errorf("%s reads back as %v", tc.want, v)
		}
	}
}

// TestFloatTexts: for many random floats, the text is the shortest that reads back exactly
// (with a correctly rounding reader), in ryu's layout, and serde_json's own reading of it (Parse)
// is at most 3 ulps away with the same sign.
func TestFloatTexts(t *testing.T) {
	plain := regexp.MustCompile(`^-?[0-9]+\.[0-9]+$`)
	sci := regexp.MustCompile(`^-?[1-9](\.[0-9]*[1-9])?e-?[1-9][0-9]*$`)
	rng := rand.New(rand.NewPCG(3, 3))
	for range 100000 {
		f := math.Float64frombits(rng.Uint64())
		if rng.IntN(2) == 0 { // also plenty in the range where the layout changes
			f = float64(rng.Int64N(1<<53)) * math.Pow10(rng.IntN(40)-20)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		s := Float(f).String()
		if back, err := strconv.ParseFloat(s, 64); err != nil || back != f {
			t.Fatalf("%g prints as %s, which reads back as %g", f, s, back)
		}
		if got, want := significantDigits(s), significantDigits(strconv.FormatFloat(f, 'e', -1, 64)); f != 0 && got != want {
			t.Fatalf("%g prints as %s: digits %s, want the shortest, %s", f, s, got, want)
		}
		abs := math.Abs(f)
		wantPlain := abs >= 1e-5 && abs < 1e16
		if wantPlain && !plain.MatchString(s) || !wantPlain && !sci.MatchString(s) {
			t.Fatalf("%g prints as %s, want the %s layout", f, s, map[bool]string{true: "plain", false: "scientific"}[wantPlain])
		}
		v, err := Parse([]byte(s), Limits{})
		g, _ := v.Float64()
		d := int64(math.Float64bits(math.Abs(f))) - int64(math.Float64bits(math.Abs(g)))
		if err != nil || !v.IsFloat() || math.Signbit(g) != math.Signbit(f) || d < -3 || d > 3 {
			t.Fatalf("%s reads as %v (%v), %d ulps away", s, v, err, d)
		}
	}
}

// significantDigits returns the digits of a number text without sign, point, exponent, and
// leading or trailing zeros.
func significantDigits(s string) string {
	mant, _, _ := strings.Cut(s, "e")
	mant = strings.NewReplacer("-", "", ".", "").Replace(mant)
	return strings.Trim(mant, "0")
}

// TestMarshalJSONInEncodingJSON: a Value inside a structure given to encoding/json.
func TestMarshalJSONInEncodingJSON(t *testing.T) {
	b, err := json.Marshal(map[string]any{"v": mustParse(t, `{"b":[1.0,-0],"a":"x"}`)})
	if err != nil || string(b) != `{"v":{"a":"x","b":[1.0,-0.0]}}` {
		t.Errorf("got %s, %v", b, err)
	}
}
