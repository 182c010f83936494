package oracle

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// driverIO is the module every driver imports for its standard streams.
//
//go:embed driver-io.mjs
var driverIO []byte

// writeDriver writes the node program driver, called name, into a new temporary directory,
// next to driver-io.mjs, and returns the directory and the program's path.
func writeDriver(name string, driver []byte) (tmp, prog string, err error) {
	tmp, err = os.MkdirTemp("", "aquanet-"+name+"-*")
	if err != nil {
		return "", "", fmt.Errorf("writing the driver: %w", err)
	}
	prog = filepath.Join(tmp, name+".mjs")
	for file, text := range map[string][]byte{prog: driver, filepath.Join(tmp, "driver-io.mjs"): driverIO} {
		if err := os.WriteFile(file, text, 0o600); err != nil {
			os.RemoveAll(tmp)
			return "", "", fmt.Errorf("writing the driver: %w", err)
		}
	}
	return tmp, prog, nil
}

// runDriver runs the node program driver (called name in messages; its own stderr lines start
// with "name: ") with input on stdin, in the oracle directory dir, and returns its stdout.
func runDriver(ctx context.Context, dir, name string, driver, input []byte) ([]byte, error) {
	tmp, prog, err := writeDriver(name, driver)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

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

// process is a driver that answers requests one at a time: a JSON line in, a JSON line out.
type process struct {
	ctx    context.Context
	name   string
	tmp    string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr bytes.Buffer
	err    error // once the process failed, every request fails with it
	exited bool  // waited for
}

// startDriver starts the node program driver, called name, in the oracle directory dir, to
// answer requests with [process.ask]. Close it when done.
func startDriver(ctx context.Context, dir, name string, driver []byte) (*process, error) {
	tmp, prog, err := writeDriver(name, driver)
	if err != nil {
		return nil, err
	}
	p := &process{ctx: ctx, name: name, tmp: tmp, cmd: exec.CommandContext(ctx, "node", prog)}
	p.cmd.Env = append(os.Environ(), EnvDir+"="+dir)
	p.cmd.Stderr = &p.stderr
	if p.stdin, err = p.cmd.StdinPipe(); err == nil {
		var out io.ReadCloser
		if out, err = p.cmd.StdoutPipe(); err == nil {
			p.stdout = bufio.NewReaderSize(out, 1<<16)
			err = p.cmd.Start()
		}
	}
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("starting node: %w", err)
	}
	return p, nil
}

// ask sends req as one JSON line and decodes the answer line into answer. An error means the
// process is unusable: it died, or answered something that is not JSON.
func (p *process) ask(req, answer any) error {
	if p.err != nil {
		return p.err
	}
	line, err := json.Marshal(req)
	if err == nil {
		_, err = p.stdin.Write(append(line, '\n'))
	}
	var reply []byte
	if err == nil {
		reply, err = p.stdout.ReadBytes('\n')
	}
	if err == nil {
		if err = json.Unmarshal(reply, answer); err != nil {
			err = fmt.Errorf("decoding the %s driver's answer (%d bytes): %w", p.name, len(reply), err)
		}
	} else {
		err = p.died(err)
	}
	p.err = err
	return err
}

// died explains why talking to the process failed: the context's end, or the process's exit
// with its stderr.
func (p *process) died(err error) error {
	p.stdin.Close()
	waitErr := p.cmd.Wait()
	p.exited = true
	if ctxErr := p.ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if waitErr != nil {
		err = waitErr
	}
	return fmt.Errorf("node: %w; stderr:\n%s", err, driverStderr(p.stderr.Bytes(), p.name+": "))
}

// close ends the process (its stdin closes, and it exits) and removes its directory. The error
// reports a process that did not exit cleanly.
func (p *process) close() error {
	defer os.RemoveAll(p.tmp)
	if p.exited {
		return nil
	}
	p.stdin.Close()
	p.exited = true
	if err := p.cmd.Wait(); err != nil {
		return fmt.Errorf("node: %w; stderr:\n%s", err, driverStderr(p.stderr.Bytes(), p.name+": "))
	}
	return nil
}
