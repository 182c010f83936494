package trust

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/mr-tron/base58"

	"github.com/aquanet/aquanet/sigcache"
)

// keyFormatEd25519 is the format byte fluence-keypair puts before an Ed25519 key or signature
// (1 is RSA, 2 secp256k1: aquanet's peers have Ed25519 keys only).
const keyFormatEd25519 = 0

// PublicKey is an Ed25519 public key: a peer's identity. It is a value, usable as a map key.
type PublicKey [ed25519.PublicKeySize]byte

// Encode is the key as fluence-keypair encodes it: the format byte, then the key's 32 bytes.
func (k PublicKey) Encode() []byte { return append([]byte{keyFormatEd25519}, k[:]...) }

// DecodePublicKey reads a key as Encode writes it.
func DecodePublicKey(b []byte) (PublicKey, error) {
	var k PublicKey
	switch {
	case len(b) == 0:
		return k, errors.New("public key: empty")
	case b[0] != keyFormatEd25519:
		return k, fmt.Errorf("public key: format %d, want %d (Ed25519; RSA and secp256k1 keys are not supported)", b[0], keyFormatEd25519)
	case len(b) != 1+len(k):
		return k, fmt.Errorf("public key: %d bytes, want %d", len(b), 1+len(k))
	}
	copy(k[:], b[1:])
	return k, nil
}

// PeerID is the peer id of the key, as libp2p derives it (the key inlined in an identity
// multihash).
func (k PublicKey) PeerID() peer.ID {
	pub, err := crypto.UnmarshalEd25519PublicKey(k[:])
	if err != nil {
		panic(fmt.Sprintf("trust: an Ed25519 key of 32 bytes did not unmarshal: %v", err)) // cannot happen
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		panic(fmt.Sprintf("trust: no peer id for an Ed25519 key: %v", err)) // cannot happen
	}
	return id
}

// String is the key's peer id.
func (k PublicKey) String() string { return k.PeerID().String() }

// KeyOfPeer returns the public key a peer id holds (Ed25519 peer ids inline their key).
func KeyOfPeer(id peer.ID) (PublicKey, error) {
	pub, err := id.ExtractPublicKey()
	if err != nil {
		return PublicKey{}, fmt.Errorf("peer id %s: no public key in it: %v", id, err)
	}
	if pub.Type() != crypto.Ed25519 {
		return PublicKey{}, fmt.Errorf("peer id %s: a %s key, want Ed25519", id, pub.Type())
	}
	raw, err := pub.Raw()
	if err != nil {
		return PublicKey{}, err
	}
	var k PublicKey
	copy(k[:], raw)
	return k, nil
}

// MaxPeerIDLen is the length of an Ed25519 peer id's text, the base58 of its identity
// multihash (0x00 0x24, then the protobuf of the key: 08 01 12 20 and its 32 bytes; 38 bytes):
// the base58 of any such multihash is 52 characters, "12D3KooW…".
const MaxPeerIDLen = 52

// ParsePeer returns the public key of a peer id given as text, in the base58 form libp2p and
// Fluence print. Text longer than MaxPeerIDLen is refused unread (ErrTooLong): that excludes
// the longer CID forms of a peer id (bafz…), which Fluence does not use.
func ParsePeer(s string) (PublicKey, error) {
	if len(s) > MaxPeerIDLen {
		return PublicKey{}, tooLong("peer id", len(s), MaxPeerIDLen)
	}
	id, err := peer.Decode(s)
	if err != nil {
		return PublicKey{}, fmt.Errorf("%q is not a peer id: %v", s, err)
	}
	return KeyOfPeer(id)
}

// Signer signs trusts and revocations: an Ed25519 private key.
type Signer ed25519.PrivateKey

// Public is the signer's public key.
func (s Signer) Public() PublicKey {
	var k PublicKey
	copy(k[:], ed25519.PrivateKey(s).Public().(ed25519.PublicKey))
	return k
}

func (s Signer) sign(msg []byte) []byte { return sigcache.Sign(ed25519.PrivateKey(s), msg) }

// SignerOf returns the signer of a libp2p private key, which must be Ed25519.
func SignerOf(key crypto.PrivKey) (Signer, error) {
	if key.Type() != crypto.Ed25519 {
		return nil, fmt.Errorf("a %s key, want Ed25519", key.Type())
	}
	raw, err := key.Raw()
	if err != nil {
		return nil, err
	}
	if len(raw) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("an Ed25519 private key of %d bytes, want %d", len(raw), ed25519.PrivateKeySize)
	}
	return Signer(raw), nil
}

// encodeSignature is a signature as fluence-keypair encodes it: the format byte, then the 64
// bytes.
func encodeSignature(sig []byte) []byte { return append([]byte{keyFormatEd25519}, sig...) }

// decodeSignature reads a signature as encodeSignature writes it.
func decodeSignature(b []byte) ([]byte, error) {
	switch {
	case len(b) == 0:
		return nil, errors.New("signature: empty")
	case b[0] != keyFormatEd25519:
		return nil, fmt.Errorf("signature: format %d, want %d (Ed25519)", b[0], keyFormatEd25519)
	case len(b) != 1+ed25519.SignatureSize:
		return nil, fmt.Errorf("signature: %d bytes, want %d", len(b), 1+ed25519.SignatureSize)
	}
	return append([]byte(nil), b[1:]...), nil
}

// cutField splits a length-prefixed field (len u8 ‖ that many bytes) off the front of b, the
// binary forms' way of holding a key or a signature. It allocates nothing: field and rest are
// parts of b.
func cutField(b []byte, what string) (field, rest []byte, err error) {
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return nil, nil, fmt.Errorf("%s: %d bytes left, too few", what, len(b))
	}
	return b[1 : 1+int(b[0])], b[1+int(b[0]):], nil
}

// Bounds of the lines of the text forms. The parsers check them before decoding anything:
// base58 decoding (github.com/mr-tron/base58) takes time quadratic in its input, seconds for a
// line of a megabyte. Each is the longest the line can be in a valid text form.
const (
	// maxKeyB58Len bounds the base58 of an encoded key: its format byte 0 is spelt "1", and 32
	// bytes take at most 44 characters (58^43 < 2^256 ≤ 58^44). Any 33 bytes could take 46,
	// but a key whose first byte is not 0 is refused anyway.
	maxKeyB58Len = 1 + 44
	// maxSignatureB58Len bounds the base58 of an encoded signature: "1", then 64 bytes in at
	// most 88 characters (58^87 < 2^512 ≤ 58^88).
	maxSignatureB58Len = 1 + 88
	// maxSecondsLen bounds a time, a u64 in decimal: 2^64−1 = 18446744073709551615 has 20
	// digits. Zeros before a number count: a time of more than 20 digits is refused.
	maxSecondsLen = 20
)

// ErrTooLong marks a text form, or a line of one, longer than any valid one: it was refused
// before being decoded.
var ErrTooLong = errors.New("too long")

// tooLong is the error of what, n bytes long, when at most limit are allowed.
func tooLong(what string, n, limit int) error {
	return fmt.Errorf("%s: %w: %d bytes, at most %d", what, ErrTooLong, n, limit)
}

// b58 and unb58 are the base58 (Bitcoin alphabet) of Fluence's text forms. unb58 refuses s
// longer than limit unread (see maxKeyB58Len).
func b58(b []byte) string { return base58.Encode(b) }

func unb58(s, what string, limit int) ([]byte, error) {
	if len(s) > limit {
		return nil, tooLong(what, len(s), limit)
	}
	b, err := base58.Decode(s)
	if err != nil {
		return nil, fmt.Errorf("%s: not base58: %v", what, err)
	}
	return b, nil
}
