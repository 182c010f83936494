package data

import (
	"encoding/base32"
	"errors"
	"strings"

	"github.com/zeebo/blake3"
	lukechampine "lukechampine.com/blake3"
)

// CID names a piece of data by its content, as the reference does: a CIDv1 with the JSON codec
// (0x0200) and a blake3-256 multihash, computed over the data's canonical JSON text. Every CID in
// AIR data has that same prefix, so only the 32-byte digest is kept; String gives the usual
// text form ("b" + base32), which is what the reference's JSON view shows.
type CID [32]byte

// cidPrefix is the binary CID's prefix: version 1, codec 0x0200 as a varint, blake3 (0x1e), 32 bytes.
var cidPrefix = [...]byte{0x01, 0x80, 0x04, 0x1e, 0x20}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// CIDOf returns the CID of canonical JSON text. Most CIDs are of texts of tens to hundreds of
// bytes, which github.com/zeebo/blake3 hashes in a third to a half of the time
// lukechampine.com/blake3 takes (whose SIMD paths need many chunks, and which starts goroutines
// from a few KiB up: 28 µs for 4 KiB against 3.4). From parallelHashFrom up, lukechampine's
// hashing on every core wins (a 10 MB result stored: 5.7 ms against 8.3); its goroutines end
// before it returns, so nothing of them outlives the call or reaches its result.
func CIDOf(canonicalJSON []byte) CID {
	if len(canonicalJSON) >= parallelHashFrom {
		return lukechampine.Sum256(canonicalJSON)
	}
	return blake3.Sum256(canonicalJSON)
}

// parallelHashFrom is the length from which CIDOf hashes on every core: there the two
// implementations take the same time on one.
const parallelHashFrom = 1 << 20

// String returns the CID in the reference's text form: "b" followed by the lower-case base32 of
// the binary CID.
func (c CID) String() string {
	var buf [cidTextLen]byte
	return string(c.AppendText(buf[:0]))
}

// cidTextLen is the length of a CID's text form: "b" and 59 base32 digits for 37 bytes.
const cidTextLen = 1 + (8*(len(cidPrefix)+32)+4)/5

// cidTextSharedLen is how much of its text every CID shares: "b" and the eight digits of the
// five-byte prefix.
const cidTextSharedLen = 1 + len(cidPrefix)*8/5

const lowerBase32 = "abcdefghijklmnopqrstuvwxyz234567"

// AppendText appends the text form of c to dst without allocating: CIDs are written into every
// hashed structure that refers to another, so this is on the interpreter's hot path. It takes
// five bytes at a time, eight digits.
func (c CID) AppendText(dst []byte) []byte {
	var raw [40]byte // the binary CID (37 bytes), zero-padded to whole groups of five
	copy(raw[:], cidPrefix[:])
	copy(raw[len(cidPrefix):], c[:])
	var out [1 + len(raw)/5*8]byte // the digits of the padding too, left out below
	out[0] = 'b'
	for i, o := 0, 1; i < len(raw); i, o = i+5, o+8 {
		v := uint64(raw[i])<<32 | uint64(raw[i+1])<<24 | uint64(raw[i+2])<<16 | uint64(raw[i+3])<<8 | uint64(raw[i+4])
		for k := range 8 {
			out[o+k] = lowerBase32[(v>>(35-5*k))&31]
		}
	}
	return append(dst, out[:cidTextLen]...)
}

// ParseCID reads the text form of a CID, accepting only CIDs of the kind AIR data uses, and
// only in the one text String gives: as the reference's strict decoder, it refuses upper case,
// line breaks (which encoding/base32 would skip) and a last digit with stray bits set, so that
// no two texts name one CID.
func ParseCID(s string) (CID, error) {
	var c CID
	if !strings.HasPrefix(s, "b") {
		return c, errors.New("CID does not start with the base32 multibase prefix 'b'")
	}
	if strings.IndexFunc(s[1:], func(r rune) bool { return !strings.ContainsRune(lowerBase32, r) }) >= 0 {
		return c, errors.New("CID is not valid lower-case base32")
	}
	raw, err := b32.DecodeString(strings.ToUpper(s[1:]))
	if err != nil {
		return c, errors.New("CID is not valid lower-case base32")
	}
	if len(raw) != len(cidPrefix)+32 || string(raw[:len(cidPrefix)]) != string(cidPrefix[:]) {
		return c, errors.New("CID is not a CIDv1 with the JSON codec and a blake3-256 hash")
	}
	copy(c[:], raw[len(cidPrefix):])
	if c.String() != s {
		return CID{}, errors.New("CID is not in its canonical text form")
	}
	return c, nil
}

// MarshalText implements encoding.TextMarshaler, so CIDs render as text in JSON views.
func (c CID) MarshalText() ([]byte, error) { return []byte(c.String()), nil }
