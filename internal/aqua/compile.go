package aqua

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// driver is the node program that runs aqua-api; see the comment at its top for its protocol.
//
//go:embed compile.mjs
var driver string

// Result is what the compiler made of one file.
type Result struct {
	// File is the compiled file, as the caller named it.
	File string
	// Functions are the functions the file exports, sorted by name.
	Functions []Function
	// Warnings are the compiler's warnings, if any.
	Warnings []Diagnostic
}

// Function is one exported function: its AIR and what a caller needs to run it.
type Function struct {
	Name string `json:"name"`
	// AIR is the function's script. Run from a client, it reads its data arguments and the
	// relay from the caller and calls the caller back with its results (see Names).
	AIR string `json:"air"`
	// Args are the function's arguments, in order.
	Args []Field `json:"args"`
	// Returns are the types of its results, in order; none for a function without results,
	// which then makes no response call.
	Returns []Type `json:"returns"`
	// Names are the services its AIR calls on the caller.
	Names Names `json:"names"`
}

// Signature returns the function's header in Aqua's syntax: name(a: string, b: u32) -> bool.
func (f *Function) Signature() string {
	var b strings.Builder
	b.WriteString(f.Name + "(")
	Type{Tag: "labeledProduct", Fields: f.Args}.write(&b)
	b.WriteString(")")
	if len(f.Returns) > 0 {
		b.WriteString(" -> ")
		writeList(&b, f.Returns)
	}
	return b.String()
}

// DataArgs returns the names of the arguments the caller passes as values (getDataSrv.NAME):
// all but the callbacks.
func (f *Function) DataArgs() []string {
	var names []string
	for _, a := range f.Args {
		if !a.Type.IsArrow() {
			names = append(names, a.Name)
		}
	}
	return names
}

// CheckArgs checks the names of the values a caller gives against the function's data
// arguments. Its error names every argument missing, unknown, or given for a callback.
func (f *Function) CheckArgs(given []string) error {
	data := f.DataArgs()
	var problems, missing []string
	for _, name := range given {
		i := slices.IndexFunc(f.Args, func(a Field) bool { return a.Name == name })
		switch {
		case i < 0 && len(data) == 0:
			problems = append(problems, fmt.Sprintf("%s takes no argument, so not %s", f.Name, name))
		case i < 0:
			problems = append(problems, fmt.Sprintf("%s takes no argument %s (its arguments: %s)", f.Name, name, strings.Join(data, ", ")))
		case f.Args[i].Type.IsArrow():
			problems = append(problems, fmt.Sprintf("%s is a callback (%s): the caller answers %s.%s, it takes no value",
				name, f.Args[i].Type, f.Names.CallbackSrv, name))
		}
	}
	for _, name := range data {
		if !slices.Contains(given, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("no value for %s of %s", strings.Join(missing, ", "), f.Signature()))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// Func returns the exported function called name; the error lists those there are.
func (r *Result) Func(name string) (*Function, error) {
	for i := range r.Functions {
		if r.Functions[i].Name == name {
			return &r.Functions[i], nil
		}
	}
	if len(r.Functions) == 0 {
		return nil, r.NoFunctions()
	}
	names := make([]string, len(r.Functions))
	for i, f := range r.Functions {
		names[i] = f.Name
	}
	return nil, fmt.Errorf("%s exports no function %s; it exports %s", r.File, name, strings.Join(names, ", "))
}

// NoFunctions is the error for a file that exports no function.
func (r *Result) NoFunctions() error {
	return fmt.Errorf("%s exports no function (a module exports its functions with \"export NAME, ...\" under its \"aqua NAME\" header)", r.File)
}

// Compile compiles the Aqua file named file. A file the compiler rejects is a *CompileError
// with each error's position; other errors (the file cannot be read, node failed or took
// longer than the CompileTimeout) name the file.
func (c *Compiler) Compile(ctx context.Context, file string) (*Result, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if st, err := os.Stat(abs); err != nil {
		return nil, err // names the file
	} else if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not an Aqua file", file)
	}
	req, _ := json.Marshal(map[string]string{"file": abs, "dir": c.cfg.Dir})
	ctx, cancel := context.WithTimeout(ctx, c.cfg.CompileTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, c.node, "--input-type=module", "--eval", driver)
	cmd.Stdin = bytes.NewReader(req)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("compiling %s: the Aqua compiler did not finish within %v", file, c.cfg.CompileTimeout)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("compiling %s: %w", file, ctx.Err())
		}
		return nil, fmt.Errorf("compiling %s: the Aqua compiler failed (%v): %s", file, err, driverErrors(stderr.String()))
	}
	var out struct {
		Errors, Warnings []string
		Functions        []Function
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("compiling %s: reading the compiler driver's output (%d bytes): %w", file, stdout.Len(), err)
	}
	diagnostics := func(texts []string) []Diagnostic {
		ds := make([]Diagnostic, len(texts))
		for i, t := range texts {
			ds[i] = parseDiagnostic(t, file)
			if ds[i].File == abs {
				ds[i].File = file
			}
		}
		return ds
	}
	if len(out.Errors) > 0 {
		return nil, &CompileError{File: file, Diagnostics: diagnostics(out.Errors)}
	}
	slices.SortFunc(out.Functions, func(a, b Function) int { return strings.Compare(a.Name, b.Name) })
	return &Result{File: file, Functions: out.Functions, Warnings: diagnostics(out.Warnings)}, nil
}

// driverErrors returns the driver's own lines of stderr ("aqua-compile: ..."), else its tail.
func driverErrors(stderr string) string {
	var own []string
	for line := range strings.Lines(stderr) {
		if strings.HasPrefix(line, "aqua-compile: ") {
			own = append(own, strings.TrimSpace(strings.TrimPrefix(line, "aqua-compile: ")))
		}
	}
	if len(own) > 0 {
		return strings.Join(own, "; ")
	}
	return tail(stderr, 2048)
}
