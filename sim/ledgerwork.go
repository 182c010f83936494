package sim

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/mr-tron/base58"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/trust"
)

// RunLedger runs o with the ledger workload: every node a validator of one chain (3 or 5 make
// sense) but the last o.Followers, which follow it (they ask the validators for committed
// blocks); ledgerClients accounts of ledgerBalance each. Clients go through validators only. In the safety phase o.Messages
// transfers between seeded clients go out at seeded times, each through a seeded validator
// (ledger.submit from a particle there); a client has one transfer on the way at a time: until
// it is answered, its next turns send the same one again, elsewhere. After healing each client
// sends one more, which must be applied.
//
// o.Messages/4 linearizable reads of a seeded client's account go out the same way.
//
// Checks: every node, validator or follower, ends with the same height and app hash (the
// committed prefix agrees);
// the balances' total is the genesis's on every validator (value is conserved); every transfer
// acknowledged as applied is in every validator's state (its sender's nonce is past it); the
// transfers after healing are applied (liveness); the history of transfers and reads is
// linearizable (porcupine, against a model of the accounts: linearize.go). With the reads made
// local instead, seed 4 of --faults partition fails that last check: a validator cut off
// answers from its stale state.
//
// raft draws its election timeouts from crypto/rand: while the run lasts, that is the seed's.
func RunLedger(o Options, realNow func() time.Time) (*Result, error) {
	defer seededCryptoRand(o.Seed)()
	return run(o, newLedgerWork(o.Seed), realNow)
}

const (
	ledgerClients = 8
	ledgerBalance = 1000
	ledgerChain   = "sim"
)

type ledgerClient struct {
	key         trust.Signer
	nonce       uint64     // the next transaction's
	outstanding *ledger.Tx // sent, not answered yet
	op          int        // its operation in the history
	sends       int        // how many times it was sent
	acked       []ackedTx
}

type ackedTx struct {
	nonce  uint64
	height uint64
}

type ledgerWork struct {
	clk        *clock.Manual
	hist       history
	reads      map[string]int // particle id -> its read's operation
	nodes      []*simNode
	validators int // the first nodes; the others follow the ledger
	genesis    ledger.Genesis
	clients    []*ledgerClient
	byID       map[string]int    // particle id -> client
	live       map[string]string // the liveness phase's transfers: what became of them
}

func newLedgerWork(seed uint64) *ledgerWork {
	w := &ledgerWork{byID: map[string]int{}, live: map[string]string{}, reads: map[string]int{}}
	w.genesis = ledger.Genesis{ChainID: ledgerChain, Time: uint64(time.UnixMilli(1_700_000_000_000).Unix()), Balances: map[trust.PublicKey]uint64{}}
	for i := range ledgerClients {
		k := sha256.Sum256(fmt.Appendf(nil, "sim %d ledger client %d", seed, i))
		c := &ledgerClient{key: trust.Signer(ed25519.NewKeyFromSeed(k[:]))}
		w.clients = append(w.clients, c)
		w.genesis.Balances[c.key.Public()] = ledgerBalance
	}
	return w
}

func (w *ledgerWork) identities(o Options) ([]scenario.Identity, error) {
	ids, err := numberedIdentities(o)
	if err != nil {
		return nil, err
	}
	w.validators = len(ids) - o.Followers
	if w.validators < 1 || o.Followers < 0 {
		return nil, fmt.Errorf("sim: %d followers of %d nodes: at least one node must validate", o.Followers, len(ids))
	}
	for _, id := range ids[:w.validators] {
		w.genesis.Validators = append(w.genesis.Validators, ledger.Validator{Key: trust.Signer(id.Key).Public(), Power: 1})
	}
	return ids, nil
}

func (w *ledgerWork) ledger() actors.LedgerEnv { return actors.LedgerEnv{Genesis: &w.genesis} }

func (w *ledgerWork) prepare(s *simulation) { w.nodes, w.clk = s.nodes, s.clk }

func (w *ledgerWork) now() time.Duration { return time.Duration(w.clk.Now().UnixNano()) }

func (w *ledgerWork) overrides(*simNode) []registry.Override { return nil }

// services: every node's probe hears what became of the transfers sent from it.
func (w *ledgerWork) services(*simNode) map[string]service.HandlerFunc {
	return map[string]service.HandlerFunc{"probe": func(c service.CallContext, fn string, args []value.Value) (value.Value, error) {
		if op, ok := w.reads[c.ParticleID]; ok {
			if fn == "read" {
				b, _ := args[0].Get("balance")
				n, _ := args[0].Get("nonce")
				bal, _ := b.Uint64()
				nonce, _ := n.Uint64()
				w.hist.answer(op, ledgerResult{known: true, balance: bal, nonce: nonce}, w.now())
			}
			return value.Null(), nil // a read that failed took no effect: it leaves the history
		}
		ci, ok := w.byID[c.ParticleID]
		if !ok {
			return value.Value{}, fmt.Errorf("probe: no transfer %s", c.ParticleID)
		}
		cl := w.clients[ci]
		switch fn {
		case "submitted":
			applied, _ := args[0].Get("applied")
			hashV, _ := args[0].Get("hash")
			hash, _ := hashV.Str()
			heightV, _ := args[0].Get("height")
			height, _ := heightV.Uint64()
			if cl.outstanding == nil || base58Hash(*cl.outstanding) != hash {
				return value.Null(), nil // an answer to a transfer sent again, answered already
			}
			reason, _ := args[0].Get("reason")
			r, _ := reason.Str()
			ok, _ := applied.Bool()
			// A transfer sent again and refused as bad-nonce may have been applied the first
			// time (its answer lost): its outcome is unknown.
			w.hist.answer(cl.op, ledgerResult{known: ok || r != ledger.ReasonBadNonce || cl.sends == 1, applied: ok}, w.now())
			if ok {
				cl.acked = append(cl.acked, ackedTx{nonce: cl.outstanding.Nonce, height: height})
				cl.nonce++
				if strings.HasPrefix(c.ParticleID, "live-") {
					w.live[c.ParticleID] = "applied"
				}
			} else {
				if r == ledger.ReasonBadNonce {
					cl.nonce = w.committedNonce(cl) // applied through an answer that was lost
				}
				if strings.HasPrefix(c.ParticleID, "live-") {
					w.live[c.ParticleID] = "rejected: " + r
				}
			}
			cl.outstanding = nil
		case "failed":
			msg, _ := args[0].Str()
			if strings.HasPrefix(c.ParticleID, "live-") {
				w.live[c.ParticleID] = "failed: " + msg
			}
		default:
			return value.Value{}, service.NotFound("probe", fn)
		}
		return value.Null(), nil
	}}
}

func base58Hash(tx ledger.Tx) string {
	h := tx.Hash()
	return base58.Encode(h[:])
}

// committedNonce is the highest nonce of the client's among the validators' committed states:
// the workload's own bookkeeping (what a client learns by reading), never a check's.
func (w *ledgerWork) committedNonce(cl *ledgerClient) uint64 {
	best := cl.nonce
	for _, n := range w.nodes {
		if l := n.node.Ledger(); l != nil {
			l.Read(false, func(st *ledger.State, err error) {
				if err == nil {
					if v, err := st.Nonce(cl.key.Public()); err == nil {
						best = max(best, v)
					}
				}
			})
		}
	}
	return best
}

// transfer is the script of a client's turn: its outstanding transfer again, or a new one.
func (w *ledgerWork) transfer(ci, to int, amount uint64) func() string {
	return func() string {
		cl := w.clients[ci]
		if cl.outstanding == nil {
			tx := ledger.SignTx(cl.key, ledgerChain, ledger.Tx{Nonce: cl.nonce, Body: &ledger.Transfer{To: w.clients[to].key.Public(), Amount: amount}})
			cl.outstanding, cl.sends = &tx, 0
			cl.op = w.hist.call(ci, ledgerOp{from: ci, to: to, amount: amount, seq: cl.nonce}, w.now())
		}
		cl.sends++
		enc, err := ledger.EncodeTx(*cl.outstanding)
		if err != nil {
			panic(err) // a transfer always encodes
		}
		return fmt.Sprintf(`(xor (seq (call %%init_peer_id%% ("ledger" "submit") ["%s"] r) (call %%init_peer_id%% ("probe" "submitted") [r]))
 (call %%init_peer_id%% ("probe" "failed") [%%last_error%%.$.message]))`, base58.Encode(enc))
	}
}

func (w *ledgerWork) safety(s *simulation, o Options) {
	r := newRand(o.Seed, "workload")
	for k := range o.Messages / 4 { // linearizable reads of a client's account
		ci, via := r.IntN(ledgerClients), r.IntN(w.validators)
		id := fmt.Sprintf("read-%d", k)
		s.startWith(time.Duration(r.Int64N(int64(o.Duration))), w.nodes[via], id, func() string {
			w.reads[id] = w.hist.call(ledgerClients+k, ledgerOp{read: true, from: ci}, w.now())
			return fmt.Sprintf(`(xor (seq (call %%init_peer_id%% ("ledger" "balance") ["%s" true] b) (call %%init_peer_id%% ("probe" "read") [b]))
 (call %%init_peer_id%% ("probe" "failed") [%%last_error%%.$.message]))`, w.clients[ci].key.Public())
		}, o.TTL)
	}
	for k := range o.Messages {
		ci, to := r.IntN(ledgerClients), r.IntN(ledgerClients)
		id := fmt.Sprintf("tx-%d", k)
		w.byID[id] = ci
		s.startWith(time.Duration(r.Int64N(int64(o.Duration))), w.nodes[r.IntN(w.validators)], id, w.transfer(ci, to, 1+uint64(r.IntN(20))), o.TTL)
	}
}

// liveness: each client sends one more transfer, a second apart, a minute after healing (the
// restarted validators catch up, a leader is elected).
func (w *ledgerWork) liveness(s *simulation, o Options, at time.Duration) time.Duration {
	for ci := range w.clients {
		id := fmt.Sprintf("live-%d", ci)
		w.byID[id] = ci
		w.live[id] = "not answered"
		start := at + time.Minute + time.Duration(ci)*time.Second
		s.clk.AfterFunc(start-time.Millisecond, func() {
			cl := w.clients[ci]
			cl.outstanding = nil
			cl.nonce = w.committedNonce(cl)
		})
		s.startWith(start, w.nodes[ci%w.validators], id, w.transfer(ci, (ci+1)%ledgerClients, 1), o.TTL)
	}
	return time.Minute + time.Duration(len(w.clients))*time.Second
}

func (w *ledgerWork) check(s *simulation, o Options, checks map[string]Check) {
	var heights []string
	var bad, lost, unbalanced []string
	first := ""
	for _, n := range w.nodes {
		l := n.node.Ledger()
		if l == nil {
			bad = append(bad, n.name+" keeps no ledger")
			continue
		}
		l.Read(false, func(st *ledger.State, err error) {
			if err != nil {
				bad = append(bad, fmt.Sprintf("%s: %v", n.name, err))
				return
			}
			h := st.AppHash()
			state := fmt.Sprintf("height %d app hash %x", st.Height(), h[:6])
			heights = append(heights, n.name+" "+state)
			if first == "" {
				first = state
			} else if state != first {
				bad = append(bad, fmt.Sprintf("%s: %s, %s: %s", w.nodes[0].name, first, n.name, state))
			}
			total := uint64(0)
			for ci, cl := range w.clients {
				b, _ := st.Balance(cl.key.Public())
				total += b
				nonce, _ := st.Nonce(cl.key.Public())
				for _, a := range cl.acked {
					if nonce <= a.nonce {
						lost = append(lost, fmt.Sprintf("%s: client %d's transfer %d, acknowledged at height %d, is not there (nonce %d)", n.name, ci, a.nonce, a.height, nonce))
					}
				}
			}
			if total != ledgerClients*ledgerBalance {
				unbalanced = append(unbalanced, fmt.Sprintf("%s: the balances total %d, want %d", n.name, total, ledgerClients*ledgerBalance))
			}
		})
	}
	checks["committed_prefix_agrees"] = verdict(bad, strings.Join(heights, "; "))
	checks["value_conserved"] = verdict(unbalanced, "")
	acked := 0
	for _, cl := range w.clients {
		acked += len(cl.acked)
	}
	checks["acknowledged_kept"] = verdict(lost, fmt.Sprintf("%d transfers acknowledged", acked))
	var dead []string
	for _, id := range slices.Sorted(maps.Keys(w.live)) {
		if strings.HasPrefix(id, "live-") && w.live[id] != "applied" {
			dead = append(dead, id+": "+w.live[id])
		}
	}
	checks["liveness"] = verdict(dead, fmt.Sprintf("%d transfers after healing", len(w.clients)))
	checks["linearizable"] = w.linearizable()
}

// linearizable checks the history, without the reads that were never answered (they took no
// effect).
func (w *ledgerWork) linearizable() Check {
	answered := map[int]bool{}
	for _, op := range w.reads {
		answered[op] = w.hist.ops[op].Return != math.MaxInt64
	}
	var h history
	for i, op := range w.hist.ops {
		if in := op.Input.(ledgerOp); in.read && !answered[i] {
			continue
		}
		h.ops = append(h.ops, op)
	}
	return h.check()
}
