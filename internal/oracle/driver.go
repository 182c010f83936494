package oracle

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// runDriver runs the node program driver (called name in messages; its own stderr lines start
// with "name: ") with input on stdin, in the oracle directory dir, and returns its stdout.
func runDriver(ctx context.Context, dir, name string, driver, input []byte) ([]byte, error) {
	f, err := os.CreateTemp("", "aquanet-"+name+"-*.mjs")
	if err != nil {
		return nil, fmt.Errorf("writing the driver: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(driver); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing the driver: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("writing the driver: %w", err)
	}

	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "node", f.Name())
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
