package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mr-tron/base58"

	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/kademlia"
)

// The DHT builtins run in the simulator: bob provides a key himself (a node may: it signs), carol finds him, over the
// simulated network's record requests; the same seed replays the run, with faults too.
func TestScenarioDHT(t *testing.T) {
	ch := kademlia.OpenChallenge([]byte("chat room 7"))
	sc, err := scenario.Parse([]byte(fmt.Sprintf(`
name: dht
peers: [alice, bob, carol, dave, erin]
init: bob
script: |
  (seq
    (seq
      (call "{{peer:bob}}" ("dht" "add_provider") ["%s" ""] stored)
      (call "{{peer:carol}}" ("dht" "get_providers") ["%s"] ps))
    (call %%init_peer_id%% ("callbackSrv" "response") [stored.$.success ps.$.[0].peer_id "{{peer:bob}}"]))
`, base58.Encode(ch.Encode()), ch.Key())))
	if err != nil {
		t.Fatal(err)
	}
	for _, faults := range []string{"none", "net", "all"} {
		var logs []string
		for range 2 {
			o, err := Expand(Options{Seed: 11, Nodes: len(sc.Peers), Duration: 30 * time.Second, Faults: faults, Messages: 2})
			if err != nil {
				t.Fatal(err)
			}
			w := newScenarioWorkload(sc, nil)
			r, err := run(o, w, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			logs = append(logs, r.Log.Hash())
			if faults != "none" {
				continue
			}
			if r.Net.Lookups == 0 || r.Net.LookupHops < r.Net.Lookups {
				t.Fatalf("%d lookups in %d rounds: the DHT's lookups went uncounted", r.Net.Lookups, r.Net.LookupHops)
			}
			for _, id := range append(w.starts, w.live) {
				got := w.callbacks[id]
				if len(got) != 1 {
					t.Fatalf("start %s: callbacks %q", id, got)
				}
				var ok, found, bob string
				if _, err := fmt.Sscanf(got[0], "callbackSrv.response %s %s %s", &ok, &found, &bob); err != nil || ok != "true" || found != bob {
					t.Fatalf("start %s called back %q: want success and bob found", id, got[0])
				}
			}
		}
		if logs[0] != logs[1] {
			t.Fatalf("faults %s: the same seed gave two event logs", faults)
		}
	}
}

// A peer other than the node and its management peer cannot make the node provide a key (the
// node would sign and republish it): the call fails, catchably, saying how a client provides.
func TestScenarioDHTStrangerCannotMakeANodeProvide(t *testing.T) {
	ch := kademlia.OpenChallenge([]byte("chat room 7"))
	sc, err := scenario.Parse([]byte(fmt.Sprintf(`
name: dht-stranger
peers: [alice, bob]
init: alice
script: |
  (xor
    (call "{{peer:bob}}" ("dht" "add_provider") ["%s" ""] stored)
    (call %%init_peer_id%% ("callbackSrv" "response") [%%last_error%%.$.message]))
`, base58.Encode(ch.Encode()))))
	if err != nil {
		t.Fatal(err)
	}
	o, err := Expand(Options{Seed: 3, Nodes: len(sc.Peers), Duration: 10 * time.Second, Faults: "none", Messages: 1})
	if err != nil {
		t.Fatal(err)
	}
	w := newScenarioWorkload(sc, nil)
	if _, err := run(o, w, time.Now); err != nil {
		t.Fatal(err)
	}
	for _, id := range append(w.starts, w.live) {
		if got := w.callbacks[id]; len(got) != 1 || !strings.Contains(got[0], "only the node and its management peer may make the node provide a key") {
			t.Fatalf("start %s called back %q", id, got)
		}
	}
}
