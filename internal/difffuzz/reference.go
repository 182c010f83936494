package difffuzz

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/aquanet/aquanet/internal/oracle"
)

// driverCrash is how the steps driver reports AquaVM crashing (a wasm trap) on step N of the
// chain it was given.
var driverCrash = regexp.MustCompile(`step (\d+): AquaVM failed: ([^\n]*)`)

// crash is the reference crashing on a step of a case's chain, or taking too long over it
// (step -1).
type crash struct {
	step int
	text string // AquaVM's words, after "AquaVM failed: "
}

// A batch may take startTime and stepTime per step: far beyond node's start (a second, more on
// a busy machine) and the few milliseconds a step takes, so that only a case the reference
// cannot get through (or takes minutes and gigabytes over) hits the bound. Variables for a
// test.
var (
	startTime = 30 * time.Second
	stepTime  = 200 * time.Millisecond
)

// referenceOutcomes runs the chains of many runs through the reference in one node process (one
// per batch costs a process start, not one per case) and returns each run's outcomes. When the
// reference crashes on a step, the case of that step gets a crash instead of outcomes and the
// others run again without it. A batch that takes longer than stepTime per step runs again in
// halves, down to the case that takes that long, which gets a crash too. err is a failure of
// the oracle itself (node failing otherwise than by AquaVM crashing), or ctx ending.
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
		limit := startTime + time.Duration(len(all))*stepTime
		batchCtx, cancel := context.WithTimeout(ctx, limit)
		res, err := oracle.RunSteps(batchCtx, dir, all)
		timedOut := errors.Is(batchCtx.Err(), context.DeadlineExceeded)
		cancel()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if timedOut {
			if len(left) == 1 {
				crashes[left[0]] = &crash{step: -1, text: fmt.Sprintf("no outcome within %v", limit)}
				return outs, crashes, nil
			}
			// Halves, each on its own, until the slow case is alone.
			mid := len(left) / 2
			for _, part := range [][]int{left[:mid], left[mid:]} {
				sub := make([]*run, len(part))
				for k, i := range part {
					sub[k] = runs[i]
				}
				o, c, err := referenceOutcomes(ctx, dir, sub)
				if err != nil {
					return nil, nil, err
				}
				for k, i := range part {
					outs[i], crashes[i] = o[k], c[k]
				}
			}
			return outs, crashes, nil
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
