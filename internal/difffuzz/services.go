package difffuzz

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/aquanet/aquanet/internal/oracle"
	"github.com/aquanet/aquanet/interpreter/value"
)

// answer is how a service behaves: the answer to a call of service.function with args on the
// peer called peer, or false for a call that is never answered. It depends on nothing else, so
// a case replays exactly, and a call made again with the same arguments (by another run of the
// same instruction in a fold, say) gets the same answer. ids are the peer ids a value may name.
func answer(seed uint64, peer, service, function string, args []value.Value, ids []string) (oracle.StepCallResult, bool) {
	argsText, _ := json.Marshal(args)
	src := newSeeded(seed, strings.Join([]string{"answer", peer, service, function, string(argsText)}, "\x00"))
	v := valueGen{src, ids}
	switch weighted(src, 58, 14, 14, 4, 3, 7) {
	case 0:
		return oracle.StepCallResult{Result: v.json(0)}, true
	case 1: // echo: what a service of the op kind does
		if len(args) == 1 {
			return oracle.StepCallResult{Result: args[0].String()}, true
		}
		return oracle.StepCallResult{Result: string(argsText)}, true
	case 2:
		code := pick(src, int32(1), 2, -1, 7)
		if chance(src, 50) {
			return oracle.StepCallResult{RetCode: code, Result: strconv.Quote(pick(src, "failed", "no such thing", ""))}, true
		}
		return oracle.StepCallResult{RetCode: code, Result: v.json(0)}, true
	case 3: // not JSON: the reference takes it for a failure with ret code i32::MAX
		return oracle.StepCallResult{Result: pick(src, "not json", "{", "")}, true
	case 4: // an error object as a value, for (fail x)
		return oracle.StepCallResult{Result: `{"error_code":` + pick(src, "5", "0", "10000", `"x"`) + `,"message":"from a service"}`}, true
	default:
		return oracle.StepCallResult{}, false
	}
}

// valueGen makes the JSON values services answer with: small, with the fields and indexes the
// generator's lenses use (gen.lens), and peer ids so that values can name peers to call.
type valueGen struct {
	src source
	ids []string
}

func (v valueGen) json(depth int) string {
	kinds := []int{10, 12, 12, 10, 16, 14, 16}
	if depth >= 2 {
		kinds = kinds[:5]
	}
	switch weighted(v.src, kinds...) {
	case 0:
		return pick(v.src, "null", "true", "false")
	case 1:
		return pick(v.src, "0", "1", "2", "-3", "2.5", "1e3", "-0.0", "1.0", "18446744073709551615", "12345678901234567890")
	case 2:
		return strconv.Quote(pick(v.src, "a", "b", "", "x y", "ünï"))
	case 3:
		return strconv.Quote(pick(v.src, "a", "b", "key", "value"))
	case 4:
		return strconv.Quote(pick(v.src, v.ids...))
	case 5:
		elems := make([]string, v.src.intn(4))
		for i := range elems {
			elems[i] = v.json(depth + 1)
		}
		return "[" + strings.Join(elems, ",") + "]"
	default:
		keys := []string{"a", "b", "peer", "key", "value"}
		n := 1 + v.src.intn(3)
		fields := make([]string, 0, n)
		for range n {
			k := pick(v.src, keys...)
			fields = append(fields, strconv.Quote(k)+":"+v.json(depth+1))
		}
		return "{" + strings.Join(fields, ",") + "}"
	}
}
