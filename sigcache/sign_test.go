package sigcache

import (
	"bytes"
	"crypto/ed25519"
	"math/rand/v2"
	"testing"
)

// Sign gives crypto/ed25519.Sign's bytes, for keys and messages of every length class: the
// signatures a node made before stay the ones it makes.
func TestSignIsTheStandardLibrarys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		var seed [ed25519.SeedSize]byte
		for j := range seed {
			seed[j] = byte(r.Uint32())
		}
		key := ed25519.NewKeyFromSeed(seed[:])
		msg := make([]byte, []int{0, 1, 31, 32, 64, 200, 4096}[i%7]+r.IntN(3))
		for j := range msg {
			msg[j] = byte(r.Uint32())
		}
		got, want := Sign(key, msg), ed25519.Sign(key, msg)
		if !bytes.Equal(got, want) {
			t.Fatalf("key seed %x, message %x: Sign = %x, crypto/ed25519 = %x", seed, msg, got, want)
		}
	}
}

// What a cache signed it verifies from memory, and only those bytes: the same signature over
// another message is checked afresh, and fails.
func TestSignedIsRemembered(t *testing.T) {
	c := New(16)
	pub, priv := keyPair(3)
	msg := []byte("a run's CIDs")
	sig := c.Sign(priv, msg)
	if !c.Verify(pub, msg, sig) || c.Hits() != 1 || c.Verified() != 0 {
		t.Fatalf("its own signature: hits %d, verified %d; want 1 and 0", c.Hits(), c.Verified())
	}
	if c.Verify(pub, []byte("another run's CIDs"), sig) || c.Verified() != 1 {
		t.Fatalf("the signature over another message verified, or from memory (verified %d)", c.Verified())
	}
	if c.Signs() != 1 {
		t.Fatalf("signs %d, want 1", c.Signs())
	}
}

// A private key whose public half is not its seed's signs what does not verify under that
// half; Sign must not remember such a signature as verified.
func TestSignWithHalvesThatDisagree(t *testing.T) {
	c := New(16)
	_, priv := keyPair(4)
	other, _ := keyPair(5)
	bad := append(append(ed25519.PrivateKey{}, priv[:ed25519.SeedSize]...), other...)
	msg := []byte("m")
	for range 2 { // the second time the key's check is remembered
		sig := c.Sign(bad, msg)
		if want := ed25519.Verify(other, msg, sig); c.Verify(other, msg, sig) != want || c.Hits() != 0 {
			t.Fatalf("Verify of a signature by a key whose halves disagree: hits %d; crypto/ed25519 says %v", c.Hits(), want)
		}
	}
}

func TestSignPanicsOnAShortKey(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Sign with a 10-byte key did not panic")
		}
	}()
	Sign(make([]byte, 10), []byte("m"))
}

func BenchmarkSign(b *testing.B) {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	msg := bytes.Repeat([]byte("m"), 200)
	b.Run("sigcache", func(b *testing.B) {
		for b.Loop() {
			Sign(key, msg)
		}
	})
	b.Run("crypto-ed25519", func(b *testing.B) {
		for b.Loop() {
			ed25519.Sign(key, msg)
		}
	})
}
