package client_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/p2p"
)

// relay is a node on libp2p listening on loopback TCP, as "aquanet node" runs one.
type relay struct {
	Addr string // its multiaddr, ending in /p2p/<peer id>
	ID   string
	Node *actors.Node
	tr   *p2p.Transport
}

// startRelay starts a node, its Env changed by each of opts; stop stops it and its transport.
func startRelay(opts ...func(*actors.Env)) (*relay, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	tr, err := p2p.New(p2p.Config{Key: key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		return nil, err
	}
	env := actors.Env{Key: key, Transport: tr.Join}
	for _, o := range opts {
		o(&env)
	}
	n, err := actors.NewNode(env)
	if err == nil {
		err = n.Start()
	}
	if err != nil {
		tr.Close()
		return nil, err
	}
	addrs := tr.Addrs()
	if len(addrs) == 0 {
		tr.Close()
		return nil, errors.New("the relay listens nowhere")
	}
	return &relay{Addr: addrs[0].String(), ID: n.PeerID(), Node: n, tr: tr}, nil
}

func (r *relay) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r.Node.Stop(ctx) //nolint:errcheck // shutting down
	r.tr.Close()
}

// newRelay starts a relay that stops when the test ends.
func newRelay(t *testing.T, opts ...func(*actors.Env)) *relay {
	t.Helper()
	r, err := startRelay(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.stop)
	return r
}
