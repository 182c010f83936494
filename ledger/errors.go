package ledger

import (
	"errors"
	"fmt"
)

// The reasons a transaction is rejected for: CheckTx's and ApplyBlock's verdicts, stable
// strings a node may count in its metrics.
const (
	ReasonMalformed         = "malformed"          // a field out of its bounds or form
	ReasonUnknownKind       = "unknown-kind"       // a kind this ledger does not know
	ReasonBadSignature      = "bad-signature"      // not signed by its sender
	ReasonBadNonce          = "bad-nonce"          // not the sender's next nonce (a replay, or one too early)
	ReasonInsufficientFunds = "insufficient-funds" // the sender's balance is short
	ReasonOverflow          = "overflow"           // price×calls, or a credit, past 2^64−1
	ReasonNotOwner          = "not-owner"          // a perimeter or a price that belongs to another
	ReasonNoPrice           = "no-price"           // a pay for a service without a price
	ReasonNameTaken         = "name-taken"         // a name registered by another
	ReasonBadRevocation     = "bad-revocation"     // a revocation whose signature or time fails
)

// Reasons lists every rejection reason, in a fixed order.
var Reasons = []string{
	ReasonMalformed, ReasonUnknownKind, ReasonBadSignature, ReasonBadNonce, ReasonInsufficientFunds,
	ReasonOverflow, ReasonNotOwner, ReasonNoPrice, ReasonNameTaken, ReasonBadRevocation,
}

// Rejection is why a transaction (or its encoding) was refused: Reason is one of Reasons, Err
// says what exactly, for people. Rejections are deterministic: every replica rejects the same
// transaction with the same Reason and the same text.
type Rejection struct {
	Reason string
	Err    error
}

var _ error = (*Rejection)(nil)

func (r *Rejection) Error() string { return r.Reason + ": " + r.Err.Error() }
func (r *Rejection) Unwrap() error { return r.Err }

// ReasonOf is the reason of the Rejection in err's chain, or "" when err is not one (a nil
// err, or a failure of the store).
func ReasonOf(err error) string {
	var r *Rejection
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

func reject(reason, format string, args ...any) error {
	return &Rejection{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// malformed is a decoding error: a Rejection "malformed" naming what.
func malformed(what, format string, args ...any) error {
	return &Rejection{Reason: ReasonMalformed, Err: fmt.Errorf("%s: %s", what, fmt.Sprintf(format, args...))}
}
