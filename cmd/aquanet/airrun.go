package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/aquanet/aquanet/internal/aquascenario"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/spf13/cobra"
)

func newAirRunCmd() *cobra.Command {
	var file string
	var asJSON, trace bool
	c := &cobra.Command{
		Use:   "run --scenario FILE [--json] [--trace]",
		Short: "Run a multi-peer AIR scenario in one process, without a network",
		Long: `Run the scenario in FILE (YAML, or JSON): its peers run the script with aquanet's
interpreter and hand the particle to each other in a deterministic order. Calls are answered by
the scenario's service rules first; then, on the init peer, callbackSrv.* and return.* are
recorded as callbacks, errorHandlingSrv.* as errors, and getDataSrv.NAME returns args.NAME;
everything else is answered as an aquanet node answers it: the builtins op, math, cmp, array,
json and debug, and peer.* (identify, timestamp_ms, timestamp_sec, is_connected, get_contact,
connect, timeout) on the scenario's clock and peers, with Fluence's node's error for a service or
function that does not exist. A rule for a builtin wins over it. Each peer's key is derived from
its name (seed = sha256(name)), so peer ids are stable.

The scenario's clock starts at the particle's timestamp and moves only to fire a peer.timeout,
once nothing else is left to deliver; a timeout that would end at or after the particle's
deadline never answers. The host's rules in full are at the top of internal/scenario/host.go in
aquanet's sources.

Instead of a script, a scenario may name an exported Aqua function, "aqua: {file: FILE, func:
NAME}" (FILE relative to the scenario's file): it is compiled first (see "aquanet aqua --help";
the compiler's errors are printed as FILE:LINE:COL: message), and its args are the function's
arguments by name and "-relay-", the relay's peer id, all of which it must give.

The result lists callbacks, errors, interpreter errors, steps and whether the run completed;
--json prints it as JSON and --trace adds each peer's final data in the reference's JSON view.
When the scenario has an expect block and the result differs, the difference is printed and the
exit code is 1.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if file == "" {
				return errors.New("air run needs --scenario FILE")
			}
			s, err := scenario.ParseFile(file)
			if err != nil {
				return err
			}
			if err := resolveAqua(c, s, file); err != nil {
				return err
			}
			opts := scenario.Options{}
			if trace {
				opts.DataView = scenario.InterpreterDataView
			}
			res, err := scenario.RunWith(s, interpreter.Run, opts)
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			out := c.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else {
				printScenarioResult(out, s.Name, res)
			}
			if diff := res.Check(s.Expect); diff != "" {
				fprintf(c.ErrOrStderr(), "%s: the result differs from expect:\n%s", file, diff)
				if !strings.HasSuffix(diff, "\n") {
					fprintf(c.ErrOrStderr(), "\n")
				}
				return errExit1
			}
			return nil
		},
	}
	c.Flags().StringVar(&file, "scenario", "", "the scenario file (YAML or JSON)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	c.Flags().BoolVar(&trace, "trace", false, "include each peer's final data (JSON view) in the result")
	return c
}

// resolveAqua sets the script of a scenario (read from file) that names an Aqua function:
// it compiles the function's file as "aqua compile" does (its errors printed as
// FILE:LINE:COL: message) and checks the scenario's args against the function's arguments.
// A scenario with a script is left as it is.
func resolveAqua(c *cobra.Command, s *scenario.Scenario, file string) error {
	if s.Aqua == nil {
		return nil
	}
	res, err := compileAqua(c, s.Aqua.File)
	if err != nil {
		return err
	}
	if err := aquascenario.Apply(s, res); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

func printScenarioResult(w io.Writer, name string, r *scenario.Result) {
	status := "completed"
	if !r.Completed {
		status = "NOT completed (max_steps reached)"
	}
	fprintf(w, "scenario %s: %d steps, %s\n", name, r.Steps, status)
	for _, cb := range r.Callbacks {
		fprintf(w, "callback %s.%s %s\n", cb.Service, cb.Function, argsText(cb.Args))
	}
	for _, e := range r.Errors {
		fprintf(w, "error    %s.%s %s\n", e.Service, e.Function, argsText(e.Args))
	}
	for _, e := range r.InterpreterErrors {
		fprintf(w, "interpreter error on %s: %d %s\n", e.Peer, e.RetCode, e.Message)
	}
	for _, u := range r.Undelivered {
		fprintf(w, "undelivered: from %s to %s\n", u.From, u.To)
	}
	for _, peer := range slices.Sorted(maps.Keys(r.Data)) {
		fprintf(w, "data of %s: %s\n", peer, r.Data[peer])
	}
}

func argsText(args []json.RawMessage) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = string(a)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
