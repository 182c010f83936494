package wasmhost

import (
	"slices"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/wasmhost/internal/wasmtest"
)

var (
	sdkExports    = []string{"aquanet_sdk_v1", "aquanet_alloc", "aquanet_call"}
	marineExports = []string{"allocate", "release_objects", "get_result_ptr", "get_result_size", "set_result_ptr", "set_result_size"}
)

func TestIDOfIsACIDOfTheBytes(t *testing.T) {
	// The CIDv1 (raw, sha2-256) of the empty input, as IPFS tools print it.
	if got, want := IDOf(nil), ModuleID("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"); got != want {
		t.Errorf("IDOf(empty) = %s, want %s", got, want)
	}
	if IDOf([]byte{1}) == IDOf([]byte{2}) {
		t.Error("different bytes, same id")
	}
}

func TestInspectTellsTheKindEffectsAndLinks(t *testing.T) {
	marine := wasmtest.Funcs([][2]string{
		{"wasi_snapshot_preview1", "fd_write"},
		{"__marine_host_api_v3", "log_utf8_string"},
		{"host", "get_call_parameters"},
		{"__marine_host_api_v1", "curl"},
		{"storage", "put"},
		{"storage", "get"},
	}, marineExports, "interface-types", "\x05\x060.27.0", "__fluence_sdk_version", "0.14.0")
	info, err := Inspect(marine, 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.Kind != Marine || info.SDKVersion != "0.14.0" {
		t.Errorf("kind %s, sdk %q", info.Kind, info.SDKVersion)
	}
	if !slices.Equal(info.Effects, []string{"curl"}) || !slices.Equal(info.Links, []string{"storage"}) {
		t.Errorf("effects %v, links %v: want [curl] and [storage]", info.Effects, info.Links)
	}
	if info.ID != IDOf(marine) || info.Size != len(marine) {
		t.Errorf("id %s size %d", info.ID, info.Size)
	}

	sdk := wasmtest.Funcs([][2]string{{"aquanet_host", "call"}, {"wasi_snapshot_preview1", "random_get"}}, sdkExports)
	if info, err = Inspect(sdk, 0); err != nil || info.Kind != SDK || len(info.Effects)+len(info.Links) != 0 {
		t.Errorf("SDK module: %+v, %v", info, err)
	}
}

func TestInspectRefusesWhatNoNodeRuns(t *testing.T) {
	for _, tc := range []struct {
		name string
		wasm []byte
		max  int
		want string
	}{
		{"too large", wasmtest.Funcs(nil, sdkExports), 10, "more than the limit of 10"},
		{"not wasm", []byte("hello"), 0, "not a WebAssembly binary"},
		{"no ABI", wasmtest.Funcs(nil, []string{"main"}), 0, "neither a Marine module"},
		{"unknown WASI", wasmtest.Funcs([][2]string{{"wasi_snapshot_preview1", "fork"}}, sdkExports), 0, "WASI preview 1 does not have"},
		{"unknown SDK host function", wasmtest.Funcs([][2]string{{"aquanet_host", "exec"}}, sdkExports), 0, "aquanet's host does not have"},
		{"SDK importing a module", wasmtest.Funcs([][2]string{{"lib", "f"}}, sdkExports), 0, "through aquanet_host.call"},
		{"Marine host API in an SDK module", wasmtest.Funcs([][2]string{{"host", "get_call_parameters"}}, sdkExports), 0, "not a Marine module"},
		{"imported memory", wasmtest.Module(
			wasmtest.Section(wasmtest.Import, []byte{1}, wasmtest.Name("env"), wasmtest.Name("memory"), []byte{2, 0, 1}),
			wasmtest.Section(wasmtest.Export, []byte{1}, wasmtest.FuncExport("aquanet_sdk_v1", 0))), 0, "not a function"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Inspect(tc.wasm, tc.max)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Inspect: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
