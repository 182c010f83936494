package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// securedScript calls the greeting service on the relay and reports what it said, or the
// error, through errorHandlingSrv (which aquanet run prints as an error).
const securedScript = `
(seq
  (call %init_peer_id% ("getDataSrv" "-relay-") [] -relay-)
  (xor
    (seq (call -relay- ("greeting" "greet") [%init_peer_id%] r)
         (call %init_peer_id% ("callbackSrv" "response") [r]))
    (seq (ap %last_error%.$.message why)
         (call %init_peer_id% ("errorHandlingSrv" "error") [why]))))`

// The README's "Securing an application", step by step against a node process that keeps a
// ledger: a Wasm service deployed under the perimeter of "chat" serves nobody until the
// developer's perimeter transaction is applied; then it serves alice, who presents the
// developer's certificate, and refuses bob, who has none, and alice herself once the
// developer's revocation of her is applied.
func TestSecuringAnApplicationOnANodeProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	nodeDir := filepath.Join(dir, "v1")
	if err := os.MkdirAll(nodeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	_, v1 := keyPair(t, nodeDir, "node")
	devKey, dev := keyPair(t, dir, "developer")
	aliceKey, alice := keyPair(t, dir, "alice")
	bobKey, _ := keyPair(t, dir, "bob")
	code, genesis, errOut := aquanet(t, "", "ledger", "genesis", "--chain-id", "secure", "--validator", v1)
	if code != 0 {
		t.Fatalf("genesis: %s", errOut)
	}
	gfile := filepath.Join(dir, "genesis.json")
	if err := os.WriteFile(gfile, []byte(genesis), 0o600); err != nil {
		t.Fatal(err)
	}
	node := startNode(t, "v1", "--data-dir", nodeDir, "--ledger-genesis", gfile, "--management-peer", dev)
	relay := node.tcpAddr(t)

	code, sid, errOut := aquanet(t, "", "service", "deploy", "--relay", relay, "--key", devKey, "--alias", "greeting", "--perimeter", "chat", guestFile(t, "greeting"))
	if code != 0 {
		t.Fatalf("deploy: %s", errOut)
	}
	sid = strings.TrimSpace(sid)
	cert := filepath.Join(dir, "alice.cert")
	code, text, errOut := aquanet(t, "", "trust", "issue", "--for", alice, "--expires", "1d", "--key", devKey, "--root")
	if code != 0 {
		t.Fatalf("trust issue: %s", errOut)
	}
	if err := os.WriteFile(cert, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(key string, withCert bool) (int, string, string) {
		t.Helper()
		args := []string{"run", "--relay", relay, "--key", key, "--ttl", "20s", "-e", securedScript}
		if withCert {
			args = append(args, "--certificate", cert)
		}
		return aquanet(t, "", args...)
	}
	refused := func(who, key string, withCert bool, reason string) {
		t.Helper()
		code, out, errOut := run(key, withCert)
		if code != 1 || !strings.Contains(errOut, `refused the call to greeting.greet (service `+sid+`) (`+reason+`)`) {
			t.Fatalf("%s: exit %d, %q, %s; want refused (%s)", who, code, out, errOut, reason)
		}
	}
	refused("alice before the perimeter", aliceKey, true, "no-perimeter")

	submit := func(args ...string) {
		t.Helper()
		code, out, errOut := aquanet(t, "", append(append([]string{"ledger", "submit"}, args...), "--key", devKey, "--relay", relay)...)
		if code != 0 || !strings.Contains(out, "applied at height") {
			t.Fatalf("ledger submit %v: exit %d %q %s", args, code, out, errOut)
		}
	}
	submit("perimeter", "--app", "chat", "--service", v1+"/"+sid+"=perimeter")
	if code, out, errOut := run(aliceKey, true); code != 0 || !strings.Contains(out, "callbackSrv.response: \"Hi, "+alice) {
		t.Fatalf("alice: exit %d, %q, %s; want greeted", code, out, errOut)
	}
	refused("alice without her certificate", aliceKey, false, "not-member")
	refused("bob", bobKey, false, "not-member")
	if code, _, errOut := run(bobKey, true); code != 1 || !strings.Contains(errOut, "--certificate "+cert+" is for "+alice) {
		t.Fatalf("bob presenting alice's certificate: exit %d, %s; want refused before anything is sent", code, errOut)
	}
	submit("revoke", "--peer", alice)
	refused("alice after her revocation", aliceKey, true, "revoked")
}
