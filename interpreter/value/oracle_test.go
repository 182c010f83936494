package value

import (
	"bytes"
	"context"
	"encoding/base32"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aquanet/aquanet/internal/oracle"
	"lukechampine.com/blake3"
)

// minOracleTexts keeps the differential corpus from shrinking unnoticed.
const minOracleTexts = 300

// cid is AquaVM's CID of a canonical JSON text: CIDv1 (0x01), JSON codec 0x0200 (varint
// 0x80 0x04), blake3-256 multihash (0x1e, length 0x20), in multibase base32 lower ("b").
func cid(text []byte) string {
	sum := blake3.Sum256(text)
	b := append([]byte{0x01, 0x80, 0x04, 0x1e, 0x20}, sum[:]...)
	return "b" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// TestCIDVectors checks cid against the test vectors of AquaVM's
// crates/air-lib/interpreter-cid/src/lib.rs (value_to_json_cid of json!("test"), [1,2,3], 1 and
// {"key": 42}), so that the CID comparison means something even without the oracle.
func TestCIDVectors(t *testing.T) {
	for _, tc := range []struct{ v, cid string }{
		{`"test"`, "bagaaihrarcyykpv4oj7zwdbepczyfthxya4og7s2rwvrzolm5kg2eu5dz3xa"},
		{`[1, 2, 3]`, "bagaaihram6sitn77tquub77n2jzjgttrlwkverv44pv3gns6qghm6hx6d36a"},
		{`1`, "bagaaihra2y55tkbgv6i4d7vdoglfuzhbd3ra6e7ennpvfrmzaejwmbntusdq"},
		{`{"key": 42}`, "bagaaihracpzxhsrpviexa7k6glwdhyh3a4kvy6j7qlcqokzqbs3q424cmxyq"},
	} {
		if got := cid(mustParse(t, tc.v).AppendJSON(nil)); got != tc.cid {
			t.Errorf("CID of %s: got %s, want %s", tc.v, got, tc.cid)
		}
	}
}

// TestOracleAgrees gives every text of the differential corpus to the reference (AquaVM 0.62 as a
// service result, see internal/oracle.CanonicalJSON) and to Parse: both must accept or both
// reject, and when both accept, AppendJSON must print the reference's canonical text and its
// CID must be the reference's CID.
func TestOracleAgrees(t *testing.T) {
	dir := oracle.Require(t)
	texts := oracleCorpus(t)
	if len(texts) < minOracleTexts {
		t.Fatalf("only %d texts in the corpus, want at least %d", len(texts), minOracleTexts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	results, err := oracle.CanonicalJSON(ctx, dir, texts)
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for i, text := range texts {
		ref := results[i]
		v, err := Parse([]byte(text), Limits{})
		switch {
		case ref.Trap:
			t.Errorf("the reference traps on %s: %s", abbrev(text), ref.Error)
		case ref.OK && err != nil:
			t.Errorf("the reference accepts %s as %s, aquanet rejects it: %v", abbrev(text), abbrev(ref.Canonical), err)
		case !ref.OK && err == nil:
			t.Errorf("the reference rejects %s (%s), aquanet accepts it as %s", abbrev(text), ref.Error, abbrev(v.String()))
		case ref.OK:
			accepted++
			got := v.AppendJSON(nil)
			if string(got) != ref.Canonical {
				t.Errorf("canonical text of %s:\n got %s\nwant %s", abbrev(text), abbrev(string(got)), abbrev(ref.Canonical))
			}
			if c := cid(got); c != ref.CID {
				t.Errorf("CID of %s: got %s, want %s", abbrev(text), c, ref.CID)
			}
			if c := cid([]byte(ref.Canonical)); c != ref.CID {
				t.Errorf("the reference's CID %s of %s is not blake3 of its text (%s)", ref.CID, abbrev(ref.Canonical), c)
			}
		}
	}
	t.Logf("%d texts compared with the reference: %d accepted, %d rejected", len(texts), accepted, len(texts)-accepted)
}

// TestOracleRereads feeds the reference's canonical texts back to it, round after round, for
// floats that serde_json does not read back as themselves: AquaVM prints
// 1.4651248189898814e246 as itself, but reads that text as 1.4651248189898816e246, and so on
// (many such values alternate between two texts forever). aquanet must drift the same way,
// since AquaVM re-reads stored values from their text (RawValue::get_value).
func TestOracleRereads(t *testing.T) {
	dir := oracle.Require(t)
	g := &gen{rng: rand.New(rand.NewPCG(4, 4))}
	var texts []string
	for len(texts) < 40 {
		f := math.Float64frombits(g.rng.Uint64())
		if s := Float(f).String(); s != "null" && mustParse(t, s).String() != s {
			texts = append(texts, s)
		}
	}
	texts = append(texts, "["+strings.Join(texts[:10], ",")+"]", `{"a":`+texts[10]+`,"b":[`+texts[11]+`]}`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	changed := make([]int, 4) // per round
	for round := range changed {
		results, err := oracle.CanonicalJSON(ctx, dir, texts)
		if err != nil {
			t.Fatal(err)
		}
		for i, ref := range results {
			v, err := Parse([]byte(texts[i]), Limits{})
			if !ref.OK || err != nil {
				t.Fatalf("round %d, %s: reference %+v, aquanet %v", round, texts[i], ref, err)
			}
			if got := v.String(); got != ref.Canonical {
				t.Errorf("round %d, %s: got %s, want %s", round, texts[i], got, ref.Canonical)
			}
			if ref.Canonical != texts[i] {
				changed[round]++
			}
			texts[i] = ref.Canonical
		}
	}
	if changed[0] != len(texts) || changed[len(changed)-1] == 0 {
		t.Errorf("texts changed per round: %v; want all %d in the first, and some in the last", changed, len(texts))
	}
	t.Logf("%d texts re-read %d times, all as in the reference; texts changed per round: %v", len(texts), len(changed), changed)
}

func abbrev(s string) string {
	if len(s) > 200 {
		return strconv.Quote(s[:120]) + fmt.Sprintf("...(%d bytes)...", len(s)-180) + strconv.Quote(s[len(s)-60:])
	}
	return strconv.Quote(s)
}

// oracleCorpus is the differential corpus: hand-picked edge cases, then generated texts.
func oracleCorpus(t testing.TB) []string {
	texts := edgeCases()
	rng := rand.New(rand.NewPCG(20240611, 0x76616c7565))
	g := &gen{rng: rng}
	for range 250 {
		texts = append(texts, g.text(3))
	}
	for range 200 {
		texts = append(texts, g.number())
	}
	quirky := g.quirkyFloats(60)
	if len(quirky) < 60 {
		t.Fatalf("found only %d floats that serde_json does not read correctly rounded", len(quirky))
	}
	texts = append(texts, quirky...)
	for range 150 {
		if m, ok := g.mutate(texts[rng.IntN(len(texts))]); ok {
			texts = append(texts, m)
		}
	}
	return texts
}

// nest returns depth arrays (or objects with key "k") around inner.
func nest(depth int, object bool, inner string) string {
	if object {
		return strings.Repeat(`{"k":`, depth) + inner + strings.Repeat("}", depth)
	}
	return strings.Repeat("[", depth) + inner + strings.Repeat("]", depth)
}

func edgeCases() []string {
	t := []string{
		// literals and whitespace
		`null`, `true`, `false`, ` null`, "\t\n\r true \r\n\t", `nul`, `nulll`, `True`, `NULL`, `tru`, `falsey`,
		``, ` `, "\n", "\ufeff1", "\ufeffnull", "1\x00", "\x00", "\u00a01", "1\u00a0", "\v1", "\f1", "1\u2028",
		`// c` + "\n1", `/* c */ 1`, `1 // c`, `# c`, `1 2`, `[] []`, `{}x`, `"a""b"`, `nullnull`,
		// numbers: grammar
		`0`, `-0`, `0.0`, `-0.0`, `00`, `01`, `-01`, `-`, `--1`, `+1`, `.5`, `-.5`, `5.`, `5.e3`, `1e`, `1e+`,
		`1e-`, `1E5`, `1e+2`, `1E+2`, `1e-2`, `1.5e2`, `0e0`, `0e-0`, `-0e0`, `0.0e0`, `1ee2`, `1e2.5`, `0x10`,
		`1_000`, `1,000`, `Infinity`, `-Infinity`, `NaN`, `-NaN`, `1.0`, `100`, `1e2`, `1e0`, `10e-1`, `[-]`,
		`[1.]`, `[.1]`, `[01]`, `[1e]`, `{"a":-}`, `-a`, `- 1`, `1.5.5`, `0.`, `-0.`,
		// integers at the i64/u64 boundaries
		`9007199254740991`, `9007199254740992`, `9007199254740993`, `-9007199254740993`,
		`9223372036854775807`, `9223372036854775808`, `-9223372036854775807`, `-9223372036854775808`,
		`-9223372036854775809`, `18446744073709551615`, `18446744073709551616`, `-18446744073709551615`,
		`-18446744073709551616`, `99999999999999999999`, `123456789012345678901234567890`,
		`-123456789012345678901234567890`, `18446744073709551615.0`, `18446744073709551616.5`,
		`184467440737095516169.5`, `18446744073709551615e0`, `1` + strings.Repeat("0", 300),
		`1` + strings.Repeat("0", 308), `1` + strings.Repeat("0", 309), `-1` + strings.Repeat("0", 309),
		`0.` + strings.Repeat("0", 400) + `1`, `1.` + strings.Repeat("0", 400) + `1`,
		strings.Repeat("9", 400) + `e-400`, `0.` + strings.Repeat("1", 30),
		// floats: printing
		`1e21`, `1e22`, `1e23`, `1e15`, `1e16`, `1e17`, `1.5e16`, `123456789012345.6`, `1234567890123456.7`,
		`12345678901234567.8`, `1e-5`, `1e-6`, `1e-7`, `1.5e-7`, `0.0001`, `0.00001`, `0.000001`, `0.00001234`,
		`0.000001234`, `1.234e-5`, `5e-324`, `4.9e-324`, `2e-324`, `3e-324`, `1e-324`, `2.4703282292062327e-324`,
		`2.4703282292062328e-324`, `-5e-324`, `2.2250738585072011e-308`, `2.2250738585072014e-308`,
		`2.225073858507201e-308`, `1.7976931348623157e308`, `-1.7976931348623157e308`, `1.7976931348623158e308`,
		`1.7976931348623159e308`, `1.797693134862316e308`, `1e308`, `10e307`, `1e309`, `-1e309`, `1e400`,
		`0e400`, `0.0e999`, `-0e999`, `1e-400`, `-1e-400`, `0.1e310`, `0.01e310`, `1e2147483647`,
		`1e2147483648`, `1e-2147483648`, `1e-2147483649`, `0e2147483648`, `-5e-99999999999`, `1e99999999999`,
		`1.1e-2147483647`, `123.456e-2147483647`, strings.Repeat("1", 25) + `e2147483647`,
		`0.1`, `0.2`, `0.3`, `0.30000000000000004`, `0.1e1`, `0.7`, `1.1`, `2.675`, `1.005`, `100.5`,
		`3.141592653589793`, `2.718281828459045`, `1.4142135623730951`, `0.1234567890123456789`,
		`1.2345678901234567`, `12.345678901234567`, `9.999999999999999`, `99999999999999.99`, `8.41e21`,
		`5e-7`, `4.35e-5`, `7.1e-10`, `1.7e-300`, `6.02214076e23`, `1.602176634e-19`, `-273.15`, `1e-10`,
		`123e-20`, `1.5`, `-1.5`, `2.5e-5`, `9007199254740993.0`, `295147905179352825856`, `1.0000000000000002`,
		`0.9999999999999999`, `4503599627370496.5`, `4503599627370497.5`, `1e-1`, `1.00e2`, `100.000`,
		// strings: escapes
		`""`, `"a"`, `"\""`, `"\\"`, `"\/"`, `"\b"`, `"\f"`, `"\n"`, `"\r"`, `"\t"`, `"\u0000"`, `"\u001f"`,
		`"\u0020"`, `"\u007f"`, `"\u0080"`, `"\u00e9"`, `"\u00E9"`, `"\uFFFF"`, `"\uffff"`, `"\uFEFF"`,
		`"\u2028\u2029"`, `"\ud83d\ude00"`, `"\uD83D\uDE00"`, `"\udbff\udfff"`, `"\ud800\udc00"`,
		`"\ud800"`, `"\udc00"`, `"\udfff"`, `"\ud800\ud800"`, `"\ud800\u0041"`, `"\ud800x"`, `"\ud800\n"`,
		`"\ud800\\"`, `"\udc00\ud800"`, `"a\ud83dz"`, `"\ud83d\ude0"`, `"\u12"`, `"\u12g4"`, `"\U0041"`,
		`"\x41"`, `"\a"`, `"\'"`, `"\0"`, `"\ "`, `"\`, `"abc`, `"`, `"\u`, `"\u00`,
		"\"\x01\"", "\"\x1f\"", "\"\x7f\"", "\"\t\"", "\"\n\"", "\"a\x00b\"", "\"\r\n\"",
		"\"é\"", "\"日本語\"", "\"😀\"", "\"\u2028\u2029\"", "\"\ufeff\"", "\"\uffff\"", "\"/\"", "\"</script>\"",
		"\"&<>\"", `"\\u0041"`, `"\\\""`, `"a\/b\\c\"d"`, `"` + strings.Repeat(`\u00e9`, 50) + `"`,
		`"` + strings.Repeat("x", 5000) + `"`,
		// arrays and objects
		`[]`, `[ ]`, `[1]`, `[1,2]`, ` [ 1 , 2 ] `, `[1,]`, `[,1]`, `[,]`, `[1,,2]`, `[1 2]`, `[`, `]`, `[1`, `[1,`,
		`[[]]`, `[[],[[]]]`, `{}`, `{ }`, `{"a":1}`, `{"a":1,}`, `{,"a":1}`, `{"a":1,,"b":2}`, `{"a" 1}`,
		`{"a":}`, `{"a"}`, `{a:1}`, `{'a':1}`, `{1:1}`, `{null:1}`, `{"a":1 "b":2}`, `{`, `}`, `{"a":1`,
		`{"a":1,`, `{"a"`, `{"a":`, `{"b":1,"a":2}`, `{"a":1,"a":2}`, `{"a":1,"b":2,"a":3}`,
		`{"a":{"x":1},"a":[2]}`, `{"b":1,"a":2,"b":3,"a":4}`, `{"":1}`, `{"":1,"":2}`, `{"a":1,"A":2,"_":3,"0":4}`,
		`{"é":1,"e":2,"z":3,"ê":4}`, `{"\u00e9":1,"é":2}`, `{"\ud83d\ude00":1,"\uffff":2}`, `{"ab":1,"a":2,"abc":3,"b":4}`,
		`{"a\u0000":1,"a":2}`, `{"\n":1,"\t":2}`, `{"a":[1,{"c":null,"b":true}],"0":{}}`,
		" {\n  \"k\" : [ 1 ,\t2 ] ,\r\n \"j\":{}\n} ", `[{"a":-0},{"a":0},{"a":0.0}]`, `[1,1.0,-1,-1.0,1e0]`,
		`{"a":1}}`, `[1]]`, `[}`, `{]`, `[1,{]`,
		// nesting
		nest(1, false, ""), nest(126, false, ""), nest(127, false, ""), nest(128, false, ""), nest(129, false, ""),
		nest(126, true, "1"), nest(127, true, "1"), nest(128, true, "1"), nest(129, true, "1"),
		nest(126, false, "{}"), nest(126, false, `{"a":[]}`), nest(127, false, "1"), nest(1000, false, ""),
		strings.Repeat(`[{"a":`, 63) + `[1]` + strings.Repeat("}]", 63),
		strings.Repeat(`[{"a":`, 63) + `1` + strings.Repeat("}]", 63),
		strings.Repeat(`[{"a":`, 64) + `1` + strings.Repeat("}]", 64),
		nest(127, false, "") + "x", nest(128, false, "1,"),
	}
	return t
}

// gen builds random JSON texts from a seeded generator.
type gen struct{ rng *rand.Rand }

func (g *gen) pick(s []string) string { return s[g.rng.IntN(len(s))] }

// space returns optional JSON whitespace.
func (g *gen) space() string {
	if g.rng.IntN(3) > 0 {
		return ""
	}
	var b strings.Builder
	for range 1 + g.rng.IntN(3) {
		b.WriteByte(" \t\n\r"[g.rng.IntN(4)])
	}
	return b.String()
}

// text returns a random valid JSON text, nested at most depth deep.
func (g *gen) text(depth int) string {
	switch n := g.rng.IntN(10); {
	case depth > 0 && n < 2:
		var b strings.Builder
		b.WriteString("[" + g.space())
		for i := range g.rng.IntN(5) {
			if i > 0 {
				b.WriteString("," + g.space())
			}
			b.WriteString(g.text(depth-1) + g.space())
		}
		return b.String() + "]"
	case depth > 0 && n < 4:
		var b strings.Builder
		b.WriteString("{" + g.space())
		var keys []string
		for i := range g.rng.IntN(6) {
			if i > 0 {
				b.WriteString("," + g.space())
			}
			key := g.str(3)
			if len(keys) > 0 && g.rng.IntN(4) == 0 {
				key = keys[g.rng.IntN(len(keys))] // a duplicate
			}
			keys = append(keys, key)
			b.WriteString(key + g.space() + ":" + g.space() + g.text(depth-1) + g.space())
		}
		return b.String() + "}"
	case n < 6:
		return g.str(12)
	case n < 9:
		return g.number()
	}
	return g.pick([]string{"null", "true", "false"})
}

// str returns a random JSON string literal of up to n characters, written raw or escaped.
func (g *gen) str(n int) string {
	var b strings.Builder
	b.WriteByte('"')
	for range g.rng.IntN(n + 1) {
		var r rune
		switch k := g.rng.IntN(10); {
		case k < 4:
			r = rune('a' + g.rng.IntN(26))
		case k < 5:
			r = rune(g.rng.IntN(0x20)) // control: must be escaped
		case k < 6:
			r = []rune{'"', '\\', '/', 0x7f, 0x2028, 0x2029, 0xfeff, 0xfffd}[g.rng.IntN(8)]
		case k < 8:
			r = rune(0x80 + g.rng.IntN(0x800))
		case k < 9:
			r = rune(0x800 + g.rng.IntN(0xd000))
		default:
			r = rune(0x10000 + g.rng.IntN(0x100000))
		}
		switch {
		case r < 0x20 || r == '"' || r == '\\':
			if e := map[rune]string{'"': `\"`, '\\': `\\`, '\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`}[r]; e != "" && g.rng.IntN(2) == 0 {
				b.WriteString(e)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		case g.rng.IntN(4) == 0: // escape it anyway
			if r >= 0x10000 {
				hi, lo := 0xd800+(r-0x10000)>>10, 0xdc00+(r-0x10000)&0x3ff
				fmt.Fprintf(&b, []string{`\u%04x\u%04x`, `\u%04X\u%04X`}[g.rng.IntN(2)], hi, lo)
			} else if r == '/' && g.rng.IntN(2) == 0 {
				b.WriteString(`\/`)
			} else {
				fmt.Fprintf(&b, []string{`\u%04x`, `\u%04X`}[g.rng.IntN(2)], r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// number returns a random JSON number text of many shapes.
func (g *gen) number() string {
	sign := g.pick([]string{"", "", "-"})
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + g.rng.IntN(10)))
		}
		return b.String()
	}
	intPart := func() string {
		if g.rng.IntN(6) == 0 {
			return "0"
		}
		return string(rune('1'+g.rng.IntN(9))) + digits(g.rng.IntN(22))
	}
	switch g.rng.IntN(8) {
	case 0: // an integer near a boundary
		b := []uint64{1 << 53, math.MaxInt64, 1 << 63, math.MaxUint64}[g.rng.IntN(4)]
		return sign + strconv.FormatUint(b+uint64(g.rng.IntN(5))-2, 10)
	case 1, 2: // a random f64, printed the shortest way or with 17 digits
		f := math.Float64frombits(g.rng.Uint64())
		for math.IsNaN(f) || math.IsInf(f, 0) {
			f = math.Float64frombits(g.rng.Uint64())
		}
		return strconv.FormatFloat(f, g.pick([]string{"g", "e"})[0], []int{-1, 17, 16, 15}[g.rng.IntN(4)], 64)
	case 3: // a "nice" f64 in the range where ryu's layout changes
		f := float64(g.rng.IntN(100000)) * math.Pow10(g.rng.IntN(30)-15)
		return sign + strconv.FormatFloat(f, 'g', -1, 64)
	}
	s := sign + intPart()
	if g.rng.IntN(2) == 0 {
		s += "." + digits(1+g.rng.IntN(25))
	}
	if g.rng.IntN(2) == 0 {
		s += g.pick([]string{"e", "E", "e+", "e-", "E-"}) + strconv.Itoa(g.rng.IntN(340))
	}
	return s
}

// quirkyFloats returns n decimal texts that serde_json's float reading (reproduced by Parse)
// does not round correctly, i.e. where strconv.ParseFloat gives another f64.
func (g *gen) quirkyFloats(n int) []string {
	var out []string
	for tries := 0; len(out) < n && tries < 1000000; tries++ {
		f := math.Float64frombits(g.rng.Uint64() &^ (1 << 63))
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		s := strconv.FormatFloat(f, 'e', 16+g.rng.IntN(4), 64)
		v, err := Parse([]byte(s), Limits{})
		want, _ := strconv.ParseFloat(s, 64)
		if got, _ := v.Float64(); err == nil && got != want {
			out = append(out, s)
		}
	}
	return out
}

// mutate changes one byte of text (insert, delete or replace with a JSON-significant byte),
// keeping it valid UTF-8.
func (g *gen) mutate(text string) (string, bool) {
	b := []byte(text)
	i := g.rng.IntN(len(b) + 1)
	const alphabet = ",:[]{}\"\\0123456789.eE+- \tnulltruefalse\x01"
	c := alphabet[g.rng.IntN(len(alphabet))]
	switch g.rng.IntN(3) {
	case 0:
		b = bytes.Join([][]byte{b[:i], {c}, b[i:]}, nil)
	case 1:
		if i == len(b) {
			return "", false
		}
		b = append(b[:i:i], b[i+1:]...)
	default:
		if i == len(b) {
			return "", false
		}
		b[i] = c
	}
	return string(b), utf8.Valid(b)
}
