package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's DHT walk-through on three node processes: a challenge owned by a root, alice's
// certificate as her solution, alice provides through one node and another node finds her; bob,
// with alice's certificate, is refused with the reason.
func TestDHTProvideAndFindOnRealNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	rootKey, root := keyPair(t, dir, "root")
	aliceKey, alice := keyPair(t, dir, "alice")
	bobKey, _ := keyPair(t, dir, "bob")
	n1 := startNode(t, "n1")
	n2 := startNode(t, "n2", "--bootstrap", n1.tcpAddr(t))
	n3 := startNode(t, "n3", "--bootstrap", n1.tcpAddr(t))

	code, out, errOut := aquanet(t, "", "dht", "challenge", "owned", "--owner", root, "--nonce", "chat room 7")
	if code != 0 {
		t.Fatalf("challenge: %s", errOut)
	}
	var challenge, key string
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "challenge "); ok {
			challenge = v
		}
		if v, ok := strings.CutPrefix(l, "key "); ok {
			key = v
		}
	}
	_, cert, _ := aquanet(t, "", "trust", "issue", "--for", alice, "--key", rootKey, "--root")
	certFile := filepath.Join(dir, "alice.cert")
	os.WriteFile(certFile, []byte(cert), 0o600)
	code, sol, errOut := aquanet(t, "", "dht", "solution", "--challenge", challenge, "--cert", certFile)
	if code != 0 {
		t.Fatalf("solution: %s", errOut)
	}
	sol = strings.TrimSpace(sol)
	if code, out, errOut := aquanet(t, "", "dht", "provide", "--challenge", challenge, "--solution", sol, "--key", aliceKey, "--relay", n2.tcpAddr(t)); code != 0 || !strings.Contains(out, "kept by") {
		t.Fatalf("provide: exit %d %q %s", code, out, errOut)
	}
	code, out, errOut = aquanet(t, "", "dht", "providers", key, "--relay", n3.tcpAddr(t))
	if code != 0 || !strings.HasPrefix(out, alice+" weight 0 owned until ") {
		t.Fatalf("providers from another node: exit %d %q %s", code, out, errOut)
	}
	code, _, errOut = aquanet(t, "", "dht", "provide", "--challenge", challenge, "--solution", sol, "--key", bobKey, "--relay", n2.tcpAddr(t))
	if code == 0 || !strings.Contains(errOut, "bad-solution: the certificate ends at "+alice) {
		t.Fatalf("bob with alice's certificate: exit %d, %s", code, errOut)
	}
	for _, bad := range [][]string{
		{"dht", "challenge", "owned", "--owner", root, "--max-path", "40"},
		{"dht", "challenge", "open"},
		{"dht", "providers", "notakey", "--relay", n3.tcpAddr(t)},
		{"dht", "solution", "--challenge", "0OIl"},
	} {
		if code, _, errOut := aquanet(t, "", bad...); code == 0 || !strings.HasPrefix(errOut, "aquanet: ") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, %q: want one error line", bad, code, errOut)
		}
	}
}
