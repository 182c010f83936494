package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/aquanet/aquanet/trust"
)

// State is the ledger's state machine over a Store: InitChain once, then for each agreed
// block ApplyBlock and Commit; CheckTx between them screens transactions for a mempool. It is
// deterministic: the same genesis and the same blocks give the same results, the same store
// contents and the same app hashes on every replica. It reads no clock (a block carries its
// time) and starts no goroutine; it is not safe for concurrent use.
type State struct {
	store   Store
	chainID string
	height  uint64
	time    uint64
	appHash [32]byte

	// pending is the block applied and not committed yet (nil when none).
	pending     *overlay
	pendingTime uint64
	pendingHash [32]byte
}

// Verify checks tx's form and its signature for the state's chain. A signature verified before
// (on submission, or on the transport's goroutine when its proposal arrived) is answered from
// the process's signature cache (sigcache): applying a block verifies nothing again.
func (s *State) Verify(tx Tx) error { return tx.Verify(s.chainID) }

// Errors of the state machine's calls (not of transactions: those are Rejections).
var (
	ErrNotInitialized = errors.New("ledger: the chain has no genesis (InitChain first)")
	ErrInitialized    = errors.New("ledger: the chain already has a genesis")
	ErrPending        = errors.New("ledger: a block is applied and not committed")
	ErrNothingPending = errors.New("ledger: no block to commit")
	ErrBadBlock       = errors.New("ledger: the block does not follow the state")
)

// Keys of the state, under the store's prefix. Meta keys start with 'm'; each kind of record
// has its own first byte.
var (
	keyChainID    = []byte("mc")
	keyTime       = []byte("mt")
	keyValidators = []byte("mv")
	keyHeight     = []byte("mh") // not hashed: it follows from the blocks
	keyAppHash    = []byte("ma") // not hashed: it is the hash
)

func balanceKey(k trust.PublicKey) []byte { return append([]byte{'b'}, k[:]...) }
func nonceKey(k trust.PublicKey) []byte   { return append([]byte{'n'}, k[:]...) }
func perimeterKey(app string) []byte      { return append([]byte{'p'}, app...) }
func nameKey(name string) []byte          { return append([]byte{'N'}, name...) }
func revocationKey(revoked, by trust.PublicKey) []byte {
	return append(append([]byte{'r'}, revoked[:]...), by[:]...)
}
func usedNonceKey(k trust.PublicKey, nonce uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte{'u'}, k[:]...), nonce)
}
func priceKey(r ServiceRef) []byte {
	return append(append([]byte{'c', byte(len(r.Peer))}, r.Peer...), r.Service...)
}

func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// NewState opens the state kept in store: a fresh store gives a state without genesis
// (Height 0, InitChain next); a used one gives the last committed state.
func NewState(store Store) (*State, error) {
	s := &State{store: store}
	id, ok, err := store.Get(keyChainID)
	if err != nil || !ok {
		return s, err
	}
	s.chainID = string(id)
	if s.height, err = s.getU64(store, keyHeight); err != nil {
		return nil, err
	}
	if s.time, err = s.getU64(store, keyTime); err != nil {
		return nil, err
	}
	h, ok, err := store.Get(keyAppHash)
	if err != nil {
		return nil, err
	}
	if !ok || len(h) != len(s.appHash) {
		return nil, fmt.Errorf("ledger state: an app hash of %d bytes is corrupt", len(h))
	}
	copy(s.appHash[:], h)
	return s, nil
}

// getU64 reads a u64 value; a missing one is 0.
func (s *State) getU64(r interface {
	Get([]byte) ([]byte, bool, error)
}, key []byte) (uint64, error) {
	v, ok, err := r.Get(key)
	if err != nil || !ok {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("ledger state: %q holds %d bytes, want 8", key, len(v))
	}
	return binary.LittleEndian.Uint64(v), nil
}

// InitChain starts the chain from g (Validated first) and commits it as height 0: its app
// hash is that of g's state. It fails with ErrInitialized on a state that has a genesis.
func (s *State) InitChain(g Genesis) ([32]byte, error) {
	if s.chainID != "" {
		return [32]byte{}, ErrInitialized
	}
	if err := g.Validate(); err != nil {
		return [32]byte{}, err
	}
	o := g.writes()
	var zero [32]byte
	ws := o.sorted()
	hash := appHash(zero, zero, ws)
	ws = append(ws, Write{Key: keyHeight, Value: u64(0)}, Write{Key: keyAppHash, Value: hash[:]})
	if err := s.store.Write(ws); err != nil {
		return [32]byte{}, err
	}
	s.chainID, s.time, s.height, s.appHash = g.ChainID, g.Time, 0, hash
	return hash, nil
}

// CheckTx says whether tx would apply to the committed state, as a mempool asks before it
// keeps tx: its form, its signature, then its nonce, funds and ownership against the last
// committed block (at that block's time). It changes nothing. A rejection is a Rejection
// (ReasonOf); any other error is the store's.
//
// NB: the nonce must be the sender's next committed one, so a sender's second transaction
// waiting in a mempool behind its first fails here with "bad-nonce" until the first commits;
// a mempool that keeps several per sender checks their order itself.
func (s *State) CheckTx(tx Tx) error {
	if s.chainID == "" {
		return ErrNotInitialized
	}
	if err := s.Verify(tx); err != nil {
		return err
	}
	return execute(newOverlay(s.store), tx, s.time)
}

// TxResult is what became of one transaction of a block: applied (Reason "") or rejected,
// with its Reason and what was wrong.
type TxResult struct {
	Hash    [32]byte
	Reason  string
	Message string
}

// ApplyBlock applies b's transactions in order over the committed state and keeps the
// changes pending for Commit. A transaction that fails (signature, nonce, funds, ownership…)
// changes nothing, not even its sender's nonce: it is listed in the results with its reason,
// and the block goes on. Every replica rejects the same ones.
//
// Value is conserved: transfers and pays move it between accounts, nothing creates or
// destroys it after genesis (there are no fees), so the total of the balances is the
// genesis's forever.
//
// The block itself must follow the state: its Height the next, its Time not before the last
// block's (ErrBadBlock), and the previous block committed (ErrPending). A store failure fails
// the block, with nothing pending: it may be applied again.
func (s *State) ApplyBlock(b Block) ([]TxResult, error) {
	switch {
	case s.chainID == "":
		return nil, ErrNotInitialized
	case s.pending != nil:
		return nil, ErrPending
	case b.Height != s.height+1:
		return nil, fmt.Errorf("%w: height %d, want %d", ErrBadBlock, b.Height, s.height+1)
	case b.Time < s.time:
		return nil, fmt.Errorf("%w: time %d, before the last block's %d", ErrBadBlock, b.Time, s.time)
	case len(b.Txs) > MaxBlockTxs:
		return nil, fmt.Errorf("%w: %d transactions, at most %d", ErrBadBlock, len(b.Txs), MaxBlockTxs)
	}
	block := newOverlay(s.store)
	results := make([]TxResult, 0, len(b.Txs))
	for _, tx := range b.Txs {
		r := TxResult{Hash: tx.Hash()}
		err := s.Verify(tx)
		if err == nil {
			txo := newOverlay(block)
			if err = execute(txo, tx, b.Time); err == nil {
				noteUsedNonce(txo, tx, r.Hash, b.Height)
				block.merge(txo)
			}
		}
		if err != nil {
			if r.Reason = ReasonOf(err); r.Reason == "" {
				return nil, fmt.Errorf("ledger: block %d: %w", b.Height, err)
			}
			r.Message = err.Error()
		}
		results = append(results, r)
	}
	block.set(keyTime, u64(b.Time))
	s.pending, s.pendingTime, s.pendingHash = block, b.Time, b.Hash()
	return results, nil
}

// Commit writes the pending block's changes, the new height and the new app hash in one
// batch, and returns the app hash: SHA-256 of "aquanet/ledger/app\x00" ‖ the previous app hash
// ‖ the block's hash ‖ the block's writes in key order. It is a function of the whole history
// (genesis, then every block): replicas that applied the same blocks agree on it, and a
// different state gives a different hash. A failed write keeps the block pending: Commit may
// be called again.
func (s *State) Commit() ([32]byte, error) {
	if s.pending == nil {
		return [32]byte{}, ErrNothingPending
	}
	ws := s.pending.sorted()
	hash := appHash(s.appHash, s.pendingHash, ws)
	ws = append(ws, Write{Key: keyHeight, Value: u64(s.height + 1)}, Write{Key: keyAppHash, Value: hash[:]})
	if err := s.store.Write(ws); err != nil {
		return [32]byte{}, err
	}
	s.height, s.time, s.appHash, s.pending = s.height+1, s.pendingTime, hash, nil
	return hash, nil
}

// appHash chains prev, a block's hash and its sorted writes. Lengths prefix every key and
// value, so that no two lists of writes hash alike.
func appHash(prev, block [32]byte, ws []Write) [32]byte {
	h := sha256.New()
	h.Write([]byte("aquanet/ledger/app\x00"))
	h.Write(prev[:])
	h.Write(block[:])
	var buf []byte
	for _, w := range ws {
		buf = binary.LittleEndian.AppendUint32(buf[:0], uint32(len(w.Key)))
		buf = append(buf, w.Key...)
		if w.Delete {
			buf = append(buf, 0)
		} else {
			buf = append(buf, 1)
			buf = binary.LittleEndian.AppendUint32(buf, uint32(len(w.Value)))
			buf = append(buf, w.Value...)
		}
		h.Write(buf)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}
