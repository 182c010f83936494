package ledger

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/aquanet/aquanet/sigcache"
	"github.com/aquanet/aquanet/trust"
)

// Kind is what a transaction does; its byte is the encoding's.
type Kind uint8

// The kinds of transactions.
const (
	KindTransfer          Kind = 1
	KindSetPerimeter      Kind = 2
	KindRegisterName      Kind = 3
	KindPublishRevocation Kind = 4
	KindSetPrice          Kind = 5
	KindPay               Kind = 6
)

func (k Kind) String() string {
	switch k {
	case KindTransfer:
		return "transfer"
	case KindSetPerimeter:
		return "set_perimeter"
	case KindRegisterName:
		return "register_name"
	case KindPublishRevocation:
		return "publish_revocation"
	case KindSetPrice:
		return "set_price"
	case KindPay:
		return "pay"
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// Body is the kind-specific part of a transaction: one of *Transfer, *SetPerimeter,
// *RegisterName, *PublishRevocation, *SetPrice, *Pay, not nil. The set is closed: Validate
// (and so EncodeTx, Verify, CheckTx, ApplyBlock) rejects a body of another type as
// "unknown-kind".
type Body interface {
	Kind() Kind
}

// Transfer moves Amount from the sender to To.
type Transfer struct {
	To     trust.PublicKey
	Amount uint64
}

// Policy says who may call a service of a perimeter.
type Policy uint8

// The policies.
const (
	PolicyPublic    Policy = 0 // anyone
	PolicyOwner     Policy = 1 // the application's developer only
	PolicyPerimeter Policy = 2 // the perimeter's peers, and peers the developer vouches for (package actors/perimeter)
)

func (p Policy) String() string {
	switch p {
	case PolicyPublic:
		return "public"
	case PolicyOwner:
		return "owner"
	case PolicyPerimeter:
		return "perimeter"
	}
	return fmt.Sprintf("policy %d", uint8(p))
}

// ServiceRef names a service: the peer that hosts it and its id there.
type ServiceRef struct {
	Peer, Service string
}

// PerimeterService is one service of an application's perimeter and who may call it.
type PerimeterService struct {
	ServiceRef
	Policy Policy
}

// SetPerimeter sets the security perimeter of application AppID: its services and its peers.
// Only Developer may send it (the sender must be Developer); the first one of an AppID claims
// the id for its developer, later ones must come from the same developer and replace the
// perimeter whole. Services are unique by (Peer, Service), Peers are unique.
type SetPerimeter struct {
	AppID     string
	Developer trust.PublicKey
	Services  []PerimeterService
	Peers     []string
}

// Target is what a name points at: a DHT key (Key, when IsKey) or a peer id (Peer).
type Target struct {
	IsKey bool
	Key   [32]byte
	Peer  string
}

func (t Target) String() string {
	if t.IsKey {
		return fmt.Sprintf("key:%x", t.Key)
	}
	return "peer:" + t.Peer
}

// RegisterName points Name at Target. The first registration of a name makes its sender the
// owner; only the owner may re-point it.
type RegisterName struct {
	Name   string
	Target Target
}

// PublishRevocation publishes a TrustGraph revocation. Anyone may send it: what counts is the
// revocation's own signature, checked at the block's time.
type PublishRevocation struct {
	Revocation trust.Revocation
}

// SetPrice sets the price per call of a service. The first one makes its sender the service's
// price owner, who alone may change it (and who is paid).
type SetPrice struct {
	ServiceRef
	Price uint64
}

// Pay pays for Calls calls of a service: Price×Calls moves from the sender to the price owner.
type Pay struct {
	ServiceRef
	Calls uint64
}

// Kind of each body.
func (*Transfer) Kind() Kind          { return KindTransfer }
func (*SetPerimeter) Kind() Kind      { return KindSetPerimeter }
func (*RegisterName) Kind() Kind      { return KindRegisterName }
func (*PublishRevocation) Kind() Kind { return KindPublishRevocation }
func (*SetPrice) Kind() Kind          { return KindSetPrice }
func (*Pay) Kind() Kind               { return KindPay }

// Tx is a signed transaction. Nonce must be exactly the sender's next nonce (0 for an account
// that has sent nothing): a transaction applies once, in order.
type Tx struct {
	Sender    trust.PublicKey
	Nonce     uint64
	Body      Body
	Signature []byte // Ed25519, 64 bytes, by Sender over SignedBytes
}

// txPrefix separates what a sender signs from every other signature of aquanet's.
const txPrefix = "aquanet/ledger/tx\x00"

// SignedBytes is what the sender signs for the chain chainID: "aquanet/ledger/tx\x00" ‖
// chain id length u8 ‖ chain id ‖ the encoding without the signature. The chain id keeps a
// transaction of one chain from being replayed on another where the same keys hold accounts.
func (tx Tx) SignedBytes(chainID string) []byte {
	b := append([]byte(txPrefix), byte(len(chainID)))
	return appendUnsigned(append(b, chainID...), tx)
}

// SignTx is tx signed by signer for the chain chainID; its Sender is set to signer's key. A tx
// that does not Validate is signed all the same, and its Verify fails.
func SignTx(signer trust.Signer, chainID string, tx Tx) Tx {
	tx.Sender = signer.Public()
	tx.Signature = sigcache.Sign(ed25519.PrivateKey(signer), tx.SignedBytes(chainID))
	return tx
}

// Verify checks tx's form (Validate) and its signature for the chain chainID; it fails with a
// Rejection ("malformed", "unknown-kind" or "bad-signature").
func (tx Tx) Verify(chainID string) error {
	if err := tx.Validate(); err != nil {
		return err
	}
	if len(tx.Signature) != ed25519.SignatureSize || !sigcache.Verify(tx.Sender[:], tx.SignedBytes(chainID), tx.Signature) {
		return reject(ReasonBadSignature, "the transaction is not signed by its sender %s for chain %q", tx.Sender, chainID)
	}
	return nil
}

// Hash is the SHA-256 of the transaction's encoding, signature included. It names a tx that
// Validates; that of one that does not is not meaningful (EncodeTx refuses it).
func (tx Tx) Hash() [32]byte { return sha256.Sum256(appendTx(nil, tx)) }

// Bounds of a transaction's fields, checked by Validate and by DecodeTx before anything is
// allocated.
const (
	MaxIDLen               = 64  // an application id, a peer id, a service id
	MaxNameLen             = 64  // a registered name
	MaxPerimeterServices   = 256 // services of a perimeter
	MaxPerimeterPeers      = 256 // peers of a perimeter
	maxFieldLen            = 255 // what a u8 length can say
	encodedSignatureLength = ed25519.SignatureSize
)

// Validate checks the form of tx without its signature or any state: a known kind, every
// string within its bound and not empty, a name of [a-z0-9.-], a valid policy, no duplicate
// in a perimeter, a revocation signature of 64 bytes. It fails with a Rejection ("malformed"
// or "unknown-kind").
func (tx Tx) Validate() error {
	if bodyIsNil(tx.Body) {
		return reject(ReasonMalformed, "a transaction without a body")
	}
	err := validateBody(tx.Body)
	if err != nil && ReasonOf(err) == "" {
		return &Rejection{Reason: ReasonMalformed, Err: fmt.Errorf("%s: %w", tx.Body.Kind(), err)}
	}
	return err
}

// bodyIsNil says whether b is nil or a nil pointer of one of the kinds.
func bodyIsNil(b Body) bool {
	switch b := b.(type) {
	case nil:
		return true
	case *Transfer:
		return b == nil
	case *SetPerimeter:
		return b == nil
	case *RegisterName:
		return b == nil
	case *PublishRevocation:
		return b == nil
	case *SetPrice:
		return b == nil
	case *Pay:
		return b == nil
	}
	return false
}

func validateBody(b Body) error {
	switch b := b.(type) {
	case *Transfer:
		return nil
	case *SetPerimeter:
		if err := checkID("app id", b.AppID); err != nil {
			return err
		}
		if len(b.Services) > MaxPerimeterServices || len(b.Peers) > MaxPerimeterPeers {
			return fmt.Errorf("%d services and %d peers, at most %d and %d", len(b.Services), len(b.Peers), MaxPerimeterServices, MaxPerimeterPeers)
		}
		seen := make(map[ServiceRef]bool, len(b.Services)) // membership only: no order escapes
		for i, s := range b.Services {
			if err := s.ServiceRef.check(fmt.Sprintf("service %d", i)); err != nil {
				return err
			}
			if s.Policy > PolicyPerimeter {
				return fmt.Errorf("service %d: unknown %s", i, s.Policy)
			}
			if seen[s.ServiceRef] {
				return fmt.Errorf("service %d: %s/%s twice", i, s.Peer, s.Service)
			}
			seen[s.ServiceRef] = true
		}
		peers := make(map[string]bool, len(b.Peers))
		for i, p := range b.Peers {
			if err := checkID(fmt.Sprintf("peer %d", i), p); err != nil {
				return err
			}
			if peers[p] {
				return fmt.Errorf("peer %d: %s twice", i, p)
			}
			peers[p] = true
		}
		return nil
	case *RegisterName:
		if err := CheckName(b.Name); err != nil {
			return err
		}
		if !b.Target.IsKey {
			return checkID("target peer", b.Target.Peer)
		}
		if b.Target.Peer != "" {
			return errors.New("a target with both a key and a peer")
		}
		return nil
	case *PublishRevocation:
		if n := len(b.Revocation.Signature); n != ed25519.SignatureSize {
			return fmt.Errorf("revocation signature: %d bytes, want %d", n, ed25519.SignatureSize)
		}
		return nil
	case *SetPrice:
		return b.ServiceRef.check("service")
	case *Pay:
		return b.ServiceRef.check("service")
	}
	return reject(ReasonUnknownKind, "a body of type %T", b)
}

func (r ServiceRef) check(what string) error {
	if err := checkID(what+" peer", r.Peer); err != nil {
		return err
	}
	return checkID(what+" id", r.Service)
}

func checkID(what, s string) error {
	if len(s) == 0 || len(s) > MaxIDLen {
		return fmt.Errorf("%s: %d bytes, want 1 to %d", what, len(s), MaxIDLen)
	}
	return nil
}

// CheckName says whether name can be registered: 1 to MaxNameLen bytes of [a-z0-9.-].
func CheckName(name string) error {
	if len(name) == 0 || len(name) > MaxNameLen {
		return fmt.Errorf("name: %d bytes, want 1 to %d", len(name), MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return fmt.Errorf("name %q: byte %d is %q, want [a-z0-9.-]", name, i, c)
		}
	}
	return nil
}
