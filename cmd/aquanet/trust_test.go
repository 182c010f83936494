package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// keyPair makes a key file and returns it with its peer id.
func keyPair(t *testing.T, dir, name string) (file, id string) {
	t.Helper()
	file = filepath.Join(dir, name+".key")
	if code, _, errOut := aquanet(t, "", "key", "gen", "--out", file); code != 0 {
		t.Fatalf("key gen: %s", errOut)
	}
	_, show, _ := aquanet(t, "", "key", "show", file)
	return file, strings.TrimSpace(show)
}

// A root issues a certificate, a peer extends it, both verify (against the root when asked);
// a single trust verifies against its issuer only; bad input says what is wrong.
func TestTrustIssueAndVerify(t *testing.T) {
	dir := t.TempDir()
	rootKey, root := keyPair(t, dir, "root")
	aliceKey, alice := keyPair(t, dir, "alice")
	bobKey, bob := keyPair(t, dir, "bob")
	write := func(name, body string) string {
		f := filepath.Join(dir, name)
		os.WriteFile(f, []byte(body), 0o600)
		return f
	}
	code, cert, errOut := aquanet(t, "", "trust", "issue", "--for", alice, "--expires", "30d", "--key", rootKey, "--root")
	if code != 0 || !strings.HasPrefix(cert, "11\n1111\n") || strings.Count(cert, "\n") != 10 {
		t.Fatalf("issue --root: exit %d\n%s%s", code, cert, errOut)
	}
	c1 := write("c1.cert", cert)
	code, ext, errOut := aquanet(t, "", "trust", "issue", "--for", bob, "--expires", "720h", "--key", aliceKey, "--extend", c1)
	if code != 0 || strings.Count(ext, "\n") != 14 {
		t.Fatalf("issue --extend: exit %d\n%s%s", code, ext, errOut)
	}
	c2 := write("c2.cert", ext)
	if code, out, errOut := aquanet(t, "", "trust", "verify", c2, "--root", root); code != 0 || !strings.Contains(out, "hop 2  "+bob) {
		t.Fatalf("verify --root: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := aquanet(t, "", "trust", "verify", c2, "--root", bob); code != 1 || !strings.Contains(errOut, "is not a trusted root") {
		t.Fatalf("verify with another root: exit %d %s", code, errOut)
	}
	code, tr, _ := aquanet(t, "", "trust", "issue", "--for", bob, "--key", aliceKey)
	t1 := write("t1", tr)
	if code != 0 || strings.Count(tr, "\n") != 4 {
		t.Fatalf("issue: %s", tr)
	}
	if code, out, errOut := aquanet(t, "", "trust", "verify", t1, "--issuer", alice); code != 0 || !strings.Contains(out, alice+" trusts "+bob) {
		t.Fatalf("verify --issuer: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := aquanet(t, "", "trust", "verify", t1, "--issuer", root); code != 1 || !strings.Contains(errOut, "does not verify") {
		t.Fatalf("verify --issuer with the wrong issuer: exit %d %s", code, errOut)
	}
	// A changed byte in a signature fails.
	lines := strings.Split(ext, "\n")
	lines[len(lines)-3] = "1799089631" // the last trust's expires_at
	if code, _, errOut := aquanet(t, "", "trust", "verify", write("bad.cert", strings.Join(lines, "\n"))); code != 1 || !strings.Contains(errOut, "trust 2: trust by") {
		t.Fatalf("verify of a tampered certificate: exit %d %s", code, errOut)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"issue", "--for", alice, "--expires", "soon", "--key", rootKey}, `--expires "soon"`},
		{[]string{"issue", "--for", alice}, "needs --key FILE"},
		{[]string{"issue", "--for", "alice", "--key", rootKey}, `"alice" is not a peer id`},
		{[]string{"issue", "--for", alice, "--key", bobKey, "--extend", c1}, "has no trust issued for " + bob},
		{[]string{"issue", "--for", bob, "--key", rootKey, "--root", "--extend", c1}, "do not go together"},
		{[]string{"verify", t1}, "certificate: 4 lines"},
		{[]string{"weight", alice}, "needs --relay"},
	} {
		if code, _, errOut := aquanet(t, "", append([]string{"trust"}, tc.args...)...); code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("trust %v: exit %d %q, want an error saying %q", tc.args, code, errOut, tc.want)
		}
	}
}

// A node started with a root and a certificate in its config weighs the certificate's peers;
// "aquanet trust weight" asks it.
func TestTrustWeightFromARealNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	rootKey, root := keyPair(t, dir, "root")
	_, alice := keyPair(t, dir, "alice")
	_, cert, _ := aquanet(t, "", "trust", "issue", "--for", alice, "--key", rootKey, "--root")
	certFile := filepath.Join(dir, "root.cert")
	os.WriteFile(certFile, []byte(cert), 0o600)
	config := filepath.Join(dir, "node.toml")
	os.WriteFile(config, []byte("trust_certificates = [\""+certFile+"\"]\n[trust_roots]\n\""+root+"\" = 5\n"), 0o600)
	n := startNode(t, "n", "--config", config)
	relay := n.tcpAddr(t)
	for peer, want := range map[string]string{alice: "16", root: "32"} {
		if code, out, errOut := aquanet(t, "", "trust", "weight", peer, "--relay", relay); code != 0 || strings.TrimSpace(out) != want {
			t.Errorf("weight of %s: exit %d %q %s, want %s", peer, code, out, errOut, want)
		}
	}
}
