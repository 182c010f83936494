package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/internal/wasmguest"
)

func guestFile(t *testing.T, name string) string {
	t.Helper()
	p, err := wasmguest.Path(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestServiceInspect(t *testing.T) {
	code, out, errOut := aquanet(t, "", "service", "inspect", guestFile(t, "greeting"))
	if code != 0 || !strings.Contains(out, "kind    aquanet-sdk") || !strings.Contains(out, "greet(name: string) -> string") || !strings.Contains(out, "stateless:") {
		t.Fatalf("inspect: exit %d\n%s%s", code, out, errOut)
	}
	bad := writeFile(t, t.TempDir(), "bad.wasm", "not wasm")
	if code, _, errOut := aquanet(t, "", "service", "inspect", bad); code != 1 || !strings.Contains(errOut, "not a WebAssembly binary") {
		t.Fatalf("inspect of a non-module: exit %d, %s", code, errOut)
	}
}

// The three example services deployed to a real node process over libp2p with "aquanet service
// deploy" and called with "aquanet run", as the README shows; listed, described, removed; a
// stranger's deploy refused.
func TestServiceDeployToARealNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	keyFile := filepath.Join(t.TempDir(), "manager.key")
	if code, _, errOut := aquanet(t, "", "key", "gen", "--out", keyFile); code != 0 {
		t.Fatalf("key gen: %s", errOut)
	}
	_, show, _ := aquanet(t, "", "key", "show", keyFile)
	manager := strings.TrimSpace(show)
	n := startNode(t, "n", "--management-peer", manager)
	relay := n.tcpAddr(t)

	deploy := func(args ...string) string {
		t.Helper()
		code, out, errOut := aquanet(t, "", append([]string{"service", "deploy", "--relay", relay, "--key", keyFile}, args...)...)
		if code != 0 {
			t.Fatalf("deploy %v: exit %d\n%s", args, code, errOut)
		}
		return strings.TrimSpace(out)
	}
	run := func(script string) string {
		t.Helper()
		code, out, errOut := aquanet(t, "", "run", "--relay", relay, "--ttl", "30s", "-e", script)
		if code != 0 {
			t.Fatalf("run %s: exit %d\n%s%s", script, code, out, errOut)
		}
		return out
	}
	call := func(service, fn string, args string) string {
		return run(fmt.Sprintf(`(seq (seq (call %%init_peer_id%% ("getDataSrv" "-relay-") [] relay) (call relay (%q %q) [%s] r)) (call %%init_peer_id%% ("callbackSrv" "response") [r]))`, service, fn, args))
	}

	greeting := deploy(guestFile(t, "greeting"))
	if out := call(greeting, "greet", `"aquanet"`); !strings.Contains(out, "aquanet") {
		t.Errorf("greet: %s", out)
	}
	deploy("--alias", "kv", guestFile(t, "kvstore"))
	call("kv", "put", `"colour" "teal"`)
	if out := call("kv", "get", `"colour"`); !strings.Contains(out, `"teal"`) {
		t.Errorf("kv.get: %s", out)
	}
	text := deploy("--name", "text", guestFile(t, "textlib"), guestFile(t, "textfacade"))
	if out := call(text, "title", `"a tale of two modules"`); !strings.Contains(out, "A Tale Of Two Modules") {
		t.Errorf("title: %s", out)
	}

	code, out, errOut := aquanet(t, "", "service", "list", "--relay", relay)
	if code != 0 || strings.Count(out, "blueprint b") != 3 || !strings.Contains(out, "[\"kv\"]") {
		t.Fatalf("list: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = aquanet(t, "", "service", "interface", "--relay", relay, text)
	if code != 0 || !strings.Contains(out, "analyze(text: string) -> TextStats") || !strings.Contains(out, "record TextStats {") {
		t.Fatalf("interface: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut = aquanet(t, "", "service", "remove", "--relay", relay, "--key", keyFile, "kv"); code != 0 {
		t.Fatalf("remove: %s", errOut)
	}
	if _, out, _ = aquanet(t, "", "service", "list", "--relay", relay); strings.Count(out, "blueprint b") != 2 {
		t.Fatalf("list after remove:\n%s", out)
	}
	code, _, errOut = aquanet(t, "", "service", "deploy", "--relay", relay, guestFile(t, "greeting"))
	if code != 1 || !strings.Contains(errOut, "only available to the host") {
		t.Fatalf("a stranger's deploy: exit %d, %s", code, errOut)
	}
}
