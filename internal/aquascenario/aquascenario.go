// Package aquascenario compiles the Aqua functions that scenarios (package internal/scenario)
// name instead of a script (aqua: {file, func}) and sets their scripts to the functions' AIR.
// It is apart from package scenario because the compiler runs on Node.js (package
// internal/aqua), which running a scenario does not need.
package aquascenario

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/aquanet/aquanet/internal/aqua"
	"github.com/aquanet/aquanet/internal/scenario"
)

// Apply sets s's script to the AIR of the function s names, taken from res, the compilation of
// s.Aqua.File, once s's args are checked against the function's parameters: a value for each
// data parameter and for the relay ("-relay-": the compiled AIR asks for it first), none for a
// callback parameter, and nothing else. A scenario with a script is left as it is.
func Apply(s *scenario.Scenario, res *aqua.Result) error {
	if s.Aqua == nil {
		return nil
	}
	fn, err := res.Func(s.Aqua.Func)
	if err != nil {
		return fmt.Errorf("scenario %s: aqua.func: %w", s.Name, err)
	}
	relay := fn.Names.Relay
	var given []string
	for _, name := range slices.Sorted(maps.Keys(s.Args)) {
		if name != relay {
			given = append(given, name)
		}
	}
	if err := fn.CheckArgs(given); err != nil {
		return fmt.Errorf("scenario %s: args: %w", s.Name, err)
	}
	if _, ok := s.Args[relay]; !ok {
		return fmt.Errorf("scenario %s: args: no value for %s, the relay's peer id, which %s asks for first", s.Name, relay, fn.Name)
	}
	s.Script = fn.AIR
	return nil
}

// Compile compiles each of files once (the same file named twice, by the same path once
// cleaned, is compiled once), up to GOMAXPROCS compilations at a time: each is a Node.js
// process. It returns the results by the names given; the error is the first file's that failed,
// in the order given.
func Compile(ctx context.Context, c *aqua.Compiler, files []string) (map[string]*aqua.Result, error) {
	byPath := map[string]*compiled{}
	var order []*compiled
	for _, f := range files {
		p := filepath.Clean(f)
		if byPath[p] == nil {
			byPath[p] = &compiled{file: f}
			order = append(order, byPath[p])
		}
	}
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for _, cf := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			cf.res, cf.err = c.Compile(ctx, cf.file)
		}()
	}
	wg.Wait()
	out := make(map[string]*aqua.Result, len(files))
	for _, f := range files {
		cf := byPath[filepath.Clean(f)]
		if cf.err != nil {
			return nil, cf.err
		}
		out[f] = cf.res
	}
	return out, nil
}

type compiled struct {
	file string
	res  *aqua.Result
	err  error
}

// Resolve sets the script of every scenario that names an Aqua function: it compiles their
// files with c (each once, see Compile) and applies each function (Apply). Scenarios with a
// script are left as they are.
func Resolve(ctx context.Context, c *aqua.Compiler, scenarios ...*scenario.Scenario) error {
	var files []string
	for _, s := range scenarios {
		if s.Aqua != nil {
			files = append(files, s.Aqua.File)
		}
	}
	if len(files) == 0 {
		return nil
	}
	results, err := Compile(ctx, c, files)
	if err != nil {
		return err
	}
	for _, s := range scenarios {
		if s.Aqua != nil {
			if err := Apply(s, results[s.Aqua.File]); err != nil {
				return err
			}
		}
	}
	return nil
}
