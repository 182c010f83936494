package aquacorpus

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/client"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
)

// nodeNames are the peers of every corpus scenario that are nodes; the other one, the init
// peer, is a client.
var nodeNames = []string{"relay", "alice", "bob"}

// nodeTTL is the TTL of each run's particle on the nodes: far more than any function of the
// corpus takes (the longest waits on a timer of 300 ms), so that it only bounds a run that
// never ends.
const nodeTTL = 20 * time.Second

// TestOnNodes runs every function of the corpus on three aquanet nodes on libp2p over
// 127.0.0.1 (the relay, alice and bob, with the scenarios' keys, so the peer ids in the args
// are theirs), each from a client of its own connected to the relay, as "aquanet run --aqua"
// runs one: the client runs the compiled AIR with the scenario's args. What the client is
// called back with (callbackSrv, errorHandlingSrv) must be what the reference called back, in
// whatever order the network delivered it; a racy scenario's, as many times. The services the
// scenarios give their peers are served by the nodes and the client from the scenario's rules.
func TestOnNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three nodes on libp2p")
	}
	cases := loadCases(t)
	net := startNetwork(t, cases)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The runs go on at once: most of their time is spent waiting on the network.
	var wg sync.WaitGroup
	slots := make(chan struct{}, 8)
	for _, c := range cases {
		ref := loadOracle(t, c.File)
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			t.Run(caseName(c.File), func(t *testing.T) { net.run(ctx, t, c.Scenario, ref) })
		}()
	}
	wg.Wait()
}

// network is the three nodes, and the scenario each client's particle belongs to.
type network struct {
	relayAddr string
	mu        sync.Mutex
	hosts     map[string]*scenario.Host // by the client's peer id: the scenario's rules
}

// startNetwork starts the nodes, connects each to the others, and gives them the services the
// scenarios' rules name for them. They stop when the test ends.
func startNetwork(t *testing.T, cases []Case) *network {
	t.Helper()
	net := &network{hosts: map[string]*scenario.Host{}}
	reserved := actors.ReservedServices()
	type started struct {
		node *actors.Node
		tr   *p2p.Transport
		addr string
	}
	var nodes []started
	for _, name := range nodeNames {
		id, err := scenario.NewIdentity(name)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := p2p.New(p2p.Config{Key: id.Key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}})
		if err != nil {
			t.Fatal(err)
		}
		n, err := actors.NewNode(actors.Env{Key: id.Key, Transport: tr.Join})
		if err == nil {
			err = n.Start()
		}
		if err != nil {
			tr.Close()
			t.Fatal(err)
		}
		t.Cleanup(func() {
			// The particles of the timer races are still live on the nodes (their timers
			// answer late): they are not waited for.
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			n.Stop(ctx) //nolint:errcheck // stopping with live particles is expected
			tr.Close()
		})
		addrs := tr.Addrs()
		if len(addrs) == 0 {
			t.Fatalf("node %s listens nowhere", name)
		}
		nodes = append(nodes, started{node: n, tr: tr, addr: addrs[0].String() + "/p2p/" + n.PeerID()})
	}
	net.relayAddr = nodes[0].addr
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i, n := range nodes {
		var others []string
		for _, m := range nodes[i+1:] {
			others = append(others, m.addr)
		}
		if err := n.tr.Bootstrap(ctx, others); err != nil {
			t.Fatalf("connecting %s to the others: %v", nodeNames[i], err)
		}
	}

	// Each node serves every service a scenario's rules give it, from the rules of the
	// scenario whose client started the particle.
	for i, name := range nodeNames {
		services := map[string]bool{}
		for _, c := range cases {
			for _, r := range c.Scenario.Services {
				if r.Peer != name && r.Peer != "*" {
					continue
				}
				if slices.Contains(reserved, r.Service) {
					t.Fatalf("%s: a rule for %s.%s, which the node serves itself: the nodes of this test take no overrides", c.File, r.Service, r.Function)
				}
				services[r.Service] = true
			}
		}
		for _, svc := range slices.Sorted(maps.Keys(services)) {
			if err := nodes[i].node.Spawn(ctx, svc, net.handler(name, svc)); err != nil {
				t.Fatalf("spawning %s on %s: %v", svc, name, err)
			}
		}
	}
	return net
}

// handler answers calls to svc on the peer called peer from the rules of the scenario whose
// client started the particle.
func (net *network) handler(peer, svc string) service.HandlerFunc {
	return func(c service.CallContext, fn string, args []value.Value) (value.Value, error) {
		net.mu.Lock()
		h := net.hosts[c.InitPeerID]
		net.mu.Unlock()
		if h == nil {
			return value.Value{}, fmt.Errorf("no scenario started by %s", c.InitPeerID)
		}
		return answer(h, peer, svc, fn, args)
	}
}

// answer asks the scenario's host for a rule's answer, as a Go service answers.
func answer(h *scenario.Host, peer, svc, fn string, args []value.Value) (value.Value, error) {
	r, ok, err := h.Answer(peer, svc, fn, args)
	if err != nil {
		return value.Value{}, err
	}
	if !ok {
		return value.Value{}, service.NotFound(svc, fn)
	}
	v, err := value.Parse([]byte(r.Result), value.Limits{})
	if err != nil {
		return value.Value{}, fmt.Errorf("the rule's answer to %s.%s is not JSON: %v", svc, fn, err)
	}
	if r.RetCode != 0 {
		return value.Value{}, &service.Failure{RetCode: r.RetCode, Value: v}
	}
	return v, nil
}

// run runs one scenario's function from a client of its own and compares what came back with
// the reference's result.
func (net *network) run(ctx context.Context, t *testing.T, s *scenario.Scenario, ref *scenario.Result) {
	seed := sha256.Sum256([]byte("aquacorpus client " + s.Name))
	cl, err := client.Dial(ctx, net.relayAddr, client.WithKey(ed25519.NewKeyFromSeed(seed[:])))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	initID := s.PeerID(s.Init)
	// The scenario's peer ids stand for the nodes' own; the init peer's stands for the client's.
	toClient := func(text string) string { return strings.ReplaceAll(text, initID, cl.PeerID()) }
	fromClient := func(text string) string { return strings.ReplaceAll(text, cl.PeerID(), initID) }

	host := scenario.NewHost(s)
	net.mu.Lock()
	net.hosts[cl.PeerID()] = host
	net.mu.Unlock()
	for _, r := range s.Services {
		if r.Peer == s.Init || r.Peer == "*" {
			svc := r.Service
			cl.Serve(svc, service.HandlerFunc(func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
				return answer(host, s.Init, svc, fn, args)
			}))
		}
	}
	args := map[string]value.Value{}
	for name, raw := range s.Args {
		if name == "-relay-" {
			if want := `"` + s.PeerID("relay") + `"`; string(raw) != want {
				t.Fatalf("-relay- is %s: the client answers it with the relay's id, %s", raw, want)
			}
			continue // the client answers it with its relay's id
		}
		v, err := value.Parse([]byte(toClient(string(raw))), value.Limits{})
		if err != nil {
			t.Fatalf("arg %s: %v", name, err)
		}
		args[name] = v
	}

	res, err := cl.Run(ctx, s.Script, args, client.WithTTL(nodeTTL))
	switch {
	case len(ref.Errors) > 0 && !errors.Is(err, client.ErrScriptFailed):
		t.Errorf("the run ended with %v; the reference reported errors, so it should end with %v", err, client.ErrScriptFailed)
	case len(ref.Errors) == 0 && err != nil:
		t.Errorf("the run: %v", err)
	}
	if res == nil {
		return
	}
	var got []string
	for _, ev := range res.Events {
		got = append(got, fromClient(callText(ev.Service, ev.Function, ev.Args)))
	}
	want := referenceCalls(t, ref)
	compareCalls(t, s, got, want)
}

// compareCalls compares the calls a run made on the init peer with the reference's: the same
// ones in any order, or for a racy scenario as many.
func compareCalls(t *testing.T, s *scenario.Scenario, got, want []string) {
	t.Helper()
	if s.Racy {
		if len(got) != len(want) {
			t.Errorf("racy: %d calls back, the reference %d:\n got  %q\n want %q", len(got), len(want), got, want)
		}
		return
	}
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("called back\n %q\nthe reference\n %q", got, want)
	}
}

// referenceCalls are the reference's callbacks and errors as callText renders them.
func referenceCalls(t *testing.T, ref *scenario.Result) []string {
	t.Helper()
	var out []string
	for _, c := range slices.Concat(ref.Callbacks, ref.Errors) {
		args := make([]value.Value, len(c.Args))
		for i, a := range c.Args {
			v, err := value.Parse(a, value.Limits{})
			if err != nil {
				t.Fatalf("the reference's %s.%s argument %s: %v", c.Service, c.Function, a, err)
			}
			args[i] = v
		}
		out = append(out, callText(c.Service, c.Function, args))
	}
	return out
}

// callText renders a call as the simulator records its callbacks: "service.function arg ...",
// each argument as JSON (sim.ScenarioCallbacks).
func callText(svc, fn string, args []value.Value) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.String()
	}
	return svc + "." + fn + " " + strings.Join(parts, " ")
}
