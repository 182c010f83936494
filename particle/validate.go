package particle

import (
	"time"
	"unicode/utf8"
)

// Limits bound what a peer accepts. A zero or negative field means its default.
type Limits struct {
	// MaxScript is the longest script, in bytes. Default 1 MiB.
	MaxScript int
	// MaxData is the longest data, in bytes. Default 64 MiB.
	MaxData int
	// MaxPacket is the longest encoded particle, in bytes. Default MaxScript + MaxData + 64 KiB,
	// room for the other fields.
	MaxPacket int
	// MaxClockSkew is how far ahead of the local clock a timestamp may be. Default 60 s.
	MaxClockSkew time.Duration
	// MaxTTL is the longest time to live a peer accepts (ErrTTLTooLong): a particle's state
	// lives on every peer it visits until its deadline, so a stranger must not set one weeks
	// away (the field allows 49.7 days). Default 10 minutes, five times the TTL Fluence's
	// tooling gives particles by default (120 s).
	MaxTTL time.Duration
}

// Defaults for Limits.
const (
	DefaultMaxScript    = 1 << 20
	DefaultMaxData      = 64 << 20
	DefaultMaxClockSkew = 60 * time.Second
	DefaultMaxTTL       = 10 * time.Minute
	packetOverhead      = 64 << 10
)

// Fixed limits on the small fields, far above any real value: a peer id is at most ~40 bytes,
// an ed25519 signature 64, a secp256k1 one ~72.
const (
	maxPeerIDLen    = 128
	maxSignatureLen = 512
)

// WithDefaults returns l with every unset field set to its default.
func (l Limits) WithDefaults() Limits {
	if l.MaxScript <= 0 {
		l.MaxScript = DefaultMaxScript
	}
	if l.MaxData <= 0 {
		l.MaxData = DefaultMaxData
	}
	if l.MaxPacket <= 0 {
		l.MaxPacket = l.MaxScript + l.MaxData + packetOverhead
	}
	if l.MaxClockSkew <= 0 {
		l.MaxClockSkew = DefaultMaxClockSkew
	}
	if l.MaxTTL <= 0 {
		l.MaxTTL = DefaultMaxTTL
	}
	return l
}

// Validate decides whether a peer whose clock reads now accepts p. It checks, cheapest first:
// the fields are well formed (ErrMalformed), the script and data are within limits
// (ErrTooLarge), the hop count is within max hops (ErrTooManyHops), the TTL within MaxTTL
// (ErrTTLTooLong), the particle has not expired
// (ErrExpired: timestamp + ttl <= now) and is not from the future (ErrFromFuture: timestamp >
// now + MaxClockSkew), the script is UTF-8 (ErrMalformed), and last the signature
// (ErrBadSignature). The error is an *Error naming the first problem found.
func Validate(p *Particle, now time.Time, limits Limits) error {
	lim := limits.WithDefaults()
	switch {
	case p.ID == "":
		return newError(ErrMalformed, "id is empty")
	case len(p.ID) > MaxIDLen:
		return newError(ErrMalformed, "id is %d bytes, limit %d", len(p.ID), MaxIDLen)
	case !utf8.ValidString(p.ID):
		return newError(ErrMalformed, "id is not valid UTF-8")
	case p.InitPeerID == "":
		return newError(ErrMalformed, "init peer id is empty")
	case len(p.InitPeerID) > maxPeerIDLen:
		return newError(ErrMalformed, "init peer id is %d bytes, limit %d", len(p.InitPeerID), maxPeerIDLen)
	case p.Script == "":
		return newError(ErrMalformed, "script is empty")
	case len(p.Signature) > maxSignatureLen:
		return newError(ErrMalformed, "signature is %d bytes, limit %d", len(p.Signature), maxSignatureLen)
	case len(p.Script) > lim.MaxScript:
		return newError(ErrTooLarge, "script is %d bytes, limit %d", len(p.Script), lim.MaxScript)
	case len(p.Data) > lim.MaxData:
		return newError(ErrTooLarge, "data is %d bytes, limit %d", len(p.Data), lim.MaxData)
	case len(p.Certificate) > MaxCertificateLen:
		return newError(ErrTooLarge, "certificate is %d bytes, limit %d", len(p.Certificate), MaxCertificateLen)
	case p.HopCount > p.MaxHops:
		return newError(ErrTooManyHops, "hop count %d is over max hops %d", p.HopCount, p.MaxHops)
	case time.Duration(p.TTL)*time.Millisecond > lim.MaxTTL:
		return newError(ErrTTLTooLong, "ttl %v is over this peer's limit of %v", time.Duration(p.TTL)*time.Millisecond, lim.MaxTTL)
	}

	nowMs := now.UnixMilli()
	if nowMs < 0 {
		nowMs = 0
	}
	if deadline := p.Deadline(); deadline <= uint64(nowMs) {
		return newError(ErrExpired, "deadline %d (timestamp %d + ttl %d ms) is %v before now (%d)",
			deadline, p.Timestamp, p.TTL, msDuration(uint64(nowMs)-deadline), nowMs)
	}
	if skew := uint64(lim.MaxClockSkew.Milliseconds()); p.Timestamp > uint64(nowMs)+skew {
		return newError(ErrFromFuture, "timestamp %d is %v ahead of now (%d), more than the allowed skew of %v",
			p.Timestamp, msDuration(p.Timestamp-uint64(nowMs)), nowMs, lim.MaxClockSkew)
	}
	if !utf8.ValidString(p.Script) {
		return newError(ErrMalformed, "script is not valid UTF-8")
	}
	return p.Verify()
}

// msDuration converts milliseconds to a Duration for messages, saturating far in the future.
func msDuration(ms uint64) time.Duration {
	const maxMs = uint64(1<<63-1) / uint64(time.Millisecond)
	if ms > maxMs {
		ms = maxMs
	}
	return time.Duration(ms) * time.Millisecond
}
