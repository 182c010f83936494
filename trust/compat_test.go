package trust

// Compatibility with Fluence's trust-graph, against what its own tooling produced. The vectors
// come from github.com/fluencelabs/trust-graph at commit e2d93adb1e7e8530b5ff378d617844ae5a9ac096
// (the mirror's HEAD); see testdata/fluence/README.md for each file's origin. None of Fluence's
// Rust or JS tests signs with a fixed key and asserts bytes (they all use
// KeyPair::generate_ed25519), and none of its files holds a revocation, so the revocation's
// signed bytes are checked against a hand-computed example instead.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mr-tron/base58"
)

// fluenceCerts is the shape of distro/init_certs.json: the certificates Fluence's nodes start
// with, in the service's DTO form (service/src/dto.rs), not the text or binary form.
type fluenceCerts struct {
	RootNode       string `json:"root_node"`
	MaxChainLength int    `json:"max_chain_length"`
	Certs          []struct {
		Chain []fluenceTrust `json:"chain"`
	} `json:"certs"`
}

// fluenceTrust is a trust in the DTO form: issued_for a peer id, the signature base58 of its
// raw bytes (no format byte), the key format named apart in sig_type.
type fluenceTrust struct {
	IssuedFor string `json:"issued_for"`
	ExpiresAt uint64 `json:"expires_at"`
	IssuedAt  uint64 `json:"issued_at"`
	Signature string `json:"signature"`
	SigType   string `json:"sig_type"`
}

// trust converts the DTO as the service's TryFrom<dto::Trust> does.
func (f fluenceTrust) trust() (Trust, error) {
	if f.SigType != "ed25519" {
		return Trust{}, errors.New("sig_type " + f.SigType + ", want ed25519")
	}
	k, err := ParsePeer(f.IssuedFor)
	if err != nil {
		return Trust{}, err
	}
	sig, err := base58.Decode(f.Signature)
	if err != nil {
		return Trust{}, err
	}
	return Trust{IssuedFor: k, ExpiresAt: f.ExpiresAt, IssuedAt: f.IssuedAt, Signature: sig}, nil
}

// Times of every trust in init_certs.json: issued 2023-01-26, expired 2025-01-25.
const (
	krasIssued  = 1674756468
	krasExpires = 1737828468
	krasNow     = 1700000000 // 2023-11-14, inside the window
)

func loadFluenceCerts(t *testing.T) (root PublicKey, maxChain int, certs []Certificate) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "fluence", "init_certs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fluenceCerts
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if root, err = ParsePeer(f.RootNode); err != nil {
		t.Fatal(err)
	}
	for i, c := range f.Certs {
		var cert Certificate
		for j, ft := range c.Chain {
			tr, err := ft.trust()
			if err != nil {
				t.Fatalf("cert %d trust %d: %v", i, j, err)
			}
			cert.Chain = append(cert.Chain, tr)
		}
		certs = append(certs, cert)
	}
	return root, f.MaxChainLength, certs
}

// Every certificate Fluence's nodes were shipped with verifies here, from its root, while it
// was valid; and not once it has expired, nor under another root, nor with a field changed.
func TestFluenceInitCertsVerify(t *testing.T) {
	root, _, certs := loadFluenceCerts(t)
	if len(certs) != 12 {
		t.Fatalf("%d certificates in init_certs.json, want 12", len(certs))
	}
	for i, c := range certs {
		if err := c.Verify([]PublicKey{root}, krasNow, 0); err != nil {
			t.Errorf("cert %d: %v", i, err)
		}
		if err := c.Verify([]PublicKey{root}, krasExpires+1, 0); !errors.Is(err, ErrExpired) {
			t.Errorf("cert %d a second after it expired: %v, want %v", i, err, ErrExpired)
		}
		if err := c.Verify([]PublicKey{testKey("dev").Public()}, krasNow, 0); err == nil {
			t.Errorf("cert %d verified under a root that is not its own", i)
		}
		last := len(c.Chain) - 1
		c.Chain[last].IssuedAt++ // the signature covers issued_at
		if err := c.Verify([]PublicKey{root}, krasNow, 0); !errors.Is(err, ErrBadSignature) {
			t.Errorf("cert %d with issued_at changed: %v, want %v", i, err, ErrBadSignature)
		}
	}
}

// A node configured as Fluence's (root_node with max_chain_length 5, the certificates
// inserted) weighs the root 2^5 and each hop half the one before.
func TestFluenceInitCertsWeights(t *testing.T) {
	root, maxChain, certs := loadFluenceCerts(t)
	g := New(Config{}, NoStore{})
	if err := g.SetRoot(root, maxChain); err != nil {
		t.Fatal(err)
	}
	for i, c := range certs {
		if err := g.InsertCertificate(c, krasNow); err != nil {
			t.Fatalf("cert %d: %v", i, err)
		}
	}
	want := map[string]uint32{
		"12D3KooWNbZKaPWRZ8wgjGvrxdJFz9Fq5uVwkR6ERV1f74HhPdyB": 32, // the root
		"12D3KooWD2vAZva1u3TQgoxebBUBsaGMNawKjVkp57M6UcwNwXNv": 16, // one hop
		"12D3KooWM45u7AQxsb4MuQJNYT3NWHHMLU7JTbBV66RTfF3KSzdR": 16,
		"12D3KooWSD5PToNiLQwKDXsu8JSysCwUt8BVUJEqCHcDe7P5h45e": 8, // two hops, through M45u…
		"12D3KooWD7CvsYcpF9HE9CCV9aY3SJ317tkXVykjtZnht2EbzDPm": 8,
	}
	for id, w := range want {
		k, err := ParsePeer(id)
		if err != nil {
			t.Fatal(err)
		}
		if got := g.Weight(k, krasNow); got != w {
			t.Errorf("weight of %s: %d, want %d", id, got, w)
		}
		if got := g.Weight(k, krasExpires+1); got != 0 && id != "12D3KooWNbZKaPWRZ8wgjGvrxdJFz9Fq5uVwkR6ERV1f74HhPdyB" {
			t.Errorf("weight of %s once every trust expired: %d, want 0", id, got)
		}
	}
}

// The text form of one of those certificates (written out by String, Fluence's Display for
// Certificate) is kept in testdata; it parses to the same certificate, verifies, and prints
// back byte for byte. Its binary form decodes back to it too.
func TestFluenceCertTextForm(t *testing.T) {
	root, _, certs := loadFluenceCerts(t)
	text, err := os.ReadFile(filepath.Join("testdata", "fluence", "kras_cert_1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(text), "\n")
	if lines[0] != "11" || lines[1] != "1111" || lines[2] != b58(root.Encode()) {
		t.Fatalf("kras_cert_1.txt starts %q, want format 11, version 1111, the root's key", lines[:3])
	}
	c, err := ParseCertificate(string(text))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, certs[1]) {
		t.Fatalf("kras_cert_1.txt parses to\n%v\nwant cert 1 of init_certs.json\n%v", c, certs[1])
	}
	if err := c.Verify([]PublicKey{root}, krasNow, 0); err != nil {
		t.Fatal(err)
	}
	if got := c.String(); got != string(text) {
		t.Errorf("String:\n%s\nwant the file:\n%s", got, text)
	}
	d, err := DecodeCertificate(c.Encode())
	if err != nil || !reflect.DeepEqual(d, c) {
		t.Errorf("binary round trip: %v, %v", d, err)
	}
}

// example_secret_key.ed25519 is the secret key of the peer cert 0 is issued for (Fluence's
// example/index.ts signs its trusts with it). A trust it signs here extends Fluence's
// certificate into one that verifies: our signatures chain onto theirs.
func TestFluenceExampleKeyExtends(t *testing.T) {
	root, _, certs := loadFluenceCerts(t)
	seed, err := os.ReadFile(filepath.Join("testdata", "fluence", "example_secret_key.ed25519"))
	if err != nil {
		t.Fatal(err)
	}
	sk, err := base58.Decode(strings.TrimSpace(string(seed)))
	if err != nil || len(sk) != ed25519.SeedSize {
		t.Fatalf("example_secret_key.ed25519: %d bytes, %v; want a base58 seed of 32", len(sk), err)
	}
	example := Signer(ed25519.NewKeyFromSeed(sk))
	if example.Public() != certs[0].Chain[1].IssuedFor {
		t.Fatalf("the example key is %s, want the peer cert 0 is for, %s", example.Public(), certs[0].Chain[1].IssuedFor)
	}
	c, err := certs[0].Extend(example, testKey("carol").Public(), krasExpires, krasNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Verify([]PublicKey{root}, krasNow+1, 0); err != nil {
		t.Fatal(err)
	}
}

// Trust's binary form and signed bytes, field by field, on trust 1 of cert 0 (the root's trust
// in 12D3KooWD2vA…). The preimage is written out by hand; its digest is checked with the
// standard library against the root's signature, which Fluence's tooling made.
func TestFluenceTrustLayout(t *testing.T) {
	root, _, certs := loadFluenceCerts(t)
	tr := certs[0].Chain[1]
	const (
		key     = "2fca35a68b45adf28b6687cbbd0fd6b62d4a922c4d7f3272d657d31f3ce400ef" // 12D3KooWD2vA…'s Ed25519 key
		sig     = "5af0fe45aec75da0fa78386dd17b45f85b87fd4e8f04e76ce47673ea05d65af9b5e72c8bdbb3cb1a2cf687cd1e25987d43037c5286023e820db7784ed4d0380f"
		expires = "7428956700000000" // 1737828468 = 0x67952874, u64 LE
		issued  = "74c1d26300000000" // 1674756468 = 0x63d2c174, u64 LE
	)
	preimage := unhex(t, "00"+key+expires+issued) // format byte 0 (Ed25519) ‖ key ‖ expires_at ‖ issued_at
	digest := sha256.Sum256(preimage)
	if got := TrustBytes(tr.IssuedFor, tr.ExpiresAt, tr.IssuedAt); !bytes.Equal(got, digest[:]) {
		t.Errorf("TrustBytes = %x, want SHA-256 of the preimage, %x", got, digest)
	}
	if !ed25519.Verify(root[:], digest[:], unhex(t, sig)) {
		t.Errorf("the root's signature does not verify over the hand-made preimage's digest")
	}
	const wantDigest = "8d3103780319ede33af2404edd0deafa72c12f06b51231b5faa74eb822d00aa2" // sha256sum of the preimage
	if hex.EncodeToString(digest[:]) != wantDigest {
		t.Errorf("digest %x, want %s", digest, wantDigest)
	}

	// Binary (Trust::encode): 0x21 = 33, the key encoded; 0x41 = 65, the signature encoded;
	// expires_at; issued_at.
	enc := unhex(t, "21"+"00"+key+"41"+"00"+sig+expires+issued)
	if got := tr.Encode(); !bytes.Equal(got, enc) {
		t.Errorf("Encode:\n%x\nwant\n%x", got, enc)
	}
	if len(enc) != EncodedTrustLen {
		t.Errorf("%d bytes, EncodedTrustLen is %d", len(enc), EncodedTrustLen)
	}
	if d, err := DecodeTrust(enc); err != nil || !reflect.DeepEqual(d, tr) {
		t.Errorf("DecodeTrust: %v, %v", d, err)
	}

	// Certificate (Certificate::encode): format 00 00, version 00 00 00 00, 2 trusts, each
	// after its length 0x74 = 116.
	self := certs[0].Chain[0].Encode()
	cert := append(append(append(unhex(t, "0000"+"00000000"+"02"+"74"), self...), 0x74), enc...)
	if got := certs[0].Encode(); !bytes.Equal(got, cert) {
		t.Errorf("certificate Encode:\n%x\nwant\n%x", got, cert)
	}
}

// No file of Fluence's holds a revocation, so its signed bytes are checked on a hand-computed
// example: revoking 12D3KooWD2vA… at 1674756468.
func TestRevocationBytesLayout(t *testing.T) {
	_, _, certs := loadFluenceCerts(t)
	revoked := certs[0].Chain[1].IssuedFor
	// len u8 (0x21 = 33) ‖ format byte 0 ‖ key ‖ revoked_at u64 LE. Unlike a trust's, the key
	// is preceded by its length (Revocation::signature_bytes).
	preimage := unhex(t, "21"+"00"+"2fca35a68b45adf28b6687cbbd0fd6b62d4a922c4d7f3272d657d31f3ce400ef"+"74c1d26300000000")
	const want = "a661ee346f19a7f71c51f3d67444a679d99ca969d60a24121a5c4f4ecbea3946" // sha256sum of the preimage
	if d := sha256.Sum256(preimage); hex.EncodeToString(d[:]) != want {
		t.Fatalf("digest of the preimage %x, want %s", d, want)
	}
	if got := RevocationBytes(revoked, krasIssued); hex.EncodeToString(got) != want {
		t.Errorf("RevocationBytes = %x, want %s", got, want)
	}
	by := testKey("dev")
	r := IssueRevocation(by, revoked, krasIssued)
	pub := by.Public()
	if !ed25519.Verify(pub[:], unhex(t, want), r.Signature) {
		t.Errorf("the revocation's signature is not over the hand-computed digest")
	}
}

// Trust-graph-js's 2020 test certificate (js/src/__test__/client.spec.ts, commit e6177b44) is
// of the format before fluence-keypair: keys without their format byte, times in milliseconds.
// It is refused, saying which field is wrong, not misread.
func TestFluenceJS2020CertRefused(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("testdata", "fluence", "js_2020_cert.txt"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParseCertificate(string(text))
	if err == nil || !strings.Contains(err.Error(), "trust 0: trust: issued_for") {
		t.Fatalf("ParseCertificate: %v, want an error about trust 0's issued_for", err)
	}
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
