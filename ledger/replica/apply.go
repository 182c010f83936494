package replica

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble/v2"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/trust"
)

// appliedStore is the state's store, which writes with each of the state's batches the raft
// index of the entry being applied: the state and the index it has reached are durable
// together.
type appliedStore struct {
	*ledger.PebbleStore
	index  uint64 // the entry being applied
	height uint64 // the block being committed, and its record for the block log (nil: none)
	record []byte
}

// keyApplied is under the ledger's prefix, outside the state's own keys (which start with a
// letter).
var keyApplied = []byte{0, 'a'}

func (s *appliedStore) Write(ws []ledger.Write) error {
	ws = append(ws, ledger.Write{Key: keyApplied, Value: binary.BigEndian.AppendUint64(nil, s.index)})
	if s.record == nil {
		return s.PebbleStore.Write(ws)
	}
	return s.WriteWith(ws, func(b *pebble.Batch) error { return b.Set(ledger.BlockKey(s.height), s.record, nil) })
}

// applied is the raft index the stored state has applied (0 for a new one).
func (s *appliedStore) applied() (uint64, error) {
	v, ok, err := s.Get(keyApplied)
	if err != nil || !ok {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("replica: the applied index is %d bytes, want 8", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// apply applies a committed entry: a proposal becomes the next block. An entry that does not
// decode (no replica proposes one) is skipped by every replica alike.
func (r *Replica) apply(e *pb.Entry) ([]Applied, error) {
	if e.GetIndex() <= r.applied {
		return nil, nil // in the state already (a restart re-delivers what followed the last commit)
	}
	defer func() { r.applied = max(r.applied, e.GetIndex()) }()
	switch e.GetType() {
	case pb.EntryConfChange, pb.EntryConfChangeV2:
		return nil, fmt.Errorf("replica: entry %d changes the validators, which this version does not do", e.GetIndex())
	}
	if len(e.GetData()) == 0 {
		return nil, nil // a new leader's empty entry
	}
	b, err := ledger.DecodeBlock(e.GetData())
	if err != nil || len(b.Txs) == 0 {
		return nil, nil
	}
	b.Height, b.Time = r.state.Height()+1, max(b.Time, r.state.Time())
	results, err := r.state.ApplyBlock(b)
	if err != nil {
		return nil, fmt.Errorf("replica: applying entry %d as block %d: %w", e.GetIndex(), b.Height, err)
	}
	rec, err := ledger.EncodeBlockRecord(ledger.BlockRecord{PrevAppHash: r.state.AppHash(), Block: b})
	if err != nil {
		return nil, fmt.Errorf("replica: block %d: %w", b.Height, err)
	}
	r.store.index, r.store.height, r.store.record = e.GetIndex(), b.Height, rec
	_, err = r.state.Commit()
	r.store.record = nil
	if err != nil {
		return nil, fmt.Errorf("replica: committing block %d: %w", b.Height, err)
	}
	for i, res := range results {
		if p, ok := b.Txs[i].Body.(*ledger.PublishRevocation); ok && res.Reason == "" {
			r.revoked = append(r.revoked, p.Revocation)
		}
	}
	var out []Applied
	var again []*submitted
	for i, res := range results {
		w := r.waiting[res.Hash]
		if w == nil {
			continue
		}
		if res.Reason == ledger.ReasonBadNonce {
			if before, err := r.waitingBefore(w.tx); err != nil {
				return nil, err
			} else if len(before) > 0 {
				// It overtook a transaction of its sender's that waits here (whose proposal was
				// lost, or is retried): both are proposed again, in order.
				for _, x := range append(before, w) {
					if !x.queued {
						x.queued = true
						again = append(again, x)
					}
				}
				continue
			}
		}
		delete(r.waiting, res.Hash)
		out = append(out, Applied{Hash: res.Hash, Height: b.Height, Reason: res.Reason, Message: res.Message})
		sd := r.senders[b.Txs[i].Sender]
		if sd == nil {
			continue
		}
		if sd.waiting--; sd.waiting <= 0 || res.Reason != "" {
			// Nothing of theirs waits, or one failed (so will the ones after it: their nonces
			// are not the next): the committed nonce is the truth again.
			delete(r.senders, b.Txs[i].Sender)
		}
	}
	sortBySender(again)
	r.batch = append(r.batch, again...)
	return out, nil
}

// waitingBefore are the transactions of tx's sender's that wait here with a nonce from the
// state's next one to tx's: those tx must follow.
func (r *Replica) waitingBefore(tx ledger.Tx) ([]*submitted, error) {
	next, err := r.state.Nonce(tx.Sender)
	if err != nil || tx.Nonce <= next {
		return nil, err
	}
	var before []*submitted
	for _, w := range r.waiting {
		if w.tx.Sender == tx.Sender && w.tx.Nonce >= next && w.tx.Nonce < tx.Nonce {
			before = append(before, w)
		}
	}
	return before, nil
}

// snapshot keeps the state as it is at the applied index in the log's snapshot and drops the
// log up to SnapshotEvery entries before it.
func (r *Replica) snapshot() error {
	data, err := r.exportState()
	if err != nil {
		return err
	}
	if _, err := r.log.CreateSnapshot(r.applied, r.cs, data); err != nil {
		return err
	}
	r.lastSnap = r.applied
	// The state's writes are not synced (the log replays them after a crash): sync them
	// before the log they come from is dropped.
	if err := r.db.LogData(nil, store.Sync(r.db)); err != nil {
		return err
	}
	if r.applied <= r.cfg.SnapshotEvery {
		return nil
	}
	if first, _ := r.log.FirstIndex(); r.applied-r.cfg.SnapshotEvery < first {
		return nil
	}
	return r.log.Compact(r.applied - r.cfg.SnapshotEvery)
}

// exportState is every key and value under the ledger's prefix: u32 length ‖ key ‖ u32 length ‖
// value, in key order.
func (r *Replica) exportState() ([]byte, error) {
	it, err := r.db.NewIter(&pebble.IterOptions{LowerBound: []byte{store.Ledger}, UpperBound: []byte{store.Ledger + 1}})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []byte
	for it.First(); it.Valid(); it.Next() {
		out = binary.BigEndian.AppendUint32(out, uint32(len(it.Key())))
		out = append(out, it.Key()...)
		out = binary.BigEndian.AppendUint32(out, uint32(len(it.Value())))
		out = append(out, it.Value()...)
	}
	return out, it.Error()
}

// restore replaces the state by a snapshot's, in one synced batch, and reopens it. What waits
// here is counted again against the new state (recountWaiting).
func (r *Replica) restore(snap *pb.Snapshot) ([]Applied, [][32]byte, error) {
	b := r.db.NewBatch()
	defer b.Close()
	if err := b.DeleteRange([]byte{store.Ledger}, []byte{store.Ledger + 1}, nil); err != nil {
		return nil, nil, err
	}
	data := snap.GetData()
	for len(data) > 0 {
		var kv [2][]byte
		for i := range kv {
			if len(data) < 4 || uint64(len(data)-4) < uint64(binary.BigEndian.Uint32(data)) {
				return nil, nil, fmt.Errorf("replica: the snapshot at %d is corrupt", snap.GetMetadata().GetIndex())
			}
			n := binary.BigEndian.Uint32(data)
			kv[i], data = data[4:4+n], data[4+n:]
		}
		if len(kv[0]) == 0 || kv[0][0] != store.Ledger {
			return nil, nil, fmt.Errorf("replica: the snapshot at %d holds a key outside the ledger", snap.GetMetadata().GetIndex())
		}
		if err := b.Set(kv[0], kv[1], nil); err != nil {
			return nil, nil, err
		}
	}
	applied := binary.BigEndian.AppendUint64(nil, snap.GetMetadata().GetIndex())
	if err := b.Set(append([]byte{store.Ledger}, keyApplied...), applied, nil); err != nil {
		return nil, nil, err
	}
	if err := b.Commit(store.Sync(r.db)); err != nil {
		return nil, nil, err
	}
	state, err := ledger.NewState(r.store)
	if err != nil {
		return nil, nil, err
	}
	r.state, r.applied, r.lastSnap = state, snap.GetMetadata().GetIndex(), snap.GetMetadata().GetIndex()
	r.cs = snap.GetMetadata().GetConfState()
	// The snapshot may hold revocations no block brought here: all of them are news.
	if r.revoked, err = r.Revocations(); err != nil {
		return nil, nil, err
	}
	return r.recountWaiting()
}

// recountWaiting counts what waits here against the state (after a snapshot replaced it): a
// sender's next nonce follows the last of theirs that waits. A waiting transaction whose
// nonce the state has passed leaves: it is done (applied, or its nonce used by another, as
// the state's UsedNonce says), or, past what the state remembers, of unknown fate (gone).
func (r *Replica) recountWaiting() (done []Applied, gone [][32]byte, err error) {
	r.senders = map[trust.PublicKey]*sender{}
	for _, h := range r.waitingHashes() {
		w := r.waiting[h]
		n, err := r.state.Nonce(w.tx.Sender)
		if err != nil {
			return nil, nil, err
		}
		if w.tx.Nonce < n {
			delete(r.waiting, h)
			used, height, known, err := r.state.UsedNonce(w.tx.Sender, w.tx.Nonce)
			switch {
			case err != nil:
				return nil, nil, err
			case !known:
				gone = append(gone, h)
			case used == h:
				done = append(done, Applied{Hash: h, Height: height})
			default:
				done = append(done, Applied{Hash: h, Height: height, Reason: ledger.ReasonBadNonce,
					Message: fmt.Sprintf("%s: nonce %d of %s was used by transaction %x at height %d", ledger.ReasonBadNonce, w.tx.Nonce, w.tx.Sender, used[:8], height)})
			}
			continue
		}
		sd := r.senders[w.tx.Sender]
		if sd == nil {
			sd = &sender{next: n}
			r.senders[w.tx.Sender] = sd
		}
		sd.waiting++
		sd.next = max(sd.next, w.tx.Nonce+1)
	}
	// What waits was proposed while this replica was cut off (it needed a snapshot): likely
	// lost. All of it is proposed again at once, each sender's in nonce order, so that a
	// later transaction does not overtake one it follows.
	r.batch = r.batch[:0]
	for _, w := range r.waiting {
		w.queued = true
		r.batch = append(r.batch, w)
	}
	sortBySender(r.batch)
	return done, gone, nil
}

// sortBySender orders ws by sender, then nonce: a sender's transactions in one block must come
// in their nonces' order, or all but the first fail.
func sortBySender(ws []*submitted) {
	slices.SortFunc(ws, func(a, b *submitted) int {
		if c := slices.Compare(a.tx.Sender[:], b.tx.Sender[:]); c != 0 {
			return c
		}
		return cmp.Compare(a.tx.Nonce, b.tx.Nonce)
	})
}

// Revocations are the TrustGraph revocations the state holds, in key order: the latest of each
// (revoked, revoker) pair.
func (r *Replica) Revocations() ([]trust.Revocation, error) {
	lower := []byte{store.Ledger, 'r'}
	it, err := r.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: []byte{store.Ledger, 'r' + 1}})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []trust.Revocation
	for it.First(); it.Valid(); it.Next() {
		rev, err := trust.DecodeRevocation(it.Value())
		if err != nil {
			return nil, fmt.Errorf("replica: the revocation at %x: %w", it.Key(), err)
		}
		out = append(out, rev)
	}
	return out, it.Error()
}
