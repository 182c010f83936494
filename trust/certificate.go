package trust

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Certificate is a chain of trusts: the first is a root's trust in itself (self-signed), and
// each next one is signed by the peer the one before it was issued for. The last is issued for
// the peer the certificate is about.
type Certificate struct {
	Chain []Trust
}

// Fluence's certificate format and version, the first 6 bytes of the binary form and the first
// two lines of the text form (base58).
var (
	certFormat  = []byte{0, 0}
	certVersion = []byte{0, 0, 0, 0}
)

// certFormatText and certVersionText are the base58 of certFormat and certVersion, the first
// two lines of a certificate's text form. Base58 spells a byte string one way only, so the
// parser compares the lines with them rather than decoding them.
const (
	certFormatText  = "11"
	certVersionText = "1111"
)

// MaxChain bounds a certificate's chain: a root and 16 hops, the most a weight of Fluence's
// formula counts (2^(16−k)).
const MaxChain = 17

// IssueRoot makes a certificate of root's trust in itself followed by its trust in issuedFor.
func IssueRoot(root Signer, issuedFor PublicKey, expiresAt, issuedAt uint64) Certificate {
	self := IssueTrust(root, root.Public(), expiresAt, issuedAt)
	return Certificate{Chain: []Trust{self, IssueTrust(root, issuedFor, expiresAt, issuedAt)}}
}

// Extend makes the certificate of by's trust in issuedFor, by taking c up to by (by must be
// the peer some trust of c is issued for) and appending the new trust.
func (c Certificate) Extend(by Signer, issuedFor PublicKey, expiresAt, issuedAt uint64) (Certificate, error) {
	at := slices.IndexFunc(c.Chain, func(t Trust) bool { return t.IssuedFor == by.Public() })
	if at < 0 {
		return Certificate{}, fmt.Errorf("the certificate has no trust issued for %s, who would sign the next", by.Public())
	}
	if at+2 > MaxChain {
		return Certificate{}, fmt.Errorf("a chain of %d trusts is longer than the limit of %d", at+2, MaxChain)
	}
	chain := append(slices.Clone(c.Chain[:at+1]), IssueTrust(by, issuedFor, expiresAt, issuedAt))
	return Certificate{Chain: chain}, nil
}

// Verify checks the chain: the first trust is its root's own, signed by itself, and the root is
// one of roots; every trust is signed by the peer the one before it is for, none has expired at
// now, none was issued after now + skew.
func (c Certificate) Verify(roots []PublicKey, now, skew uint64) error {
	if len(c.Chain) < 2 || len(c.Chain) > MaxChain {
		return fmt.Errorf("certificate: %d trusts, want 2 to %d", len(c.Chain), MaxChain)
	}
	root := c.Chain[0]
	if err := root.Verify(root.IssuedFor, now, skew); err != nil {
		return fmt.Errorf("certificate: its root trust: %w", err)
	}
	if !slices.Contains(roots, root.IssuedFor) {
		return fmt.Errorf("certificate: its root %s is not a trusted root", root.IssuedFor)
	}
	for i := 1; i < len(c.Chain); i++ {
		if err := c.Chain[i].Verify(c.Chain[i-1].IssuedFor, now, skew); err != nil {
			return fmt.Errorf("certificate: trust %d: %w", i, err)
		}
	}
	return nil
}

// Encode is the certificate's binary form, as Fluence's (Certificate::encode): format ‖ version
// ‖ count u8 ‖ (len u8 ‖ trust encoded) per trust.
func (c Certificate) Encode() []byte {
	b := append(slices.Clone(certFormat), certVersion...)
	b = append(b, byte(len(c.Chain)))
	for _, t := range c.Chain {
		e := t.Encode()
		b = append(append(b, byte(len(e))), e...)
	}
	return b
}

// DecodeCertificate reads a certificate as Encode writes it: 2 to MaxChain trusts, nothing
// after them. The format and version bytes are Fluence's only ones (zeros).
func DecodeCertificate(b []byte) (Certificate, error) {
	head := len(certFormat) + len(certVersion)
	if len(b) < head+1 {
		return Certificate{}, fmt.Errorf("certificate: %d bytes, too few for its header", len(b))
	}
	if !slices.Equal(b[:2], certFormat) || !slices.Equal(b[2:head], certVersion) {
		return Certificate{}, fmt.Errorf("certificate: format %v version %v, want zeros", b[:2], b[2:head])
	}
	n := int(b[head])
	if n < 2 || n > MaxChain {
		return Certificate{}, fmt.Errorf("certificate: %d trusts, want 2 to %d", n, MaxChain)
	}
	b = b[head+1:]
	c := Certificate{Chain: make([]Trust, 0, n)}
	for i := range n {
		if len(b) < 1 || len(b) < 1+int(b[0]) {
			return Certificate{}, fmt.Errorf("certificate: trust %d: %d bytes left, too few", i, len(b))
		}
		t, err := DecodeTrust(b[1 : 1+int(b[0])])
		if err != nil {
			return Certificate{}, fmt.Errorf("certificate: trust %d: %w", i, err)
		}
		c.Chain = append(c.Chain, t)
		b = b[1+int(b[0]):]
	}
	if len(b) != 0 {
		return Certificate{}, fmt.Errorf("certificate: %d bytes after its %d trusts", len(b), n)
	}
	return c, nil
}

// String is the certificate's text form, as Fluence's (Display for Certificate): base58 of the
// format, base58 of the version, then four lines per trust, each line ended by a newline.
func (c Certificate) String() string {
	var s strings.Builder
	s.WriteString(certFormatText + "\n" + certVersionText + "\n")
	for _, t := range c.Chain {
		for _, l := range t.lines() {
			s.WriteString(l + "\n")
		}
	}
	return s.String()
}

// MaxCertificateTextLen is the length of the longest text form of a certificate: its two
// header lines and MaxChain trusts of four lines at their longest (see MaxTrustTextLen), each
// line ended by a newline. String writes no longer text for a chain of at most MaxChain.
const MaxCertificateTextLen = len(certFormatText+"\n"+certVersionText+"\n") + MaxChain*MaxTrustTextLen

// ParseCertificate reads a certificate's text form (the last newline may be missing; blank
// lines are not allowed). A text longer than MaxCertificateTextLen, or a line longer than it
// can be, is refused before anything is decoded (ErrTooLong).
func ParseCertificate(s string) (Certificate, error) {
	if len(s) > MaxCertificateTextLen {
		return Certificate{}, fmt.Errorf("certificate: %w", tooLong("text", len(s), MaxCertificateTextLen))
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) < 2+4*2 || (len(lines)-2)%4 != 0 {
		return Certificate{}, fmt.Errorf("certificate: %d lines, want 2 and then 4 per trust, at least 2 trusts", len(lines))
	}
	if (len(lines)-2)/4 > MaxChain {
		return Certificate{}, fmt.Errorf("certificate: %d trusts, more than %d", (len(lines)-2)/4, MaxChain)
	}
	if lines[0] != certFormatText || lines[1] != certVersionText {
		return Certificate{}, errors.New("certificate: the first two lines are not Fluence's format and version")
	}
	// Every line's length first, then the decoding.
	for i := 2; i < len(lines); i += 4 {
		if err := checkTrustLines(lines[i : i+4]); err != nil {
			return Certificate{}, fmt.Errorf("certificate: trust %d: %w", (i-2)/4, err)
		}
	}
	c := Certificate{Chain: make([]Trust, 0, (len(lines)-2)/4)}
	for i := 2; i < len(lines); i += 4 {
		t, err := parseTrustLines(lines[i : i+4])
		if err != nil {
			return Certificate{}, fmt.Errorf("certificate: trust %d: %w", (i-2)/4, err)
		}
		c.Chain = append(c.Chain, t)
	}
	return c, nil
}
