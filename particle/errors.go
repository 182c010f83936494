package particle

import (
	"errors"
	"fmt"
)

// The kinds of rejection. Every error Decode, Validate and Verify return wraps exactly one of
// them, so callers sort rejections with errors.Is and count them by Reason.
var (
	// ErrMalformed: the bytes or fields do not form a particle (bad encoding, missing or
	// out-of-range field, invalid UTF-8, an init peer id without a public key).
	ErrMalformed = errors.New("malformed")
	// ErrUnsupportedVersion: the encoding starts with a format version this build cannot read.
	ErrUnsupportedVersion = errors.New("unsupported format version")
	// ErrTooLarge: the packet, script or data is over its limit.
	ErrTooLarge = errors.New("too large")
	// ErrExpired: timestamp + ttl is not after now.
	ErrExpired = errors.New("expired")
	// ErrFromFuture: the timestamp is later than now plus the allowed clock skew.
	ErrFromFuture = errors.New("from the future")
	// ErrTooManyHops: the hop count is over the initiator's max hops.
	ErrTooManyHops = errors.New("too many hops")
	// ErrTTLTooLong: the time to live is over the peer's Limits.MaxTTL.
	ErrTTLTooLong = errors.New("ttl too long")
	// ErrBadSignature: the signature is missing or is not the init peer's over the signed fields.
	ErrBadSignature = errors.New("bad signature")
)

var kinds = []struct {
	err    error
	reason string
}{
	{ErrMalformed, "malformed"},
	{ErrUnsupportedVersion, "unsupported_version"},
	{ErrTooLarge, "too_large"},
	{ErrExpired, "expired"},
	{ErrFromFuture, "from_future"},
	{ErrTooManyHops, "too_many_hops"},
	{ErrTTLTooLong, "ttl_too_long"},
	{ErrBadSignature, "bad_signature"},
}

// Reason returns a short, stable label for the kind of err ("malformed", "too_large", "expired",
// "from_future", "too_many_hops", "ttl_too_long", "bad_signature", "unsupported_version"), suitable for a metric
// label, or "other" when err is none of this package's kinds.
func Reason(err error) string {
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.reason
		}
	}
	return "other"
}

// Error is a rejection with its kind and what exactly was wrong.
type Error struct {
	Kind error // one of the Err* values of this package
	Msg  string
}

var _ error = (*Error)(nil)

func (e *Error) Error() string { return fmt.Sprintf("particle: %v: %s", e.Kind, e.Msg) }

// Unwrap returns the kind, so errors.Is(err, ErrExpired) works.
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}
