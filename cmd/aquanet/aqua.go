package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aquanet/aquanet/internal/aqua"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

const aquaLong = `Aqua is the language Fluence's users write; its compiler turns each exported function
into an AIR script. aquanet compiles with Fluence's own compiler, @fluencelabs/aqua-api ` + aqua.APIVersion + `,
run by Node.js (18 or newer, with npm, on PATH). Imports of "@fluencelabs/aqua-lib/..." (e.g.
"@fluencelabs/aqua-lib/builtin.aqua") resolve to @fluencelabs/aqua-lib ` + aqua.LibVersion + `; other imports
are relative to the importing file.

The compiler is installed on first use, with npm ci from the exact versions aquanet pins, into
$` + aqua.EnvDir + ` or else <user cache dir>/aquanet/aqua-api-` + aqua.APIVersion + ` (on Linux
~/.cache/aquanet/aqua-api-` + aqua.APIVersion + `); a line on standard error says so. It needs the npm
registry once; an install that takes over 5 minutes fails, saying so.

"aquanet run --aqua FILE --func NAME" compiles a function and runs it through a node.`

const aquaCompileLong = `Compiles FILE and writes the AIR of each function it exports.

Without -o, the AIR of each function is printed to standard output under a header line, an AIR
comment with the function's signature:

  ;; hello(name: string, target: string) -> string

With -o DIR, each function NAME becomes DIR/NAME.air, its AIR, and DIR/NAME.json, what it takes
to call it: its signature, its arguments with their types ("args", in order), the types of its
results ("returns") and the services its AIR calls on the caller ("names", as aqua-api names
them). With the compiler's defaults the AIR, run from a client, calls on %init_peer_id%:

  getDataSrv.-relay-       for the relay's peer id
  getDataSrv.ARG           for each argument ARG (a callback argument ARG is callbackSrv.ARG)
  callbackSrv.response     with the function's results, once (not called without results)
  errorHandlingSrv.error   with [error, 0] for an error nothing in the function caught

The compiler's errors are printed as FILE:LINE:COL: message, and its warnings the same way,
to standard error. The exit code is 1 on an error, or when FILE exports no function.`

func newAquaCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "aqua",
		Short: "Compile Aqua to AIR with Fluence's compiler",
		Long:  aquaLong,
	}
	c.AddCommand(newAquaCompileCmd())
	return c
}

func newAquaCompileCmd() *cobra.Command {
	var outDir string
	c := &cobra.Command{
		Use:   "compile FILE.aqua [-o DIR]",
		Short: "Compile an Aqua file: each exported function's AIR, and with -o how to call it",
		Long:  aquaCompileLong,
		Args:  usageArgs(1, "one Aqua FILE"),
		RunE: func(c *cobra.Command, args []string) error {
			res, err := compileAqua(c, args[0])
			if err != nil {
				return err
			}
			if len(res.Functions) == 0 {
				return res.NoFunctions()
			}
			if outDir == "" {
				for i, f := range res.Functions {
					if i > 0 {
						fprintf(c.OutOrStdout(), "\n")
					}
					fprintf(c.OutOrStdout(), ";; %s\n%s", f.Signature(), f.AIR)
				}
				return nil
			}
			return writeFunctions(outDir, res)
		},
	}
	c.Flags().StringVarP(&outDir, "out", "o", "", "write NAME.air and NAME.json for each function into DIR (made if missing)")
	return c
}

// compileAqua compiles file, installing the compiler first if need be (saying so on stderr).
// It prints the compiler's warnings to stderr; a file the compiler rejects has its errors
// printed there, one FILE:LINE:COL: message line each, and returns errExit1.
func compileAqua(c *cobra.Command, file string) (*aqua.Result, error) {
	ctx := c.Context()
	compiler, err := aqua.Open(ctx, aqua.Config{Progress: c.ErrOrStderr()})
	if err != nil {
		return nil, err
	}
	res, err := compiler.Compile(ctx, file)
	var ce *aqua.CompileError
	if errors.As(err, &ce) {
		for _, d := range ce.Diagnostics {
			fprintf(c.ErrOrStderr(), "%s\n", d)
		}
		return nil, errExit1
	}
	if err != nil {
		return nil, err
	}
	for _, w := range res.Warnings {
		if w.Kind == "" || w.Kind == "Error" {
			w.Kind = "Warning"
		}
		fprintf(c.ErrOrStderr(), "%s\n", w)
	}
	return res, nil
}

// functionFile is the content of NAME.json.
type functionFile struct {
	Function  string       `json:"function"`
	Signature string       `json:"signature"`
	AIR       string       `json:"air"` // the name of the AIR file, next to this one
	Source    string       `json:"source"`
	Compiler  string       `json:"compiler"`
	Args      []aqua.Field `json:"args"`
	Returns   []aqua.Type  `json:"returns"`
	Names     aqua.Names   `json:"names"`
}

// writeFunctions writes NAME.air and NAME.json for each function of res into dir.
func writeFunctions(dir string, res *aqua.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range res.Functions {
		meta := functionFile{Function: f.Name, Signature: f.Signature(), AIR: f.Name + ".air", Source: res.File,
			Compiler: "@fluencelabs/aqua-api " + aqua.APIVersion, Args: f.Args, Returns: f.Returns, Names: f.Names}
		if meta.Args == nil {
			meta.Args = []aqua.Field{}
		}
		if meta.Returns == nil {
			meta.Returns = []aqua.Type{}
		}
		var js bytes.Buffer
		enc := json.NewEncoder(&js)
		enc.SetEscapeHTML(false) // "->" in signatures stays readable
		enc.SetIndent("", "  ")
		if err := enc.Encode(meta); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		for name, data := range map[string][]byte{f.Name + ".air": []byte(f.AIR), f.Name + ".json": js.Bytes()} {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// aquaFunction compiles file (see compileAqua) and returns its function name, once the names
// of the run's arguments are checked against the function's: nothing is sent otherwise.
func aquaFunction(c *cobra.Command, file, name string, argNames []string) (*aqua.Function, error) {
	res, err := compileAqua(c, file)
	if err != nil {
		return nil, err
	}
	fn, err := res.Func(name)
	if err != nil {
		return nil, fmt.Errorf("--func %s: %w", name, err)
	}
	if err := fn.CheckArgs(argNames); err != nil {
		return nil, fmt.Errorf("--arg: %w (give each as --arg NAME=JSON)", err)
	}
	if max := (particle.Limits{}).WithDefaults().MaxScript; len(fn.AIR) > max {
		return nil, fmt.Errorf("--func %s: its AIR is %d bytes, over a particle's limit of %d", name, len(fn.AIR), max)
	}
	return fn, nil
}

// printResult prints the values a function returned (its response call's arguments) on one
// line, as JSON separated by spaces.
func printResult(w io.Writer, results []value.Value) {
	parts := make([]string, len(results))
	for i, v := range results {
		parts[i] = v.String()
	}
	fprintf(w, "%s\n", strings.Join(parts, " "))
}
