package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A second node on the ports a first one listens on, TCP or QUIC, does not start: it exits 1
// with one line on stderr naming the address in use.
func TestNodeOnBusyPortExits1(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	first := startNode(t, "first", "--listen", "/ip4/127.0.0.1/udp/0/quic-v1")
	for _, kind := range []string{"/tcp/", "/quic-v1/"} {
		var busy string
		for _, a := range first.addrs {
			if strings.Contains(a, kind) {
				busy, _, _ = strings.Cut(a, "/p2p/")
			}
		}
		if busy == "" {
			t.Fatalf("the first node listens on %v: no %s address", first.addrs, kind)
		}
		// A node that starts after all runs until killed: the timeout ends it.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "node", "--data-dir", filepath.Join(t.TempDir(), "second"), "--listen", busy,
			"--http", "off", "--log-level", "warn")
		cmd.Env = append(os.Environ(), "AQUANET_TEST_AS_BINARY=1")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := cmd.ProcessState.ExitCode()
		lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
		want := "aquanet: p2p: listen address " + busy + " is in use"
		if err == nil || code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
			t.Errorf("a second node on %s: exit %d (%v), stderr %q; want exit 1 and one line starting %q", busy, code, err, stderr.String(), want)
		}
		if stdout.Len() != 0 {
			t.Errorf("a second node on %s printed %q", busy, stdout.String())
		}
	}
}
