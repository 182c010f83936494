// Package aquacorpus is aquanet's own corpus of Aqua programs, in interpreter/testdata/aqua:
// Aqua sources of the kinds of code Aqua users write (corpus/*.aqua), the AIR the compiler
// makes of each exported function (corpus/FILE/FUNC.air), and one scenario or more per
// function (FILE-FUNC.yaml: the function, its arguments, the services of its peers) with the
// reference's outcome (FILE-FUNC.oracle.json). Every scenario's peers are the client (the
// init peer), the relay and two more nodes, alice and bob.
//
// Its tests check that a fresh compile gives the committed AIR, that the reference (AquaVM
// 0.62 in the scenario host) still gives the committed outcomes, and that aquanet does the same
// in each of three settings: the scenario host with aquanet's interpreter (what "aquanet air
// run" does), three nodes on libp2p with a client, and the simulator, with and without faults.
package aquacorpus

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aquanet/aquanet/internal/scenario"
)

// Dir is the corpus's directory, relative to this package's.
const Dir = "../../interpreter/testdata/aqua"

// Case is one scenario of the corpus.
type Case struct {
	// File is the scenario file.
	File string
	// Scenario is the parsed scenario, its Script the committed AIR of its function.
	Scenario *scenario.Scenario
}

// OracleFile returns the file of the reference's outcome for the scenario file f.
func OracleFile(f string) string { return strings.TrimSuffix(f, ".yaml") + ".oracle.json" }

// AIRFile returns where the compiled AIR of the function a names is committed: next to its
// Aqua file, in a directory named after it (corpus/topology.aqua's shoutFrom is
// corpus/topology/shoutFrom.air).
func AIRFile(a *scenario.AquaFunc) string {
	return filepath.Join(strings.TrimSuffix(a.File, ".aqua"), a.Func+".air")
}

// Files returns the scenario files in dir, sorted.
func Files(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no scenario files in %s", dir)
	}
	slices.Sort(files)
	return files, nil
}

// Load parses every scenario file in dir and sets each one's script to the committed AIR of
// the Aqua function it names; each must name one.
func Load(dir string) ([]Case, error) {
	files, err := Files(dir)
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, f := range files {
		s, err := scenario.ParseFile(f)
		if err != nil {
			return nil, err
		}
		if s.Aqua == nil {
			return nil, fmt.Errorf("%s: the corpus's scenarios name an Aqua function (aqua: {file, func}), not a script", f)
		}
		air, err := os.ReadFile(AIRFile(s.Aqua))
		if err != nil {
			return nil, fmt.Errorf("%s: the compiled AIR of %s: %w", f, s.Aqua.Func, err)
		}
		s.Script = string(air)
		cases = append(cases, Case{File: f, Scenario: s})
	}
	return cases, nil
}
