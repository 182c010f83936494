package trust

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/aquanet/aquanet/sigcache"
)

// Revocation is one peer's signed withdrawal of its trust in another, from a time on (seconds
// since the Unix epoch). Revocations do not expire.
type Revocation struct {
	Revoked   PublicKey
	RevokedBy PublicKey
	RevokedAt uint64
	Signature []byte // Ed25519, 64 bytes, by RevokedBy over RevocationBytes
}

// RevocationBytes is what a revoker signs: SHA-256(len u8 ‖ revoked encoded ‖ revoked_at u64
// LE), as Fluence's trust-graph (Revocation::signature_bytes).
func RevocationBytes(revoked PublicKey, revokedAt uint64) []byte {
	pk := revoked.Encode()
	b := append([]byte{byte(len(pk))}, pk...)
	b = binary.LittleEndian.AppendUint64(b, revokedAt)
	sum := sha256.Sum256(b)
	return sum[:]
}

// IssueRevocation makes by's revocation of revoked at revokedAt.
func IssueRevocation(by Signer, revoked PublicKey, revokedAt uint64) Revocation {
	return Revocation{Revoked: revoked, RevokedBy: by.Public(), RevokedAt: revokedAt,
		Signature: by.sign(RevocationBytes(revoked, revokedAt))}
}

// Verify checks the revoker's signature and that the revocation was not made later than now +
// skew (seconds).
func (r Revocation) Verify(now, skew uint64) error {
	if !sigcache.Verify(r.RevokedBy[:], RevocationBytes(r.Revoked, r.RevokedAt), r.Signature) {
		return fmt.Errorf("revocation of %s by %s: %w", r.Revoked, r.RevokedBy, ErrBadSignature)
	}
	if r.RevokedAt > now+skew {
		return fmt.Errorf("revocation of %s by %s: %w (at %d, it is %d)", r.Revoked, r.RevokedBy, ErrFuture, r.RevokedAt, now)
	}
	return nil
}

// EncodedRevocationLen is the length of an encoded revocation of Ed25519 keys.
const EncodedRevocationLen = 3 + 33 + 33 + 65 + 8

// Encode is the revocation's binary form: len u8 ‖ revoked encoded ‖ len u8 ‖ revoked_by
// encoded ‖ len u8 ‖ signature encoded ‖ revoked_at u64 LE. Fluence's trust-graph has none
// (its service passes a revocation as peer ids): this one is aquanet's, for its service and
// CLI, in Trust.Encode's conventions.
func (r Revocation) Encode() []byte {
	b := make([]byte, 0, EncodedRevocationLen)
	for _, f := range [][]byte{r.Revoked.Encode(), r.RevokedBy.Encode(), encodeSignature(r.Signature)} {
		b = append(append(b, byte(len(f))), f...)
	}
	return binary.LittleEndian.AppendUint64(b, r.RevokedAt)
}

// DecodeRevocation reads a revocation as Encode writes it, exactly: nothing may follow. It
// does not verify the signature (Verify does). Every length is checked before the signature is
// copied, its only allocation.
func DecodeRevocation(b []byte) (Revocation, error) {
	revoked, b, err := cutField(b, "revoked")
	if err != nil {
		return Revocation{}, fmt.Errorf("revocation: %w", err)
	}
	by, b, err := cutField(b, "revoked_by")
	if err != nil {
		return Revocation{}, fmt.Errorf("revocation: %w", err)
	}
	sig, b, err := cutField(b, "signature")
	if err != nil {
		return Revocation{}, fmt.Errorf("revocation: %w", err)
	}
	if len(b) != 8 {
		return Revocation{}, fmt.Errorf("revocation: %d bytes for revoked_at, want 8", len(b))
	}
	r := Revocation{RevokedAt: binary.LittleEndian.Uint64(b)}
	if r.Revoked, err = DecodePublicKey(revoked); err != nil {
		return Revocation{}, fmt.Errorf("revocation: revoked: %w", err)
	}
	if r.RevokedBy, err = DecodePublicKey(by); err != nil {
		return Revocation{}, fmt.Errorf("revocation: revoked_by: %w", err)
	}
	if r.Signature, err = decodeSignature(sig); err != nil {
		return Revocation{}, fmt.Errorf("revocation: %w", err)
	}
	return r, nil
}
