package ledger

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/trust"
)

// testKey is the key named name, the same in every run.
func testKey(name string) trust.Signer {
	seed := sha256.Sum256([]byte("ledger test key " + name))
	return trust.Signer(ed25519.NewKeyFromSeed(seed[:]))
}

// longestPerimeter is a perimeter at every bound: the longest transaction there is.
func longestPerimeter(dev trust.PublicKey) *SetPerimeter {
	id := func(c string, i int) string {
		s := fmt.Sprintf("%s%d-", c, i)
		return s + strings.Repeat("x", MaxIDLen-len(s))
	}
	p := &SetPerimeter{AppID: id("app", 0), Developer: dev}
	for i := range MaxPerimeterServices {
		p.Services = append(p.Services, PerimeterService{ServiceRef{id("p", i), id("s", i)}, Policy(i % 3)})
	}
	for i := range MaxPerimeterPeers {
		p.Peers = append(p.Peers, id("peer", i))
	}
	return p
}

// sampleTxs are signed transactions of every kind, the longest among them.
func sampleTxs() []Tx {
	alice, bob := testKey("alice"), testKey("bob")
	rev := trust.IssueRevocation(bob, alice.Public(), 1000)
	bodies := []Body{
		&Transfer{To: bob.Public(), Amount: 42},
		&Transfer{To: alice.Public(), Amount: ^uint64(0)},
		&SetPerimeter{AppID: "chat", Developer: alice.Public(),
			Services: []PerimeterService{{ServiceRef{"12D3KooWpeer", "history"}, PolicyPerimeter}, {ServiceRef{"12D3KooWpeer", "user-list"}, PolicyOwner}},
			Peers:    []string{"12D3KooWpeer", "12D3KooWother"}},
		&SetPerimeter{AppID: "empty", Developer: alice.Public()},
		longestPerimeter(alice.Public()),
		&RegisterName{Name: "chat.example", Target: Target{IsKey: true, Key: sha256.Sum256([]byte("k"))}},
		&RegisterName{Name: "relay-1", Target: Target{Peer: bob.Public().String()}},
		&PublishRevocation{Revocation: rev},
		&SetPrice{ServiceRef: ServiceRef{"p", "s"}, Price: 7},
		&Pay{ServiceRef: ServiceRef{"p", "s"}, Calls: 3},
	}
	var txs []Tx
	for i, b := range bodies {
		txs = append(txs, SignTx(alice, "c", Tx{Nonce: uint64(i), Body: b}))
	}
	return txs
}

func TestTxRoundTrip(t *testing.T) {
	for _, tx := range sampleTxs() {
		enc, err := EncodeTx(tx)
		if err != nil {
			t.Fatalf("%s: %v", tx.Body.Kind(), err)
		}
		got, err := DecodeTx(enc)
		if err != nil {
			t.Fatalf("%s: decoding its encoding: %v", tx.Body.Kind(), err)
		}
		if !reflect.DeepEqual(got, tx) {
			t.Fatalf("%s: decoded %+v, want %+v", tx.Body.Kind(), got, tx)
		}
		if err := got.Verify("c"); err != nil {
			t.Fatalf("%s: decoded tx does not verify: %v", tx.Body.Kind(), err)
		}
		if got.Hash() != sha256.Sum256(enc) {
			t.Fatalf("%s: Hash is not the SHA-256 of the encoding", tx.Body.Kind())
		}
	}
}

// The longest transaction the field bounds allow fits MaxTxSize; MaxTxSize is not much more.
func TestLongestTxFits(t *testing.T) {
	enc, err := EncodeTx(SignTx(testKey("a"), "c", Tx{Body: longestPerimeter(testKey("a").Public())}))
	if err != nil {
		t.Fatal(err)
	}
	if len(enc) > MaxTxSize || len(enc) < MaxTxSize*3/4 {
		t.Fatalf("the longest tx is %d bytes, MaxTxSize %d", len(enc), MaxTxSize)
	}
}

// Any byte of a signed transaction changed: it no longer decodes, or no longer verifies.
func TestTxTamper(t *testing.T) {
	for _, tx := range sampleTxs() {
		enc, _ := EncodeTx(tx)
		if len(enc) > 1000 {
			continue // the longest: the others cover every field
		}
		for i := range enc {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				bad := bytes.Clone(enc)
				bad[i] ^= x
				got, err := DecodeTx(bad)
				if err == nil {
					err = got.Verify("c")
				}
				if err == nil {
					t.Fatalf("%s: byte %d ^ %#x still decodes and verifies", tx.Body.Kind(), i, x)
				}
			}
		}
	}
}

func TestTxSignatureIsDomainSeparated(t *testing.T) {
	alice := testKey("alice")
	tx := Tx{Sender: alice.Public(), Body: &Transfer{Amount: 1}}
	// A signature over the bare encoding (no prefix) is not a transaction's.
	tx.Signature = ed25519.Sign(ed25519.PrivateKey(alice), appendUnsigned(nil, tx))
	if ReasonOf(tx.Verify("c")) != ReasonBadSignature {
		t.Fatalf("a signature without the prefix verified")
	}
	// Signed by one key, sent as another's.
	tx = SignTx(alice, "c", tx)
	tx.Sender = testKey("bob").Public()
	if ReasonOf(tx.Verify("c")) != ReasonBadSignature {
		t.Fatalf("alice's signature verified as bob's")
	}
}

func TestDecodeTxErrors(t *testing.T) {
	alice := testKey("alice")
	good, _ := EncodeTx(SignTx(alice, "c", Tx{Body: &SetPrice{ServiceRef: ServiceRef{"p", "s"}, Price: 1}}))
	hdr := good[:41] // version, sender, nonce
	sig := good[len(good)-64:]
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		name, reason, want string
		in                 []byte
	}{
		{"empty", ReasonMalformed, "version: 0 bytes left", nil},
		{"version", ReasonMalformed, "version: 2, want 1", cat([]byte{2}, good[1:])},
		{"trailing", ReasonMalformed, "signature: 65 bytes left", cat(good, []byte{0})},
		{"short signature", ReasonMalformed, "signature: 63 bytes left", good[:len(good)-1]},
		{"unknown kind", ReasonUnknownKind, "kind 9", cat(hdr, []byte{9}, sig)},
		{"kind 0", ReasonUnknownKind, "kind 0", cat(hdr, []byte{0}, sig)},
		{"empty string", ReasonMalformed, "set_price peer: 0 bytes", cat(hdr, []byte{5, 0, 1, 's'}, make([]byte, 8), sig)},
		{"long string", ReasonMalformed, "set_price peer: 65 bytes", cat(hdr, []byte{5, 65}, make([]byte, 65), []byte{1, 's'}, make([]byte, 8), sig)},
		{"name case", ReasonMalformed, `byte 0 is 'A'`, cat(hdr, []byte{3, 2, 'A', 'b', 2, 1, 'p'}, sig)},
		{"target kind", ReasonMalformed, "register_name target kind: 3", cat(hdr, []byte{3, 1, 'a', 3}, sig)},
		{"services count", ReasonMalformed, "set_perimeter services: 257, at most 256", cat(hdr, []byte{2, 1, 'a'}, make([]byte, 32), []byte{1, 1}, sig)},
		{"services past the end", ReasonMalformed, "set_perimeter services: 100, at most 256 (and 64 bytes left)", cat(hdr, []byte{2, 1, 'a'}, make([]byte, 32), []byte{100, 0}, sig)},
		{"policy", ReasonMalformed, "service 0: unknown policy 3", cat(hdr, []byte{2, 1, 'a'}, make([]byte, 32), []byte{1, 0, 1, 'p', 1, 's', 3, 0, 0}, sig)},
		{"revocation length", ReasonMalformed, "revocation: 10 bytes", cat(hdr, []byte{4, 10}, make([]byte, 10), sig)},
		{"too long", ReasonMalformed, "transaction: 65537 bytes", make([]byte, MaxTxSize+1)},
	}
	for _, c := range cases {
		_, err := DecodeTx(c.in)
		if err == nil || ReasonOf(err) != c.reason || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %s containing %q", c.name, err, c.reason, c.want)
		}
	}
}

func TestValidateRefusesDuplicates(t *testing.T) {
	p := &SetPerimeter{AppID: "a", Peers: []string{"x", "x"}}
	if err := (Tx{Body: p}).Validate(); ReasonOf(err) != ReasonMalformed || !strings.Contains(err.Error(), "x twice") {
		t.Errorf("duplicate peers: %v", err)
	}
	s := PerimeterService{ServiceRef{"p", "s"}, PolicyPublic}
	p = &SetPerimeter{AppID: "a", Services: []PerimeterService{s, s}}
	if err := (Tx{Body: p}).Validate(); ReasonOf(err) != ReasonMalformed {
		t.Errorf("duplicate services: %v", err)
	}
	if _, err := EncodeTx(Tx{Body: p}); err == nil {
		t.Errorf("EncodeTx encoded a perimeter with duplicate services")
	}
}

func TestBlockRoundTrip(t *testing.T) {
	for _, b := range []Block{{Height: 1, Time: 100}, {Height: 7, Time: ^uint64(0), Txs: sampleTxs()}} {
		enc, err := EncodeBlock(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeBlock(enc)
		if err != nil {
			t.Fatalf("block %d: %v", b.Height, err)
		}
		if !reflect.DeepEqual(got, b) || got.Hash() != b.Hash() {
			t.Fatalf("block %d decoded differently", b.Height)
		}
	}
	a, b := Block{Height: 1, Time: 5}, Block{Height: 1, Time: 6}
	if a.Hash() == b.Hash() {
		t.Fatal("blocks at different times hash alike")
	}
}

func TestDecodeBlockErrors(t *testing.T) {
	one, _ := EncodeBlock(Block{Height: 1, Time: 2, Txs: sampleTxs()[:1]})
	cases := []struct {
		name, want string
		in         []byte
	}{
		{"empty", "block version", nil},
		{"trailing", "1 bytes after the last transaction", append(bytes.Clone(one), 0)},
		{"count past the bytes", "block count: 2 transactions", func() []byte {
			b := bytes.Clone(one)
			b[17] = 2
			return b
		}()},
		{"count huge", "block count: 4294967295", func() []byte {
			b := bytes.Clone(one)
			copy(b[17:21], []byte{0xff, 0xff, 0xff, 0xff})
			return b
		}()},
		{"a bad tx", "block transaction 0: malformed: version", func() []byte {
			b := bytes.Clone(one)
			b[21+4] = 9
			return b
		}()},
	}
	for _, c := range cases {
		if _, err := DecodeBlock(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
	}
}
