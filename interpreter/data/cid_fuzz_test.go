package data

import (
	"strings"
	"testing"
)

// FuzzParseCID feeds arbitrary text to ParseCID. It must never panic; what it accepts is a CID
// whose text form is exactly the input (one text per CID, as the reference's strict base32
// decoder has it: no upper case, no line breaks, no stray bits in the last digit), and what it
// rejects it rejects with one of its errors, each naming the CID.
func FuzzParseCID(f *testing.F) {
	valid := CIDOf([]byte(`{"a":[1,2.5,"x"],"b":null}`)).String()
	f.Add(valid)
	f.Add(CIDOf([]byte(`[]`)).String())
	f.Add(strings.ToUpper(valid))
	f.Add("b" + strings.ToUpper(valid[1:]))
	f.Add(valid[:30] + "\n" + valid[30:])
	f.Add(valid[:len(valid)-1] + "b")
	f.Add(valid[:len(valid)-1])
	f.Add(valid + "a")
	f.Add("b")
	f.Add("")
	f.Add("bafkreigh2akiscaildc")
	f.Add("bſ" + valid[2:])
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCID(s)
		if err != nil {
			if c != (CID{}) {
				t.Fatalf("ParseCID(%q) failed (%v) but returned %s", s, err, c)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "CID ") || !knownCIDError(msg) {
				t.Fatalf("ParseCID(%q): error %q is not one of ParseCID's", s, msg)
			}
			return
		}
		if got := c.String(); got != s {
			t.Fatalf("ParseCID(%q) = %s, which prints differently: two texts name one CID", s, got)
		}
		if back, err := ParseCID(c.String()); err != nil || back != c {
			t.Fatalf("the text of %s does not parse back: %v, %v", c, back, err)
		}
		if text, _ := c.MarshalText(); string(text) != s {
			t.Fatalf("MarshalText of %s = %q", c, text)
		}
	})
}

// knownCIDError reports whether msg is one of ParseCID's errors.
func knownCIDError(msg string) bool {
	for _, m := range []string{
		"CID does not start with the base32 multibase prefix 'b'",
		"CID is not valid lower-case base32",
		"CID is not a CIDv1 with the JSON codec and a blake3-256 hash",
		"CID is not in its canonical text form",
	} {
		if msg == m {
			return true
		}
	}
	return false
}
