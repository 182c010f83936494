package interpreter_test

import (
	"path/filepath"
	"testing"

	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter"
)

// TestBudgetDefaultsFitScenarios measures the steps and memory of every run of every reference
// scenario, the measurement behind interpreter.DefaultMaxSteps and DefaultMaxMemory (run with
// -v to see it), and holds the defaults to a margin of at least 100 times over the largest
// run: a change that makes ordinary runs costlier by orders of magnitude fails here before it
// fails compiled Aqua programs on a node.
func TestBudgetDefaultsFitScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/scenarios/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var maxSteps, maxMemory int64
	var stepsAt, memoryAt string
	for _, f := range files {
		s, err := scenario.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		step := func(script string, prev, cur []byte, results map[uint32]interpreter.CallResult, p interpreter.Params) interpreter.Outcome {
			o := interpreter.Run(script, prev, cur, results, p)
			if o.Steps > maxSteps {
				maxSteps, stepsAt = o.Steps, name
			}
			if o.Memory > maxMemory {
				maxMemory, memoryAt = o.Memory, name
			}
			return o
		}
		if _, err := scenario.RunWith(s, step, scenario.Options{}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	t.Logf("%d scenarios: at most %d steps (%s) and %d bytes (%s) in one run", len(files), maxSteps, stepsAt, maxMemory, memoryAt)
	if maxSteps == 0 || maxMemory == 0 {
		t.Fatal("no run spent anything: the budget counts nothing")
	}
	if maxSteps*100 > interpreter.DefaultMaxSteps || maxMemory*100 > interpreter.DefaultMaxMemory {
		t.Errorf("the largest scenario runs take %d steps and %d bytes, over a hundredth of the defaults (%d, %d)",
			maxSteps, maxMemory, interpreter.DefaultMaxSteps, interpreter.DefaultMaxMemory)
	}
}
