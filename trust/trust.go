package trust

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aquanet/aquanet/sigcache"
)

// Trust is one peer's signed statement that it trusts another, until a time. Times are seconds
// since the Unix epoch, as in Fluence's trust-graph. The issuer is not in the trust: it is the
// peer before it in a certificate, or the one who presents it.
type Trust struct {
	IssuedFor PublicKey
	ExpiresAt uint64
	IssuedAt  uint64
	Signature []byte // Ed25519, 64 bytes, by the issuer over TrustBytes
}

// TrustBytes is what the issuer of a trust signs: SHA-256(issued_for encoded ‖ expires_at u64
// LE ‖ issued_at u64 LE), as Fluence's trust-graph (Trust::signature_bytes).
func TrustBytes(issuedFor PublicKey, expiresAt, issuedAt uint64) []byte {
	b := issuedFor.Encode()
	b = binary.LittleEndian.AppendUint64(b, expiresAt)
	b = binary.LittleEndian.AppendUint64(b, issuedAt)
	sum := sha256.Sum256(b)
	return sum[:]
}

// IssueTrust makes the trust by issues in issuedFor, from issuedAt until expiresAt.
func IssueTrust(by Signer, issuedFor PublicKey, expiresAt, issuedAt uint64) Trust {
	return Trust{IssuedFor: issuedFor, ExpiresAt: expiresAt, IssuedAt: issuedAt,
		Signature: by.sign(TrustBytes(issuedFor, expiresAt, issuedAt))}
}

// Errors of checking a trust.
var (
	ErrBadSignature = errors.New("the signature does not verify")
	ErrExpired      = errors.New("expired")
	ErrFuture       = errors.New("issued in the future")
)

// Verify checks that issuer signed t, that t has not expired at now, and that it was not issued
// later than now + skew (seconds). Fluence's trust-graph checks the first two; a trust from the
// future is refused here so that a clock set ahead cannot make a trust outlive a revocation.
func (t Trust) Verify(issuer PublicKey, now, skew uint64) error {
	if !sigcache.Verify(issuer[:], TrustBytes(t.IssuedFor, t.ExpiresAt, t.IssuedAt), t.Signature) {
		return fmt.Errorf("trust by %s for %s: %w", issuer, t.IssuedFor, ErrBadSignature)
	}
	if t.ExpiresAt < now {
		return fmt.Errorf("trust by %s for %s: %w at %d, it is %d", issuer, t.IssuedFor, ErrExpired, t.ExpiresAt, now)
	}
	if t.IssuedAt > now+skew {
		return fmt.Errorf("trust by %s for %s: %w (at %d, it is %d)", issuer, t.IssuedFor, ErrFuture, t.IssuedAt, now)
	}
	return nil
}

// Encode is the trust's binary form, as Fluence's trust-graph (Trust::encode): len u8 ‖
// issued_for encoded ‖ len u8 ‖ signature encoded ‖ expires_at u64 LE ‖ issued_at u64 LE.
func (t Trust) Encode() []byte {
	pk, sig := t.IssuedFor.Encode(), encodeSignature(t.Signature)
	b := make([]byte, 0, 2+len(pk)+len(sig)+16)
	b = append(append(b, byte(len(pk))), pk...)
	b = append(append(b, byte(len(sig))), sig...)
	b = binary.LittleEndian.AppendUint64(b, t.ExpiresAt)
	return binary.LittleEndian.AppendUint64(b, t.IssuedAt)
}

// EncodedTrustLen is the length of an encoded trust of an Ed25519 key.
const EncodedTrustLen = 2 + 33 + 65 + 16

// DecodeTrust reads a trust as Encode writes it, exactly: nothing may follow.
func DecodeTrust(b []byte) (Trust, error) {
	var t Trust
	pk, b, err := cutField(b, "issued_for")
	if err != nil {
		return Trust{}, fmt.Errorf("trust: %w", err)
	}
	if t.IssuedFor, err = DecodePublicKey(pk); err != nil {
		return Trust{}, fmt.Errorf("trust: issued_for: %w", err)
	}
	sig, b, err := cutField(b, "signature")
	if err != nil {
		return Trust{}, fmt.Errorf("trust: %w", err)
	}
	if t.Signature, err = decodeSignature(sig); err != nil {
		return Trust{}, fmt.Errorf("trust: %w", err)
	}
	if len(b) != 16 {
		return Trust{}, fmt.Errorf("trust: %d bytes for expires_at and issued_at, want 16", len(b))
	}
	t.ExpiresAt = binary.LittleEndian.Uint64(b)
	t.IssuedAt = binary.LittleEndian.Uint64(b[8:])
	return t, nil
}

// lines is the trust's text form, four lines as Fluence's Trust::to_string: base58 of the key
// encoded, base58 of the signature encoded, expires_at, issued_at.
func (t Trust) lines() []string {
	return []string{b58(t.IssuedFor.Encode()), b58(encodeSignature(t.Signature)),
		strconv.FormatUint(t.ExpiresAt, 10), strconv.FormatUint(t.IssuedAt, 10)}
}

// String is the trust's text form (four lines).
func (t Trust) String() string { return strings.Join(t.lines(), "\n") }

// MaxTrustTextLen is the length of the longest text form of a trust ParseTrust reads: its four
// lines at their longest (a key, a signature and two times of 20 digits), each ended by a
// newline. String writes no newline after the last line, so it writes at most one byte less.
const MaxTrustTextLen = maxKeyB58Len + maxSignatureB58Len + 2*maxSecondsLen + 4

// trustLines names the lines of a trust's text form and bounds their lengths.
var trustLines = [4]struct {
	what string
	max  int
}{{"issued_for", maxKeyB58Len}, {"signature", maxSignatureB58Len}, {"expires_at", maxSecondsLen}, {"issued_at", maxSecondsLen}}

// checkTrustLines checks that l is four lines, none longer than it can be, without decoding any.
func checkTrustLines(l []string) error {
	if len(l) != 4 {
		return fmt.Errorf("trust: %d lines, want 4", len(l))
	}
	for i, f := range trustLines {
		if len(l[i]) > f.max {
			return fmt.Errorf("trust: %w", tooLong(f.what, len(l[i]), f.max))
		}
	}
	return nil
}

// parseTrustLines reads the four lines of a trust's text form.
func parseTrustLines(l []string) (Trust, error) {
	var t Trust
	if err := checkTrustLines(l); err != nil {
		return t, err
	}
	pk, err := unb58(l[0], "issued_for", maxKeyB58Len)
	if err != nil {
		return t, fmt.Errorf("trust: %w", err)
	}
	if t.IssuedFor, err = DecodePublicKey(pk); err != nil {
		return t, fmt.Errorf("trust: issued_for: %w", err)
	}
	sig, err := unb58(l[1], "signature", maxSignatureB58Len)
	if err != nil {
		return t, fmt.Errorf("trust: %w", err)
	}
	if t.Signature, err = decodeSignature(sig); err != nil {
		return t, fmt.Errorf("trust: %w", err)
	}
	if t.ExpiresAt, err = strconv.ParseUint(l[2], 10, 64); err != nil {
		return t, fmt.Errorf("trust: expires_at %q: not a number of seconds", l[2])
	}
	if t.IssuedAt, err = strconv.ParseUint(l[3], 10, 64); err != nil {
		return t, fmt.Errorf("trust: issued_at %q: not a number of seconds", l[3])
	}
	return t, nil
}

// ParseTrust reads a trust's text form (newlines after its last line are allowed). A text
// longer than MaxTrustTextLen, or a line longer than it can be, is refused before anything is
// decoded (ErrTooLong).
func ParseTrust(s string) (Trust, error) {
	if len(s) > MaxTrustTextLen {
		return Trust{}, fmt.Errorf("trust: %w", tooLong("text", len(s), MaxTrustTextLen))
	}
	return parseTrustLines(strings.Split(strings.TrimRight(s, "\n"), "\n"))
}
