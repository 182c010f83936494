package marine_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/mr-tron/base58"
	"github.com/tetratelabs/wazero"

	"github.com/aquanet/aquanet/internal/oracle"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/engine"
	"github.com/aquanet/aquanet/wasmhost/internal/marine"
)

// AquaVM 0.62.0's avm.wasm, a stock Marine module shipped in the npm package @fluencelabs/avm,
// from the oracle directory (never committed here). It is compiled once per test binary.
var avm struct {
	once     sync.Once
	r        wazero.Runtime
	compiled wazero.CompiledModule
	err      error
}

func loadAVM(t *testing.T) engine.Service {
	t.Helper()
	dir := oracle.Require(t)
	avm.once.Do(func() {
		ctx := context.Background()
		wasm, err := os.ReadFile(filepath.Join(dir, "node_modules", "@fluencelabs", "avm", "dist", "avm.wasm"))
		if err != nil {
			avm.err = err
			return
		}
		avm.r = wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCustomSections(true).
			WithCompilationCache(wazero.NewCompilationCache()))
		avm.compiled, avm.err = avm.r.CompileModule(ctx, wasm)
	})
	if avm.err != nil {
		t.Fatal(avm.err)
	}
	var logs []string
	svc, err := marine.Load(context.Background(), avm.r, []engine.Module{{
		Name: "avm", Compiled: avm.compiled, Config: wazero.NewModuleConfig().WithEnv("WASM_LOG", "off"),
	}}, engine.Host{Log: func(m string, level, target int32, msg string) { logs = append(logs, msg) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	return svc
}

func TestAVMInterface(t *testing.T) {
	svc := loadAVM(t)
	var sigs []string
	for _, f := range svc.Interface().Functions {
		sigs = append(sigs, f.Signature())
	}
	want := []string{"ast(script: string) -> string",
		"invoke(air: string, prev_data: []u8, data: []u8, params: RunParameters, call_results: []u8) -> InterpreterOutcome"}
	if len(sigs) != 4 || sigs[0] != want[0] || sigs[1] != want[1] {
		t.Errorf("functions %q", sigs)
	}
}

// AquaVM's ast export, run on our host, gives what AquaVM in marine-js gives (the oracle).
func TestAVMAstMatchesOracle(t *testing.T) {
	svc := loadAVM(t)
	scripts := []string{
		"(null)",
		"(seq (ap 1 $s) (null))",
		`(call %init_peer_id% ("peer" "identify") [] x)`,
		`(xor (call "p" ("s" "f") [1 2.5 -3 "ü" true] r) (fail :error:))`,
		`(fold [1 2 3] i (seq (ap i $acc) (next i)))`,
		`(new $s (seq (ap "a" $s) (canon %init_peer_id% $s #c)))`,
		"(seq (null)",                     // unbalanced
		"(call)",                          // malformed
		"(ap 9223372036854775808 x)",      // number out of range
		`(match 1 2 (null)) (null)`,       // trailing
		"(seq (ap 1 $s) (ap $s.$.[0] y))", // a lens
		`(call "peer" ("s" "f") [x] y)`,   // an undefined variable
		"",                                // empty
		"(par (null) (next i))",           // next outside a fold
		`(ap "` + string(make([]byte, 300)) + `" x)`, // a long string of NULs
	}
	want, err := oracle.Parse(context.Background(), oracle.Require(t), scripts)
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for i, s := range scripts {
		got, err := svc.Call(context.Background(), "ast", []value.Value{value.String(s)}, api.CallParams{})
		if err != nil {
			t.Fatalf("script %d: %v", i, err)
		}
		text, isStr := got.Str()
		if !isStr {
			t.Fatalf("script %d: result %v is not a string", i, got)
		}
		if want[i].Trap {
			continue
		}
		if want[i].OK {
			ok++
			if !jsonEqual(text, string(want[i].AST)) {
				t.Errorf("script %d %q:\n got %s\nwant %s", i, s, text, want[i].AST)
			}
		} else if text != want[i].Error {
			t.Errorf("script %d %q:\n got %q\nwant %q", i, s, text, want[i].Error)
		}
	}
	if ok < 5 || ok == len(scripts) {
		t.Errorf("%d of %d scripts parsed: the set should have valid and invalid ones", ok, len(scripts))
	}
}

// jsonEqual compares JSON texts as the oracle prints them (verbatim) and as AquaVM printed them
// here (the same program, so the text should be the same; spaces are ignored).
func jsonEqual(a, b string) bool {
	var ca, cb bytes.Buffer
	if json.Compact(&ca, []byte(a)) != nil || json.Compact(&cb, []byte(b)) != nil {
		return a == b
	}
	return ca.String() == cb.String()
}

// peerID is the libp2p peer id of an ed25519 key: an identity multihash of its protobuf
// PublicKey, in base58.
func peerID(pub ed25519.PublicKey) string {
	return base58.Encode(append([]byte{0x00, 0x24, 0x08, 0x01, 0x12, 0x20}, pub...))
}

// AquaVM's invoke, as marine.md §3 ran it: ret_code 0, a call request for peer.identify, and
// the same data, byte for byte, as AquaVM in marine-js writes for the same run.
func TestAVMInvokeMatchesOracle(t *testing.T) {
	svc := loadAVM(t)
	seed := sha256.Sum256([]byte("marine-test-peer"))
	peer := peerID(ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey))
	const script = `(seq (call %init_peer_id% ("peer" "identify") [] info) (call %init_peer_id% ("op" "noop") [info]))`
	const timestamp, ttl, particle = 1700000000000, 600000, "particle-1"

	bytesJSON := func(b []byte) value.Value {
		elems := make([]value.Value, len(b))
		for i, c := range b {
			elems[i] = value.Uint(uint64(c))
		}
		return value.Array(elems...)
	}
	const limit = 4294967296
	params := value.Object(
		[]string{"init_peer_id", "current_peer_id", "timestamp", "ttl", "key_format", "secret_key_bytes",
			"particle_id", "air_size_limit", "particle_size_limit", "call_result_size_limit", "hard_limit_enabled"},
		[]value.Value{value.String(peer), value.String(peer), value.Uint(timestamp), value.Uint(ttl), value.Uint(0),
			bytesJSON(seed[:]), value.String(particle), value.Uint(limit), value.Uint(limit), value.Uint(limit), value.Bool(false)})
	args := []value.Value{value.String(script), bytesJSON(nil), bytesJSON(nil), params, bytesJSON([]byte{129, 4, 128})}
	out, err := svc.Call(context.Background(), "invoke", args, api.CallParams{})
	if err != nil {
		t.Fatal(err)
	}
	field := func(name string) value.Value {
		v, ok := out.Get(name)
		if !ok {
			t.Fatalf("outcome %s has no %s", out, name)
		}
		return v
	}
	if rc, _ := field("ret_code").Int64(); rc != 0 {
		t.Fatalf("ret_code %d: %s", rc, field("error_message"))
	}
	toBytes := func(v value.Value) []byte {
		b := make([]byte, v.Len())
		for i := range b {
			u, _ := v.Index(i).Uint64()
			b[i] = byte(u)
		}
		return b
	}
	requests := toBytes(field("call_requests"))
	if !bytes.Contains(requests, []byte("identify")) || !bytes.Contains(requests, []byte("peer")) {
		t.Errorf("call_requests (%d bytes) hold no call of peer.identify", len(requests))
	}

	ref, err := oracle.StartInterpreter(context.Background(), oracle.Require(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	want, err := ref.Invoke(oracle.Invocation{Script: script, InitPeerID: peer, CurrentPeerID: peer, Seed: seed[:],
		Timestamp: timestamp, TTL: ttl, ParticleID: particle})
	if err != nil {
		t.Fatal(err)
	}
	if want.RetCode != 0 || len(want.CallRequests) != 1 || want.CallRequests[0].Function != "identify" {
		t.Fatalf("the oracle's outcome: %+v", want)
	}
	if data := toBytes(field("data")); !bytes.Equal(data, want.Data) {
		t.Errorf("data differs from the oracle's:\n got %x\nwant %x", data, want.Data)
	}
}
