// Command aquanet is the one binary of aquanet: it runs a node, sends scripts, simulates networks
// and manages keys. Run "aquanet --help" for the list of commands.
package main

import (
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
		fprintf(stderr, "aquanet: %v\n", err)
		return 1
	}
	return 0
}
