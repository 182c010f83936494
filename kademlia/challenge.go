package kademlia

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/mr-tron/base58"

	"github.com/aquanet/aquanet/sigcache"
	"github.com/aquanet/aquanet/trust"
)

// Key is a DHT key: SHA-256 of a challenge's encoding.
type Key [32]byte

// String is the key's base58.
func (k Key) String() string { return base58.Encode(k[:]) }

// ParseKey reads a key's base58.
func ParseKey(s string) (Key, error) {
	if len(s) > 44 { // the base58 of 32 bytes: refused unread past it
		return Key{}, fmt.Errorf("key: %d characters, a key has at most 44", len(s))
	}
	b, err := base58.Decode(s)
	if err != nil {
		return Key{}, fmt.Errorf("key: not base58: %v", err)
	}
	if len(b) != 32 {
		return Key{}, fmt.Errorf("key: %d bytes, want 32", len(b))
	}
	return Key(b), nil
}

// Kind is a challenge's kind (see the package doc).
type Kind uint8

// The challenge kinds.
const (
	KindOpen   Kind = 1
	KindSigned Kind = 2
	KindOwned  Kind = 3
)

func (k Kind) String() string {
	switch k {
	case KindOpen:
		return "open"
	case KindSigned:
		return "signed"
	case KindOwned:
		return "owned"
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// ParseKind reads a kind's name.
func ParseKind(s string) (Kind, error) {
	for _, k := range []Kind{KindOpen, KindSigned, KindOwned} {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("challenge kind %q: want open, signed or owned", s)
}

// Challenge guards a key: whoever provides it must solve it (Check).
type Challenge struct {
	Kind       Kind
	Owner      trust.PublicKey // signed, owned
	MaxPathLen uint8           // owned: the most hops from the owner to a provider
	Nonce      []byte          // at most MaxNonce bytes; an open challenge's names its attribute
}

// Bounds of a challenge.
const (
	MaxNonce         = 64
	challengeVersion = 1
	// MaxChallengeLen is the longest encoding of a challenge.
	MaxChallengeLen = 2 + 32 + 1 + 1 + MaxNonce
)

// OpenChallenge is the open challenge of an attribute: anyone may provide it, into the reserve.
func OpenChallenge(attribute []byte) Challenge { return Challenge{Kind: KindOpen, Nonce: attribute} }

// SignedChallenge is owner's challenge whose providers owner signs (SignProvider).
func SignedChallenge(owner trust.PublicKey, nonce []byte) Challenge {
	return Challenge{Kind: KindSigned, Owner: owner, Nonce: nonce}
}

// OwnedChallenge is owner's challenge whose providers hold a certificate from owner of at most
// maxPathLen hops.
func OwnedChallenge(owner trust.PublicKey, maxPathLen uint8, nonce []byte) Challenge {
	return Challenge{Kind: KindOwned, Owner: owner, MaxPathLen: maxPathLen, Nonce: nonce}
}

// Encode is the challenge's binary form (see the package doc).
func (c Challenge) Encode() []byte {
	b := make([]byte, 0, MaxChallengeLen)
	b = append(b, challengeVersion, byte(c.Kind))
	if c.Kind != KindOpen {
		b = append(b, c.Owner[:]...)
	}
	if c.Kind == KindOwned {
		b = append(b, c.MaxPathLen)
	}
	b = append(b, byte(len(c.Nonce)))
	return append(b, c.Nonce...)
}

// Key is the challenge's DHT key.
func (c Challenge) Key() Key { return sha256.Sum256(c.Encode()) }

// DecodeChallenge reads a challenge as Encode writes it, exactly.
func DecodeChallenge(b []byte) (Challenge, error) {
	if len(b) > MaxChallengeLen {
		return Challenge{}, fmt.Errorf("challenge: %d bytes, at most %d", len(b), MaxChallengeLen)
	}
	if len(b) < 3 || b[0] != challengeVersion {
		return Challenge{}, fmt.Errorf("challenge: %d bytes without version %d", len(b), challengeVersion)
	}
	c := Challenge{Kind: Kind(b[1])}
	rest := b[2:]
	switch c.Kind {
	case KindOpen:
	case KindSigned, KindOwned:
		if len(rest) < 32 {
			return Challenge{}, fmt.Errorf("challenge: owner: %d bytes, want 32", len(rest))
		}
		c.Owner, rest = trust.PublicKey(rest[:32]), rest[32:]
		if c.Owner == (trust.PublicKey{}) {
			// The zero key is a point of small order: anyone can make signatures it verifies.
			return Challenge{}, fmt.Errorf("challenge: the owner is the zero key, which anyone can sign for")
		}
	default:
		return Challenge{}, fmt.Errorf("challenge: unknown %s", c.Kind)
	}
	if c.Kind == KindOwned {
		if len(rest) < 1 {
			return Challenge{}, fmt.Errorf("challenge: no max path length")
		}
		c.MaxPathLen, rest = rest[0], rest[1:]
		if c.MaxPathLen < 1 || int(c.MaxPathLen) >= trust.MaxChain {
			return Challenge{}, fmt.Errorf("challenge: max path length %d, want 1 to %d", c.MaxPathLen, trust.MaxChain-1)
		}
	}
	if len(rest) < 1 || len(rest)-1 != int(rest[0]) {
		return Challenge{}, fmt.Errorf("challenge: nonce: %d bytes left for a nonce", len(rest))
	}
	if int(rest[0]) > MaxNonce {
		return Challenge{}, fmt.Errorf("challenge: nonce: %d bytes, at most %d", rest[0], MaxNonce)
	}
	if c.Kind == KindOpen && rest[0] == 0 {
		return Challenge{}, fmt.Errorf("challenge: an open challenge needs a nonce naming its attribute")
	}
	c.Nonce = append([]byte(nil), rest[1:]...)
	return c, nil
}

// signedPrefix starts what an owner signs for a provider of a signed challenge.
const signedPrefix = "aquanet/dht/signed\x00"

func providerMessage(k Key, provider trust.PublicKey) []byte {
	b := append([]byte(signedPrefix), k[:]...)
	return append(b, provider.Encode()...)
}

// SignProvider is a signed challenge's solution for provider: owner's signature over the key
// and the provider.
func SignProvider(owner trust.Signer, k Key, provider trust.PublicKey) []byte {
	return sigcache.Sign(ed25519.PrivateKey(owner), providerMessage(k, provider))
}

// Check says whether solution solves the challenge for provider at now (skew: how far ahead a
// certificate's trusts may be dated).
func (c Challenge) Check(provider trust.PublicKey, solution []byte, now, skew uint64) error {
	switch c.Kind {
	case KindOpen:
		if len(solution) != 0 {
			return fmt.Errorf("an open challenge takes no solution, got %d bytes", len(solution))
		}
		return nil
	case KindSigned:
		if len(solution) != ed25519.SignatureSize || !sigcache.Verify(c.Owner[:], providerMessage(c.Key(), provider), solution) {
			return fmt.Errorf("the solution is not %s's signature of %s for this key", c.Owner, provider)
		}
		return nil
	case KindOwned:
		cert, err := trust.DecodeCertificate(solution)
		if err != nil {
			return fmt.Errorf("the solution: %w", err)
		}
		if root := cert.Chain[0].IssuedFor; root != c.Owner {
			return fmt.Errorf("the certificate is rooted at %s, not at the owner %s", root, c.Owner)
		}
		if last := cert.Chain[len(cert.Chain)-1].IssuedFor; last != provider {
			return fmt.Errorf("the certificate ends at %s, not at the provider %s", last, provider)
		}
		if hops := len(cert.Chain) - 1; hops > int(c.MaxPathLen) {
			return fmt.Errorf("the certificate has %d hops, the challenge allows %d", hops, c.MaxPathLen)
		}
		return cert.Verify([]trust.PublicKey{c.Owner}, now, skew)
	}
	return fmt.Errorf("unknown %s", c.Kind)
}

// Bytes is the key's bytes (the pre-image of its place in Kademlia's space).
func (k Key) Bytes() []byte { return k[:] }
