// Package ledgersvc is a validator node's part in the ledger: its replica (package
// ledger/replica) driven on the node's clock, its raft messages carried by the node's transport
// (core.LedgerTransport), and the ledger builtin that submits transactions and reads the state.
package ledgersvc

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	pb "go.etcd.io/raft/v3/raftpb"
	"golang.org/x/time/rate"
	"google.golang.org/protobuf/proto"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/ledger/replica"
	"github.com/aquanet/aquanet/trust"
)

// Config is how a validator takes part in the ledger.
type Config struct {
	// Genesis is the chain's; its validators, in order, are the raft ids 1 … n (and their keys
	// the validators' peer ids).
	Genesis ledger.Genesis
	// Self is this node's peer id: one of the genesis's validators.
	Self string
	// Transport carries the raft messages.
	Transport core.LedgerTransport
	// Clock ticks raft and times the blocks this node proposes.
	Clock clock.Clock
	// TickEvery is raft's tick: default 100 ms (an election after 1 s to 2 s without a leader).
	TickEvery time.Duration
	// Logger gets what goes wrong; nil discards it.
	Logger *slog.Logger
	// Revoked, if set, is given the TrustGraph revocations the ledger holds: all of them at
	// Open, then each as its block is committed here (the node's TrustGraph takes them). It is
	// called from any goroutine, not under the ledger's lock; calls may overlap and come out
	// of order (a graph keeps the latest revocation of a pair whatever the order).
	Revoked func([]trust.Revocation)
}

// DefaultTickEvery is Config.TickEvery's default.
const DefaultTickEvery = 100 * time.Millisecond

// Service is a validator's ledger. It is safe for concurrent use: the transport, the clock and
// the builtin call it from their goroutines; one lock serialises the replica.
type Service struct {
	cfg        Config
	mu         sync.Mutex
	r          *replica.Replica
	ids        map[string]uint64 // validators' peer ids -> raft ids
	validators []string          // by raft id - 1
	waiting    map[[32]byte][]*waiter
	reads      map[uint64]*waiter
	readID     uint64
	timer      clock.Timer
	closed     bool
	failed     error // why the ledger stopped, if its replica failed

	// Submissions and raft messages wait here for the replica's lock; whoever takes the lock
	// takes them all, so that callers that arrived during one fsync share the next (group
	// commit: one proposal, one synced write, for all of them).
	db      *pebble.DB
	follows *rate.Limiter // followers' requests served, from all peers

	qmu       sync.Mutex
	queued    []submission
	inbox     []*pb.Message
	draining  bool // a caller is taking the queues in turn (drain)
	drainSoon bool // a drain is scheduled for what the transport brought
}

// Bounds of what waits for the replica's lock: a raft message over maxInbox is dropped (raft
// sends again what is lost), a submission over maxQueued refused as busy.
const (
	maxInbox  = 4096
	maxQueued = 100_000
)

type submission struct {
	tx ledger.Tx
	w  *waiter
}

// ErrClosed is what a call to a closed service gets.
var ErrClosed = errors.New("ledger: the node is stopping")

// ErrOutcomeUnknown is what a submitted transaction's caller gets when this validator, cut off,
// caught up from a snapshot that passed the transaction's nonce: it was applied, or another of
// its sender's with the same nonce was. The sender's nonce and balance tell.
var ErrOutcomeUnknown = errors.New("ledger: this validator caught up from a snapshot past the transaction's nonce; whether it was applied is unknown here (read the sender's nonce)")

// A waiter is a call waiting for the ledger: done once, by the ledger or by its timer.
type waiter struct {
	done  func(replica.Applied, error)
	timer clock.Timer
	over  atomic.Bool
}

// finish calls w's done unless it was called already (whoever took w out of its map under the
// lock calls it; the flag is the belt to those braces). The caller does not hold s.mu.
func (w *waiter) finish(a replica.Applied, err error) {
	if w.over.Swap(true) {
		return
	}
	if w.timer != nil {
		w.timer.Stop()
	}
	w.done(a, err)
}

// Bounds of the waits.
const (
	// SubmitTimeout is how long a submitted transaction is waited for; it may still be
	// applied later (the caller reads its sender's nonce to know).
	SubmitTimeout = 30 * time.Second
	// ReadTimeout is how long a linearizable read waits for a leader to confirm it.
	ReadTimeout = 5 * time.Second
)

// Open opens the validator's replica in db and starts ticking it.
func Open(db *pebble.DB, cfg Config) (*Service, error) {
	if cfg.TickEvery <= 0 {
		cfg.TickEvery = DefaultTickEvery
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ids := map[string]uint64{}
	var peers []string
	for i, v := range cfg.Genesis.Validators {
		peers = append(peers, v.Key.String())
		ids[v.Key.String()] = uint64(i + 1)
	}
	id, ok := ids[cfg.Self]
	if !ok {
		return nil, fmt.Errorf("ledger: this node (%s) is none of the genesis's validators", cfg.Self)
	}
	r, err := replica.Open(replica.Config{ID: id, DB: db, Genesis: cfg.Genesis})
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	s := &Service{cfg: cfg, r: r, db: db, follows: rate.NewLimiter(followRate, followRate), ids: ids, validators: peers, waiting: map[[32]byte][]*waiter{}, reads: map[uint64]*waiter{}}
	if cfg.Revoked != nil {
		revs, err := r.Revocations()
		if err != nil {
			return nil, fmt.Errorf("ledger: %w", err)
		}
		if len(revs) > 0 {
			cfg.Revoked(revs)
		}
	}
	cfg.Transport.ServeLedger(s.receive)
	s.mu.Lock()
	s.schedule()
	s.mu.Unlock()
	return s, nil
}

// schedule arms the next tick. The caller holds s.mu.
func (s *Service) schedule() {
	s.timer = s.cfg.Clock.AfterFunc(s.cfg.TickEvery, func() {
		s.do(func() []func() {
			s.r.Tick()
			s.schedule()
			return s.processLocked()
		})
	})
}

// do runs f on the replica under the lock, unless the ledger stopped, then, the lock released,
// what f returns (messages to send, callers to tell). A panic in f is raft finding its
// invariants broken (a log that lost what it had promised): the ledger stops, saying why,
// rather than going on from a broken state or leaving its lock held.
func (s *Service) do(f func() []func()) {
	var calls []func()
	s.mu.Lock()
	func() {
		defer func() {
			if r := recover(); r != nil {
				s.closed, s.failed = true, fmt.Errorf("ledger: stopped, its replica failed: %v", r)
				s.cfg.Logger.Error("the ledger stopped: its replica failed", "panic", r)
			}
		}()
		if !s.closed {
			calls = f()
		}
	}()
	s.mu.Unlock()
	for _, c := range calls {
		c()
	}
}

// receive takes a ledger message: a raft message from a validator (what anyone else sends is
// dropped), or a follower's request for blocks.
func (s *Service) receive(from string, msg []byte) {
	if len(msg) == 0 {
		return
	}
	switch msg[0] {
	case kindRaft:
	case kindFollow:
		s.serveFollow(from, msg[1:])
		return
	default:
		s.cfg.Logger.Debug("a ledger message of an unknown kind", "from", from, "kind", msg[0])
		return
	}
	m := &pb.Message{}
	if err := proto.Unmarshal(msg[1:], m); err != nil {
		s.cfg.Logger.Warn("a ledger message that does not decode", "from", from, "error", err)
		return
	}
	if s.ids[from] == 0 || s.ids[from] != m.GetFrom() { // ids never change
		s.cfg.Logger.Warn("a ledger message from a peer that is not the validator it says", "from", from, "raft_from", m.GetFrom())
		return
	}
	s.verifyProposed(m)
	s.qmu.Lock()
	if len(s.inbox) >= maxInbox {
		s.qmu.Unlock()
		s.cfg.Logger.Debug("a ledger message dropped: too many wait", "from", from)
		return
	}
	s.inbox = append(s.inbox, m)
	start := !s.draining && !s.drainSoon
	s.drainSoon = s.drainSoon || start
	s.qmu.Unlock()
	if start {
		// Not on the transport's goroutine: its reader goes on reading while the replica
		// writes, and what it reads meanwhile goes in the next batch.
		s.cfg.Clock.AfterFunc(0, s.drain)
	}
}

// verifyProposed verifies the signatures of the transactions a proposal or a leader's entries
// carry, here, on the transport's goroutine: applying their blocks, under the lock, finds
// them in the process's signature cache (sigcache). What fails is left for the state
// to refuse.
func (s *Service) verifyProposed(m *pb.Message) {
	if t := m.GetType(); t != pb.MsgProp && t != pb.MsgApp {
		return
	}
	for _, e := range m.GetEntries() {
		if e.GetType() != pb.EntryNormal || len(e.GetData()) == 0 {
			continue
		}
		b, err := ledger.DecodeBlock(e.GetData())
		if err != nil {
			continue
		}
		for _, tx := range b.Txs {
			_ = tx.Verify(s.cfg.Genesis.ChainID)
		}
	}
}

// drain takes what waits for the replica's lock, in turn, until nothing does, unless another
// caller is doing it (then it returns at once: that caller takes what was just queued). So the
// transport's readers and the submitters do not wait for the disk: while one batch is
// written, the next one gathers.
func (s *Service) drain() {
	s.qmu.Lock()
	s.drainSoon = false
	if s.draining {
		s.qmu.Unlock()
		return
	}
	s.draining = true
	s.qmu.Unlock()
	for {
		ran := false
		s.do(func() []func() {
			ran = true
			return s.takeQueuedLocked()
		})
		s.qmu.Lock()
		var orphans []submission
		if !ran { // stopped: nothing will take what waits
			orphans = s.queued
			s.queued, s.inbox = nil, nil
		}
		if len(s.queued) == 0 && len(s.inbox) == 0 {
			s.draining = false
			s.qmu.Unlock()
			for _, q := range orphans {
				q.w.finish(replica.Applied{}, s.closedErr())
			}
			return
		}
		s.qmu.Unlock()
	}
}

// takeQueuedLocked steps the raft messages and submits the transactions that wait for the
// lock, in their order of arrival, then handles what the replica has ready once for all of
// them. The caller holds s.mu.
func (s *Service) takeQueuedLocked() []func() {
	s.qmu.Lock()
	inbox, queued := s.inbox, s.queued
	s.inbox, s.queued = nil, nil
	s.qmu.Unlock()
	var calls []func()
	for _, m := range inbox {
		if err := s.r.Step(m); err != nil {
			s.cfg.Logger.Debug("a ledger message raft refused", "from", m.GetFrom(), "error", err)
		}
	}
	for _, q := range queued {
		h := q.tx.Hash()
		if err := s.r.Submit(q.tx); err != nil {
			a := replica.Applied{Hash: h, Reason: ledger.ReasonOf(err), Message: err.Error()}
			if a.Reason == "" { // not the transaction's fault: busy, or the store failed
				a, err = replica.Applied{Hash: h}, fmt.Errorf("ledger: %w", err)
			} else {
				err = nil
			}
			calls = append(calls, func() { q.w.finish(a, err) })
			continue
		}
		s.waitFor(h, q.w)
	}
	return append(calls, s.processLocked()...)
}

// processLocked handles what the replica has ready and returns what to do once the lock is
// released: send its messages, tell the waiting callers. The caller holds s.mu.
func (s *Service) processLocked() []func() {
	out, err := s.r.Ready(uint64(s.cfg.Clock.Now().Unix()))
	if err != nil {
		// The replica could not persist or apply: it must not go on (raft's promises would
		// not hold). The node keeps running; the ledger answers nothing more.
		s.closed, s.failed = true, fmt.Errorf("ledger: stopped, its replica failed: %w", err)
		s.cfg.Logger.Error("the ledger stopped: its replica failed", "error", err)
		return nil
	}
	var calls []func()
	for _, m := range out.Messages { // sent once the lock is released: a transport may deliver at once
		to := m.GetTo()
		if to < 1 || to > uint64(len(s.validators)) {
			continue
		}
		peer := s.validators[to-1]
		calls = append(calls, func() {
			b, err := proto.MarshalOptions{}.MarshalAppend([]byte{kindRaft}, m)
			if err == nil {
				err = s.cfg.Transport.SendLedger(peer, b)
			}
			if err != nil {
				s.cfg.Logger.Debug("a ledger message not sent", "to", peer, "error", err)
			}
		})
	}
	for _, a := range out.Applied {
		for _, w := range s.waiting[a.Hash] {
			calls = append(calls, func() { w.finish(a, nil) })
		}
		delete(s.waiting, a.Hash)
	}
	if revs := out.Revocations; len(revs) > 0 && s.cfg.Revoked != nil {
		calls = append(calls, func() { s.cfg.Revoked(revs) })
	}
	for _, h := range out.Unknown {
		for _, w := range s.waiting[h] {
			calls = append(calls, func() { w.finish(replica.Applied{Hash: h}, ErrOutcomeUnknown) })
		}
		delete(s.waiting, h)
	}
	for _, id := range out.Reads {
		if w := s.reads[id]; w != nil {
			delete(s.reads, id)
			calls = append(calls, func() { w.finish(replica.Applied{}, nil) })
		}
	}
	return calls
}

// Submit proposes tx and calls done once with what became of it (from any goroutine, maybe
// before Submit returns): applied in a block, or rejected there or here (Reason), or an
// error: the ledger stopped, or the transaction was not applied within SubmitTimeout.
// Transactions submitted while the ledger writes go together in the next proposal.
func (s *Service) Submit(tx ledger.Tx, done func(replica.Applied, error)) {
	if err := tx.Verify(s.cfg.Genesis.ChainID); err != nil { // outside the lock
		done(replica.Applied{Hash: tx.Hash(), Reason: ledger.ReasonOf(err), Message: err.Error()}, nil)
		return
	}
	s.qmu.Lock()
	if len(s.queued) >= maxQueued {
		s.qmu.Unlock()
		done(replica.Applied{Hash: tx.Hash()}, fmt.Errorf("ledger: %w", replica.ErrBusy))
		return
	}
	s.queued = append(s.queued, submission{tx: tx, w: &waiter{done: done}})
	s.qmu.Unlock()
	s.drain()
}

// waitFor keeps w waiting for the transaction h, until SubmitTimeout. The caller holds s.mu.
func (s *Service) waitFor(h [32]byte, w *waiter) {
	w.timer = s.cfg.Clock.AfterFunc(SubmitTimeout, func() {
		s.mu.Lock()
		mine := slices.Contains(s.waiting[h], w)
		s.waiting[h] = slices.DeleteFunc(s.waiting[h], func(x *waiter) bool { return x == w })
		if len(s.waiting[h]) == 0 {
			delete(s.waiting, h)
		}
		s.mu.Unlock()
		if !mine {
			return // answered, or the service closed
		}
		w.finish(replica.Applied{Hash: h}, fmt.Errorf("ledger: transaction %x not applied within %v (it may still be: read its sender's nonce)", h[:8], SubmitTimeout))
	})
	s.waiting[h] = append(s.waiting[h], w)
}

// Read calls f once with the state, under the service's lock (f must not keep it), or with why
// not: at once with what this validator has committed, or, linearizable, once it holds every
// block committed before the call (raft's ReadIndex: the leader confirms it still leads), or
// after ReadTimeout with an error.
func (s *Service) Read(linearizable bool, f func(*ledger.State, error)) {
	if !linearizable {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			f(nil, s.failedOr())
			return
		}
		f(s.r.State(), nil)
		return
	}
	ran := false
	s.do(func() []func() {
		ran = true
		return append(s.readIndex(f), s.processLocked()...)
	})
	if !ran {
		f(nil, s.closedErr())
	}
}

// closedErr is why the ledger answers nothing: its replica's failure, or ErrClosed.
func (s *Service) closedErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failedOr()
}

// failedOr is closedErr for a caller that holds s.mu.
func (s *Service) failedOr() error {
	if s.failed != nil {
		return s.failed
	}
	return ErrClosed
}

// MaxPendingReads bounds the linearizable reads waiting for the leader's confirmation: more
// are refused at once (each holds a timer, and asks the leader again every few ticks).
const MaxPendingReads = 10_000

// readIndex asks raft to confirm a read for f. The caller holds s.mu.
func (s *Service) readIndex(f func(*ledger.State, error)) []func() {
	if len(s.reads) >= MaxPendingReads {
		return []func(){func() { f(nil, fmt.Errorf("ledger: %d linearizable reads wait already; try again", MaxPendingReads)) }}
	}
	s.readID++
	id := s.readID
	w := &waiter{done: func(_ replica.Applied, err error) {
		if err != nil {
			f(nil, err)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			f(nil, s.failedOr())
			return
		}
		f(s.r.State(), nil)
	}}
	w.timer = s.cfg.Clock.AfterFunc(ReadTimeout, func() {
		s.mu.Lock()
		mine := s.reads[id] == w
		delete(s.reads, id)
		s.mu.Unlock()
		if !mine {
			return
		}
		w.finish(replica.Applied{}, fmt.Errorf("ledger: no leader confirmed the read within %v", ReadTimeout))
	})
	s.reads[id] = w
	s.r.ReadIndex(id)
	return nil
}

// Status is what the node knows of the ledger: its height, app hash and leader.
type Status struct {
	ChainID string
	Height  uint64
	AppHash [32]byte
	Time    uint64
	Leader  string // the leader's peer id, "" if none is known
	// Follower says the node is no validator: it follows the ledger (Leader is "").
	Follower bool
}

// Ledger is a node's ledger, as the ledger builtin and the node's owner use it: a validator's
// (Service) or a follower's (Follower).
type Ledger interface {
	Submit(tx ledger.Tx, done func(replica.Applied, error))
	Read(linearizable bool, f func(*ledger.State, error))
	Status() (Status, error)
	Close()
	leaderLocked() string
}

var (
	_ Ledger = (*Service)(nil)
	_ Ledger = (*Follower)(nil)
)

// Status reads this validator's status.
func (s *Service) Status() (Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Status{}, s.failedOr()
	}
	st := s.r.State()
	out := Status{ChainID: st.ChainID(), Height: st.Height(), AppHash: st.AppHash(), Time: st.Time()}
	out.Leader = s.leaderLocked()
	return out, nil
}

// leaderLocked is the leader's peer id, "" if none is known. The caller holds s.mu.
func (s *Service) leaderLocked() string {
	if l := s.r.Leader(); l >= 1 && l <= uint64(len(s.validators)) {
		return s.validators[l-1]
	}
	return ""
}

// Close stops the ledger before the node's store closes: no tick, message or call touches the
// replica again; callers still waiting are told.
func (s *Service) Close() {
	s.mu.Lock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	var waiting []*waiter
	for _, h := range slices.SortedFunc(maps.Keys(s.waiting), func(a, b [32]byte) int { return slices.Compare(a[:], b[:]) }) {
		waiting = append(waiting, s.waiting[h]...)
	}
	for _, id := range slices.Sorted(maps.Keys(s.reads)) {
		waiting = append(waiting, s.reads[id])
	}
	s.waiting, s.reads = map[[32]byte][]*waiter{}, map[uint64]*waiter{}
	s.mu.Unlock()
	for _, w := range waiting {
		w.finish(replica.Applied{}, ErrClosed)
	}
}
