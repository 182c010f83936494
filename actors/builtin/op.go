package builtin

import (
	"crypto/sha256"
	"unicode/utf8"

	"github.com/mr-tron/base58"
	"github.com/multiformats/go-multihash"

	"github.com/aquanet/aquanet/interpreter/value"
)

// The op service, as nox implements it (fluencelabs/nox, particle-builtins/src/builtins.rs,
// the ("op", …) arms and the functions they call). A function that returns nothing in nox
// (noop, identity without an argument) returns the empty string: nox turns an empty outcome
// into "" (aquamarine/src/particle_functions.rs).
//
// One deliberate difference: nox's sha256_string has, since a dependency update in July 2023
// (nox commit 76365a0), wrapped the string's bytes in a multihash without hashing them (and
// failed for strings over 64 bytes). We return the SHA-256 the Aqua library documents and nox
// returned before that change.
func init() {
	register("op", map[string]Func{
		"noop":            func([]value.Value) (value.Value, error) { return empty, nil },
		"identity":        identity,
		"array":           func(args []value.Value) (value.Value, error) { return value.Array(args...), nil },
		"array_length":    arrayLength,
		"concat":          concat,
		"concat_strings":  concatStrings,
		"string_to_b58":   stringToB58,
		"string_from_b58": stringFromB58,
		"bytes_to_b58":    bytesToB58,
		"bytes_from_b58":  bytesFromB58,
		"sha256_string":   sha256String,
	})
}

// empty is the result of a function that returns nothing.
var empty = value.String("")

func identity(args []value.Value) (value.Value, error) {
	switch len(args) {
	case 0:
		return empty, nil
	case 1:
		return args[0], nil
	}
	return value.Value{}, errorf("identity accepts up to 1 arguments, received %d arguments", len(args))
}

func arrayLength(args []value.Value) (value.Value, error) {
	if len(args) != 1 {
		return value.Value{}, errorf("op array_length accepts exactly 1 argument: %d found", len(args))
	}
	if args[0].Kind() != value.KindArray {
		return value.Value{}, errorf("op array_length's argument must be an array")
	}
	return value.Uint(uint64(args[0].Len())), nil
}

func concat(args []value.Value) (value.Value, error) {
	var all []value.Value
	for i, a := range args {
		if a.Kind() != value.KindArray {
			return value.Value{}, errorf("all arguments of 'concat' must be arrays: argument #%d is not", i)
		}
		for j := range a.Len() {
			all = append(all, a.Index(j))
		}
	}
	return value.Array(all...), nil
}

func concatStrings(args []value.Value) (value.Value, error) {
	var b []byte
	for i, a := range args {
		s, ok := a.Str()
		if !ok {
			return value.Value{}, errorf("all arguments of 'concat_strings' must be strings: argument #%d is not", i)
		}
		b = append(b, s...)
	}
	return value.String(string(b)), nil
}

func stringToB58(args []value.Value) (value.Value, error) {
	s, err := StringArg(args, 0, "string")
	if err != nil {
		return value.Value{}, err
	}
	return value.String(base58.Encode([]byte(s))), nil
}

func decodeB58(s string) ([]byte, error) {
	if s == "" {
		return []byte{}, nil // nox's bs58 decodes nothing to nothing; mr-tron's refuses it
	}
	b, err := base58.Decode(s)
	if err != nil {
		return nil, errorf("Error: decode base58 failed: %v", err)
	}
	return b, nil
}

func stringFromB58(args []value.Value) (value.Value, error) {
	s, err := StringArg(args, 0, "b58_string")
	if err != nil {
		return value.Value{}, err
	}
	b, err := decodeB58(s)
	if err != nil {
		return value.Value{}, err
	}
	if !utf8.Valid(b) {
		return value.Value{}, errorf("Error: decode from bytes to UTF8 failed: invalid utf-8 sequence from index %d", firstInvalidUTF8(b))
	}
	return value.String(string(b)), nil
}

func bytesToB58(args []value.Value) (value.Value, error) {
	b, err := BytesArg(args, 0, "bytes")
	if err != nil {
		return value.Value{}, err
	}
	return value.String(base58.Encode(b)), nil
}

func bytesFromB58(args []value.Value) (value.Value, error) {
	s, err := StringArg(args, 0, "b58_string")
	if err != nil {
		return value.Value{}, err
	}
	b, err := decodeB58(s)
	if err != nil {
		return value.Value{}, err
	}
	return BytesValue(b), nil
}

// sha256String: (string, digest_only?, as_bytes?) -> the SHA-256 of the string as a multihash
// (or the bare digest with digest_only), in base58 (or as a byte array with as_bytes).
func sha256String(args []value.Value) (value.Value, error) {
	s, err := StringArg(args, 0, "string")
	if err != nil {
		return value.Value{}, err
	}
	digestOnly, _, err := OptBoolArg(args, 1, "digest_only")
	if err != nil {
		return value.Value{}, err
	}
	asBytes, _, err := OptBoolArg(args, 2, "as_bytes")
	if err != nil {
		return value.Value{}, err
	}
	digest := sha256.Sum256([]byte(s))
	out := digest[:]
	if !digestOnly {
		mh, err := multihash.Encode(digest[:], multihash.SHA2_256)
		if err != nil { // cannot happen for a 32-byte digest
			return value.Value{}, errorf("Error: %v", err)
		}
		out = mh
	}
	if asBytes {
		return BytesValue(out), nil
	}
	return value.String(base58.Encode(out)), nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}
