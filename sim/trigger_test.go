package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/scenario"
)

// Triggers run in the simulator on the nodes' clocks: bob installs on carol a trigger that
// calls dave every 5 s, three times; each start's trigger makes its three runs, and the same
// seed replays the run bit for bit, with faults too.
func TestTriggersReplay(t *testing.T) {
	sc, err := scenario.Parse([]byte(`
name: triggers
peers: [alice, bob, carol, dave]
init: bob
args:
  src: '(call "{{peer:dave}}" ("tick" "note") [] r)'
  params: {}
script: |
  (seq
    (seq (call %init_peer_id% ("getDataSrv" "src") [] src)
         (call %init_peer_id% ("getDataSrv" "params") [] params))
    (seq (call "{{peer:carol}}" ("script" "add") [src 5 params 3] id)
         (call %init_peer_id% ("callbackSrv" "response") [id])))
services:
  - {peer: dave, service: tick, function: note, result: "ok"}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, faults := range []string{"none", "all"} {
		var hashes []string
		for range 2 {
			o, err := Expand(Options{Seed: 5, Nodes: len(sc.Peers), Duration: 30 * time.Second, Faults: faults, Messages: 2, KeepEvents: true})
			if err != nil {
				t.Fatal(err)
			}
			w := newScenarioWorkload(sc, nil)
			r, err := run(o, w, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			hashes = append(hashes, r.Log.Hash())
			if faults != "none" {
				continue
			}
			runs := map[string]bool{}
			for i := range r.Log.Len() {
				what := r.Log.Event(i).What
				if id, ok := strings.CutPrefix(what, "deliver send trigger:"); ok && strings.HasSuffix(id, " carol->dave") {
					runs[strings.TrimSuffix(id, " carol->dave")] = true
				}
			}
			starts := len(w.starts) + 1 // and the liveness phase's
			if len(runs) != 3*starts {
				t.Fatalf("%d trigger runs reached dave, want 3 for each of %d starts: %v", len(runs), starts, runs)
			}
			t.Logf("faults none: %d trigger runs reached dave, from %d starts", len(runs), starts)
		}
		if hashes[0] != hashes[1] {
			t.Fatalf("faults %s: the same seed gave two event logs", faults)
		}
	}
}
