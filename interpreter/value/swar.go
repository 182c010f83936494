package value

import "encoding/binary"

// Word-at-a-time scanning for the common case of long plain strings: a string's bytes are read
// eight at a time until a word holds a byte that needs attention (a quote, a backslash, a
// control character or, when parsing, a non-ASCII byte that must be validated).

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// hasZero reports whether a byte of w is zero.
func hasZero(w uint64) bool { return (w-ones)&^w&highs != 0 }

// plainWord reports whether none of the eight bytes of w is a quote, a backslash or a control
// character.
func plainWord(w uint64) bool {
	if (w-0x20*ones)&^w&highs != 0 { // a byte below 0x20
		return false
	}
	if hasZero(w^('"'*ones)) || hasZero(w^('\\'*ones)) {
		return false
	}
	return true
}

// asciiAttention has a byte's high bit set for each byte of w that is a quote, a backslash, a
// control character or 0x80 and above, and possibly for bytes above such a byte (the borrow of a
// subtraction): exact for "does any byte need attention", which is all its callers ask. Without
// the `&^ x` of hasZero: a byte of 0x80 and above is flagged by w itself.
func asciiAttention(w uint64) uint64 {
	return (w - 0x20*ones) | ((w ^ '"'*ones) - ones) | ((w ^ '\\'*ones) - ones) | w
}

// skipPlain returns the first index at or after i, in steps of eight, from which the bytes of b
// may need attention: a quote, a backslash, a control character or a byte of 0x80 and above.
// Long strings are read 32 bytes a turn, with one branch for the four words.
func skipPlain(b []byte, i int) int {
	for i+32 <= len(b) {
		c := b[i : i+32 : i+32]
		if (asciiAttention(binary.LittleEndian.Uint64(c))|asciiAttention(binary.LittleEndian.Uint64(c[8:]))|
			asciiAttention(binary.LittleEndian.Uint64(c[16:]))|asciiAttention(binary.LittleEndian.Uint64(c[24:])))&highs != 0 {
			break
		}
		i += 32
	}
	for i+8 <= len(b) && asciiAttention(binary.LittleEndian.Uint64(b[i:]))&highs == 0 {
		i += 8
	}
	return i
}

func skipPlainString(s string, i int) int {
	for i+8 <= len(s) {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if !plainWord(w) {
			break
		}
		i += 8
	}
	return i
}
