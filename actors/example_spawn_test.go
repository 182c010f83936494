package actors_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// A Go service on a node: one Spawn call. The handler sees who started the particle (and each
// argument's tetraplet) and decides whether to serve; its error is a call failure the script
// can catch. Here the node starts a particle itself, so that the example needs no other peer.
func ExampleNode_Spawn() {
	ctx := context.Background()
	_, key, _ := ed25519.GenerateKey(nil)
	node, _ := actors.NewNode(actors.Env{Key: key, Transport: network.NewHub().Join})
	node.Start()
	defer node.Stop(ctx)

	owner := node.PeerID()
	node.Spawn(ctx, "greeter", service.HandlerFunc(func(c service.CallContext, fn string, args []value.Value) (value.Value, error) {
		if c.InitPeerID != owner || fn != "greet" || len(args) != 1 {
			return value.Value{}, errors.New("greeter: not for you")
		}
		name, _ := args[0].Str()
		return value.String("hello, " + name), nil
	}))

	// The script's answer comes back to a second service.
	done := make(chan string, 1)
	node.Spawn(ctx, "print", service.HandlerFunc(func(_ service.CallContext, _ string, args []value.Value) (value.Value, error) {
		done <- args[0].String()
		return value.Null(), nil
	}))
	p := particle.Particle{ID: "example", Timestamp: uint64(time.Now().UnixMilli()), TTL: 10_000,
		Script: `(seq (call %init_peer_id% ("greeter" "greet") ["alice"] r) (call %init_peer_id% ("print" "it") [r]))`}
	priv, _ := crypto.UnmarshalEd25519PrivateKey(key)
	p.InitPeerID, _ = peer.IDFromPrivateKey(priv)
	p.Sign(priv)
	node.Deliver(node.PeerID(), p)
	select {
	case answer := <-done:
		fmt.Println(answer)
	case <-time.After(10 * time.Second):
		fmt.Println("no answer")
	}
	// Output: "hello, alice"
}
