package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aquanet/aquanet/client"
	"github.com/aquanet/aquanet/internal/aqua"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
	"github.com/aquanet/aquanet/trust"
)

const runLong = `Sends an AIR script, or a compiled Aqua function, through a node and prints what comes back.

aquanet run makes an ephemeral key (or takes --key), connects to the node at --relay (a
multiaddr ending in /p2p/<peer id>, as "aquanet node" prints them), signs a particle with the
script and runs the script's client-side parts itself, serving, as "aquanet air run" does:

  getDataSrv.NAME       the value of --arg NAME=JSON; getDataSrv.-relay- is the relay's peer id
  callbackSrv.F, return.F   printed as they arrive
  errorHandlingSrv.F    printed to standard error; the run then fails
  op, math, cmp, array, json, debug   the pure builtins

The script is checked first, as "aquanet air check" does: its errors are printed as
FILE:LINE:COL: message (-e for a script given with -e) and nothing is sent; its warnings are
printed the same way, with "warning:", and the script runs.

It exits 0 when the script has run to its end on the client, and 1 on an interpreter error,
an error reported through errorHandlingSrv, a transport error, or when the TTL ends first
(it never waits longer than the TTL); the error of a run that started names its particle.
If the relay refuses the particle (a node takes TTLs up to 10 minutes by default), the run
ends at once with the relay's reason; if the relay could not send it on, or the script failed
on it with nothing to catch the error, or a peer the relay sent it to refused it, failed on
it or could not send it on, that is printed to standard error as soon as the relay says so,
and the error at the TTL's end says it again (the run waits, as another branch of the script
may still complete: interrupt it to stop). A node over its particle rate limits (aquanet
node --peer-particle-rate, --particle-rate) drops the particle unread and tells no one: the
run then ends at its TTL. A particle grown too large for the relay, or a peer past it, to
send back ends the run at once: its data only grows. If the connection to the relay closes
while the particle is out, the client dials it again at once: if that fails, the run ends
there, saying so; if it succeeds, that is printed and the run waits on.

With --certificate FILE (a certificate of "aquanet trust issue" whose last trust is for --key's
peer), the particle carries it: the nodes serving an application's services under a perimeter
(README, "Securing an application") check that it leads from the application's developer to
you. A call they refuse fails like any other, with the reason (not-member, revoked,
foreign-argument, ...) in its message: printed as an error unless the script catches it.

With --aqua FILE --func NAME it compiles FILE (see "aquanet aqua --help": the compiler is
installed on first use) and runs its exported function NAME as if its AIR had been given with
--script. Each argument of the function is an --arg NAME=JSON; a callback argument takes none
(its calls are callbackSrv.ARG, printed as they arrive and answered with null). The compiler's
errors (FILE:LINE:COL: message), an unknown --func (the error lists the functions there are),
and an --arg missing or unknown are reported before anything is sent. What the function returns,
its call to callbackSrv.response, is printed as its result: the returned values as JSON, on
one line, separated by spaces (with --json, as a callback like any other).`

func newRunCmd() *cobra.Command {
	var relay, scriptFile, inline, aquaFile, funcName, keyFile, certFile string
	var argList []string
	var ttl time.Duration
	var asJSON bool
	var maxStreamSize int
	cmd := &cobra.Command{
		Use:   "run --relay MULTIADDR (--script FILE | -e AIR | --aqua FILE --func NAME) [--arg NAME=JSON ...] [--key FILE [--certificate FILE]] [--ttl 30s] [--json]",
		Short: "Run an AIR script or an Aqua function through a node",
		Long:  runLong,
		Args:  usageArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			var script, name string
			var fn *aqua.Function // with --aqua
			var err error
			if aquaFile == "" && funcName == "" {
				if script, name, err = runScript(c, scriptFile, inline); err != nil {
					return err
				}
			} else if err := aquaRunFlags(aquaFile, funcName, scriptFile, inline); err != nil {
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
			if aquaFile != "" {
				if fn, err = aquaFunction(c, aquaFile, funcName, slices.Sorted(maps.Keys(args))); err != nil {
					return err
				}
				script, name = fn.AIR, aquaFile+" (AIR of "+funcName+")"
			}
			// A script that cannot run is reported as "air check" reports it, before any
			// connection is made.
			parsed, err := air.Parse(script)
			if err != nil {
				printScriptErrors(c.ErrOrStderr(), name, err)
				return errExit1
			}
			printScriptWarnings(c.ErrOrStderr(), name, parsed)
			logger := slog.New(slog.NewTextHandler(c.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelError}))
			dialOpts, err := identityOptions(keyFile, certFile)
			if err != nil {
				return err
			}
			if maxStreamSize < interpreter.StreamMaxSize {
				return fmt.Errorf("--max-stream-size %d: want at least %d, the reference's bound", maxStreamSize, interpreter.StreamMaxSize)
			}
			dialOpts = append(dialOpts, client.WithLimits(interpreter.Limits{MaxStreamSize: maxStreamSize}))
			ctx := c.Context()
			start := time.Now()
			dctx, cancel := context.WithTimeout(ctx, min(ttl, 10*time.Second))
			cl, err := client.Dial(dctx, relay, append(dialOpts, client.WithLogger(logger))...)
			cancel()
			if err != nil {
				return err
			}
			defer cl.Close()
			out, errw := c.OutOrStdout(), c.ErrOrStderr()
			report := func(ev client.Event) {
				if fn != nil && !asJSON && ev.Service == fn.Names.ResponseSrv && ev.Function == fn.Names.ResponseFn {
					printResult(out, ev.Args)
					return
				}
				w := out
				if ev.Error {
					w = errw
				}
				printEvent(w, ev, asJSON)
			}
			// The TTL counts from the start: what connecting took is not given again.
			left := max(ttl-time.Since(start), time.Millisecond)
			// A notice comes at once; the run still waits, as another branch may complete.
			noticed := func(n *client.NoAnswerError) {
				fprintf(errw, "aquanet: %s; waiting for the rest of the script until the TTL ends (interrupt to stop)\n", n.What())
			}
			_, err = cl.Run(ctx, script, args, client.WithTTL(left), client.OnEvent(report), client.OnNotice(noticed))
			var noAnswer *client.NoAnswerError
			if errors.Is(err, client.ErrExpired) && !errors.As(err, &noAnswer) {
				return fmt.Errorf("%w (--ttl %v): nothing came back in time; a peer on its way may be unreachable, may have dropped it over its rate limits (the node's aquanet_p2p_dropped_total, reasons rate_limited and global_rate_limited), or a call failed there", err, ttl)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&relay, "relay", "", "the node to send the particle through: a multiaddr ending in /p2p/<peer id>")
	f.StringVar(&scriptFile, "script", "", "the AIR script's file (- reads standard input)")
	f.StringVarP(&inline, "expr", "e", "", "the AIR script itself")
	f.StringVar(&aquaFile, "aqua", "", "an Aqua file: run its function --func instead of a script")
	f.StringVar(&funcName, "func", "", "with --aqua, the exported function to run")
	f.StringArrayVar(&argList, "arg", nil, "NAME=JSON: what getDataSrv.NAME returns, an Aqua function's argument NAME (repeatable); NAME=@FILE reads the JSON from FILE")
	f.DurationVar(&ttl, "ttl", 30*time.Second, "the particle's time to live")
	f.StringVar(&keyFile, "key", "", "sign the particle with this key (a file of \"aquanet key gen\") instead of an ephemeral one")
	f.StringVar(&certFile, "certificate", "", "present this certificate (of \"aquanet trust issue\", for --key's peer) with the particle: an application's services under a perimeter check it")
	f.BoolVar(&asJSON, "json", false, "print each callback as a JSON object on its own line")
	f.IntVar(&maxStreamSize, "max-stream-size", interpreter.StreamMaxSize, "the most values a stream may hold in this client's own runs of the script: as the nodes' --max-stream-size, which a script whose streams grow past the default needs on both")
	return cmd
}

// identityOptions are the client options of --key and --certificate: the certificate must be
// for the key's peer, so it needs --key.
func identityOptions(keyFile, certFile string) ([]client.Option, error) {
	var opts []client.Option
	if keyFile == "" {
		if certFile != "" {
			return nil, errors.New("--certificate needs --key FILE: the key of the peer the certificate is for")
		}
		return nil, nil
	}
	signer, err := readSigner(keyFile)
	if err != nil {
		return nil, err
	}
	opts = append(opts, client.WithKey(ed25519.PrivateKey(signer)))
	if certFile != "" {
		text, err := os.ReadFile(certFile)
		if err != nil {
			return nil, fmt.Errorf("--certificate: %w", err)
		}
		cert, err := trust.ParseCertificate(string(text))
		if err != nil {
			return nil, fmt.Errorf("--certificate %s: %w", certFile, err)
		}
		if last := cert.Chain[len(cert.Chain)-1].IssuedFor; last != signer.Public() {
			return nil, fmt.Errorf("--certificate %s is for %s, but --key is %s's", certFile, last, signer.Public())
		}
		opts = append(opts, client.WithCertificate(cert))
	}
	return opts, nil
}

// aquaRunFlags checks that --aqua and --func come together, without --script or -e.
func aquaRunFlags(aquaFile, funcName, scriptFile, inline string) error {
	switch {
	case scriptFile != "" || inline != "":
		return errors.New("run takes --script FILE, -e AIR or --aqua FILE --func NAME, only one of them")
	case aquaFile == "":
		return fmt.Errorf("--func %s needs --aqua FILE, the Aqua file it is in", funcName)
	case funcName == "":
		return fmt.Errorf("--aqua %s needs --func NAME, the exported function to run", aquaFile)
	}
	return nil
}

// runScript returns the script of --script FILE or -e AIR, within a particle's script limit,
// and the name its errors go under: FILE, or -e.
func runScript(c *cobra.Command, file, inline string) (script, name string, err error) {
	switch {
	case file != "" && inline != "":
		return "", "", errors.New("run takes --script FILE or -e AIR, not both")
	case inline != "":
		script, name = inline, "-e"
	case file == "":
		return "", "", errors.New("run needs a script: --script FILE or -e AIR")
	default:
		if script, err = readScript(c, file); err != nil {
			return "", "", err
		}
		name = file
	}
	if max := (particle.Limits{}).WithDefaults().MaxScript; len(script) > max {
		return "", "", fmt.Errorf("%s: %d bytes, over a particle's limit of %d", name, len(script), max)
	}
	return script, name, nil
}

func parseRunArgs(list []string) (map[string]value.Value, error) {
	args := map[string]value.Value{}
	for _, a := range list {
		name, js, ok := strings.Cut(a, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("--arg %q: want NAME=JSON or NAME=@FILE", a)
		}
		text := []byte(js)
		if file, ok := strings.CutPrefix(js, "@"); ok { // no JSON starts with @
			b, err := readArgFile(file)
			if err != nil {
				return nil, fmt.Errorf("--arg %s: %w", name, err)
			}
			text = b
		}
		v, err := value.Parse(text, value.Limits{})
		if err != nil {
			if strings.HasPrefix(js, "@") {
				return nil, fmt.Errorf("--arg %s: %s is not JSON: %v", name, js[1:], err)
			}
			return nil, fmt.Errorf("--arg %s: not JSON: %v (a string needs quotes: %s='\"text\"')", name, err, name)
		}
		args[name] = v
	}
	return args, nil
}

// readArgFile reads the JSON of --arg NAME=@FILE: an argument longer than the system lets a
// command line hold (128 KiB for one argument on Linux) comes from a file.
func readArgFile(name string) ([]byte, error) {
	if name == "" {
		return nil, errors.New("no file name after @")
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAtMost(f, name, interpreter.DefaultMaxCallResult, "an argument (the most a call's result may be)")
}

// printEvent prints one callback or error as it arrives: SERVICE.FUNCTION: ARGS, or with
// --json a JSON object per line.
func printEvent(w io.Writer, ev client.Event, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(struct {
			Service  string        `json:"service"`
			Function string        `json:"function"`
			Args     []value.Value `json:"args"`
		}{ev.Service, ev.Function, ev.Args})
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
