package sigcache

import (
	"crypto/ed25519"
	"fmt"
	"testing"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// signed is one key's signature of a message.
type signed struct {
	pub ed25519.PublicKey
	msg []byte
	sig []byte
}

// signedSet is n signatures of size-byte messages, each by another key.
func signedSet(n, size int) []signed {
	out := make([]signed, n)
	for i := range out {
		pub, priv := keyPair(byte(100 + i))
		msg := make([]byte, size)
		for j := range msg {
			msg[j] = byte(i*7 + j)
		}
		out[i] = signed{pub, msg, ed25519.Sign(priv, msg)}
	}
	return out
}

// One verification by crypto/ed25519, by voi with the standard library's semantics, by voi
// with the key expanded beforehand (as a cache of expanded keys would have it), and the
// expansion itself; then sigcache's miss path, for a key it has not seen (a new cache each
// time round) and for one it keeps expanded.
func BenchmarkVoiVerify(b *testing.B) {
	for _, size := range []int{200, 2048} {
		s := signedSet(1, size)[0]
		b.Run(fmt.Sprintf("%dB/stdlib", size), func(b *testing.B) {
			for b.Loop() {
				if !ed25519.Verify(s.pub, s.msg, s.sig) {
					b.Fatal("did not verify")
				}
			}
		})
		b.Run(fmt.Sprintf("%dB/voi", size), func(b *testing.B) {
			for b.Loop() {
				if !voi.VerifyWithOptions(voi.PublicKey(s.pub), s.msg, s.sig, stdlib) {
					b.Fatal("did not verify")
				}
			}
		})
		b.Run(fmt.Sprintf("%dB/voiExpanded", size), func(b *testing.B) {
			x, err := voi.NewExpandedPublicKey(voi.PublicKey(s.pub))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if !voi.VerifyExpandedWithOptions(x, s.msg, s.sig, stdlib) {
					b.Fatal("did not verify")
				}
			}
		})
		b.Run(fmt.Sprintf("%dB/sigcacheMissNewKey", size), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				c := New(1)
				b.StartTimer()
				if !c.Verify(s.pub, s.msg, s.sig) {
					b.Fatal("did not verify")
				}
			}
		})
		b.Run(fmt.Sprintf("%dB/sigcacheMissKnownKey", size), func(b *testing.B) {
			// Two signatures by one key in a cache of one: each check misses, the key is kept.
			_, priv := keyPair(100)
			other := append([]byte{1}, s.msg[1:]...)
			sigs := [2][]byte{s.sig, ed25519.Sign(priv, other)}
			msgs := [2][]byte{s.msg, other}
			c := New(1)
			i := 0
			for b.Loop() {
				if !c.Verify(s.pub, msgs[i], sigs[i]) {
					b.Fatal("did not verify")
				}
				i ^= 1
			}
			if c.Hits() != 0 {
				b.Fatal("answered from memory")
			}
		})
	}
	b.Run("voiExpandKey", func(b *testing.B) {
		s := signedSet(1, 1)[0]
		for b.Loop() {
			if _, err := voi.NewExpandedPublicKey(voi.PublicKey(s.pub)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Batches of n signatures by n keys of 200-byte messages, reported per signature (ns/sig):
// crypto/ed25519 one by one; voi's batch with the standard library's options (cofactorless,
// which voi cannot batch: it verifies them one by one); voi's batch with its default,
// cofactored, options (which accepts what the standard library rejects: see
// TestVoiCofactoredBatchDisagrees); the same with the keys expanded beforehand.
func BenchmarkVoiVerifyBatch(b *testing.B) {
	for _, n := range []int{2, 4, 8} {
		set := signedSet(n, 200)
		xs := make([]*voi.ExpandedPublicKey, n)
		for i, s := range set {
			var err error
			if xs[i], err = voi.NewExpandedPublicKey(voi.PublicKey(s.pub)); err != nil {
				b.Fatal(err)
			}
		}
		perSig := func(b *testing.B) {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/sig")
		}
		b.Run(fmt.Sprintf("%d/stdlib", n), func(b *testing.B) {
			for b.Loop() {
				for _, s := range set {
					if !ed25519.Verify(s.pub, s.msg, s.sig) {
						b.Fatal("did not verify")
					}
				}
			}
			perSig(b)
		})
		batch := func(name string, opts *voi.Options, expanded bool) {
			b.Run(fmt.Sprintf("%d/%s", n, name), func(b *testing.B) {
				for b.Loop() {
					v := voi.NewBatchVerifierWithCapacity(n)
					for i, s := range set {
						if expanded {
							v.AddExpandedWithOptions(xs[i], s.msg, s.sig, opts)
						} else {
							v.AddWithOptions(voi.PublicKey(s.pub), s.msg, s.sig, opts)
						}
					}
					if ok, _ := v.Verify(nil); !ok {
						b.Fatal("did not verify")
					}
				}
				perSig(b)
			})
		}
		batch("voiBatchStdLib", stdlib, false)
		batch("voiBatchCofactored", &voi.Options{}, false)
		batch("voiExpandedBatchStdLib", stdlib, true)
		batch("voiExpandedBatchCofactored", &voi.Options{}, true)
	}
}
