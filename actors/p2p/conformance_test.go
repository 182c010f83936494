package p2p

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/core/coretest"
)

// p2pNetwork is libp2p on loopback under the transport suite: each new peer connects to the
// peers before it.
type p2pNetwork struct{ peers []*Transport }

func (n *p2pNetwork) AddPeer(t *testing.T, key ed25519.PrivateKey, in core.Inbox) core.Transport {
	tr, err := New(Config{Key: key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	var addrs []string
	for _, p := range n.peers {
		for _, a := range p.Addrs() {
			addrs = append(addrs, a.String())
		}
	}
	if err := tr.Bootstrap(context.Background(), addrs); err != nil {
		t.Fatal(err)
	}
	n.peers = append(n.peers, tr)
	return tr.Join(tr.ID().String(), in)
}

func (*p2pNetwork) Settle(t *testing.T, done func() bool) {
	for deadline := time.Now().Add(10 * time.Second); !done(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("not delivered within 10 s")
		}
	}
}

func TestP2PConformance(t *testing.T) {
	coretest.Run(t, func(*testing.T) coretest.Network { return &p2pNetwork{} })
}
