package ledgersvc

import (
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/ledger/replica"
	"github.com/aquanet/aquanet/trust"
)

// FollowerConfig is how a node that is no validator follows the ledger.
type FollowerConfig struct {
	// Genesis is the chain's: its validators are the peers asked for blocks.
	Genesis ledger.Genesis
	// Self is this node's peer id (none of the validators').
	Self string
	// Transport carries the requests and the answers.
	Transport core.LedgerTransport
	// Clock times the requests.
	Clock clock.Clock
	// PollEvery is how often a follower that is up to date asks for new blocks: default 1 s.
	// One that is behind asks again as soon as an answer comes.
	PollEvery time.Duration
	// Logger gets what goes wrong; nil discards it.
	Logger *slog.Logger
	// Revoked is as Config's: the revocations of the blocks this node applies.
	Revoked func([]trust.Revocation)
}

// DefaultPollEvery is FollowerConfig.PollEvery's default.
const DefaultPollEvery = time.Second

// Follower is the ledger of a node that is no validator: a copy of the state, which it keeps by
// applying the committed blocks it asks the validators for, one validator after another. Each
// block's record says the app hash before it; a block whose app hash is not the follower's is
// refused (the validator is asked no more), so a follower that applied a block agrees with
// the validator that served it. Validators are trusted not to lie (the ledger's threat
// model): a follower takes one validator's word for a block. Its reads are local; it takes no
// transactions. Safe for concurrent use.
type Follower struct {
	cfg        FollowerConfig
	mu         sync.Mutex
	state      *ledger.State
	validators []string
	next       int             // the validator asked next
	refused    map[string]bool // validators whose blocks did not follow this state
	timer      clock.Timer
	closed     bool
	failed     error
}

// ErrFollower is what a follower answers to a submission and to a linearizable read.
var ErrFollower = errors.New("ledger: this node follows the ledger (it is no validator): it takes no transactions and reads only its own copy")

// OpenFollower opens the follower's state in db (starting it from the genesis the first time)
// and starts asking for blocks.
func OpenFollower(db *pebble.DB, cfg FollowerConfig) (*Follower, error) {
	if err := cfg.Genesis.Validate(); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = DefaultPollEvery
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// Unsynced: what a crash loses is asked for again.
	state, err := ledger.NewState(ledger.NewUnsyncedPebbleStore(db))
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	switch id := state.ChainID(); {
	case id == "":
		if _, err := state.InitChain(cfg.Genesis); err != nil {
			return nil, fmt.Errorf("ledger: %w", err)
		}
	case id != cfg.Genesis.ChainID:
		return nil, fmt.Errorf("ledger: the store holds chain %q, the genesis is of %q", id, cfg.Genesis.ChainID)
	}
	f := &Follower{cfg: cfg, state: state, refused: map[string]bool{}}
	for _, v := range cfg.Genesis.Validators {
		id := v.Key.String()
		if id == cfg.Self {
			return nil, fmt.Errorf("ledger: this node (%s) is a validator: it keeps the ledger, it does not follow it", id)
		}
		f.validators = append(f.validators, id)
	}
	// Followers start at different validators (their peer ids differ), so that they do not
	// all ask the first.
	f.next = int(hashString(cfg.Self) % uint64(len(f.validators)))
	cfg.Transport.ServeLedger(f.receive)
	f.mu.Lock()
	f.askLocked()
	f.mu.Unlock()
	return f, nil
}

// hashString spreads peer ids (not a secret).
func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// askLocked asks the next validator not refused for the blocks after this state, and arms the
// next poll. The caller holds f.mu.
func (f *Follower) askLocked() {
	if f.timer != nil {
		f.timer.Stop()
	}
	f.timer = f.cfg.Clock.AfterFunc(f.cfg.PollEvery, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if !f.closed {
			f.askLocked()
		}
	})
	for range f.validators {
		v := f.validators[f.next]
		f.next = (f.next + 1) % len(f.validators)
		if f.refused[v] {
			continue
		}
		msg := encodeFollow(f.state.Height() + 1)
		// Sent on the clock's goroutine, not under the lock: a transport may deliver at once.
		f.cfg.Clock.AfterFunc(0, func() {
			if err := f.cfg.Transport.SendLedger(v, msg); err != nil {
				f.cfg.Logger.Debug("a follow request not sent", "to", v, "error", err)
			}
		})
		return
	}
	f.failed = errors.New("ledger: every validator's blocks disagreed with this node's state")
}

// receive applies the blocks a validator answered with, while they follow this state.
func (f *Follower) receive(from string, msg []byte) {
	if len(msg) == 0 || msg[0] != kindBlocks {
		return // only validators take raft messages and follow requests
	}
	a, err := decodeBlocks(msg[1:])
	if err != nil {
		f.cfg.Logger.Debug("a blocks answer that does not decode", "from", from, "error", err)
		return
	}
	f.mu.Lock()
	if f.closed || !slices.Contains(f.validators, from) {
		f.mu.Unlock()
		return
	}
	var revoked []trust.Revocation
	applied := 0
	for _, raw := range a.records {
		rec, err := ledger.DecodeBlockRecord(raw)
		if err != nil {
			f.cfg.Logger.Warn("a validator's block record that does not decode", "from", from, "error", err)
			break
		}
		if rec.Block.Height != f.state.Height()+1 {
			break // not the next: an answer to an older request
		}
		if rec.PrevAppHash != f.state.AppHash() {
			f.refused[from] = true
			f.cfg.Logger.Error("a validator's block does not follow this node's ledger: asking it no more", "from", from,
				"height", rec.Block.Height, "its_app_hash_before", fmt.Sprintf("%x", rec.PrevAppHash[:8]), "ours", fmt.Sprintf("%x", f.state.AppHash()))
			break
		}
		results, err := f.state.ApplyBlock(rec.Block)
		if err == nil {
			_, err = f.state.Commit()
		}
		if err != nil {
			f.closed, f.failed = true, fmt.Errorf("ledger: stopped: applying block %d: %w", rec.Block.Height, err)
			f.cfg.Logger.Error("the ledger stopped", "error", f.failed)
			break
		}
		applied++
		for i, res := range results {
			if p, ok := rec.Block.Txs[i].Body.(*ledger.PublishRevocation); ok && res.Reason == "" {
				revoked = append(revoked, p.Revocation)
			}
		}
	}
	if applied > 0 && !f.closed && f.state.Height() < a.top {
		f.askLocked() // behind: at once
	}
	f.mu.Unlock()
	if len(revoked) > 0 && f.cfg.Revoked != nil {
		f.cfg.Revoked(revoked)
	}
}

// Submit refuses: a follower takes no transactions (ErrFollower, naming the validators).
func (f *Follower) Submit(tx ledger.Tx, done func(replica.Applied, error)) {
	done(replica.Applied{Hash: tx.Hash()}, fmt.Errorf("%w; submit at a validator: %s", ErrFollower, strings.Join(f.validators, ", ")))
}

// Read calls f with this node's copy of the state, under its lock (g must not keep it); a
// linearizable read is refused (ErrFollower).
func (f *Follower) Read(linearizable bool, g func(*ledger.State, error)) {
	if linearizable {
		g(nil, fmt.Errorf("%w; read at a validator for a linearizable read", ErrFollower))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		g(nil, f.closedErrLocked())
		return
	}
	g(f.state, nil)
}

func (f *Follower) closedErrLocked() error {
	if f.failed != nil {
		return f.failed
	}
	return ErrClosed
}

// Status is the follower's copy's status (no leader: it follows none).
func (f *Follower) Status() (Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return Status{}, f.closedErrLocked()
	}
	return Status{ChainID: f.state.ChainID(), Height: f.state.Height(), AppHash: f.state.AppHash(), Time: f.state.Time(), Follower: true}, nil
}

func (f *Follower) leaderLocked() string { return "" }

// Close stops following before the node's store closes.
func (f *Follower) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	if f.timer != nil {
		f.timer.Stop()
	}
}
