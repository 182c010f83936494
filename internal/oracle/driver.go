package oracle

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// driverIO is the module every driver imports for its standard streams.
//
//go:embed driver-io.mjs
var driverIO []byte

// runDriver runs the node program driver (called name in messages; its own stderr lines start
// with "name: ") with input on stdin, in the oracle directory dir, and returns its stdout. The
// driver runs from a temporary directory, next to driver-io.mjs.
func runDriver(ctx context.Context, dir, name string, driver, input []byte) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "aquanet-"+name+"-*")
	if err != nil {
		return nil, fmt.Errorf("writing the driver: %w", err)
	}
	defer os.RemoveAll(tmp)
	prog := filepath.Join(tmp, name+".mjs")
	for file, text := range map[string][]byte{prog: driver, filepath.Join(tmp, "driver-io.mjs"): driverIO} {
		if err := os.WriteFile(file, text, 0o600); err != nil {
			return nil, fmt.Errorf("writing the driver: %w", err)
		}
	}

	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "node", prog)
	cmd.Env = append(os.Environ(), EnvDir+"="+dir)
	cmd.Stdin = bytes.NewReader(input)
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("%w; stderr:\n%s", err, driverStderr(stderr.Bytes(), name+": "))
	}
	return stdout.Bytes(), nil
}

// driverStderr shortens node's stderr for an error message: the driver's own lines (those
// starting with prefix) if there are any, else the tail.
func driverStderr(b []byte, prefix string) string {
	const max = 4096
	var own []string
	for line := range strings.Lines(string(b)) {
		if strings.HasPrefix(line, prefix) {
			own = append(own, strings.TrimRight(line, "\n"))
		}
	}
	if len(own) > 0 {
		return strings.Join(own, "\n")
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "(empty)"
	}
	if len(s) > max {
		s = "..." + s[len(s)-max:]
	}
	return s
}
