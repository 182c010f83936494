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
