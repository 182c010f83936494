package trust

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
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
	if !ed25519.Verify(r.RevokedBy[:], RevocationBytes(r.Revoked, r.RevokedAt), r.Signature) {
		return fmt.Errorf("revocation of %s by %s: %w", r.Revoked, r.RevokedBy, ErrBadSignature)
	}
	if r.RevokedAt > now+skew {
		return fmt.Errorf("revocation of %s by %s: %w (at %d, it is %d)", r.Revoked, r.RevokedBy, ErrFuture, r.RevokedAt, now)
	}
	return nil
}
