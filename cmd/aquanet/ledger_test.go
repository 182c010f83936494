package main

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/trust"
)

// Three validator processes from one genesis: they elect a leader; a client's transfer signed
// with its key and submitted through one validator is applied, and a linearizable read through
// another sees it; the leader is killed with SIGKILL in the middle of the client's transfers
// and the other two go on, nothing acknowledged lost; the killed validator restarts from its
// disk and catches up; an overdraft is refused with its reason; a bad genesis stops the node
// saying why.
func TestLedgerOnValidatorProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	var ids, dirs []string
	for _, name := range []string{"v1", "v2", "v3"} {
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		_, id := keyPair(t, d, "node")
		ids, dirs = append(ids, id), append(dirs, d)
	}
	aliceKey, alice := keyPair(t, dir, "alice")
	_, bob := keyPair(t, dir, "bob")
	args := []string{"ledger", "genesis", "--chain-id", "test-chain", "--balance", alice + "=100"}
	for _, id := range ids {
		args = append(args, "--validator", id)
	}
	code, genesis, errOut := aquanet(t, "", args...)
	if code != 0 {
		t.Fatalf("genesis: %s", errOut)
	}
	gfile := filepath.Join(dir, "genesis.json")
	if err := os.WriteFile(gfile, []byte(genesis), 0o600); err != nil {
		t.Fatal(err)
	}
	// Each validator bootstraps from those started before it, so that every two are connected
	// (raft's followers talk to each other only when they elect a leader: the DHT may not have
	// told them of each other by then).
	var nodes []*nodeProc
	for i := range 3 {
		args := []string{"--data-dir", dirs[i], "--ledger-genesis", gfile}
		for _, n := range nodes {
			args = append(args, "--bootstrap", n.tcpAddr(t))
		}
		nodes = append(nodes, startNode(t, fmt.Sprint("v", i+1), args...))
	}
	leader := func(via *nodeProc) string {
		for range 100 {
			if code, out, _ := aquanet(t, "", "ledger", "status", "--relay", via.tcpAddr(t)); code == 0 && !strings.Contains(out, "leader none known") {
				return strings.TrimSpace(out[strings.LastIndex(out, " ")+1:])
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatal("no leader known")
		return ""
	}
	leader(nodes[1])
	transfer := func(via *nodeProc, amount string) {
		t.Helper()
		code, out, errOut := aquanet(t, "", "ledger", "submit", "transfer", "--to", bob, "--amount", amount, "--key", aliceKey, "--relay", via.tcpAddr(t))
		if code != 0 || !strings.Contains(out, "applied at height") {
			t.Fatalf("transfer of %s: exit %d %q %s", amount, code, out, errOut)
		}
	}
	balance := func(via *nodeProc) string {
		t.Helper()
		code, out, errOut := aquanet(t, "", "ledger", "get", "balance", bob, "--linearizable", "--relay", via.tcpAddr(t))
		if code != 0 {
			t.Fatalf("balance: exit %d %s", code, errOut)
		}
		return strings.TrimSpace(out)
	}
	transfer(nodes[1], "30")
	if got := balance(nodes[2]); got != `{"balance":30,"nonce":0}` {
		t.Fatalf("bob's balance through the third validator: %s", got)
	}

	// The leader dies without a word in the middle of a client's transfers (1 each, one after
	// the other, through whichever validator is up); the other two elect another and go on.
	lead := leader(nodes[0])
	var killed int
	for i, id := range ids {
		if id == lead {
			killed = i
		}
	}
	acked, tried := 0, 0
	for k := range 8 {
		if k == 3 {
			nodes[killed].cmd.Process.Kill()
			nodes[killed].cmd.Wait()
		}
		via := nodes[(killed+1+k%2)%3]
		if k < 3 {
			via = nodes[k%3]
		}
		tried++
		code, out, _ := aquanet(t, "", "ledger", "submit", "transfer", "--to", bob, "--amount", "1", "--key", aliceKey, "--relay", via.tcpAddr(t))
		if code == 0 && strings.Contains(out, "applied at height") {
			acked++
		}
	}
	alive := nodes[(killed+1)%3]
	var got struct{ Balance int }
	for range 20 { // a transfer whose answer was lost with the leader may still be applied
		_, out, _ := aquanet(t, "", "ledger", "get", "balance", bob, "--linearizable", "--relay", alive.tcpAddr(t))
		if json.Unmarshal([]byte(out), &got) == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got.Balance < 30+acked || got.Balance > 30+tried || acked < 5 {
		t.Fatalf("bob has %d after %d transfers of 1 acknowledged of %d tried (and 30 before): an acknowledged transfer was lost, or too few went through", got.Balance, acked, tried)
	}

	// The killed validator comes back from its disk and catches up.
	args = []string{"--data-dir", dirs[killed], "--ledger-genesis", gfile}
	for i, n := range nodes {
		if i != killed {
			args = append(args, "--bootstrap", n.tcpAddr(t))
		}
	}
	back := startNode(t, fmt.Sprint("v", killed+1, "-again"), args...)
	height := func(via *nodeProc) string {
		_, out, _ := aquanet(t, "", "ledger", "status", "--relay", via.tcpAddr(t))
		f := strings.Fields(out)
		if len(f) < 4 {
			return ""
		}
		return f[3]
	}
	want := height(alive)
	for range 100 {
		if h := height(back); h == want && h != "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if h := height(back); h != want {
		t.Fatalf("the restarted validator is at height %s, the others at %s", h, want)
	}

	if code, _, errOut := aquanet(t, "", "ledger", "submit", "transfer", "--to", bob, "--amount", "1000", "--key", aliceKey, "--relay", alive.tcpAddr(t)); code == 0 || !strings.Contains(errOut, "insufficient-funds") {
		t.Fatalf("an overdraft: exit %d %s", code, errOut)
	}
	// A node that is no validator, given the same genesis, follows the ledger: it reaches the
	// validators' height, and serves what a later block set (a perimeter, submitted with a
	// kind of its own) from its copy; it refuses transactions.
	follower := startNode(t, "follower", "--data-dir", filepath.Join(dir, "follower"), "--ledger-genesis", gfile, "--bootstrap", alive.tcpAddr(t))
	if code, out, errOut := aquanet(t, "", "ledger", "submit", "perimeter", "--app", "chat", "--service", bob+"/room=perimeter",
		"--member", bob, "--key", aliceKey, "--relay", alive.tcpAddr(t)); code != 0 || !strings.Contains(out, "applied at height") {
		t.Fatalf("a perimeter: exit %d %s %s", code, out, errOut)
	}
	want = height(alive)
	for range 100 {
		if height(follower) == want {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, out, _ := aquanet(t, "", "ledger", "status", "--relay", follower.tcpAddr(t)); !strings.Contains(out, "height "+want+" ") || !strings.Contains(out, "following") {
		t.Fatalf("the follower's status: %s, want height %s, following", out, want)
	}
	if code, out, errOut := aquanet(t, "", "ledger", "get", "perimeter", "chat", "--relay", follower.tcpAddr(t)); code != 0 || !strings.Contains(out, bob) || !strings.Contains(out, `"perimeter"`) {
		t.Fatalf("the perimeter read at the follower: exit %d %s %s", code, out, errOut)
	}
	if code, _, errOut := aquanet(t, "", "ledger", "submit", "transfer", "--to", bob, "--amount", "1", "--key", aliceKey, "--relay", follower.tcpAddr(t)); code == 0 || !strings.Contains(errOut, "submit through a validator") {
		t.Fatalf("a transfer through the follower: exit %d %s", code, errOut)
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"chain_id": ""}`), 0o600)
	if code, _, errOut := aquanet(t, "", "node", "--data-dir", filepath.Join(dir, "bad"), "--listen", "/ip4/127.0.0.1/tcp/0", "--http", "off", "--ledger-genesis", bad); code == 0 || !strings.Contains(errOut, "ledger-genesis") {
		t.Fatalf("a bad genesis: exit %d %s", code, errOut)
	}
}

// Each kind of "ledger submit" makes its transaction from the flags; a bad flag is named.
func TestLedgerSubmitBodies(t *testing.T) {
	signer := trust.Signer(ed25519.NewKeyFromSeed(make([]byte, 32)))
	peer := signer.Public().String()
	for _, c := range []struct {
		kind  string
		flags submitFlags
		want  string // the body's kind, or a part of the error
	}{
		{"transfer", submitFlags{to: peer, amount: 3}, "transfer"},
		{"transfer", submitFlags{to: "nobody"}, `--to "nobody"`},
		{"name", submitFlags{name: "a", target: "key:zz0"}, `--target "key:zz0"`},
		{"revoke", submitFlags{peer: peer}, "revocation"},
		{"price", submitFlags{peer: peer, service: "s", price: 2}, "price"},
		{"pay", submitFlags{peer: peer, service: "s", calls: 2}, "pay"},
		{"perimeter", submitFlags{app: "chat", services: []string{peer + "/room=owner"}, members: []string{peer}}, "perimeter"},
		{"perimeter", submitFlags{app: "chat", services: []string{"room=owner"}}, "want PEER/ID=POLICY"},
		{"perimeter", submitFlags{app: "chat", services: []string{peer + "/room=everyone"}}, `policy "everyone"`},
		{"mint", submitFlags{}, `"mint": want transfer`},
	} {
		body, err := c.flags.body(c.kind, signer)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = body.Kind().String()
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%s %+v: %q, want %q", c.kind, c.flags, got, c.want)
		}
	}
}
