// Command aquanet is the one binary of aquanet: it runs a node, sends scripts, simulates networks
// and manages keys. Run "aquanet --help" for the list of commands.
package main

import (
	"errors"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the process exit code: 0 on success, 1 when the
// command failed (the error is printed to stderr as one "aquanet: ..." line).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := newRootCmd(stdin, stdout, stderr)
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		if !errors.Is(err, errExit1) {
			fprintf(stderr, "aquanet: %v\n", err)
		}
		return 1
	}
	return 0
}

// errExit1 makes the process exit with code 1 without printing anything more: the command has
// already said what was wrong.
var errExit1 = errors.New("exit status 1")
