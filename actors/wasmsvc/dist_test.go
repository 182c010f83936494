package wasmsvc

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/internal/wasmguest"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost"
)

const host = "12D3Host"

func newDist(t *testing.T, cfg wasmhost.Config) (*Dist, *Catalog) {
	t.Helper()
	db, err := store.Open(store.Options{}) // in memory
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h, err := wasmhost.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCatalog(db, h)
	return NewDist(DistConfig{Host: host}, c), c
}

func call(d *Dist, caller, fn string, args ...value.Value) (value.Value, error) {
	return d.Call(service.CallContext{InitPeerID: caller, Service: "dist"}, fn, args)
}

func named(name string) value.Value {
	return value.Object([]string{"name"}, []value.Value{value.String(name)})
}

func b64(b []byte) value.Value { return value.String(base64.StdEncoding.EncodeToString(b)) }

// Every bad input to dist gets an error that says what was wrong, and nothing is stored.
func TestDistRefusesBadInputClearly(t *testing.T) {
	d, c := newDist(t, wasmhost.NewConfig().WithMaxModuleSize(8<<20))
	greeting := wasmguest.Require(t, "greeting")
	for _, tc := range []struct {
		name   string
		caller string
		fn     string
		args   []value.Value
		want   string
	}{
		{"a stranger adds a module", "12D3Mallory", "add_module", []value.Value{b64(greeting), named("g")}, "only available to the host"},
		{"not base64", host, "add_module", []value.Value{value.String("%%%"), named("g")}, "module_bytes is not base64"},
		{"no config", host, "add_module", []value.Value{b64(greeting)}, "Field 'config' is missing"},
		{"config without a name", host, "add_module", []value.Value{b64(greeting), value.Object(nil, nil)}, "ModuleConfig with a name"},
		{"a name with a slash", host, "add_module", []value.Value{b64(greeting), named("a/b")}, `module name "a/b"`},
		{"not a module", host, "add_module", []value.Value{b64([]byte("hello")), named("g")}, "not a WebAssembly binary"},
		{"too large", host, "add_module", []value.Value{b64(make([]byte, 9<<20)), named("g")}, "more than the limit"},
		{"a blueprint that is not JSON", host, "add_blueprint", []value.Value{value.String("{")}, "as make_blueprint returns"},
		{"a blueprint of a module not here", host, "add_blueprint", []value.Value{value.String(`{"dependencies":[{"/":"bafkreinothere"}],"name":"x"}`)}, "module bafkreinothere: not found"},
		{"a blueprint without modules", host, "make_blueprint", []value.Value{value.String("x"), value.Array()}, "at least one module"},
		{"an unknown module's interface", host, "get_module_interface", []value.Value{value.String("bafkreinothere")}, "not found"},
		{"a chunk out of order", host, "add_module_chunk", []value.Value{value.String("u"), value.Int(3), value.String("")}, `no upload "u" of yours in progress`},
		{"finishing an upload never started", host, "add_module_upload", []value.Value{value.String("u"), named("g")}, `no upload "u" of yours`},
		{"an unknown function", host, "nope", nil, "not found (function nope)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := call(d, tc.caller, tc.fn, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%s: %v, want an error saying %q", tc.fn, err, tc.want)
			}
		})
	}
	if mods, err := c.Modules(); err != nil || len(mods) != 0 {
		t.Fatalf("after refusals the node keeps %d modules (%v)", len(mods), err)
	}
}

// A module larger than a particle is added in chunks, in order; a skipped chunk or one over
// the size limit drops the upload; the same bytes added whole get the same id.
func TestDistChunkedUpload(t *testing.T) {
	d, _ := newDist(t, wasmhost.NewConfig().WithMaxModuleSize(8<<20))
	wasm := wasmguest.Require(t, "greeting")
	const chunk = 1 << 20
	for i := 0; i*chunk < len(wasm); i++ {
		part := wasm[i*chunk : min(len(wasm), (i+1)*chunk)]
		if _, err := call(d, host, "add_module_chunk", value.String("up"), value.Int(int64(i)), b64(part)); err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
	}
	id, err := call(d, host, "add_module_upload", value.String("up"), named("greeting"))
	if err != nil {
		t.Fatal(err)
	}
	whole, err := call(d, host, "add_module", b64(wasm), named("greeting"))
	if err != nil || whole.String() != id.String() {
		t.Fatalf("added whole: %v, %v; in chunks: %v", whole, err, id)
	}
	if _, err := call(d, host, "add_module_chunk", value.String("up2"), value.Int(0), b64(wasm[:10])); err != nil {
		t.Fatal(err)
	}
	if _, err := call(d, host, "add_module_chunk", value.String("up2"), value.Int(2), b64(wasm[10:20])); err == nil || !strings.Contains(err.Error(), "chunk 2 came, chunk 1 was expected") {
		t.Fatalf("a skipped chunk: %v", err)
	}
	big := make([]byte, 5<<20)
	call(d, host, "add_module_chunk", value.String("up3"), value.Int(0), b64(big))
	if _, err := call(d, host, "add_module_chunk", value.String("up3"), value.Int(1), b64(big)); err == nil || !strings.Contains(err.Error(), "dropped: more than the module size limit") {
		t.Fatalf("an upload over the limit: %v", err)
	}
	if _, err := call(d, host, "add_module_upload", value.String("up3"), named("big")); err == nil {
		t.Fatal("a dropped upload was added")
	}
}

// With deploying open, what a stranger makes the node keep is bounded (modules' bytes,
// blueprints), the host is not, and a module the node has already adds nothing to count.
func TestOpenDeployIsBounded(t *testing.T) {
	_, c := newDist(t, wasmhost.NewConfig())
	greeting, kvstore := wasmguest.Require(t, "greeting"), wasmguest.Require(t, "kvstore")
	d := NewDist(DistConfig{Host: host, OpenDeploy: true, MaxStoredModuleBytes: int64(len(greeting) + len(kvstore)/2), MaxBlueprints: 1}, c)
	const stranger = "12D3Mallory"
	if _, err := call(d, stranger, "add_module", b64(greeting), named("greeting")); err != nil {
		t.Fatalf("the first module: %v", err)
	}
	if _, err := call(d, stranger, "add_module", b64(greeting), named("greeting")); err != nil {
		t.Fatalf("the same module again: %v", err)
	}
	_, err := call(d, stranger, "add_module", b64(kvstore), named("kvstore"))
	if err == nil || !strings.Contains(err.Error(), "would pass") {
		t.Fatalf("a module past the bound: %v", err)
	}
	if _, err := call(d, host, "add_module", b64(kvstore), named("kvstore")); err != nil {
		t.Fatalf("the host is not bounded: %v", err)
	}
	bp := func(name string) value.Value {
		v, err := call(d, stranger, "make_blueprint", value.String(name), value.Array(value.String(string(wasmhost.IDOf(greeting)))))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if _, err := call(d, stranger, "add_blueprint", bp("one")); err != nil {
		t.Fatalf("the first blueprint: %v", err)
	}
	if _, err := call(d, stranger, "add_blueprint", bp("two")); err == nil || !strings.Contains(err.Error(), "keeps 1 blueprints") {
		t.Fatalf("a blueprint past the bound: %v", err)
	}
	if err := d.CheckServiceBound(stranger, DefaultMaxServicesPerPeer); err == nil {
		t.Fatal("a stranger owning the most services may create another")
	}
	if err := d.CheckServiceBound(host, 1000); err != nil {
		t.Fatalf("the host is bounded: %v", err)
	}
}
