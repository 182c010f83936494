package difffuzz

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/aquanet/aquanet/internal/oracle"
)

// driverCrash is how the steps driver reports AquaVM crashing (a wasm trap) on step N of the
// chain it was given.
var driverCrash = regexp.MustCompile(`step (\d+): AquaVM failed: ([^\n]*)`)

// crash is the reference crashing on a step of a case's chain.
type crash struct {
	step int
	text string // AquaVM's words, after "AquaVM failed: "
}

// referenceOutcomes runs the chains of many runs through the reference in one node process (one
// per batch costs a process start, not one per case) and returns each run's outcomes. When the
// reference crashes on a step, the case of that step gets a crash instead of outcomes and the
// others run again without it. err is a failure of the oracle itself (node failing otherwise
// than by AquaVM crashing), or ctx ending.
func referenceOutcomes(ctx context.Context, dir string, runs []*run) (outs [][]oracle.StepOutcome, crashes []*crash, err error) {
	outs, crashes = make([][]oracle.StepOutcome, len(runs)), make([]*crash, len(runs))
	left := make([]int, 0, len(runs)) // the runs still to get outcomes for
	for i, r := range runs {
		if len(r.steps) > 0 {
			left = append(left, i)
		}
	}
	for len(left) > 0 {
		var all []oracle.Step
		starts := make([]int, len(left))
		for k, i := range left {
			starts[k] = len(all)
			all = append(all, offsetSteps(runs[i].steps, len(all))...)
		}
		res, err := oracle.RunSteps(ctx, dir, all)
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if err == nil {
			for k, i := range left {
				outs[i] = res[starts[k] : starts[k]+len(runs[i].steps)]
			}
			return outs, crashes, nil
		}
		m := driverCrash.FindStringSubmatch(err.Error())
		if m == nil {
			return nil, nil, fmt.Errorf("difffuzz: the reference over %d cases: %w", len(left), err)
		}
		at, _ := strconv.Atoi(m[1])
		k := len(starts) - 1
		for k > 0 && starts[k] > at {
			k--
		}
		crashes[left[k]] = &crash{step: at - starts[k], text: m[2]}
		left = append(left[:k], left[k+1:]...)
	}
	return outs, crashes, nil
}

// offsetSteps returns steps with their references to earlier steps moved by base, for a chain
// that starts at index base of a longer one.
func offsetSteps(steps []oracle.Step, base int) []oracle.Step {
	out := make([]oracle.Step, len(steps))
	for i, s := range steps {
		if s.Prev != nil {
			p := *s.Prev + base
			s.Prev = &p
		}
		if s.Current != nil {
			c := *s.Current + base
			s.Current = &c
		}
		out[i] = s
	}
	return out
}
