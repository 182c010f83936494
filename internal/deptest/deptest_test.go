// Package deptest checks the module's import boundaries, in the manner of tailscale's deptest:
// a package listed here must not depend, directly or not, on the packages named for it. The
// boundaries are DESIGN.md's: interfaces in a leaf (core), transports that need nothing of the
// node, pure cores that know no network.
package deptest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/aquanet/aquanet"

// rules: package -> dependency prefix it must not have -> why.
var rules = map[string]map[string]string{
	"core": {
		module + "/actors":                    "core is the leaf the runtime implements, not a user of it",
		module + "/interpreter":               "core is the leaf the runtime implements, not a user of it",
		module + "/internal":                  "core is public and a leaf",
		"github.com/cockroachdb/pebble":       "the store is an interface here",
		"github.com/asynkron/protoactor-go":   "core knows no actors",
		"github.com/libp2p/go-libp2p/p2p":     "core knows no transport implementation",
		"github.com/libp2p/go-libp2p/config":  "core knows no transport implementation",
		"github.com/prometheus/client_golang": "core has no metrics",
	},
	"actors/p2p": {
		module + "/interpreter":             "a transport carries particles; it does not run them",
		module + "/actors/particles":        "a transport needs core, not the particle actor",
		module + "/actors/network":          "a transport needs core, not the network actor",
		module + "/actors/router":           "a transport needs core, not the router",
		"github.com/cockroachdb/pebble":     "a transport stores nothing",
		"github.com/asynkron/protoactor-go": "a transport knows no actors",
	},
	"particle": {
		module + "/actors":                  "the particle knows nothing of the runtime",
		module + "/interpreter":             "the particle knows nothing of AIR",
		"github.com/asynkron/protoactor-go": "the particle knows nothing of the runtime",
		"github.com/cockroachdb/pebble":     "the particle knows nothing of storage",
	},
	"wasmhost": {
		module + "/actors":                  "wasmhost runs modules; the node's actors use it, not the reverse",
		module + "/interpreter/air":         "a Wasm service knows JSON values, not AIR",
		"github.com/asynkron/protoactor-go": "wasmhost knows no actors",
		"github.com/cockroachdb/pebble":     "wasmhost stores nothing itself: the node persists modules",
		"github.com/libp2p/go-libp2p/p2p":   "wasmhost knows no network",
	},
	"trust": {
		module + "/actors":                  "trust is a pure core the node's actors call",
		module + "/interpreter":             "trust knows no AIR",
		"github.com/asynkron/protoactor-go": "trust is a pure core: no actors",
		"github.com/libp2p/go-libp2p/p2p":   "trust knows no network: it only reads keys and peer ids",
	},
	"interpreter": {
		module + "/actors":                  "the interpreter is a pure function",
		"github.com/asynkron/protoactor-go": "the interpreter is a pure function",
		"github.com/cockroachdb/pebble":     "the interpreter is a pure function",
		"github.com/libp2p/go-libp2p/p2p":   "the interpreter is a pure function",
	},
}

func TestDependencies(t *testing.T) {
	for pkg, banned := range rules {
		out, err := exec.Command("go", "list", "-deps", module+"/"+pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s/%s: %v", module, pkg, err)
		}
		deps := strings.Fields(string(out))
		for _, dep := range deps {
			for prefix, why := range banned {
				if dep == prefix || strings.HasPrefix(dep, prefix+"/") {
					t.Errorf("%s depends on %s: %s", pkg, dep, why)
				}
			}
		}
		t.Logf("%s: %d packages", pkg, len(deps))
	}
}
