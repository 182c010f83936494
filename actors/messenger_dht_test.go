package actors

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/actors/dhtsvc"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/chat"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/kademlia"
	"github.com/aquanet/aquanet/particle"
	"github.com/aquanet/aquanet/trust"
)

// The paper's chat with its members found through the DHT: a room owned by its owner's key;
// alice, bob and carol hold certificates from the owner and provide the room's key; dave has
// none, and his record is refused. Alice's message reaches bob and carol, not dave.
func TestMessengerThroughTheDHT(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := newMessenger(ctx) // five nodes on a hub; its app and members services go unused
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := m.stop(); err != nil {
			t.Error(err)
		}
	}()
	owner := trust.Signer(ed25519.NewKeyFromSeed(make([]byte, 32)))
	room := kademlia.OwnedChallenge(owner.Public(), 1, []byte("chat-1"))
	now := uint64(m.clock.Now().Unix())
	provide := func(name string, certBy trust.Signer) (dhtsvc.Stored, error) {
		self := trust.Signer(ed25519.PrivateKey(m.ids[name].Key))
		cert := trust.IssueRoot(certBy, self.Public(), now+3600, now-10)
		done := make(chan struct{})
		var st dhtsvc.Stored
		var err error
		m.nodes[name].DHT().ProvideSelf(room, cert.Encode(), 600, nil, func(s dhtsvc.Stored, e error) { st, err = s, e; close(done) })
		<-done
		return st, err
	}
	for _, name := range []string{"alice", "bob", "carol"} {
		if st, err := provide(name, owner); err != nil || st.OK == 0 {
			t.Fatalf("%s provides the room: %+v, %v", name, st, err)
		}
	}
	if st, err := provide("dave", trust.Signer(ed25519.PrivateKey(m.ids["dave"].Key))); err == nil || st.Refused["bad-solution"] == 0 {
		t.Fatalf("dave, with a certificate of his own, provides the room: %+v, %v", st, err)
	}

	relay := m.ids["relay"].PeerID
	err = m.nodes["alice"].Spawn(ctx, "load", service.HandlerFunc(func(_ service.CallContext, fn string, _ []value.Value) (value.Value, error) {
		switch fn {
		case "relay":
			return value.String(relay), nil
		case "room":
			return value.String(room.Key().String()), nil
		}
		return value.String("hi room"), nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	id := m.ids["alice"]
	priv, err := crypto.UnmarshalEd25519PrivateKey(id.Key)
	if err != nil {
		t.Fatal(err)
	}
	initID, _ := peer.Decode(id.PeerID)
	p := particle.Particle{ID: "dht-chat", InitPeerID: initID, Timestamp: uint64(m.clock.Now().UnixMilli()), TTL: 120_000,
		MaxHops: 16, Script: chat.DHTScript}
	if err := p.Sign(priv); err != nil {
		t.Fatal(err)
	}
	m.nodes["alice"].Deliver(m.nodes["alice"].PeerID(), p)
	got, err := m.wait(3)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`alice delivered 2`, `bob got from alice: "hi room"`, `carol got from alice: "hi room"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("through the DHT:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
