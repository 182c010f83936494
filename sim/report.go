package sim

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WriteReport writes r as one self-contained HTML page (no external resources): a verdict,
// the faults the seed drew and when each struck, then a timeline of the particles hopping
// between the nodes that fills the window (a sequence diagram: a lane per node, time
// downwards, an arrow per trip coloured by its fate, the faults marked), zoomed to where the
// events are, with zoom and scroll controls, a label on hovering an arrow and its details in
// a side panel on clicking it; then the checks, each node's counters and the options. The
// page's script lays the timeline out; r needs its hops (Options.KeepHops).
func WriteReport(w io.Writer, r *Result) error {
	opts, err := json.MarshalIndent(r.Options, "", "  ")
	if err != nil {
		return err
	}
	lanes := map[string]int{}
	for i, n := range r.Nodes {
		lanes[n.Name] = i
	}
	var arrows []arrow
	for _, h := range r.Hops {
		arrows = append(arrows, arrow{Particle: h.Particle, From: lanes[h.From], To: lanes[h.To], Sent: ms(h.Sent), Arrived: ms(h.Arrived),
			Fate: h.Fate, Title: fmt.Sprintf("%s: %s → %s, sent %v, %s", h.Particle, h.From, h.To, round(h.Sent), fate(h))})
	}
	var marks []mark
	for _, m := range r.Marks {
		marks = append(marks, mark{At: ms(m.At), Time: round(m.At).String(), What: m.What})
	}
	var checks []checkRow
	failed := 0
	for _, n := range slices.Sorted(maps.Keys(r.Checks)) {
		c := r.Checks[n]
		checks = append(checks, checkRow{Name: n, Pass: c.Pass, Detail: c.Detail})
		if !c.Pass {
			failed++
		}
	}
	return reportTemplate.Execute(w, reportData{
		Result: r, Options: string(opts), Checks: checks, Failed: failed, Lanes: r.Nodes, Arrows: arrows, Marks: marks,
		Spans: spans(r), Faults: r.FaultLines(), End: ms(time.Duration(r.VirtualSeconds * float64(time.Second))),
		Truncated: len(r.Hops) >= maxHops, Script: template.JS(reportScript),
	})
}

// ms is d in milliseconds, as the page's script reads times.
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64)
}

// fate says what became of a trip, and when.
func fate(h Hop) string {
	switch {
	case h.Fate == "delivered":
		return fmt.Sprintf("delivered at %v (took %v)", round(h.Arrived), round(h.Arrived-h.Sent))
	case h.Arrived == h.Sent:
		return h.Fate + " as it was sent"
	}
	return fmt.Sprintf("%s in flight at %v", h.Fate, round(h.Arrived))
}

type arrow struct {
	Particle      string
	From, To      int // lanes
	Sent, Arrived string
	Fate, Title   string
}

type mark struct {
	At, Time, What string
}

// span is a fault that lasts: a node down or clogged (on its lane), or a partition (across
// every lane).
type span struct {
	Kind     string // down, clog, split
	Lane     int    // -1: every lane
	From, To string
	Title    string
}

type checkRow struct {
	Name, Detail string
	Pass         bool
}

type reportData struct {
	Result    *Result
	Options   string
	Checks    []checkRow
	Failed    int
	Lanes     []NodeStats
	Arrows    []arrow
	Marks     []mark
	Spans     []span
	Faults    []string
	End       string
	Truncated bool
	Script    template.JS
}

// spans pairs the marks that begin and end a lasting fault: a crash and its restart, a clog
// and its unclog, a split and its unsplit; the healing ends whatever is still on.
func spans(r *Result) []span {
	lane := map[string]int{}
	for i, n := range r.Nodes {
		lane[n.Name] = i
		lane[fmt.Sprintf("n%d", i)] = i // clogs name nodes by index
	}
	type open struct {
		at   time.Duration
		what string
	}
	down, clogged := map[int]open{}, map[int]open{}
	var split *open
	var out []span
	end := func(kind string, l int, o open, at time.Duration, how string) {
		name := "every node"
		if l >= 0 {
			name = r.nodeName(l)
		}
		out = append(out, span{Kind: kind, Lane: l, From: ms(o.at), To: ms(at),
			Title: fmt.Sprintf("%s: %s from %v to %v (%s)", name, o.what, round(o.at), round(at), how)})
	}
	for _, m := range r.Marks {
		word, rest, _ := strings.Cut(m.What, " ")
		node, _, _ := strings.Cut(rest, " ")
		l, known := lane[node]
		switch {
		case word == "crash" && known:
			down[l] = open{m.At, "down after a crash"}
		case word == "restart" && known:
			if o, ok := down[l]; ok {
				end("down", l, o, m.At, "restarted")
				delete(down, l)
			}
		case word == "clog" && known:
			clogged[l] = open{m.At, "clogged"}
		case word == "unclog" && known:
			if o, ok := clogged[l]; ok {
				end("clog", l, o, m.At, "unclogged")
				delete(clogged, l)
			}
		case word == "split":
			if split != nil {
				end("split", -1, *split, m.At, "another split")
			}
			side, oneWay, _ := strings.Cut(rest, " one_way=")
			what := "partition of {" + side + "} from the rest"
			if oneWay == "true" {
				what += ", one way: only towards {" + side + "}"
			}
			split = &open{m.At, what}
		case word == "unsplit" && split != nil:
			end("split", -1, *split, m.At, "healed")
			split = nil
		case word == "heal":
			for _, l := range slices.Sorted(maps.Keys(clogged)) {
				end("clog", l, clogged[l], m.At, "the healing")
			}
			clear(clogged)
			if split != nil {
				end("split", -1, *split, m.At, "the healing")
				split = nil
			}
		}
	}
	return out
}

//go:embed report.html
var reportPage string

//go:embed report.js
var reportScript string

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"mul100": func(f float64) float64 { return 100 * f },
}).Parse(reportPage))
