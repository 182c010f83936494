// Package actortest holds what the actor runtime's tests share: a quiet actor system, the
// options that put actors on a seeded loop, and signed particles from scenario identities.
package actortest

import (
	"log/slog"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/actors/dispatch"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/particle"
)

// System returns an actor system that logs nothing.
func System() *actor.ActorSystem {
	return actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))
}

// Loop returns a loop seeded with seed and the props options that run actors on it.
func Loop(seed uint64) (*dispatch.Loop, []actor.PropsOption) {
	loop := dispatch.NewLoop(seed)
	return loop, []actor.PropsOption{actor.WithDispatcher(loop), actor.WithMailbox(dispatch.NewMailbox)}
}

// Identity returns the scenario identity of name (ed25519 seed sha256(name)).
func Identity(t testing.TB, name string) scenario.Identity {
	t.Helper()
	id, err := scenario.NewIdentity(name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Particle returns p with from as its initiator, signed by from.
func Particle(t testing.TB, from scenario.Identity, p particle.Particle) particle.Particle {
	t.Helper()
	priv, err := crypto.UnmarshalEd25519PrivateKey(from.Key)
	if err != nil {
		t.Fatal(err)
	}
	if p.InitPeerID, err = peer.Decode(from.PeerID); err != nil {
		t.Fatal(err)
	}
	if err := p.Sign(priv); err != nil {
		t.Fatal(err)
	}
	return p
}
