package data

import (
	"encoding/base32"
	"errors"
	"strings"

	"lukechampine.com/blake3"
)

// CID names a piece of data by its content, as the reference does: a CIDv1 with the JSON codec
// (0x0200) and a blake3-256 multihash, computed over the data's canonical JSON text. Every CID in
// AIR data has that same prefix, so only the 32-byte digest is kept; String gives the usual
// text form ("b" + base32), which is what the reference's JSON view shows.
type CID [32]byte

// cidPrefix is the binary CID's prefix: version 1, codec 0x0200 as a varint, blake3 (0x1e), 32 bytes.
var cidPrefix = [...]byte{0x01, 0x80, 0x04, 0x1e, 0x20}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// CIDOf returns the CID of canonical JSON text.
func CIDOf(canonicalJSON []byte) CID { return blake3.Sum256(canonicalJSON) }

// String returns the CID in the reference's text form: "b" followed by the lower-case base32 of
// the binary CID.
func (c CID) String() string {
	var buf [len(cidPrefix) + 32]byte
	copy(buf[:], cidPrefix[:])
	copy(buf[len(cidPrefix):], c[:])
	return "b" + strings.ToLower(b32.EncodeToString(buf[:]))
}

// ParseCID reads the text form of a CID, accepting only CIDs of the kind AIR data uses.
func ParseCID(s string) (CID, error) {
	var c CID
	if !strings.HasPrefix(s, "b") {
		return c, errors.New("CID does not start with the base32 multibase prefix 'b'")
	}
	raw, err := b32.DecodeString(strings.ToUpper(s[1:]))
	if err != nil {
		return c, errors.New("CID is not valid base32")
	}
	if len(raw) != len(cidPrefix)+32 || string(raw[:len(cidPrefix)]) != string(cidPrefix[:]) {
		return c, errors.New("CID is not a CIDv1 with the JSON codec and a blake3-256 hash")
	}
	copy(c[:], raw[len(cidPrefix):])
	return c, nil
}

// MarshalText implements encoding.TextMarshaler, so CIDs render as text in JSON views.
func (c CID) MarshalText() ([]byte, error) { return []byte(c.String()), nil }
