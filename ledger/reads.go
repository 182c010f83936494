package ledger

import (
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
