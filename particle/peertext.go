package particle

import (
	"sync"

	"github.com/libp2p/go-libp2p/core/peer"
)

// maxPeerTexts bounds the peer ids whose text PeerText keeps: a node hears from a few peers
// mostly, and a flood of new ones costs a clear, not memory.
const maxPeerTexts = 4096

// peerTexts are the texts PeerText wrote, by id.
var peerTexts struct {
	sync.Mutex
	m map[peer.ID]string
}

// PeerText returns id.String(), the peer id's base58 text, remembered for the last ids asked
// for: writing it costs some 1.7 µs (base58 divides the whole number for each digit; BenchmarkPeerText), and a
// node writes the init peer of every particle it runs. It is safe for concurrent use.
func PeerText(id peer.ID) string {
	peerTexts.Lock()
	defer peerTexts.Unlock()
	if s, ok := peerTexts.m[id]; ok {
		return s
	}
	if peerTexts.m == nil || len(peerTexts.m) >= maxPeerTexts {
		peerTexts.m = make(map[peer.ID]string)
	}
	s := id.String()
	peerTexts.m[id] = s
	return s
}
