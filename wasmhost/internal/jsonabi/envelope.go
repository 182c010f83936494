package jsonabi

import (
	"fmt"

	"github.com/aquanet/aquanet/interpreter/value"
)

// envelope is a guest's answer to aquanet_call: {"ok": <value>} or {"error": "<message>"}.
type envelope struct {
	OK       value.Value
	Failed   bool   // an error envelope
	ErrorMsg string // when Failed
}

// parseEnvelope reads an envelope of at most MaxEnvelopeBytes. Anything but an object with
// exactly one field, "ok" with any value or "error" with a string, is an error: a guest that
// answers so is broken.
func parseEnvelope(data []byte) (envelope, error) {
	v, err := value.Parse(data, value.Limits{MaxBytes: MaxEnvelopeBytes})
	if err != nil {
		return envelope{}, fmt.Errorf("the result is not JSON: %w", err)
	}
	if v.Kind() != value.KindObject || v.Len() != 1 {
		return envelope{}, fmt.Errorf(`the result is %s, not {"ok": value} or {"error": message}`, describe(v))
	}
	switch key, field := v.Field(0); key {
	case "ok":
		return envelope{OK: field}, nil
	case "error":
		msg, ok := field.Str()
		if !ok {
			return envelope{}, fmt.Errorf(`the result's "error" is %s, not a string`, describe(field))
		}
		return envelope{Failed: true, ErrorMsg: msg}, nil
	default:
		return envelope{}, fmt.Errorf(`the result has field %q, not "ok" or "error"`, truncate(key, 32))
	}
}

// errorEnvelope is the text of an error envelope, for the answers the host gives a nested
// call itself.
func errorEnvelope(msg string) []byte {
	return value.Object([]string{"error"}, []value.Value{value.String(msg)}).AppendJSON(nil)
}
