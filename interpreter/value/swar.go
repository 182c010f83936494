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
// character; with ascii, also whether none is 0x80 or above.
func plainWord(w uint64, ascii bool) bool {
	if (w-0x20*ones)&^w&highs != 0 { // a byte below 0x20
		return false
	}
	if hasZero(w^('"'*ones)) || hasZero(w^('\\'*ones)) {
		return false
	}
	return !ascii || w&highs == 0
}

// skipPlain returns the first index at or after i, in steps of eight, from which the bytes of b
// may need attention.
func skipPlain(b []byte, i int, ascii bool) int {
	for i+8 <= len(b) && plainWord(binary.LittleEndian.Uint64(b[i:]), ascii) {
		i += 8
	}
	return i
}

func skipPlainString(s string, i int) int {
	for i+8 <= len(s) {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if !plainWord(w, false) {
			break
		}
		i += 8
	}
	return i
}
