package sim

import (
	"math"
	"testing"
)

// The accounts model: a read must see every transfer acknowledged before it began and none
// that began after it ended; a transfer whose answer was lost may or may not have happened.
func TestLedgerModel(t *testing.T) {
	transfer := func(call, ret int64, known, applied bool) (ledgerOp, ledgerResult, int64, int64) {
		return ledgerOp{from: 0, to: 1, amount: 10, seq: 0}, ledgerResult{known: known, applied: applied}, call, ret
	}
	read := func(call, ret int64, balance, nonce uint64) (ledgerOp, ledgerResult, int64, int64) {
		return ledgerOp{read: true, from: 0}, ledgerResult{known: true, balance: balance, nonce: nonce}, call, ret
	}
	for _, c := range []struct {
		name string
		ops  [][4]any
		want bool
	}{
		{"a read after an acknowledged transfer sees it", [][4]any{pack(transfer(0, 10, true, true)), pack(read(20, 30, ledgerBalance-10, 1))}, true},
		{"a read after an acknowledged transfer does not miss it", [][4]any{pack(transfer(0, 10, true, true)), pack(read(20, 30, ledgerBalance, 0))}, false},
		{"a read during a transfer may see it or not", [][4]any{pack(transfer(0, 30, true, true)), pack(read(10, 20, ledgerBalance, 0))}, true},
		{"a transfer whose answer was lost may have happened", [][4]any{pack(transfer(0, math.MaxInt64, false, false)), pack(read(20, 30, ledgerBalance-10, 1))}, true},
		{"... or not", [][4]any{pack(transfer(0, math.MaxInt64, false, false)), pack(read(20, 30, ledgerBalance, 0))}, true},
		{"a refused transfer changed nothing", [][4]any{pack(transfer(0, 10, true, false)), pack(read(20, 30, ledgerBalance-10, 1))}, false},
	} {
		var h history
		for i, op := range c.ops {
			j := h.call(i, op[0].(ledgerOp), 0)
			h.ops[j].Call = op[2].(int64)
			h.answer(j, op[1].(ledgerResult), 0)
			h.ops[j].Return = op[3].(int64)
		}
		if got := h.check().Pass; got != c.want {
			t.Errorf("%s: linearizable %v, want %v", c.name, got, c.want)
		}
	}
}

func pack(in ledgerOp, out ledgerResult, call, ret int64) [4]any { return [4]any{in, out, call, ret} }
