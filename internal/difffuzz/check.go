package difffuzz

import (
	"context"
	"fmt"

	"github.com/aquanet/aquanet/interpreter"
)

// referenceChecker checks cases against the reference in the installed oracle directory dir:
// it plays each on aquanet, runs all the chains through the reference in one node process and
// compares.
func referenceChecker(dir string) checker {
	return func(ctx context.Context, cases []*Case) ([]*Diff, error) {
		runs := make([]*run, len(cases))
		for i, c := range cases {
			runs[i] = c.play()
		}
		return checkRuns(ctx, dir, runs)
	}
}

// checkRuns runs the chains through the reference and returns each run's first difference.
func checkRuns(ctx context.Context, dir string, runs []*run) ([]*Diff, error) {
	outs, crashes, err := referenceOutcomes(ctx, dir, runs)
	if err != nil {
		return nil, err
	}
	diffs := make([]*Diff, len(runs))
	for i, r := range runs {
		if crashes[i] != nil {
			diffs[i] = crashDiff(r, crashes[i])
			continue
		}
		if diffs[i], err = compare(r.ours, outs[i]); err != nil {
			return nil, fmt.Errorf("difffuzz: comparing case %d of %d: %w", i, len(runs), err)
		}
	}
	return diffs, nil
}

// crashDiff is the difference of a case the reference crashed on, at the step it crashed on,
// or took too long over ("timeout", at its last step).
func crashDiff(r *run, c *crash) *Diff {
	if c.step < 0 {
		// The reference says nothing of which step took it so long; a step aquanet stopped at
		// a budget is the likely one (the reference has no budget and goes on).
		for i, o := range r.ours {
			if o.RetCode == interpreter.CodeStepBudgetExceeded || o.RetCode == interpreter.CodeMemoryBudgetExceeded {
				return &Diff{Step: i, What: "timeout", OurCode: o.RetCode, Ours: fmt.Sprintf("%d %s", o.RetCode, o.ErrorMessage), Ref: c.text}
			}
		}
		return &Diff{Step: len(r.steps) - 1, What: "timeout", Ours: "(done)", Ref: c.text}
	}
	d := &Diff{Step: c.step, What: "reference", Ref: "AquaVM failed: " + c.text}
	if c.step < len(r.ours) {
		o := r.ours[c.step]
		d.OurCode, d.Ours = o.RetCode, fmt.Sprintf("%d %s", o.RetCode, o.ErrorMessage)
	}
	return d
}
