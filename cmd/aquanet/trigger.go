package main

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/aquanet/aquanet/interpreter/value"
)

const triggerLong = `Install, list and remove triggers: scripts a node runs by itself, on a schedule or at an
HTTP request, each with its arguments (its getDataSrv.NAME, as "aquanet run --arg") and its own
key-value state (the spell service: get_string, set_string, list_push_string, list_get_strings,
exists, remove_key). A trigger's particles are signed by the node; the peer that installed it
owns it, and only it, the node and its management peer may remove it.

A timer trigger runs at --start (default now), then every --every, up to --times times (0: no
limit). An HTTP trigger (--route NAME) runs at each POST /run/NAME to the node's HTTP address,
if the node serves HTTP triggers (aquanet node --http-triggers): the request's JSON object is
laid over its arguments, and the response is what the script passes to callbackSrv.response.
Triggers, their runs and their state survive a restart of the node.`

func newTriggerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trigger",
		Short: "Install, list and remove the scripts a node runs by itself (on a timer or an HTTP request)",
		Long:  triggerLong,
	}
	cmd.AddCommand(newTriggerAddCmd(), newTriggerListCmd(), newTriggerRemoveCmd())
	return cmd
}

func newTriggerAddCmd() *cobra.Command {
	var f serviceFlags
	var scriptFile, inline, route, start string
	var argList []string
	var every time.Duration
	var times uint64
	cmd := &cobra.Command{
		Use:   "add --relay MULTIADDR (--script FILE | -e AIR) (--every 1m [--times N] [--start TIME] | --route NAME) [--arg NAME=JSON]... [--key FILE]",
		Short: "Install a trigger on the node; print its id",
		Args:  usageArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if f.keyFile == "" {
				// An ephemeral key would own a trigger nobody could remove but the node's operator.
				return errors.New("trigger add needs --key FILE: the trigger's owner, who (with the node and its management peer) may remove it")
			}
			script, name, err := runScript(c, scriptFile, inline)
			if err != nil {
				return err
			}
			if _, err := air.Parse(script); err != nil {
				printScriptErrors(c.ErrOrStderr(), name, err)
				return errExit1
			}
			args, err := parseRunArgs(argList)
			if err != nil {
				return err
			}
			keys := slices.Sorted(maps.Keys(args)) // the same trigger, the same stored bytes
			vals := make([]value.Value, len(keys))
			for i, k := range keys {
				vals[i] = args[k]
			}
			params := value.Object(keys, vals)
			var res value.Value
			if route != "" {
				if every != 0 || times != 0 || start != "" {
					return errors.New("--route makes an HTTP trigger: it takes no --every, --times or --start")
				}
				res, err = f.call(c, "script", "add_route", value.String(route), value.String(script), params)
			} else {
				if every < 0 || every%time.Second != 0 {
					return fmt.Errorf("--every %v: want a whole number of seconds", every)
				}
				var startMs uint64
				if start != "" {
					at, err := time.Parse(time.RFC3339, start)
					if err != nil {
						return fmt.Errorf("--start %q: want a time such as 2026-12-24T18:00:00Z", start)
					}
					startMs = uint64(at.UnixMilli())
				}
				res, err = f.call(c, "script", "add", value.String(script), value.Uint(uint64(every/time.Second)), params, value.Uint(times), value.Uint(startMs))
			}
			if err != nil {
				return err
			}
			id, _ := res.Str()
			fprintf(c.OutOrStdout(), "%s\n", id)
			return nil
		},
	}
	f.add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&scriptFile, "script", "", "the AIR script's file (- reads standard input)")
	fl.StringVarP(&inline, "expr", "e", "", "the AIR script itself")
	fl.DurationVar(&every, "every", 0, "run every this long (whole seconds, at least the node's minimum); 0: once")
	fl.Uint64Var(&times, "times", 0, "with --every, the most runs (0: no limit)")
	fl.StringVar(&start, "start", "", "the first run's time, RFC 3339 (default now)")
	fl.StringVar(&route, "route", "", "make an HTTP trigger: it runs at each POST /run/NAME")
	fl.StringArrayVar(&argList, "arg", nil, "NAME=JSON: what the trigger's getDataSrv.NAME returns (repeatable); NAME=@FILE reads the JSON from FILE")
	return cmd
}

func newTriggerListCmd() *cobra.Command {
	var f serviceFlags
	cmd := &cobra.Command{
		Use:   "list --relay MULTIADDR",
		Short: "List the node's triggers: id, owner, schedule or route, runs",
		Args:  usageArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			res, err := f.call(c, "script", "list")
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			for i := range res.Len() {
				fprintf(out, "%s\n", triggerLine(res.Index(i)))
			}
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

func newTriggerRemoveCmd() *cobra.Command {
	var f serviceFlags
	cmd := &cobra.Command{
		Use:   "remove ID --relay MULTIADDR [--key FILE]",
		Short: "Remove a trigger and its state (its owner, the node or its management peer)",
		Args:  usageArgs(1, "the trigger's id"),
		RunE: func(c *cobra.Command, args []string) error {
			_, err := f.call(c, "script", "remove", value.String(args[0]))
			return err
		},
	}
	f.add(cmd)
	return cmd
}

// triggerLine is one trigger of script.list as "trigger list" prints it.
func triggerLine(t value.Value) string {
	str := func(k string) string { v, _ := t.Get(k); s, _ := v.Str(); return s }
	num := func(k string) uint64 { v, _ := t.Get(k); n, _ := v.Uint64(); return n }
	var what string
	switch runs := num("runs"); {
	case str("route") != "":
		what = fmt.Sprintf("POST /run/%s, %d run(s)", str("route"), runs)
	case num("interval") == 0:
		what = fmt.Sprintf("once, %d run(s)", runs)
	case num("times") == 0:
		what = fmt.Sprintf("every %ds, %d run(s)", num("interval"), runs)
	default:
		what = fmt.Sprintf("every %ds, %d of %d runs", num("interval"), runs, num("times"))
	}
	if next := num("next_at"); next != 0 {
		what += ", next at " + time.UnixMilli(int64(next)).UTC().Format(time.RFC3339)
	} else if str("route") == "" {
		what += ", done"
	}
	return fmt.Sprintf("%s  owner %s  %s", str("id"), str("owner"), what)
}
