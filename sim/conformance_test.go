package sim

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/core/coretest"
	"github.com/aquanet/aquanet/internal/clock"
)

// simNetwork is the simulated network, without faults but with its delays (so particles
// reorder), under the transport suite; Settle runs its virtual clock.
type simNetwork struct {
	clk *clock.Manual
	net *Net
}

func (n *simNetwork) AddPeer(t *testing.T, key ed25519.PrivateKey, in core.Inbox) core.Transport {
	pub, _ := crypto.UnmarshalEd25519PublicKey(key.Public().(ed25519.PublicKey))
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return n.net.join(id.String()[:8])(id.String(), in)
}

func (n *simNetwork) Settle(t *testing.T, done func() bool) {
	for !done() {
		if !n.clk.AdvanceToNext() {
			t.Fatal("the simulated network is idle and has not delivered")
		}
	}
}

func TestSimNetworkConformance(t *testing.T) {
	coretest.Run(t, func(*testing.T) coretest.Network {
		clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
		return &simNetwork{clk: clk, net: newNet(clk, 1, NetFaults{MinDelay: time.Millisecond, MaxDelay: 50 * time.Millisecond}, newEventLog(clk.Now(), false))}
	})
}
