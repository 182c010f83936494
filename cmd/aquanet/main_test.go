package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// aquanet runs one command line in-process and returns its exit code and outputs.
func aquanet(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpListsCommands(t *testing.T) {
	code, out, _ := aquanet(t, "", "--help")
	if code != 0 {
		t.Fatalf("--help exited %d", code)
	}
	for _, cmd := range []string{"key", "version", "completion"} {
		if !strings.Contains(out, "\n  "+cmd+" ") {
			t.Errorf("--help does not list %q:\n%s", cmd, out)
		}
	}
}

// A word that is none of a group's commands fails, saying so (cobra printed the group's help and
// exited 0: "aquanet key new" seemed to work); the group alone prints its help.
func TestUnknownSubcommandFails(t *testing.T) {
	for _, args := range [][]string{{"key", "new", "alice.key"}, {"dht", "challange", "open"}, {"trust", "isue"}, {"air", "chek"}} {
		code, out, errOut := aquanet(t, "", args...)
		want := fmt.Sprintf("aquanet: unknown command %q for \"aquanet %s\"", args[1], args[0])
		if code != 1 || out != "" || !strings.HasPrefix(errOut, want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and %s", args, code, out, errOut, want)
		}
	}
	if code, out, _ := aquanet(t, "", "dht"); code != 0 || !strings.Contains(out, "Available Commands") {
		t.Errorf("aquanet dht: exit %d, %q; want its help", code, out)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := aquanet(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "aquanet ") || !strings.Contains(out, "go1.") {
		t.Fatalf("version: exit %d, %q", code, out)
	}
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		code, out, stderr := aquanet(t, "", "completion", shell)
		if code != 0 || !strings.Contains(out, "aquanet") {
			t.Errorf("completion %s: exit %d, stderr %q, %d bytes", shell, code, stderr, len(out))
		}
	}
}

func TestKeyGenAndShow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.key")
	code, out, stderr := aquanet(t, "", "key", "gen", "--out", path)
	if code != 0 {
		t.Fatalf("key gen exited %d: %s", code, stderr)
	}
	id := strings.TrimSpace(out)
	if !strings.HasPrefix(id, "12D3KooW") {
		t.Fatalf("key gen printed %q, want an ed25519 peer id", out)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", st.Mode().Perm())
	}

	code, out, _ = aquanet(t, "", "key", "show", path)
	if code != 0 || strings.TrimSpace(out) != id {
		t.Fatalf("key show: exit %d, %q, want %s", code, out, id)
	}
	data, _ := os.ReadFile(path)
	code, out, _ = aquanet(t, string(data), "key", "show", "-")
	if code != 0 || strings.TrimSpace(out) != id {
		t.Fatalf("key show - : exit %d, %q, want %s", code, out, id)
	}

	code, _, stderr = aquanet(t, "", "key", "gen", "--out", path)
	if code != 1 || !strings.Contains(stderr, "already exists") || !strings.Contains(stderr, "--force") {
		t.Fatalf("key gen over an existing file: exit %d, %q", code, stderr)
	}
	if _, out2, _ := aquanet(t, "", "key", "show", path); strings.TrimSpace(out2) != id {
		t.Fatal("refused key gen changed the key")
	}

	code, out, _ = aquanet(t, "", "key", "gen", "--out", path, "--force")
	if code != 0 || strings.TrimSpace(out) == id {
		t.Fatalf("key gen --force: exit %d, %q (same id as before?)", code, out)
	}
}

func TestKeyGenToStdout(t *testing.T) {
	code, keyBytes, stderr := aquanet(t, "", "key", "gen", "--out", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, out, _ := aquanet(t, keyBytes, "key", "show", "-")
	if code != 0 || strings.TrimSpace(out) != strings.TrimSpace(stderr) {
		t.Fatalf("key written to stdout shows as %q, gen said %q", out, stderr)
	}
}

func TestKeyShowRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.key")
	os.WriteFile(garbage, []byte("not a key"), 0o600)
	empty := filepath.Join(dir, "empty.key")
	os.WriteFile(empty, nil, 0o600)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"key", "show", garbage}, garbage + ": not a libp2p private key"},
		{[]string{"key", "show", empty}, empty + ": empty file"},
		{[]string{"key", "show", filepath.Join(dir, "missing")}, "no such file"},
		{[]string{"key", "show", dir}, dir + ": is a directory"},
		{[]string{"key", "show"}, "needs one key FILE"},
		{[]string{"key", "show", "-"}, "standard input: empty file"},
		{[]string{"key", "gen", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"key", "gen", "--out", filepath.Join(dir, "no", "such", "dir", "k")}, "no such file"},
	}
	for _, tc := range cases {
		code, out, stderr := aquanet(t, "", tc.args...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1", tc.args, code)
		}
		if out != "" {
			t.Errorf("%v: wrote %q to stdout", tc.args, out)
		}
		lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "aquanet: ") || !strings.Contains(lines[0], tc.want) {
			t.Errorf("%v: stderr %q, want one 'aquanet: ' line mentioning %q", tc.args, stderr, tc.want)
		}
	}
}
