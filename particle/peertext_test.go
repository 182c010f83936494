package particle

import (
	"crypto/ed25519"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

func testPeer(t testing.TB, seed byte) peer.ID {
	t.Helper()
	s := make([]byte, ed25519.SeedSize)
	s[0] = seed
	priv, err := crypto.UnmarshalEd25519PrivateKey(ed25519.NewKeyFromSeed(s))
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// PeerText is the id's text, whether remembered or not, past its bound too.
func TestPeerText(t *testing.T) {
	ids := make([]peer.ID, 3)
	for i := range ids {
		ids[i] = testPeer(t, byte(i))
	}
	for range 2 {
		for _, id := range ids {
			if got, want := PeerText(id), id.String(); got != want {
				t.Fatalf("PeerText = %s, want %s", got, want)
			}
		}
	}
	for i := range maxPeerTexts + 10 { // not real ids: any bytes have a text
		id := peer.ID([]byte{byte(i), byte(i >> 8), 1, 2})
		if got, want := PeerText(id), id.String(); got != want {
			t.Fatalf("PeerText = %s, want %s", got, want)
		}
	}
	peerTexts.Lock()
	n := len(peerTexts.m)
	peerTexts.Unlock()
	if n > maxPeerTexts {
		t.Fatalf("%d texts kept, more than %d", n, maxPeerTexts)
	}
}

func BenchmarkPeerText(b *testing.B) {
	id := testPeer(b, 1)
	b.Run("remembered", func(b *testing.B) {
		for b.Loop() {
			PeerText(id)
		}
	})
	b.Run("written", func(b *testing.B) {
		for b.Loop() {
			_ = id.String()
		}
	})
}
