package scenario

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Identity is a scenario peer's key and peer id.
type Identity struct {
	Name   string
	PeerID string // the libp2p peer id, "12D3KooW..."
	Key    ed25519.PrivateKey
}

// NewIdentity derives a peer's identity from its name, as the oracle does: the ed25519 seed is
// sha256(name), the peer id is libp2p's for the public key.
func NewIdentity(name string) (Identity, error) {
	seed := sha256.Sum256([]byte(name))
	key := ed25519.NewKeyFromSeed(seed[:])
	pub, err := crypto.UnmarshalEd25519PublicKey(key.Public().(ed25519.PublicKey))
	if err != nil {
		return Identity{}, fmt.Errorf("peer %s: %w", name, err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		return Identity{}, fmt.Errorf("peer %s: %w", name, err)
	}
	return Identity{Name: name, PeerID: id.String(), Key: key}, nil
}

// Identity returns the identity of the peer with the given name.
func (s *Scenario) Identity(name string) (Identity, bool) {
	id, ok := s.ids[name]
	return id, ok
}

// PeerID returns the peer id of the peer with the given name, or "" if there is none.
func (s *Scenario) PeerID(name string) string { return s.ids[name].PeerID }
