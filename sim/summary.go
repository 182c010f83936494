package sim

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// FaultLines describes, one line per kind, the faults the seed drew and what came of them: the
// crashes (and whether each happened: a node already down is not killed again) and restarts,
// the partitions, the swizzle-clogs, the clock skews and the fault points, with the times
// since the start of the run. A kind the run did not have gets no line; nil for a fault-free
// run.
func (r *Result) FaultLines() []string {
	o := r.Options
	var lines []string
	if len(o.Crashes) > 0 {
		crashed, restarts := 0, 0
		for _, m := range r.Marks {
			switch {
			case strings.HasPrefix(m.What, "crash "):
				crashed++
			case strings.HasPrefix(m.What, "restart "):
				restarts++
			}
		}
		var each []string
		for _, c := range byTime(o.Crashes, func(c crash) time.Duration { return c.At }) {
			name := r.nodeName(c.Node)
			s := fmt.Sprintf("%s at %v for %v keeping %d%% of unsynced writes", name, round(c.At), round(c.Down), c.UnsyncedPercent)
			if !r.marked(c.At, "crash "+name+" ") {
				s += " (not: it was down already)"
			}
			each = append(each, s)
		}
		lines = append(lines, fmt.Sprintf("crashes: %d of %d drawn, restarted %d: %s", crashed, len(o.Crashes), restarts, strings.Join(each, "; ")))
	}
	if len(o.Splits) > 0 {
		var each []string
		for _, s := range byTime(o.Splits, func(s split) time.Duration { return s.At }) {
			cut := "both ways"
			if s.OneWay {
				cut = "one way: only towards " + r.nodeNames(s.Side1)
			}
			each = append(each, fmt.Sprintf("%s from the rest at %v for %v (%s)", r.nodeNames(s.Side1), round(s.At), round(s.For), cut))
		}
		lines = append(lines, fmt.Sprintf("partitions: %d: %s", len(o.Splits), strings.Join(each, "; ")))
	}
	if len(o.Swizzles) > 0 {
		var each []string
		for _, z := range byTime(o.Swizzles, func(z swizzle) time.Duration { return z.At }) {
			each = append(each, fmt.Sprintf("%s clogged one by one from %v, %v apart, held %v", r.nodeNames(z.Nodes), round(z.At), z.Gap, z.Hold))
		}
		lines = append(lines, fmt.Sprintf("swizzle-clogs: %d: %s", len(o.Swizzles), strings.Join(each, "; ")))
	}
	if len(o.Skews) > 0 {
		var each []string
		least, most := slices.Min(o.Skews), slices.Max(o.Skews)
		for i := range r.Nodes[:min(len(r.Nodes), maxNamed)] {
			skew := o.Skews[i%len(o.Skews)].Round(time.Millisecond)
			sign := "+"
			if skew < 0 {
				sign = ""
			}
			each = append(each, fmt.Sprintf("%s %s%v", r.Nodes[i].Name, sign, skew))
		}
		if len(r.Nodes) > maxNamed {
			each = append(each, fmt.Sprintf("… %d nodes, from %v to %v", len(r.Nodes), round(least), round(most)))
		}
		lines = append(lines, "clock skews: "+strings.Join(each, ", "))
	}
	if o.Buggify {
		fired := "none fired"
		if len(r.FaultsFired) > 0 {
			fired = "fired: " + strings.Join(r.FaultsFired, " ")
		}
		lines = append(lines, "fault points: on, "+fired)
	}
	return lines
}

// marked reports whether a fault or healing mark at at begins with prefix.
func (r *Result) marked(at time.Duration, prefix string) bool {
	for _, m := range r.Marks {
		if m.At == at && strings.HasPrefix(m.What, prefix) {
			return true
		}
	}
	return false
}

// nodeName names node i as the run did.
func (r *Result) nodeName(i int) string {
	if i < len(r.Nodes) {
		return r.Nodes[i].Name
	}
	return fmt.Sprintf("n%d", i)
}

func (r *Result) nodeNames(idx []int) string {
	names := make([]string, 0, min(len(idx), maxNamed))
	for _, n := range idx[:min(len(idx), maxNamed)] {
		names = append(names, r.nodeName(n))
	}
	if len(idx) > maxNamed {
		return fmt.Sprintf("{%s,… %d nodes}", strings.Join(names, ","), len(idx))
	}
	return "{" + strings.Join(names, ",") + "}"
}

// maxNamed is how many nodes of a set, or clock skews, a fault's line names: a run of a
// thousand nodes prints a line, not a page (--json has them all).
const maxNamed = 12

// byTime returns a copy of faults in the order they begin.
func byTime[F any](faults []F, at func(F) time.Duration) []F {
	return slices.SortedStableFunc(slices.Values(faults), func(a, b F) int { return cmp.Compare(at(a), at(b)) })
}

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
