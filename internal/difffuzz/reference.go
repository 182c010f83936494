package difffuzz

import (
	"context"
	"fmt"
	"strings"

	"github.com/aquanet/aquanet/internal/oracle"
)

// referenceOutcomes runs the chains of many runs through the reference in one node process (one
// per batch costs a process start, not one per case) and returns each run's outcomes. When the
// reference crashes on a batch, halves of it run again until the crashing runs are alone:
// those get a nil result and their error in crashed. err is a failure of the oracle itself
// (node failing otherwise than by the steps driver's "AquaVM failed"), or ctx ending.
func referenceOutcomes(ctx context.Context, dir string, runs []*run) (outs [][]oracle.StepOutcome, crashed []error, err error) {
	outs, crashed = make([][]oracle.StepOutcome, len(runs)), make([]error, len(runs))
	var do func(lo, hi int) error
	do = func(lo, hi int) error {
		var all []oracle.Step
		starts := make([]int, 0, hi-lo)
		for _, r := range runs[lo:hi] {
			starts = append(starts, len(all))
			all = append(all, offsetSteps(r.steps, len(all))...)
		}
		res, err := oracle.RunSteps(ctx, dir, all)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if hi-lo == 1 {
				if !strings.Contains(err.Error(), "AquaVM failed") {
					return err // node itself failed
				}
				crashed[lo] = err
				return nil
			}
			mid := (lo + hi) / 2
			if err := do(lo, mid); err != nil {
				return err
			}
			return do(mid, hi)
		}
		for k, start := range starts {
			outs[lo+k] = res[start : start+len(runs[lo+k].steps)]
		}
		return nil
	}
	if len(runs) == 0 {
		return outs, crashed, nil
	}
	if err := do(0, len(runs)); err != nil {
		return nil, nil, fmt.Errorf("difffuzz: the reference over %d cases: %w", len(runs), err)
	}
	return outs, crashed, nil
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
