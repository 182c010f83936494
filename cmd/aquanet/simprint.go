package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"time"

	"github.com/aquanet/aquanet/sim"
)

// swarmSummary is what a run of --seeds adds up to, printed at its end: as a line of text, or
// with --json as one object {"summary": {...}} after the runs' objects.
type swarmSummary struct {
	Seeds          int     `json:"seeds"`           // seeds begun
	Runs           int     `json:"runs"`            // runs judged (a seed runs each workload)
	Passed         int     `json:"passed"`          // runs whose every check passed
	Failed         int     `json:"failed"`          // runs with a failed check
	Errors         int     `json:"errors"`          // runs that could not run to their end
	VirtualSeconds float64 `json:"virtual_seconds"` // of the runs judged
	RealSeconds    float64 `json:"real_seconds"`    // of the whole swarm
	Events         int     `json:"events"`          // of the runs judged
}

func (s *swarmSummary) add(r *sim.Result) {
	s.Runs++
	if r.Passed() {
		s.Passed++
	} else {
		s.Failed++
	}
	s.VirtualSeconds += r.VirtualSeconds
	s.Events += r.Events
}

// print writes the summary, if any run was judged (a swarm refused at its first seed has none).
func (s *swarmSummary) print(w io.Writer, asJSON bool) {
	if s.Runs == 0 {
		return
	}
	if asJSON {
		b, _ := json.Marshal(struct {
			Summary *swarmSummary `json:"summary"`
		}{s})
		fprintf(w, "%s\n", b)
		return
	}
	runs := ""
	if s.Runs != s.Seeds {
		runs = fmt.Sprintf(" (%d runs)", s.Runs)
	}
	errs := ""
	if s.Errors > 0 {
		errs = fmt.Sprintf(", %d could not run", s.Errors)
	}
	virtual := time.Duration(s.VirtualSeconds * float64(time.Second)).Round(time.Second)
	fprintf(w, "total: %d seeds%s, %d passed, %d failed%s; %v virtual in %.2f real s; %d events\n",
		s.Seeds, runs, s.Passed, s.Failed, errs, virtual, s.RealSeconds, s.Events)
}

func printSimResult(w io.Writer, r *sim.Result) {
	perimeter := ""
	if r.Options.Perimeter {
		perimeter = ", under a perimeter"
	}
	fprintf(w, "seed %d: %d nodes, %d messages%s, faults %s (loss %.1f%%, duplicates %.1f%%, delay %v-%v)\n", r.Seed, r.Options.Nodes,
		r.Options.Messages, perimeter, r.Options.Faults, 100*r.Options.Net.Loss, 100*r.Options.Net.Duplicate, r.Options.Net.MinDelay, r.Options.Net.MaxDelay)
	fprintf(w, "  %d events, hash %s, %.0f virtual s in %.2f real s; network: %d sent, %d lost, %d duplicated, %d cut\n",
		r.Events, r.Hash, r.VirtualSeconds, r.RealSeconds, r.Net.Sent, r.Net.Lost, r.Net.Duplicated, r.Net.Cut)
	if r.Net.Lookups > 0 {
		fprintf(w, "  DHT: %d lookups, %.2f rounds each on average, %d at most (log2 of %d nodes: %.1f)\n", r.Net.Lookups,
			float64(r.Net.LookupHops)/float64(r.Net.Lookups), r.Net.LookupMaxHops, r.Options.Nodes, math.Log2(float64(r.Options.Nodes)))
	}
	for _, l := range r.FaultLines() {
		fprintf(w, "  %s\n", l)
	}
	names := make([]string, 0, len(r.Checks))
	for n := range r.Checks {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		verdict := "pass"
		if !r.Checks[n].Pass {
			verdict = "FAIL"
		}
		line := "  " + verdict + " " + n
		if d := r.Checks[n].Detail; d != "" {
			line += ": " + d
		}
		fprintf(w, "%s\n", line)
	}
}

func writeSimReport(path string, r *sim.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	if err := sim.WriteReport(f, r); err != nil {
		f.Close()
		return fmt.Errorf("--report %s: %w", path, err)
	}
	return f.Close()
}

// isTerminal reports whether w is a terminal (a progress line is only for people).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
