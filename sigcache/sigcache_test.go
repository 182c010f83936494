package sigcache

import (
	"crypto/ed25519"
	"fmt"
	"testing"
)

func keyPair(seed byte) (ed25519.PublicKey, ed25519.PrivateKey) {
	s := make([]byte, ed25519.SeedSize)
	s[0] = seed
	priv := ed25519.NewKeyFromSeed(s)
	return priv.Public().(ed25519.PublicKey), priv
}

// A signature that verified is answered from memory; any changed byte of the key, the message
// or the signature misses the cache and is verified afresh (and fails).
func TestAChangedByteMisses(t *testing.T) {
	c := New(16)
	pub, priv := keyPair(1)
	msg := []byte("a particle's signing bytes")
	sig := ed25519.Sign(priv, msg)
	if !c.Verify(pub, msg, sig) || c.Hits() != 0 {
		t.Fatal("a valid signature did not verify, or came from memory the first time")
	}
	if !c.Verify(pub, msg, sig) || c.Hits() != 1 {
		t.Fatalf("the second check: hits %d, want 1", c.Hits())
	}
	flip := func(b []byte, i int) []byte {
		out := append([]byte(nil), b...)
		out[i] ^= 1
		return out
	}
	for i := range msg {
		if c.Verify(pub, flip(msg, i), sig) {
			t.Fatalf("message byte %d changed: verified", i)
		}
	}
	for i := range sig {
		if c.Verify(pub, msg, flip(sig, i)) {
			t.Fatalf("signature byte %d changed: verified", i)
		}
	}
	for i := range pub {
		if c.Verify(flip(pub, i), msg, sig) {
			t.Fatalf("key byte %d changed: verified", i)
		}
	}
	if c.Verify(pub[:31], msg, sig) || c.Verify(pub, msg, sig[:63]) || c.Verify(pub, append(msg, 0), sig) {
		t.Fatal("a shortened key or signature, or a longer message, verified")
	}
	if c.Hits() != 1 || c.Len() != 1 {
		t.Fatalf("hits %d, entries %d: failures must neither hit nor be kept", c.Hits(), c.Len())
	}
}

// The cache keeps at most its size, forgetting the oldest first; a forgotten signature still
// verifies, afresh.
func TestBounded(t *testing.T) {
	c := New(4)
	pub, priv := keyPair(2)
	var msgs [][]byte
	for i := range 10 {
		m := []byte{byte(i)}
		msgs = append(msgs, m)
		if !c.Verify(pub, m, ed25519.Sign(priv, m)) {
			t.Fatal("a valid signature did not verify")
		}
	}
	if c.Len() != 4 {
		t.Fatalf("%d entries, want 4", c.Len())
	}
	hits := c.Hits()
	if !c.Verify(pub, msgs[9], ed25519.Sign(priv, msgs[9])) || c.Hits() != hits+1 {
		t.Fatal("the newest was forgotten")
	}
	if !c.Verify(pub, msgs[0], ed25519.Sign(priv, msgs[0])) || c.Hits() != hits+1 {
		t.Fatal("the oldest was not forgotten, or did not verify afresh")
	}
}

func BenchmarkVerify(b *testing.B) {
	pub, priv := keyPair(3)
	msg := make([]byte, 2048)
	sig := ed25519.Sign(priv, msg)
	b.Run("ed25519", func(b *testing.B) {
		for b.Loop() {
			ed25519.Verify(pub, msg, sig)
		}
	})
	b.Run("remembered", func(b *testing.B) {
		c := New(16)
		for b.Loop() {
			c.Verify(pub, msg, sig)
		}
	})
}

// The signers' keys are kept too, at most min(n, MaxKeys), the oldest forgotten first: a key
// whose signature verified once is remembered, expanded when it verifies again; a key whose
// signature fails is not remembered.
func TestKeysBounded(t *testing.T) {
	c := New(3)
	pubOf := func(pub ed25519.PublicKey) [ed25519.PublicKeySize]byte { return [ed25519.PublicKeySize]byte(pub) }
	pub, priv := keyPair(10)
	if c.Verify(pub, []byte("m"), make([]byte, ed25519.SignatureSize)) || len(c.keys.m) != 0 {
		t.Fatal("a failed signature's key was remembered")
	}
	for i, m := range []string{"a", "b", "c"} {
		if !c.Verify(pub, []byte(m), ed25519.Sign(priv, []byte(m))) {
			t.Fatal("a valid signature did not verify")
		}
		x, ok := c.keys.m[pubOf(pub)]
		if !ok || (x != nil) != (i > 0) || len(c.keys.m) != 1 {
			t.Fatalf("after %d signatures: known %v, expanded %v, %d keys", i+1, ok, x != nil, len(c.keys.m))
		}
	}
	for s := range byte(5) {
		p, k := keyPair(20 + s)
		if !c.Verify(p, []byte("m"), ed25519.Sign(k, []byte("m"))) {
			t.Fatal("a valid signature did not verify")
		}
	}
	if len(c.keys.m) != 3 || len(c.keys.order) != 3 {
		t.Fatalf("%d keys, %d in the ring, want 3", len(c.keys.m), len(c.keys.order))
	}
	if _, ok := c.keys.m[pubOf(pub)]; ok {
		t.Fatal("the oldest key was not forgotten")
	}
	if got := cap(New(MaxKeys + 1).keys.order); got != MaxKeys {
		t.Fatalf("a large cache keeps %d keys, want MaxKeys", got)
	}
}

// Many callers at once, on a few signers, new and remembered, valid and not: each gets
// ed25519's answer (go test -race checks the sharing).
func TestConcurrent(t *testing.T) {
	c := New(8)
	type check struct {
		pub      ed25519.PublicKey
		msg, sig []byte
		want     bool
	}
	var checks []check
	for k := range byte(3) {
		pub, priv := keyPair(30 + k)
		for m := range byte(4) {
			msg := []byte{m}
			sig := ed25519.Sign(priv, msg)
			bad := append([]byte(nil), sig...)
			bad[0] ^= 1
			checks = append(checks, check{pub, msg, sig, true}, check{pub, msg, bad, false})
		}
	}
	done := make(chan error)
	for g := range 4 {
		go func() {
			for i := range 3 * len(checks) {
				ch := checks[(i+g*5)%len(checks)]
				if c.Verify(ch.pub, ch.msg, ch.sig) != ch.want {
					done <- fmt.Errorf("goroutine %d, check %d: not %v", g, i, ch.want)
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
