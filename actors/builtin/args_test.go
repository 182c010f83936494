package builtin

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mr-tron/base58"

	"github.com/aquanet/aquanet/interpreter/value"
)

// An argument of the wrong type is shown in the error as far as MaxExcerpt bytes, with its
// length, cut at a character's start; a short one whole, as nox shows it.
func TestWrongTypeShowsAnExcerpt(t *testing.T) {
	if got, want := WrongType("x", "u64", value.String("short")).Error(),
		`Error: Error deserializing field 'x': expected u64, got "short"`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	// "é" is two bytes: the cut falls inside one for odd offsets.
	for _, big := range []string{strings.Repeat("a", 1<<20), strings.Repeat("é", 1<<19)} {
		v := value.String(big)
		msg := WrongType("x", "u64", v).Error()
		if len(msg) > MaxExcerpt+100 {
			t.Fatalf("the error of a %d-byte argument is %d bytes", len(v.String()), len(msg))
		}
		if !utf8.ValidString(msg) {
			t.Fatalf("the error is not UTF-8: it cut a character: %q", msg[len(msg)-40:])
		}
		if want := "(" + strconv.Itoa(len(v.String())) + " bytes)"; !strings.HasSuffix(msg, want) {
			t.Fatalf("the error %q… does not end with the argument's length %q", msg[:60], want)
		}
	}
}

// A base58 argument longer than its bytes could encode to is refused before it is decoded (the
// decoding is quadratic: 4 MB of it took minutes); one that fits decodes; bad characters say so.
func TestB58ArgIsBoundedBeforeDecoding(t *testing.T) {
	long := value.String(strings.Repeat("z", 140))
	if _, err := B58Arg([]value.Value{long}, 0, "tx", 100); err == nil || !strings.Contains(err.Error(), "tx: 140 characters of base58, at most 139 (100 bytes)") {
		t.Fatalf("140 characters for 100 bytes: %v", err)
	}
	full := value.String(base58.Encode(bytes.Repeat([]byte{0xff}, 100)))
	if b, err := B58Arg([]value.Value{full}, 0, "tx", 100); err != nil || len(b) != 100 {
		t.Fatalf("100 bytes of 0xff: %d bytes, %v", len(b), err)
	}
	if _, err := B58Arg([]value.Value{value.String("0OIl")}, 0, "tx", 100); err == nil || !strings.Contains(err.Error(), "tx: not base58") {
		t.Fatalf("bad characters: %v", err)
	}
}
