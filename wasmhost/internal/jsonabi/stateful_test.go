package jsonabi

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/aquanet/aquanet/wasmhost/internal/engine"
)

// kvstore loads the kvstore example with dir preopened as its /storage.
func kvstore(t *testing.T, dir string) engine.Service {
	cfg := wazero.NewModuleConfig().WithFSConfig(wazero.NewFSConfig().WithDirMount(dir, "/storage"))
	return load(t, engine.Host{}, module{name: "kvstore", guest: "kvstore", config: cfg})
}

func TestKVStorePersists(t *testing.T) {
	dir := t.TempDir()
	first := kvstore(t, dir)
	mustCall(t, first, `true`, "put", `"alpha"`, `{"n":1,"tags":["x"]}`)
	mustCall(t, first, `true`, "put", `"beta/../γ"`, `2.5`) // any string is a key
	mustCall(t, first, `false`, "put", `"alpha"`, `{"n":2}`)
	mustCall(t, first, `true`, "put", `"gone"`, `null`)
	mustCall(t, first, `true`, "delete", `"gone"`)
	mustCall(t, first, `false`, "delete", `"gone"`)
	mustCall(t, first, `["alpha","beta/../γ"]`, "list")
	if err := first.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 2 {
		t.Fatalf("the store's directory holds %d files (%v), want 2", len(entries), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "616c706861.json")); err != nil {
		t.Fatalf("alpha's file is not in the store's directory: %v", err)
	}

	second := kvstore(t, dir) // a new runtime and instance on the same directory
	mustCall(t, second, `{"n":2}`, "get", `"alpha"`)
	mustCall(t, second, `2.5`, "get", `"beta/../γ"`)
	mustCall(t, second, `["alpha","beta/../γ"]`, "list")
	_, err := call(t, second, "get", `"gone"`)
	if se, ok := errors.AsType[*engine.ServiceError](err); !ok || se.Message != `no key "gone"` {
		t.Fatalf(`get("gone") = %v (%T), want ServiceError "no key \"gone\""`, err, err)
	}
}

func TestKVStoreOtherDirectory(t *testing.T) {
	first := kvstore(t, t.TempDir())
	mustCall(t, first, `true`, "put", `"k"`, `1`)
	other := kvstore(t, t.TempDir())
	mustCall(t, other, `[]`, "list")
}
