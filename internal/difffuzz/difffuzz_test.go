package difffuzz

import (
	"context"
	"encoding/json"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/oracle"
)

var (
	flagDuration = flag.Duration("difffuzz.duration", 0, "run TestDifferential for this long instead of the fixed sample")
	flagCases    = flag.Int("difffuzz.cases", 150, "the number of cases of TestDifferential's fixed sample")
	flagSeed     = flag.Uint64("difffuzz.seed", 1, "the first case's seed")
	flagBatch    = flag.Int("difffuzz.batch", 300, "cases per reference process")
	flagMinimize = flag.Int("difffuzz.minimize", 2, "how many cases of each kind of difference to minimize")
	flagOut      = flag.String("difffuzz.out", "", "a directory to write the minimized cases to, as regression files")
	flagReplay   = flag.String("difffuzz.replay", filepath.Join("testdata", "regressions"), "the directory of regression files TestRegressions replays (another one to triage findings)")
)

// TestDifferential runs generated cases on aquanet and on the reference and fails on any
// difference: by default a fixed sample of seeds (a few seconds), with -difffuzz.duration a
// session of that length from -difffuzz.seed on (scripts/difffuzz.sh).
func TestDifferential(t *testing.T) {
	dir := oracle.Require(t)
	cfg := Config{
		OracleDir: dir, FirstSeed: *flagSeed, Cases: *flagCases, Batch: *flagBatch, Minimize: *flagMinimize, OutDir: *flagOut,
		Log: t.Logf,
	}
	if *flagDuration > 0 {
		cfg.Cases, cfg.Duration = 0, *flagDuration
	}
	ctx, cancel := context.WithTimeout(context.Background(), max(cfg.Duration*2, 10*time.Minute))
	defer cancel()
	stats, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", stats)
	for _, f := range stats.SortedFindings() {
		t.Errorf("%q in %d cases (seeds %v...): first %s", f.Signature, len(f.Seeds), f.Seeds[:min(len(f.Seeds), 10)], f.First)
		for _, m := range f.Minimized {
			t.Logf("  minimized seed %d: %s (%s)\n%s", m.Seed, m.Script, m.File, m.Diff)
		}
	}
}

// TestRegressions replays every case kept in testdata/regressions on aquanet and on the
// reference. A case fails while its difference exists; a case with a documented divergence
// must show exactly that divergence.
func TestRegressions(t *testing.T) {
	dir := oracle.Require(t)
	names, regs, err := readRegressions(*flagReplay)
	if err != nil {
		t.Fatal(err)
	}
	runs := make([]*run, len(regs))
	for i, reg := range regs {
		if runs[i], err = reg.run(); err != nil {
			t.Fatalf("%s: %v", names[i], err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	diffs, err := checkRuns(ctx, dir, runs)
	if err != nil {
		t.Fatal(err)
	}
	for i, reg := range regs {
		t.Run(names[i], func(t *testing.T) {
			d := diffs[i]
			switch {
			case reg.Divergence == nil && d != nil:
				t.Errorf("aquanet differs from the reference: %s", d)
			case reg.Divergence != nil && d == nil:
				t.Errorf("the documented divergence is gone (%s): make the case an ordinary regression", reg.Divergence.Why)
			case reg.Divergence != nil && *d != reg.Divergence.Diff:
				got, _ := json.Marshal(d)
				t.Errorf("the divergence changed:\n got %s\nwant %s\n(as JSON: %s)", d, &reg.Divergence.Diff, got)
			}
		})
	}
}

// FuzzDifferential is the differential test under Go's fuzzing engine: the input bytes are the
// generator's decisions (FromBytes), so that coverage guides the search. Every input starts a
// node process: run it with -fuzz for long sessions only; TestDifferential is the quicker one.
func FuzzDifferential(f *testing.F) {
	dir := oracle.Require(f)
	f.Add([]byte{})
	f.Add([]byte("\x07\x01\x08\x03\x02\x05\x01\x00\x09\x04\x02\x01\x06\x03"))
	f.Add([]byte("a differential fuzzer's seed: fold over a stream, a join, an error"))
	check := referenceChecker(dir)
	f.Fuzz(func(t *testing.T, b []byte) {
		c := FromBytes(b)
		diffs, err := check(context.Background(), []*Case{c})
		if err != nil {
			t.Fatal(err)
		}
		if d := diffs[0]; d != nil {
			t.Fatalf("%s\nscript: %s\npeers %v, choices %v", d, c.Script, c.Peers, c.Choices)
		}
	})
}
