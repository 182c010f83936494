package difffuzz

import (
	"context"
	"fmt"
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
	outs, crashed, err := referenceOutcomes(ctx, dir, runs)
	if err != nil {
		return nil, err
	}
	diffs := make([]*Diff, len(runs))
	for i, r := range runs {
		if crashed[i] != nil {
			diffs[i] = &Diff{Step: len(r.steps) - 1, What: "reference", Ours: "(ran)", Ref: crashed[i].Error()}
			continue
		}
		if diffs[i], err = compare(r.ours, outs[i]); err != nil {
			return nil, fmt.Errorf("difffuzz: comparing case %d of %d: %w", i, len(runs), err)
		}
	}
	return diffs, nil
}
