// Package replica replicates the ledger among its validators: etcd raft's RawNode orders
// proposals of transactions into a log (package raftlog), and every replica applies each
// committed proposal as the next block of its state machine (ledger.State). Like RawNode it is
// a pure state machine: the caller ticks it, steps it with the messages that arrive, sends the
// messages it returns and hands its results on; it reads no clock, starts no goroutine and does
// no I/O beyond the node's pebble database, so the simulator can drive it too.
//
// A proposal is a ledger.Block without its height: the replica that proposes it sets its time
// (its clock's, when it batches the transactions submitted to it); the height, and a time never
// before the last block's, are set when it is applied, the same on every replica. The state,
// and the raft index of the last entry applied to it, are written in one batch, so that a
// replica restarted after a crash goes on from the entry after the last block it committed,
// never applying a block twice.
package replica

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"slices"

	"github.com/cockroachdb/pebble/v2"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/ledger/raftlog"
	"github.com/aquanet/aquanet/trust"
)

// Config is one validator's replica.
type Config struct {
	// ID is this validator's raft id: its place in the genesis's validators, from 1.
	ID uint64
	// DB is the node's pebble database: the log under store.LedgerRaft, the state under
	// store.Ledger.
	DB *pebble.DB
	// Genesis starts the chain at the first start (a later start checks it is the same chain).
	Genesis ledger.Genesis
	// ElectionTicks and HeartbeatTicks are raft's, in calls to Tick: default 10 and 1.
	ElectionTicks, HeartbeatTicks int
	// MaxBatch bounds the transactions of one proposal: default 1,024.
	MaxBatch int
	// SnapshotEvery is how many entries are applied between snapshots of the state: default
	// 1,000. After a snapshot the log keeps the last SnapshotEvery entries before it, so that
	// a follower that lags by fewer catches up from the log, not from a snapshot.
	SnapshotEvery uint64
	// RetryTicks is how many ticks a submitted transaction waits to be applied before it is
	// proposed again (its proposal may have been lost with a leader): default 3 election
	// timeouts. A transaction applied twice fails the second time (its nonce is spent).
	RetryTicks int
	// Logger gets raft's messages; nil discards them.
	Logger raft.Logger
}

// Applied is what became of a transaction submitted to this replica: applied in the block at
// Height, or rejected there with Reason.
type Applied struct {
	Hash    [32]byte
	Height  uint64
	Reason  string // "" when applied
	Message string
}

// Output is what a call to Ready asks of the caller: send Messages (after, never before, this
// call returned: what they promise is on disk), hand on the Applied results and answer the
// Reads whose index the state has reached.
type Output struct {
	Messages []*pb.Message
	Applied  []Applied
	Reads    []uint64 // the ids given to ReadIndex
	// Unknown are transactions submitted here whose fate this replica cannot tell: it caught
	// up from a snapshot that passed their nonce by more than the state remembers
	// (ledger.KeepUsedNonces).
	Unknown [][32]byte
	// Revocations are the TrustGraph revocations committed since the last Ready, in order
	// (after a snapshot, every one the state holds): for the node's TrustGraph, which takes
	// them with the ledger's finality.
	Revocations []trust.Revocation
}

// Replica is one validator's copy of the ledger. It is not safe for concurrent use.
type Replica struct {
	cfg     Config
	db      *pebble.DB
	log     *raftlog.Storage
	store   *appliedStore
	state   *ledger.State
	rn      *raft.RawNode
	hs      *pb.HardState
	cs      *pb.ConfState
	applied uint64 // the raft index the state has applied

	batch     []*submitted            // to be proposed at the next Ready, in order
	waiting   map[[32]byte]*submitted // submitted here, not applied yet
	senders   map[trust.PublicKey]*sender
	reads     map[string]uint64 // ReadIndex requests raft has not answered, by context
	readyAt   []readState       // answered, until the state reaches their index
	lastSnap  uint64
	revoked   []trust.Revocation // committed since the last Ready
	tick      int
	retriedAt int // the tick of the last look for transactions to propose again
}

// sender is what waits here of one sender's: how many transactions, and the nonce after them.
type sender struct {
	waiting int
	next    uint64
}

type submitted struct {
	tx     ledger.Tx
	hash   [32]byte
	sentAt int  // tick of its last proposal
	queued bool // in the batch, to be proposed at the next Ready
}

type readState struct {
	id, index uint64
}

// Errors of Submit besides a transaction's own rejection (ledger.Rejection).
var (
	ErrBusy = errors.New("replica: too many transactions wait to be applied here")
)

// maxWaiting bounds the transactions submitted to one replica and not applied yet.
const maxWaiting = 100_000

// Open opens (or starts, at the first time) the replica in cfg.DB.
func Open(cfg Config) (*Replica, error) {
	cfg.ElectionTicks = cmpOr(cfg.ElectionTicks, 10)
	cfg.HeartbeatTicks = cmpOr(cfg.HeartbeatTicks, 1)
	cfg.MaxBatch = min(cmpOr(cfg.MaxBatch, 1024), ledger.MaxBlockTxs)
	if cfg.SnapshotEvery == 0 {
		cfg.SnapshotEvery = 1000
	}
	cfg.RetryTicks = cmpOr(cfg.RetryTicks, 3*cfg.ElectionTicks)
	if cfg.Logger == nil {
		cfg.Logger = &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}
	}
	if err := cfg.Genesis.Validate(); err != nil {
		return nil, err
	}
	if cfg.ID < 1 || cfg.ID > uint64(len(cfg.Genesis.Validators)) {
		return nil, fmt.Errorf("replica: id %d, want 1 to %d (the genesis's validators)", cfg.ID, len(cfg.Genesis.Validators))
	}
	lg, err := raftlog.Open(cfg.DB)
	if err != nil {
		return nil, err
	}
	r := &Replica{cfg: cfg, db: cfg.DB, log: lg, store: &appliedStore{PebbleStore: ledger.NewUnsyncedPebbleStore(cfg.DB)},
		waiting: map[[32]byte]*submitted{}, senders: map[trust.PublicKey]*sender{}, reads: map[string]uint64{}}
	if r.applied, err = r.store.applied(); err != nil {
		return nil, err
	}
	if r.state, err = ledger.NewState(r.store); err != nil {
		return nil, err
	}
	switch id := r.state.ChainID(); {
	case id == "":
		if _, err := r.state.InitChain(cfg.Genesis); err != nil {
			return nil, err
		}
	case id != cfg.Genesis.ChainID:
		return nil, fmt.Errorf("replica: the store holds chain %q, the genesis is of %q", id, cfg.Genesis.ChainID)
	}
	hs, cs, err := lg.InitialState()
	if err != nil {
		return nil, err
	}
	r.hs, r.cs = hs, cs
	if len(cs.GetVoters()) == 0 { // a new log: every validator votes
		var voters []uint64
		for i := range cfg.Genesis.Validators {
			voters = append(voters, uint64(i+1))
		}
		r.cs = &pb.ConfState{Voters: voters}
		if err := lg.ApplySnapshot(&pb.Snapshot{Metadata: &pb.SnapshotMetadata{ConfState: r.cs}}); err != nil {
			return nil, err
		}
	}
	snap, err := lg.Snapshot()
	if err != nil {
		return nil, err
	}
	r.lastSnap = snap.GetMetadata().GetIndex()
	r.applied = max(r.applied, r.lastSnap)
	// The state may have applied entries past the commit index the log kept: raft needs no
	// sync of a new commit index alone, so a crash may lose it while the state's later write
	// survives (seen in the simulator: raft then refused to start). Those entries were
	// committed; raft learns so again and hands them over, and apply skips them.
	raftApplied := min(r.applied, max(hs.GetCommit(), r.lastSnap))
	r.rn, err = raft.NewRawNode(&raft.Config{ID: cfg.ID, ElectionTick: cfg.ElectionTicks, HeartbeatTick: cfg.HeartbeatTicks,
		Storage: lg, Applied: raftApplied, MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 256, CheckQuorum: true, PreVote: true,
		Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// State is the replica's state machine: read it between calls (its reads are of what this
// replica committed; ReadIndex makes one linearizable).
func (r *Replica) State() *ledger.State { return r.state }

// Leader is the raft id of the leader this replica knows of, 0 if none.
func (r *Replica) Leader() uint64 { return r.rn.BasicStatus().Lead }

// Tick advances raft's logical clock by one tick (the caller's period, 100 ms say). Every
// heartbeat's worth of ticks it asks again for the reads raft has not confirmed: raft drops a
// ReadIndex made while there is no leader, and a leader may change.
func (r *Replica) Tick() {
	r.tick++
	r.rn.Tick()
	if r.tick%readRetryTicks == 0 {
		for _, ctx := range slices.Sorted(maps.Keys(r.reads)) {
			r.rn.ReadIndex([]byte(ctx))
		}
	}
}

// readRetryTicks is how often unanswered reads are asked for again.
const readRetryTicks = 3

// Step takes in a message from another validator.
func (r *Replica) Step(m *pb.Message) error {
	if m.GetType() == pb.MsgProp && m.GetFrom() != r.cfg.ID && m.GetTo() != r.cfg.ID {
		return nil
	}
	return r.rn.Step(m)
}

// Submit takes a transaction in: it is checked (signature, and the sender's nonce, counting the
// ones that wait here), then proposed at the next Ready, and its result comes out of a later
// Ready (Applied), with its hash. A transaction refused here is not proposed.
func (r *Replica) Submit(tx ledger.Tx) error {
	if err := r.state.Verify(tx); err != nil {
		return err
	}
	if len(r.waiting) >= maxWaiting {
		return ErrBusy
	}
	h := tx.Hash()
	if _, dup := r.waiting[h]; dup {
		return nil
	}
	sd := r.senders[tx.Sender]
	if sd == nil {
		n, err := r.state.Nonce(tx.Sender)
		if err != nil {
			return err
		}
		sd = &sender{next: n}
	}
	if tx.Nonce != sd.next {
		if sd.waiting == 0 {
			if err := r.state.CheckTx(tx); err != nil {
				return err // the committed state's own reason
			}
		}
		return &ledger.Rejection{Reason: ledger.ReasonBadNonce, Err: fmt.Errorf("nonce %d of %s, want %d (counting the %d waiting here)", tx.Nonce, tx.Sender, sd.next, sd.waiting)}
	}
	sd.next++
	sd.waiting++
	r.senders[tx.Sender] = sd
	w := &submitted{tx: tx, hash: h, sentAt: r.tick, queued: true}
	r.waiting[h] = w
	r.batch = append(r.batch, w)
	return nil
}

// ReadIndex asks for a linearizable read: id comes out of a Ready's Reads once this replica's
// state holds every block committed before the request (the leader confirms it is still the
// leader first). Then read the state.
func (r *Replica) ReadIndex(id uint64) {
	ctx := binary.BigEndian.AppendUint64(nil, id)
	r.reads[string(ctx)] = id
	r.rn.ReadIndex(ctx)
}

// Ready proposes what was submitted (a block timed now, seconds), then persists, applies and
// advances whatever raft has ready, and says what to send and what became of things.
func (r *Replica) Ready(now uint64) (Output, error) {
	var out Output
	if err := r.propose(now); err != nil {
		return out, err
	}
	for r.rn.HasReady() {
		rd := r.rn.Ready()
		sync := raft.MustSync(rd.HardState, r.hs, len(rd.Entries))
		if err := r.log.Save(rd.HardState, rd.Entries, rd.Snapshot, sync); err != nil {
			return out, err
		}
		if rd.HardState != nil && !raft.IsEmptyHardState(rd.HardState) {
			r.hs = rd.HardState
		}
		if !raft.IsEmptySnap(rd.Snapshot) {
			done, unknown, err := r.restore(rd.Snapshot)
			if err != nil {
				return out, err
			}
			out.Applied = append(out.Applied, done...)
			out.Unknown = append(out.Unknown, unknown...)
		}
		for _, e := range rd.CommittedEntries {
			applied, err := r.apply(e)
			if err != nil {
				return out, err
			}
			out.Applied = append(out.Applied, applied...)
		}
		for _, rs := range rd.ReadStates {
			if id, ok := r.reads[string(rs.RequestCtx)]; ok {
				delete(r.reads, string(rs.RequestCtx))
				r.readyAt = append(r.readyAt, readState{id: id, index: rs.Index})
			}
		}
		out.Messages = append(out.Messages, rd.Messages...)
		r.rn.Advance(rd)
	}
	out.Revocations, r.revoked = r.revoked, nil
	r.readyAt = slices.DeleteFunc(r.readyAt, func(rs readState) bool {
		if rs.index <= r.applied {
			out.Reads = append(out.Reads, rs.id)
			return true
		}
		return false
	})
	if r.applied >= r.lastSnap+r.cfg.SnapshotEvery {
		if err := r.snapshot(); err != nil {
			return out, err
		}
	}
	return out, nil
}

// propose sends the batch as one proposal, and, once a tick, again what waited too long (its
// proposal may have died with a leader); proposals raft drops (no leader yet) wait for the
// next Ready.
func (r *Replica) propose(now uint64) error {
	if r.Leader() == raft.None {
		return nil
	}
	if r.tick != r.retriedAt {
		r.retriedAt = r.tick
		var again []*submitted
		for _, w := range r.waiting {
			if !w.queued && r.tick-w.sentAt >= r.cfg.RetryTicks {
				w.queued = true
				again = append(again, w)
			}
		}
		sortBySender(again)
		r.batch = append(r.batch, again...)
	}
	for len(r.batch) > 0 {
		n := min(len(r.batch), r.cfg.MaxBatch)
		txs := make([]ledger.Tx, n)
		for i, w := range r.batch[:n] {
			txs[i] = w.tx
		}
		data, err := ledger.EncodeBlock(ledger.Block{Time: now, Txs: txs})
		if err != nil {
			return fmt.Errorf("replica: a proposal: %w", err)
		}
		if err := r.rn.Propose(data); err != nil {
			if errors.Is(err, raft.ErrProposalDropped) {
				return nil
			}
			return err
		}
		for _, w := range r.batch[:n] {
			w.sentAt, w.queued = r.tick, false
		}
		r.batch = r.batch[n:]
	}
	r.batch = nil
	return nil
}

// waitingHashes are the waiting transactions' hashes, in order (never map order).
func (r *Replica) waitingHashes() [][32]byte {
	hs := make([][32]byte, 0, len(r.waiting))
	for h := range r.waiting {
		hs = append(hs, h)
	}
	slices.SortFunc(hs, func(a, b [32]byte) int { return slices.Compare(a[:], b[:]) })
	return hs
}
