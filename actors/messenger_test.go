package actors

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"go.uber.org/goleak"

	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/chat"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// messenger is the chat of the paper on five nodes in one process: the relay hosts the app,
// members and history services; alice, bob and carol are members; dave is not.
type messenger struct {
	ctx   context.Context
	clock *clock.Manual
	nodes map[string]*Node
	ids   map[string]scenario.Identity
	names map[string]string // peer id -> name

	mu     sync.Mutex
	events []string
	more   chan struct{}
}

var messengerPeers = []string{"relay", "alice", "bob", "carol", "dave"}

func newMessenger(ctx context.Context) (*messenger, error) {
	m := &messenger{ctx: ctx, clock: clock.NewManual(time.UnixMilli(1_700_000_000_000)), nodes: map[string]*Node{},
		ids: map[string]scenario.Identity{}, names: map[string]string{}, more: make(chan struct{}, 100)}
	hub := network.NewHub()
	for _, name := range messengerPeers {
		id, err := scenario.NewIdentity(name)
		if err != nil {
			return nil, err
		}
		n, err := NewNode(Env{Key: id.Key, Clock: m.clock, Transport: hub.Join})
		if err != nil {
			return nil, err
		}
		if err := n.Start(); err != nil {
			return nil, err
		}
		m.nodes[name], m.ids[name], m.names[id.PeerID] = n, id, name
	}
	relay := m.ids["relay"].PeerID
	members := []string{m.ids["alice"].PeerID, m.ids["bob"].PeerID, m.ids["carol"].PeerID}
	services := []struct {
		node, id string
		h        service.HandlerFunc
	}{
		{"relay", "app", func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
			return value.Object([]string{"history", "history_peer", "members", "members_peer"},
				[]value.Value{value.String("history"), value.String(relay), value.String("members"), value.String(relay)}), nil
		}},
		{"relay", "members", func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
			switch fn {
			case "is_member":
				p, _ := args[0].Str()
				return value.Bool(slices.Contains(members, p)), nil
			case "list":
				list := make([]value.Value, len(members))
				for i, p := range members {
					list[i] = value.String(p)
				}
				return value.Array(list...), nil
			}
			return value.Value{}, fmt.Errorf("members has no %s", fn)
		}},
		{"relay", "history", func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
			from, _ := args[0].Str()
			m.event("history: " + m.names[from] + " " + args[1].String())
			return value.Null(), nil
		}},
	}
	for _, n := range messengerPeers[1:] {
		services = append(services, struct {
			node, id string
			h        service.HandlerFunc
		}{n, "chat", func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
			if fn == "message" {
				from, _ := args[0].Str()
				m.event(n + " got from " + m.names[from] + ": " + args[1].String())
				return value.String("ok"), nil
			}
			m.event(n + " " + fn + " " + args[0].String())
			return value.Null(), nil
		}})
	}
	for _, s := range services {
		if err := m.nodes[s.node].Spawn(ctx, s.id, s.h); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *messenger) event(line string) {
	m.mu.Lock()
	m.events = append(m.events, line)
	m.mu.Unlock()
	m.more <- struct{}{}
}

// send starts the messenger's particle on from's node, with its load service giving the
// arguments.
func (m *messenger) send(from, message string) error {
	relay := m.ids["relay"].PeerID
	err := m.nodes[from].Spawn(m.ctx, "load", service.HandlerFunc(func(_ service.CallContext, fn string, _ []value.Value) (value.Value, error) {
		switch fn {
		case "relay":
			return value.String(relay), nil
		case "chat_id":
			return value.String("chat-1"), nil
		case "expected":
			return value.Int(2), nil // the other two members
		}
		return value.String(message), nil
	}))
	if err != nil {
		return err
	}
	id := m.ids[from]
	priv, err := crypto.UnmarshalEd25519PrivateKey(id.Key)
	if err != nil {
		return err
	}
	initID, err := peer.Decode(id.PeerID)
	if err != nil {
		return err
	}
	p := particle.Particle{ID: "msg-" + from, InitPeerID: initID, Timestamp: uint64(m.clock.Now().UnixMilli()), TTL: 120_000,
		MaxHops: 16, Script: chat.Script}
	if err := p.Sign(priv); err != nil {
		return err
	}
	m.nodes[from].Deliver(m.nodes[from].PeerID(), p)
	return nil
}

// wait returns the events, sorted, once there are n of them, or fails when ctx ends.
func (m *messenger) wait(n int) ([]string, error) {
	for {
		m.mu.Lock()
		if len(m.events) >= n {
			out := slices.Sorted(slices.Values(m.events))
			m.mu.Unlock()
			return out, nil
		}
		have := len(m.events)
		m.mu.Unlock()
		select {
		case <-m.more:
		case <-m.ctx.Done():
			return nil, fmt.Errorf("%d of %d events: %w", have, n, m.ctx.Err())
		}
	}
}

// stop lets every particle expire and stops the nodes.
func (m *messenger) stop() error {
	m.clock.Advance(time.Hour)
	var errs []error
	for _, name := range messengerPeers {
		errs = append(errs, m.nodes[name].Stop(m.ctx))
	}
	return errors.Join(errs...)
}

func TestMessengerOnFiveNodes(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := newMessenger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := m.stop(); err != nil {
			t.Error(err)
		}
	}()
	if err := m.send("alice", "hi all"); err != nil {
		t.Fatal(err)
	}
	got, err := m.wait(4)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`alice delivered 2`, `bob got from alice: "hi all"`, `carol got from alice: "hi all"`, `history: alice "hi all"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("a member's message:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err := m.send("dave", "let me in"); err != nil {
		t.Fatal(err)
	}
	got, err = m.wait(5)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got, `dave error "Cannot send a message to the chat"`) || len(got) != 5 {
		t.Fatalf("a non-member's message: %q", got)
	}
}

// Example_messenger runs the paper's messenger on five nodes in one process: alice writes to
// the chat, then dave, who is not a member, tries to.
func Example_messenger() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := newMessenger(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.stop()
	m.send("alice", "hi all")
	m.wait(4)
	m.send("dave", "let me in")
	events, err := m.wait(5)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range events {
		fmt.Println(e)
	}
	// Output:
	// alice delivered 2
	// bob got from alice: "hi all"
	// carol got from alice: "hi all"
	// dave error "Cannot send a message to the chat"
	// history: alice "hi all"
}
