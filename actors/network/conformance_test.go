package network

import (
	"crypto/ed25519"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/core/coretest"
)

// hubNetwork is the Hub under the transport suite: it delivers on the sender's goroutine, so
// everything has arrived when Send returns.
type hubNetwork struct{ hub *Hub }

func (h hubNetwork) AddPeer(t *testing.T, key ed25519.PrivateKey, in core.Inbox) core.Transport {
	pub, _ := crypto.UnmarshalEd25519PublicKey(key.Public().(ed25519.PublicKey))
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return h.hub.Join(id.String(), in)
}

func (hubNetwork) Settle(t *testing.T, done func() bool) {
	if !done() {
		t.Fatal("the hub had not delivered when Send returned")
	}
}

func TestHubConformance(t *testing.T) {
	coretest.Run(t, func(*testing.T) coretest.Network { return hubNetwork{NewHub()} })
}
