package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's DHT walk-through on three node processes: a challenge owned by a root, alice's
// certificate as her solution, alice provides through one node and another node finds her; bob,
// with alice's certificate, is refused with the reason; alice removes her record through the
// third node, and it is gone.
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
	// alice stops providing, through the third node; the second no longer finds her, and a
	// stale copy of her record is refused where her removal is kept. bob cannot remove her.
	if code, out, errOut := aquanet(t, "", "dht", "remove", key, "--key", bobKey, "--relay", n3.tcpAddr(t)); code != 0 || !strings.Contains(out, "removal kept by") {
		t.Fatalf("bob's removal of his own (absent) record: exit %d %q %s", code, out, errOut)
	}
	if _, out, _ := aquanet(t, "", "dht", "providers", key, "--relay", n2.tcpAddr(t)); !strings.HasPrefix(out, alice+" weight 0 owned") {
		t.Fatalf("after bob's removal of his own record, alice is gone: %q", out)
	}
	if code, out, errOut := aquanet(t, "", "dht", "remove", key, "--key", aliceKey, "--relay", n3.tcpAddr(t)); code != 0 || !strings.Contains(out, "removal kept by") {
		t.Fatalf("alice's removal: exit %d %q %s", code, out, errOut)
	}
	if code, out, errOut := aquanet(t, "", "dht", "providers", key, "--relay", n2.tcpAddr(t)); code != 0 || out != "no providers\n" {
		t.Fatalf("providers after alice's removal: exit %d %q %s", code, out, errOut)
	}
	for _, bad := range [][]string{
		{"dht", "challenge", "owned", "--owner", root, "--max-path", "40"},
		{"dht", "challenge", "open"},
		{"dht", "providers", "notakey", "--relay", n3.tcpAddr(t)},
		{"dht", "solution", "--challenge", "0OIl"},
		{"dht", "remove", "notakey", "--key", aliceKey, "--relay", n3.tcpAddr(t)},
		{"dht", "remove", key, "--relay", n3.tcpAddr(t)},
	} {
		if code, _, errOut := aquanet(t, "", bad...); code == 0 || !strings.HasPrefix(errOut, "aquanet: ") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, %q: want one error line", bad, code, errOut)
		}
	}
}

// A node alone: its management peer makes it provide a key, which it keeps though no other
// peer can be asked (said as a warning); a key nobody provides fails, saying the network was
// not reached; a stranger cannot make the node provide.
func TestDHTOnALoneNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	mgmtKey, mgmt := keyPair(t, dir, "mgmt")
	strangerKey, _ := keyPair(t, dir, "stranger")
	n := startNode(t, "n", "--management-peer", mgmt)
	_, out, _ := aquanet(t, "", "dht", "challenge", "open", "--nonce", "solo")
	f := strings.Fields(out)
	challenge, key := f[1], f[3]
	code, out, errOut := aquanet(t, "", "dht", "provide", "--challenge", challenge, "--key", mgmtKey, "--node", "--relay", n.tcpAddr(t))
	if code != 0 || !strings.Contains(out, "kept by 1 of 1 peers") || !strings.Contains(errOut, "warning: looking up the peers closest to the key") {
		t.Fatalf("the management peer's provide: exit %d %q %q", code, out, errOut)
	}
	if code, out, _ := aquanet(t, "", "dht", "providers", key, "--relay", n.tcpAddr(t)); code != 0 || !strings.HasPrefix(out, n.peerID+" weight 0 open") {
		t.Fatalf("providers: exit %d %q", code, out)
	}
	_, out, _ = aquanet(t, "", "dht", "challenge", "open", "--nonce", "nobody")
	if code, _, errOut := aquanet(t, "", "dht", "providers", strings.Fields(out)[3], "--relay", n.tcpAddr(t)); code == 0 || !strings.Contains(errOut, "no providers here, and looking up") {
		t.Fatalf("providers of a key nobody provides, alone: exit %d %q", code, errOut)
	}
	if code, _, errOut := aquanet(t, "", "dht", "provide", "--challenge", challenge, "--key", strangerKey, "--node", "--relay", n.tcpAddr(t)); code == 0 || !strings.Contains(errOut, "only the node and its management peer") {
		t.Fatalf("a stranger's provide --node: exit %d %q", code, errOut)
	}
}
