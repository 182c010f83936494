package ledger

import (
	"encoding/binary"
	"fmt"

	"github.com/aquanet/aquanet/trust"
)

// Reads of the committed state: a block applied and not committed is not seen. Each error
// is the store's (or a corrupt record's); absence is not an error.

// Height is the height of the last committed block: 0 after InitChain.
func (s *State) Height() uint64 { return s.height }

// AppHash is the app hash of the last commit (InitChain's at height 0).
func (s *State) AppHash() [32]byte { return s.appHash }

// ChainID is the genesis's chain id, "" before InitChain.
func (s *State) ChainID() string { return s.chainID }

// Time is the time of the last committed block (the genesis's at height 0).
func (s *State) Time() uint64 { return s.time }

// Validators are the genesis's validators, in its order.
func (s *State) Validators() ([]Validator, error) {
	v, _, err := s.store.Get(keyValidators)
	if err != nil {
		return nil, err
	}
	return decodeValidators(v)
}

// Balance is pk's balance: 0 for an account never credited.
func (s *State) Balance(pk trust.PublicKey) (uint64, error) { return s.getU64(s.store, balanceKey(pk)) }

// Nonce is pk's next nonce: the number of its transactions applied.
func (s *State) Nonce(pk trust.PublicKey) (uint64, error) { return s.getU64(s.store, nonceKey(pk)) }

// Perimeter is the perimeter of application app, and false when it has none.
func (s *State) Perimeter(app string) (SetPerimeter, bool, error) { return getPerimeter(s.store, app) }

// Name is the record of a registered name, and false when it is not registered.
func (s *State) Name(name string) (NameRecord, bool, error) { return getName(s.store, name) }

// Price is the price of a service, and false when it has none.
func (s *State) Price(peer, service string) (Price, bool, error) {
	return getPrice(s.store, ServiceRef{Peer: peer, Service: service})
}

// Revocation is by's latest published revocation of revoked, and false when there is none.
func (s *State) Revocation(revoked, by trust.PublicKey) (trust.Revocation, bool, error) {
	return getRevocation(s.store, revoked, by)
}

// KeepUsedNonces is how many of a sender's last nonces the state remembers the transaction of
// (UsedNonce): a client, or a validator that caught up from a snapshot, can tell whether its
// transaction or another with the same nonce was applied.
const KeepUsedNonces = 64

// noteUsedNonce records that tx, applied in the block at height, used its sender's nonce, and
// forgets the nonce KeepUsedNonces before it.
func noteUsedNonce(o *overlay, tx Tx, hash [32]byte, height uint64) {
	o.set(usedNonceKey(tx.Sender, tx.Nonce), binary.LittleEndian.AppendUint64(hash[:], height))
	if tx.Nonce >= KeepUsedNonces {
		o.del(usedNonceKey(tx.Sender, tx.Nonce-KeepUsedNonces))
	}
}

// UsedNonce is the hash of the transaction that used the sender's nonce and the height of its
// block, if the nonce is one of the sender's last KeepUsedNonces used ones.
func (s *State) UsedNonce(sender trust.PublicKey, nonce uint64) (hash [32]byte, height uint64, ok bool, err error) {
	v, ok, err := s.store.Get(usedNonceKey(sender, nonce))
	if err != nil || !ok {
		return hash, 0, false, err
	}
	if len(v) != 40 {
		return hash, 0, false, fmt.Errorf("ledger: the record of %s's nonce %d is %d bytes, want 40", sender, nonce, len(v))
	}
	copy(hash[:], v)
	return hash, binary.LittleEndian.Uint64(v[32:]), true, nil
}
