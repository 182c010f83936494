package data

import (
	"encoding/base32"
	"errors"
	"slices"
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

// CIDOf returns the CID of canonical JSON text. Two implementations of blake3 share the work,
// by what each hashes fastest (go test ./interpreter/data -bench Blake3): lukechampine.com/blake3
// a text of one chunk (1,024 bytes) at most, as most CIDs are (tens to hundreds of bytes: 94 ns
// for 20 bytes and 330 ns for 234 against zeebo's 118 and 409); github.com/zeebo/blake3 texts of
// a few chunks to a megabyte, where its SIMD over many chunks wins and lukechampine starts
// goroutines (4 KiB: 2.5 µs against 11.6); lukechampine again from parallelHashFrom up, hashing on
// every core (a 10 MB result stored: 5.7 ms against 8.3). Its goroutines end before it returns,
// so nothing of them outlives the call or reaches its result.
func CIDOf(canonicalJSON []byte) CID {
	if n := len(canonicalJSON); n <= chunkLen || n >= parallelHashFrom {
		return lukechampine.Sum256(canonicalJSON)
	}
	return blake3.Sum256(canonicalJSON)
}

// chunkLen is the length of a blake3 chunk: a text of one chunk at most is hashed without a
// tree.
const chunkLen = 1024

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
// hashed structure that refers to another (three to each service result, one more to the
// signature's message), so this is on the interpreter's hot path. The prefix's digits are
// always the same; the 32 bytes of the hash go ten bits, two digits, per look-up: six groups of
// five bytes and the last two bytes, padded.
func (c CID) AppendText(dst []byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, cidTextLen)[:n+cidTextLen]
	out := (*[cidTextLen]byte)(dst[n:])
	copy(out[:], cidTextShared)
	for g := range 6 {
		b := (*[5]byte)(c[5*g:])
		v := uint64(b[0])<<32 | uint64(b[1])<<24 | uint64(b[2])<<16 | uint64(b[3])<<8 | uint64(b[4])
		o := (*[8]byte)(out[cidTextSharedLen+8*g:])
		putDigitPair(o[0:2], v>>30)
		putDigitPair(o[2:4], v>>20)
		putDigitPair(o[4:6], v>>10)
		putDigitPair(o[6:8], v)
	}
	v := uint64(c[30])<<12 | uint64(c[31])<<4 // 16 bits, padded to 20
	o := (*[4]byte)(out[cidTextSharedLen+48:])
	putDigitPair(o[0:2], v>>10)
	putDigitPair(o[2:4], v)
	return dst
}

// putDigitPair writes the two base32 digits of v's low ten bits.
func putDigitPair(o []byte, v uint64) {
	p := &base32Pairs[v&1023]
	o[0], o[1] = p[0], p[1]
}

// base32Pairs holds the two digits of every ten-bit number.
var base32Pairs = func() (t [1024][2]byte) {
	for v := range t {
		t[v] = [2]byte{lowerBase32[v>>5], lowerBase32[v&31]}
	}
	return t
}()

// cidTextShared is the text every CID starts with: "b" and the digits of the prefix.
var cidTextShared = func() string {
	var raw [40]byte
	copy(raw[:], cidPrefix[:])
	return "b" + strings.ToLower(b32.EncodeToString(raw[:]))[:cidTextSharedLen-1]
}()

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
