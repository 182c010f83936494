package actors

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aquanet/aquanet/actors/perimeter"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/trust"
	"github.com/aquanet/aquanet/wasmhost"
)

// A Wasm service created under a perimeter (srv.create's second argument) is checked like a Go
// one, and stays under it after a restart: without its perimeter it serves nobody; with a
// perimeter whose policy is owner, it serves the developer and refuses anyone else.
func TestWasmServiceUnderAPerimeter(t *testing.T) {
	dir := t.TempDir()
	w := startWasmNode(t, dir, wasmhost.NewConfig())
	deploy := strings.Replace(deployScript("kvstore"), `("srv" "create") [bpid] sid`, `("srv" "create") [bpid "notes"] sid`, 1)
	got := w.run(deploy)
	if len(got) != 1 {
		t.Fatalf("deploy reported %v", got)
	}
	sid := str(got[0])
	put := catching(fmt.Sprintf(`(seq (call %%init_peer_id%% (%q "put") ["colour" "teal"] r) (call %%init_peer_id%% ("probe" "report") [r]))`, sid))
	if got := w.run(put); len(got) != 2 || !strings.Contains(got[1].String(), "(no-perimeter)") {
		t.Fatalf("put with no perimeter known: %v, want refused (no-perimeter)", got)
	}
	if err := w.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Restarted with the perimeter of "notes": the service is the developer's (alice's, the
	// node's own key) alone.
	developer, err := trust.ParsePeer(w.PeerID())
	if err != nil {
		t.Fatal(err)
	}
	notes := ledger.SetPerimeter{AppID: "notes", Developer: developer,
		Services: []ledger.PerimeterService{{ServiceRef: ledger.ServiceRef{Peer: w.PeerID(), Service: sid}, Policy: ledger.PolicyOwner}}}
	src := &lockedPerimeters{m: perimeter.Static{"notes": notes}}
	w = startWasmNodeWith(t, dir, WasmEnv{Host: new(wasmhost.NewConfig())}, func(e *Env) { e.Perimeters.Source = src })
	defer w.Stop(context.Background())
	if got := w.run(put); len(got) != 1 || str(got[0]) == "error" {
		t.Fatalf("put by the developer: %v", got)
	}
	notes = ledger.SetPerimeter{AppID: "notes", Developer: trust.Signer(mustIdentity(t, "someone else").Key).Public(),
		Services: []ledger.PerimeterService{{ServiceRef: ledger.ServiceRef{Peer: w.PeerID(), Service: sid}, Policy: ledger.PolicyPerimeter}}}
	src.set("notes", notes)
	if got := w.run(put); len(got) != 2 || !strings.Contains(got[1].String(), "(not-member)") {
		t.Fatalf("put by a stranger to the application: %v, want refused (not-member)", got)
	}
}

// lockedPerimeters is a table of perimeters a test may change while a node reads it.
type lockedPerimeters struct {
	mu sync.Mutex
	m  perimeter.Static
}

func (l *lockedPerimeters) Perimeter(app string) (ledger.SetPerimeter, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.Perimeter(app)
}

func (l *lockedPerimeters) set(app string, p ledger.SetPerimeter) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[app] = p
}
