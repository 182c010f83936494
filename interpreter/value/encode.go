package value

import (
	"math"
	"strconv"
)

// AppendJSON appends v's canonical JSON text to dst and returns the extended slice. The text is
// exactly what serde_json::to_string prints for the same serde_json::Value, because AquaVM's
// CIDs are blake3 over that text:
//
//   - compact: no whitespace at all;
//   - object fields in key order (bytewise, as stored);
//   - strings with '"' and '\\' escaped, \b \f \n \r \t in short form, the other bytes below
//     0x20 as \u00xx (lowercase hex), and everything else raw: '/', DEL, non-ASCII, U+2028;
//   - integers in decimal; floats as ryu prints them: shortest round-trip digits, "1.0" for
//     integral values, "-0.0", scientific notation from 1e16 up and below 1e-5 ("1e16",
//     "1.5e-7").
func (v Value) AppendJSON(dst []byte) []byte {
	switch v.kind {
	case KindBool:
		if v.n != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case KindNumber:
		switch v.form {
		case posInt:
			return strconv.AppendUint(dst, v.n, 10)
		case negInt:
			return strconv.AppendInt(dst, int64(v.n), 10)
		}
		return appendFloat(dst, math.Float64frombits(v.n))
	case KindString:
		return appendString(dst, v.s)
	case KindArray:
		dst = append(dst, '[')
		for i, e := range v.c.vals {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.AppendJSON(dst)
		}
		return append(dst, ']')
	case KindObject:
		dst = append(dst, '{')
		for i, k := range v.c.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = v.c.vals[i].AppendJSON(dst)
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

// String returns v's canonical JSON text, as [Value.AppendJSON] writes it.
func (v Value) String() string { return string(v.AppendJSON(nil)) }

// MarshalJSON returns v's canonical JSON text, as [Value.AppendJSON] writes it, so that a Value
// can sit inside structures given to encoding/json. Note that encoding/json re-escapes what a
// MarshalJSON returns ('<', '>', '&', U+2028 and U+2029 become \u escapes unless HTML escaping
// is turned off on an Encoder): for canonical bytes, to hash, use AppendJSON.
func (v Value) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil), nil }

const hexDigits = "0123456789abcdef"

// escapes maps each byte below 0x80 to its escape letter: 0 for none, 'u' for \u00xx.
var escapes = func() (t [0x80]byte) {
	for c := range 0x20 {
		t[c] = 'u'
	}
	t['\b'], t['\f'], t['\n'], t['\r'], t['\t'] = 'b', 'f', 'n', 'r', 't'
	t['"'], t['\\'] = '"', '\\'
	return t
}()

// appendString appends s quoted and escaped as serde_json's format_escaped_str does.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		if i = skipPlainString(s, i); i >= len(s) {
			break
		}
		c := s[i]
		if c >= 0x80 || escapes[c] == 0 {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch e := escapes[c]; e {
		case 'u':
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, '\\', e)
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
