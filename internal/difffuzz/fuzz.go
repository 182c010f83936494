package difffuzz

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aquanet/aquanet/interpreter"
)

// Config is one fuzzing session.
type Config struct {
	// OracleDir is the installed oracle directory (oracle.Dir).
	OracleDir string
	// FirstSeed is the first case's seed; the cases are FirstSeed, FirstSeed+1, ...
	FirstSeed uint64
	// Cases stops the session after this many cases; Duration after this long (at the end of
	// a batch). At least one of them must be set.
	Cases    int
	Duration time.Duration
	// Batch is the number of cases per reference process; default 200.
	Batch int
	// Minimize is how many of the findings of one signature to minimize (the rest are only
	// counted); 0 minimizes none. MinimizeFor bounds the time one minimization may take
	// (default 3 minutes); the smallest case found by then is kept.
	Minimize    int
	MinimizeFor time.Duration
	// OutDir, if set, receives each minimized finding as a regression file.
	OutDir string
	// Log, if set, reports progress and findings.
	Log func(format string, args ...any)
}

// Finding is one kind of difference (one Diff signature) and the cases that showed it.
type Finding struct {
	Signature string
	Seeds     []uint64 // every case that showed it
	First     *Diff    // the first case's difference
	// Minimized are the minimized cases, up to Config.Minimize of them, with their
	// differences and, when written, their files.
	Minimized []Minimized
}

// Minimized is a finding's case after minimization.
type Minimized struct {
	Seed   uint64
	Script string
	Diff   *Diff
	File   string
}

// Stats is what a session did.
type Stats struct {
	Cases, Steps int
	// Rejected counts cases whose script the interpreter rejected (a parse error): both sides
	// must agree on those too, but they test little else.
	Rejected int
	// OverBudget counts cases in which aquanet stopped a run at its step or memory budget where
	// the reference went on: a documented divergence (testdata/regressions/*-budget-*), not a
	// finding; nothing after that step is compared.
	OverBudget int
	// Elapsed is the session's time, Minimizing the part of it spent minimizing.
	Elapsed, Minimizing time.Duration
	Findings            map[string]*Finding
}

func (s *Stats) String() string {
	// The rates leave out the time spent minimizing.
	secs := max((s.Elapsed - s.Minimizing).Seconds(), 1e-3)
	return fmt.Sprintf("%d cases (%.1f/s), %d steps (%.1f/s), %d rejected scripts, %d over aquanet's budgets, %d kinds of difference in %d cases, in %v (%v of it minimizing)",
		s.Cases, float64(s.Cases)/secs, s.Steps, float64(s.Steps)/secs, s.Rejected, s.OverBudget,
		len(s.Findings), s.differing(), s.Elapsed.Round(time.Second), s.Minimizing.Round(time.Second))
}

func (s *Stats) differing() int {
	n := 0
	for _, f := range s.Findings {
		n += len(f.Seeds)
	}
	return n
}

// SortedFindings returns the findings, the most frequent first.
func (s *Stats) SortedFindings() []*Finding {
	fs := slices.Collect(maps.Values(s.Findings))
	slices.SortFunc(fs, func(a, b *Finding) int {
		if len(a.Seeds) != len(b.Seeds) {
			return len(b.Seeds) - len(a.Seeds)
		}
		return strings.Compare(a.Signature, b.Signature)
	})
	return fs
}

// overBudget reports whether d is aquanet stopping a run at one of its budgets, which the
// reference does not have: where the reference finished the step otherwise, or took far too
// long over the case.
func overBudget(d *Diff) bool {
	return (d.What == "ret_code" || d.What == "timeout") &&
		(d.OurCode == interpreter.CodeStepBudgetExceeded || d.OurCode == interpreter.CodeMemoryBudgetExceeded)
}

// Run generates cases from cfg.FirstSeed on, runs each on aquanet and on the reference, and
// collects the differences, until cfg.Cases cases or cfg.Duration have passed or ctx ends. The
// error is a failure of the oracle, or of the session's setup; differences are in the Stats.
func Run(ctx context.Context, cfg Config) (*Stats, error) {
	if cfg.Cases <= 0 && cfg.Duration <= 0 {
		return nil, fmt.Errorf("difffuzz: neither a number of cases nor a duration to run for")
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 200
	}
	if cfg.MinimizeFor <= 0 {
		cfg.MinimizeFor = 3 * time.Minute
	}
	logf := cfg.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	check := referenceChecker(cfg.OracleDir)
	stats := &Stats{Findings: map[string]*Finding{}}
	start := time.Now()
	lastLog := start
	seed := cfg.FirstSeed
	for ctx.Err() == nil {
		if cfg.Cases > 0 && stats.Cases >= cfg.Cases || cfg.Duration > 0 && time.Since(start) >= cfg.Duration {
			break
		}
		n := cfg.Batch
		if cfg.Cases > 0 {
			n = min(n, cfg.Cases-stats.Cases)
		}
		cases := make([]*Case, n)
		runs := make([]*run, n)
		for i := range cases {
			cases[i] = Generate(seed + uint64(i))
			runs[i] = cases[i].play()
			stats.Steps += len(runs[i].steps)
			if runs[i].ours[0].RetCode == 1 {
				stats.Rejected++
			}
		}
		diffs, err := checkRuns(ctx, cfg.OracleDir, runs)
		if err != nil {
			return stats, err
		}
		for i, d := range diffs {
			if d == nil {
				continue
			}
			if overBudget(d) {
				stats.OverBudget++
				continue
			}
			s := seed + uint64(i)
			f := stats.Findings[d.Signature()]
			if f == nil {
				f = &Finding{Signature: d.Signature(), First: d}
				stats.Findings[d.Signature()] = f
				logf("new difference %q, seed %d:\n%s\n%s", d.Signature(), s, cases[i].Script, d)
			}
			f.Seeds = append(f.Seeds, s)
			if len(f.Minimized) < cfg.Minimize {
				t0 := time.Now()
				m, md, err := minimize(ctx, check, cases[i], d, time.Now().Add(cfg.MinimizeFor))
				stats.Minimizing += time.Since(t0)
				if err != nil {
					return stats, err
				}
				min := Minimized{Seed: s, Script: m.Script.String(), Diff: md}
				if cfg.OutDir != "" {
					name := fmt.Sprintf("seed-%d", s)
					if min.File, err = writeRegression(cfg.OutDir, name, regressionOf(m, md, fmt.Sprintf("difffuzz seed %d", s))); err != nil {
						return stats, err
					}
				}
				f.Minimized = append(f.Minimized, min)
				logf("minimized seed %d (%q) to %d instructions: %s\n%s", s, d.Signature(), m.Script.size(), min.Script, md)
			}
		}
		stats.Cases += n
		seed += uint64(n)
		stats.Elapsed = time.Since(start)
		if time.Since(lastLog) >= time.Minute {
			lastLog = time.Now()
			logf("progress: %s", stats)
		}
	}
	stats.Elapsed = time.Since(start)
	return stats, nil
}
