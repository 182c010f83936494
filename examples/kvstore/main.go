//go:build wasip1

// Command kvstore is a stateful service: a key-value store kept in files under /storage, the
// directory the node preopens for the service, so that its data outlives the instance.
//
//	put(key: string, value: json) -> bool     (true if the key was new)
//	get(key: string) -> json                  (fails if the key is absent)
//	list() -> []string                        (the keys, sorted)
//	delete(key: string) -> bool               (true if the key was there)
//
// A key becomes a file name in hex, so that any string is a safe name; keys are at most
// maxKeyBytes long.
package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/aquanet/aquanet/wasmhost/sdk"
)

const (
	dir         = "/storage"
	suffix      = ".json"
	maxKeyBytes = 100 // hex doubles it; file names are limited to 255 bytes
)

func init() {
	sdk.Func("put", sdk.Args("key", "string", "value", "json"), "bool", put)
	sdk.Func("get", sdk.Args("key", "string"), "json", get)
	sdk.Func("list", nil, "[]string", list)
	sdk.Func("delete", sdk.Args("key", "string"), "bool", del)
}

// file is the file that holds key.
func file(args []json.RawMessage) (string, string, error) {
	var key string
	if err := sdk.Decode(args, &key); err != nil {
		return "", "", err
	}
	if key == "" || len(key) > maxKeyBytes {
		return "", "", fmt.Errorf("a key must be 1 to %d bytes long", maxKeyBytes)
	}
	return key, path.Join(dir, hex.EncodeToString([]byte(key))+suffix), nil
}

func put(_ *sdk.Call, args []json.RawMessage) (any, error) {
	key, name, err := file(args)
	if err != nil {
		return nil, err
	}
	_, statErr := os.Stat(name)
	// Write a new file and rename it over the old one, so that a crash leaves the old value
	// or the new one, never a torn one.
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, args[1], 0o644); err != nil {
		return nil, fmt.Errorf("put %q: %w", key, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return nil, fmt.Errorf("put %q: %w", key, err)
	}
	return errors.Is(statErr, fs.ErrNotExist), nil
}

func get(_ *sdk.Call, args []json.RawMessage) (any, error) {
	key, name, err := file(args)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no key %q", key)
	}
	if err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	return json.RawMessage(data), nil
}

func list(_ *sdk.Call, _ []json.RawMessage) (any, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	keys := []string{}
	for _, e := range entries {
		stem, ok := strings.CutSuffix(e.Name(), suffix)
		if !ok {
			continue // a .tmp left by a crash, or a stranger
		}
		if key, err := hex.DecodeString(stem); err == nil {
			keys = append(keys, string(key))
		}
	}
	slices.Sort(keys)
	return keys, nil
}

func del(_ *sdk.Call, args []json.RawMessage) (any, error) {
	key, name, err := file(args)
	if err != nil {
		return nil, err
	}
	err = os.Remove(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return nil, fmt.Errorf("delete %q: %w", key, err)
	}
	return true, nil
}

func main() {}
