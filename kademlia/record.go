package kademlia

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/multiformats/go-multiaddr"

	"github.com/aquanet/aquanet/sigcache"
	"github.com/aquanet/aquanet/trust"
)

// Record says that Provider provides Key until ExpiresAt, at Addrs, having solved Challenge.
// Its provider signs all of it (SignRecord).
type Record struct {
	Key                 Key
	Provider            trust.PublicKey
	Addrs               []multiaddr.Multiaddr
	IssuedAt, ExpiresAt uint64 // seconds since the Unix epoch
	Challenge           Challenge
	Solution            []byte
	Signature           []byte
}

// Bounds of a record.
const (
	recordVersion = 1
	MaxAddrs      = 8
	MaxAddrLen    = 256
	// MaxSolution is the longest solution: a certificate of trust.MaxChain trusts.
	MaxSolution = 7 + trust.MaxChain*(1+trust.EncodedTrustLen)
	// MaxRecordSize is the longest encoding of a record.
	MaxRecordSize = 1 + 32 + 32 + 1 + MaxAddrs*(2+MaxAddrLen) + 16 + 1 + MaxChallengeLen + 2 + MaxSolution + ed25519.SignatureSize
)

// Refusal is why a record (or removal) was refused; Reason is one of Reasons.
type Refusal struct {
	Reason string
	Err    error
}

func (r *Refusal) Error() string { return r.Reason + ": " + r.Err.Error() }
func (r *Refusal) Unwrap() error { return r.Err }

// Reasons are the reasons a record is refused for, in the order Verify checks them (after
// "malformed", a record that does not decode).
var Reasons = []string{"malformed", "key-mismatch", "bad-signature", "expired", "future", "ttl-too-long", "bad-solution"}

// ReasonOf is the reason of a Refusal in err's chain, or "".
func ReasonOf(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

func refusal(reason, format string, args ...any) error {
	return &Refusal{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// recordPrefix starts what a provider signs.
const recordPrefix = "aquanet/dht/record\x00"

// SignRecord is r signed by provider (r.Provider is set to provider's key).
func SignRecord(provider trust.Signer, r Record) Record {
	r.Provider = provider.Public()
	r.Signature = nil
	r.Signature = sigcache.Sign(ed25519.PrivateKey(provider), append([]byte(recordPrefix), r.body()...))
	return r
}

// body is the encoding without the signature.
func (r Record) body() []byte {
	b := make([]byte, 0, MaxRecordSize)
	b = append(b, recordVersion)
	b = append(append(b, r.Key[:]...), r.Provider[:]...)
	b = append(b, byte(len(r.Addrs)))
	for _, a := range r.Addrs {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(a.Bytes())))
		b = append(b, a.Bytes()...)
	}
	b = binary.LittleEndian.AppendUint64(b, r.IssuedAt)
	b = binary.LittleEndian.AppendUint64(b, r.ExpiresAt)
	ch := r.Challenge.Encode()
	b = append(append(b, byte(len(ch))), ch...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(r.Solution)))
	return append(b, r.Solution...)
}

// Encode is the record's binary form: version ‖ key ‖ provider ‖ addr count u8 ‖ (len u16 LE ‖
// multiaddr) per addr ‖ issued_at u64 LE ‖ expires_at u64 LE ‖ challenge len u8 ‖ challenge ‖
// solution len u16 LE ‖ solution ‖ signature (64 bytes).
func (r Record) Encode() []byte { return append(r.body(), r.Signature...) }

// DecodeRecord reads a record as Encode writes it, exactly; it checks the forms, not the
// signature or the challenge (Verify does). Every error is a Refusal "malformed".
func DecodeRecord(b []byte) (Record, error) {
	r, err := decodeRecord(b)
	if err != nil {
		return Record{}, &Refusal{Reason: "malformed", Err: fmt.Errorf("record: %w", err)}
	}
	return r, nil
}

func decodeRecord(b []byte) (Record, error) {
	if len(b) > MaxRecordSize {
		return Record{}, fmt.Errorf("%d bytes, at most %d", len(b), MaxRecordSize)
	}
	if len(b) < 1+64+1 || b[0] != recordVersion {
		return Record{}, fmt.Errorf("%d bytes without version %d", len(b), recordVersion)
	}
	var r Record
	r.Key, r.Provider = Key(b[1:33]), trust.PublicKey(b[33:65])
	n, rest := int(b[65]), b[66:]
	if n > MaxAddrs {
		return Record{}, fmt.Errorf("%d addresses, at most %d", n, MaxAddrs)
	}
	for i := range n {
		if len(rest) < 2 {
			return Record{}, fmt.Errorf("address %d: no length", i)
		}
		l := int(binary.LittleEndian.Uint16(rest))
		if l > MaxAddrLen || len(rest)-2 < l {
			return Record{}, fmt.Errorf("address %d: %d bytes of at most %d, %d left", i, l, MaxAddrLen, len(rest)-2)
		}
		a, err := multiaddr.NewMultiaddrBytes(rest[2 : 2+l])
		if err != nil {
			return Record{}, fmt.Errorf("address %d: %v", i, err)
		}
		r.Addrs, rest = append(r.Addrs, a), rest[2+l:]
	}
	if len(rest) < 17 {
		return Record{}, fmt.Errorf("%d bytes left for the times and the challenge", len(rest))
	}
	r.IssuedAt, r.ExpiresAt = binary.LittleEndian.Uint64(rest), binary.LittleEndian.Uint64(rest[8:])
	n, rest = int(rest[16]), rest[17:]
	if len(rest) < n {
		return Record{}, fmt.Errorf("challenge: %d bytes, %d left", n, len(rest))
	}
	var err error
	if r.Challenge, err = DecodeChallenge(rest[:n]); err != nil {
		return Record{}, err
	}
	rest = rest[n:]
	if len(rest) < 2 {
		return Record{}, fmt.Errorf("solution: no length")
	}
	n, rest = int(binary.LittleEndian.Uint16(rest)), rest[2:]
	if n > MaxSolution || len(rest) < n {
		return Record{}, fmt.Errorf("solution: %d bytes of at most %d, %d left", n, MaxSolution, len(rest))
	}
	if n > 0 {
		r.Solution = append([]byte(nil), rest[:n]...)
	}
	rest = rest[n:]
	if len(rest) != ed25519.SignatureSize {
		return Record{}, fmt.Errorf("signature: %d bytes, want %d", len(rest), ed25519.SignatureSize)
	}
	r.Signature = append([]byte(nil), rest...)
	return r, nil
}

// Verify checks a record as a storing peer must, at now: its key is its challenge's, its
// provider signed it, its times hold (issued at most skew ahead of now, not expired, living at
// most maxTTL), and its solution solves its challenge for its provider. It fails with a
// Refusal naming the first thing wrong; the signature is checked before the solution, so
// that junk costs one signature check.
func (r Record) Verify(now, skew, maxTTL uint64) error {
	if r.Key != r.Challenge.Key() {
		return refusal("key-mismatch", "the record's key %s is not its challenge's", r.Key)
	}
	if len(r.Signature) != ed25519.SignatureSize ||
		!sigcache.Verify(r.Provider[:], append([]byte(recordPrefix), r.body()...), r.Signature) {
		return refusal("bad-signature", "the record is not signed by its provider %s", r.Provider)
	}
	if r.ExpiresAt < now {
		return refusal("expired", "the record expired at %d, it is %d", r.ExpiresAt, now)
	}
	if r.IssuedAt > now+skew {
		return refusal("future", "the record is dated %d, it is %d", r.IssuedAt, now)
	}
	if r.ExpiresAt < r.IssuedAt || r.ExpiresAt-r.IssuedAt > maxTTL {
		return refusal("ttl-too-long", "the record lives from %d to %d, at most %d s allowed", r.IssuedAt, r.ExpiresAt, maxTTL)
	}
	if err := r.Challenge.Check(r.Provider, r.Solution, now, skew); err != nil {
		return &Refusal{Reason: "bad-solution", Err: err}
	}
	return nil
}
