package sim

import (
	"fmt"
	"io"
	"sync"

	"crypto/rand"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/rng"
)

// The simulated network carries the ledger's raft messages (core.LedgerTransport) as it carries
// the DHT's requests: each a message with the network's delays, losses, partitions and
// crashes (raft resends what is lost).

var _ core.LedgerTransport = (*netTransport)(nil)

// SendLedger sends msg to peer over the simulated network.
func (t *netTransport) SendLedger(peer string, msg []byte) error {
	if len(msg) > core.MaxLedgerMessage {
		return fmt.Errorf("a ledger message of %d bytes, at most %d", len(msg), core.MaxLedgerMessage)
	}
	n := t.n
	if _, ok := n.peers[peer]; !ok {
		return errNoSuchPeer
	}
	msg = append([]byte(nil), msg...)
	from := t.from
	n.message(from, peer, "ledger", func() {
		if h := n.ledgers[peer]; h != nil {
			h(from, msg)
		}
	})
	return nil
}

// ServeLedger makes this node's incarnation receive the ledger messages sent to it.
func (t *netTransport) ServeLedger(h func(from string, msg []byte)) {
	if t.n.ledgers == nil {
		t.n.ledgers = map[string]func(string, []byte){}
	}
	t.n.ledgers[t.from] = h
}

// raft draws its election timeouts from crypto/rand.Reader; while a simulation runs the reader is
// the seed's, so that elections replay. One simulation at a time swaps it (they run on one
// goroutine each; concurrent ones wait).
var cryptoRandMu sync.Mutex

// seededCryptoRand makes crypto/rand.Reader a stream drawn from seed until the returned
// function restores it.
func seededCryptoRand(seed uint64) (restore func()) {
	cryptoRandMu.Lock()
	old := rand.Reader
	rand.Reader = rngReader{rng.New(rng.Derive(seed, "crypto/rand"))}
	return func() {
		rand.Reader = old
		cryptoRandMu.Unlock()
	}
}

type rngReader struct {
	r interface{ Uint64() uint64 }
}

func (r rngReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(r.r.Uint64())
	}
	return len(b), nil
}

var _ io.Reader = rngReader{}
