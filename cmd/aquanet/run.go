package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

const runLong = `Sends an AIR script through a node and prints what comes back.

aquanet run makes an ephemeral key, connects to the node at --relay (a multiaddr ending in
/p2p/<peer id>, as "aquanet node" prints them), signs a particle with the script and runs the
script's client-side parts itself, serving, as "aquanet air run" does:

  getDataSrv.NAME       the value of --arg NAME=JSON; getDataSrv.-relay- is the relay's peer id
  callbackSrv.F, return.F   printed as they arrive
  errorHandlingSrv.F    printed to standard error; the run then fails
  op, math, cmp, array, json, debug   the pure builtins

It exits 0 when the script has run to its end on the client, and 1 on an interpreter error,
an error reported through errorHandlingSrv, a transport error, or when the TTL ends first
(it never waits longer than the TTL).`

func newRunCmd() *cobra.Command {
	var relay, scriptFile, inline string
	var argList []string
	var ttl time.Duration
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "run --relay MULTIADDR (--script FILE | -e AIR) [--arg NAME=JSON ...] [--ttl 30s] [--json]",
		Short: "Run an AIR script through a node",
		Long:  runLong,
		Args:  usageArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			script, err := runScript(c, scriptFile, inline)
			if err != nil {
				return err
			}
			if relay == "" {
				return errors.New("run needs --relay MULTIADDR (the node's address, ending in /p2p/<peer id>)")
			}
			if ttl <= 0 || ttl > 24*time.Hour {
				return fmt.Errorf("--ttl %v: want a duration between 1ms and 24h", ttl)
			}
			args, err := parseRunArgs(argList)
			if err != nil {
				return err
			}
			logger := slog.New(slog.NewTextHandler(c.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelError}))
			ctx := c.Context()
			start := time.Now()
			cl, err := dialClient(ctx, relay, min(ttl, 10*time.Second), logger)
			if err != nil {
				return err
			}
			defer cl.Close()
			out, errw := c.OutOrStdout(), c.ErrOrStderr()
			report := func(ev clientEvent) {
				w := out
				if ev.Error {
					w = errw
				}
				printEvent(w, ev, asJSON)
			}
			err = cl.run(ctx, script, args, ttl-time.Since(start), report)
			if errors.Is(err, errExpired) {
				return fmt.Errorf("%w (--ttl %v): nothing came back in time; a peer on its way may be unreachable or a call failed there", err, ttl)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&relay, "relay", "", "the node to send the particle through: a multiaddr ending in /p2p/<peer id>")
	f.StringVar(&scriptFile, "script", "", "the AIR script's file (- reads standard input)")
	f.StringVarP(&inline, "expr", "e", "", "the AIR script itself")
	f.StringArrayVar(&argList, "arg", nil, "NAME=JSON: what getDataSrv.NAME returns (repeatable)")
	f.DurationVar(&ttl, "ttl", 30*time.Second, "the particle's time to live")
	f.BoolVar(&asJSON, "json", false, "print each callback as a JSON object on its own line")
	return cmd
}

// runScript returns the script of --script FILE or -e AIR, within a particle's script limit.
func runScript(c *cobra.Command, file, inline string) (string, error) {
	switch {
	case file != "" && inline != "":
		return "", errors.New("run takes --script FILE or -e AIR, not both")
	case inline != "":
		return inline, nil
	case file == "":
		return "", errors.New("run needs a script: --script FILE or -e AIR")
	}
	script, err := readScript(c, file)
	if err != nil {
		return "", err
	}
	if max := (particle.Limits{}).WithDefaults().MaxScript; len(script) > max {
		return "", fmt.Errorf("%s: %d bytes, over a particle's limit of %d", file, len(script), max)
	}
	return script, nil
}

func parseRunArgs(list []string) (map[string]value.Value, error) {
	args := map[string]value.Value{}
	for _, a := range list {
		name, js, ok := strings.Cut(a, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("--arg %q: want NAME=JSON", a)
		}
		v, err := value.Parse([]byte(js), value.Limits{})
		if err != nil {
			return nil, fmt.Errorf("--arg %s: not JSON: %v (a string needs quotes: %s='\"text\"')", name, err, name)
		}
		args[name] = v
	}
	return args, nil
}

func printEvent(w io.Writer, ev clientEvent, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(ev)
		fprintf(w, "%s\n", b)
		return
	}
	parts := make([]string, len(ev.Args))
	for i, a := range ev.Args {
		parts[i] = a.String()
	}
	prefix := ""
	if ev.Error {
		prefix = "error: "
	}
	fprintf(w, "%s%s.%s: %s\n", prefix, ev.Service, ev.Function, strings.Join(parts, " "))
}
