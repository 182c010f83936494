package actors

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// messengerScript is the paper's messenger ("Composition example") in AIR. The sender loads
// its arguments, asks the relay's app service for the chat's backend, checks with the members
// service that it is a member, stores the message in the history, and delivers it to every other
// member in parallel; once both deliveries are back (the fold + canon + match join: a canon
// is fixed when it first runs, so waiting for n values takes a fold over the stream that
// re-canonicalizes until n are in) it reports "delivered". A non-member gets the chat's error
// instead.
const messengerScript = `
(seq
  (seq
    (seq
      (call %init_peer_id% ("load" "relay") [] relay)
      (call %init_peer_id% ("load" "chat_id") [] chat_id))
    (call %init_peer_id% ("load" "message") [] message))
  (seq
    (call relay ("app" "resolve_backend") [chat_id] backend)
    (seq
      (call backend.$.members_peer (backend.$.members "is_member") [%init_peer_id%] is_member)
      (xor
        (match is_member true
          (seq
            (seq
              (call backend.$.history_peer (backend.$.history "add") [%init_peer_id% message])
              (call backend.$.members_peer (backend.$.members "list") [] peers))
            (seq
              (fold peers p
                (par
                  (xor
                    (mismatch p %init_peer_id%
                      (call p ("chat" "message") [%init_peer_id% message] $acc))
                    (null))
                  (next p)))
              (seq
                (new $inc
                  (fold $acc r
                    (seq
                      (seq (ap r $inc) (canon %init_peer_id% $inc #inc))
                      (xor (match #inc.length 2 (null)) (next r)))
                    (never)))
                (seq
                  (canon %init_peer_id% $acc #acc)
                  (call %init_peer_id% ("chat" "delivered") [#acc.length]))))))
        (call %init_peer_id% ("chat" "error") ["Cannot send a message to the chat"])))))
`

// recorder collects what the chat services see, from all nodes' goroutines.
type recorder struct {
	mu    sync.Mutex
	lines []string
	more  chan struct{}
}

func (r *recorder) add(line string) {
	r.mu.Lock()
	r.lines = append(r.lines, line)
	r.mu.Unlock()
	r.more <- struct{}{}
}

// waitFor waits until n lines are in, or fails after a bounded time.
func (r *recorder) waitFor(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		if len(r.lines) >= n {
			out := slices.Sorted(slices.Values(r.lines))
			r.mu.Unlock()
			return out
		}
		r.mu.Unlock()
		select {
		case <-r.more:
		case <-deadline:
			r.mu.Lock()
			defer r.mu.Unlock()
			t.Fatalf("only %d of %d events: %q", len(r.lines), n, r.lines)
		}
	}
}

func TestMessengerOnFiveNodes(t *testing.T) {
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	hub := network.NewHub()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	nodes := map[string]*Node{}
	ids := map[string]scenario.Identity{}
	names := []string{"relay", "alice", "bob", "carol", "dave"}
	for _, name := range names {
		id, err := scenario.NewIdentity(name)
		if err != nil {
			t.Fatal(err)
		}
		n, err := NewNode(Env{Key: id.Key, Clock: clk, Transport: hub.Join})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
		nodes[name], ids[name] = n, id
	}
	defer func() {
		clk.Advance(time.Hour) // every particle expires; the nodes drain
		for _, name := range names {
			if err := nodes[name].Stop(ctx); err != nil {
				t.Error(err)
			}
		}
	}()
	name := map[string]string{}
	for n, id := range ids {
		name[id.PeerID] = n
	}
	rec := &recorder{more: make(chan struct{}, 100)}
	spawn := func(node, id string, h service.HandlerFunc) {
		if err := nodes[node].Spawn(ctx, id, h); err != nil {
			t.Fatal(err)
		}
	}
	relay := ids["relay"].PeerID
	spawn("relay", "app", func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
		return value.Object([]string{"history", "history_peer", "members", "members_peer"},
			[]value.Value{value.String("history"), value.String(relay), value.String("members"), value.String(relay)}), nil
	})
	members := []string{ids["alice"].PeerID, ids["bob"].PeerID, ids["carol"].PeerID}
	spawn("relay", "members", func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
		switch fn {
		case "is_member":
			p, _ := args[0].Str()
			return value.Bool(slices.Contains(members, p)), nil
		case "list":
			list := make([]value.Value, len(members))
			for i, m := range members {
				list[i] = value.String(m)
			}
			return value.Array(list...), nil
		}
		return value.Value{}, fmt.Errorf("members has no %s", fn)
	})
	spawn("relay", "history", func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
		from, _ := args[0].Str()
		rec.add("history: " + name[from] + " " + args[1].String())
		return value.Null(), nil
	})
	for _, n := range []string{"alice", "bob", "carol", "dave"} {
		spawn(n, "chat", func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
			if fn == "message" {
				from, _ := args[0].Str()
				rec.add(n + " got from " + name[from] + ": " + args[1].String())
				return value.String("ok"), nil
			}
			rec.add(n + " " + fn + " " + args[0].String())
			return value.Null(), nil
		})
	}
	send := func(from, message string) {
		spawn(from, "load", func(_ service.CallContext, fn string, _ []value.Value) (value.Value, error) {
			switch fn {
			case "relay":
				return value.String(relay), nil
			case "chat_id":
				return value.String("chat-1"), nil
			}
			return value.String(message), nil
		})
		id := ids[from]
		priv, _ := crypto.UnmarshalEd25519PrivateKey(id.Key)
		initID, _ := peer.Decode(id.PeerID)
		p := particle.Particle{ID: "msg-" + from, InitPeerID: initID, Timestamp: uint64(clk.Now().UnixMilli()), TTL: 120_000,
			MaxHops: 16, Script: messengerScript}
		if err := p.Sign(priv); err != nil {
			t.Fatal(err)
		}
		nodes[from].Deliver(p)
	}

	send("alice", "hi all")
	got := rec.waitFor(t, 4)
	want := []string{`alice delivered 2`, `bob got from alice: "hi all"`, `carol got from alice: "hi all"`, `history: alice "hi all"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("a member's message:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	send("dave", "let me in")
	got = rec.waitFor(t, 5)
	if !slices.Contains(got, `dave error "Cannot send a message to the chat"`) || len(got) != 5 {
		t.Fatalf("a non-member's message: %q", got)
	}
}
