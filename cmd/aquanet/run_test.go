package main

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// unknownPeer returns a valid peer id that no node knows.
func unknownPeer(t *testing.T) string {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(nil)
	priv, err := crypto.UnmarshalEd25519PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

// oneErrorLine checks that stderr is one "aquanet: " line and returns it.
func oneErrorLine(t *testing.T, stderr string) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "aquanet: ") {
		t.Fatalf("stderr %q: want one 'aquanet: ' line", stderr)
	}
	return lines[0]
}

// noticeThenError returns the two lines of stderr of a run that expired after its relay's
// notice: the notice, printed as it came (it says the run waits on), then the error.
func noticeThenError(t *testing.T, stderr string) (notice, errLine string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "aquanet: ") || !strings.HasPrefix(lines[1], "aquanet: ") ||
		!strings.HasSuffix(lines[0], "; waiting for the rest of the script until the TTL ends (interrupt to stop)") {
		t.Fatalf("stderr %q: want the relay's notice, then the error, each one 'aquanet: ' line", stderr)
	}
	return lines[0], lines[1]
}

// A relay that cannot be reached is one error line that says "relay", names its peer id and
// the address that failed.
func TestRunUnreachableRelay(t *testing.T) {
	id := unknownPeer(t)
	code, out, stderr := aquanet(t, "", "run", "--relay", "/ip4/127.0.0.1/tcp/1/p2p/"+id, "-e", "(null)")
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	line := oneErrorLine(t, stderr)
	if !strings.Contains(line, "connecting to the relay "+id+": /ip4/127.0.0.1/tcp/1: ") || strings.Contains(line, "bootstrap") {
		t.Errorf("error %q: want it to name the relay and its address", line)
	}
}

// A script that does not parse is reported as air check reports it, FILE:LINE:COL: message,
// before anything is dialled: the relay here is a closed port, which is never mentioned.
func TestRunChecksTheScriptFirst(t *testing.T) {
	relay := "/ip4/127.0.0.1/tcp/1/p2p/" + unknownPeer(t)
	file := filepath.Join(t.TempDir(), "bad.air")
	if err := os.WriteFile(file, []byte("(seq\n  (null)\n  (call x (\"s\" \"f\") []))\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--script", file}, file + ":3:9: "},
		{[]string{"-e", "(seq (null) (nul))"}, "-e:1:14: "},
	} {
		code, out, stderr := aquanet(t, "", append([]string{"run", "--relay", relay}, tc.args...)...)
		if code != 1 || out != "" {
			t.Errorf("%v: exit %d, stdout %q", tc.args, code, out)
		}
		if !strings.HasPrefix(stderr, tc.want) || strings.Contains(stderr, "relay") {
			t.Errorf("%v: stderr %q, want the script's error at %s and no connection", tc.args, stderr, tc.want)
		}
		for _, l := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
			if !regexp.MustCompile(`^.+:\d+:\d+: \S`).MatchString(l) {
				t.Errorf("%v: line %q is not FILE:LINE:COL: message", tc.args, l)
			}
		}
	}
}

// A run that fails through errorHandlingSrv, and one whose TTL ends, each end with one error
// line that names the particle.
func TestRunFailuresNameTheParticle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	n := startNode(t, "n1")
	particleErr := regexp.MustCompile(`^aquanet: particle [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}: `)

	failing := fmt.Sprintf(`
(xor
  (call "%s" ("no-such-service" "f") [])
  (call %%init_peer_id%% ("errorHandlingSrv" "error") [%%last_error%%.$.message 1]))`, n.peerID)
	code, out, stderr := aquanet(t, "", "run", "--relay", n.tcpAddr(t), "-e", failing)
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if code != 1 || out != "" || len(lines) != 2 || !strings.HasPrefix(lines[0], "error: errorHandlingSrv.error: ") ||
		!particleErr.MatchString(lines[1]) || !strings.Contains(lines[1], "the script reported an error") {
		t.Errorf("failing run: exit %d, stdout %q, stderr %q", code, out, stderr)
	}

	// The relay cannot reach the peer and tells the client, whose error names it.
	nowhere := unknownPeer(t)
	lost := fmt.Sprintf(`(seq (call "%s" ("op" "noop") []) (call %%init_peer_id%% ("op" "noop") []))`, nowhere)
	code, out, stderr = aquanet(t, "", "run", "--relay", n.tcpAddr(t), "--ttl", "1s", "-e", lost)
	notice, line := noticeThenError(t, stderr)
	if code != 1 || out != "" || !particleErr.MatchString(line) || !strings.Contains(notice, "no answer from "+nowhere) ||
		!strings.Contains(line, "did not complete within its TTL: no answer from "+nowhere) {
		t.Errorf("expired run: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// --arg NAME=@FILE reads the argument's JSON from FILE: one longer than a command line may hold
// (128 KiB for one argument on Linux) reaches the script whole. A missing file, or one that is
// not JSON, is an error that names the argument and the file, before anything is sent.
func TestRunArgFromFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	notJSON := writeFile(t, dir, "words.txt", "not json")
	relay := "/ip4/127.0.0.1/tcp/1/p2p/" + unknownPeer(t)
	for file, want := range map[string]string{missing: "--arg xs: open " + missing, notJSON: "--arg xs: " + notJSON + " is not JSON",
		"": "--arg xs: no file name after @", dir: "--arg xs: " + dir + ": read " + dir} {
		code, _, stderr := aquanet(t, "", "run", "--relay", relay, "--arg", "xs=@"+file, "-e", "(null)")
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("--arg xs=@%s: exit %d, stderr %q, want it to contain %q", file, code, stderr, want)
		}
	}
	if testing.Short() {
		t.Skip("starts a process")
	}
	n := startNode(t, "n1")
	const count = 30_000
	nums := make([]string, count)
	for i := range nums {
		nums[i] = strconv.Itoa(100_000 + i)
	}
	big := writeFile(t, dir, "xs.json", "["+strings.Join(nums, ",")+"]")
	script := fmt.Sprintf(`(seq (call %%init_peer_id%% ("getDataSrv" "xs") [] xs) (seq (call "%s" ("op" "array_length") [xs] n) (call %%init_peer_id%% ("callbackSrv" "response") [n])))`, n.peerID)
	code, out, stderr := aquanet(t, "", "run", "--relay", n.tcpAddr(t), "--arg", "xs=@"+big, "-e", script)
	if want := fmt.Sprintf("callbackSrv.response: %d\n", count); code != 0 || out != want {
		t.Fatalf("run with a %d-value argument from a file: exit %d, stdout %q (want %q), stderr %q", count, code, out, want, stderr)
	}
}
