package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "aquanet",
		Short: "A Go implementation of the Fluence distributed computing protocol",
		Long: `aquanet runs Fluence-style peers: particles carrying AIR scripts hop between peers over
libp2p, each peer runs the script as far as it can and calls its services.`,
		Version:       versionString(),
		SilenceUsage:  true, // a failed command prints its error, not the whole usage text
		SilenceErrors: true, // run prints errors, once, in one format
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(newVersionCmd(), newKeyCmd(), newAirCmd(), newNodeCmd(), newRunCmd(), newSimCmd(), newAquaCmd(), newServiceCmd(), newTrustCmd(), newDHTCmd(), newLedgerCmd(), newTriggerCmd())
	for _, c := range root.Commands() {
		refuseUnknownSubcommands(c)
	}
	return root
}

// refuseUnknownSubcommands makes a group of commands (aquanet key, dht …) fail on a word that
// is none of its commands, where cobra would print the group's help and exit 0 ("aquanet key
// new" seemed to work and made no key); alone, the group prints its help.
func refuseUnknownSubcommands(group *cobra.Command) {
	if !group.HasSubCommands() || group.Runnable() {
		return
	}
	group.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unknown command %q for %q (see '%s --help')", args[0], c.CommandPath(), c.CommandPath())
		}
		return nil
	}
	group.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	for _, sub := range group.Commands() {
		refuseUnknownSubcommands(sub)
	}
}

// usageArgs is cobra.ExactArgs with a message that says which arguments are wanted.
func usageArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("%s needs %s, got %d argument(s) (see '%s --help')", c.CommandPath(), what, len(args), c.CommandPath())
		}
		return nil
	}
}

func fprintf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, format, args...) //nolint:errcheck // nowhere to report a failed write to stderr
}
