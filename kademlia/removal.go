package kademlia

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"

	"github.com/aquanet/aquanet/sigcache"
	"github.com/aquanet/aquanet/trust"
)

// Removal is a provider's word that it no longer provides a key: storing peers drop its record
// issued at or before At. The provider signs "aquanet/dht/remove\x00" ‖ key ‖ provider ‖ at
// u64 LE, so a removal cannot be replayed under another key or against a later record.
type Removal struct {
	Key       Key
	Provider  trust.PublicKey
	At        uint64
	Signature []byte
}

// EncodedRemovalLen is the length of an encoded removal: key, provider, at, signature.
const EncodedRemovalLen = 32 + 32 + 8 + ed25519.SignatureSize

// SignRemoval is provider's removal of its record under k, at at.
func SignRemoval(provider trust.Signer, k Key, at uint64) Removal {
	r := Removal{Key: k, Provider: provider.Public(), At: at}
	r.Signature = sigcache.Sign(ed25519.PrivateKey(provider), r.signed())
	return r
}

func (r Removal) signed() []byte {
	b := append([]byte("aquanet/dht/remove\x00"), r.Key[:]...)
	b = append(b, r.Provider[:]...)
	return binary.LittleEndian.AppendUint64(b, r.At)
}

// Verify checks the provider's signature, and that the removal is not dated past now + skew.
func (r Removal) Verify(now, skew uint64) error {
	if len(r.Signature) != ed25519.SignatureSize || !sigcache.Verify(r.Provider[:], r.signed(), r.Signature) {
		return &Refusal{Reason: "bad-signature", Err: fmt.Errorf("removal by %s: the signature does not verify", r.Provider)}
	}
	if r.At > now+skew {
		return &Refusal{Reason: "future", Err: fmt.Errorf("removal by %s dated %d, it is %d", r.Provider, r.At, now)}
	}
	return nil
}

// Encode is the removal's binary form: key ‖ provider ‖ at u64 LE ‖ signature.
func (r Removal) Encode() []byte {
	b := make([]byte, 0, EncodedRemovalLen)
	b = append(append(b, r.Key[:]...), r.Provider[:]...)
	b = binary.LittleEndian.AppendUint64(b, r.At)
	return append(b, r.Signature...)
}

// DecodeRemoval reads a removal as Encode writes it.
func DecodeRemoval(b []byte) (Removal, error) {
	if len(b) != EncodedRemovalLen {
		return Removal{}, &Refusal{Reason: "malformed", Err: fmt.Errorf("removal: %d bytes, want %d", len(b), EncodedRemovalLen)}
	}
	return Removal{Key: Key(b[:32]), Provider: trust.PublicKey(b[32:64]), At: binary.LittleEndian.Uint64(b[64:]),
		Signature: append([]byte(nil), b[72:]...)}, nil
}
