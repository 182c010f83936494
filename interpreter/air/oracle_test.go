package air

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/oracle"
	"github.com/cockroachdb/datadriven"
)

// minOracleInputs keeps the differential corpus from shrinking unnoticed.
const minOracleInputs = 150

// oracleInput is one script for the differential tests, and where it came from.
type oracleInput struct{ where, src string }

// compareWithOracle parses every input with the reference and with Parse and reports each
// disagreement: in the verdict, or, when both accept, in the tree.
func compareWithOracle(t *testing.T, inputs []oracleInput) (accepted int) {
	t.Helper()
	dir := oracle.Require(t)
	scripts := make([]string, len(inputs))
	for i, in := range inputs {
		scripts[i] = in.src
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	results, err := oracle.Parse(ctx, dir, scripts)
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range inputs {
		ref := results[i]
		s, err := Parse(in.src)
		switch {
		case ref.OK && err != nil:
			t.Errorf("%s: the reference accepts, aquanet rejects: %v\n%q", in.where, err, in.src)
		case ref.Trap && err == nil:
			// A script the reference crashes on never runs on a reference peer: aquanet rejects it.
			t.Errorf("%s: the reference crashes on this script, aquanet accepts it\n%q\nreference: %s", in.where, in.src, squash(ref.Error))
		case !ref.OK && err == nil:
			t.Errorf("%s: the reference rejects, aquanet accepts\n%q\nreference: %s", in.where, in.src, squash(ref.Error))
		case ref.OK:
			accepted++
			ours, _ := json.Marshal(refInstr(s.Root))
			if a, b := normJSON(t, ours), normJSON(t, ref.AST); !reflect.DeepEqual(a, b) {
				t.Errorf("%s: trees differ\n%q\n ours: %s\n  ref: %s", in.where, in.src, ours, ref.AST)
			}
		}
	}
	return accepted
}

// TestOracleAgrees runs every script in testdata/ through the reference parser (AquaVM 0.62,
// ../shared/oracle) and through Parse. Both must accept or both reject; when both accept, the
// trees must be the same, compared in the reference's own AST JSON shape, positions included.
func TestOracleAgrees(t *testing.T) {
	oracle.Require(t)
	var inputs []oracleInput
	walkTestdata(t, func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			inputs = append(inputs, oracleInput{d.Pos, strings.TrimSuffix(d.Input, "\n")})
			return d.Expected
		})
	})
	if len(inputs) < minOracleInputs {
		t.Fatalf("only %d scripts in testdata, want at least %d", len(inputs), minOracleInputs)
	}
	accepted := compareWithOracle(t, inputs)
	t.Logf("%d scripts compared with the reference: %d accepted, %d rejected", len(inputs), accepted, len(inputs)-accepted)
}

// TestOracleAgreesOnMutants compares aquanet with the reference on scripts derived from the
// testdata by seeded random edits: tokens replaced, dropped, duplicated or moved, characters
// inserted and deleted. The seed is fixed, so a failure is reproducible; set
// AQUANET_MUTANT_SEED to explore others.
func TestOracleAgreesOnMutants(t *testing.T) {
	oracle.Require(t)
	seed := uint64(1)
	if v := os.Getenv("AQUANET_MUTANT_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("AQUANET_MUTANT_SEED=%q: %v", v, err)
		}
		seed = n
	}
	srcs := testdataScripts(t)
	r := rand.New(rand.NewPCG(seed, seed))
	var inputs []oracleInput
	for i, src := range srcs {
		for k := range 3 {
			inputs = append(inputs, oracleInput{fmt.Sprintf("mutant %d of script %d (seed %d)", k, i, seed), mutate(r, src)})
		}
	}
	accepted := compareWithOracle(t, inputs)
	t.Logf("%d mutants compared with the reference: %d accepted, %d rejected", len(inputs), accepted, len(inputs)-accepted)
}

func isWord(tok string) bool { return !strings.ContainsAny(tok[:1], "()[]") }

var (
	tokenRE    = regexp.MustCompile(`\(|\)|"[^"]*"|\[\]|\[|\]|[^\s()"\[\]]+(?:\.?\[[^\s\]]*\][^\s()"\[\]]*)*`)
	vocabulary = strings.Fields(`( ) [ ] "s" "" 0 -1 +7 1.5 +.5 1. 1.5x 123456789.12 9223372036854775808 true false
		%init_peer_id% %last_error% %last_error%.$.message :error: :error:.$.error_code :error:.length %timestamp% %ttl%
		x y i j $s $ss %m %mm #c #cc #$c #$cc #%c #%cc a%b x.$.a x.$.[0] x.$[1] x.$.[i]! x.$.a!.b x.length x.$
		#cc.length #c.length #$cc.$.[0] $s.$.a %m.$.a #%cc.$.k #%cc.length -relay- call seq par xor null never
		fail fold next new ap canon match mismatch`)
	alphabet = []rune("()[]\"; \n\t$%#.!:_-+0123456789aбx٣²")
)

// mutate returns src with one or two random edits. Token edits splice the text, so the rest of
// the script keeps its spacing and stays valid more often.
func mutate(r *rand.Rand, src string) string {
	for range 1 + r.IntN(2) {
		if r.IntN(4) == 0 { // a character edit
			rs := []rune(src)
			at := r.IntN(len(rs) + 1)
			if r.IntN(2) == 0 && at < len(rs) {
				rs = append(rs[:at], rs[at+1:]...)
			} else {
				rs = append(rs[:at], append([]rune{alphabet[r.IntN(len(alphabet))]}, rs[at:]...)...)
			}
			src = string(rs)
			continue
		}
		toks := tokenRE.FindAllStringIndex(src, -1)
		if len(toks) == 0 {
			return src + " (null)"
		}
		t := toks[r.IntN(len(toks))]
		tok := src[t[0]:t[1]]
		switch r.IntN(5) {
		case 0, 1:
			src = src[:t[0]] + " " + vocabulary[r.IntN(len(vocabulary))] + " " + src[t[1]:]
		case 2:
			src = src[:t[0]] + " " + src[t[1]:]
		case 3:
			src = src[:t[0]] + tok + " " + src[t[0]:]
		case 4: // swap with another token of the same kind: a word with a word, a paren with a paren
			u := toks[r.IntN(len(toks))]
			other := src[u[0]:u[1]]
			if u[0] > t[0] && isWord(tok) == isWord(other) {
				src = src[:t[0]] + other + src[t[1]:u[0]] + tok + src[u[1]:]
			}
		}
	}
	return src
}

func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// normJSON decodes JSON with numbers made comparable: 1, 1.0 and 1e0 are the same number.
func normJSON(t *testing.T, b []byte) any {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("bad JSON %s: %v", b, err)
	}
	return normNumbers(v)
}

func normNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(v.String(), 10, 64); err == nil {
			return "n" + strconv.FormatInt(i, 10)
		}
		f, _ := strconv.ParseFloat(v.String(), 64)
		if f == float64(int64(f)) {
			return "n" + strconv.FormatInt(int64(f), 10)
		}
		return "n" + strconv.FormatFloat(f, 'g', -1, 64)
	case map[string]any:
		for k, e := range v {
			v[k] = normNumbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = normNumbers(e)
		}
	}
	return v
}

// The functions below render our tree in the shape of the reference's AST JSON (serde's
// rendering of crates/air-lib/air-parser/src/ast).

type obj = map[string]any

func one(k string, v any) obj { return obj{k: v} }

func nameObj(v *Var) obj { return obj{"name": v.Name, "position": v.NamePos.Offset} }

func spanObj(n Node) obj { return obj{"left": n.Pos().Offset, "right": n.End().Offset} }

func lensObj(l *Lens) any {
	if l == nil {
		return nil
	}
	if l.Length {
		return one("Functor", "Length")
	}
	path := []any{}
	for _, s := range l.Path {
		switch s.Kind {
		case FieldStep:
			path = append(path, one("FieldAccessByName", obj{"field_name": s.Field}))
		case IndexStep:
			path = append(path, one("ArrayAccess", obj{"idx": s.Index}))
		case ScalarStep:
			path = append(path, one("FieldAccessByScalar", obj{"scalar_name": s.Field}))
		}
	}
	return one("ValuePath", path)
}

var refKind = [...]string{"Scalar", "Stream", "StreamMap", "CanonStream", "CanonStreamMap"}

// refVar renders a variable as the grammar's flat alternatives do: {"Scalar": {...}} or
// {"ScalarWithLambda": {...}}.
func refVar(v *Var) obj {
	if v.Lens == nil {
		return one(refKind[v.Kind], nameObj(v))
	}
	o := nameObj(v)
	o["lambda"] = lensObj(v.Lens)
	return one(refKind[v.Kind]+"WithLambda", o)
}

// refResolvable renders a peer id, service or function name.
func refResolvable(v Value) any {
	switch v := v.(type) {
	case *Special:
		return "InitPeerId"
	case *String:
		return one("Literal", v.Value)
	case *Var:
		return refVar(v)
	}
	return fmt.Sprintf("?%T", v)
}

func refNumber(n *Number) obj {
	if n.IsFloat {
		return one("Float", n.Float)
	}
	return one("Int", n.Int)
}

// refLiteral renders what ImmutableValue and ApArgument share; ok is false for variables.
func refLiteral(v Value) (any, bool) {
	switch v := v.(type) {
	case *Special:
		switch v.Kind {
		case InitPeerID:
			return "InitPeerId", true
		case Timestamp:
			return "Timestamp", true
		case TTL:
			return "TTL", true
		case LastError:
			return one("LastError", lensObj(v.Lens)), true
		case ErrorValue:
			return one("Error", obj{"lens": lensObj(v.Lens)}), true
		}
	case *String:
		return one("Literal", v.Value), true
	case *Number:
		return one("Number", refNumber(v)), true
	case *Bool:
		return one("Boolean", v.Value), true
	case *EmptyArray:
		return "EmptyArray", true
	}
	return nil, false
}

// refValue renders an ImmutableValue (call arguments, match operands).
func refValue(v Value) any {
	if lit, ok := refLiteral(v); ok {
		return lit
	}
	x := v.(*Var)
	if x.Lens == nil {
		return one("Variable", one(refKind[x.Kind], nameObj(x)))
	}
	o := nameObj(x)
	o["lambda"] = lensObj(x.Lens)
	return one("VariableWithLambda", one(refKind[x.Kind], o))
}

// refApArg renders an ApArgument.
func refApArg(v Value) any {
	if lit, ok := refLiteral(v); ok {
		return lit
	}
	return refVar(v.(*Var))
}

func refOptInstr(in Instr) any {
	if in == nil {
		return nil
	}
	return refInstr(in)
}

func refInstr(in Instr) any {
	switch in := in.(type) {
	case *Call:
		args := []any{}
		for _, a := range in.Args {
			args = append(args, refValue(a))
		}
		var out any = "None"
		if in.Output != nil {
			out = one(refKind[in.Output.Kind], nameObj(in.Output))
		}
		return one("Call", obj{
			"triplet": obj{"peer_id": refResolvable(in.Peer), "service_id": refResolvable(in.Service), "function_name": refResolvable(in.Function)},
			"args":    args, "output": out,
		})
	case *Seq:
		return one("Seq", []any{refInstr(in.Left), refInstr(in.Right)})
	case *Par:
		return one("Par", []any{refInstr(in.Left), refInstr(in.Right)})
	case *Xor:
		return one("Xor", []any{refInstr(in.Left), refInstr(in.Right)})
	case *Null:
		return one("Null", nil)
	case *Never:
		return one("Never", nil)
	case *Fail:
		switch {
		case in.Code != nil:
			return one("Fail", one("Literal", obj{"ret_code": in.Code.Int, "error_message": in.Message.Value}))
		default:
			if sp, ok := in.Value.(*Special); ok {
				if sp.Kind == LastError {
					return one("Fail", "LastError")
				}
				return one("Fail", "Error")
			}
			return one("Fail", refVar(in.Value.(*Var)))
		}
	case *Match:
		name := "Match"
		if in.Mismatch {
			name = "MisMatch"
		}
		return one(name, obj{"left_value": refValue(in.Left), "right_value": refValue(in.Right), "instruction": refInstr(in.Body)})
	case *Fold:
		o := obj{"iterator": nameObj(in.Iterator), "instruction": refInstr(in.Body), "last_instruction": refOptInstr(in.Last), "span": spanObj(in)}
		if v, ok := in.Iterable.(*Var); ok && v.Kind == StreamVar {
			o["iterable"] = nameObj(v)
			return one("FoldStream", o)
		} else if ok && v.Kind == StreamMapVar {
			o["iterable"] = nameObj(v)
			return one("FoldStreamMap", o)
		} else if ok {
			o["iterable"] = refVar(v)
		} else {
			o["iterable"] = "EmptyArray"
		}
		return one("FoldScalar", o)
	case *Next:
		return one("Next", obj{"iterator": nameObj(in.Iterator)})
	case *New:
		return one("New", obj{"argument": one(refKind[in.Var.Kind], nameObj(in.Var)), "instruction": refInstr(in.Body), "span": spanObj(in)})
	case *Ap:
		return one("Ap", obj{"argument": refApArg(in.Arg), "result": one(refKind[in.Dst.Kind], nameObj(in.Dst))})
	case *ApMap:
		var key any
		switch k := in.Key.(type) {
		case *String:
			key = one("Literal", k.Value)
		case *Number:
			key = one("Int", k.Int)
		case *Var:
			key = refVar(k)
		}
		return one("ApMap", obj{"key": key, "value": refApArg(in.Value), "map": nameObj(in.Map)})
	case *Canon:
		peer := refResolvable(in.Peer)
		switch {
		case in.Src.Kind == StreamVar:
			return one("Canon", obj{"peer_id": peer, "stream": nameObj(in.Src), "canon_stream": nameObj(in.Dst)})
		case in.Dst.Kind == CanonMapVar:
			return one("CanonMap", obj{"peer_id": peer, "stream_map": nameObj(in.Src), "canon_stream_map": nameObj(in.Dst)})
		default:
			return one("CanonStreamMapScalar", obj{"peer_id": peer, "stream_map": nameObj(in.Src), "scalar": nameObj(in.Dst)})
		}
	}
	return fmt.Sprintf("?%T", in)
}
