package p2p

import (
	"math/bits"

	"github.com/libp2p/go-libp2p/core/peer"
)

// TrustTag is the connection manager's tag that carries a peer's TrustGraph weight.
const TrustTag = "trust-weight"

// weightScore is the tag value of a weight: its bit length times 10 (a weight of 0 scores 0,
// 1 scores 10, a root of max chain length 16 scores 170), so that every halving of trust
// costs the same and no weight outscores libp2p's other tags by orders of magnitude.
func weightScore(w uint32) int { return bits.Len32(w) * 10 }

// tagWeight tags a peer with its weight, if the transport knows weights.
func (t *Transport) tagWeight(id peer.ID) {
	if t.cfg.Weight == nil {
		return
	}
	cm := t.host.ConnManager()
	if s := weightScore(t.cfg.Weight(id)); s > 0 {
		cm.TagPeer(id, TrustTag, s)
	} else {
		cm.UntagPeer(id, TrustTag)
	}
}

// RetagPeers tags every connected peer with its weight now: weights change as trusts arrive,
// expire and are revoked.
func (t *Transport) RetagPeers() {
	for _, id := range t.host.Network().Peers() {
		t.tagWeight(id)
	}
	t.PreferTrustedPeers()
}
