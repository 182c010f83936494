package trustsvc

import (
	"github.com/mr-tron/base58"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/trust"
)

// shape is a result's fields beyond {success, error}, with the values a failed result gives
// them (the defaults of Fluence's service).
type shape struct {
	keys  []string
	empty []value.Value
}

// The shapes of the trust-graph functions' results.
var (
	statusOnly        = shape{}
	bytesResult       = shape{[]string{"result"}, []value.Value{value.Array()}}
	trustResult       = shape{[]string{"trust"}, []value.Value{value.Null()}}
	weightResult      = shape{[]string{"weight"}, []value.Value{value.Uint(0)}}
	peerWeightResult  = shape{[]string{"peer_id", "weight"}, []value.Value{value.String(""), value.Uint(0)}}
	certsResult       = shape{[]string{"certificates"}, []value.Value{value.Array()}}
	revocationResult  = shape{[]string{"revocation"}, []value.Value{value.Null()}}
	revocationsResult = shape{[]string{"revocations"}, []value.Value{value.Array()}}
)

// with is a result saying err (a success if nil), with vals in the shape's fields.
func (sh shape) with(err error, vals ...value.Value) value.Value {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	return value.Object(append([]string{"error", "success"}, sh.keys...), append([]value.Value{value.String(msg), value.Bool(err == nil)}, vals...))
}

// ok is a successful result with vals in the shape's fields.
func (sh shape) ok(vals ...value.Value) value.Value { return sh.with(nil, vals...) }

// fail is a failed result saying err, with the shape's fields empty.
func (sh shape) fail(err error) value.Value { return sh.with(err, sh.empty...) }

// trustValue is a trust as Fluence's service shows it: {issued_for, expires_at, signature,
// sig_type, issued_at}, the signature in base58 without its format byte.
func trustValue(t trust.Trust) value.Value {
	return value.Object([]string{"expires_at", "issued_at", "issued_for", "sig_type", "signature"},
		[]value.Value{value.Uint(t.ExpiresAt), value.Uint(t.IssuedAt), value.String(t.IssuedFor.String()),
			value.String("ed25519"), value.String(base58.Encode(t.Signature))})
}

func certificateValue(c trust.Certificate) value.Value {
	chain := make([]value.Value, len(c.Chain))
	for i, t := range c.Chain {
		chain[i] = trustValue(t)
	}
	return value.Object([]string{"chain"}, []value.Value{value.Array(chain...)})
}

func revocationValue(r trust.Revocation) value.Value {
	return value.Object([]string{"revoked_at", "revoked_by", "revoked_peer_id", "sig_type", "signature"},
		[]value.Value{value.Uint(r.RevokedAt), value.String(r.RevokedBy.String()), value.String(r.Revoked.String()),
			value.String("ed25519"), value.String(base58.Encode(r.Signature))})
}
