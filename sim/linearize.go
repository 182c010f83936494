package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/anishathalye/porcupine"
)

// The ledger workload's history, checked for linearizability with porcupine against a model
// of the clients' accounts: each transfer and each linearizable balance read must take effect
// at one instant between its call and its answer, in an order that a single copy of the
// accounts explains.

// ledgerAccounts is the model's state: the clients' balances and next nonces.
type ledgerAccounts struct {
	balance [ledgerClients]uint64
	nonce   [ledgerClients]uint64
}

// ledgerOp is an operation's input: a transfer, or a read of one client's account.
type ledgerOp struct {
	read        bool
	from, to    int
	amount, seq uint64 // seq: the transfer's nonce
}

// ledgerResult is an operation's output. A transfer's outcome may be unknown (its answer was
// lost): it took effect or it did not.
type ledgerResult struct {
	known, applied bool
	balance, nonce uint64 // a read's
}

var ledgerModel = porcupine.NondeterministicModel{
	Init: func() []any {
		var s ledgerAccounts
		for i := range s.balance {
			s.balance[i] = ledgerBalance
		}
		return []any{s}
	},
	Step: func(state, input, output any) []any {
		s, in, out := state.(ledgerAccounts), input.(ledgerOp), output.(ledgerResult)
		if in.read {
			if out.balance == s.balance[in.from] && out.nonce == s.nonce[in.from] {
				return []any{s}
			}
			return nil
		}
		valid := s.nonce[in.from] == in.seq && s.balance[in.from] >= in.amount
		next := s
		next.nonce[in.from]++
		next.balance[in.from] -= in.amount
		next.balance[in.to] += in.amount
		switch {
		case !out.known && valid:
			return []any{s, next}
		case !out.known, !out.applied:
			// Refused: nothing changed. (A refusal may come from a validator's view that
			// lagged, so it says nothing of the transfer's validity.)
			return []any{s}
		case valid:
			return []any{next}
		}
		return nil // applied, though the accounts could not have taken it
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(ledgerOp), output.(ledgerResult)
		if in.read {
			return fmt.Sprintf("read %d -> %d/%d", in.from, out.balance, out.nonce)
		}
		return fmt.Sprintf("transfer %d->%d %d #%d -> known %v applied %v", in.from, in.to, in.amount, in.seq, out.known, out.applied)
	},
}

// history keeps the workload's operations: open ones (no answer yet) end, unknown, after
// every other.
type history struct {
	ops []porcupine.Operation
}

func (h *history) call(client int, in ledgerOp, at time.Duration) int {
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Call: int64(at), Return: math.MaxInt64, Output: ledgerResult{}})
	return len(h.ops) - 1
}

func (h *history) answer(i int, out ledgerResult, at time.Duration) {
	h.ops[i].Output, h.ops[i].Return = out, int64(at)
}

// check says whether the history is linearizable (within a minute of checking).
func (h *history) check() Check {
	res := porcupine.CheckOperationsTimeout(ledgerModel.ToModel(), h.ops, time.Minute)
	switch res {
	case porcupine.Ok:
		return Check{Pass: true, Detail: fmt.Sprintf("%d operations", len(h.ops))}
	case porcupine.Unknown:
		return Check{Detail: fmt.Sprintf("%d operations: the checker ran out of time", len(h.ops))}
	}
	return Check{Detail: fmt.Sprintf("%d operations: no order of them explains what the clients saw", len(h.ops))}
}
