package trust

// Tests of the bounds of the text forms (each is the longest valid encoding; anything longer is
// refused, naming what was too long, before it is decoded) and of the revocation's binary form.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// longestTrust is a trust whose text form is as long as any: the largest key and signature
// (all bits set; base58 spells greater numbers no shorter) and times of 20 digits. It is not
// signed: the parsers do not verify.
func longestTrust() Trust {
	var k PublicKey
	for i := range k {
		k[i] = 0xff
	}
	return Trust{IssuedFor: k, Signature: bytes.Repeat([]byte{0xff}, 64), ExpiresAt: ^uint64(0), IssuedAt: ^uint64(0)}
}

// The bounds are the lengths of the longest encodings, computed here from the encoded sizes.
func TestTextBoundsAreTheLongestEncodings(t *testing.T) {
	longest := longestTrust()
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"key line", maxKeyB58Len, len(b58(longest.IssuedFor.Encode()))},
		{"signature line", maxSignatureB58Len, len(b58(encodeSignature(longest.Signature)))},
		{"time line", maxSecondsLen, len(strconv.FormatUint(^uint64(0), 10))},
		{"peer id of the largest key", MaxPeerIDLen, len(longest.IssuedFor.String())},
		{"peer id of the smallest key", MaxPeerIDLen, len(PublicKey{}.String())},
		{"trust text with its last newline", MaxTrustTextLen, len(longest.String() + "\n")},
		{"certificate header, format", len(certFormatText), len(b58(certFormat))},
		{"certificate header, version", len(certVersionText), len(b58(certVersion))},
	} {
		if c.got != c.want {
			t.Errorf("%s: bound %d, the longest encoding is %d", c.what, c.got, c.want)
		}
	}
	if certFormatText != b58(certFormat) || certVersionText != b58(certVersion) {
		t.Errorf("header lines %q %q, want %q %q", certFormatText, certVersionText, b58(certFormat), b58(certVersion))
	}
	// Real keys and signatures stay within the bounds too.
	for _, tr := range seedTrusts() {
		if l := tr.lines(); len(l[0]) > maxKeyB58Len || len(l[1]) > maxSignatureB58Len {
			t.Errorf("a real trust's lines are %d and %d long", len(l[0]), len(l[1]))
		}
	}
}

// A text of exactly the maximum size parses, and round-trips.
func TestLongestTextsParse(t *testing.T) {
	longest := longestTrust()
	text := longest.String() + "\n"
	if len(text) != MaxTrustTextLen {
		t.Fatalf("the longest trust's text is %d bytes, want %d", len(text), MaxTrustTextLen)
	}
	got, err := ParseTrust(text)
	if err != nil || !reflect.DeepEqual(got, longest) {
		t.Fatalf("ParseTrust of the longest trust: %+v, %v; want %+v", got, err, longest)
	}

	c := Certificate{Chain: slices.Repeat([]Trust{longest}, MaxChain)}
	text = c.String()
	if len(text) != MaxCertificateTextLen {
		t.Fatalf("the longest certificate's text is %d bytes, want %d", len(text), MaxCertificateTextLen)
	}
	back, err := ParseCertificate(text)
	if err != nil || !reflect.DeepEqual(back, c) {
		t.Fatalf("ParseCertificate of the longest certificate: %v", err)
	}

	// A signed certificate of MaxChain trusts round-trips and still verifies.
	signed := seedCerts(t)[2]
	if len(signed.Chain) != MaxChain {
		t.Fatalf("the seed certificate has %d trusts, want %d", len(signed.Chain), MaxChain)
	}
	back, err = ParseCertificate(signed.String())
	if err != nil || !reflect.DeepEqual(back, signed) {
		t.Fatalf("ParseCertificate of a signed certificate of %d trusts: %v", MaxChain, err)
	}
	if err := back.Verify([]PublicKey{back.Chain[0].IssuedFor}, 100, 0); err != nil {
		t.Fatal(err)
	}
}

// Each oversize text, whole or one line, is refused with ErrTooLong and the name of what was
// too long.
func TestOversizeTextRefused(t *testing.T) {
	l := longestTrust().lines()
	trust := func(i int, line string) string {
		m := slices.Clone(l)
		m[i] = line
		return strings.Join(m, "\n")
	}
	cert := Certificate{Chain: slices.Repeat([]Trust{longestTrust()}, MaxChain)}.String()
	// The line cases change lines of a real certificate, shorter than the longest: the whole
	// stays within its bound, and the long line is found.
	certLines := strings.Split(seedCerts(t)[2].String(), "\n")
	certWith := func(lines map[int]string) string {
		m := slices.Clone(certLines)
		for i, line := range lines {
			m[i] = line
		}
		return strings.Join(m, "\n")
	}
	parseTrust := func(s string) error { _, err := ParseTrust(s); return err }
	parseCert := func(s string) error { _, err := ParseCertificate(s); return err }
	parsePeer := func(s string) error { _, err := ParsePeer(s); return err }
	for _, c := range []struct {
		name  string
		parse func(string) error
		in    string
		want  string
	}{
		{"peer id", parsePeer, testKey("alice").Public().String() + "2", "peer id: too long: 53 bytes, at most 52"},
		{"trust text", parseTrust, longestTrust().String() + "\n\n", "trust: text: too long: 179 bytes, at most 178"},
		{"trust key line", parseTrust, trust(0, "2"+l[0]), "trust: issued_for: too long: 46 bytes, at most 45"},
		{"trust signature line", parseTrust, trust(1, "2"+l[1]), "trust: signature: too long: 90 bytes, at most 89"},
		{"trust expires_at", parseTrust, trust(2, "0"+l[2]), "trust: expires_at: too long: 21 bytes, at most 20"},
		{"trust issued_at", parseTrust, trust(3, "0"+l[3]), "trust: issued_at: too long: 21 bytes, at most 20"},
		{"certificate text", parseCert, cert + "\n", "certificate: text: too long: 3035 bytes, at most 3034"},
		{"certificate key line", parseCert, certWith(map[int]string{2 + 4*16: strings.Repeat("2", 46)}), "certificate: trust 16: trust: issued_for: too long: 46 bytes, at most 45"},
		{"certificate signature line", parseCert, certWith(map[int]string{3 + 4*1: strings.Repeat("2", 90)}), "certificate: trust 1: trust: signature: too long: 90 bytes, at most 89"},
		{"certificate time line", parseCert, certWith(map[int]string{5: strings.Repeat("1", 21)}), "certificate: trust 0: trust: issued_at: too long: 21 bytes, at most 20"},
		// Every line's length is checked before any is decoded: trust 0's bad base58 is not
		// reached.
		{"certificate, lengths first", parseCert, certWith(map[int]string{2: "0OIl", 2 + 4*1: strings.Repeat("2", 46)}), "certificate: trust 1: trust: issued_for: too long: 46 bytes, at most 45"},
	} {
		err := c.parse(c.in)
		if !errors.Is(err, ErrTooLong) || err.Error() != c.want {
			t.Errorf("%s: %v, want %q (ErrTooLong)", c.name, err, c.want)
		}
	}
	// At the bounds, the same lines parse: zeros before a number are allowed up to 20 digits.
	if tr, err := ParseTrust(trust(2, "00000000000000000007")); err != nil || tr.ExpiresAt != 7 {
		t.Errorf("a time of 20 digits: %+v, %v", tr, err)
	}
}

// A megabyte line is refused without being decoded: base58 decoding it would allocate about
// its size (and take seconds); the refusal allocates only its error, a few small objects (the
// wrapped errors, their text and the boxed lengths).
func TestMegabyteLineRefusedUnread(t *testing.T) {
	line := strings.Repeat("2", 1<<20)
	trust := line + "\n2\n1\n1"
	cert := "11\n1111\n" + line + strings.Repeat("\n1", 7)
	newlines := strings.Repeat("\n", 1<<20) // split, a line header each: 16 MB
	for _, c := range []struct {
		name  string
		parse func() error
	}{
		{"ParsePeer", func() error { _, err := ParsePeer(line); return err }},
		{"ParseTrust", func() error { _, err := ParseTrust(trust); return err }},
		{"ParseCertificate", func() error { _, err := ParseCertificate(cert); return err }},
		{"ParseTrust of newlines", func() error { _, err := ParseTrust(newlines); return err }},
		{"ParseCertificate of newlines", func() error { _, err := ParseCertificate(newlines); return err }},
		{"unb58", func() error { _, err := unb58(line, "line", maxKeyB58Len); return err }},
	} {
		if err := c.parse(); !errors.Is(err, ErrTooLong) {
			t.Errorf("%s: %v, want ErrTooLong", c.name, err)
			continue
		}
		if n := testing.AllocsPerRun(10, func() { _ = c.parse() }); n > 8 {
			t.Errorf("%s: %v allocations per refusal, want at most 8", c.name, n)
		}
		if b := allocated(func() { _ = c.parse() }); b > 1024 {
			t.Errorf("%s: %d bytes allocated to refuse a line of %d", c.name, b, len(line))
		}
	}
}

// The revocation's binary form is the documented layout, round-trips a real revocation, which
// still verifies, and says which field is wrong.
func TestRevocationForm(t *testing.T) {
	r := IssueRevocation(testKey("alice"), testKey("bob").Public(), 100)
	b := r.Encode()
	if len(b) != EncodedRevocationLen {
		t.Fatalf("%d bytes, want %d", len(b), EncodedRevocationLen)
	}
	want := []byte{33}
	want = append(append(want, r.Revoked.Encode()...), 33)
	want = append(append(want, r.RevokedBy.Encode()...), 65, 0)
	want = binary.LittleEndian.AppendUint64(append(want, r.Signature...), 100)
	if !bytes.Equal(b, want) {
		t.Fatalf("encoded %x, want %x", b, want)
	}
	d, err := DecodeRevocation(b)
	if err != nil || !reflect.DeepEqual(d, r) {
		t.Fatalf("decoded %+v, %v; want %+v", d, err, r)
	}
	if err := d.Verify(100, 0); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(10, func() { _, _ = DecodeRevocation(b) }); n != 1 {
		t.Errorf("decoding allocates %v times, want once (the signature)", n)
	}
	with := func(i int, v byte) []byte {
		c := slices.Clone(b)
		c[i] = v
		return c
	}
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{b[:len(b)-1], "revocation: 7 bytes for revoked_at, want 8"},
		{append(slices.Clone(b), 0), "revocation: 9 bytes for revoked_at, want 8"},
		{b[:34], "revocation: revoked_by: 0 bytes left, too few"},
		{b[:69], "revocation: signature: 1 bytes left, too few"},
		{nil, "revocation: revoked: 0 bytes left, too few"},
		{with(0, 255), "revocation: revoked: 142 bytes left, too few"},
		{with(1, 1), "revocation: revoked: public key: format 1, want 0 (Ed25519; RSA and secp256k1 keys are not supported)"},
		{with(35, 2), "revocation: revoked_by: public key: format 2, want 0 (Ed25519; RSA and secp256k1 keys are not supported)"},
		{with(69, 1), "revocation: signature: format 1, want 0 (Ed25519)"},
	} {
		if _, err := DecodeRevocation(c.in); err == nil || err.Error() != c.want {
			t.Errorf("%x: %v, want %q", c.in, err, c.want)
		}
	}
}
