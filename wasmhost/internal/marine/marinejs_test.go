package marine_test

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aquanet/aquanet/internal/oracle"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/engine"
)

//go:embed testdata/marinejs.mjs
var marineJSDriver []byte

type jsCall struct {
	Fn     string          `json:"fn"`
	Args   json.RawMessage `json:"args"`
	Params json.RawMessage `json:"params,omitempty"`
}

type jsResult struct {
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
}

// marineJS runs calls of the service made of testdata/<names>.wasm in marine-js.
func marineJS(t *testing.T, dir string, names []string, calls []jsCall) []jsResult {
	t.Helper()
	type mod struct{ Name, Path string }
	var mods []map[string]string
	for _, n := range names {
		abs, err := filepath.Abs(filepath.Join("testdata", n+".wasm"))
		if err != nil {
			t.Fatal(err)
		}
		mods = append(mods, map[string]string{"name": n, "path": abs})
	}
	input, err := json.Marshal(map[string]any{"modules": mods, "calls": calls})
	if err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(t.TempDir(), "marinejs.mjs")
	if err := os.WriteFile(prog, marineJSDriver, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(context.Background(), "node", prog)
	cmd.Env = append(os.Environ(), oracle.EnvDir+"="+dir)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(input), &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var out []jsResult
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || len(out) != len(calls) {
		t.Fatalf("driver output %q: %v", stdout.String(), err)
	}
	return out
}

// Our test modules give in marine-js (Fluence's Marine) what they give on our host: the
// results, and which calls fail. This checks our reading of the ABI (layouts, adapters, call
// parameters, linking) against the reference, not only against itself.
func TestSameAsMarineJS(t *testing.T) {
	dir := oracle.Require(t)
	v3Params := `{"particle":{"id":"particle-7","init_peer_id":"init-peer","timestamp":1700000000123,"ttl":4000000000,` +
		`"script":"(null)","signature":[1,2,255],"token":"tok"},"service_id":"svc","service_creator_peer_id":"creator",` +
		`"host_id":"host-peer","worker_id":"worker-peer","tetraplets":[[{"peer_pk":"pk1","service_id":"s1",` +
		`"function_name":"f1","lens":".$.a"}],[],[{"peer_pk":"pk2","service_id":"s2","function_name":"f2","lens":""}]]}`
	ourParams := api.CallParams{ParticleID: "particle-7", InitPeerID: "init-peer", Timestamp: 1700000000123, TTL: 4000000000,
		Script: "(null)", Signature: []byte{1, 2, 255}, Token: "tok", ServiceID: "svc", ServiceCreatorPeerID: "creator",
		HostID: "host-peer", WorkerID: "worker-peer", Tetraplets: [][]api.Tetraplet{
			{{PeerPK: "pk1", ServiceID: "s1", FunctionName: "f1", Lens: ".$.a"}}, {},
			{{PeerPK: "pk2", ServiceID: "s2", FunctionName: "f2", Lens: ""}}}}

	services := []struct {
		modules []string
		calls   []jsCall
	}{
		{[]string{"greeting"}, []jsCall{
			{Fn: "greeting", Args: raw(`["ünïcødé ✓"]`)},
			{Fn: "greeting", Args: raw(`[["wrapped"]]`)},
			{Fn: "echo_bytes", Args: raw(`[[0,1,255]]`)},
			{Fn: "echo_strings", Args: raw(`[["a","","ccc"]]`)},
			{Fn: "sum_u32s", Args: raw(`[[1,2,4294967295]]`)},
			{Fn: "neg_s32", Args: raw(`[-2147483647]`)},
			{Fn: "neg_s8", Args: raw(`[-100]`)},
			{Fn: "inc_u8", Args: raw(`[254]`)},
			{Fn: "inc_u8", Args: raw(`[255]`)}, // fails: 256 is no u8
			{Fn: "add_u64", Args: raw(`[4503599627370496, 1]`)},
			{Fn: "add_u64", Args: raw(`[9223372036854775808, 0]`)}, // fails: 2^63 is no i64
			{Fn: "add_s64", Args: raw(`[-4503599627370496, -1]`)},
			{Fn: "half_f64", Args: raw(`[-0.5]`)},
			{Fn: "id_f32", Args: raw(`[0.1]`)},
			{Fn: "not", Args: raw(`[true]`)},
			{Fn: "swap_u16", Args: raw(`[258]`)},
			{Fn: "make_record", Args: raw(`[]`)},
			{Fn: "echo_record", Args: raw(`[` + recordJSON + `]`)},
			{Fn: "record_sum", Args: raw(`[{"flag":true,"small":-5,"count":513,"delta":-100000,"big":5000000000,` +
				`"ratio":1.5,"name":"héllo","data":[0,255,7],"inner":{"id":4000000000,"label":"ok"},"tags":["a",""]}]`)},
			{Fn: "fail", Args: raw(`[]`)},
		}},
		{[]string{"callparams"}, []jsCall{
			{Fn: "params_v0", Args: raw(`[]`), Params: raw(v3Params)},
			{Fn: "params_v1", Args: raw(`[]`), Params: raw(v3Params)},
			{Fn: "params_v2", Args: raw(`[]`), Params: raw(v3Params)},
			{Fn: "params_v3", Args: raw(`[]`), Params: raw(v3Params)},
		}},
		{[]string{"effector", "pure"}, []jsCall{
			{Fn: "start_order", Args: raw(`[]`)},
			{Fn: "seen_at_start", Args: raw(`[]`)},
			{Fn: "relay", Args: raw(`["hey"]`)},
			{Fn: "relay_sum", Args: raw(`[[1,2,3]]`)},
			{Fn: "relay_bump", Args: raw(`[{"n":41,"s":"ünï"}]`)},
			{Fn: "relay_boom", Args: raw(`[]`)},
		}},
	}
	for _, s := range services {
		want := marineJS(t, dir, s.modules, s.calls)
		for i, c := range s.calls {
			// A fresh service per call, as the driver does.
			svc, _ := load(t, customSectionsRuntime(t), s.modules...)
			args := js(t, string(c.Args))
			list := make([]value.Value, args.Len())
			for j := range list {
				list[j] = args.Index(j)
			}
			params := api.CallParams{}
			if c.Params != nil {
				params = ourParams
			}
			got, err := svc.Call(context.Background(), c.Fn, list, params)
			if !want[i].OK {
				if _, isTrap := err.(*engine.Trap); !isTrap {
					t.Errorf("%s%s: marine-js fails (%s), we give %v, %v", c.Fn, c.Args, want[i].Error, got, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s%s: %v; marine-js gives %s", c.Fn, c.Args, err, want[i].Result)
				continue
			}
			if !sameJSON(got.String(), string(want[i].Result)) {
				t.Errorf("%s%s:\n got %s\nmarine-js %s", c.Fn, c.Args, got, want[i].Result)
			}
		}
	}
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// sameJSON compares JSON texts with numbers as float64, since marine-js's went through
// JavaScript (make_record's 2^63+5 comes back from it as 9223372036854776000).
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
